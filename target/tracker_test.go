package target

import (
	"strings"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
)

// The cast of the event-stream tests.
var (
	sender   = hostProc(100, 0, "killer")
	victim   = hostProc(200, 1000, "victim")
	nobody   = hostProc(300, 65534, "nobody")
	child    = hostProc(101, 0, "killer")  // forked from sender
	reborn   = hostProc(100, 33, "reborn") // a new process reusing sender's pid
	pidReuse = hostProc(200, 7, "squatter")

	containerNS = 4026532500
	cInit       = nsProc(4000, 1, containerNS, 0, "init")
	cApp        = nsProc(4242, 5, containerNS, 1000, "app")
)

const (
	sigkill      = 9
	sigterm      = 15
	ebadf        = -9
	esrch        = -3
	noFD         = -1
	oCloexecFlag = int32(oCloexec)
)

// seen is the target a host sender resolves for an actor whose events the
// tracker has seen.
func seen(a actor) Target {
	return Target{
		Source:      SourceTracked,
		HostPID:     int32(a.hostPID),
		PID:         int32(a.hostPID),
		UIDKnown:    true,
		UID:         uint32(a.uid),
		Comm:        a.comm,
		Exe:         "/usr/bin/" + a.comm,
		ContainerID: a.container,
		PidNS:       uint32(a.pidNS),
	}
}

// unseen is the target a host sender resolves for a host pid that never
// emitted an event: identity known, owner not.
func unseen(pid int32) Target {
	return Target{Source: SourceTracked, HostPID: pid, PID: pid}
}

func with(t Target, f func(*Target)) Target {
	f(&t)
	return t
}

func unknown(reason string) Target { return Target{Reason: reason} }

// scenario is one behaviour of the tracker: a stream of events and the
// answer expected for one pidfd_send_signal in it.
type scenario struct {
	name   string
	stream []trace.Event
	// at is the index of the send to resolve; 0 means the last event.
	at   int
	want Target
	// afterOnly: the answer is only defined once later events were seen
	// (a resolution made online, at the send, would know more).
	afterOnly bool
}

func (s scenario) sendIndex() int {
	if s.at == 0 {
		return len(s.stream) - 1
	}
	return s.at
}

