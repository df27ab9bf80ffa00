package main

import (
	"flag"
	"fmt"
	"io"

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
	output      string
}

// rulesHelp is what `pidfdsig rules -h` prints around the flags.
var rulesHelp = commandHelp{
	synopsis: "pidfdsig rules [FLAGS]\n       pidfdsig rules check DIR   (check a directory of your own rules; see rules check -h)",
	about: `Loads the Rego rules as scan and the Tracee plugin would (the built-in rules
and those of -rules DIR) and lists them: ID, event, engine, selected events
and file; a built-in rule's file is marked embedded (it is compiled into the
binary). Rule files named *_test.rego are skipped.

With -o json it prints one JSON object:
  {"rules": [{"id": "PFD-1", "eventName": "...", "name": "...", "version": "...",
              "engine": "plan" or "topdown", "selects": ["pidfd_send_signal"],
              "file": "rules/pfd1_cross_user.rego", "embedded": true}, ...],
   "loadErrors": [{"file": "...", "line": 3, "message": "..."}, ...]}
"file" is a path as given for a custom rule, and the name inside the binary
for an embedded one; "line" is 0 when the error has no position.`,
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
	if len(args) > 0 && args[0] == "check" {
		return runRulesCheck(args[1:], stdout, stderr)
	}
	var o rulesOptions
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.Var(&o.ruleDirs, "rules", "custom Rego rules: a `DIR`, or one .rego file (repeatable; also $"+rego.EnvRuleDirs+")")
	fs.StringVar(&o.configPath, "config", "", "signature configuration `FILE` (YAML or JSON); defaults when empty")
	fs.StringVar(&o.regoEngine, "rego-engine", rego.EnginePlan, "`ENGINE` that evaluates Rego rules: plan or topdown")
	fs.StringVar(&o.output, "o", "table", "output `FORMAT`: table, or json (one object, described above)")
	fs.BoolVar(&o.noBuiltin, "no-builtin", false, "list only the custom rules")
	fs.BoolVar(&o.requirePlan, "require-plan", false, "exit 1 when a rule runs on OPA's evaluator (OPA could not plan it)")
	if err := parseCommandLine(fs, rulesHelp, args, stdout, stderr); err != nil {
		return usageStatus(stderr, "rules", err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pidfdsig rules: unexpected argument %q\n", fs.Arg(0))
		return exitError
	}
	if o.output != "table" && o.output != "json" {
		fmt.Fprintf(stderr, "pidfdsig rules: output format %q: want table or json\n", o.output)
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
	noteTestRuleFiles(stderr, "rules", o.ruleDirs)
	code := exitOK
	list := newRulesList(rt)
	for _, le := range list.LoadErrors {
		fmt.Fprintf(stderr, "pidfdsig rules: not loaded: %s\n", le.Message)
		code = exitError
	}
	for _, r := range list.Rules {
		if r.Engine != o.regoEngine {
			fmt.Fprintf(stderr, "pidfdsig rules: rule %s (%s) runs on OPA's evaluator: OPA could not plan it\n", r.ID, r.File)
			if o.requirePlan && code == exitOK {
				code = exitFindings
			}
		}
	}
	if err := list.write(stdout, o.output); err != nil {
		fmt.Fprintf(stderr, "pidfdsig rules: %v\n", err)
		return exitError
	}
	return code
}
