// Command pidfdsig decodes and scans pidfd_send_signal(2) events captured by
// Tracee (`tracee --output json`), in both of Tracee's JSON formats.
//
//	pidfdsig scan  [-o table|json] [FILE...]   run every signature, print findings
//	pidfdsig parse [-o table|json] [FILE...]   decode each pidfd_send_signal call
//	pidfdsig rules [-rules DIR] [-require-plan]  load and list the Rego rules
//	pidfdsig rules check DIR                   check a directory of your own rules
//	pidfdsig plugin build -tracee BIN          build a Tracee plugin that loads into BIN
//	pidfdsig version                           the pidfdsig, Go and OPA versions
//
// With no FILE, or with "-", it reads standard input.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/pidfdsig/pidfdsig/pluginbuild"
)

// Exit statuses shared by the subcommands.
const (
	exitOK       = 0
	exitFindings = 1 // scan: at least one finding
	exitError    = 2 // bad usage, or nothing could be read
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runContext(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs a command line that cannot be interrupted (tests).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdin, stdout, stderr)
}

// runContext dispatches a subcommand and returns the process's exit status.
// Cancelling ctx (SIGINT, SIGTERM) makes scan print what it has and stop.
func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitError
	}
	switch args[0] {
	case "parse":
		return runParse(args[1:], stdin, stdout, stderr)
	case "scan":
		return runScan(ctx, args[1:], stdin, stdout, stderr)
	case "rules":
		return runRules(args[1:], stdout, stderr)
	case "plugin":
		if len(args) == 2 && isHelpFlag(args[1]) {
			return pluginbuild.Main([]string{"-h"}, stdout, stderr)
		}
		if len(args) < 2 || args[1] != "build" {
			fmt.Fprintln(stderr, "usage: pidfdsig plugin build [-tracee BIN] [-tracee-src DIR] [-o OUT.so] [-go-only] [-dry-run]")
			return exitError
		}
		return pluginbuild.Main(args[2:], stdout, stderr)
	case "version", "-version", "--version":
		return runVersion(stdout)
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return exitOK
	default:
		fmt.Fprintf(stderr, "pidfdsig: unknown command %q\n", args[0])
		usage(stderr)
		return exitError
	}
}

// isHelpFlag reports whether arg asks for help.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return true
	}
	return false
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: pidfdsig COMMAND [FLAGS] [FILE...]

commands:
  scan    run target tracking and every signature over Tracee JSON captures;
          status 0 no findings, 1 findings, 2 errors (see scan -h)
  parse   decode every pidfd_send_signal event of Tracee JSON captures
  rules   load the Rego rules (built-in and -rules DIR) and list them with
          the engine each runs on; status 2 when a rule does not load
          (see rules -h)
  rules check DIR
          check your own rules directory: format, strict compile with the
          helpers and the input schema, its tests, the plan machine
  plugin build
          build the Tracee plugin (.so) to match a tracee binary's toolchain,
          build settings and module versions (see docs/tracee-plugin.md)
  version print the pidfdsig, Go and OPA versions (also --version)
  help    show this text (also -h, --help); COMMAND -h shows a command's flags

Files are Tracee --output json captures (v0.24.1 or main-branch format, mixed
freely); with no file, or "-", standard input is read. Flags may come before
or after the files; -- ends them.

exit status: 0 success, no findings; 1 findings reported (scan), or a rule
OPA cannot plan (rules -require-plan); 2 an error (bad usage, an input that
could not be read, a -rules path that does not exist, a rule that did not load).
`)
}
