//go:build linux

package target

import (
	"maps"
	"math"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/trace"
	"golang.org/x/sys/unix"

	"github.com/pidfdsig/pidfdsig/events"
)

// BenchmarkLiveLookup measures what a live lookup of one real pidfd costs,
// through each path this kernel offers: what the tracker would pay per call
// if it checked every tracked answer against the running system (compare
// BenchmarkResolveTracked in the same run:
// go test -bench 'ResolveTracked$|LiveLookup' ./target).
func BenchmarkLiveLookup(b *testing.B) {
	childPID, fd := sleepingChildPidfd(b)
	paths := resolvers(b)
	// As Tracee asks: with the sender's start time, which the resolver
	// checks against the running process.
	q := selfQuery(fd)
	q.HostTID = q.HostPID
	procfs := paths["procfs"]
	boot, err := procfs.bootTime()
	if err != nil {
		b.Fatalf("reading the boot time: %v", err)
	}
	if q.SenderStart, err = procfs.startTime(q.HostPID, q.HostTID, boot); err != nil {
		b.Fatalf("reading this process's start time: %v", err)
	}
	for _, name := range slices.Sorted(maps.Keys(paths)) {
		r := paths[name]
		b.Run(name, func(b *testing.B) {
			if got := r.Lookup(q); int(got.HostPID) != childPID {
				b.Fatalf("lookup names pid %d (%s), want the child %d", got.HostPID, got.Reason, childPID)
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = r.Lookup(q)
			}
		})
	}
}

// BenchmarkResolveUnexplained measures a flood of pidfd_send_signal calls
// through a real pidfd the event stream cannot explain (say, one copied
// with an untraced dup): every call would be a live lookup, and the budget
// of WithLiveRate is what stops a process from making Tracee pay that at
// the rate it sends. Side by side: no bound, and the default.
func BenchmarkResolveUnexplained(b *testing.B) {
	childPID, fd := sleepingChildPidfd(b)
	self := hostProc(os.Getpid(), os.Getuid(), "bench")
	for _, bc := range []struct {
		name string
		opt  Option
	}{
		{"unbounded", WithLiveRate(math.Inf(1))},
		{"default", WithLiveRate(DefaultLiveRate)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tr := NewTracker(WithLive(NewProcfsResolver("")), bc.opt)
			evs := []trace.Event{self.other(), self.send(int32(fd), 0, 0)}
			for k := range evs {
				evs[k].Timestamp = int(time.Now().UnixNano()) - 1000*(len(evs)-k)
				tr.Observe(&evs[k])
			}
			call, err := events.ParseSendSignal(&evs[1])
			if err != nil {
				b.Fatal(err)
			}
			if got := tr.Resolve(&evs[1], &call); int(got.HostPID) != childPID {
				b.Fatalf("the first call resolves to pid %d (%s), want the child %d", got.HostPID, got.Reason, childPID)
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = tr.Resolve(&evs[1], &call)
			}
			st := tr.Stats()
			b.ReportMetric(float64(st.LiveLookups)/float64(st.LiveLookups+st.LiveSkipped), "looked-up/call")
		})
	}
}

// sleepingChildPidfd starts a sleeping child and returns its pid and a
// pidfd of it held by this process; both go at the end of the benchmark.
func sleepingChildPidfd(b *testing.B) (pid, fd int) {
	child := exec.Command("sleep", "60")
	if err := child.Start(); err != nil {
		b.Fatalf("starting a child to point a pidfd at: %v", err)
	}
	b.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	fd, err := unix.PidfdOpen(child.Process.Pid, 0)
	if err != nil {
		b.Skipf("SKIPPED LOUDLY: pidfd_open unsupported on this kernel: %v", err)
	}
	b.Cleanup(func() { unix.Close(fd) })
	return child.Process.Pid, fd
}
