// Package engine runs detect.Signature values over a stream of trace.Event
// the way Tracee's signature engine does: each signature is initialised with
// a callback, sees only the events it selected (by source, name and origin),
// and reports findings through the callback. It is what `pidfdsig scan`
// runs, and what a Go program uses to run signatures over a capture without
// writing the read, convert and dispatch loop itself. It is sequential, so a
// run over a capture is deterministic.
//
// The main call runs the bundled signatures over a Tracee JSON capture:
//
//	sigs, err := signatures.New(signatures.DefaultConfig())
//	if err != nil {
//		return err
//	}
//	stats, err := engine.Scan(f, sigs, engine.Options{
//		OnFinding: func(f *detect.Finding) { fmt.Println(f.SigMetadata.ID) },
//	})
//
// New and Engine.Dispatch do the same one event at a time, for events that
// do not come from a capture.
package engine

import (
	"errors"
	"fmt"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
)

// wildcard selects every event name or origin.
const wildcard = "*"

// Engine dispatches events to signatures by their selected events.
type Engine struct {
	sigs   []detect.Signature
	byName map[string][]selection
	any    []selection // selections with name "*"
}

// selection is one signature's interest in one event name.
type selection struct {
	sig    detect.Signature
	origin string
}

// Options configure an Engine.
type Options struct {
	// OnFinding receives every finding; required unless HandlerFor is set.
	OnFinding detect.SignatureHandler
	// HandlerFor, when set, gives each signature its own finding handler
	// (e.g. one that labels findings with the engine that made them); a
	// nil result falls back to OnFinding.
	HandlerFor func(detect.Signature) detect.SignatureHandler
	// Logger is handed to every signature; a discarding logger when nil.
	Logger detect.Logger
	// DataSources are offered to signatures through GetDataSource.
	DataSources []detect.DataSource
}

// New initialises every signature and indexes its selected events. A
// signature that fails to describe itself or to initialise is an error
// naming it: an engine never starts half-configured.
func New(sigs []detect.Signature, opts Options) (*Engine, error) {
	if opts.OnFinding == nil && opts.HandlerFor == nil {
		return nil, fmt.Errorf("engine: OnFinding callback is required")
	}
	logger := opts.Logger
	if logger == nil {
		logger = discardLogger{}
	}
	sources := opts.DataSources
	ctx := detect.SignatureContext{
		Callback: opts.OnFinding,
		Logger:   logger,
		GetDataSource: func(namespace, id string) (detect.DataSource, bool) {
			for _, ds := range sources {
				if ds.Namespace() == namespace && ds.ID() == id {
					return ds, true
				}
			}
			return nil, false
		},
	}
	e := &Engine{byName: make(map[string][]selection)}
	for _, sig := range sigs {
		meta, err := sig.GetMetadata()
		if err != nil {
			return nil, fmt.Errorf("engine: signature metadata: %w", err)
		}
		selected, err := sig.GetSelectedEvents()
		if err != nil {
			return nil, fmt.Errorf("engine: signature %s: selected events: %w", meta.ID, err)
		}
		sigCtx := ctx
		if opts.HandlerFor != nil {
			if h := opts.HandlerFor(sig); h != nil {
				sigCtx.Callback = h
			}
		}
		if sigCtx.Callback == nil {
			return nil, fmt.Errorf("engine: signature %s: no finding handler (OnFinding nil, HandlerFor gave nil)", meta.ID)
		}
		if err := sig.Init(sigCtx); err != nil {
			return nil, fmt.Errorf("engine: signature %s: init: %w", meta.ID, err)
		}
		e.sigs = append(e.sigs, sig)
		for _, sel := range selected {
			if sel.Source != "" && sel.Source != trace.EventSource && sel.Source != wildcard {
				continue
			}
			s := selection{sig: sig, origin: sel.Origin}
			if sel.Name == wildcard {
				e.any = append(e.any, s)
				continue
			}
			e.byName[sel.Name] = append(e.byName[sel.Name], s)
		}
	}
	return e, nil
}

// Dispatch hands ev to every signature that selected it, in the order the
// signatures were given. Errors returned by a signature are collected and
// returned together; they never stop the other signatures.
func (e *Engine) Dispatch(ev *trace.Event) error {
	sels := e.byName[ev.EventName]
	if len(sels) == 0 && len(e.any) == 0 {
		return nil
	}
	pe := ev.ToProtocol()
	origin := pe.Headers.Selector.Origin
	var errs []error
	for _, group := range [2][]selection{sels, e.any} {
		for _, s := range group {
			if s.origin != "" && s.origin != wildcard && s.origin != origin {
				continue
			}
			if err := s.sig.OnEvent(pe); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("event %s: %w", ev.EventName, errors.Join(errs...))
	}
	return nil
}

// Complete tells every signature that the source is done, as Tracee does
// when its input ends.
func (e *Engine) Complete() {
	for _, sig := range e.sigs {
		_ = sig.OnSignal(detect.SignalSourceComplete(trace.EventSource))
	}
}

// Close closes every signature.
func (e *Engine) Close() {
	for _, sig := range e.sigs {
		sig.Close()
	}
}

// Selects reports whether any signature selected events named name.
func (e *Engine) Selects(name string) bool {
	return len(e.any) > 0 || len(e.byName[name]) > 0
}