func scenarios() []scenario {
	return []scenario{
		{
			name:   "pidfd_open then send resolves the target's host pid and uid",
			stream: stamped(victim.other(), sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0)),
			want:   seen(victim),
		},
		{
			name:   "a target that never emitted an event has a host pid but no uid",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0)),
			want:   unseen(200),
		},
		{
			name:   "v0.24.1 events without the returnValue argument track the same",
			stream: stamped(legacy(victim.other()), legacy(sender.pidfdOpen(200, 0, 3)), legacy(sender.send(3, sigkill, 0))),
			want:   seen(victim),
		},
		{
			name:   "a process opening a pidfd to itself is the sender",
			stream: stamped(sender.pidfdOpen(100, 0, 3), sender.send(3, 0, 0)),
			want:   with(seen(sender), func(t *Target) { t.IsSender = true }),
		},
		{
			name:   "an fd closed and reused resolves the new target, never the old",
			stream: stamped(victim.other(), nobody.other(), sender.pidfdOpen(200, 0, 3), sender.close(3, 0), sender.pidfdOpen(300, 0, 3), sender.send(3, sigkill, 0)),
			want:   seen(nobody),
		},
		{
			name:   "a send before the fd was closed and reused resolves the target it had then",
			stream: stamped(victim.other(), nobody.other(), sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0), sender.close(3, 0), sender.pidfdOpen(300, 0, 3)),
			at:     3,
			want:   seen(victim),
		},
		{
			name:      "a send before two later rebinds is unknown, never a newer target",
			stream:    stamped(sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0), sender.close(3, 0), sender.pidfdOpen(300, 0, 3), sender.close(3, 0), sender.pidfdOpen(400, 0, 3)),
			at:        1,
			want:      unknown(reasonFDRebound),
			afterOnly: true,
		},
		{
			name:   "a send on a closed fd is unknown",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.close(3, 0), sender.send(3, sigkill, 0)),
			want:   unknown(reasonFDClosed),
		},
		{
			name:   "dup2 onto a tracked fd replaces its target",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.pidfdOpen(300, 0, 4), sender.dup2(4, 3, 3), sender.send(3, sigkill, 0)),
			want:   unseen(300),
		},
		{
			name:   "dup copies the target to the returned fd",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.dup(3, 7), sender.close(3, 0), sender.send(7, sigkill, 0)),
			want:   unseen(200),
		},
		{
			name:   "fcntl F_DUPFD copies the target to the returned fd",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.fcntl(3, fDupfd, 10, 10), sender.send(10, sigkill, 0)),
			want:   unseen(200),
		},
		{
			name:   "fcntl F_DUPFD_CLOEXEC copies the target to the returned fd",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.fcntl(3, fDupfdCloexec, 10, 11), sender.send(11, sigkill, 0)),
			want:   unseen(200),
		},
		{
			name:   "dup2 of an untracked fd onto a tracked one makes it unknown",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.dup2(9, 3, 3), sender.send(3, sigkill, 0)),
			want:   unknown(reasonFDUnidentified),
		},
		{
			name:   "dup2 of an fd onto itself changes nothing",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.dup2(3, 3, 3), sender.send(3, sigkill, 0)),
			want:   unseen(200),
		},
		{
			name:   "pidfd_getfd copies the fd of the process the pidfd points at",
			stream: stamped(victim.other(), nobody.pidfdOpen(200, 0, 5), sender.pidfdOpen(300, 0, 3), sender.pidfdGetfd(3, 5, 4), sender.send(4, sigkill, 0)),
			want:   seen(victim),
		},
		{
			name:   "pidfd_getfd of an fd the source does not hold is unknown",
			stream: stamped(sender.pidfdOpen(300, 0, 3), sender.pidfdGetfd(3, 5, 4), sender.send(4, sigkill, 0)),
			want:   unknown(reasonFDUnknown),
		},
		{
			name:   "a forked child resolves the pidfd its parent had at the fork",
			stream: stamped(victim.other(), sender.pidfdOpen(200, 0, 3), sender.fork(child), child.send(3, sigkill, 0)),
			want:   seen(victim),
		},
		{
			name:   "a pidfd opened by the parent after the fork is not the child's",
			stream: stamped(sender.fork(child), sender.pidfdOpen(200, 0, 3), child.send(3, sigkill, 0)),
			want:   unknown(reasonFDUnknown),
		},
		{
			name:   "the parent closing its pidfd after the fork leaves the child's copy",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.fork(child), sender.close(3, 0), child.send(3, sigkill, 0)),
			want:   unseen(200),
		},
		{
			name:   "threads share their process's fd table",
			stream: stamped(sender.fork(sender.thread(102, 102)), sender.thread(102, 102).pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0)),
			want:   unseen(200),
		},
		{
			name:   "exec closes a pidfd from pidfd_open (close-on-exec)",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.exec(0o755), sender.send(3, sigkill, 0)),
			want:   unknown(reasonFDClosed),
		},
		{
			name:   "exec keeps a dup'ed pidfd, which has no close-on-exec",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.dup(3, 4), sender.exec(0o755), sender.send(4, sigkill, 0)),
			want:   unseen(200),
		},
		{
			name:   "exec closes a dup3 copy made with O_CLOEXEC",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.dup3(3, 8, oCloexecFlag, 8), sender.exec(0o755), sender.send(8, sigkill, 0)),
			want:   unknown(reasonFDClosed),
		},
		{
			name:   "exec keeps a pidfd whose close-on-exec was cleared with F_SETFD",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.fcntl(3, fSetfd, 0, 0), sender.exec(0o755), sender.send(3, sigkill, 0)),
			want:   unseen(200),
		},
		{
			name:   "the target's exit marks it exited",
			stream: stamped(victim.other(), sender.pidfdOpen(200, 0, 3), victim.exit(true), sender.send(3, sigkill, 0)),
			want:   with(seen(victim), func(t *Target) { t.Exited = true }),
		},
		{
			name:   "a send before the target's exit does not see it exited",
			stream: stamped(victim.other(), sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0), victim.exit(true)),
			at:     2,
			want:   seen(victim),
		},
		{
			name:   "a thread's exit does not mark its process exited",
			stream: stamped(victim.other(), sender.pidfdOpen(200, 0, 3), victim.thread(201, 201).exit(false), sender.send(3, sigkill, 0)),
			want:   seen(victim),
		},
		{
			name:   "a pidfd to an exited process stays on it when its pid is reused",
			stream: stamped(victim.other(), sender.pidfdOpen(200, 0, 3), victim.exit(true), nobody.fork(pidReuse), pidReuse.other(), sender.send(3, sigkill, 0)),
			want:   with(seen(victim), func(t *Target) { t.Exited = true }),
		},
		{
			name:   "the sender's exit closes its fds: a new process on its pid does not inherit them",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.exit(true), reborn.send(3, sigkill, 0)),
			want:   unknown(reasonFDUnknown),
		},
		{
			name:   "an fd that appears without pidfd_open (SCM_RIGHTS) is unknown",
			stream: stamped(sender.other(), sender.send(6, sigkill, 0)),
			want:   unknown(reasonFDUnknown),
		},
		{
			name:   "a sender the tracker never saw is unknown",
			stream: stamped(sender.send(3, sigkill, 0)),
			want:   unknown(reasonFDUnknown),
		},
		{
			name:   "a pid namespace pid is mapped to its host pid through a fork event",
			stream: stamped(cInit.fork(cApp), cInit.pidfdOpen(5, 0, 3), cInit.send(3, sigkill, 0)),
			want: Target{Source: SourceTracked, HostPID: 4242, PID: 5, UIDKnown: true, UID: 0, Comm: "init",
				Exe: "/usr/bin/init", ContainerID: "c0ffee", PidNS: uint32(containerNS)},
		},
		{
			name:   "a pid namespace pid is mapped to its host pid through the target's own events",
			stream: stamped(cApp.other(), cInit.pidfdOpen(5, 0, 3), cInit.send(3, sigkill, 0)),
			want: Target{Source: SourceTracked, HostPID: 4242, PID: 5, UIDKnown: true, UID: 1000, Comm: "app",
				Exe: "/usr/bin/app", ContainerID: "c0ffee", PidNS: uint32(containerNS)},
		},
		{
			name:   "a pid namespace pid without a mapping is unknown, never taken as a host pid",
			stream: stamped(hostProc(5, 0, "host5").other(), cInit.pidfdOpen(5, 0, 3), cInit.send(3, sigkill, 0)),
			want:   unknown(reasonTargetUnknown),
		},
		{
			name:   "a namespace pid whose process exited is not reused for a newcomer",
			stream: stamped(cApp.other(), cApp.exit(true), cInit.pidfdOpen(5, 0, 3), cInit.send(3, sigkill, 0)),
			want:   unknown(reasonTargetUnknown),
		},
		{
			name:   "a thread pidfd names the thread and its process",
			stream: stamped(victim.thread(201, 201).other(), sender.pidfdOpen(201, pidfdThread, 3), sender.send(3, sigkill, 0)),
			want:   with(seen(victim), func(t *Target) { t.Thread, t.HostTID = true, 201 }),
		},
		{
			name:   "a thread pidfd of a thread never seen is unknown",
			stream: stamped(sender.pidfdOpen(201, pidfdThread, 3), sender.send(3, sigkill, 0)),
			want:   unknown(reasonTargetUnknown),
		},
		{
			name:   "a failed pidfd_open changes nothing",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.pidfdOpen(300, 0, esrch), sender.send(3, sigkill, 0)),
			want:   unseen(200),
		},
		{
			name:   "a failed close keeps the binding",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.close(3, ebadf), sender.send(3, sigkill, 0)),
			want:   unseen(200),
		},
		{
			name:   "a failed dup2 keeps the binding",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.pidfdOpen(300, 0, 4), sender.dup2(4, 3, ebadf), sender.send(3, sigkill, 0)),
			want:   unseen(200),
		},
		{
			name:   "a send that failed with EBADF is unknown whatever was tracked",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, ebadf)),
			want:   unknown(reasonNotAPidfd),
		},
		{
			name:   "after an EBADF send the fd is no longer trusted",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, ebadf), sender.send(3, sigkill, 0)),
			want:   unknown(reasonFDClosed),
		},
		{
			name:   "a send that failed with ESRCH marks the target exited",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, esrch)),
			want:   with(unseen(200), func(t *Target) { t.Exited = true }),
		},
		{
			name:   "close_range closes the tracked fds in its range",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.closeRange(3, ^uint32(0)), sender.send(3, sigkill, 0)),
			want:   unknown(reasonFDClosed),
		},
		{
			name:   "close_range leaves fds below its range",
			stream: stamped(sender.pidfdOpen(200, 0, 3), sender.closeRange(4, ^uint32(0)), sender.send(3, sigkill, 0)),
			want:   unseen(200),
		},
		{
			name:   "setresuid sets the target's real, effective and saved uids",
			stream: stamped(victim.other(), victim.setresuid(2000, 2001, 2002), sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0)),
			want: with(seen(victim), func(t *Target) {
				t.UID, t.CredsKnown, t.EUID, t.SUID = 2000, true, 2001, 2002
			}),
		},
		{
			name:   "setuid with an effective uid of 0 sets all three uids",
			stream: stamped(victim.as(0).setresuid(0, 0, 0), victim.as(0).setuid(1000), sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0)),
			want: with(seen(victim), func(t *Target) {
				t.CredsKnown, t.EUID, t.SUID = true, 1000, 1000
			}),
		},
		{
			name:   "setuid without known privilege leaves the real uid unknown until the next event",
			stream: stamped(victim.as(0).other(), victim.as(0).setuid(1000), sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0)),
			want:   with(seen(victim), func(t *Target) { t.UIDKnown, t.UID = false, 0 }),
		},
		{
			name:   "a close by a process without pidfds still refreshes its uid",
			stream: stamped(victim.as(0).other(), victim.close(9, 0), sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0)),
			want:   seen(victim),
		},
		{
			name:   "the next event of the target tells its real uid again",
			stream: stamped(victim.as(0).other(), victim.as(0).setuid(1000), victim.other(), sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0)),
			want:   seen(victim),
		},
		{
			name:   "a child inherits its parent's credentials at the fork",
			stream: stamped(victim.setresuid(1000, 1000, 1000), victim.fork(hostProc(250, 1000, "victim")), sender.pidfdOpen(250, 0, 3), sender.send(3, sigkill, 0)),
			want: with(seen(hostProc(250, 1000, "victim")), func(t *Target) {
				t.CredsKnown, t.EUID, t.SUID = true, 1000, 1000
			}),
		},
		{
			name:   "exec of a set-user-ID binary makes the effective and saved uids unknown",
			stream: stamped(victim.setresuid(1000, 1000, 1000), victim.exec(0o4755), sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0)),
			want:   seen(victim),
		},
	}
}

