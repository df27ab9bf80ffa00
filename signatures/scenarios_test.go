package signatures_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

var (
	update = flag.Bool("update", false, "rewrite the scenarios' golden findings from what the signatures report")
	write  = flag.Bool("write-scenarios", false, "rewrite testdata/scenarios/*.jsonl from the stories in scenarios_test.go")
)

const (
	scenarioDir = "../testdata/scenarios"
	samplesDir  = "../testdata/tracee-samples"
)

// TestScenarios replays every capture of testdata/scenarios (and the real
// Tracee captures of testdata/tracee-samples) through all six signatures,
// sharing one target.Tracker as the plugin does, and compares the findings
// with the golden file beside the capture. A capture without a golden file
// fails. Run with -update to write the golden files (a new capture's, or
// all of them after a deliberate change), and review the diff.
func TestScenarios(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join(scenarioDir, "*.jsonl"))
	require.NoError(t, err)
	samples, err := filepath.Glob(filepath.Join(samplesDir, "*.jsonl"))
	require.NoError(t, err)
	require.NotEmpty(t, inputs, "no scenarios: run go test ./signatures -run TestScenarioFiles -write-scenarios")
	for _, in := range append(inputs, samples...) {
		name := strings.TrimSuffix(filepath.Base(in), ".jsonl")
		golden := filepath.Join(scenarioDir, name+".golden.json")
		if filepath.Dir(in) == samplesDir {
			golden = filepath.Join(scenarioDir, "sample_"+name+".golden.json")
		}
		t.Run(name, func(t *testing.T) {
			got, stats := runScenario(t, in, boxPerEvent)
			// A host boxing each delivery anew takes the signatures'
			// locked path (no event is published); the findings and
			// counters must not depend on it.
			again, againStats := runScenario(t, in, boxPerDelivery)
			require.Equal(t, got, again, "findings differ when every signature is handed its own box")
			require.Equal(t, stats, againStats, "counters differ when every signature is handed its own box")
			checkScenarioIntent(t, name, got)
			if _, ok := kernelScenario(name); ok {
				got.normalizeRecording()
			}
			b, err := json.MarshalIndent(got, "", "  ")
			require.NoError(t, err)
			b = append(b, '\n')
			if *update {
				require.NoError(t, os.WriteFile(golden, b, 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			if errors.Is(err, os.ErrNotExist) {
				t.Fatalf("capture %s has no golden file %s: create it with\n\tgo test ./signatures -run TestScenarios -update\nand review the findings it holds before committing it", in, golden)
			}
			require.NoError(t, err)
			require.Equal(t, string(want), string(b), "findings differ from %s (run with -update and review the diff)", golden)
		})
	}
}

// scenarioResult is what a golden file holds: the findings, and the lines
// the capture reader could not decode (skipped, as pidfdsig does).
type scenarioResult struct {
	BadLines []string        `json:"bad_lines,omitempty"`
	Findings []goldenFinding `json:"findings"`
}

// goldenFinding is how a finding is written to a golden file.
type goldenFinding struct {
	Signature  string                 `json:"signature"`
	Name       string                 `json:"name"`
	Line       int                    `json:"line"` // of the event in the capture
	Event      string                 `json:"event"`
	Timestamp  int                    `json:"timestamp"`
	Properties map[string]interface{} `json:"properties"`
	Data       map[string]interface{} `json:"data"`
}

// normalizeRecording drops from the findings what differs each time a real
// recording is made again (kernel-INDEX.md: "pids, fd numbers, times and
// paths aside"), and siginfo addresses, which ASLR moves.
func (r *scenarioResult) normalizeRecording() {
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Timestamp = 0
		deleteKeys(f.Data, "pidfd", "info")
		if sender, ok := f.Data["sender"].(signatures.DataObject); ok {
			deleteKeys(sender, "host_pid", "pid", "exe")
		}
		if tg, ok := f.Data[signatures.DataTarget].(signatures.DataObject); ok {
			deleteKeys(tg, "host_pid", "host_tid", "pid", "exe", "pid_ns")
		}
		if probe, ok := f.Data[signatures.DataProbe].(signatures.DataObject); ok {
			deleteKeys(probe, "target_host_pids")
		}
	}
}

func deleteKeys(m map[string]interface{}, keys ...string) {
	for _, k := range keys {
		delete(m, k)
	}
}

// runScenario reads a capture and returns the findings of all signatures,
// in event order, then signature order.
// delivery is how runScenario hands an event to the signatures.
type delivery int

const (
	boxPerEvent    delivery = iota // one protocol.Event for all, as Tracee's engine does
	boxPerDelivery                 // a protocol.Event of its own for each signature
)

// runScenario runs the capture at path through the signatures built by
// New and returns their findings and counters.
func runScenario(t *testing.T, path string, how delivery) (scenarioResult, []signatures.Stats) {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()

	sigs, err := signatures.New(signatures.DefaultConfig(), signatures.WithResolver(target.NewTracker()))
	require.NoError(t, err)
	var found []*detect.Finding
	for _, s := range sigs {
		require.NoError(t, s.Init(detect.SignatureContext{Callback: func(f *detect.Finding) { found = append(found, f) }}))
	}
	res := scenarioResult{Findings: []goldenFinding{}}
	r := capture.NewReader(f)
	for {
		var ev trace.Event
		err := r.Next(&ev)
		if errors.Is(err, io.EOF) {
			break
		}
		var lerr *capture.LineError
		if errors.As(err, &lerr) {
			res.BadLines = append(res.BadLines, lerr.Error())
			continue
		}
		require.NoError(t, err)
		pe := ev.ToProtocol()
		for _, s := range sigs {
			if how == boxPerDelivery {
				pe = ev.ToProtocol()
			}
			require.NoError(t, s.OnEvent(pe))
		}
		for _, f := range found {
			payload := f.Event.Payload.(trace.Event)
			res.Findings = append(res.Findings, goldenFinding{
				Signature: f.SigMetadata.ID, Name: f.SigMetadata.EventName,
				Line: r.Line(), Event: payload.EventName, Timestamp: payload.Timestamp,
				Properties: f.SigMetadata.Properties, Data: f.Data,
			})
		}
		found = found[:0]
	}
	stats := make([]signatures.Stats, len(sigs))
	for i, s := range sigs {
		stats[i] = s.(interface{ Stats() signatures.Stats }).Stats()
	}
	return res, stats
}

// checkScenarioIntent holds each scenario to what it promises: a "benign"
// story reports nothing, a "pfdN_" story reports PFD-N, and a real-kernel
// recording ("kernel-<name>-<format>") reports exactly what
// testdata/scenarios/kernel-INDEX.md says it should (kernelExpect). A
// recording with lines the reader could not decode lost events, so only
// its golden file is checked.
func checkScenarioIntent(t *testing.T, name string, got scenarioResult) {
	var ids []string
	for _, f := range got.Findings {
		ids = append(ids, f.Signature)
	}
	sort.Strings(ids)
	if kernel, ok := kernelScenario(name); ok {
		want, known := kernelExpect[kernel]
		switch {
		case !known:
			t.Logf("no expectation for kernel scenario %q: golden file only", kernel)
		case len(got.BadLines) > 0:
			t.Logf("%d undecodable lines: expectation %v not checked, found %v", len(got.BadLines), want, ids)
		default:
			require.Equal(t, want, ids, "signatures reporting %s (see kernel-INDEX.md)", kernel)
		}
		return
	}
	if strings.Contains(name, "benign") {
		require.Empty(t, ids, "a benign scenario must report nothing")
		return
	}
	if id, ok := scenarioSignature(name); ok {
		require.Contains(t, ids, id, "scenario %s must report %s", name, id)
	}
}

// kernelScenario returns the scenario name of a real-kernel recording
// "kernel-<name>-main" or "kernel-<name>-v0.24.1".
func kernelScenario(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "kernel-")
	if !ok {
		return "", false
	}
	for _, suffix := range []string{"-main", "-v0.24.1"} {
		if s, ok := strings.CutSuffix(rest, suffix); ok {
			return s, true
		}
	}
	return "", false
}

