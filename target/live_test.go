package target

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeProc builds a procfs tree under a temporary directory.
type fakeProc struct {
	t    *testing.T
	root string
}

const fakeBoot = 1_700_000_000 // btime of the fake /proc/stat

func newFakeProc(t *testing.T) *fakeProc {
	f := &fakeProc{t: t, root: t.TempDir()}
	f.write("stat", "cpu  1 2 3\nbtime "+strconv.Itoa(fakeBoot)+"\n")
	return f
}

func (f *fakeProc) write(path, content string) {
	p := filepath.Join(f.root, path)
	require.NoError(f.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(f.t, os.WriteFile(p, []byte(content), 0o644))
}

func (f *fakeProc) link(path, target string) {
	p := filepath.Join(f.root, path)
	require.NoError(f.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(f.t, os.Symlink(target, p))
}

// process adds /proc/PID with a status, a pid namespace and an exe link;
// startTicks is its start time in clock ticks after boot.
func (f *fakeProc) process(pid, tgid int, name, state string, uids [3]int, nspid string, ns uint32, startTicks int) {
	dir := strconv.Itoa(pid)
	f.write(dir+"/status", "Name:\t"+name+"\nState:\t"+state+"\nTgid:\t"+strconv.Itoa(tgid)+
		"\nPid:\t"+strconv.Itoa(pid)+"\nUid:\t"+strconv.Itoa(uids[0])+"\t"+strconv.Itoa(uids[1])+"\t"+
		strconv.Itoa(uids[2])+"\t"+strconv.Itoa(uids[2])+"\nNSpid:\t"+nspid+"\n")
	f.link(dir+"/ns/pid", "pid:["+strconv.FormatUint(uint64(ns), 10)+"]")
	f.link(dir+"/exe", "/usr/bin/"+name)
	stat := dir + " (" + name + ") S"
	for i := 4; i <= 21; i++ {
		stat += " 0"
	}
	stat += " " + strconv.Itoa(startTicks) + " 0 0\n"
	f.write(dir+"/task/"+dir+"/stat", stat)
}

func (f *fakeProc) fdinfo(pid, fd int, content string) {
	f.write(strconv.Itoa(pid)+"/fdinfo/"+strconv.Itoa(fd), content)
}

func pidfdInfoText(flags string, pid string) string {
	return "pos:\t0\nflags:\t" + flags + "\nmnt_id:\t15\nino:\t1057\nPid:\t" + pid + "\nNSpid:\t" + pid + "\n"
}

// fakeTree is a small host: sender 100 (started an hour after boot) holds
// pidfds to 200 (fd 3), to thread 201 of 200 (fd 6), to an exited process
// (fd 5), to zombie 300 (fd 7) and to 4242 in a child namespace (fd 8);
// fd 4 is a plain file.
func fakeTree(t *testing.T) *fakeProc {
	f := newFakeProc(t)
	f.process(100, 100, "killer", "S", [3]int{0, 0, 0}, "100", initPidNS, senderTicks)
	f.process(200, 200, "victim", "S", [3]int{1000, 1001, 1002}, "200", initPidNS, 60)
	f.process(201, 200, "victim", "S", [3]int{1000, 1001, 1002}, "201", initPidNS, 61)
	f.process(300, 300, "zombie", "Z (zombie)", [3]int{7, 7, 7}, "300", initPidNS, 70)
	f.process(4242, 4242, "app", "S", [3]int{1000, 1000, 1000}, "4242\t5", uint32(containerNS), 80)
	f.fdinfo(100, 3, pidfdInfoText("02000002", "200"))
	f.fdinfo(100, 4, "pos:\t0\nflags:\t0100000\nmnt_id:\t25\nino:\t42\n")
	f.fdinfo(100, 5, pidfdInfoText("02000002", "-1"))
	f.fdinfo(100, 6, pidfdInfoText("02000202", "201"))
	f.fdinfo(100, 7, pidfdInfoText("02000002", "300"))
	f.fdinfo(100, 8, pidfdInfoText("02000002", "4242"))
	return f
}

func procTarget(pid int32, name string, uids [3]uint32, ns uint32) Target {
	return Target{Source: SourceProcfs, HostPID: pid, PID: pid, UIDKnown: true, UID: uids[0],
		CredsKnown: true, EUID: uids[1], SUID: uids[2], Comm: name, Exe: "/usr/bin/" + name, PidNS: ns}
}

// senderTicks is the fake sender's start in clock ticks after boot, and
// senderStart the same in ns since the epoch.
const (
	senderTicks = 3600*userHZ + 50
	senderStart = fakeBoot*int64(time.Second) + senderTicks*int64(time.Second)/userHZ
)

func TestProcfsResolver(t *testing.T) {
	victimT := procTarget(200, "victim", [3]uint32{1000, 1001, 1002}, initPidNS)
	tests := []struct {
		name string
		q    LiveQuery
		want Target
	}{
		{
			name: "a pidfd resolves to the process fdinfo names, with its status",
			q:    LiveQuery{HostPID: 100, FD: 3, SenderPidNS: initPidNS},
			want: victimT,
		},
		{
			name: "the sender's start time matching its Tracee start time is accepted",
			q:    LiveQuery{HostPID: 100, HostTID: 100, FD: 3, SenderPidNS: initPidNS, SenderStart: senderStart + 3_000_000},
			want: victimT,
		},
		{
			name: "a thread pidfd resolves the thread and its thread group",
			q:    LiveQuery{HostPID: 100, FD: 6, SenderPidNS: initPidNS},
			want: with(victimT, func(t *Target) { t.Thread, t.HostTID = true, 201 }),
		},
		{
			name: "a zombie target is exited",
			q:    LiveQuery{HostPID: 100, FD: 7, SenderPidNS: initPidNS},
			want: with(procTarget(300, "zombie", [3]uint32{7, 7, 7}, initPidNS), func(t *Target) { t.Exited = true }),
		},
		{
			name: "a target in the sender's pid namespace gets its namespace pid",
			q:    LiveQuery{HostPID: 100, FD: 8, SenderPidNS: uint32(containerNS)},
			want: with(procTarget(4242, "app", [3]uint32{1000, 1000, 1000}, uint32(containerNS)), func(t *Target) { t.PID = 5 }),
		},
		{
			name: "a target outside the sender's pid namespace has no namespace pid",
			q:    LiveQuery{HostPID: 100, FD: 3, SenderPidNS: uint32(containerNS)},
			want: with(victimT, func(t *Target) { t.PID = 0 }),
		},
		{
			name: "a reaped target (Pid: -1) is unknown and exited",
			q:    LiveQuery{HostPID: 100, FD: 5},
			want: Target{Reason: reasonLiveReaped, Exited: true},
		},
		{
			name: "an fd that is not a pidfd is unknown",
			q:    LiveQuery{HostPID: 100, FD: 4},
			want: unknown(reasonLiveNotPidfd),
		},
		{
			name: "an fd the sender does not hold is unknown",
			q:    LiveQuery{HostPID: 100, FD: 9},
			want: unknown(reasonLiveFDClosed),
		},
		{
			name: "a sender that is gone is unknown",
			q:    LiveQuery{HostPID: 999, FD: 3},
			want: unknown(reasonLiveSenderGone),
		},
		{
			name: "a sender pid now held by a process started later is unknown",
			q:    LiveQuery{HostPID: 100, HostTID: 100, FD: 3, SenderStart: senderStart - int64(time.Hour)},
			want: unknown(reasonLiveSenderReused),
		},
		{
			name: "a negative fd is an invalid query",
			q:    LiveQuery{HostPID: 100, FD: -1},
			want: unknown(reasonLiveBadQuery),
		},
	}
	r := NewProcfsResolver(fakeTree(t).root)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertTarget(t, tt.want, r.Lookup(tt.q))
		})
	}
}

