//go:build linux

package kernelrec

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/engine"
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// The end-to-end test: the plugin, built with `pidfdsig plugin build` for a
// real tracee binary, loaded by that tracee as root, watching every
// recorded scenario acted out for real on this kernel.
//
// What it asserts, per tracee and plugin variant:
//   - no PFD signature event is removed by Tracee (Tracee's debug log has no
//     "removing event" for one), whatever companion event this kernel lacks;
//   - the live findings of each scenario hold at least the signature IDs
//     that `pidfdsig scan` finds on Tracee's own JSON output of the same
//     run (which carries the raw events too);
//   - they hold at least the IDs of the scenario's golden: what the
//     signatures find on the scenario's complete recording (but for a
//     scenario that copies its pidfd with dup* on a kernel without
//     kprobes, where only a live lookup can explain the copy);
//   - the benign scenarios (no finding in their golden) give no live
//     finding;
//   - the plugin says at Tracee's default log level which companion events
//     this kernel cannot give;
//   - Tracee converts every finding's data (no "Can't convert" log).
//
// Tracee comes from ../shared/tracee (tracee.sh) beside the repository, or
// TRACEE_BIN (with TRACEE_SRC when it compiled tracee/types from its tree).

// traceeVariant is one tracee binary and how to drive it.
type traceeVariant struct {
	name     string
	bin      string   // the binary
	run      []string // the command that runs it, before tracee's own arguments
	src      string   // -tracee-src, when it compiled types from its tree
	debugLog []string // the flags that turn on debug logging
	// sortEvents is the flag that has Tracee sort events by time before
	// its signature engine: the target tracker follows each pidfd through
	// the events in the order they happened, which events read from
	// several CPUs' buffers do not keep on their own.
	sortEvents []string
	eventArgs  func(tags, names []string) []string
}

// companionNames are the raw events Tracee is asked to print as well, so
// that `pidfdsig scan` can replay the run.
var companionNames = append([]string{events.EventPidfdSendSignal}, target.NewTracker().SelectedEvents()[1:]...)

