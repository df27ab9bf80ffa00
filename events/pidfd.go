package events

import "strconv"

// PidFD is the pidfd argument of pidfd_send_signal: a file descriptor, or one
// of the kernel's special values naming the caller itself.
type PidFD int32

// Special pidfd values (include/uapi/linux/pidfd.h), accepted without any fd.
const (
	PIDFD_SELF_THREAD       PidFD = -10000 // the calling thread
	PIDFD_SELF_THREAD_GROUP PidFD = -10001 // the calling process
)

// PidFDKind classifies a PidFD value.
type PidFDKind uint8

// The kinds of pidfd value.
const (
	PidFDKindFD          PidFDKind = iota // a file descriptor number (>= 0)
	PidFDSelfThread                       // PIDFD_SELF_THREAD
	PidFDSelfThreadGroup                  // PIDFD_SELF_THREAD_GROUP
	PidFDInvalid                          // any other negative value: EBADF
)

// String returns the kind's name as used in JSON output: "fd",
// "self_thread", "self_thread_group" or "invalid".
func (k PidFDKind) String() string {
	switch k {
	case PidFDKindFD:
		return "fd"
	case PidFDSelfThread:
		return "self_thread"
	case PidFDSelfThreadGroup:
		return "self_thread_group"
	default:
		return "invalid"
	}
}

// Kind classifies p.
func (p PidFD) Kind() PidFDKind {
	switch {
	case p >= 0:
		return PidFDKindFD
	case p == PIDFD_SELF_THREAD:
		return PidFDSelfThread
	case p == PIDFD_SELF_THREAD_GROUP:
		return PidFDSelfThreadGroup
	default:
		return PidFDInvalid
	}
}

// IsSelf reports whether p names the caller itself without an fd.
func (p PidFD) IsSelf() bool { return p == PIDFD_SELF_THREAD || p == PIDFD_SELF_THREAD_GROUP }

// String renders p: the fd number, or the kernel name of a special value.
func (p PidFD) String() string {
	switch p.Kind() {
	case PidFDSelfThread:
		return "PIDFD_SELF_THREAD"
	case PidFDSelfThreadGroup:
		return "PIDFD_SELF_THREAD_GROUP"
	default:
		return strconv.Itoa(int(p))
	}
}