// kernelExpect is the "should fire" column of kernel-INDEX.md with the
// default configuration: the IDs of the findings, sorted.
var kernelExpect = map[string][]string{
	"same-user-kill":           nil,
	"cross-user-eperm":         {"PFD-1"},
	"root-cross-user":          nil,
	"cross-user-euid":          {"PFD-1"},
	"cross-user-saved-uid":     {"PFD-1"},
	"flags-invalid":            {"PFD-2", "PFD-2"},
	"process-group":            nil,
	"process-group-cross-user": {"PFD-1", "PFD-2"},
	"forged-siginfo":           {"PFD-3", "PFD-3"},
	"siginfo-sigqueue":         nil,
	"signal0-probe":            {"PFD-4"},
	"go-self-probe":            nil,
	"security-tool-kill":       {"PFD-5", "PFD-5"},
	"plain-kill":               nil,
	"pidns-escape":             {"PFD-6"},
	"pidns-local":              nil,
	"fd-reuse":                 nil,
	"dup2-replace":             nil,
	"fork-inherit":             {"PFD-1"},
	"pidfd-getfd":              nil,
	"self-pidfd":               nil,
	"exited-target":            nil,
}

// scenarioSignature returns the ID a scenario named "pfdN_..." is about.
func scenarioSignature(name string) (string, bool) {
	if len(name) < 5 || !strings.HasPrefix(name, "pfd") || name[4] != '_' {
		return "", false
	}
	return "PFD-" + name[3:4], true
}