func sharedTraceeDir() string {
	if d := os.Getenv("PIDFDSIG_SHARED_TRACEE"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared", "tracee")
}

// traceeVariants lists the tracee binaries available here; it skips the
// test, saying why, when there is none.
func traceeVariants(t *testing.T) []traceeVariant {
	t.Helper()
	var out []traceeVariant
	script, err := filepath.Abs(filepath.Join(sharedTraceeDir(), "tracee.sh"))
	require.NoError(t, err)
	if _, err := os.Stat(script); err == nil {
		for _, ver := range []string{"v0.24.1", "main"} {
			path, err := exec.Command(script, ver, "--path").Output()
			if err != nil {
				t.Logf("bundled tracee %s unavailable: %v", ver, err)
				continue
			}
			v := traceeVariant{name: ver, bin: strings.TrimSpace(string(path)), run: []string{script, ver, "--"}}
			if ver == "main" {
				v.src = filepath.Join(filepath.Dir(script), "tracee-main-src")
				v.debugLog = []string{"--logging", "level=debug"}
				v.eventArgs = mainEventArgs
				v.sortEvents = mainSortEvents
			} else {
				v.debugLog = []string{"--log", "debug"}
				v.eventArgs = legacyEventArgs
				v.sortEvents = legacySortEvents
			}
			out = append(out, v)
		}
	}
	if bin := os.Getenv("TRACEE_BIN"); bin != "" {
		v := traceeVariant{name: "TRACEE_BIN", bin: bin, run: []string{bin, "-C", "bypass=true"}, src: os.Getenv("TRACEE_SRC"),
			debugLog: []string{"--log", "debug"}, eventArgs: legacyEventArgs, sortEvents: legacySortEvents}
		if isMainTracee(bin) {
			v.debugLog, v.eventArgs, v.sortEvents = []string{"--logging", "level=debug"}, mainEventArgs, mainSortEvents
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		t.Skipf("SKIPPED LOUDLY: no tracee binary: neither %s nor TRACEE_BIN; the plugin is not tested in real Tracee", script)
	}
	return out
}

// The flags that sort events by time before the signature engine, in
// v0.24.1 and in main.
var (
	legacySortEvents = []string{"--output", "option:sort-events"}
	mainSortEvents   = []string{"--output", "sort-events"}
)

// isMainTracee tells Tracee's main branch (which has --logging) from
// v0.24.1 (which has --log).
func isMainTracee(bin string) bool {
	out, _ := exec.Command(bin, "--help").CombinedOutput()
	return bytes.Contains(out, []byte("--logging"))
}

// legacyEventArgs selects the plugin's events by their set (v0.24.1: a tag
// is a set, named like an event).
func legacyEventArgs(tags, names []string) []string {
	sel := append(append([]string{target.FollowerTag}, tags...), names...)
	return []string{"--events", strings.Join(sel, ",")}
}

// mainEventArgs selects them with main's tag= syntax (whose values are
// all tags: the event names need an --events of their own).

func mainEventArgs(tags, names []string) []string {
	args := []string{"--events", "tag=" + strings.Join(append([]string{target.FollowerTag}, tags...), ",")}
	if len(names) > 0 {
		args = append(args, "--events", strings.Join(names, ","))
	}
	return args
}

// pluginVariant is one build of the plugin.
type pluginVariant struct {
	name   string
	goOnly bool
	env    []string // for tracee, read by the plugin
	tags   []string // more tags to select, besides pidfdsig
}

// userRuleE2E is a user Rego rule the full plugin loads from
// PIDFDSIG_REGO_DIR: every SIGTERM through a pidfd. Its tag makes
// `--events pidfdsig` select it.
const userRuleE2E = `package tracee.USER_E2E_1

import data.tracee.pidfdsig.helpers as h

__rego_metadoc__ := {
	"id": "USER-E2E-1",
	"version": "1",
	"name": "SIGTERM through a pidfd",
	"eventName": "pidfd_e2e_sigterm",
	"description": "Any SIGTERM sent with pidfd_send_signal.",
	"tags": ["pidfdsig"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains h.send_signal_selector

tracee_match := {"signal": h.call.signal} if h.call.signal == "SIGTERM"
`

// userRuleEvent is userRuleE2E's event name.
const userRuleEvent = "pidfd_e2e_sigterm"

func TestLiveInTracee(t *testing.T) {
	requireRecordingKernel(t)
	progs := programs(t)
	root := repoRoot(t)
	rules := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(rules, "user.rego"), []byte(userRuleE2E), 0o644))
	hostile, err := filepath.Abs(filepath.Join(root, "rego", "testdata", "rules", "hostile"))
	require.NoError(t, err)
	for _, tv := range traceeVariants(t) {
		for _, pv := range []pluginVariant{
			{name: "go-only", goOnly: true},
			// The built-in signatures as Rego rules on the plan machine,
			// a user rule, and every hostile rule of the project's suite
			// (CPU and memory bombs...): OPA inside Tracee, which must keep
			// running and reporting.
			{name: "full-rego", env: []string{"PIDFDSIG_BUILTIN=rego", "PIDFDSIG_REGO_DIR=" + rules + ":" + hostile,
				"PIDFDSIG_REGO_STRIKES=2"}, tags: []string{"hostile"}},
		} {
			t.Run(tv.name+"/"+pv.name, func(t *testing.T) {
				so := buildPlugin(t, root, tv, pv)
				run := runInTracee(t, tv, pv, filepath.Dir(so), progs)
				checkRun(t, tv, run)
				if !pv.goOnly {
					assert.Positive(t, countEvents(run.events, userRuleEvent), "the user rule reports inside Tracee")
					assert.Contains(t, run.stderr, "rego rule switched off", "hostile rules are switched off, and say so")
				}
			})
		}
	}
}

func countEvents(evs []trace.Event, name string) int {
	n := 0
	for _, ev := range evs {
		if ev.EventName == name {
			n++
		}
	}
	return n
}

