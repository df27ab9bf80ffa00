package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/pidfdsig/pidfdsig/rego"
)

// rulesList is what `pidfdsig rules` lists; its JSON form is the output of
// `pidfdsig rules -o json` (documented in rulesHelp).
type rulesList struct {
	Rules      []ruleEntry     `json:"rules"`
	LoadErrors []ruleLoadError `json:"loadErrors"`
}

// ruleEntry describes one loaded rule.
type ruleEntry struct {
	ID        string   `json:"id"`
	EventName string   `json:"eventName"`
	Name      string   `json:"name"`
	Version   string   `json:"version"`
	Engine    string   `json:"engine"`   // rego.EnginePlan or rego.EngineTopdown
	Selects   []string `json:"selects"`  // the event names the rule selects, once each
	File      string   `json:"file"`     // a custom rule's path; an embedded rule's name in the binary
	Embedded  bool     `json:"embedded"` // a built-in rule, compiled into the binary
}

// ruleLoadError is one problem with one rule file; the file was left out.
type ruleLoadError struct {
	File    string `json:"file"`
	Line    int    `json:"line"` // 0 when the problem has no position
	Message string `json:"message"`
}

// embeddedPrefix starts the File of a built-in rule: its source in this
// repository, which does not exist beside an installed binary.
const embeddedPrefix = "rego/"

func newRulesList(rt *rego.Runtime) rulesList {
	list := rulesList{Rules: []ruleEntry{}, LoadErrors: []ruleLoadError{}}
	for _, le := range rt.LoadErrors() {
		list.LoadErrors = append(list.LoadErrors, ruleLoadError{File: le.File, Line: le.Line, Message: le.Error()})
	}
	for _, r := range rt.Rules() {
		meta, _ := r.GetMetadata()
		e := ruleEntry{ID: meta.ID, EventName: meta.EventName, Name: meta.Name, Version: meta.Version,
			Engine: r.Engine(), Selects: []string{}, File: r.File(), Embedded: r.Builtin()}
		if e.Embedded {
			e.File = strings.TrimPrefix(e.File, embeddedPrefix)
		}
		for _, s := range r.RuleSelectedEvents() {
			if !slices.Contains(e.Selects, s.Name) {
				e.Selects = append(e.Selects, s.Name)
			}
		}
		list.Rules = append(list.Rules, e)
	}
	return list
}

// write prints the list as a table (an embedded rule's file reads
// "embedded:rules/NAME.rego") or as one JSON object.
func (l rulesList) write(w io.Writer, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(l); err != nil {
			return fmt.Errorf("write rules as JSON: %w", err)
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEVENT\tENGINE\tSELECTS\tFILE")
	for _, r := range l.Rules {
		file := r.File
		if r.Embedded {
			file = "embedded:" + file
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.EventName, r.Engine, strings.Join(r.Selects, ","), file)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write rules: %w", err)
	}
	return nil
}

// noteTestRuleFiles says on stderr that a *_test.rego file named with
// -rules was skipped (the loader skips test files, as in directories).
func noteTestRuleFiles(stderr io.Writer, command string, paths []string) {
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.rego") {
			fmt.Fprintf(stderr, "pidfdsig %s: note: %s skipped: *_test.rego files are tests (run them with opa test), not rules\n", command, p)
		}
	}
}