// TestScenarioFiles checks that the captures written from the stories below
// are up to date (run with -write-scenarios to rewrite them), and that every
// signature has a firing and a benign scenario.
func TestScenarioFiles(t *testing.T) {
	covered := map[string]int{}
	for _, sc := range stories() {
		var buf bytes.Buffer
		for i := range sc.events {
			ev := &sc.events[i]
			var line []byte
			var err error
			if sc.proto {
				line, err = capture.EncodeProto(ev)
			} else {
				line, err = capture.EncodeLegacy(ev)
			}
			require.NoError(t, err, "%s event %d", sc.name, i)
			buf.Write(line)
			buf.WriteByte('\n')
		}
		path := filepath.Join(scenarioDir, sc.name+".jsonl")
		if *write {
			require.NoError(t, os.MkdirAll(scenarioDir, 0o755))
			require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
		} else {
			have, err := os.ReadFile(path)
			require.NoError(t, err, "run with -write-scenarios")
			require.Equal(t, buf.String(), string(have), "%s is out of date: run with -write-scenarios", path)
		}
		if id, ok := scenarioSignature(sc.name); ok {
			if strings.Contains(sc.name, "benign") {
				covered[id+" benign"]++
			} else {
				covered[id+" firing"]++
			}
		}
	}
	var missing []string
	for _, id := range []string{"PFD-1", "PFD-2", "PFD-3", "PFD-4", "PFD-5", "PFD-6"} {
		for _, kind := range []string{" firing", " benign"} {
			if covered[id+kind] == 0 {
				missing = append(missing, id+kind)
			}
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing, "signatures without a scenario")
}

// story is a scenario written as Go: the events Tracee would report.
type story struct {
	name   string
	proto  bool // main-branch format, else v0.24.1
	ts     int
	events []trace.Event
}

// storyStart is the time of a story's first event (2026-11-27).
const storyStart = 1795741955_000_000_000

func newStory(name string, proto bool) *story {
	return &story{name: name, proto: proto, ts: storyStart}
}

// emit appends ev, one millisecond after the previous event, with the ids
// and syscall name Tracee gives it.
func (s *story) emit(ev trace.Event) {
	s.ts += 1_000_000
	ev.Timestamp = s.ts
	ev.ThreadStartTime = storyStart - 3_600_000_000_000 + ev.HostProcessID
	def, ok := events.Lookup(ev.EventName)
	if !ok {
		panic("no definition of " + ev.EventName)
	}
	ev.EventID = int(def.LegacyID)
	if s.proto {
		ev.EventID = int(def.ID)
	}
	if def.Syscall.AMD64 != events.NoSyscall {
		ev.Syscall = ev.EventName
	}
	ev.ArgsNum = len(ev.Args)
	ev.MatchedPolicies = []string{"pidfdsig"}
	s.events = append(s.events, ev)
}

func arg(name, typ string, v interface{}) trace.Argument {
	return trace.Argument{ArgMeta: trace.ArgMeta{Name: name, Type: typ}, Value: v}
}

// exec reports p running its executable (after execve: new comm and exe).
func (s *story) exec(p proc) {
	ev := contextEvent(p, events.EventSchedProcessExec, 0)
	ev.Args = []trace.Argument{
		arg("cmdpath", "string", p.exe),
		arg("pathname", "string", p.exe),
		arg("inode_mode", "uint16", uint16(0o100755)),
		arg("argv", "[]string", []string{p.comm}),
	}
	s.emit(ev)
}

// fork reports parent creating child; child.pid is its pid in its own
// namespace (1 for the first process of a new pid namespace).
func (s *story) fork(parent, child proc) {
	ev := contextEvent(parent, events.EventSchedProcessFork, 0)
	ev.Args = []trace.Argument{
		arg("parent_tid", "int32", int32(parent.hostPID)),
		arg("parent_ns_tid", "int32", int32(parent.pid)),
		arg("parent_pid", "int32", int32(parent.hostPID)),
		arg("parent_ns_pid", "int32", int32(parent.pid)),
		arg("child_tid", "int32", int32(child.hostPID)),
		arg("child_ns_tid", "int32", int32(child.pid)),
		arg("child_pid", "int32", int32(child.hostPID)),
		arg("child_ns_pid", "int32", int32(child.pid)),
	}
	s.emit(ev)
}

// spawn reports parent forking child, which still carries the parent's
// names, and the child then executing its own program.
func (s *story) spawn(parent, child proc) {
	forked := child
	forked.comm, forked.exe = parent.comm, parent.exe
	s.fork(parent, forked)
	s.exec(child)
}

// setuid reports p calling setuid(uid) successfully; p.uid is its uid before.
func (s *story) setuid(p proc, uid int) {
	ev := contextEvent(p, events.EventSetuid, 0)
	ev.Args = []trace.Argument{arg("uid", "int32", int32(uid))}
	s.emit(ev)
}

// open reports p calling pidfd_open(pid, 0), which returned fd.
func (s *story) open(p proc, pid, fd int) {
	ev := contextEvent(p, events.EventPidfdOpen, 0)
	ev.ReturnValue = fd
	ev.Args = []trace.Argument{arg("pid", "int32", int32(pid)), arg("flags", "uint32", uint32(0))}
	s.emit(ev)
}

// closeFD reports p closing fd.
func (s *story) closeFD(p proc, fd int) {
	ev := contextEvent(p, events.EventClose, 0)
	ev.Args = []trace.Argument{arg("fd", "int32", int32(fd))}
	s.emit(ev)
}

// send reports p calling pidfd_send_signal as c describes.
func (s *story) send(p proc, c call) {
	ev := sendEvent(p, c, 0)
	for i := range ev.Args {
		ev.Args[i].Type = events.SendSignalDefinition().Fields[i].Type
	}
	s.emit(ev)
}

// exit reports p exiting.
func (s *story) exit(p proc) {
	ev := contextEvent(p, events.EventSchedProcessExit, 0)
	ev.Args = []trace.Argument{
		arg("exit_code", "int32", int32(0)),
		arg("signal_code", "int32", int32(0)),
		arg("process_group_exit", "bool", true),
	}
	s.emit(ev)
}

// Errno results.
const (
	ePERM  = -1
	eINVAL = -22
)

// stories returns the scenarios. Each name says which signature it is about
// ("pfdN_") and whether it must stay silent ("benign").
func stories() []*story {
	return []*story{
		crossUserKill(), benignGoProgram(),
		unusualFlags(), benignShellJobControl(),
		forgedSiginfo(), benignSystemdSigqueue(),
		signalProbeScan(), benignOwnProbes(),
		securityAgentKill(), benignAgentWatchdog(),
		containerEscape(), benignRuntimeAndPod(),
	}
}

// crossUserKill: an unprivileged user tries to kill and stop another user's
// service (PFD-1, attempts refused with EPERM).
func crossUserKill() *story {
	s := newStory("pfd1_cross_user_kill", false)
	svc := bobService
	svc.uid = 0
	s.fork(systemd, svc)
	s.setuid(svc, 1001)
	s.exec(bobService)
	s.exec(mallory)
	s.open(mallory, bobService.hostPID, 3)
	s.send(mallory, call{pidfd: 3, sig: events.SIGKILL, result: ePERM})
	s.send(mallory, call{pidfd: 3, sig: events.SIGSTOP, result: ePERM})
	s.send(mallory, call{pidfd: 3, sig: events.SIGUSR1, result: ePERM})
	s.closeFD(mallory, 3)
	return s
}

// benignGoProgram: a Go program probes its own pidfd at start (the runtime's
// pidfd support check), then os/exec starts a child with CLONE_PIDFD (an fd
// the stream cannot see) and kills it.
func benignGoProgram() *story {
	s := newStory("pfd1_benign_go_program", true)
	s.exec(aliceGo)
	s.open(aliceGo, aliceGo.hostPID, 3)
	s.send(aliceGo, call{pidfd: 3, sig: 0})
	s.closeFD(aliceGo, 3)
	s.spawn(aliceGo, aliceChild)
	s.send(aliceGo, call{pidfd: 4, sig: events.SIGKILL})
	s.exit(aliceChild)
	return s
}

// unusualFlags: a user probes the kernel's flags with EINVAL and tries to
// kill another user's process group (PFD-2; PFD-1 reports the kill too).
func unusualFlags() *story {
	s := newStory("pfd2_unusual_flags", false)
	s.exec(nginx)
	s.exec(mallory)
	s.open(mallory, nginx.hostPID, 3)
	s.send(mallory, call{pidfd: 3, sig: events.SIGUSR1, flags: 8, result: eINVAL})
	s.send(mallory, call{pidfd: 3, sig: events.SIGUSR1, flags: events.PIDFD_SIGNAL_THREAD | events.PIDFD_SIGNAL_THREAD_GROUP, result: eINVAL})
	s.send(mallory, call{pidfd: 3, sig: events.SIGKILL, flags: events.PIDFD_SIGNAL_PROCESS_GROUP, result: ePERM})
	return s
}

// benignShellJobControl: a shell stops, continues and terminates its own
// job through process-group pidfd calls.
func benignShellJobControl() *story {
	s := newStory("pfd2_benign_shell_job_control", false)
	s.exec(alice)
	s.spawn(alice, aliceChild)
	s.open(alice, aliceChild.hostPID, 5)
	pg := events.PIDFD_SIGNAL_PROCESS_GROUP
	s.send(alice, call{pidfd: 5, sig: events.SIGTSTP, flags: pg})
	s.send(alice, call{pidfd: 5, sig: events.SIGCONT, flags: pg})
	s.send(alice, call{pidfd: 5, sig: events.SIGTERM, flags: pg})
	s.exit(aliceChild)
	s.closeFD(alice, 5)
	return s
}

// forgedSiginfo: a user's process passes a siginfo claiming kill() origin to
// its own child; the kernel refuses it (PFD-3). The same call with SI_QUEUE
// then succeeds and is not reported.
func forgedSiginfo() *story {
	s := newStory("pfd3_forged_siginfo", false)
	s.exec(alice)
	s.spawn(alice, aliceChild)
	s.open(alice, aliceChild.hostPID, 4)
	s.send(alice, call{pidfd: 4, sig: events.SIGUSR1, info: 0x7ffd5a3c1e40, result: ePERM})
	s.send(alice, call{pidfd: 4, sig: events.SIGUSR1, info: 0x7ffd5a3c1e40})
	return s
}

// benignSystemdSigqueue: systemd starts nginx as a service user, then stops
// it with an SI_QUEUE siginfo and kills what is left of its process group.
func benignSystemdSigqueue() *story {
	s := newStory("pfd3_benign_systemd_sigqueue", true)
	svc := nginx
	svc.uid, svc.comm, svc.exe = 0, systemd.comm, systemd.exe
	s.fork(systemd, svc)
	s.setuid(svc, nginx.uid)
	s.exec(nginx)
	s.open(systemd, nginx.hostPID, 30)
	s.send(systemd, call{pidfd: 30, sig: events.SIGTERM, info: 0x7ffe11d2a0b0})
	s.send(systemd, call{pidfd: 30, sig: events.SIGKILL, flags: events.PIDFD_SIGNAL_PROCESS_GROUP})
	s.exit(nginx)
	s.closeFD(systemd, 30)
	return s
}

// probeTargets are processes of other users that signalProbeScan probes.
var probeTargets = []proc{
	rootDaemon, nginx, bobService, falco,
	{hostPID: 2700, pid: 2700, uid: 999, comm: "postgres", exe: "/usr/lib/postgresql/16/bin/postgres", pidNS: hostPidNS, entity: 2700},
	{hostPID: 2800, pid: 2800, uid: 0, comm: "sshd", exe: "/usr/sbin/sshd", pidNS: hostPidNS, entity: 2800},
}

// signalProbeScan: a user maps other users' processes with signal 0
// (PFD-4, reported once).
func signalProbeScan() *story {
	s := newStory("pfd4_signal_probe_scan", false)
	for _, p := range probeTargets {
		s.exec(p)
	}
	s.exec(mallory)
	for i, p := range probeTargets {
		s.open(mallory, p.hostPID, 3+i)
		s.send(mallory, call{pidfd: int32(3 + i), sig: 0, result: ePERM})
	}
	return s
}

// benignOwnProbes: a user's supervisor checks that its own workers are
// alive with signal 0, and root's monitoring agent checks services.
func benignOwnProbes() *story {
	s := newStory("pfd4_benign_own_probes", true)
	sup := proc{hostPID: 2200, pid: 2200, uid: 1000, comm: "supervisor", exe: "/usr/bin/supervisor", pidNS: hostPidNS, entity: 2200}
	s.exec(sup)
	s.open(sup, sup.hostPID, 3) // the Go runtime's self-probe
	s.send(sup, call{pidfd: 3, sig: 0})
	s.closeFD(sup, 3)
	for i := 0; i < 6; i++ {
		w := proc{hostPID: 2201 + i, pid: 2201 + i, uid: 1000, comm: "supervisor", exe: sup.exe, pidNS: hostPidNS, entity: uint32(2201 + i)}
		s.fork(sup, w)
		w.comm, w.exe = "worker", "/usr/bin/worker"
		s.exec(w)
		s.open(sup, w.hostPID, 10+i)
		s.send(sup, call{pidfd: int32(10 + i), sig: 0})
	}
	agent := proc{hostPID: 1500, pid: 1500, uid: 0, comm: "node-agent", exe: "/usr/bin/node-agent", pidNS: hostPidNS, entity: 1500}
	s.exec(agent)
	for i, p := range probeTargets {
		s.exec(p)
		s.open(agent, p.hostPID, 20+i)
		s.send(agent, call{pidfd: int32(20 + i), sig: 0})
	}
	return s
}

// securityAgentKill: root stops then kills Falco; an unprivileged user's
// attempt on auditd is refused (PFD-5; PFD-1 reports the attempt too).
func securityAgentKill() *story {
	s := newStory("pfd5_security_agent_kill", true)
	f := falco
	f.comm, f.exe = systemd.comm, systemd.exe
	s.fork(systemd, f)
	s.exec(falco)
	auditd := proc{hostPID: 700, pid: 700, uid: 0, comm: "auditd", exe: "/usr/sbin/auditd", pidNS: hostPidNS, entity: 700}
	s.exec(auditd)
	s.exec(rootShell)
	s.open(rootShell, falco.hostPID, 3)
	s.send(rootShell, call{pidfd: 3, sig: events.SIGSTOP})
	s.send(rootShell, call{pidfd: 3, sig: events.SIGKILL})
	s.exit(falco)
	s.exec(mallory)
	s.open(mallory, auditd.hostPID, 3)
	s.send(mallory, call{pidfd: 3, sig: events.SIGKILL, result: ePERM})
	return s
}

// benignAgentWatchdog: osquery's watchdog restarts its worker, and root asks
// auditd to reload its rules with SIGHUP.
func benignAgentWatchdog() *story {
	s := newStory("pfd5_benign_agent_watchdog", false)
	s.exec(osqueryd)
	s.fork(osqueryd, osqWorker)
	s.exec(osqWorker)
	s.open(osqueryd, osqWorker.hostPID, 4)
	s.send(osqueryd, call{pidfd: 4, sig: events.SIGKILL})
	s.exit(osqWorker)
	auditd := proc{hostPID: 700, pid: 700, uid: 0, comm: "auditd", exe: "/usr/sbin/auditd", pidNS: hostPidNS, entity: 700}
	s.exec(auditd)
	s.exec(rootShell)
	s.open(rootShell, auditd.hostPID, 3)
	s.send(rootShell, call{pidfd: 3, sig: events.SIGHUP})
	return s
}

// containerEscape: a container sharing the host's pid namespace kills a host
// daemon, and a container with its own pid namespace uses a pidfd smuggled
// in from the host, which the kernel fences off with EINVAL (PFD-6).
func containerEscape() *story {
	s := newStory("pfd6_container_escape", false)
	s.exec(rootDaemon)
	s.exec(inHostPIDCt)
	s.open(inHostPIDCt, rootDaemon.hostPID, 3)
	s.send(inHostPIDCt, call{pidfd: 3, sig: events.SIGKILL})
	s.exec(inContainer)
	s.send(inContainer, call{pidfd: 9, sig: events.SIGKILL, result: eINVAL})
	return s
}

// benignRuntimeAndPod: runc starts and stops a container's init; a shell in
// that container kills its own job; a pod's sidecar asks the main container
// (same pid namespace) to reload.
func benignRuntimeAndPod() *story {
	s := newStory("pfd6_benign_runtime_and_pod", false)
	s.exec(runc)
	init := ctInit
	init.uid, init.comm, init.exe, init.container = 0, runc.comm, runc.exe, ""
	s.fork(runc, init)
	s.exec(ctInit)
	s.open(runc, ctInit.hostPID, 5)
	s.send(runc, call{pidfd: 5, sig: events.SIGSTOP})
	s.send(runc, call{pidfd: 5, sig: events.SIGCONT})

	s.exec(inContainer)
	s.spawn(inContainer, ctChild)
	s.open(inContainer, ctChild.pid, 4)
	s.send(inContainer, call{pidfd: 4, sig: events.SIGTERM, flags: events.PIDFD_SIGNAL_PROCESS_GROUP})

	s.exec(podMain)
	s.exec(inPod)
	s.open(inPod, podMain.pid, 3)
	s.send(inPod, call{pidfd: 3, sig: events.SIGHUP})
	return s
}