func TestProcfsResolverUsesPidfdInfoOnlyOnTheRealProc(t *testing.T) {
	assert.True(t, NewProcfsResolver("").(*procfsResolver).pidfdInfo)
	assert.True(t, NewProcfsResolver("/proc/").(*procfsResolver).pidfdInfo)
	assert.False(t, NewProcfsResolver(t.TempDir()).(*procfsResolver).pidfdInfo)
}

// stubLive answers every lookup with one target and counts the calls.
type stubLive struct {
	answer Target
	calls  atomic.Int32
}

func (s *stubLive) Lookup(LiveQuery) Target {
	s.calls.Add(1)
	return s.answer
}

func TestTrackerLive(t *testing.T) {
	now := time.Unix(fakeBoot+1000, 0)
	recent := func(evs ...trace.Event) []trace.Event {
		for i := range evs {
			evs[i].Timestamp = int(now.UnixNano()) - 1000*(len(evs)-i)
		}
		return evs
	}
	liveVictim := Target{Source: SourcePidfdInfo, HostPID: 200, UIDKnown: true, UID: 1000, CredsKnown: true, EUID: 1000, SUID: 1000, Comm: "victim"}
	tests := []struct {
		name   string
		stream []trace.Event
		at     int
		opts   []Option
		live   Target
		want   Target
		calls  int32
	}{
		{
			name:   "an fd the stream does not know is answered live",
			stream: recent(sender.other(), sender.send(6, sigkill, 0)),
			live:   liveVictim,
			want:   with(liveVictim, func(t *Target) { t.PID = 200 }),
			calls:  1,
		},
		{
			name:   "a live answer naming the sender says so",
			stream: recent(sender.other(), sender.send(6, sigkill, 0)),
			live:   Target{Source: SourceProcfs, HostPID: 100},
			want:   Target{Source: SourceProcfs, HostPID: 100, PID: 100, IsSender: true},
			calls:  1,
		},
		{
			name:   "a failed live lookup adds its reason",
			stream: recent(sender.other(), sender.send(6, sigkill, 0)),
			live:   unknown(reasonLiveSenderGone),
			want:   unknown(reasonFDUnknown + "; live: " + reasonLiveSenderGone),
			calls:  1,
		},
		{
			name:   "the owner of a tracked target is filled in when live names the same process",
			stream: recent(sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0)),
			live:   liveVictim,
			want: with(unseen(200), func(t *Target) {
				t.Source, t.UIDKnown, t.UID, t.CredsKnown, t.EUID, t.SUID, t.Comm = SourcePidfdInfo, true, 1000, true, 1000, 1000, "victim"
			}),
			calls: 1,
		},
		{
			name:   "a live answer naming another process never overrides the stream",
			stream: recent(sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0)),
			live:   with(liveVictim, func(t *Target) { t.HostPID = 300 }),
			want:   unseen(200),
			calls:  1,
		},
		{
			name:   "an fd evicted at the fd bound is answered live",
			stream: recent(sender.pidfdOpen(200, 0, 3), sender.pidfdOpen(300, 0, 4), sender.pidfdOpen(400, 0, 5), sender.send(4, sigkill, 0)),
			opts:   []Option{WithMaxFDs(2)},
			live:   Target{Source: SourcePidfdInfo, HostPID: 300, UIDKnown: true, UID: 65534},
			want:   Target{Source: SourcePidfdInfo, HostPID: 300, PID: 300, UIDKnown: true, UID: 65534},
			calls:  1,
		},
		{
			name:   "a tracked target whose owner is known needs no live lookup",
			stream: recent(victim.other(), sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0)),
			live:   liveVictim,
			want:   seen(victim),
		},
		{
			name:   "an fd rebound after the call is not looked up live",
			stream: recent(sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0), sender.close(3, 0), sender.pidfdOpen(300, 0, 3), sender.close(3, 0), sender.pidfdOpen(400, 0, 3)),
			at:     1,
			live:   liveVictim,
			want:   unknown(reasonFDRebound),
		},
		{
			name: "an event older than the live window is not looked up live",
			stream: func() []trace.Event {
				evs := recent(sender.other(), sender.send(6, sigkill, 0))
				evs[0].Timestamp -= int(time.Minute)
				evs[1].Timestamp -= int(time.Minute)
				return evs
			}(),
			live: liveVictim,
			want: unknown(reasonFDUnknown + "; " + reasonLiveTooOld),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := &stubLive{answer: tt.live}
			tr := NewTracker(append(tt.opts, WithLive(stub))...)
			tr.now = func() time.Time { return now }
			for i := range tt.stream {
				tr.Observe(&tt.stream[i])
			}
			at := tt.at
			if at == 0 {
				at = len(tt.stream) - 1
			}
			got := resolveEvent(tr, &tt.stream[at])
			assertTarget(t, tt.want, got)
			assert.Equal(t, tt.calls, stub.calls.Load())
			assert.Equal(t, uint64(tt.calls), tr.Stats().LiveLookups)
		})
	}
}

