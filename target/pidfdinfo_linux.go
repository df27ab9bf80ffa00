//go:build linux

package target

import (
	"errors"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// pidfdInfo is struct pidfd_info of include/uapi/linux/pidfd.h, first
// published size (PIDFD_INFO_SIZE_VER0, 64 bytes; Linux 6.13). Linux 6.15
// turned the last spare word into exit_code. The kernel copies
// min(its size, ours), so this stays valid as the struct grows.
type pidfdInfo struct {
	Mask     uint64
	CgroupID uint64
	Pid      uint32 // the pidfd's pid (a tid for PIDFD_THREAD), in our pid namespace
	Tgid     uint32
	Ppid     uint32
	Ruid     uint32
	Rgid     uint32
	Euid     uint32
	Egid     uint32
	Suid     uint32
	Sgid     uint32
	Fsuid    uint32
	Fsgid    uint32
	ExitCode int32
}

// pidfd_info mask bits.
const (
	pidfdInfoPid      = 1 << 0 // PIDFD_INFO_PID
	pidfdInfoCreds    = 1 << 1 // PIDFD_INFO_CREDS
	pidfdInfoCgroupID = 1 << 2 // PIDFD_INFO_CGROUPID
	pidfdInfoExit     = 1 << 3 // PIDFD_INFO_EXIT (Linux 6.15)
)

// pidfdGetInfo is PIDFD_GET_INFO = _IOWR(PIDFS_IOCTL_MAGIC 0xFF, 11, struct
// pidfd_info): direction read|write (3) << 30 | size << 16 | 0xFF << 8 | 11.
const pidfdGetInfo = 3<<30 | uintptr(unsafe.Sizeof(pidfdInfo{}))<<16 | 0xFF<<8 | 11

// pidfdIoctlInfo asks the kernel about pidfd fd.
func pidfdIoctlInfo(fd int) (pidfdInfo, error) {
	info := pidfdInfo{Mask: pidfdInfoPid | pidfdInfoCreds | pidfdInfoCgroupID | pidfdInfoExit}
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), pidfdGetInfo, uintptr(unsafe.Pointer(&info)))
	if errno != 0 {
		return pidfdInfo{}, errno
	}
	return info, nil
}

// pidfdInfoSupported probes PIDFD_GET_INFO on a pidfd of this process.
func pidfdInfoSupported() bool {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	_, err = pidfdIoctlInfo(fd)
	return err == nil
}

// viaPidfdInfo copies the sender's fd with pidfd_getfd and asks the kernel
// what it points at. ok is false when this path cannot answer (no
// permission, not a pidfd, ...) and /proc should be read instead.
func (r *procfsResolver) viaPidfdInfo(q LiveQuery) (tg Target, ok bool) {
	sender, err := unix.PidfdOpen(int(q.HostPID), 0)
	if errors.Is(err, unix.ESRCH) {
		return Target{Reason: reasonLiveSenderGone}, true
	} else if err != nil {
		return Target{}, false
	}
	defer unix.Close(sender)
	// The sender pidfd pins the process; check it is the one that called.
	if reason := r.checkSender(q); reason != "" {
		return Target{Reason: reason}, true
	}
	fd, err := unix.PidfdGetfd(sender, int(q.FD), 0)
	if errors.Is(err, unix.EBADF) {
		return Target{Reason: reasonLiveFDClosed}, true
	} else if err != nil {
		return Target{}, false
	}
	defer unix.Close(fd)
	info, err := pidfdIoctlInfo(fd)
	switch {
	case errors.Is(err, unix.ESRCH):
		return Target{Reason: reasonLiveReaped, Exited: true}, true
	case err != nil:
		return Target{}, false // ENOTTY: not a pidfd (or a /proc/PID directory)
	case info.Mask&pidfdInfoPid == 0:
		return Target{Reason: reasonLiveReaped, Exited: info.Mask&pidfdInfoExit != 0}, true
	}
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return Target{}, false
	}
	tg = Target{Source: SourcePidfdInfo, HostPID: int32(info.Tgid), Thread: fl&unix.O_EXCL != 0}
	if tg.Thread {
		tg.HostTID = int32(info.Pid)
	}
	if info.Mask&pidfdInfoCreds != 0 {
		tg.UIDKnown, tg.UID = true, info.Ruid
		tg.CredsKnown, tg.EUID, tg.SUID = true, info.Euid, info.Suid
	}
	tg.Exited = info.Mask&pidfdInfoExit != 0
	r.addNames(&tg, fd, q)
	return tg, true
}

// addNames reads the target's name, executable and pid namespace from
// /proc, keeping them only if the pidfd still names the same live process
// afterwards (else the pid may have been reused in between).
func (r *procfsResolver) addNames(tg *Target, fd int, q LiveQuery) {
	st, err := r.readStatus(tg.HostPID)
	if err != nil {
		return
	}
	after, err := pidfdIoctlInfo(fd)
	if err != nil || after.Mask&pidfdInfoPid == 0 || int32(after.Tgid) != tg.HostPID {
		tg.Exited = true
		return
	}
	creds := *tg
	r.fill(tg, st, q)
	// The kernel's credentials are the ones of the pidfd's own process.
	tg.UIDKnown, tg.UID = creds.UIDKnown, creds.UID
	tg.CredsKnown, tg.EUID, tg.SUID = creds.CredsKnown, creds.EUID, creds.SUID
}
