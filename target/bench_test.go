package target

import (
	"runtime"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/protocol"
	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
)

// BenchmarkResolveTracked measures the hot path: a pidfd_send_signal on a
// tracked fd, among a few thousand tracked processes.
func BenchmarkResolveTracked(b *testing.B) {
	tr := NewTracker()
	ts := 1000
	for i := 0; i < 4000; i++ {
		p := hostProc(10000+i, 1000, "p")
		for fd := int32(3); fd < 8; fd++ {
			ev := p.pidfdOpen(int32(20000+i), 0, int64(fd))
			ts++
			ev.Timestamp = ts
			tr.Observe(&ev)
		}
	}
	ev := hostProc(12345, 1000, "p").send(5, sigkill, 0)
	ev.Timestamp = ts + 1
	tr.Observe(&ev)
	call, err := events.ParseSendSignal(&ev)
	if err != nil {
		b.Fatal(err)
	}
	if got := tr.Resolve(&ev, &call); got.Source != SourceTracked {
		b.Fatalf("not tracked: %+v", got)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = tr.Resolve(&ev, &call)
	}
}

// BenchmarkResolveTrackedParallel measures the hot path under contention.
func BenchmarkResolveTrackedParallel(b *testing.B) {
	tr := NewTracker()
	evs := stamped(victim.other(), sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0))
	for i := range evs {
		tr.Observe(&evs[i])
	}
	call, err := events.ParseSendSignal(&evs[2])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = tr.Resolve(&evs[2], &call)
		}
	})
}

// BenchmarkObserveNoise measures the bulk of a live stream: close events
// of processes that hold no pidfd, which end after one lookup.
func BenchmarkObserveNoise(b *testing.B) {
	tr := NewTracker()
	evs := make([]trace.Event, 1024)
	for i := range evs {
		evs[i] = hostProc(10000+i, 1000, "p").close(5, 0)
		evs[i].Timestamp = 1000 + i
		tr.Observe(&evs[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Observe(&evs[i%len(evs)])
	}
}

// BenchmarkObserveFlood floods one million pidfd_open events from 4000
// processes (250 pidfds each, pointing at each other) and reports the
// heap each tracked pidfd costs and the peak heap while flooding. With the
// default bounds the tracker evicts fd slots to stay under them, and no
// process record (evictions stays 0).
func BenchmarkObserveFlood(b *testing.B) {
	const procs, perProc = 4000, 250
	for _, bc := range []struct {
		name string
		opts []Option
	}{
		{"unbounded", []Option{WithMaxFDs(2 * procs * perProc), WithMaxProcesses(2 * procs)}},
		{"default-bounds", nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				floodOnce(b, procs, perProc, bc.opts)
			}
		})
	}
}

func floodOnce(b *testing.B, procs, perProc int, opts []Option) {
	b.StopTimer()
	runtime.GC()
	var before, now runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := before.HeapInuse
	b.StartTimer()

	tr := NewTracker(opts...)
	ev := hostProc(1, 0, "flood").pidfdOpen(0, 0, 0)
	pidArg, retArg := &ev.Args[0], &ev.Args[2]
	n := 0
	for fd := 3; fd < 3+perProc; fd++ {
		for p := 0; p < procs; p++ {
			n++
			ev.Timestamp = n
			ev.HostProcessID, ev.HostThreadID, ev.ProcessID, ev.ThreadID = 10000+p, 10000+p, 10000+p, 10000+p
			pidArg.Value = int32(10000 + (p+fd)%procs)
			retArg.Value = int64(fd)
			tr.Observe(&ev)
			if n%65536 == 0 {
				runtime.ReadMemStats(&now)
				peak = max(peak, now.HeapInuse)
			}
		}
	}

	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&now)
	peak = max(peak, now.HeapInuse)
	st := tr.Stats()
	if st.FDs > tr.maxFDs || st.Processes > tr.maxProcs {
		b.Fatalf("over the bounds: %+v", st)
	}
	b.ReportMetric(float64(now.HeapInuse-before.HeapInuse)/float64(st.FDs), "bytes/pidfd")
	b.ReportMetric(float64(peak-before.HeapInuse)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(st.FDs), "pidfds")
	b.ReportMetric(float64(st.Evictions), "evictions")
	b.ReportMetric(float64(st.FDEvictions), "fd-evictions")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n)/float64(b.N), "ns/event")
	runtime.KeepAlive(tr)
	b.StartTimer()
}

// BenchmarkFollowerLoad measures the companion events of
// BenchmarkTraceeOverhead's load as Tracee hands them over, boxed, to the
// Followers: pidfd_open, dup, fcntl(F_DUPFD_CLOEXEC) and three close per
// turn, by a process holding pidfds. ns/op is per event.
func BenchmarkFollowerLoad(b *testing.B) {
	const turns = 4096
	p := hostProc(4242, 0, "load")
	stream := make([]protocol.Event, 0, 6*turns)
	ts := 1000
	for range turns {
		for _, ev := range []trace.Event{
			p.pidfdOpen(4243, 0, 3), p.dup(3, 4), p.fcntl(3, fDupfdCloexec, 0, 5),
			p.close(5, 0), p.close(4, 0), p.close(3, 0),
		} {
			ts++
			ev.Timestamp = ts
			stream = append(stream, ev.ToProtocol())
		}
	}
	byEvent := map[string]*Follower{}
	var tr *Tracker
	fresh := func() {
		tr = NewTracker()
		fs := NewFollowers(tr)
		for _, f := range fs.Followers() {
			if err := f.Init(detect.SignatureContext{}); err != nil {
				b.Fatal(err)
			}
			byEvent[f.Event()] = f
		}
	}
	fresh()
	route := make([]*Follower, len(stream))
	for i, ev := range stream {
		route[i] = byEvent[ev.Payload.(trace.Event).EventName]
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == len(stream) {
			// A replay would be older than what the tracker holds: start
			// over with a new one.
			b.StopTimer()
			fresh()
			for k, ev := range stream {
				route[k] = byEvent[ev.Payload.(trace.Event).EventName]
			}
			i = 0
			b.StartTimer()
		}
		_ = route[i].OnEvent(stream[i])
		i++
	}
	if st := tr.Stats(); st.Malformed != 0 {
		b.Fatalf("%d malformed events", st.Malformed)
	}
}