func TestTrackerDoesNotAskLiveAboutASenderThatHadExited(t *testing.T) {
	stub := &stubLive{answer: Target{Source: SourceProcfs, HostPID: 200}}
	tr := NewTracker(WithLive(stub))
	base := int(time.Now().UnixNano())
	evs := []trace.Event{sender.other(), sender.exit(true), victim.other()}
	for i := range evs {
		evs[i].Timestamp = base + 1000*i
		tr.Observe(&evs[i])
	}
	// A call stamped between the exit and the next event, never observed:
	// only a late question (the data source's) can ask about it.
	send := sender.send(3, sigkill, 0)
	send.Timestamp = base + 1500
	assertTarget(t, unknown(reasonSenderExited), resolveEvent(tr, &send))
	assert.Zero(t, stub.calls.Load())
}

func TestTrackerIsOfflineByDefault(t *testing.T) {
	tr := NewTracker()
	evs := stamped(sender.send(6, sigkill, 0))
	evs[0].Timestamp = int(time.Now().UnixNano())
	tr.Observe(&evs[0])
	got := resolveEvent(tr, &evs[0])
	assert.False(t, got.Known())
	assert.Zero(t, tr.Stats().LiveLookups)
	assert.False(t, strings.Contains(got.Reason, "live"))
}

func TestTrackerWithProcfsResolver(t *testing.T) {
	f := fakeTree(t)
	tr := NewTracker(WithLive(NewProcfsResolver(f.root)))
	ev := sender.send(3, sigkill, 0)
	ev.Timestamp = int(time.Now().UnixNano())
	tr.Observe(&ev)
	assert.Equal(t, procTarget(200, "victim", [3]uint32{1000, 1001, 1002}, initPidNS), resolveEvent(tr, &ev))
}
