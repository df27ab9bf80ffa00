package pluginbuild

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// Exit statuses of Main.
const (
	ExitOK      = 0 // built (or, with -dry-run, planned)
	ExitFailed  = 1 // the build or the plan failed
	ExitUsage   = 2 // bad flags
	ExitRefused = 3 // tracee cannot load a plugin built here; nothing was built
)

// Main is the body of `pidfdsig plugin build`: args are the flags after
// those words. The environment supplies TRACEE_BIN and TRACEE_SRC when the
// flags do not. It returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pidfdsig plugin build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts Options
	var dryRun bool
	fs.StringVar(&opts.TraceeBin, "tracee", os.Getenv("TRACEE_BIN"), "`BIN`: the tracee binary the plugin is for (default $TRACEE_BIN)")
	fs.StringVar(&opts.TraceeSrc, "tracee-src", os.Getenv("TRACEE_SRC"),
		"`DIR`: the tracee source tree tracee was built from, needed when it compiled tracee/types from it (default $TRACEE_SRC)")
	fs.StringVar(&opts.Output, "o", "pidfdsig.so", "`FILE`: the .so to write")
	fs.BoolVar(&opts.GoOnly, "go-only", false, "leave OPA and the Rego rules out (build tag "+GoOnlyTag+")")
	fs.BoolVar(&dryRun, "dry-run", false, "print the plan (settings, pins, command) and build nothing")
	fs.StringVar(&opts.WorkDir, "workdir", "", "keep the alternate go.mod (plugin.mod) in this directory")
	fs.StringVar(&opts.Go, "go", "go", "go command")
	fs.StringVar(&opts.Package, "pkg", "./plugin", "the plugin's main package, relative to the module root")
	// Help asked for goes to stdout; after a bad flag (which the flag
	// package has reported on stderr) the usage follows it there.
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, fs)
			return ExitOK
		}
		printUsage(stderr, fs)
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pidfdsig plugin build: unexpected arguments %q\n", fs.Args())
		return ExitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return run(ctx, opts, dryRun, stdout, stderr)
}

// printUsage writes the command's usage, flags and exit statuses to w.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: pidfdsig plugin build [flags]\n\n"+
		"Builds the pidfdsig Tracee plugin so that the given tracee binary loads it.\n\n")
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
	fmt.Fprintf(w, "\nexit status: %d built (or planned, -dry-run); %d the build or plan failed;\n"+
		"%d bad flags; %d tracee cannot load a plugin built here, nothing was built\n", ExitOK, ExitFailed, ExitUsage, ExitRefused)
}

func run(ctx context.Context, opts Options, dryRun bool, stdout, stderr io.Writer) int {
	plan, err := NewPlan(ctx, opts)
	if err != nil {
		return report(stderr, err)
	}
	defer plan.Close()
	if _, err := plan.WriteTo(stdout); err != nil {
		return report(stderr, err)
	}
	if dryRun {
		return ExitOK
	}
	if err := plan.Build(ctx, stdout, stderr); err != nil {
		return report(stderr, err)
	}
	fmt.Fprintf(stdout, "built %s: copy it into a --signatures-dir of %s\n", plan.Output, plan.Target.Path)
	return ExitOK
}

// report prints err, one refusal a line, and returns the exit status.
func report(w io.Writer, err error) int {
	var refusals []*Refusal
	collectRefusals(err, &refusals)
	if len(refusals) == 0 {
		fmt.Fprintf(w, "pidfdsig plugin build: %v\n", err)
		return ExitFailed
	}
	fmt.Fprintln(w, "pidfdsig plugin build: refused, nothing was built:")
	for _, r := range refusals {
		fmt.Fprintf(w, "  - %s\n", r)
	}
	return ExitRefused
}

// collectRefusals gathers the refusals joined in err.
func collectRefusals(err error, out *[]*Refusal) {
	if r, ok := err.(*Refusal); ok {
		*out = append(*out, r)
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			collectRefusals(e, out)
		}
	}
}
