package pluginbuild

import "errors"

// The reasons a plan is refused. Every Refusal wraps one of them; test with
// errors.Is. NewPlan and Check join all the refusals they find, so one run
// reports every mismatch.
var (
	// ErrNotGoBinary: the file has no Go build information.
	ErrNotGoBinary = errors.New("not a Go binary with build information")
	// ErrStatic: tracee is statically linked; Go's plugin loader needs the
	// dynamic loader.
	ErrStatic = errors.New("tracee is static and cannot load plugins")
	// ErrNoCgo: tracee was built with CGO_ENABLED=0; plugin.Open then
	// always fails.
	ErrNoCgo = errors.New("tracee was built without cgo and cannot load plugins")
	// ErrNoPluginLoader: tracee's function table shows no plugin loader.
	ErrNoPluginLoader = errors.New("tracee does not contain Go's plugin loader")
	// ErrToolchain: the local Go toolchain is not the one tracee was built
	// with, or is not a gc toolchain.
	ErrToolchain = errors.New("go toolchain mismatch")
	// ErrPlatform: tracee is not a linux binary for an architecture this
	// machine can build for.
	ErrPlatform = errors.New("platform mismatch")
	// ErrExperiment: the GOEXPERIMENT tracee was built with cannot be
	// reproduced with the local toolchain.
	ErrExperiment = errors.New("GOEXPERIMENT mismatch")
	// ErrModule: a module the .so shares with tracee cannot be compiled the
	// way tracee compiled it (source directory unknown, checksum differs,
	// paths of a cgo package cannot be rewritten).
	ErrModule = errors.New("shared module cannot be matched")
	// ErrConflict: with the shared modules at tracee's versions, a module
	// the .so needs has no release whose requirements tracee's versions
	// satisfy (no consistent module graph). The Go-only variant needs
	// fewer modules.
	ErrConflict = errors.New("no consistent module graph")
)

// Refusal explains why a plugin that tracee would load cannot be built.
type Refusal struct {
	// Err is one of the Err* sentinels above.
	Err error
	// Reason says what does not match, with both values.
	Reason string
	// Fix says what to do about it.
	Fix string
}

// Error returns the reason and the fix.
func (r *Refusal) Error() string {
	if r.Fix == "" {
		return r.Reason
	}
	return r.Reason + "; " + r.Fix
}

// Unwrap returns the sentinel, for errors.Is.
func (r *Refusal) Unwrap() error { return r.Err }

func refuse(err error, reason, fix string) *Refusal {
	return &Refusal{Err: err, Reason: reason, Fix: fix}
}
