package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
	"golang.org/x/term"

	"github.com/pidfdsig/pidfdsig/engine"
	"github.com/pidfdsig/pidfdsig/internal/report"
	"github.com/pidfdsig/pidfdsig/rego"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// Detection engines for the built-in signatures.
const (
	engineGo   = "go"
	engineRego = "rego"
	engineBoth = "both"
)

// scanOptions are the parsed flags of `pidfdsig scan`.
type scanOptions struct {
	output     string
	configPath string
	engine     string
	regoEngine string
	only       string
	ruleDirs   stringList
	live       bool
	paths      []string
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// scanHelp is what `pidfdsig scan -h` prints around the flags.
var scanHelp = commandHelp{
	synopsis: "pidfdsig scan [FLAGS] [FILE...]",
	about: `Runs target tracking and every signature (Go and Rego) over the events of
Tracee captures; prints the findings on stdout and a summary on stderr.`,
	args: inputArgs,
	exits: []string{
		"0  no findings",
		"1  findings reported",
		"2  an error: bad usage, an input that could not be read, a -rules path",
		"   that does not exist or a rule that did not load (the summary says which)",
	},
}

func parseScanFlags(args []string, stdout, stderr io.Writer) (scanOptions, error) {
	var o scanOptions
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.StringVar(&o.output, "o", "table", "output `FORMAT`: table, or json (JSON lines in Tracee's finding shape)")
	fs.StringVar(&o.configPath, "config", "", "signature configuration `FILE` (YAML or JSON); defaults when empty")
	fs.StringVar(&o.engine, "engine", engineGo, "`ENGINE` of the built-in signatures: go, rego or both")
	fs.StringVar(&o.regoEngine, "rego-engine", rego.EnginePlan, "`ENGINE` that evaluates Rego rules: plan (OPA's plans run in Go) or topdown (OPA's evaluator)")
	fs.StringVar(&o.only, "signatures", "", "comma-separated signature `IDS` or event names to run, in any case (default: all)")
	fs.Var(&o.ruleDirs, "rules", "custom Rego rules: a `DIR`, or one .rego file (repeatable; also $"+rego.EnvRuleDirs+")")
	fs.BoolVar(&o.live, "live", false, "resolve unknown targets from this machine's /proc (only for captures made here, now)")
	if err := parseCommandLine(fs, scanHelp, args, stdout, stderr); err != nil {
		return o, err
	}
	o.paths = fs.Args()
	switch o.output {
	case "table", "json":
	default:
		return o, fmt.Errorf("output format %q: want table or json", o.output)
	}
	switch o.engine {
	case engineGo, engineRego, engineBoth:
	default:
		return o, fmt.Errorf("engine %q: want go, rego or both", o.engine)
	}
	switch o.regoEngine {
	case rego.EnginePlan, rego.EngineTopdown:
	default:
		return o, fmt.Errorf("rego engine %q: want %s or %s", o.regoEngine, rego.EnginePlan, rego.EngineTopdown)
	}
	return o, nil
}

// runScan implements `pidfdsig scan`: every event of the inputs through
// target tracking and the signatures, findings on stdout, a summary on
// stderr. Status: 0 no findings, 1 findings, 2 errors.
func runScan(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	opts, err := parseScanFlags(args, stdout, stderr)
	if err != nil {
		return usageStatus(stderr, "scan", err)
	}
	sigs, ruleErrs, err := buildSignatures(opts, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "pidfdsig scan: %v\n", err)
		return exitError
	}
	pos := &inputPos{}
	out := newFindingWriter(opts.output, stdout, pos)
	logger := positionLogger{next: stderrLogger{w: stderr}, at: pos}
	eng, err := engine.New(sigs, engine.Options{OnFinding: out.write, HandlerFor: out.labelFor(opts.engine), Logger: logger})
	if err != nil {
		fmt.Fprintf(stderr, "pidfdsig scan: %v\n", err)
		return exitError
	}

	start := time.Now()
	progress := newProgress(stderr)
	done := make(chan struct{})
	var stats inputStats
	var readErr error
	go func() {
		defer close(done)
		stats, readErr = readEventsAt(opts.paths, stdin, stderr, pos, func(ev *trace.Event) error {
			progress.tick()
			if err := eng.Dispatch(ev); err != nil {
				fmt.Fprintf(stderr, "pidfdsig scan: %s: %v\n", pos, err)
			}
			return nil
		})
		eng.Complete()
	}()

	interrupted := false
	select {
	case <-done:
	case <-ctx.Done():
		interrupted = true
	}
	progress.stop()
	out.close()
	if interrupted {
		fmt.Fprintln(stderr, "pidfdsig scan: interrupted; findings so far are above")
	} else {
		eng.Close()
	}
	events := progress.count()
	summarize(stderr, events, stats.badLines, out.counts(), time.Since(start))
	switch {
	case readErr != nil:
		fmt.Fprintf(stderr, "pidfdsig scan: %v\n", readErr)
		return exitError
	case stats.badFiles > 0 || ruleErrs > 0:
		fmt.Fprintf(stderr, "pidfdsig scan: exit status 2: %s (any findings above come from the rest)\n", scanErrorSummary(stats.badFiles, ruleErrs))
		return exitError
	case !interrupted && stats.events == 0 && stats.badLines > 0:
		fmt.Fprintln(stderr, "pidfdsig scan: exit status 2: no line of the input was an event")
		return exitError
	case out.total() > 0:
		return exitFindings
	default:
		return exitOK
	}
}

