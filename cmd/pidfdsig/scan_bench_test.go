package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/capture"
)

// writeCapture writes a generated capture of n events in the given format:
// processes of several uids open pidfds to targets, signal them (mostly
// benign same-user terminations, a few cross-user and unusual-flag calls) and
// close them, with the targets' own events teaching the tracker their uids.
func writeCapture(tb testing.TB, path string, n int, proto bool) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	encode := capture.EncodeLegacy
	if proto {
		encode = capture.EncodeProto
	}
	ts := 1_795_741_955_000_000_000
	for i, written := 0, 0; written < n; i++ {
		sender := 10_000 + i%4096
		targetPID := 50_000 + i%8192
		uid := 1000 + i%7
		targetUID := uid
		if i%50 == 0 {
			targetUID = uid + 1 // a cross-user call now and then
		}
		flags := uint32(0)
		if i%97 == 0 {
			flags = 8
		}
		batch := []trace.Event{
			ctxEvent("nanosleep", targetPID, targetUID, "worker"),
			withArgs(ctxEvent("pidfd_open", sender, uid, "supervisor"), 3,
				arg("pid", "int32", int32(targetPID)), arg("flags", "uint32", uint32(0))),
			withArgs(ctxEvent("pidfd_send_signal", sender, uid, "supervisor"), 0,
				arg("pidfd", "int32", int32(3)), arg("sig", "int32", int32(15)),
				arg("info", "trace.Pointer", trace.Pointer(0)), arg("flags", "uint32", flags)),
			withArgs(ctxEvent("close", sender, uid, "supervisor"), 0, arg("fd", "int32", int32(3))),
		}
		for j := range batch {
			ts += 1000
			batch[j].Timestamp = ts
			line, err := encode(&batch[j])
			if err != nil {
				tb.Fatal(err)
			}
			w.Write(line)
			w.WriteByte('\n')
			written++
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
}

func ctxEvent(name string, pid, uid int, comm string) trace.Event {
	return trace.Event{
		EventName: name, Syscall: name, ProcessID: pid, ThreadID: pid, HostProcessID: pid,
		HostThreadID: pid, UserID: uid, ProcessName: comm, PIDNS: 4026531836, MountNS: 4026531832,
	}
}

func withArgs(ev trace.Event, ret int, args ...trace.Argument) trace.Event {
	ev.Args = args
	ev.ArgsNum = len(args)
	ev.ReturnValue = ret
	return ev
}

func arg(name, typ string, v any) trace.Argument {
	return trace.Argument{ArgMeta: trace.ArgMeta{Name: name, Type: typ}, Value: v}
}

// peakHeap samples the heap in use until stop is called.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// BenchmarkScan measures `pidfdsig scan` end to end on generated captures:
// events/s per run and the peak heap, for two capture sizes per format and
// engine, so that flat memory (streaming) shows side by side.
func BenchmarkScan(b *testing.B) {
	dir := b.TempDir()
	for _, format := range []string{"legacy", "proto"} {
		for _, size := range []int{50_000, 200_000} {
			path := filepath.Join(dir, fmt.Sprintf("%s-%d.jsonl", format, size))
			writeCapture(b, path, size, format == "proto")
			for _, engine := range []string{engineGo, engineRego} {
				b.Run(fmt.Sprintf("format=%s/events=%d/engine=%s", format, size, engine), func(b *testing.B) {
					var peak uint64
					for b.Loop() {
						runtime.GC()
						stop := peakHeap()
						var stderr bytes.Buffer
						code := runContext(context.Background(), []string{"scan", "-engine", engine, "-o", "json", path},
							nil, io.Discard, &stderr)
						if p := stop(); p > peak {
							peak = p
						}
						if code == exitError {
							b.Fatalf("scan failed on %s: %s", path, tail(stderr.String(), 2000))
						}
					}
					b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
					b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
				})
			}
		}
	}
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
