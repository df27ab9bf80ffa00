//go:build linux

package kernelrec

import (
	"encoding/binary"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/pidfdsig/pidfdsig/events"
)

// Values of the siginfo a sender may pass to pidfd_send_signal
// (include/uapi/asm-generic/siginfo.h).
const (
	SI_USER  int32 = 0  // what kill(2) sets; forged when set by hand
	SI_QUEUE int32 = -1 // sigqueue(3); allowed
	SI_TKILL int32 = -6 // tkill(2); forged when set by hand
)

// siginfoSize is sizeof(siginfo_t) on every Linux architecture.
const siginfoSize = 128

// The system calls a script can make, each made for real on the calling
// thread and described as a Call. Errors are results (Call.Ret < 0), not Go
// errors.

func pidfdOpen(pid int32, flags uint32) Call {
	return syscall6(events.EventPidfdOpen, unix.SYS_PIDFD_OPEN, int64(pid), int64(flags))
}

// pidfdSendSignal sends sig; with siCode non-nil it passes a siginfo whose
// si_signo is sig, si_errno 0 and si_code *siCode (the rest zero), else NULL.
// The recorded info argument is the buffer's real address, as Tracee shows
// it.
func pidfdSendSignal(pidfd, sig int32, siCode *int32, flags uint32) Call {
	if siCode == nil {
		return syscall6(events.EventPidfdSendSignal, unix.SYS_PIDFD_SEND_SIGNAL, int64(pidfd), int64(sig), 0, int64(flags))
	}
	info := new([siginfoSize]byte)
	binary.NativeEndian.PutUint32(info[0:], uint32(sig))     // si_signo
	binary.NativeEndian.PutUint32(info[8:], uint32(*siCode)) // si_code
	addr := int64(uintptr(unsafe.Pointer(info)))
	c := startCall(events.EventPidfdSendSignal, int64(pidfd), int64(sig), addr, int64(flags))
	r, _, errno := unix.Syscall6(unix.SYS_PIDFD_SEND_SIGNAL, uintptr(pidfd), uintptr(sig),
		uintptr(unsafe.Pointer(info)), uintptr(flags), 0, 0)
	return c.finish(r, errno)
}

func closeFD(fd int32) Call {
	return syscall6(events.EventClose, unix.SYS_CLOSE, int64(fd))
}

func dup(fd int32) Call {
	return syscall6(events.EventDup, unix.SYS_DUP, int64(fd))
}

// dup2 is the dup2 system call, which x86_64 has and arm64 lacks.
func dup2(oldfd, newfd int32) Call {
	return syscall6(events.EventDup2, sysDup2, int64(oldfd), int64(newfd))
}

func dup3(oldfd, newfd, flags int32) Call {
	return syscall6(events.EventDup3, unix.SYS_DUP3, int64(oldfd), int64(newfd), int64(flags))
}

func pidfdGetfd(pidfd, targetfd int32, flags uint32) Call {
	return syscall6(events.EventPidfdGetfd, unix.SYS_PIDFD_GETFD, int64(pidfd), int64(targetfd), int64(flags))
}

// setresuid changes the calling thread's uids only (the raw system call, not
// Go's all-threads syscall.Setresuid), so that Tracee would see exactly one
// setresuid event; the scripts run on one locked thread.
func setresuid(ruid, euid, suid int32) Call {
	c := startCall(events.EventSetresuid, int64(ruid), int64(euid), int64(suid))
	r, _, errno := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(ruid), uintptr(euid), uintptr(suid))
	return c.finish(r, errno)
}

func syscall6(event string, trap uintptr, args ...int64) Call {
	var a [6]uintptr
	for i, v := range args {
		a[i] = uintptr(v)
	}
	c := startCall(event, args...)
	r, _, errno := unix.Syscall6(trap, a[0], a[1], a[2], a[3], a[4], a[5])
	return c.finish(r, errno)
}

func startCall(event string, args ...int64) Call {
	return Call{Event: event, Args: args, Time: time.Now().UnixNano()}
}

// finish completes c with the call's result and the context Tracee reads
// at sys_exit.
func (c Call) finish(r uintptr, errno unix.Errno) Call {
	c.Ret = int64(r)
	if errno != 0 {
		c.Ret = -int64(errno)
	}
	c.CPU = currentCPU()
	c.UID = currentRealUID()
	return c
}

// currentCPU returns the CPU the calling thread runs on.
func currentCPU() int32 {
	var cpu uint32
	unix.RawSyscall(unix.SYS_GETCPU, uintptr(unsafe.Pointer(&cpu)), 0, 0)
	return int32(cpu)
}

// currentRealUID returns the calling thread's real uid.
func currentRealUID() uint32 {
	ruid, _, _ := currentUIDs()
	return ruid
}

// currentUIDs returns the calling thread's real, effective and saved uids.
func currentUIDs() (ruid, euid, suid uint32) {
	unix.RawSyscall(unix.SYS_GETRESUID, uintptr(unsafe.Pointer(&ruid)),
		uintptr(unsafe.Pointer(&euid)), uintptr(unsafe.Pointer(&suid)))
	return ruid, euid, suid
}
