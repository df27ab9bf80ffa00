//go:build linux

package kernelrec

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pidfdsig/pidfdsig/target"
)

// BenchmarkTraceeOverhead measures what the plugin costs Tracee: Tracee's
// CPU time and lost events while this process issues pidfd_send_signal and
// the companion calls as fast as it can, once with Tracee tracing those
// events without the plugin and once with the plugin's signatures and
// followers selecting them. Both runs trace the same kernel events; the
// difference is the signature engine and the plugin.
//
// Each side runs twice, in the order without, with, with, without.
// Metrics per tracee version: cpu-s (Tracee's user+system CPU seconds)
// and lost events of each side, summed over its two runs, calls/s the load reached, and
// overhead-% = extra CPU per call with the plugin. The load runs
// PIDFDSIG_OVERHEAD_SECONDS (default 20) seconds, 2 under -short;
// PIDFDSIG_OVERHEAD_SORT=1 runs both sides with Tracee's event sorting.
func BenchmarkTraceeOverhead(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skipf("SKIPPED LOUDLY: Tracee needs root (euid %d)", os.Geteuid())
	}
	seconds := 20.0
	if testing.Short() {
		seconds = 2
	}
	if s := os.Getenv("PIDFDSIG_OVERHEAD_SECONDS"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v <= 0 {
			b.Fatalf("PIDFDSIG_OVERHEAD_SECONDS=%q: want a positive number of seconds", s)
		}
		seconds = v
	}
	load := time.Duration(seconds * float64(time.Second))
	variants := benchVariants(b)
	root := benchRepoRoot(b)
	for _, tv := range variants {
		b.Run(tv.name, func(b *testing.B) {
			so := benchBuildPlugin(b, root, tv)
			for i := 0; i < b.N; i++ {
				// Runs in the order without, with, with, without: a drift
				// in the machine's load during the measurement falls on
				// both sides alike.
				without := overheadRun(b, tv, "", load)
				with := overheadRun(b, tv, filepath.Dir(so), load)
				with = with.add(overheadRun(b, tv, filepath.Dir(so), load))
				without = without.add(overheadRun(b, tv, "", load))
				perCallWithout := without.cpu.Seconds() / float64(without.calls)
				perCallWith := with.cpu.Seconds() / float64(with.calls)
				b.ReportMetric(without.cpu.Seconds(), "cpu-s-without")
				b.ReportMetric(with.cpu.Seconds(), "cpu-s-with")
				b.ReportMetric(float64(without.calls)/(2*load.Seconds()), "calls/s-without")
				b.ReportMetric(float64(with.calls)/(2*load.Seconds()), "calls/s-with")
				b.ReportMetric(float64(without.lost), "lost-without")
				b.ReportMetric(float64(with.lost), "lost-with")
				b.ReportMetric(100*(perCallWith/perCallWithout-1), "overhead-%")
			}
		})
	}
}

// benchVariants are the bundled tracee binaries (TRACEE_BIN is the e2e
// test's business).
func benchVariants(b *testing.B) []traceeVariant {
	b.Helper()
	script, err := filepath.Abs(filepath.Join(sharedTraceeDir(), "tracee.sh"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(script); err != nil {
		b.Skipf("SKIPPED LOUDLY: no bundled tracee (%v)", err)
	}
	var out []traceeVariant
	for _, ver := range []string{"v0.24.1", "main"} {
		path, err := exec.Command(script, ver, "--path").Output()
		if err != nil {
			continue
		}
		v := traceeVariant{name: ver, bin: string(bytes.TrimSpace(path)), run: []string{script, ver, "--"}, eventArgs: legacyEventArgs,
			sortEvents: legacySortEvents}
		if ver == "main" {
			v.src = filepath.Join(filepath.Dir(script), "tracee-main-src")
			v.eventArgs, v.sortEvents = mainEventArgs, mainSortEvents
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		b.Skip("SKIPPED LOUDLY: no bundled tracee could be unpacked")
	}
	return out
}

func benchRepoRoot(b *testing.B) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		b.Fatal(err)
	}
	return filepath.Dir(string(bytes.TrimSpace(out)))
}

func benchBuildPlugin(b *testing.B, root string, tv traceeVariant) string {
	b.Helper()
	so := filepath.Join(b.TempDir(), "pidfdsig.so")
	args := []string{"run", "./cmd/pidfdsig", "plugin", "build", "-go-only", "-tracee", tv.bin, "-o", so}
	if tv.src != "" {
		args = append(args, "-tracee-src", tv.src)
	}
	info, err := buildinfo.ReadFile(tv.bin)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN="+toolchain(info.GoVersion), "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("pidfdsig plugin build: %v\n%s", err, out)
	}
	return so
}

