package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/pidfdsig/pidfdsig/rego"
	"github.com/pidfdsig/pidfdsig/signatures"
)

// rulesOptions are the flags of pidfdsig rules.
type rulesOptions struct {
	ruleDirs    stringList
	configPath  string
	regoEngine  string
	noBuiltin   bool
	requirePlan bool
}

// rulesHelp is what `pidfdsig rules -h` prints around the flags.
var rulesHelp = commandHelp{
	synopsis: "pidfdsig rules [FLAGS]",
	about: `Loads the Rego rules as scan and the Tracee plugin would (the built-in rules
and those of -rules DIR) and lists them: ID, event, engine, selected events
and file. Rule files named *_test.rego are skipped.`,
	exits: []string{
		"0  every rule loaded (and, with -require-plan, runs on OPA's plans)",
		"1  with -require-plan: a rule runs on OPA's evaluator (OPA could not plan it)",
		"2  bad usage, a -rules path that does not exist, or a rule did not load",
	},
}

// runRules loads the Rego rules as scan and the plugin would and lists
// them: ID, event, engine, selected events and file. It is how a rule
// author checks that a rule loads, and that it runs on the plan machine.
// Exit status: 0 all loaded (and planned, with -require-plan), 1 a rule
// runs on OPA's evaluator under -require-plan, 2 a rule did not load or
// bad usage.
func runRules(args []string, stdout, stderr io.Writer) int {
	var o rulesOptions
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.Var(&o.ruleDirs, "rules", "custom Rego rules: a `DIR`, or one .rego file (repeatable; also $"+rego.EnvRuleDirs+")")
	fs.StringVar(&o.configPath, "config", "", "signature configuration `FILE` (YAML or JSON); defaults when empty")
	fs.StringVar(&o.regoEngine, "rego-engine", rego.EnginePlan, "`ENGINE` that evaluates Rego rules: plan or topdown")
	fs.BoolVar(&o.noBuiltin, "no-builtin", false, "list only the custom rules")
	fs.BoolVar(&o.requirePlan, "require-plan", false, "exit 1 when a rule runs on OPA's evaluator (OPA could not plan it)")
	if err := parseCommandLine(fs, rulesHelp, args, stdout, stderr); err != nil {
		return usageStatus(stderr, "rules", err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pidfdsig rules: unexpected argument %q\n", fs.Arg(0))
		return exitError
	}
	opts := []rego.Option{rego.WithRuleDirs(o.ruleDirs...)}
	switch o.regoEngine {
	case rego.EnginePlan:
	case rego.EngineTopdown:
		opts = append(opts, rego.WithTopdown())
	default:
		fmt.Fprintf(stderr, "pidfdsig rules: rego engine %q: want %s or %s\n", o.regoEngine, rego.EnginePlan, rego.EngineTopdown)
		return exitError
	}
	if o.configPath != "" {
		cfg, err := signatures.LoadConfig(o.configPath)
		if err != nil {
			fmt.Fprintf(stderr, "pidfdsig rules: %v\n", err)
			return exitError
		}
		opts = append(opts, rego.WithConfig(cfg))
	}
	if o.noBuiltin {
		opts = append(opts, rego.WithoutBuiltinRules())
	}
	rt, err := rego.New(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "pidfdsig rules: %v\n", err)
		return exitError
	}
	if err := missingRulePath(rt.LoadErrors()); err != nil {
		fmt.Fprintf(stderr, "pidfdsig rules: %v\n", err)
		return exitError
	}
	code := exitOK
	for _, le := range rt.LoadErrors() {
		fmt.Fprintf(stderr, "pidfdsig rules: not loaded: %v\n", le)
		code = exitError
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEVENT\tENGINE\tSELECTS\tFILE")
	for _, r := range rt.Rules() {
		meta, _ := r.GetMetadata()
		var names []string
		for _, s := range r.RuleSelectedEvents() {
			if !slices.Contains(names, s.Name) {
				names = append(names, s.Name)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", meta.ID, meta.EventName, r.Engine(), strings.Join(names, ","), r.File())
		if r.Engine() != o.regoEngine {
			fmt.Fprintf(stderr, "pidfdsig rules: rule %s (%s) runs on OPA's evaluator: OPA could not plan it\n", meta.ID, r.File())
			if o.requirePlan && code == exitOK {
				code = exitFindings
			}
		}
	}
	tw.Flush()
	return code
}
