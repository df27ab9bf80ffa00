package signatures

import (
	"fmt"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/protocol"
	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/internal/payload"
	"github.com/pidfdsig/pidfdsig/target"
)

// rule is the part of a signature that differs from the others. candidate
// tells from the call alone whether it may be worth a finding, so that most
// calls are dismissed without asking the Resolver; match then decides with
// the resolved target, and grades the call. Neither may allocate when it
// answers false.
type rule interface {
	candidate(call *events.SendSignal) bool
	match(call *events.SendSignal, t *target.Target) (verdict, bool)
}

// aggregator is implemented by rules that report a pattern over several
// calls (PFD-4). aggregate sees only the calls match accepted and the
// allowlist let through, and reports whether the pattern is now complete.
type aggregator interface {
	aggregate(ev *trace.Event, call *events.SendSignal, t *target.Target) bool
	reset()
}

// dataExtender is implemented by rules that add keys of their own to the
// finding data.
type dataExtender interface {
	extendData(data map[string]interface{}, call *events.SendSignal, t *target.Target)
}

// Stats counts what a signature did with the events it was given.
type Stats struct {
	Events        uint64 // events handed to OnEvent while running
	WrongPayloads uint64 // events whose payload was not a trace.Event
	Calls         uint64 // pidfd_send_signal events parsed
	ParseErrors   uint64 // pidfd_send_signal events that could not be parsed
	Allowed       uint64 // matches an allow rule suppressed
	Findings      uint64 // findings reported
}

type coreState uint8

const (
	stateNew     coreState = iota // built, Init not called yet
	stateRunning                  // Init called
	stateClosed                   // Close called
)

// core is what every signature shares: subscription, payload checks,
// observing and resolving, parsing, the allowlist, and building findings.
// One mutex serializes OnEvent, Init and Close; under it the scratch fields
// hold the event being handled, so OnEvent does not allocate unless it
// reports. The exception is an event another signature built by New has
// already found of no interest to this one (see dismissed): that returns
// without the lock.
type core struct {
	meta     detect.SignatureMetadata
	rule     rule
	resolver Resolver
	shared   *observeOnce // the resolver, when the signature was built by New
	bit      uint         // the rule's bit in shared's verdict sets
	lockFree bool         // shared publishes verdicts for the rule (see dismissed)
	allow    allowlist
	selected []detect.SignatureEventSelector

	// state is a coreState, written under mu and read by dismissed
	// without it. dismissed counts the events it returns for, calls and
	// other events apart, and Stats adds them in.
	state          atomic.Uint32
	dismissedCalls atomic.Uint64
	dismissedOther atomic.Uint64

	mu     sync.Mutex
	cb     detect.SignatureHandler
	logger detect.Logger
	stats  Stats
	call   events.SendSignal
	target target.Target
}

// setup prepares c for a signature with metadata meta and rule r.
func (c *core) setup(meta detect.SignatureMetadata, r rule, cfg *Config, opts []Option) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	o := buildOptions(opts)
	if o.resolver == nil {
		o.resolver = defaultResolver()
	}
	c.meta = meta
	c.rule = r
	c.resolver = o.resolver
	c.shared, _ = o.resolver.(*observeOnce)
	if c.shared != nil {
		c.bit, c.lockFree = c.shared.register(r)
	}
	c.allow = newAllowlist(cfg.Allow, meta.ID)
	c.selected = selectedEvents(o.resolver)
	return nil
}

// GetMetadata returns the signature's metadata. Findings carry a copy whose
// Severity, Category, Technique and ids fit the call reported.
func (c *core) GetMetadata() (detect.SignatureMetadata, error) {
	return cloneMetadata(&c.meta), nil
}

// GetSelectedEvents returns pidfd_send_signal and the events the resolver
// learns from, from source "tracee" and any origin.
func (c *core) GetSelectedEvents() ([]detect.SignatureEventSelector, error) {
	out := make([]detect.SignatureEventSelector, len(c.selected))
	copy(out, c.selected)
	return out, nil
}

// Init starts the signature: findings go to ctx.Callback, problems with
// events to ctx.Logger (which may be nil). Init after Close starts it again
// with empty state.
func (c *core) Init(ctx detect.SignatureContext) error {
	if ctx.Callback == nil {
		return fmt.Errorf("%s: Init: nil callback", c.meta.ID)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cb = ctx.Callback
	c.logger = ctx.Logger
	c.state.Store(uint32(stateRunning))
	if a, ok := c.rule.(aggregator); ok {
		a.reset()
	}
	return nil
}

// Close stops the signature and drops its state. OnEvent calls that start
// after Close are no-ops. The shared Resolver is not closed: its owner
// closes it.
func (c *core) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state.Store(uint32(stateClosed))
	c.call = events.SendSignal{}
	c.target = target.Target{}
	if a, ok := c.rule.(aggregator); ok {
		a.reset()
	}
}

