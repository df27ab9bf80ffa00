package events

import (
	"math/bits"
	"strconv"
	"strings"
)

// Flags is the flags argument of pidfd_send_signal.
type Flags uint32

// The scope flags added in Linux 6.9 (include/uapi/linux/pidfd.h). At most
// one may be set; any other bit makes the kernel fail with EINVAL.
const (
	PIDFD_SIGNAL_THREAD        Flags = 1 << 0 // signal exactly the thread
	PIDFD_SIGNAL_THREAD_GROUP  Flags = 1 << 1 // signal the whole process
	PIDFD_SIGNAL_PROCESS_GROUP Flags = 1 << 2 // signal the process group the target leads

	// KnownFlags is every bit the kernel accepts.
	KnownFlags = PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP
)

var flagNames = [...]struct {
	flag Flags
	name string
}{
	{PIDFD_SIGNAL_THREAD, "PIDFD_SIGNAL_THREAD"},
	{PIDFD_SIGNAL_THREAD_GROUP, "PIDFD_SIGNAL_THREAD_GROUP"},
	{PIDFD_SIGNAL_PROCESS_GROUP, "PIDFD_SIGNAL_PROCESS_GROUP"},
}

// Known returns the bits of f the kernel knows.
func (f Flags) Known() Flags { return f & KnownFlags }

// Unknown returns the bits of f outside KnownFlags; the kernel refuses a
// call with any of them with EINVAL before it looks at the pidfd.
func (f Flags) Unknown() Flags { return f &^ KnownFlags }

// Has reports whether every bit of flag is set in f.
func (f Flags) Has(flag Flags) bool { return f&flag == flag }

// MultipleScopes reports whether more than one scope flag is set, which the
// kernel refuses with EINVAL.
func (f Flags) MultipleScopes() bool { return bits.OnesCount32(uint32(f.Known())) > 1 }

// Valid reports whether the kernel accepts f: no unknown bit and at most one
// scope flag.
func (f Flags) Valid() bool { return f.Unknown() == 0 && !f.MultipleScopes() }

// Names returns the names of the known flags set in f, in bit order; nil for
// none. Unknown bits are left out: see Unknown.
func (f Flags) Names() []string {
	if f.Known() == 0 {
		return nil
	}
	names := make([]string, 0, bits.OnesCount32(uint32(f.Known())))
	for _, fn := range flagNames {
		if f.Has(fn.flag) {
			names = append(names, fn.name)
		}
	}
	return names
}

// String renders f as the kernel names joined by "|", unknown bits in hex:
// "0", "PIDFD_SIGNAL_PROCESS_GROUP", "PIDFD_SIGNAL_THREAD|0x8".
func (f Flags) String() string {
	if f == 0 {
		return "0"
	}
	var b strings.Builder
	for _, fn := range flagNames {
		if f.Has(fn.flag) {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(fn.name)
		}
	}
	if u := f.Unknown(); u != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString("0x")
		b.WriteString(strconv.FormatUint(uint64(u), 16))
	}
	return b.String()
}