// scanErrorSummary says what made a scan exit 2 although it ran.
func scanErrorSummary(badFiles, ruleErrs int) string {
	var parts []string
	if badFiles > 0 {
		parts = append(parts, plural(badFiles, "input", "inputs")+" could not be read")
	}
	if ruleErrs > 0 {
		parts = append(parts, plural(ruleErrs, "rule error", "rule errors")+" (rules not loaded)")
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// buildSignatures wires one shared target tracker into the chosen Go
// signatures and Rego rules. It returns how many rule files did not load:
// the scan runs without them and exits 2. A -rules path that does not exist
// is an error: nothing is scanned.
func buildSignatures(o scanOptions, stderr io.Writer) ([]detect.Signature, int, error) {
	cfg := signatures.DefaultConfig()
	if o.configPath != "" {
		var err error
		if cfg, err = signatures.LoadConfig(o.configPath); err != nil {
			return nil, 0, err
		}
	}
	var trackerOpts []target.Option
	if o.live {
		trackerOpts = append(trackerOpts, target.WithLive(target.NewProcfsResolver("/proc")))
	}
	tracker := target.NewTracker(trackerOpts...)

	var sigs []detect.Signature
	if o.engine != engineRego {
		goSigs, err := signatures.New(cfg, signatures.WithResolver(tracker))
		if err != nil {
			return nil, 0, fmt.Errorf("go signatures: %w", err)
		}
		sigs = append(sigs, goSigs...)
	}
	regoOpts := []rego.Option{rego.WithResolver(tracker), rego.WithConfig(cfg), rego.WithRuleDirs(o.ruleDirs...)}
	if o.engine == engineGo {
		regoOpts = append(regoOpts, rego.WithoutBuiltinRules())
	}
	if o.regoEngine == rego.EngineTopdown {
		regoOpts = append(regoOpts, rego.WithTopdown())
	}
	rt, err := rego.New(regoOpts...)
	if err != nil {
		return nil, 0, fmt.Errorf("rego rules: %w", err)
	}
	if err := missingRulePath(rt.LoadErrors()); err != nil {
		return nil, 0, err
	}
	noteTestRuleFiles(stderr, "scan", o.ruleDirs)
	for _, le := range rt.LoadErrors() {
		fmt.Fprintf(stderr, "pidfdsig scan: rule not loaded: %v\n", le)
	}
	for _, r := range rt.Rules() {
		if r.Engine() != o.regoEngine {
			m, _ := r.GetMetadata()
			fmt.Fprintf(stderr, "pidfdsig scan: rule %s (%s) runs on OPA's evaluator: OPA could not plan it\n", m.ID, r.File())
		}
	}
	sigs = append(sigs, rt.Signatures()...)
	sigs, err = selectSignatures(sigs, o.only)
	return sigs, len(rt.LoadErrors()), err
}

// missingRulePath returns an error naming the first rules path (from
// -rules or the environment) that does not exist.
func missingRulePath(errs []*rego.LoadError) error {
	for _, le := range errs {
		if errors.Is(le, fs.ErrNotExist) {
			return fmt.Errorf("rules path %s does not exist (-rules or $%s)", le.File, rego.EnvRuleDirs)
		}
	}
	return nil
}

// selectSignatures keeps the signatures named by ID or event name, in any
// case, in a comma-separated list; all of them when the list is empty. A
// name that matches none is an error listing the valid IDs.
func selectSignatures(sigs []detect.Signature, only string) ([]detect.Signature, error) {
	if only == "" {
		return sigs, nil
	}
	wanted := map[string]bool{} // lower-cased name -> matched
	var order []string          // the names as given
	for _, name := range strings.Split(only, ",") {
		name = strings.TrimSpace(name)
		if key := strings.ToLower(name); name != "" {
			if _, dup := wanted[key]; !dup {
				wanted[key] = false
				order = append(order, name)
			}
		}
	}
	var kept []detect.Signature
	var ids []string
	for _, s := range sigs {
		meta, err := s.GetMetadata()
		if err != nil {
			return nil, fmt.Errorf("signature metadata: %w", err)
		}
		ids = append(ids, meta.ID)
		for _, key := range []string{strings.ToLower(meta.ID), strings.ToLower(meta.EventName)} {
			if _, ok := wanted[key]; ok {
				wanted[key] = true
				kept = append(kept, s)
				break
			}
		}
	}
	for _, name := range order {
		if !wanted[strings.ToLower(name)] {
			slices.Sort(ids)
			return nil, fmt.Errorf("-signatures: no signature with ID or event name %q; valid IDs: %s",
				name, strings.Join(slices.Compact(ids), ", "))
		}
	}
	return kept, nil
}

// findingWriter prints findings as they come and counts them by signature.
// It is safe for the signatures' callbacks and the interrupt path at once.
type findingWriter struct {
	mu     sync.Mutex
	closed bool
	bySig  map[string]int
	table  *report.Table
	enc    *json.Encoder
	at     *inputPos // the input and line of the event being dispatched
}

func newFindingWriter(format string, w io.Writer, at *inputPos) *findingWriter {
	fw := &findingWriter{bySig: map[string]int{}, at: at}
	if format == "json" {
		fw.enc = json.NewEncoder(w)
	} else {
		fw.table = report.NewTable(w)
	}
	return fw
}

func (fw *findingWriter) write(f *detect.Finding) { fw.writeFrom(f, "") }

// labelFor gives each signature a handler that labels its findings with
// the engine that made them when -engine both runs every built-in
// signature twice; nil (no labels) otherwise.
func (fw *findingWriter) labelFor(engines string) func(detect.Signature) detect.SignatureHandler {
	if engines != engineBoth {
		return nil
	}
	return func(s detect.Signature) detect.SignatureHandler {
		label := engineGo
		if _, ok := s.(*rego.Signature); ok {
			label = engineRego
		}
		return func(f *detect.Finding) { fw.writeFrom(f, label) }
	}
}

// writeFrom prints f, labelled with the engine that made it unless that
// is "": in the table after the signature, in JSON as the metadata
// property "engine".
func (fw *findingWriter) writeFrom(f *detect.Finding, engine string) {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.closed {
		return
	}
	key := f.SigMetadata.ID + " " + f.SigMetadata.EventName
	if engine != "" {
		key += " [" + engine + "]"
	}
	fw.bySig[key]++
	if fw.enc != nil {
		if ev, ok := report.TraceEvent(f); ok {
			if engine != "" {
				ev.Metadata.Properties["engine"] = engine
			}
			_ = fw.enc.Encode(ev)
		}
		return
	}
	_ = fw.table.WriteFrom(f, report.Origin{Where: fw.at.String(), Engine: engine})
}

// close flushes the output; later findings are dropped.
func (fw *findingWriter) close() {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	fw.closed = true
	if fw.table != nil {
		_ = fw.table.Flush()
	}
}

func (fw *findingWriter) counts() map[string]int {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	c := make(map[string]int, len(fw.bySig))
	for k, v := range fw.bySig {
		c[k] = v
	}
	return c
}

func (fw *findingWriter) total() int {
	n := 0
	for _, v := range fw.counts() {
		n += v
	}
	return n
}

func summarize(w io.Writer, events, badLines int, bySig map[string]int, elapsed time.Duration) {
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(events) / s
	}
	total := 0
	keys := make([]string, 0, len(bySig))
	for k, n := range bySig {
		keys = append(keys, k)
		total += n
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "pidfdsig scan: %d events, %d bad lines, %d findings in %s (%.0f events/s)\n",
		events, badLines, total, elapsed.Round(time.Millisecond), rate)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-45s %d\n", k, bySig[k])
	}
}

// stderrLogger reports the signatures' warnings and errors on stderr.
type stderrLogger struct{ w io.Writer }

func (l stderrLogger) Debugw(string, ...interface{}) {}
func (l stderrLogger) Infow(string, ...interface{})  {}
func (l stderrLogger) Warnw(msg string, kv ...interface{}) {
	fmt.Fprintf(l.w, "pidfdsig scan: warning: %s %v\n", msg, kv)
}
func (l stderrLogger) Errorw(msg string, kv ...interface{}) {
	fmt.Fprintf(l.w, "pidfdsig scan: error: %s %v\n", msg, kv)
}

// isTerminal reports whether w is a terminal. /dev/null is a character
// device too, so the device mode is not enough: term.IsTerminal asks the
// terminal driver (TCGETS).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
