package pluginbuild_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/pidfdsig/pidfdsig/pluginbuild"
)

// Plan a plugin for the tracee in PATH, print the plan, and build it unless
// tracee cannot load a plugin built here.
func ExampleNewPlan() {
	ctx := context.Background()
	plan, err := pluginbuild.NewPlan(ctx, pluginbuild.Options{TraceeBin: "tracee", Output: "pidfdsig.so"})
	switch {
	case errors.Is(err, pluginbuild.ErrToolchain):
		fmt.Println("install the Go version tracee was built with:", err)
		return
	case err != nil:
		fmt.Println(err)
		return
	}
	defer plan.Close()
	plan.WriteTo(os.Stdout)
	if err := plan.Build(ctx, os.Stdout, os.Stderr); err != nil {
		fmt.Println(err)
	}
}

// Build the Go-only plugin for the tracee named by TRACEE_BIN, in one call;
// a module graph that tracee's versions make inconsistent is refused with
// ErrConflict.
func ExampleBuild() {
	plan, err := pluginbuild.Build(context.Background(), pluginbuild.Options{
		TraceeBin: os.Getenv("TRACEE_BIN"),
		GoOnly:    true,
		Output:    "pidfdsig.so",
	}, os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, pluginbuild.ErrConflict):
		fmt.Println("no consistent module graph:", err)
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Println("built", plan.Output, "for", plan.Target.Path)
	}
}
