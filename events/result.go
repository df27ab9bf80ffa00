package events

import (
	"strconv"
	"syscall"
)

//go:generate go run ./internal/errnogen errno_table.go

// Result is a system call's return value as Tracee reports it: non-negative
// on success, the negated errno on failure.
type Result int64

// OK reports whether the call succeeded.
func (r Result) OK() bool { return r >= 0 }

// Errno returns the error number of a failed call, 0 on success.
func (r Result) Errno() syscall.Errno {
	if r >= 0 {
		return 0
	}
	return syscall.Errno(-r)
}

// Is reports whether the call failed with errno e.
func (r Result) Is(e syscall.Errno) bool { return r < 0 && syscall.Errno(-r) == e }

// ErrnoName returns the Linux name of the call's errno ("EPERM"), "" on
// success, or "errno(N)" for a number Linux does not define.
func (r Result) ErrnoName() string {
	if r >= 0 {
		return ""
	}
	return ErrnoName(syscall.Errno(-r))
}

// String renders the value on success and the errno name on failure.
func (r Result) String() string {
	if r >= 0 {
		return strconv.FormatInt(int64(r), 10)
	}
	return r.ErrnoName()
}

// ErrnoName returns the Linux name of e (x86_64 and arm64 numbering),
// whatever OS this code runs on; "errno(N)" when Linux has none.
func ErrnoName(e syscall.Errno) string {
	if e > 0 && uint64(e) < uint64(len(errnoNames)) && errnoNames[e] != "" {
		return errnoNames[e]
	}
	return "errno(" + strconv.FormatUint(uint64(e), 10) + ")"
}

// Linux errno values that matter to pidfd_send_signal, named portably so
// callers on any OS can compare a Result with them.
const (
	EPERM  syscall.Errno = 1
	ESRCH  syscall.Errno = 3
	EBADF  syscall.Errno = 9
	EFAULT syscall.Errno = 14
	EINVAL syscall.Errno = 22
	ENOSYS syscall.Errno = 38
)
