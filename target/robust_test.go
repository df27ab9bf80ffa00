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
		{"pidfd_send_signal without sig", withArg(sender.send(3, sigkill, 0), "sig", nil), true},
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

func TestTrackerFDBoundEvictsWholeProcesses(t *testing.T) {
	tr := NewTracker(WithMaxFDs(4))
	a, b := hostProc(1, 0, "a"), hostProc(2, 0, "b")
	evs := stamped(
		a.pidfdOpen(200, 0, 3), a.pidfdOpen(200, 0, 4),
		b.pidfdOpen(200, 0, 3), b.pidfdOpen(200, 0, 4),
		b.pidfdOpen(300, 0, 5), // over the bound: a is least recently active
		b.send(5, sigkill, 0), a.send(3, sigkill, 0),
	)
	for i := range evs {
		tr.Observe(&evs[i])
	}
	st := tr.Stats()
	assert.LessOrEqual(t, st.FDs, 4)
	assert.NotZero(t, st.Evictions)
	assert.Equal(t, unseen(300), resolveEvent(tr, &evs[5]))
	assertTarget(t, unknown(reasonFDUnknown), resolveEvent(tr, &evs[6]))
}

func TestTrackerDropsBindingsOfAProcessThatAloneExceedsTheBound(t *testing.T) {
	tr := NewTracker(WithMaxFDs(2))
	evs := stamped(sender.pidfdOpen(200, 0, 3), sender.pidfdOpen(200, 0, 4), sender.pidfdOpen(200, 0, 5), sender.send(3, sigkill, 0))
	for i := range evs {
		tr.Observe(&evs[i])
	}
	st := tr.Stats()
	assert.Equal(t, 2, st.FDs)
	assert.Equal(t, uint64(1), st.Dropped)
	assert.Equal(t, unseen(200), resolveEvent(tr, &evs[3]))
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
