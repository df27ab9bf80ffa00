package signatures

import (
	"fmt"
	"slices"

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
