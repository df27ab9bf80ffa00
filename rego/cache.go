package rego

import (
	"sync"
	"unsafe"

	"github.com/open-policy-agent/opa/v1/ast"
)

// inputCache keeps the input built for the last event, so that the other
// rules of the runtime reuse it instead of decoding, resolving and building
// it again: Tracee hands one boxed trace.Event to every signature.
//
// The key is the address of the boxed value. The entry holds the payload
// itself, so that address cannot be reused for another event while it is
// cached, and a boxed value cannot change. Pointer payloads are never
// cached: their owner may reuse the event.
type inputCache struct {
	mu      sync.Mutex
	payload any
	key     unsafe.Pointer
	input   *ast.Term
}

// boxedAddress returns the address of the value inside an interface.
func boxedAddress(payload any) unsafe.Pointer {
	type eface struct {
		typ, data unsafe.Pointer
	}
	return (*eface)(unsafe.Pointer(&payload)).data
}

// get returns the input cached for payload, or nil.
func (c *inputCache) get(payload any) *ast.Term {
	key := boxedAddress(payload)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.payload != nil && c.key == key {
		return c.input
	}
	return nil
}

// put caches input for payload.
func (c *inputCache) put(payload any, input *ast.Term) {
	key := boxedAddress(payload)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.payload, c.key, c.input = payload, key, input
}
