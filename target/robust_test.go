package target

import (
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
)

// withArg returns ev with the value of argument name replaced (or removed
// when v is nil).
func withArg(ev trace.Event, name string, v any) trace.Event {
	args := make([]trace.Argument, 0, len(ev.Args))
	for _, a := range ev.Args {
		if a.Name == name {
			if v == nil {
				continue
			}
			a.Value = v
		}
		args = append(args, a)
	}
	ev.Args = args
	return ev
}

func TestTrackerIgnoresMalformedEvents(t *testing.T) {
	tests := []struct {
		name      string
		ev        trace.Event
		malformed bool
	}{
		{"pidfd_open without its pid argument", withArg(sender.pidfdOpen(200, 0, 4), "pid", nil), true},
		{"pidfd_open with a string pid", withArg(sender.pidfdOpen(200, 0, 4), "pid", "two hundred"), true},
		{"pidfd_open with a pid of 0", sender.pidfdOpen(0, 0, 4), true},
		{"pidfd_open returning an fd beyond int32", sender.pidfdOpen(200, 0, math.MaxInt64), true},
		{"pidfd_open with a returnValue of the wrong type", withArg(sender.pidfdOpen(200, 0, 4), events.ReturnValueField, []int{4}), true},
		{"close with a float fd", withArg(sender.close(3, 0), "fd", 3.5), true},
		{"dup2 without oldfd", withArg(sender.dup2(5, 3, 3), "oldfd", nil), true},
		{"dup3 without flags", withArg(sender.dup3(5, 3, 0, 3), "flags", nil), true},
		{"fcntl without cmd", withArg(sender.fcntl(3, fDupfd, 0, 4), "cmd", nil), true},
		{"pidfd_getfd without targetfd", withArg(sender.pidfdGetfd(3, 5, 4), "targetfd", nil), true},
		{"fork without child_pid", withArg(sender.fork(child), "child_pid", nil), true},
		{"fork with a negative child pid", withArg(sender.fork(child), "child_pid", int32(-1)), true},
		{"exit with a non-boolean group flag", withArg(sender.exit(true), "process_group_exit", "yes"), true},
		{"setresuid without suid", withArg(sender.setresuid(1, 1, 1), "suid", nil), true},
		{"pidfd_send_signal failing with EBADF, without sig", withArg(sender.send(3, sigkill, ebadf), "sig", nil), true},
		{"pidfd_send_signal succeeding, without sig (nothing to learn: not parsed)", withArg(sender.send(3, sigkill, 0), "sig", nil), false},
		{"a companion event without a host pid", func() trace.Event { e := sender.close(3, 0); e.HostProcessID = 0; return e }(), true},
		{"a companion event with a host pid beyond int32", func() trace.Event { e := sender.close(3, 0); e.HostProcessID = math.MaxInt64; return e }(), true},
		{"an unrelated event without a host pid", func() trace.Event { e := sender.other(); e.HostProcessID = 0; return e }(), false},
		{"an event with arguments of every odd shape", trace.Event{EventName: events.EventDup2, HostProcessID: 100, Args: []trace.Argument{arg("oldfd", nil), arg("newfd", struct{}{})}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker()
			good := stamped(victim.other(), sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0))
			tr.Observe(&good[0])
			tr.Observe(&good[1])
			bad := tt.ev
			bad.Timestamp = good[1].Timestamp + 1
			require.NotPanics(t, func() { tr.Observe(&bad) })
			want := uint64(0)
			if tt.malformed {
				want = 1
			}
			assert.Equal(t, want, tr.Stats().Malformed)
			tr.Observe(&good[2])
			assert.Equal(t, seen(victim), resolveEvent(tr, &good[2]), "other state is untouched")
		})
	}
}

func TestTrackerObserveNilIsMalformed(t *testing.T) {
	tr := NewTracker()
	require.NotPanics(t, func() { tr.Observe(nil) })
	assert.Equal(t, uint64(1), tr.Stats().Malformed)
}

func TestTrackerIgnoresAnEventOlderThanTheSlot(t *testing.T) {
	tr := NewTracker()
	evs := stamped(sender.pidfdOpen(200, 0, 3), sender.close(3, 0), sender.send(3, sigkill, 0))
	late := sender.pidfdOpen(300, 0, 3)
	late.Timestamp = evs[0].Timestamp - 1 // out of order: older than the close
	for i := range evs {
		tr.Observe(&evs[i])
	}
	tr.Observe(&late)
	assertTarget(t, unknown(reasonFDClosed), resolveEvent(tr, &evs[2]))
}