// runAfter observes the whole stream, then resolves the send.
func runAfter(s scenario) Target {
	tr := NewTracker()
	for i := range s.stream {
		tr.Observe(&s.stream[i])
	}
	return resolveEvent(tr, &s.stream[s.sendIndex()])
}

// runOnline resolves the send as soon as it is observed, like a signature.
func runOnline(s scenario) Target {
	tr := NewTracker()
	for i := range s.stream[:s.sendIndex()+1] {
		tr.Observe(&s.stream[i])
	}
	return resolveEvent(tr, &s.stream[s.sendIndex()])
}

// runTwoConsumers lets a fast consumer observe the whole stream, then a
// slow one observe it again and resolve at the send, sharing one tracker.
func runTwoConsumers(s scenario) Target {
	tr := NewTracker()
	for i := range s.stream {
		tr.Observe(&s.stream[i])
	}
	for i := range s.stream[:s.sendIndex()+1] {
		ev := s.stream[i] // the slow consumer's own copy
		tr.Observe(&ev)
	}
	ev := s.stream[s.sendIndex()]
	return resolveEvent(tr, &ev)
}

// runInterleaved has two consumers alternate, the second a few events
// behind, each resolving when it reaches the send.
func runInterleaved(s scenario) (Target, Target) {
	tr := NewTracker()
	const lag = 2
	var first, second Target
	n := len(s.stream)
	for i := 0; i < n+lag; i++ {
		if i < n {
			tr.Observe(&s.stream[i])
			if i == s.sendIndex() {
				first = resolveEvent(tr, &s.stream[i])
			}
		}
		if j := i - lag; j >= 0 {
			ev := s.stream[j]
			tr.Observe(&ev)
			if j == s.sendIndex() {
				second = resolveEvent(tr, &ev)
			}
		}
	}
	return first, second
}

