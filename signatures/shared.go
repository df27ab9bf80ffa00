package signatures

import (
	"sync"
	"sync/atomic"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

// observeOnce is the Resolver the signatures built by New share. Tracee's
// engine hands each event to every signature in turn; observeOnce lets the
// first signature to see an event do the work they have in common, once:
//
//   - the event reaches the wrapped Resolver's Observe once (observing is
//     idempotent but not free: the tracker takes its lock);
//   - a pidfd_send_signal event is parsed once, and every registered rule
//     is asked once whether the call is its candidate;
//   - the call's target is resolved once, however many rules want it.
//
// It then publishes the event with the rules' answers (see published), and
// the signatures after the first read them without taking a lock: one
// whose rule has nothing to do with the event returns at once (see
// core.dismissed). Most events are no rule's candidate, so five of every
// six deliveries cost a few atomic loads.
//
// Events are told apart by timestamp, thread, name, the address of their
// first argument and their return value (Tracee hands every signature a
// copy of one event, sharing its arguments); the lock-free path wants the
// same box, which Tracee's engine hands to every signature. Events
// without a timestamp (built by hand) are never shared: each signature
// observes and parses them itself. Signatures handling events concurrently,
// each in its own order, at worst miss what was shared and do the work
// again.
type observeOnce struct {
	Resolver

	mu     sync.Mutex
	rules  []rule // registered rules: bit i of a verdict set is rules[i]
	last   observedKey
	parsed parsedCall
	pub    published
}

// observedKey identifies one event among those handed to several
// signatures.
type observedKey struct {
	timestamp int
	tid       int
	name      string
	args      *trace.Argument // the first argument; nil without arguments
	result    int
}

// keyOf returns ev's key, and false for an event without a timestamp,
// which is never shared.
func keyOf(ev *trace.Event) (observedKey, bool) {
	if ev.Timestamp == 0 {
		return observedKey{}, false
	}
	return observedKey{
		timestamp: ev.Timestamp,
		tid:       ev.HostThreadID,
		name:      ev.EventName,
		args:      firstArg(ev),
		result:    ev.ReturnValue,
	}, true
}

// firstArg returns the address of ev's first argument, nil without one.
func firstArg(ev *trace.Event) *trace.Argument {
	if len(ev.Args) == 0 {
		return nil
	}
	return &ev.Args[0]
}

// parsedCall is the pidfd_send_signal event parsed last, with its target
// once a rule has asked for it.
type parsedCall struct {
	key      observedKey
	call     events.SendSignal
	resolved bool
	target   target.Target
}

// register adds r to the rules asked about every call parsed from now on
// and returns its bit in a verdict set; ok is false when the set is full,
// and then the signature of r does not take the lock-free path.
func (o *observeOnce) register(r rule) (bit uint, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.rules) >= maxSharedRules {
		return 0, false
	}
	o.rules = append(o.rules, r)
	// An event published before r was registered holds no answer for r.
	o.pub.clear()
	return uint(len(o.rules) - 1), true
}

// Observe passes ev on unless it is the event observed last. The lock is
// held while the Resolver observes, so that a signature skipping a
// duplicate resolves only after the event has been observed.
func (o *observeOnce) Observe(ev *trace.Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.observe(ev)
}

// observe is Observe with o.mu held; it returns the event's key and whether
// it has one.
func (o *observeOnce) observe(ev *trace.Event) (observedKey, bool) {
	k, ok := keyOf(ev)
	if !ok {
		o.Resolver.Observe(ev)
		return k, false
	}
	if k != o.last {
		o.last = k
		o.Resolver.Observe(ev)
	}
	return k, true
}

