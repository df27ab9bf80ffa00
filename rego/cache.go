package rego

import (
	"sync"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/open-policy-agent/opa/v1/ast"
)

// inputCache keeps the input built for the last event, so that the other
// rules of the runtime reuse it instead of decoding, resolving and building
// it again: Tracee hands one boxed trace.Event to every signature.
//
// The key is the boxed value itself, as internal/payload reads it in
// place. The entry holds that pointer, so the box cannot be freed and its
// address reused for another event while it is cached, and a boxed value
// cannot change. Events passed by pointer are never cached: their owner may
// reuse them.
type inputCache struct {
	mu    sync.Mutex
	event *trace.Event
	input *ast.Term
}

// get returns the input cached for the boxed event ev, or nil.
func (c *inputCache) get(ev *trace.Event) *ast.Term {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.event != nil && c.event == ev {
		return c.input
	}
	return nil
}

// put caches input for the boxed event ev.
func (c *inputCache) put(ev *trace.Event, input *ast.Term) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.event, c.input = ev, input
}
