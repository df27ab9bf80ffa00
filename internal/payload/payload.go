// Package payload reads the trace.Event a Tracee protocol.Event carries
// without copying it.
//
// Tracee's engine hands every signature a protocol.Event whose Payload is a
// trace.Event boxed by value: 464 bytes that a type assertion copies, and
// that a signature keeping the copy in a field pays for again in write
// barriers while the garbage collector runs. Tracee hands the same boxed
// value to every signature selecting the event, so the pidfdsig signatures,
// its followers and its Rego rules would copy one event a dozen times.
//
// Of returns a pointer to the boxed value itself. Go never changes a value
// once it is boxed in an interface, and nothing in this module writes
// through the pointer: it is a read-only view, kept alive by the pointer
// like any other.
package payload

import (
	"unsafe"

	"github.com/aquasecurity/tracee/types/trace"
)

// Of returns the trace.Event p carries and whether it is a boxed value
// (Tracee's form, which nobody can change, so the pointer identifies the
// event for as long as it is held). A *trace.Event is returned as it is,
// with boxed false: its owner may reuse it for the next event. Any other
// payload, and a nil *trace.Event, gives nil.
//
// The event must not be written through the returned pointer.
func Of(p any) (ev *trace.Event, boxed bool) {
	switch p.(type) {
	case trace.Event:
		// An interface holding a value wider than a pointer holds a
		// pointer to that value as its data word; the type switch binds
		// no copy.
		return (*trace.Event)((*iface)(unsafe.Pointer(&p)).data), true
	case *trace.Event:
		return p.(*trace.Event), false
	default:
		return nil, false
	}
}

// iface is the layout of an empty interface: its dynamic type and a pointer
// to its value.
type iface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}