// overhead is what one run measured.
type overhead struct {
	cpu   time.Duration // Tracee's user + system time
	calls int           // pidfd_send_signal calls the load made
	lost  int           // events Tracee reported lost
}

// add sums two runs of one side.
func (o overhead) add(p overhead) overhead {
	return overhead{cpu: o.cpu + p.cpu, calls: o.calls + p.calls, lost: o.lost + p.lost}
}

var lostEvents = regexp.MustCompile(`Lost (\d+) events`)

// overheadSortEvents reports whether PIDFDSIG_OVERHEAD_SORT=1 asks both
// sides to run with Tracee's event sorting, as docs/tracee-plugin.md
// recommends with the plugin.
func overheadSortEvents() bool { return os.Getenv("PIDFDSIG_OVERHEAD_SORT") == "1" }

// overheadRun starts tracee (with the plugin in dir, or without a plugin
// when dir is ""), runs the load for d, stops tracee and reads its CPU
// time and lost events.
func overheadRun(b *testing.B, tv traceeVariant, dir string, d time.Duration) overhead {
	b.Helper()
	args := slices.Clone(tv.run[1:])
	if dir != "" {
		args = append(args, "--signatures-dir", dir)
		args = append(args, tv.eventArgs(nil, nil)...)
	} else {
		args = append(args, "--signatures-dir", b.TempDir(), "--events", joinNames(companionNames))
	}
	// Neither run prints events: the comparison is of tracing and
	// detection, not of writing JSON.
	args = append(args, "--output", "none")
	if overheadSortEvents() {
		args = append(args, tv.sortEvents...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d+3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tv.run[0], args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if err := waitStarted(&stderr, exited, 90*time.Second); err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		b.Fatalf("tracee %s: %v\n%s", tv.name, err, tail(stderr.String(), 30))
	}
	calls := pidfdLoad(b, d)
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	<-exited
	st := cmd.ProcessState
	lost := 0
	for _, m := range lostEvents.FindAllStringSubmatch(stderr.String(), -1) {
		n, _ := strconv.Atoi(m[1])
		lost += n
	}
	return overhead{cpu: st.UserTime() + st.SystemTime(), calls: calls, lost: lost}
}

func joinNames(names []string) string { return strings.Join(names, ",") }

// waitStarted waits for Tracee to have attached its programs (the kprobe
// warnings of this kernel, or the signature engine's start), plus a margin
// for the pipeline.
func waitStarted(stderr *bytes.Buffer, exited <-chan error, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("tracee exited: %v", err)
		case <-time.After(250 * time.Millisecond):
		}
		s := stderr.String()
		if strings.Contains(s, "trace_load_elf_phdrs") || strings.Contains(s, target.FollowerTag) {
			time.Sleep(3 * time.Second)
			return nil
		}
	}
	return fmt.Errorf("not started within %s", limit)
}

// pidfdLoad issues pidfd_open, dup, fcntl(F_DUPFD_CLOEXEC), sig-0
// pidfd_send_signal and close calls on a child of its own as fast as it can
// for d, and returns how many pidfd_send_signal calls it made.
func pidfdLoad(b *testing.B, d time.Duration) int {
	b.Helper()
	child := exec.Command("sleep", "3600")
	if err := child.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	calls := 0
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		for range 64 {
			fd, err := unix.PidfdOpen(child.Process.Pid, 0)
			if err != nil {
				b.Fatal(err)
			}
			cp, _ := unix.Dup(fd)
			cp2, _ := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
			_ = unix.PidfdSendSignal(fd, 0, nil, 0)
			_ = unix.PidfdSendSignal(cp2, 0, nil, 0)
			calls += 2
			unix.Close(cp2)
			unix.Close(cp)
			unix.Close(fd)
		}
	}
	return calls
}