func assertTarget(t *testing.T, want, got Target) {
	t.Helper()
	if want.Reason != "" && strings.Contains(got.Reason, want.Reason) {
		got.Reason = want.Reason
	}
	assert.Equal(t, want, got)
}

func TestTrackerEventStream(t *testing.T) {
	for _, s := range scenarios() {
		t.Run(s.name, func(t *testing.T) {
			assertTarget(t, s.want, runAfter(s))
			if s.afterOnly {
				return
			}
			assertTarget(t, s.want, runOnline(s))
		})
	}
}

func TestTrackerGivesEveryConsumerTheSameAnswer(t *testing.T) {
	for _, s := range scenarios() {
		t.Run(s.name, func(t *testing.T) {
			assertTarget(t, s.want, runTwoConsumers(s))
			if s.afterOnly {
				return
			}
			first, second := runInterleaved(s)
			assertTarget(t, s.want, first)
			assertTarget(t, s.want, second)
		})
	}
}

func TestTrackerSelf(t *testing.T) {
	tests := []struct {
		name string
		fd   events.PidFD
		want Target
	}{
		{
			name: "PIDFD_SELF_THREAD_GROUP is the sending process",
			fd:   events.PIDFD_SELF_THREAD_GROUP,
			want: Target{Source: SourceSelf, HostPID: 100, PID: 100, UIDKnown: true, UID: 0, Comm: "killer",
				Exe: "/usr/bin/killer", PidNS: initPidNS, IsSender: true},
		},
		{
			name: "PIDFD_SELF_THREAD is the sending thread",
			fd:   events.PIDFD_SELF_THREAD,
			want: Target{Source: SourceSelf, HostPID: 100, HostTID: 102, PID: 100, Thread: true, UIDKnown: true, UID: 0,
				Comm: "killer", Exe: "/usr/bin/killer", PidNS: initPidNS, IsSender: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker()
			ev := sender.thread(102, 102).send(int32(tt.fd), sigterm, 0)
			ev.Timestamp = 1000
			tr.Observe(&ev)
			assert.Equal(t, tt.want, resolveEvent(tr, &ev))
		})
	}
}

