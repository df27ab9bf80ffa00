//go:build linux

package kernelrec

import (
	"bytes"
	"debug/buildinfo"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pidfdsig/pidfdsig/events"
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
// PIDFDSIG_OVERHEAD_SORT=1 runs both sides with Tracee's event sorting;
// PIDFDSIG_OVERHEAD_PIN=1 keeps Tracee and the load on CPUs of their own
// (see cpuPlan).
func BenchmarkTraceeOverhead(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skipf("SKIPPED LOUDLY: Tracee needs root (euid %d)", os.Geteuid())
	}
	seconds := 20.0
	if testing.Short() {
		seconds = 2
	}
	seconds = envFloat(b, "PIDFDSIG_OVERHEAD_SECONDS", seconds)
	load := time.Duration(seconds * float64(time.Second))
	plan := overheadCPUPlan(b)
	variants := benchVariants(b)
	root := benchRepoRoot(b)
	for _, tv := range variants {
		b.Run(tv.name, func(b *testing.B) {
			so := benchBuildPlugin(b, root, tv)
			for i := 0; i < b.N; i++ {
				// Runs in the order without, with, with, without: a drift
				// in the machine's load during the measurement falls on
				// both sides alike.
				without := overheadRun(b, tv, "", load, plan)
				with := overheadRun(b, tv, filepath.Dir(so), load, plan)
				with = with.add(overheadRun(b, tv, filepath.Dir(so), load, plan))
				without = without.add(overheadRun(b, tv, "", load, plan))
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

// BenchmarkTraceeOverheadSideBySide measures the plugin's cost with two
// Tracees running at once on one load: one with the plugin, one without it
// tracing the same events. Both see the same calls at the same moments, so
// what the machine does meanwhile (other work, the hypervisor) falls on both
// alike, which runs one after the other cannot promise. The load is paced
// (PIDFDSIG_OVERHEAD_RATE pidfd_send_signal calls per second, default 4000,
// with the companion calls of BenchmarkTraceeOverhead) so that neither
// Tracee is short of CPU: a Tracee starved of CPU uses what it is given and
// falls behind, which would hide its cost.
//
// Each round runs four pairs: without+with, with+without (each side first
// once), without+without (the method's own noise) and send-only+with (the
// cost of the events the plugin makes Tracee trace, against a Tracee that
// traces pidfd_send_signal alone). PIDFDSIG_OVERHEAD_ROUNDS rounds (default
// 4; one pair under -short) of PIDFDSIG_OVERHEAD_SECONDS (default 15; 2
// under -short) each; PIDFDSIG_OVERHEAD_CONTROLS=0 runs only the two
// with/without pairs of each round, for more of them in the same time;
// PIDFDSIG_OVERHEAD_PIN=1 runs both Tracees on one CPU and the load on
// another (see cpuPlan).
//
// Metrics: overhead-% (mean extra Tracee CPU with the plugin over the
// with/without pairs) and overhead-ci95-% (the half-width of its 95 %
// confidence interval, Student's t); pairs (how many with/without pairs
// the mean is over); aa-spread-% (the standard deviation,
// in %, of the CPU ratio of two Tracees without the plugin); vs-send-only-%
// (extra CPU of the plugin's Tracee over one tracing pidfd_send_signal
// alone); tracee-cpu-% (the Tracee without the plugin, in % of one core);
// lost events of each side.
func BenchmarkTraceeOverheadSideBySide(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skipf("SKIPPED LOUDLY: Tracee needs root (euid %d)", os.Geteuid())
	}
	seconds, rounds, rate := 15.0, 4, 4000.0
	if testing.Short() {
		seconds, rounds = 2, 1
	}
	seconds = envFloat(b, "PIDFDSIG_OVERHEAD_SECONDS", seconds)
	rate = envFloat(b, "PIDFDSIG_OVERHEAD_RATE", rate)
	rounds = int(envFloat(b, "PIDFDSIG_OVERHEAD_ROUNDS", float64(rounds)))
	plan := overheadCPUPlan(b)
	load := time.Duration(seconds * float64(time.Second))
	pairs := [][2]side{{sideWithout, sideWith}, {sideWith, sideWithout}, {sideWithout, sideWithout}, {sideSendOnly, sideWith}}
	switch {
	case testing.Short():
		pairs = pairs[:1]
	case os.Getenv("PIDFDSIG_OVERHEAD_CONTROLS") == "0":
		pairs = pairs[:2]
	}
	root := benchRepoRoot(b)
	for _, tv := range benchVariants(b) {
		b.Run(tv.name, func(b *testing.B) {
			so := benchBuildPlugin(b, root, tv)
			for i := 0; i < b.N; i++ {
				var withRatios, controls, sendOnly []float64
				var lostWith, lostWithout int
				var cpuWithout time.Duration
				withoutRuns := 0
				for range rounds {
					for _, p := range pairs {
						ts := []*measuredTracee{
							startMeasured(b, tv, p[0], filepath.Dir(so), b.TempDir(), plan),
							startMeasured(b, tv, p[1], filepath.Dir(so), b.TempDir(), plan),
						}
						waitAllStarted(b, ts...)
						res := measureLoad(b, load, rate, plan, ts...)
						if res[0].cpu <= 0 || res[1].cpu <= 0 {
							b.Fatalf("tracee %s used no CPU in %s: %v", tv.name, load, res)
						}
						ratio := res[1].cpu.Seconds() / res[0].cpu.Seconds()
						switch p {
						case [2]side{sideWithout, sideWith}:
							withRatios = append(withRatios, ratio)
						case [2]side{sideWith, sideWithout}:
							withRatios = append(withRatios, 1/ratio)
						case [2]side{sideWithout, sideWithout}:
							controls = append(controls, ratio)
						case [2]side{sideSendOnly, sideWith}:
							sendOnly = append(sendOnly, ratio)
						}
						for k, r := range res {
							switch p[k] {
							case sideWith:
								lostWith += r.lost
							case sideWithout:
								lostWithout += r.lost
								cpuWithout += r.cpu
								withoutRuns++
							}
						}
					}
				}
				mean, half := meanCI95(withRatios)
				b.ReportMetric(100*(mean-1), "overhead-%")
				b.ReportMetric(100*half, "overhead-ci95-%")
				b.ReportMetric(float64(len(withRatios)), "pairs")
				if len(controls) > 1 {
					_, sd := meanSD(controls)
					b.ReportMetric(100*sd, "aa-spread-%")
				}
				if len(sendOnly) > 0 {
					m, _ := meanSD(sendOnly)
					b.ReportMetric(100*(m-1), "vs-send-only-%")
				}
				b.ReportMetric(100*cpuWithout.Seconds()/(float64(withoutRuns)*load.Seconds()), "tracee-cpu-%")
				b.ReportMetric(float64(lostWith), "lost-with")
				b.ReportMetric(float64(lostWithout), "lost-without")
			}
		})
	}
}

// envFloat reads a positive number from the environment, def when unset.
func envFloat(b *testing.B, name string, def float64) float64 {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return v
}

// meanSD returns the mean and sample standard deviation of xs (0 for one
// value).
func meanSD(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// meanCI95 returns the mean of xs and the half-width of its two-sided 95 %
// confidence interval (Student's t; 0 for one value).
func meanCI95(xs []float64) (mean, half float64) {
	mean, sd := meanSD(xs)
	n := len(xs)
	if n < 2 {
		return mean, 0
	}
	return mean, studentT95(n-1) * sd / math.Sqrt(float64(n))
}

// studentT95 is the two-sided 95 % quantile of Student's t with df degrees
// of freedom.
func studentT95(df int) float64 {
	table := [...]float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
		2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}
	if df <= len(table) {
		return table[df-1]
	}
	return 1.96
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
	cpu   time.Duration // Tracee's user + system time while the load ran
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
// when dir is ""), runs the load for d as fast as it can, stops tracee and
// reads the CPU time Tracee spent while the load ran and its lost events.
func overheadRun(b *testing.B, tv traceeVariant, dir string, d time.Duration, plan cpuPlan) overhead {
	b.Helper()
	side := sideWithout
	if dir != "" {
		side = sideWith
	}
	tr := startMeasured(b, tv, side, dir, "", plan)
	waitAllStarted(b, tr)
	return measureLoad(b, d, 0, plan, tr)[0]
}

// side is what one measured Tracee runs.
type side int

const (
	sideWithout  side = iota // every event the plugin selects, no plugin
	sideWith                 // the go-only plugin and its events
	sideSendOnly             // pidfd_send_signal alone, no plugin
)

func (s side) String() string {
	return [...]string{"without", "with", "send-only"}[s]
}

// measuredTracee is a running Tracee whose CPU time is measured.
type measuredTracee struct {
	tv      traceeVariant
	side    side
	cmd     *exec.Cmd
	stderr  *syncWriter
	exited  chan error
	stopped sync.Once
}

// startMeasured starts a Tracee running side, printing nothing (the
// comparison is of tracing and detection, not of writing JSON). dir holds
// the plugin; install, when not "", is v0.24.1's --install-path, so that
// two instances can run at once. A pinned plan starts it on its CPU.
func startMeasured(b *testing.B, tv traceeVariant, s side, dir, install string, plan cpuPlan) *measuredTracee {
	b.Helper()
	args := slices.Clone(tv.run[1:])
	switch s {
	case sideWith:
		args = append(args, "--signatures-dir", dir)
		args = append(args, tv.eventArgs(nil, nil)...)
	case sideWithout:
		args = append(args, "--signatures-dir", b.TempDir(), "--events", joinNames(companionNames))
	case sideSendOnly:
		args = append(args, "--signatures-dir", b.TempDir(), "--events", events.EventPidfdSendSignal)
	}
	args = append(args, "--output", "none")
	if install != "" && tv.src == "" {
		args = append(args, "--install-path", install)
	}
	if overheadSortEvents() {
		args = append(args, tv.sortEvents...)
	}
	cmd := exec.Command(tv.run[0], args...)
	stderr := &syncWriter{}
	cmd.Stderr = stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := cmd.Start
	if plan.pinned {
		start = func() error { return onCPU(plan.tracee, cmd.Start) }
	}
	if err := start(); err != nil {
		b.Fatal(err)
	}
	t := &measuredTracee{tv: tv, side: s, cmd: cmd, stderr: stderr, exited: make(chan error, 1)}
	go func() { t.exited <- cmd.Wait() }()
	b.Cleanup(t.stop)
	return t
}

// stop interrupts Tracee and waits for it; a second call does nothing.
func (t *measuredTracee) stop() {
	t.stopped.Do(func() {
		_ = syscall.Kill(-t.cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-t.exited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-t.cmd.Process.Pid, syscall.SIGKILL)
			<-t.exited
		}
	})
}

// log returns what Tracee has written to its standard error so far.
func (t *measuredTracee) log() string { return t.stderr.String() }

// waitAllStarted waits until every Tracee has attached its programs.
func waitAllStarted(b *testing.B, ts ...*measuredTracee) {
	b.Helper()
	for _, t := range ts {
		if err := waitStarted(t.log, t.exited, 90*time.Second); err != nil {
			if isBPFRefusal(t.log()) {
				b.Skipf("SKIPPED LOUDLY: tracee %s cannot load BPF here: %v\n%s", t.tv.name, err, tail(t.log(), 20))
			}
			b.Fatalf("tracee %s (%s): %v\n%s", t.tv.name, t.side, err, tail(t.log(), 30))
		}
	}
}

// measureLoad runs the load for d (at rate calls per second, or as fast as
// it can when rate is 0) under every Tracee, then stops them. Each gets
// the CPU time it spent while the load ran (read from /proc, so Tracee's
// start-up and shutdown are left out), the calls, and its lost events.
func measureLoad(b *testing.B, d time.Duration, rate float64, plan cpuPlan, ts ...*measuredTracee) []overhead {
	b.Helper()
	before := make([]time.Duration, len(ts))
	for i, t := range ts {
		before[i] = processCPU(b, t.cmd.Process.Pid)
	}
	var calls int
	if plan.pinned {
		if err := onCPU(plan.load, func() error { calls = pidfdLoad(b, d, rate); return nil }); err != nil {
			b.Fatal(err)
		}
	} else {
		calls = pidfdLoad(b, d, rate)
	}
	out := make([]overhead, len(ts))
	for i, t := range ts {
		out[i] = overhead{cpu: processCPU(b, t.cmd.Process.Pid) - before[i], calls: calls}
	}
	for i, t := range ts {
		t.stop()
		for _, m := range lostEvents.FindAllStringSubmatch(t.log(), -1) {
			n, _ := strconv.Atoi(m[1])
			out[i].lost += n
		}
	}
	return out
}

// clockTicks is the unit of /proc/PID/stat's times (USER_HZ, 100 on every
// Linux architecture Tracee runs on).
const clockTicks = 100

// processCPU is readProcessCPU, failing the benchmark on an error.
func processCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	d, err := readProcessCPU(pid)
	if err != nil {
		b.Fatalf("tracee's CPU time: %v", err)
	}
	return d
}

// readProcessCPU reads the user and system time of every thread of pid,
// past and present, from /proc/PID/stat.
func readProcessCPU(pid int) (time.Duration, error) {
	path := fmt.Sprintf("/proc/%d/stat", pid)
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	d, err := parseProcStatCPU(string(raw))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// parseProcStatCPU returns utime + stime of a /proc/PID/stat line. The
// fields are counted after the command name's closing parenthesis, which
// may itself contain spaces and parentheses.
func parseProcStatCPU(line string) (time.Duration, error) {
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return 0, fmt.Errorf("no command name in %q", line)
	}
	f := strings.Fields(line[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("%d fields after the command name, want at least 13", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad CPU time %q", s)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// syncWriter is a buffer for Tracee's standard error that may be read
// while Tracee writes to it.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// String returns what was written so far.
func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func joinNames(names []string) string { return strings.Join(names, ",") }

// waitStarted waits for Tracee to have attached its programs (the kprobe
// warnings of this kernel, or the signature engine's start), plus a margin
// for the pipeline.
func waitStarted(log func() string, exited <-chan error, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("tracee exited: %v", err)
		case <-time.After(250 * time.Millisecond):
		}
		s := log()
		if strings.Contains(s, "trace_load_elf_phdrs") || strings.Contains(s, target.FollowerTag) {
			time.Sleep(3 * time.Second)
			return nil
		}
	}
	return fmt.Errorf("not started within %s", limit)
}

// pidfdLoad issues pidfd_open, dup, fcntl(F_DUPFD_CLOEXEC), sig-0
// pidfd_send_signal and close calls on a child of its own for d, as fast as
// it can when rate is 0, else at rate pidfd_send_signal calls per second,
// and returns how many pidfd_send_signal calls it made. The two signals go
// through the pidfd_open fd and its fcntl copy, which the plugin follows.
// With PIDFDSIG_OVERHEAD_LOAD=unexplained the second is a SIGSTOP (which
// PFD-5 resolves the target of, whoever sends it) through the dup copy
// instead, which a kernel without kprobes does not let Tracee see: every
// other call is then one the plugin can answer only with a live lookup
// (what PIDFDSIG_LIVE_RATE bounds).
func pidfdLoad(b *testing.B, d time.Duration, rate float64) int {
	b.Helper()
	unexplained := false
	switch v := os.Getenv("PIDFDSIG_OVERHEAD_LOAD"); v {
	case "", "default":
	case "unexplained":
		unexplained = true
	default:
		b.Fatalf("PIDFDSIG_OVERHEAD_LOAD=%q: want default or unexplained", v)
	}
	child := exec.Command("sleep", "3600")
	if err := child.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	calls := 0
	start := time.Now()
	end := start.Add(d)
	for time.Now().Before(end) {
		if rate > 0 {
			due := start.Add(time.Duration(float64(calls) / rate * float64(time.Second)))
			time.Sleep(time.Until(due))
		}
		for range 64 {
			fd, err := unix.PidfdOpen(child.Process.Pid, 0)
			if err != nil {
				b.Fatal(err)
			}
			cp, _ := unix.Dup(fd)
			cp2, _ := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
			_ = unix.PidfdSendSignal(fd, 0, nil, 0)
			if unexplained {
				_ = unix.PidfdSendSignal(cp, unix.SIGSTOP, nil, 0)
			} else {
				_ = unix.PidfdSendSignal(cp2, 0, nil, 0)
			}
			calls += 2
			unix.Close(cp2)
			unix.Close(cp)
			unix.Close(fd)
		}
	}
	return calls
}