func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	require.NoError(t, err)
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// buildPlugin builds the plugin for tv with `pidfdsig plugin build`, run
// by tracee's own Go version, as the documentation tells users to.
func buildPlugin(t *testing.T, root string, tv traceeVariant, pv pluginVariant) string {
	t.Helper()
	info, err := buildinfo.ReadFile(tv.bin)
	require.NoError(t, err, "reading tracee's build information")
	so := filepath.Join(t.TempDir(), "pidfdsig.so")
	args := []string{"run", "./cmd/pidfdsig", "plugin", "build", "-tracee", tv.bin, "-o", so}
	if tv.src != "" {
		args = append(args, "-tracee-src", tv.src)
	}
	if pv.goOnly {
		args = append(args, "-go-only")
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN="+toolchain(info.GoVersion), "GOFLAGS=")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "pidfdsig plugin build for %s:\n%s", tv.name, out)
	t.Logf("built the %s plugin for %s (%s) in %s", pv.name, tv.name, info.GoVersion, time.Since(start).Round(time.Second))
	return so
}

// toolchain returns the Go release a build info version names:
// "go1.26.8-X:norandomizedheapbase64" (experiments) is go1.26.8.
func toolchain(version string) string {
	if i := strings.IndexAny(version, " -"); i > 0 {
		return version[:i]
	}
	return version
}

// traceeRun is what one tracee run left.
type traceeRun struct {
	stderr  string
	events  []trace.Event // Tracee's JSON output, findings included
	windows []window      // when each scenario ran
}

// window is the stretch of time one scenario ran in (CLOCK_REALTIME ns,
// Tracee's timestamps).
type window struct {
	scenario   string
	start, end int64
}

// runInTracee starts tracee with the plugin in dir, waits until it sees
// this process's pidfd_send_signal canaries, acts out every scenario, and
// stops it.
func runInTracee(t *testing.T, tv traceeVariant, pv pluginVariant, dir string, progs paths) traceeRun {
	t.Helper()
	args := append([]string{"--signatures-dir", dir}, tv.eventArgs(pv.tags, companionNames)...)
	args = append(args, tv.sortEvents...)
	return actInTracee(t, tv, args, pv.env, progs)
}

// actInTracee starts tracee with args (besides its output, scope and debug
// logging) and env, waits until it sees this process's pidfd_send_signal
// canaries (args must select pidfd_send_signal), acts out every scenario,
// and stops it.
func actInTracee(t *testing.T, tv traceeVariant, args, env []string, progs paths) traceeRun {
	t.Helper()
	out := filepath.Join(t.TempDir(), "tracee.json")
	args = append(append(slices.Clone(tv.run[1:]), args...), "--output", "json:"+out)
	args = append(args, "--scope", fmt.Sprintf("tree=%d", os.Getpid()))
	args = append(args, tv.debugLog...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tv.run[0], args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	if err := waitReady(out, exited, 90*time.Second); err != nil {
		stop()
		if isBPFRefusal(stderr.String()) {
			t.Skipf("SKIPPED LOUDLY: tracee %s cannot load BPF here: %v\n%s", tv.name, err, tail(stderr.String(), 20))
		}
		t.Fatalf("tracee %s never started: %v\n%s", tv.name, err, tail(stderr.String(), 40))
	}
	var run traceeRun
	for _, sc := range scenarios {
		w := window{scenario: sc.name, start: time.Now().UnixNano()}
		boot, err := BootEpoch()
		require.NoError(t, err)
		rec := NewRecorder(boot)
		require.NoError(t, Run(rec, sc.steps(progs), WithHelperBinary(progs.helper)), "acting out %s", sc.name)
		// Tracee may still be delivering the scenario's last events.
		time.Sleep(300 * time.Millisecond)
		w.end = time.Now().UnixNano()
		run.windows = append(run.windows, w)
	}
	time.Sleep(2 * time.Second)
	stop()
	run.stderr = stderr.String()
	run.events = readTraceeOutput(t, out)
	return run
}

// waitReady makes a pidfd_send_signal(self, 0) canary every 200 ms until
// Tracee prints one: then the pipeline, the signature engine and the
// plugin are all running.
func waitReady(out string, exited <-chan error, limit time.Duration) error {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("tracee exited: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
		_ = unix.PidfdSendSignal(fd, 0, nil, 0)
		if b, err := os.ReadFile(out); err == nil && bytes.Contains(b, []byte(`"pidfd_send_signal"`)) {
			return nil
		}
	}
	return fmt.Errorf("no event within %s", limit)
}

func isBPFRefusal(stderr string) bool {
	s := strings.ToLower(stderr)
	return strings.Contains(s, "bpf") && (strings.Contains(s, "operation not permitted") || strings.Contains(s, "permission denied"))
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func readTraceeOutput(t *testing.T, path string) []trace.Event {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r := capture.NewReader(bufio.NewReader(f))
	var evs []trace.Event
	bad := 0
	for {
		var ev trace.Event
		err := r.Next(&ev)
		if errors.Is(err, io.EOF) {
			break
		}
		var lerr *capture.LineError
		if errors.As(err, &lerr) {
			bad++
			t.Logf("tracee output: %v", lerr)
			continue
		}
		require.NoError(t, err)
		evs = append(evs, ev)
	}
	assert.Zero(t, bad, "every line Tracee printed decodes")
	return evs
}

// pfdEvents are the event names of the built-in signatures.
func pfdEvents(t *testing.T) map[string]string {
	t.Helper()
	sigs, err := signatures.New(signatures.DefaultConfig())
	require.NoError(t, err)
	out := make(map[string]string)
	for _, s := range sigs {
		m, err := s.GetMetadata()
		require.NoError(t, err)
		out[m.EventName] = m.ID
	}
	return out
}

// checkRun asserts what TestLiveInTracee promises for one run.
func checkRun(t *testing.T, tv traceeVariant, run traceeRun) {
	t.Helper()
	pfd := pfdEvents(t)
	for _, line := range strings.Split(run.stderr, "\n") {
		if !strings.Contains(line, "removing event") {
			continue
		}
		for name := range pfd {
			assert.NotContains(t, line, `"`+name+`"`, "Tracee removed a PFD signature event")
		}
	}
	for _, bad := range []string{"Can't convert event argument", "Failed to convert event data", "can't convert event data"} {
		assert.NotContains(t, run.stderr, bad, "Tracee converts every finding's data")
	}
	if target.MissingHostFeatures()&target.FeatureKprobes != 0 {
		assert.Contains(t, run.stderr, "pidfdsig plugin: companion events this kernel cannot give Tracee",
			"the plugin says what a kernel without kprobes costs")
	}
	var raw []trace.Event
	live := make(map[string][]string) // scenario -> live finding IDs
	for _, ev := range run.events {
		if id, ok := pfd[ev.EventName]; ok {
			sc := scenarioAt(run.windows, int64(ev.Timestamp))
			live[sc] = append(live[sc], id)
			continue
		}
		raw = append(raw, ev)
	}
	scanned := scanEvents(t, raw, run.windows)
	goldens := goldenIDs(t, tv)
	// Without kprobes Tracee cannot trace dup*, so what a scenario's
	// recording explains with a dup is known live only if the live lookup
	// wins its race with the sender (documented as the cost of such a
	// kernel): there the golden is logged, not required.
	noDup := target.MissingHostFeatures()&target.FeatureKprobes != 0
	dupScenarios := make(map[string]bool)
	for _, sc := range scenarios {
		dupScenarios[sc.name] = usesDup(sc.steps(paths{}))
	}
	t.Logf("%-28s %-22s %-22s %s", "scenario", "golden (full stream)", "scan of Tracee output", "live in Tracee")
	for _, w := range run.windows {
		t.Logf("%-28s %-22s %-22s %s", w.scenario, ids(goldens[w.scenario]), ids(scanned[w.scenario]), ids(live[w.scenario]))
		assert.Subset(t, live[w.scenario], scanned[w.scenario],
			"%s: the plugin found less live than pidfdsig scan finds on Tracee's output", w.scenario)
		if !(noDup && dupScenarios[w.scenario]) {
			assert.Subset(t, live[w.scenario], goldens[w.scenario],
				"%s: the plugin found less live than the scenario's full recording gives", w.scenario)
		}
		if len(goldens[w.scenario]) == 0 {
			assert.Empty(t, live[w.scenario], "%s is benign: no finding", w.scenario)
		}
	}
	assert.Empty(t, live[""], "no finding outside the scenarios (canaries are self-probes)")
}

// usesDup reports whether steps, or the scripts of the helpers they
// start, copy a pidfd with dup, dup2 or dup3.
func usesDup(steps []Step) bool {
	for _, s := range steps {
		if s.Op == OpDup || s.Op == OpDup2 || s.Op == OpDup3 || (s.Spawn != nil && usesDup(s.Spawn.Script)) {
			return true
		}
	}
	return false
}

func ids(xs []string) string {
	u := slices.Clone(xs)
	sort.Strings(u)
	u = slices.Compact(u)
	if len(u) == 0 {
		return "-"
	}
	return strings.Join(u, ",")
}

func scenarioAt(ws []window, ts int64) string {
	for _, w := range ws {
		if ts >= w.start && ts <= w.end {
			return w.scenario
		}
	}
	return ""
}

// scanEvents runs the Go signatures over Tracee's raw events as
// `pidfdsig scan` does, and returns the finding IDs by scenario.
func scanEvents(t *testing.T, evs []trace.Event, ws []window) map[string][]string {
	t.Helper()
	sigs, err := signatures.New(signatures.DefaultConfig())
	require.NoError(t, err)
	out := make(map[string][]string)
	eng, err := engine.New(sigs, engine.Options{OnFinding: func(f *detect.Finding) {
		ev, ok := f.Event.Payload.(trace.Event)
		require.True(t, ok)
		sc := scenarioAt(ws, int64(ev.Timestamp))
		out[sc] = append(out[sc], f.SigMetadata.ID)
	}})
	require.NoError(t, err)
	for i := range evs {
		require.NoError(t, eng.Dispatch(&evs[i]))
	}
	eng.Complete()
	return out
}

// goldenIDs reads the findings each scenario's recording gives (its
// golden file, in the format of tracee's version).
func goldenIDs(t *testing.T, tv traceeVariant) map[string][]string {
	t.Helper()
	suffix := "v0.24.1"
	if tv.name == "main" {
		suffix = "main"
	}
	out := make(map[string][]string)
	for _, sc := range scenarios {
		b, err := os.ReadFile(filepath.Join(scenarioDir, "kernel-"+sc.name+"-"+suffix+".golden.json"))
		require.NoError(t, err)
		var g struct {
			Findings []struct {
				Signature string `json:"signature"`
			} `json:"findings"`
		}
		require.NoError(t, json.Unmarshal(b, &g))
		for _, f := range g.Findings {
			out[sc.name] = append(out[sc.name], f.Signature)
		}
	}
	return out
}
