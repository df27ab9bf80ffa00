// Package pluginbuild builds the pidfdsig Tracee plugin (a -buildmode=plugin
// .so) so that one given tracee binary can load it.
//
// Go loads a plugin only when the host binary and the .so agree on the Go
// toolchain version, GOEXPERIMENT, -race/-msan/-asan, build tags, and, for
// every package both contain, the exact compiled form: same module version,
// same source, and the same file paths recorded at compile time (-trimpath
// records module@version, a build without it records absolute directories).
// Anything else fails at load time with "plugin was built with a different
// version of package ...".
//
// pluginbuild reads all of this from the tracee binary itself: its build
// information (debug/buildinfo), its ELF headers (a static tracee cannot load
// plugins at all) and its function table (the directories its packages were
// compiled from). It then plans a build that matches: environment and flags,
// version pins for every module the .so shares with tracee, written to an
// alternate go.mod (go build -modfile; the project's go.mod is never
// touched), and per-package path rewrites where the recorded paths would
// otherwise differ. The pins keep the module graph consistent: a module
// tracee does not link whose version requires a pinned module at a newer
// version is downgraded with it, as `go get module@older` would; the
// project's own requirements (OPA) are kept and what they lose is listed
// in Plan.Conflicts. What cannot be matched is refused with a Refusal that
// names the value and the fix (ErrConflict, when no consistent graph
// exists, suggests the Go-only variant).
//
// The main call:
//
//	plan, err := pluginbuild.NewPlan(ctx, pluginbuild.Options{
//		TraceeBin: "/usr/bin/tracee",
//		Output:    "pidfdsig.so",
//	})
//	if errors.Is(err, pluginbuild.ErrToolchain) {
//		// install the Go version tracee was built with, e.g. GOTOOLCHAIN=go1.24.9
//	}
//	if err != nil {
//		return err
//	}
//	defer plan.Close()
//	plan.WriteTo(os.Stdout) // the dry run stops here
//	err = plan.Build(ctx, os.Stdout, os.Stderr)
//
// Build does all of this in one call (what a test wants: "build the full
// plugin for this tracee", or with Options.GoOnly the Go-only one):
//
//	plan, err := pluginbuild.Build(ctx, pluginbuild.Options{
//		TraceeBin: os.Getenv("TRACEE_BIN"),
//		TraceeSrc: os.Getenv("TRACEE_SRC"),
//		Output:    filepath.Join(dir, "pidfdsig.so"),
//	}, log, log)
//
// Main is the body of the `pidfdsig plugin build` command.
package pluginbuild