// OnSignal accepts Tracee's lifecycle signals. Nothing is pending at the end
// of a source (PFD-4 reports as soon as its threshold is reached), so
// detect.SignalSourceComplete needs no work.
func (c *core) OnSignal(detect.Signal) error { return nil }

// Stats returns the signature's counters.
func (c *core) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	calls, other := c.dismissedCalls.Load(), c.dismissedOther.Load()
	s.Events += calls + other
	s.Calls += calls
	return s
}

// OnEvent handles one event. It never returns an error: a payload that is
// not a trace.Event, or a pidfd_send_signal event that cannot be parsed, is
// counted (see Stats) and logged with a back-off, and the event is dropped.
// The callback runs after the signature's lock is released, so it may call
// the signature.
func (c *core) OnEvent(event protocol.Event) error {
	if c.dismissed(&event) {
		return nil
	}
	f, cb := c.handle(&event)
	if f != nil {
		cb(f)
	}
	return nil
}

// dismissed reports, without taking a lock, that a signature sharing c's
// resolver has already observed the event and found it of no interest to
// c's rule: a companion event, or a call the rule is no candidate for
// (observeOnce published it so). It counts the event as handle would.
// Every other event goes to handle.
func (c *core) dismissed(event *protocol.Event) bool {
	if !c.lockFree || coreState(c.state.Load()) != stateRunning {
		return false
	}
	ev, boxed := payload.Of(event.Payload)
	if !boxed {
		return false
	}
	verdicts, ok := c.shared.pub.lookup(ev)
	if !ok || verdicts&(1<<c.bit) != 0 {
		return false
	}
	if verdicts&isCallVerdict != 0 {
		c.dismissedCalls.Add(1)
	} else {
		c.dismissedOther.Add(1)
	}
	return true
}

// handle runs the pipeline under the lock and returns the finding to report,
// if any, with the callback to report it to.
func (c *core) handle(event *protocol.Event) (*detect.Finding, detect.SignatureHandler) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if coreState(c.state.Load()) != stateRunning {
		return nil, nil
	}
	c.stats.Events++
	ev, boxed := payload.Of(event.Payload) // read-only: Tracee shares it
	if ev == nil {
		c.stats.WrongPayloads++
		c.warn(c.stats.WrongPayloads, "unexpected event payload", "type", fmt.Sprintf("%T", event.Payload))
		return nil, nil
	}
	isCall, candidate, err := c.observeParse(ev, boxed)
	if !isCall {
		return nil, nil
	}
	if err != nil {
		c.stats.ParseErrors++
		c.warn(c.stats.ParseErrors, "cannot parse event", "error", err.Error())
		return nil, nil
	}
	c.stats.Calls++
	if !candidate {
		return nil, nil
	}
	c.target = c.resolver.Resolve(ev, &c.call)
	v, ok := c.rule.match(&c.call, &c.target)
	if !ok {
		return nil, nil
	}
	if c.allow.permits(&c.call.Sender, &c.target) {
		c.stats.Allowed++
		return nil, nil
	}
	if a, ok := c.rule.(aggregator); ok && !a.aggregate(ev, &c.call, &c.target) {
		return nil, nil
	}
	c.stats.Findings++
	return c.finding(*event, v), c.cb
}

// observeParse passes ev to the Resolver's Observe and, for a
// pidfd_send_signal event, parses it and asks the rule whether the call is
// a candidate; a candidate is copied into c.call. isCall reports whether ev
// is a pidfd_send_signal event, err why it could not be parsed. Signatures
// built by New share the parse of an event through their resolver.
func (c *core) observeParse(ev *trace.Event, boxed bool) (isCall, candidate bool, err error) {
	if c.shared != nil {
		return c.shared.observeParse(ev, boxed, c.rule, &c.call)
	}
	c.resolver.Observe(ev)
	if ev.EventName != events.EventPidfdSendSignal {
		return false, false, nil
	}
	c.call, err = events.ParseSendSignal(ev)
	return true, err == nil && c.rule.candidate(&c.call), err
}

// finding builds the finding for the call in the scratch fields.
func (c *core) finding(event protocol.Event, v verdict) *detect.Finding {
	data := FindingData(&c.call, &c.target)
	data[DataReasons] = v.reasons.names()
	if x, ok := c.rule.(dataExtender); ok {
		x.extendData(data, &c.call, &c.target)
	}
	meta := c.meta
	meta.Tags = slices.Clone(c.meta.Tags)
	meta.Properties = v.technique.properties(v.severity)
	return &detect.Finding{Data: data, Event: event, SigMetadata: meta}
}

// warn logs a problem with the n-th bad event, backing off to powers of two
// so that a stream of bad events does not flood the log.
func (c *core) warn(n uint64, msg string, kv ...interface{}) {
	if c.logger == nil || bits.OnesCount64(n) != 1 {
		return
	}
	kv = append([]interface{}{"signature", c.meta.ID, "count", n}, kv...)
	c.logger.Warnw("pidfdsig: "+msg, kv...)
}