func TestTrackerEviction(t *testing.T) {
	tests := []struct {
		name    string
		stream  []trace.Event
		evicted []int // host pids whose records are gone
		kept    []int
	}{
		{
			name:    "an exited process is evicted before a live one",
			stream:  stamped(hostProc(1, 0, "a").other(), hostProc(2, 0, "b").other(), hostProc(1, 0, "a").other(), hostProc(2, 0, "b").exit(true), hostProc(3, 0, "c").other(), hostProc(4, 0, "d").other()),
			evicted: []int{2},
			kept:    []int{1, 3, 4},
		},
		{
			name:    "without exited processes the least recently active is evicted",
			stream:  stamped(hostProc(1, 0, "a").other(), hostProc(2, 0, "b").other(), hostProc(3, 0, "c").other(), hostProc(1, 0, "a").other(), hostProc(4, 0, "d").other()),
			evicted: []int{2},
			kept:    []int{1, 3, 4},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker(WithMaxProcesses(3))
			for i := range tt.stream {
				tr.Observe(&tt.stream[i])
			}
			st := tr.Stats()
			assert.Equal(t, 3, st.Processes)
			assert.Equal(t, uint64(len(tt.evicted)), st.Evictions)
			for _, pid := range tt.evicted {
				assert.Zero(t, tr.byPID[int32(pid)], "pid %d evicted", pid)
			}
			for _, pid := range tt.kept {
				assert.NotZero(t, tr.byPID[int32(pid)], "pid %d kept", pid)
			}
		})
	}
}

func TestTrackerFDBoundEvictsFDsNotOwners(t *testing.T) {
	a, b, c := hostProc(1, 0, "a"), hostProc(2, 0, "b"), hostProc(3, 0, "c")
	tests := []struct {
		name    string
		maxFDs  int
		stream  []trace.Event
		known   map[int]int32 // index of a send -> target host pid
		unknown []int         // indexes of sends whose fd was evicted or not stored
		evicted int           // fd slots evicted
		dropped int           // bindings not stored
	}{
		{
			name:   "a process over its share pays with its own newest pidfd",
			maxFDs: 4,
			stream: stamped(
				a.pidfdOpen(200, 0, 3),
				b.pidfdOpen(200, 0, 3), b.pidfdOpen(200, 0, 4), b.pidfdOpen(200, 0, 5),
				b.pidfdOpen(300, 0, 6), // over the bound: b's fd 5 goes
				a.send(3, sigkill, 0), b.send(3, sigkill, 0), b.send(5, sigkill, 0), b.send(6, sigkill, 0),
			),
			known:   map[int]int32{5: 200, 6: 200, 8: 300},
			unknown: []int{7},
			evicted: 1,
		},
		{
			name:   "a process without pidfds takes one from the biggest holder",
			maxFDs: 4,
			stream: stamped(
				a.pidfdOpen(200, 0, 3),
				b.pidfdOpen(200, 0, 3), b.pidfdOpen(200, 0, 4), b.pidfdOpen(200, 0, 5),
				c.pidfdOpen(300, 0, 3), // over the bound: b's fd 5 goes, a keeps its one
				a.send(3, sigkill, 0), c.send(3, sigkill, 0), b.send(5, sigkill, 0),
			),
			known:   map[int]int32{5: 200, 6: 300},
			unknown: []int{7},
			evicted: 1,
		},
		{
			name:   "a process alone at the bound keeps its oldest pidfds",
			maxFDs: 2,
			stream: stamped(
				sender.pidfdOpen(200, 0, 3), sender.pidfdOpen(200, 0, 4), sender.pidfdOpen(300, 0, 5),
				sender.send(3, sigkill, 0), sender.send(4, sigkill, 0), sender.send(5, sigkill, 0),
			),
			known:   map[int]int32{3: 200, 5: 300},
			unknown: []int{4},
			evicted: 1,
		},
		{
			name:   "a fork of a process over its share does not copy its pidfds at the bound",
			maxFDs: 4,
			stream: stamped(
				a.pidfdOpen(200, 0, 3), a.pidfdOpen(200, 0, 4), a.pidfdOpen(200, 0, 5), b.pidfdOpen(300, 0, 3),
				a.fork(c), // c would copy a's three pidfds
				a.send(3, sigkill, 0), c.send(3, sigkill, 0), b.send(3, sigkill, 0),
			),
			known:   map[int]int32{5: 200, 7: 300},
			unknown: []int{6},
			dropped: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker(WithMaxFDs(tt.maxFDs))
			for i := range tt.stream {
				tr.Observe(&tt.stream[i])
			}
			st := tr.Stats()
			assert.LessOrEqual(t, st.FDs, tt.maxFDs)
			assert.Zero(t, st.Evictions, "no process record is evicted for fds")
			assert.Equal(t, uint64(tt.evicted), st.FDEvictions)
			assert.Equal(t, uint64(tt.dropped), st.Dropped)
			for i, pid := range tt.known {
				got := resolveEvent(tr, &tt.stream[i])
				assert.Equal(t, SourceTracked, got.Source, "event %d", i)
				assert.Equal(t, pid, got.HostPID, "event %d", i)
			}
			for _, i := range tt.unknown {
				assertTarget(t, unknown(reasonFDUnknown), resolveEvent(tr, &tt.stream[i]))
			}
		})
	}
}

