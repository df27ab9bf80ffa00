package events

// Field is one argument of a Tracee event, named and typed exactly as Tracee
// declares it (the Type strings are Tracee's: "int", "int32", "uint32",
// "int64", "uint64", "trace.Pointer", "const char*", "unsigned long", ...).
type Field struct {
	Name string
	Type string
}

// SyscallNumbers holds a system call's number on each architecture Tracee
// supports. NoSyscall marks an architecture without that call (or an event
// that is not a system call at all).
type SyscallNumbers struct {
	AMD64 int32
	ARM64 int32
}

// NoSyscall is the SyscallNumbers value of an architecture that lacks the call.
const NoSyscall int32 = -1

// Definition describes one Tracee event: its name, the ids it carries in
// Tracee's two JSON output formats, its system call numbers, the sets it
// belongs to and its fields in the order Tracee emits them.
type Definition struct {
	// Name is Tracee's event name, e.g. "pidfd_send_signal".
	Name string
	// LegacyID is the id in Tracee v0.24.1's output ("eventId": "424").
	LegacyID int32
	// ID is the id in the main branch's protobuf-style output ("id": 336).
	ID int32
	// Syscall holds the system call numbers; NoSyscall for non-syscall events.
	Syscall SyscallNumbers
	// Sets are Tracee's event sets, e.g. "syscalls", "signals".
	Sets []string
	// Fields are the event's arguments in Tracee's order.
	Fields []Field
}

// FieldIndex returns the position of the named field, or -1.
func (d Definition) FieldIndex(name string) int {
	for i, f := range d.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}
