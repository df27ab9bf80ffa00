package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/pidfdsig/pidfdsig/rego"
)

const rulesCheckUsage = `usage: pidfdsig rules check DIR

Checks a directory of your own Rego rules, as make test-rego checks the
built-in ones, and prints one summary:
  format   every .rego file is as opa fmt writes it
  compile  opa check --strict with the helper library, the test fixtures
           and the rule input schema (a misspelt input field is an error)
  tests    the directory's *_test.rego tests pass, with data.tracee.pidfdsig.fixtures
  plan     every rule loads in pidfdsig and runs on the plan machine
           (as pidfdsig rules -require-plan)

Exit status: 0 no problem, 1 problems found, 2 the check could not run
(no such directory, no .rego file, bad usage).
`

// runRulesCheck runs pidfdsig rules check DIR.
func runRulesCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rules check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // printed below: to stdout for -h, to stderr for a mistake
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, rulesCheckUsage)
			return exitOK
		}
		fmt.Fprint(stderr, rulesCheckUsage)
		return exitError
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, rulesCheckUsage)
		return exitError
	}
	dir := fs.Arg(0)
	rep, err := rego.Check(context.Background(), dir)
	if err != nil {
		fmt.Fprintf(stderr, "pidfdsig rules check: cannot run: %v\n", err)
		return exitError
	}
	printCheckReport(stdout, dir, rep)
	if !rep.OK() {
		return exitFindings
	}
	return exitOK
}

// printCheckReport prints one line per step, then every problem.
func printCheckReport(w io.Writer, dir string, rep *rego.CheckReport) {
	fmt.Fprintf(w, "rules check %s: %d file(s)\n", dir, rep.Files)
	step := func(name string, problems int, ok string) {
		if problems == 0 {
			fmt.Fprintf(w, "  %-8s ok, %s\n", name, ok)
			return
		}
		fmt.Fprintf(w, "  %-8s %d problem(s)\n", name, problems)
	}
	step("format", len(rep.Unformatted), "as opa fmt writes them")
	step("compile", len(rep.Compile)+len(rep.Load), "strict, against the helpers and the input schema")
	if len(rep.Compile) > 0 {
		fmt.Fprintf(w, "  %-8s not run: the files do not compile\n", "tests")
	} else {
		step("tests", len(rep.Failed), fmt.Sprintf("%d passed", rep.Tests))
	}
	if rep.Rules == 0 {
		fmt.Fprintf(w, "  %-8s not run: no rule loaded\n", "plan")
	} else {
		step("plan", len(rep.Unplanned), fmt.Sprintf("%d rule(s) on the plan machine", rep.Rules))
	}
	problems := rep.Problems()
	for _, p := range problems {
		fmt.Fprintf(w, "%v\n", p)
	}
	if len(problems) == 0 {
		fmt.Fprintln(w, "result: ok")
		return
	}
	fmt.Fprintf(w, "result: %d problem(s)\n", len(problems))
}
