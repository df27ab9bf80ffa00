package events_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/pidfdsig/pidfdsig/events"
)

// pidfdThread is PIDFD_THREAD (include/uapi/linux/pidfd.h): pidfd_open of a
// single thread, Linux 6.9+. It reuses O_EXCL's value.
const pidfdThread = unix.O_EXCL

// requireKernelPidfds skips unless the test may make real pidfd calls: it
// must run as root (so permission never decides a verdict) on a kernel with
// pidfd_open.
func requireKernelPidfds(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("needs root: real pidfd_send_signal calls are compared with the decoders (euid %d)", os.Geteuid())
	}
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skipf("needs sleep(1) to fork a target: %v", err)
	}
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if errors.Is(err, unix.ENOSYS) {
		t.Skipf("pidfd_open: %v: the kernel predates Linux 5.3", err)
	}
	require.NoError(t, err, "pidfd_open of the test itself")
	unix.Close(fd)
}

// startTarget forks `sleep 30`, optionally as the leader of its own process
// group, and kills it when the test ends.
func startTarget(t *testing.T, ownGroup bool) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "30")
	if ownGroup {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// openPidFD returns pidfd_open(pid, flags), closed when the test ends.
func openPidFD(t *testing.T, pid, flags int) int {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, flags)
	if errors.Is(err, unix.EINVAL) && flags != 0 {
		t.Skipf("pidfd_open(%d, %#x): %v: the kernel predates these flags", pid, flags, err)
	}
	require.NoError(t, err, "pidfd_open(%d, %#x)", pid, flags)
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// openFile returns an O_RDONLY fd of path, closed when the test ends.
func openFile(t *testing.T, path string, flags int) int {
	t.Helper()
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|flags, 0)
	require.NoError(t, err, "open %s", path)
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// Ways to get the pidfd argument of a row.
var (
	childPidFD = func(t *testing.T) int {
		return openPidFD(t, startTarget(t, false).Process.Pid, 0)
	}
	groupLeaderPidFD = func(t *testing.T) int {
		return openPidFD(t, startTarget(t, true).Process.Pid, 0)
	}
	childThreadPidFD = func(t *testing.T) int {
		return openPidFD(t, startTarget(t, false).Process.Pid, pidfdThread)
	}
	childProcDirFD = func(t *testing.T) int {
		return openFile(t, fmt.Sprintf("/proc/%d", startTarget(t, false).Process.Pid), unix.O_DIRECTORY)
	}
	exitedChildPidFD = func(t *testing.T) int {
		cmd := startTarget(t, false)
		fd := openPidFD(t, cmd.Process.Pid, 0)
		require.NoError(t, cmd.Process.Kill())
		_ = cmd.Wait()
		return fd
	}
	devNullFD = func(t *testing.T) int { return openFile(t, "/dev/null", 0) }
	fixedFD   = func(fd int) func(*testing.T) int { return func(*testing.T) int { return fd } }
)

// siginfo returns a siginfo_t with the given si_signo and si_code.
func siginfo(signo events.Signal, code int32) func() *unix.Siginfo {
	return func() *unix.Siginfo { return &unix.Siginfo{Signo: int32(signo), Code: code} }
}

// siQueue is SI_QUEUE, the si_code of sigqueue(3), which the kernel lets any
// sender use.
const siQueue = -1

// predictedErrno returns the verdict the decoded arguments alone determine,
// following the kernel's order of checks (see shared/REFERENCE.md), or false
// when the kernel must look at the target.
func predictedErrno(call events.SendSignal) (syscall.Errno, bool) {
	switch {
	case call.Flags.Unknown() != 0:
		return events.EINVAL, true
	case call.Flags.MultipleScopes():
		return events.EINVAL, true
	case call.PidFD.Kind() == events.PidFDInvalid:
		return events.EBADF, true
	case !call.Signal.Valid():
		return events.EINVAL, true
	}
	return 0, false
}

func TestDecodersPredictTheKernel(t *testing.T) {
	requireKernelPidfds(t)

	tests := []struct {
		name  string
		pidfd func(*testing.T) int
		sig   events.Signal
		info  func() *unix.Siginfo // nil: NULL
		flags events.Flags
		want  syscall.Errno // 0: success
		// oldKernel is the errno of a kernel that predates the feature the
		// row uses; the row is skipped on it.
		oldKernel syscall.Errno
		check     func(t *testing.T, call events.SendSignal)
	}{
		{
			name: "signal 0 with no flags to a child succeeds", pidfd: childPidFD,
			check: func(t *testing.T, c events.SendSignal) {
				assert.True(t, c.Signal.IsProbe())
				assert.Equal(t, events.ScopeFromPidFD, c.Scope())
			},
		},
		{
			name: "flags 8 are refused with EINVAL", pidfd: childPidFD, flags: 8, want: unix.EINVAL,
			check: func(t *testing.T, c events.SendSignal) {
				assert.NotZero(t, c.Flags.Unknown())
				assert.Equal(t, events.ScopeInvalid, c.Scope())
			},
		},
		{
			name: "the top flag bit is refused with EINVAL", pidfd: childPidFD, flags: 0x80000000, want: unix.EINVAL,
			check: func(t *testing.T, c events.SendSignal) { assert.False(t, c.Flags.Valid()) },
		},
		{
			name: "flags 8 are refused before an invalid pidfd is looked at", pidfd: fixedFD(-5), flags: 8, want: unix.EINVAL,
			check: func(t *testing.T, c events.SendSignal) {
				assert.NotZero(t, c.Flags.Unknown())
				assert.Equal(t, events.PidFDInvalid, c.PidFD.Kind())
			},
		},
		{
			name: "flags 3 are refused with EINVAL", pidfd: childPidFD, flags: 3, want: unix.EINVAL,
			check: func(t *testing.T, c events.SendSignal) {
				assert.True(t, c.Flags.MultipleScopes())
				assert.Zero(t, c.Flags.Unknown())
			},
		},
		{
			name: "flags 6 are refused with EINVAL", pidfd: childPidFD, flags: 6, want: unix.EINVAL,
			check: func(t *testing.T, c events.SendSignal) { assert.True(t, c.Flags.MultipleScopes()) },
		},
		{
			name: "PIDFD_SIGNAL_THREAD with signal 0 succeeds", pidfd: childPidFD,
			flags: events.PIDFD_SIGNAL_THREAD, oldKernel: unix.EINVAL,
			check: func(t *testing.T, c events.SendSignal) { assert.Equal(t, events.ScopeThread, c.Scope()) },
		},
		{
			name: "PIDFD_SIGNAL_THREAD_GROUP with signal 0 succeeds", pidfd: childPidFD,
			flags: events.PIDFD_SIGNAL_THREAD_GROUP, oldKernel: unix.EINVAL,
			check: func(t *testing.T, c events.SendSignal) { assert.Equal(t, events.ScopeThreadGroup, c.Scope()) },
		},
		{
			name: "PIDFD_SIGNAL_PROCESS_GROUP to a non-leader fails with ESRCH", pidfd: childPidFD,
			flags: events.PIDFD_SIGNAL_PROCESS_GROUP, want: unix.ESRCH,
			check: func(t *testing.T, c events.SendSignal) {
				assert.Equal(t, events.ScopeProcessGroup, c.Scope())
				assert.True(t, c.Flags.Valid(), "the flags are fine: only the target makes it fail")
			},
		},
		{
			name: "PIDFD_SIGNAL_PROCESS_GROUP to a group leader succeeds", pidfd: groupLeaderPidFD,
			flags: events.PIDFD_SIGNAL_PROCESS_GROUP, oldKernel: unix.EINVAL,
			check: func(t *testing.T, c events.SendSignal) { assert.Equal(t, events.ScopeProcessGroup, c.Scope()) },
		},
		{
			name: "PIDFD_SELF_THREAD_GROUP with signal 0 succeeds", pidfd: fixedFD(int(events.PIDFD_SELF_THREAD_GROUP)),
			oldKernel: unix.EBADF,
			check: func(t *testing.T, c events.SendSignal) {
				assert.Equal(t, events.PidFDSelfThreadGroup, c.PidFD.Kind())
				assert.True(t, c.TargetsSelf())
				assert.Equal(t, events.ScopeThreadGroup, c.Scope())
			},
		},
		{
			name: "PIDFD_SELF_THREAD with signal 0 succeeds", pidfd: fixedFD(int(events.PIDFD_SELF_THREAD)),
			oldKernel: unix.EBADF,
			check: func(t *testing.T, c events.SendSignal) {
				assert.Equal(t, events.PidFDSelfThread, c.PidFD.Kind())
				assert.Equal(t, events.ScopeThread, c.Scope())
			},
		},
		{
			name: "an invalid pidfd -5 fails with EBADF", pidfd: fixedFD(-5), want: unix.EBADF,
			check: func(t *testing.T, c events.SendSignal) { assert.Equal(t, events.PidFDInvalid, c.PidFD.Kind()) },
		},
		{
			name: "an fd that is not open fails with EBADF", pidfd: fixedFD(1 << 20), want: unix.EBADF,
			check: func(t *testing.T, c events.SendSignal) { assert.Equal(t, events.PidFDKindFD, c.PidFD.Kind()) },
		},
		{
			name: "an fd that is not a pidfd fails with EBADF", pidfd: devNullFD, want: unix.EBADF,
			check: func(t *testing.T, c events.SendSignal) { assert.Equal(t, events.PidFDKindFD, c.PidFD.Kind()) },
		},
		{
			name: "a /proc/PID directory fd is accepted as a pidfd", pidfd: childProcDirFD,
			check: func(t *testing.T, c events.SendSignal) { assert.Equal(t, events.PidFDKindFD, c.PidFD.Kind()) },
		},
		{
			name: "a PIDFD_THREAD pidfd is accepted", pidfd: childThreadPidFD,
			check: func(t *testing.T, c events.SendSignal) { assert.Equal(t, events.ScopeFromPidFD, c.Scope()) },
		},
		{
			name: "signal 65 is refused with EINVAL", pidfd: childPidFD, sig: 65, want: unix.EINVAL,
			check: func(t *testing.T, c events.SendSignal) {
				assert.False(t, c.Signal.Valid())
				assert.Equal(t, "SIGINVALID(65)", c.Signal.String())
			},
		},
		{
			name: "signal -1 is refused with EINVAL", pidfd: childPidFD, sig: -1, want: unix.EINVAL,
			check: func(t *testing.T, c events.SendSignal) { assert.False(t, c.Signal.Valid()) },
		},
		{
			name: "SIGRTMAX is a valid signal", pidfd: childPidFD, sig: events.SIGRTMAX,
			check: func(t *testing.T, c events.SendSignal) {
				assert.True(t, c.Signal.Valid())
				assert.True(t, c.Delivered())
			},
		},
		{
			name: "a siginfo with si_code SI_QUEUE is allowed", pidfd: childPidFD, info: siginfo(0, siQueue),
			check: func(t *testing.T, c events.SendSignal) { assert.False(t, c.Info.IsNull()) },
		},
		{
			name: "a forged si_code 0 siginfo to another process is refused with EPERM", pidfd: childPidFD,
			info: siginfo(0, 0), want: unix.EPERM,
			check: func(t *testing.T, c events.SendSignal) { assert.False(t, c.Info.IsNull()) },
		},
		{
			name: "a siginfo whose si_signo differs from sig is refused with EINVAL", pidfd: childPidFD,
			info: siginfo(events.SIGUSR1, siQueue), want: unix.EINVAL,
			check: func(t *testing.T, c events.SendSignal) { assert.True(t, c.Signal.Valid()) },
		},
		{
			name: "a child that has exited fails with ESRCH", pidfd: exitedChildPidFD, want: unix.ESRCH,
			check: func(t *testing.T, c events.SendSignal) { assert.Equal(t, events.PidFDKindFD, c.PidFD.Kind()) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidfd := tt.pidfd(t)
			var info *unix.Siginfo
			if tt.info != nil {
				info = tt.info()
			}

			err := unix.PidfdSendSignal(pidfd, unix.Signal(tt.sig), info, int(tt.flags))

			var errno syscall.Errno
			if err != nil {
				require.True(t, errors.As(err, &errno), "pidfd_send_signal: %v", err)
			}
			if errno == unix.ENOSYS {
				t.Skipf("pidfd_send_signal: %v", err)
			}
			if tt.oldKernel != 0 && errno == tt.oldKernel {
				t.Skipf("pidfd_send_signal: %v: the kernel predates this feature", err)
			}
			assert.Equal(t, tt.want, errno, "kernel verdict: %v", err)

			result := events.Result(-int64(errno))
			assert.Equal(t, errno == 0, result.OK(), "Result.OK")
			assert.Equal(t, unix.ErrnoName(errno), result.ErrnoName(), "Result.ErrnoName")
			if errno != 0 {
				assert.True(t, result.Is(errno), "Result.Is(%v)", errno)
			}

			// The call as Tracee's plugin would hand it over.
			var infoAddr uint64
			if info != nil {
				infoAddr = 0x7ffc0000 // Tracee reports only the address
			}
			ev := sendSignalEvent(withReturnValue(liveArgs(int32(pidfd), int32(tt.sig), infoAddr, uint32(tt.flags)), int64(result))...)
			call, perr := events.ParseSendSignal(&ev)
			require.NoError(t, perr)
			assert.Equal(t, result, call.Result)

			if want, ok := predictedErrno(call); ok {
				assert.Equal(t, want, errno, "the decoders predict %v", want)
			}
			tt.check(t, call)
		})
	}
}

func TestErrnoNamesMatchGolangXSysUnix(t *testing.T) {
	for n := syscall.Errno(1); n <= 200; n++ {
		want := unix.ErrnoName(n)
		if want == "" {
			want = fmt.Sprintf("errno(%d)", n)
		}
		assert.Equal(t, want, events.ErrnoName(n), "errno %d", n)
	}
}

func TestErrnoConstantsMatchGolangXSysUnix(t *testing.T) {
	assert.Equal(t, unix.EPERM, events.EPERM)
	assert.Equal(t, unix.ESRCH, events.ESRCH)
	assert.Equal(t, unix.EBADF, events.EBADF)
	assert.Equal(t, unix.EFAULT, events.EFAULT)
	assert.Equal(t, unix.EINVAL, events.EINVAL)
	assert.Equal(t, unix.ENOSYS, events.ENOSYS)
}

func TestSignalNumbersMatchGolangXSysUnix(t *testing.T) {
	tests := []struct {
		name string
		sig  events.Signal
		unix unix.Signal
	}{
		{"SIGHUP is unix.SIGHUP", events.SIGHUP, unix.SIGHUP},
		{"SIGKILL is unix.SIGKILL", events.SIGKILL, unix.SIGKILL},
		{"SIGUSR1 is unix.SIGUSR1", events.SIGUSR1, unix.SIGUSR1},
		{"SIGUSR2 is unix.SIGUSR2", events.SIGUSR2, unix.SIGUSR2},
		{"SIGSTKFLT is unix.SIGSTKFLT", events.SIGSTKFLT, unix.SIGSTKFLT},
		{"SIGCHLD is unix.SIGCHLD", events.SIGCHLD, unix.SIGCHLD},
		{"SIGCONT is unix.SIGCONT", events.SIGCONT, unix.SIGCONT},
		{"SIGSTOP is unix.SIGSTOP", events.SIGSTOP, unix.SIGSTOP},
		{"SIGPWR is unix.SIGPWR", events.SIGPWR, unix.SIGPWR},
		{"SIGSYS is unix.SIGSYS", events.SIGSYS, unix.SIGSYS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, int(tt.unix), int(tt.sig))
			assert.Equal(t, unix.SignalName(tt.unix), tt.sig.String())
		})
	}
}