// observeParse observes ev as Observe does and, for a pidfd_send_signal
// event, parses it and asks r whether the call is a candidate; only a
// candidate is copied to call (most calls are no signature's candidate, and
// six signatures see each). The parse is that of the last call when ev is
// the same event, else a fresh one, which every registered rule is asked
// about and which is then published with their answers. isCall reports
// whether ev is a pidfd_send_signal event; err is the parse error. boxed
// is payload.Of's: only a boxed event is published.
func (o *observeOnce) observeParse(ev *trace.Event, boxed bool, r rule, call *events.SendSignal) (isCall, candidate bool, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	k, shared := o.observe(ev)
	if ev.EventName != events.EventPidfdSendSignal {
		if shared && boxed && o.pub.event.Load() != ev {
			o.pub.store(ev, 0)
		}
		return false, false, nil
	}
	if !shared || k.args == nil {
		// Not identifiable: nothing to keep for the next signature.
		c, err := events.ParseSendSignal(ev)
		if err != nil {
			return true, false, err
		}
		*call = c
		return true, r.candidate(call), nil
	}
	p := &o.parsed
	if k != p.key {
		c, err := events.ParseSendSignal(ev)
		if err != nil {
			return true, false, err
		}
		// Field by field: the stale target is never read, and clearing
		// it on every call would cost more than the rest.
		p.key, p.call, p.resolved = k, c, false
		verdicts := isCallVerdict
		for i, rr := range o.rules {
			if rr.candidate(&p.call) {
				verdicts |= 1 << uint(i)
			}
		}
		if boxed {
			o.pub.store(ev, verdicts)
		}
	}
	if !r.candidate(&p.call) {
		return true, false, nil
	}
	*call = p.call
	return true, true, nil
}

// Resolve resolves the call of ev through the wrapped Resolver once for all
// the signatures sharing o: a rule asking about the call parsed last is
// given the target the first rule to ask was given.
func (o *observeOnce) Resolve(ev *trace.Event, call *events.SendSignal) target.Target {
	o.mu.Lock()
	defer o.mu.Unlock()
	k, shared := keyOf(ev)
	p := &o.parsed
	if !shared || k != p.key {
		return o.Resolver.Resolve(ev, call)
	}
	if !p.resolved {
		p.target, p.resolved = o.Resolver.Resolve(ev, call), true
	}
	return p.target
}

// SelectedEvents returns the events the wrapped Resolver selects.
func (o *observeOnce) SelectedEvents() []string {
	if s, ok := o.Resolver.(EventSelector); ok {
		return s.SelectedEvents()
	}
	return nil
}

// isCallVerdict is the bit of a verdict set that marks a pidfd_send_signal
// event; the bits below it are the registered rules' answers.
const isCallVerdict uint64 = 1 << 63

// maxSharedRules is how many rules a verdict set has room for.
const maxSharedRules = 63

// published is the event observed last, with its verdict set, readable
// without a lock. Only a boxed event is published (see payload.Of): the
// box cannot change, and holding its address keeps it from being freed
// and reused, so the address alone identifies the event. A sequence count,
// odd while a store is under way, keeps a reader from pairing one event
// with another's verdicts; every field is an atomic, so a reader racing a
// store retries on the locked path, never races. Stores are made under
// observeOnce.mu.
type published struct {
	seq      atomic.Uint64
	event    atomic.Pointer[trace.Event]
	verdicts atomic.Uint64
}

// store publishes the boxed event ev with its verdict set.
func (p *published) store(ev *trace.Event, verdicts uint64) {
	p.seq.Add(1)
	p.event.Store(ev)
	p.verdicts.Store(verdicts)
	p.seq.Add(1)
}

// clear withdraws the published event.
func (p *published) clear() {
	p.seq.Add(1)
	p.event.Store(nil)
	p.seq.Add(1)
}

// lookup returns the verdict set of the boxed event ev if ev is the event
// published. It reports false while a store is under way.
func (p *published) lookup(ev *trace.Event) (uint64, bool) {
	seq := p.seq.Load()
	if seq&1 != 0 || p.event.Load() != ev {
		return 0, false
	}
	verdicts := p.verdicts.Load()
	if p.seq.Load() != seq {
		return 0, false
	}
	return verdicts, true
}
