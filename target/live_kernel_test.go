//go:build linux

package target

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/pidfdsig/pidfdsig/events"
)

// requireRoot skips tests that start processes under other uids and read
// other processes' fds.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: starts processes as other users and reads their fds")
	}
	if _, err := unix.PidfdOpen(os.Getpid(), 0); err != nil {
		t.Skipf("pidfd_open unsupported: %v", err)
	}
}

// startAs starts `sleep` as uid (and gid) and returns it with a pidfd of it
// held by this process.
func startAs(t *testing.T, uid uint32) (*exec.Cmd, int) {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid, NoSetGroups: true}}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	fd, err := unix.PidfdOpen(cmd.Process.Pid, 0)
	require.NoError(t, err)
	t.Cleanup(func() { unix.Close(fd) })
	return cmd, fd
}

// resolvers returns the live resolvers to test against the real /proc: the
// pidfd_info one when the kernel supports it, and the /proc-only one.
func resolvers(t testing.TB) map[string]*procfsResolver {
	rs := map[string]*procfsResolver{"procfs": {root: "/proc"}}
	if pidfdInfoSupported() {
		rs["pidfd_info"] = NewProcfsResolver("").(*procfsResolver)
	} else {
		t.Log("PIDFD_GET_INFO unsupported (Linux < 6.13): testing the procfs path only")
	}
	return rs
}

func selfQuery(fd int) LiveQuery {
	return LiveQuery{HostPID: int32(os.Getpid()), FD: int32(fd), SenderPidNS: initPidNS}
}

func TestLiveResolverOnTheRealKernel(t *testing.T) {
	requireRoot(t)
	for _, uid := range []uint32{65534, 1000} {
		cmd, fd := startAs(t, uid)
		pid := int32(cmd.Process.Pid)
		for name, r := range resolvers(t) {
			t.Run(name+" names the child running as uid "+strconv.Itoa(int(uid)), func(t *testing.T) {
				got := r.Lookup(selfQuery(fd))
				require.True(t, got.Known(), got.Reason)
				assert.Equal(t, pid, got.HostPID)
				assert.Equal(t, pid, got.PID)
				assert.True(t, got.UIDKnown)
				assert.Equal(t, uid, got.UID)
				assert.True(t, got.CredsKnown)
				assert.Equal(t, uid, got.EUID)
				assert.Equal(t, uid, got.SUID)
				assert.Equal(t, "sleep", got.Comm)
				assert.False(t, got.Thread)
				assert.False(t, got.Exited)
				if name == "pidfd_info" {
					assert.Equal(t, SourcePidfdInfo, got.Source)
				} else {
					assert.Equal(t, SourceProcfs, got.Source)
				}
			})
		}
	}
}

func TestLiveResolverNamesAThreadOfThisProcess(t *testing.T) {
	requireRoot(t)
	tid := otherThread(t)
	fd, err := unix.PidfdOpen(tid, pidfdThread)
	if err != nil {
		t.Skipf("PIDFD_THREAD unsupported (Linux < 6.9): %v", err)
	}
	defer unix.Close(fd)
	for name, r := range resolvers(t) {
		t.Run(name, func(t *testing.T) {
			got := r.Lookup(selfQuery(fd))
			require.True(t, got.Known(), got.Reason)
			assert.True(t, got.Thread)
			assert.Equal(t, int32(tid), got.HostTID)
			assert.Equal(t, int32(os.Getpid()), got.HostPID)
		})
	}
}

// otherThread returns a thread of this process other than the main one (the
// Go runtime always runs several).
func otherThread(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/task")
	require.NoError(t, err)
	for _, e := range entries {
		if tid, err := strconv.Atoi(e.Name()); err == nil && tid != os.Getpid() {
			return tid
		}
	}
	t.Skip("no second thread")
	return 0
}

