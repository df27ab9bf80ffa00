package rego

import (
	"errors"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/protocol"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/internal/payload"
	"github.com/pidfdsig/pidfdsig/rego/internal/limits"
)

// Signature is one Rego rule behind Tracee's detect.Signature interface.
// OnEvent filters events by the rule's tracee_selected_events in Go, so an
// event the rule did not ask for costs no evaluation. Safe for concurrent
// use: OnEvent calls are serialized, and Close may come from any goroutine.
type Signature struct {
	rt   *Runtime
	rule *rule

	mu       sync.Mutex
	running  bool
	cb       detect.SignatureHandler
	logger   detect.Logger
	deadline *deadline     // bounds OPA evaluator runs; nil for a planned rule
	eval     *evaluator    // the rule's queries and their reusable state
	probes   *probeWindows // the PFD-4 style aggregation, when the rule asks for it
	enr      enrichment    // the decoded call and its target, for a planned rule
	strikes  strikes       // failed evaluations, and whether they switched the rule off

	stats ruleCounters
}

// Stats counts what a Signature did; see Signature.Stats.
type Stats struct {
	Events        uint64 // events handed to OnEvent while running
	WrongPayloads uint64 // events whose payload was not a trace.Event
	Evaluations   uint64 // events the rule was evaluated on
	Findings      uint64 // findings reported
	Errors        uint64 // evaluations that failed (timeouts and budget included)
	Timeouts      uint64 // evaluations cut short by the evaluation timeout
	OverBudget    uint64 // evaluations stopped by the memory budget
	SwitchedOff   bool   // the rule failed WithMaxStrikes times and evaluates no more
}

type ruleCounters struct {
	events, wrongPayloads, evaluations, findings, errors, timeouts, overBudget atomic.Uint64
	switchedOff                                                                atomic.Bool
}

// Stats returns the signature's counters.
func (s *Signature) Stats() Stats {
	return Stats{
		Events:        s.stats.events.Load(),
		WrongPayloads: s.stats.wrongPayloads.Load(),
		Evaluations:   s.stats.evaluations.Load(),
		Findings:      s.stats.findings.Load(),
		Errors:        s.stats.errors.Load(),
		Timeouts:      s.stats.timeouts.Load(),
		OverBudget:    s.stats.overBudget.Load(),
		SwitchedOff:   s.stats.switchedOff.Load(),
	}
}

// File returns the file the rule was loaded from.
func (s *Signature) File() string { return s.rule.file }

// Builtin reports whether the rule is one of pidfdsig's own, embedded in
// the binary; File then names its source in this repository ("rego/rules/...").
func (s *Signature) Builtin() bool { return s.rule.builtin }

// Engine names what evaluates the rule: "plan" for the plan machine (OPA's
// plan of the rule, run in Go), "topdown" for OPA's evaluator (WithTopdown,
// or a rule the planner or the machine does not support).
func (s *Signature) Engine() string {
	if s.rule.plan != nil {
		return EnginePlan
	}
	return EngineTopdown
}

// The engines Signature.Engine names.
const (
	EnginePlan    = "plan"
	EngineTopdown = "topdown"
)

// Package returns the rule's Rego package, e.g. "tracee.PFD_1".
func (s *Signature) Package() string { return s.rule.pkg }

// GetMetadata returns the rule's __rego_metadoc__.
func (s *Signature) GetMetadata() (detect.SignatureMetadata, error) {
	return cloneMetadata(&s.rule.meta), nil
}

// GetSelectedEvents returns the rule's tracee_selected_events and, so that
// Tracee delivers them, the events the Resolver learns from. Only the
// rule's own selection is evaluated. The selectors returned never overlap:
// Tracee's engine hands an event to a signature once per selector that
// matches it, so a rule selecting every event ("name": "*") next to a
// companion event would see that event twice (see disjointSelection).
func (s *Signature) GetSelectedEvents() ([]detect.SignatureEventSelector, error) {
	var companions []string
	if sel, ok := s.rt.resolver.(interface{ SelectedEvents() []string }); ok {
		companions = sel.SelectedEvents()
	}
	return disjointSelection(s.rule.selected, companions), nil
}

// RuleSelectedEvents returns the rule's own tracee_selected_events,
// without the events the Resolver learns from (GetSelectedEvents adds
// those, so that Tracee delivers them).
func (s *Signature) RuleSelectedEvents() []detect.SignatureEventSelector {
	return slices.Clone(s.rule.selected)
}

