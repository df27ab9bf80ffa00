package signatures

import (
	"fmt"
	"slices"
	"sync"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

// Every signature of the package is a Tracee signature.
var (
	_ detect.Signature = (*CrossUserSignal)(nil)
	_ detect.Signature = (*UnusualFlags)(nil)
	_ detect.Signature = (*ForgedSiginfo)(nil)
	_ detect.Signature = (*SignalProbe)(nil)
	_ detect.Signature = (*SecurityToolKill)(nil)
	_ detect.Signature = (*ContainerEscapeSignal)(nil)
)

// Resolver tells which process a pidfd_send_signal call signals. It learns
// from every event the signatures select (Observe) and answers for one call
// (Resolve). *target.Tracker is the implementation; tests inject fixed
// targets. Observe must be idempotent: signatures sharing one Resolver each
// observe the same events.
type Resolver interface {
	Observe(ev *trace.Event)
	Resolve(ev *trace.Event, call *events.SendSignal) target.Target
}

// EventSelector is implemented by a Resolver that needs events besides
// pidfd_send_signal; the signatures subscribe to them too.
type EventSelector interface {
	SelectedEvents() []string
}

// Option changes how a signature is built.
type Option func(*options)

type options struct {
	resolver Resolver
}

// WithResolver makes the signatures resolve targets with r instead of a
// tracker of their own. Pass the same r to every signature of a process so
// that the event stream is followed once: New does this by itself.
func WithResolver(r Resolver) Option {
	return func(o *options) { o.resolver = r }
}

func buildOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// New returns every signature not disabled in cfg, in ID order, sharing one
// Resolver: the one given with WithResolver, else a new target.Tracker.
// An event handed to each signature in turn reaches the Resolver's Observe
// once and, if it is a pidfd_send_signal event, is parsed once. It fails
// only if cfg is invalid.
func New(cfg Config, opts ...Option) ([]detect.Signature, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o := buildOptions(opts)
	if o.resolver == nil {
		o.resolver = defaultResolver()
	}
	shared := WithResolver(&observeOnce{Resolver: o.resolver})
	builders := [...]struct {
		id  string
		new func() (detect.Signature, error)
	}{
		{IDCrossUserSignal, func() (detect.Signature, error) { return NewCrossUserSignal(cfg, shared) }},
		{IDUnusualFlags, func() (detect.Signature, error) { return NewUnusualFlags(cfg, shared) }},
		{IDForgedSiginfo, func() (detect.Signature, error) { return NewForgedSiginfo(cfg, shared) }},
		{IDSignalProbe, func() (detect.Signature, error) { return NewSignalProbe(cfg, shared) }},
		{IDSecurityToolKill, func() (detect.Signature, error) { return NewSecurityToolKill(cfg, shared) }},
		{IDContainerEscapeSignal, func() (detect.Signature, error) { return NewContainerEscapeSignal(cfg, shared) }},
	}
	sigs := make([]detect.Signature, 0, len(builders))
	for _, b := range builders {
		if slices.Contains(cfg.Disabled, b.id) {
			continue
		}
		s, err := b.new()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.id, err)
		}
		sigs = append(sigs, s)
	}
	return sigs, nil
}

// selectedEvents returns the subscriptions of a signature resolving with r:
// pidfd_send_signal and the companion events r asks for, from any origin.
func selectedEvents(r Resolver) []detect.SignatureEventSelector {
	names := []string{events.EventPidfdSendSignal}
	if s, ok := r.(EventSelector); ok {
		for _, n := range s.SelectedEvents() {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	sel := make([]detect.SignatureEventSelector, len(names))
	for i, n := range names {
		sel[i] = detect.SignatureEventSelector{Source: trace.EventSource, Name: n, Origin: "*"}
	}
	return sel
}

// observeOnce passes an event to the Resolver's Observe once when the
// signatures sharing it observe it one after the other, as Tracee's engine
// hands each event to every signature in turn: observing is idempotent but
// not free (the tracker takes its write lock). Events are told apart by
// timestamp, thread and name; events without a timestamp (built by hand)
// are always passed on.
//
// It also keeps the last pidfd_send_signal event it parsed, so that the
// signatures after the first copy the call instead of parsing it again
// (see observeParse).
type observeOnce struct {
	Resolver
	mu     sync.Mutex
	last   observedKey
	parsed parsedCall
}

type observedKey struct {
	timestamp int
	tid       int
	name      string
}

// parsedCall is a pidfd_send_signal event parsed by observeParse: its key,
// what tells it from another event with the same key (its arguments, by
// address, and its return value), and the call.
type parsedCall struct {
	key    observedKey
	args   *trace.Argument
	result int
	call   events.SendSignal
}

// Observe passes ev on unless it is the event observed last. The lock is
// held while the Resolver observes, so that a signature skipping a
// duplicate resolves only after the event has been observed.
func (o *observeOnce) Observe(ev *trace.Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.observe(ev)
}

// observe is Observe with o.mu held; it returns the event's key, the zero
// key for an event without a timestamp.
func (o *observeOnce) observe(ev *trace.Event) observedKey {
	if ev.Timestamp == 0 {
		o.Resolver.Observe(ev)
		return observedKey{}
	}
	k := observedKey{timestamp: ev.Timestamp, tid: ev.HostThreadID, name: ev.EventName}
	if k != o.last {
		o.last = k
		o.Resolver.Observe(ev)
	}
	return k
}

// observeParse observes ev as Observe does and, for a pidfd_send_signal
// event, parses it and asks r whether the call is a candidate; only a
// candidate is copied to call (most calls are no signature's candidate, and
// six signatures see each). The parse is that of the last call when ev is
// the same event (same key, the same arguments in memory, the same return
// value: Tracee hands every signature a copy of one event, sharing its
// arguments), else a fresh one. isCall reports whether ev is a
// pidfd_send_signal event; err is the parse error. Signatures handling
// events concurrently, each in its own order, at worst miss the kept call
// and parse again.
func (o *observeOnce) observeParse(ev *trace.Event, r rule, call *events.SendSignal) (isCall, candidate bool, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	k := o.observe(ev)
	if ev.EventName != events.EventPidfdSendSignal {
		return false, false, nil
	}
	var args *trace.Argument
	if len(ev.Args) > 0 {
		args = &ev.Args[0]
	}
	p := &o.parsed
	if k.timestamp == 0 || args == nil || k != p.key || args != p.args || ev.ReturnValue != p.result {
		c, err := events.ParseSendSignal(ev)
		if err != nil {
			return true, false, err
		}
		if k.timestamp == 0 || args == nil {
			// Not identifiable: nothing to keep for the next signature.
			*call = c
			return true, r.candidate(call), nil
		}
		*p = parsedCall{key: k, args: args, result: ev.ReturnValue, call: c}
	}
	if !r.candidate(&p.call) {
		return true, false, nil
	}
	*call = p.call
	return true, true, nil
}

// SelectedEvents returns the events the wrapped Resolver selects.
func (o *observeOnce) SelectedEvents() []string {
	if s, ok := o.Resolver.(EventSelector); ok {
		return s.SelectedEvents()
	}
	return nil
}