func TestLiveResolverAfterTheTargetExited(t *testing.T) {
	requireRoot(t)
	for name, r := range resolvers(t) {
		t.Run(name+" a zombie keeps its owner and is exited", func(t *testing.T) {
			cmd, fd := startAs(t, 65534)
			require.NoError(t, cmd.Process.Kill())
			var info unix.Siginfo
			require.NoError(t, unix.Waitid(unix.P_PID, cmd.Process.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil))
			got := r.Lookup(selfQuery(fd))
			require.True(t, got.Known(), got.Reason)
			assert.Equal(t, int32(cmd.Process.Pid), got.HostPID)
			assert.True(t, got.UIDKnown)
			assert.Equal(t, uint32(65534), got.UID)
			assert.True(t, got.Exited)
		})
		t.Run(name+" a reaped target is exited and never misnamed", func(t *testing.T) {
			cmd, fd := startAs(t, 65534)
			require.NoError(t, cmd.Process.Kill())
			_ = cmd.Wait()
			got := r.Lookup(selfQuery(fd))
			assert.True(t, got.Exited, got.Reason)
			// Linux 6.18 returns only PIDFD_INFO_EXIT after the reap; a
			// kernel keeping more must still name the right process.
			if got.HostPID != 0 {
				assert.Equal(t, int32(cmd.Process.Pid), got.HostPID)
			}
			if got.UIDKnown {
				assert.Equal(t, uint32(65534), got.UID)
			}
			t.Logf("after reap: %+v", got)
		})
	}
}

func TestLiveResolverRefusesWhatIsNotAPidfd(t *testing.T) {
	requireRoot(t)
	f, err := os.Open("/proc/self/status")
	require.NoError(t, err)
	defer f.Close()
	for name, r := range resolvers(t) {
		t.Run(name, func(t *testing.T) {
			assertTarget(t, unknown(reasonLiveNotPidfd), r.Lookup(selfQuery(int(f.Fd()))))
			assertTarget(t, unknown(reasonLiveFDClosed), r.Lookup(selfQuery(1<<20)))
		})
	}
}

func TestLiveResolverChecksTheSenderStartTime(t *testing.T) {
	requireRoot(t)
	_, fd := startAs(t, 65534)
	tests := []struct {
		name  string
		start int64
		known bool
	}{
		{"the sender's own start time is accepted", threadStartTime(t, os.Getpid()), true},
		{"a sender started an hour later is another process", threadStartTime(t, os.Getpid()) + int64(time.Hour), false},
	}
	for name, r := range resolvers(t) {
		for _, tt := range tests {
			t.Run(name+" "+tt.name, func(t *testing.T) {
				q := selfQuery(fd)
				q.HostTID, q.SenderStart = q.HostPID, tt.start
				got := r.Lookup(q)
				if tt.known {
					assert.True(t, got.Known(), got.Reason)
				} else {
					assertTarget(t, unknown(reasonLiveSenderReused), got)
				}
			})
		}
	}
}

// threadStartTime returns when thread tid of this process started, in ns
// since the epoch, as an event's threadStartTime carries it: the task's
// start in CLOCK_BOOTTIME moved onto the wall clock (independently of
// /proc/stat's btime, which the resolver uses).
func threadStartTime(t *testing.T, tid int) int64 {
	b, err := os.ReadFile("/proc/self/task/" + strconv.Itoa(tid) + "/stat")
	require.NoError(t, err)
	fields, err := statFields(b)
	require.NoError(t, err)
	ticks, err := strconv.ParseInt(fields[19], 10, 64)
	require.NoError(t, err)
	var ts unix.Timespec
	require.NoError(t, unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts))
	bootEpoch := time.Now().UnixNano() - ts.Nano()
	return bootEpoch + ticks*int64(time.Second)/userHZ
}

func TestTrackerResolvesLiveOnTheRealKernel(t *testing.T) {
	requireRoot(t)
	cmd, fd := startAs(t, 1000)
	self := hostProc(os.Getpid(), 0, "target.test")
	ev := self.send(int32(fd), 0, 0)
	ev.Timestamp = int(time.Now().UnixNano())
	tr := NewTracker(WithLive(NewProcfsResolver("")))
	tr.Observe(&ev)
	call, err := events.ParseSendSignal(&ev)
	require.NoError(t, err)
	got := tr.Resolve(&ev, &call)
	require.True(t, got.Known(), got.Reason)
	assert.Equal(t, int32(cmd.Process.Pid), got.HostPID)
	assert.Equal(t, uint32(1000), got.UID)
	assert.False(t, got.IsSender)
	assert.Equal(t, uint64(1), tr.Stats().LiveLookups)
}
