package signatures_test

import (
	"runtime"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/engine"
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// BenchmarkDetectionUnderFlood replays issue 14's flood through the
// built-in Go signatures sharing one tracker: a million pidfd_open calls
// by 4000 processes of uid 1666 pointing at each other, interleaved with
// 100,000 cross-user SIGKILLs (a fresh pidfd to one of 200 victims of uid
// 1001 each) and 20 signal-0 sweeps of 5 victims each, 20 s of event time
// apart. It reports how many kills PFD-1 and sweeps PFD-4 report (all of
// them, when no flood silences detection) and the peak heap.
func BenchmarkDetectionUnderFlood(b *testing.B) {
	const (
		floodProcs, perProc = 4000, 250
		victims             = 200
		killEvery           = 10 // flood events between kills
		sweeps, sweepSize   = 20, 5
	)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		runtime.GC()
		var before, now runtime.MemStats
		runtime.ReadMemStats(&before)
		peak := before.HeapInuse
		b.StartTimer()

		sigs, err := signatures.New(signatures.DefaultConfig(), signatures.WithResolver(target.NewTracker()))
		if err != nil {
			b.Fatal(err)
		}
		counts := map[string]int{}
		eng, err := engine.New(sigs, engine.Options{OnFinding: func(f *detect.Finding) { counts[f.SigMetadata.ID]++ }})
		if err != nil {
			b.Fatal(err)
		}
		ts := 1_000_000_000
		dispatch := func(ev trace.Event, step int) {
			ts += step
			ev.Timestamp = ts
			if err := eng.Dispatch(&ev); err != nil {
				b.Fatal(err)
			}
		}
		victim := func(v int) proc {
			return proc{hostPID: 20_000 + v, pid: 20_000 + v, uid: 1001, comm: "victim", exe: "/usr/bin/victim", pidNS: hostPidNS, entity: uint32(20_000 + v)}
		}
		for v := 0; v < victims; v++ {
			dispatch(contextEvent(victim(v), events.EventSchedProcessExec, 0), 1000)
		}
		kills, sweepsDone, n := 0, 0, 0
		for fd := 3; fd < 3+perProc; fd++ {
			for p := 0; p < floodProcs; p++ {
				n++
				flooder := proc{hostPID: 100_000 + p, pid: 100_000 + p, uid: 1666, comm: "flood", exe: "/tmp/flood", pidNS: hostPidNS, entity: uint32(100_000 + p)}
				dispatch(pidfdOpenEvent(flooder, int32(100_000+(p+fd)%floodProcs), fd, 0), 1000)
				if n%killEvery == 0 {
					dispatch(pidfdOpenEvent(mallory, int32(victim(kills%victims).hostPID), 5, 0), 1000)
					dispatch(sendEvent(mallory, call{pidfd: 5, sig: events.SIGKILL}, 0), 1000)
					kills++
				}
				if n%(floodProcs*perProc/sweeps) == 0 && sweepsDone < sweeps {
					ts += 20_000_000_000 // each sweep in a window of its own
					for s := 0; s < sweepSize; s++ {
						dispatch(pidfdOpenEvent(mallory, int32(victim((sweepsDone*sweepSize+s)%victims).hostPID), 6+s, 0), 1000)
						dispatch(sendEvent(mallory, call{pidfd: int32(6 + s), sig: 0}, 0), 1000)
					}
					sweepsDone++
				}
				if n%65536 == 0 {
					runtime.ReadMemStats(&now)
					peak = max(peak, now.HeapInuse)
				}
			}
		}
		b.StopTimer()
		runtime.ReadMemStats(&now)
		peak = max(peak, now.HeapInuse)
		b.ReportMetric(float64(counts[signatures.IDCrossUserSignal])/float64(kills), "PFD-1/kill")
		b.ReportMetric(float64(counts[signatures.IDSignalProbe])/float64(sweepsDone), "PFD-4/sweep")
		b.ReportMetric(float64(peak-before.HeapInuse)/(1<<20), "peak-heap-MiB")
		b.StartTimer()
	}
}
