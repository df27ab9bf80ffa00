package events

import "strconv"

// InfoPointer is the info argument of pidfd_send_signal: the user-space
// address of a siginfo_t, as Tracee reports it (Tracee never reads the
// structure itself).
type InfoPointer uint64

// IsNull reports whether no siginfo was passed, in which case the kernel
// builds one itself (si_code SI_USER, the caller's pid and uid) like kill(2).
// A non-NULL info makes the call behave like rt_sigqueueinfo(2), and the
// kernel refuses forged si_code values for targets other than the caller.
func (p InfoPointer) IsNull() bool { return p == 0 }

// String renders "NULL" or the address in hex.
func (p InfoPointer) String() string {
	if p == 0 {
		return "NULL"
	}
	return "0x" + strconv.FormatUint(uint64(p), 16)
}