// Init starts the signature: findings go to ctx.Callback, evaluation
// problems to ctx.Logger (else the runtime's logger). Init after Close
// starts again with empty state.
func (s *Signature) Init(ctx detect.SignatureContext) error {
	if ctx.Callback == nil {
		return fmt.Errorf("rego: %s: Init: nil callback", s.rule.meta.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cb = ctx.Callback
	s.logger = ctx.Logger
	if s.logger == nil {
		s.logger = s.rt.logger
	}
	if s.eval == nil {
		// A planned rule keeps time on the machine's clock; only OPA's
		// evaluator needs the timer of a deadline.
		var cancel topdown.Cancel
		if s.rule.plan == nil {
			s.deadline = newDeadline(s.rt.timeout, s.rt.budget)
			cancel = s.deadline
		}
		s.eval = newEvaluator(s.rule, cancel, s.rt.timeout, s.rt.budget)
	}
	if s.rule.hasProbe {
		s.probes = newProbeWindows(&s.rt.probeConfig)
	}
	s.running = true
	return nil
}

// Close stops the signature; OnEvent calls that start after it are no-ops.
// The shared Resolver is not closed: its owner closes it.
func (s *Signature) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running = false
	s.probes = nil
	s.enr = enrichment{}
}

// OnSignal accepts Tracee's lifecycle signals; none needs work.
func (s *Signature) OnSignal(detect.Signal) error { return nil }

// OnEvent evaluates the rule on one event. It never returns an error: a
// payload that is not a trace.Event, and an evaluation that fails or runs
// out of time, are counted (Stats) and logged with a back-off, and only this
// rule skips the event. The callback runs after the signature's lock is
// released.
func (s *Signature) OnEvent(event protocol.Event) error {
	if f, cb := s.handle(&event); f != nil {
		cb(f)
	}
	return nil
}

func (s *Signature) handle(event *protocol.Event) (*detect.Finding, detect.SignatureHandler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running {
		return nil, nil
	}
	s.stats.events.Add(1)
	ev, boxed := payload.Of(event.Payload) // read-only: Tracee shares it
	if ev == nil {
		n := s.stats.wrongPayloads.Add(1)
		s.warn(n, "unexpected event payload", "type", fmt.Sprintf("%T", event.Payload))
		return nil, nil
	}
	s.rt.resolver.Observe(ev)
	if s.strikes.off != nil || !s.rule.selects(eventSource(event), ev.EventName, string(ev.Origin())) {
		return nil, nil
	}
	var v verdict
	var ok bool
	if s.rule.plan != nil {
		v, ok = s.evaluatePlan(ev)
	} else {
		v, ok = s.evaluate(ev, s.rt.input(ev, boxed))
		if ok && v.fired && s.probes != nil && !s.probes.complete(&v, int64(ev.Timestamp)) {
			return nil, nil
		}
	}
	if !ok || !v.fired {
		return nil, nil
	}
	s.stats.findings.Add(1)
	return s.finding(*event, &v), s.cb
}

// evaluate runs the rule on the input of ev with OPA's evaluator.
func (s *Signature) evaluate(ev *trace.Event, input *ast.Term) (verdict, bool) {
	s.deadline.arm()
	v, err := s.eval.eval(input)
	timedOut, overBudget := s.deadline.disarm()
	if overBudget {
		err = &limits.Error{Budget: s.rt.budget}
	}
	return s.checked(ev, v, err, timedOut)
}

// evaluatePlan runs the planned rule on ev, decoded and resolved into the
// signature's own enrichment.
func (s *Signature) evaluatePlan(ev *trace.Event) (verdict, bool) {
	reads := &s.rt.reads
	fields, enr := reads.plain, &s.enr
	*enr = enrichment{}
	if (reads.plain|reads.enriched)&fieldPidfdsig != 0 && s.rt.enrichLazily(ev, enr) {
		fields = reads.enriched
	} else {
		enr = nil
	}
	s.eval.view.reset(ev, enr, fields)
	defer func() {
		s.eval.view.clear()
		s.enr = enrichment{}
	}()
	// The machine keeps its own clock (vm.Machine.SetTimeout).
	var admit func(map[string]any) bool
	var pids []int32
	if s.probes != nil {
		admit = func(probe map[string]any) bool {
			var ok bool
			pids, ok = s.probes.record(probe, int64(ev.Timestamp))
			return ok
		}
	}
	v, err := s.eval.evalPlan(s.rt.data, admit)
	if err == nil && v.fired && s.probes != nil {
		s.probes.annotate(&v, pids)
	}
	return s.checked(ev, v, err, false)
}

// checked counts an evaluation and reports its error.
func (s *Signature) checked(ev *trace.Event, v verdict, err error, timedOut bool) (verdict, bool) {
	s.stats.evaluations.Add(1)
	if err == nil {
		return v, true
	}
	n := s.stats.errors.Add(1)
	switch {
	case errors.Is(err, ErrMemoryBudget):
		s.stats.overBudget.Add(1)
	case timedOut || topdown.IsCancel(err):
		s.stats.timeouts.Add(1)
		err = fmt.Errorf("%w: evaluation exceeded %s: %w", ErrTimeout, s.rt.timeout, err)
	}
	evalErr := &EvalError{ID: s.rule.meta.ID, Event: ev.EventName, Err: err}
	s.warn(n, "rego rule evaluation failed", "error", evalErr.Error())
	s.strike(evalErr)
	return verdict{}, false
}

// eventSource is the event's source header, "tracee" when unset.
func eventSource(event *protocol.Event) string {
	if src := event.Headers.Selector.Source; src != "" {
		return src
	}
	return trace.EventSource
}

// finding builds the finding of a fired verdict.
func (s *Signature) finding(event protocol.Event, v *verdict) *detect.Finding {
	meta := cloneMetadata(&s.rule.meta)
	if v.props != nil {
		meta.Properties = v.props
	}
	return &detect.Finding{Data: v.data, Event: event, SigMetadata: meta}
}

// warn logs the n-th problem, backing off to powers of two so that a stream
// of bad events does not flood the log.
func (s *Signature) warn(n uint64, msg string, kv ...any) {
	if s.logger == nil || bits.OnesCount64(n) != 1 {
		return
	}
	kv = append([]any{"signature", s.rule.meta.ID, "count", n}, kv...)
	s.logger.Warnw("pidfdsig: "+msg, kv...)
}

// input returns the rule input for ev: the cached one when another rule
// already built it for the same Tracee event (boxed: see payload.Of).
func (rt *Runtime) input(ev *trace.Event, boxed bool) *ast.Term {
	if boxed {
		if in := rt.cache.get(ev); in != nil {
			return in
		}
	}
	var in *ast.Term
	var enr enrichment
	if (rt.reads.plain|rt.reads.enriched)&fieldPidfdsig != 0 && rt.enrich(ev, &enr) {
		in = ast.NewTerm(buildInput(ev, &enr, rt.reads.enriched))
	} else {
		in = ast.NewTerm(buildInput(ev, nil, rt.reads.plain))
	}
	if boxed {
		rt.cache.put(ev, in)
	}
	return in
}

// enrich decodes a pidfd_send_signal event and resolves its target into
// enr: the input.pidfdsig the rules see. Other events get none: false.
func (rt *Runtime) enrich(ev *trace.Event, enr *enrichment) bool {
	if !rt.enrichLazily(ev, enr) {
		return false
	}
	enr.resolvedTarget()
	return true
}

// enrichLazily is enrich with the target resolved when a rule first looks
// at it (enrichment.resolvedTarget). Resolve answers as of the event, not
// of the moment it is asked, so the answer is the same.
func (rt *Runtime) enrichLazily(ev *trace.Event, enr *enrichment) bool {
	if ev.EventName != events.EventPidfdSendSignal {
		return false
	}
	var err error
	enr.call, err = events.ParseSendSignal(ev)
	if err != nil {
		enr.parseErr = err
		return true
	}
	enr.resolved, enr.pending, enr.resolver, enr.ev = true, true, rt.resolver, ev
	return true
}

// cloneMetadata returns a copy of m sharing nothing mutable with it.
func cloneMetadata(m *detect.SignatureMetadata) detect.SignatureMetadata {
	c := *m
	c.Tags = slices.Clone(m.Tags)
	c.Properties = maps.Clone(m.Properties)
	return c
}

var _ detect.Signature = (*Signature)(nil)
