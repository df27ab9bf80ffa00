//go:build linux

package target

import (
	"math"
	"os"
	"os/exec"
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
	paths := []struct {
		name     string
		resolver *procfsResolver
	}{
		{"procfs", &procfsResolver{root: "/proc"}},
	}
	if pidfdInfoSupported() {
		paths = append(paths, struct {
			name     string
			resolver *procfsResolver
		}{"pidfd_info", NewProcfsResolver("").(*procfsResolver)})
	} else {
		b.Log("PIDFD_GET_INFO unsupported (Linux < 6.13): measuring the procfs path only")
	}
	// As Tracee asks: with the sender's start time, which the resolver
	// checks against the running process.
	q := selfQuery(fd)
	q.HostTID = q.HostPID
	boot, err := paths[0].resolver.bootTime()
	if err != nil {
		b.Fatalf("reading the boot time: %v", err)
	}
	if q.SenderStart, err = paths[0].resolver.startTime(q.HostPID, q.HostTID, boot); err != nil {
		b.Fatalf("reading this process's start time: %v", err)
	}
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			if got := p.resolver.Lookup(q); int(got.HostPID) != child.Process.Pid {
				b.Fatalf("lookup names pid %d (%s), want the child %d", got.HostPID, got.Reason, child.Process.Pid)
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = p.resolver.Lookup(q)
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
			if got := tr.Resolve(&evs[1], &call); int(got.HostPID) != child.Process.Pid {
				b.Fatalf("the first call resolves to pid %d (%s), want the child %d", got.HostPID, got.Reason, child.Process.Pid)
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