func TestTrackerSelfIncludesKnownCredentials(t *testing.T) {
	tr := NewTracker()
	evs := stamped(sender.setresuid(0, 0, 0), sender.send(int32(events.PIDFD_SELF_THREAD_GROUP), 0, 0))
	for i := range evs {
		tr.Observe(&evs[i])
	}
	got := resolveEvent(tr, &evs[1])
	assert.True(t, got.CredsKnown)
	assert.Equal(t, SourceSelf, got.Source)
}

func TestTrackerInvalidPidfdIsUnknown(t *testing.T) {
	tr := NewTracker()
	ev := sender.send(-5, sigkill, ebadf)
	ev.Timestamp = 1000
	tr.Observe(&ev)
	assertTarget(t, unknown(reasonInvalidPidFD), resolveEvent(tr, &ev))
}

func TestTrackerResolveBeforeObserveIsUnknown(t *testing.T) {
	tr := NewTracker()
	evs := stamped(sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0))
	tr.Observe(&evs[0])
	assertTarget(t, unknown(reasonNotObserved), resolveEvent(tr, &evs[1]))
}

func TestTrackerZeroTimestampsActAsNowForOneConsumer(t *testing.T) {
	tests := []struct {
		name   string
		stream []trace.Event
		want   Target
	}{
		{
			name:   "open then send resolves",
			stream: []trace.Event{victim.other(), sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0)},
			want:   seen(victim),
		},
		{
			name:   "close then reopen resolves the new target",
			stream: []trace.Event{sender.pidfdOpen(200, 0, 3), sender.close(3, 0), sender.pidfdOpen(300, 0, 3), sender.send(3, sigkill, 0)},
			want:   unseen(300),
		},
		{
			name:   "close then send is unknown",
			stream: []trace.Event{sender.pidfdOpen(200, 0, 3), sender.close(3, 0), sender.send(3, sigkill, 0)},
			want:   unknown(reasonFDClosed),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker()
			for i := range tt.stream {
				require.Zero(t, tt.stream[i].Timestamp)
				tr.Observe(&tt.stream[i])
			}
			last := &tt.stream[len(tt.stream)-1]
			assertTarget(t, tt.want, resolveEvent(tr, last))
		})
	}
}

func TestTrackerResolveWithoutEventIsNow(t *testing.T) {
	tr := NewTracker()
	evs := stamped(sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0))
	for i := range evs {
		tr.Observe(&evs[i])
	}
	call, err := events.ParseSendSignal(&evs[1])
	require.NoError(t, err)
	assert.Equal(t, unseen(200), tr.Resolve(nil, &call))
}