// TestTrackerKnowsEveryOwnerAfterAFlood reproduces issue 14: one victim
// seen once (uid 1001), N successful pidfd_open calls, then uid 1666 opens a
// pidfd to the victim and kills it. However the flood is shaped, the
// victim's owner is still known, so the cross-user kill can be reported.
func TestTrackerKnowsEveryOwnerAfterAFlood(t *testing.T) {
	const n = DefaultMaxFDs + 1 // 262,145: one more than the fd bound
	victim := hostProc(200, 1001, "victim")
	attacker := hostProc(100, 1666, "attacker")
	tests := []struct {
		name  string
		flood func(i int) (from actor, pid int32, fd int64)
	}{
		{"one process opening pidfds to one other target", func(i int) (actor, int32, int64) {
			return hostProc(300, 1666, "flood"), 400, int64(3 + i)
		}},
		{"one process opening pidfds to a new target each time", func(i int) (actor, int32, int64) {
			return hostProc(300, 1666, "flood"), int32(10_000 + i), int64(3 + i)
		}},
		{"the attacker itself flooding before the kill", func(i int) (actor, int32, int64) {
			return attacker, int32(10_000 + i%50_000), int64(3 + i)
		}},
		{"a thousand processes each holding 263 pidfds", func(i int) (actor, int32, int64) {
			return hostProc(1_000_000+i%1000, 1666, "flood"), int32(10_000 + i), int64(3 + i/1000)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker()
			ts := 1_000_000
			observe := func(ev trace.Event) trace.Event {
				ts += 1000
				ev.Timestamp = ts
				tr.Observe(&ev)
				return ev
			}
			observe(victim.exec(0o755))
			for i := 0; i < n; i++ {
				from, pid, fd := tt.flood(i)
				observe(from.pidfdOpen(pid, 0, fd))
			}
			observe(attacker.pidfdOpen(200, 0, 2*n))
			kill := observe(attacker.send(2*n, sigkill, 0))
			got := resolveEvent(tr, &kill)
			assert.Equal(t, SourceTracked, got.Source, got.Reason)
			assert.Equal(t, int32(200), got.HostPID)
			assert.True(t, got.UIDKnown, "the victim's owner is known")
			assert.Equal(t, uint32(1001), got.UID)
			st := tr.Stats()
			assert.LessOrEqual(t, st.FDs, DefaultMaxFDs)
			assert.Zero(t, st.Evictions, "no live process record is evicted")
		})
	}
}

func TestTrackerEvictedTargetKeepsItsPids(t *testing.T) {
	tr := NewTracker(WithMaxProcesses(2))
	evs := stamped(victim.other(), sender.pidfdOpen(200, 0, 3), victim.exit(true), nobody.other(), sender.send(3, sigkill, 0))
	for i := range evs {
		tr.Observe(&evs[i])
	}
	got := resolveEvent(tr, &evs[4])
	assertTarget(t, Target{Source: SourceTracked, HostPID: 200, PID: 200, Reason: reasonEvicted}, got)
}

func TestTrackerCountsMisses(t *testing.T) {
	tr := NewTracker()
	evs := stamped(sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0), sender.send(4, sigkill, 0))
	for i := range evs {
		tr.Observe(&evs[i])
	}
	resolveEvent(tr, &evs[1])
	resolveEvent(tr, &evs[2])
	assert.Equal(t, uint64(1), tr.Stats().Misses)
}

func TestTrackerSweepsNamespacePids(t *testing.T) {
	tr := NewTracker(WithMaxProcesses(8))
	limit := tr.pidsLimit()
	for i := 0; i < 3*limit; i++ {
		ev := nsProc(10000+i, 2+i, containerNS, 0, "p").thread(50000+i, 100000+i).other()
		ev.Timestamp = 1000 + i
		tr.Observe(&ev)
	}
	assert.LessOrEqual(t, len(tr.pids), limit)
	assert.Equal(t, 8, tr.Stats().Processes)
}

// TestTrackerConcurrentConsumers runs several consumers over their own
// copies of one stream, each observing every event and resolving every
// send, as signatures do inside Tracee. Run with -race.
func TestTrackerConcurrentConsumers(t *testing.T) {
	const consumers, procs = 8, 50
	var stream []trace.Event
	want := map[int]int32{} // index of a send -> target host pid
	for i := 0; i < procs; i++ {
		s := hostProc(1000+i, 0, "s")
		target := int32(5000 + i)
		stream = append(stream,
			s.pidfdOpen(target, 0, 3),
			s.send(3, sigkill, 0),
			s.close(3, 0),
			s.pidfdOpen(target+1000, 0, 3),
			s.send(3, sigkill, 0),
		)
		want[len(stream)-4] = target
		want[len(stream)-1] = target + 1000
	}
	stream = stamped(stream...)
	tr := NewTracker()
	var wg sync.WaitGroup
	errs := make(chan string, consumers*len(want))
	for c := 0; c < consumers; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range stream {
				ev := stream[i]
				tr.Observe(&ev)
				if pid, ok := want[i]; ok {
					got := resolveEvent(tr, &ev)
					if got.HostPID != pid || got.Source != SourceTracked {
						errs <- fmt.Sprintf("event %d: got %+v, want host pid %d", i, got, pid)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	assert.Zero(t, tr.Stats().Malformed)
}
