//go:build linux

package kernelrec

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/events"
)

var record = flag.Bool("record", false,
	"record the scenarios again into testdata/scenarios/kernel-*.jsonl and kernel-INDEX.md")

// scenarioDir holds the recordings, beside the signatures engineer's
// scenarios.
const scenarioDir = "../../testdata/scenarios"

// recordCommand is how the recordings are made; kernel-INDEX.md quotes it.
const recordCommand = "go test ./internal/kernelrec/ -run TestRecord -record -count=1"

// formats are the two files of every scenario, by file name suffix.
var formats = []struct {
	suffix string
	format capture.Format
}{
	{"v0.24.1", capture.FormatLegacy},
	{"main", capture.FormatProto},
}

// TestRecord makes every scenario's calls for real. With -record it writes
// the recordings and their index; without, it records into a temporary
// directory and checks that the kernel still answers as the committed
// recordings say: the same events, arguments and results, process by
// process, pids, fd numbers, times and paths aside.
func TestRecord(t *testing.T) {
	requireRecordingKernel(t)
	progs := programs(t)
	dir := scenarioDir
	if !*record {
		dir = t.TempDir()
	} else {
		require.NoError(t, os.MkdirAll(dir, 0o755))
	}
	testBinary := testBinaryName(t)
	var index []recorded
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			rec := recordScenario(t, sc, progs)
			for _, f := range formats {
				path := filepath.Join(dir, fileName(sc.name, f.suffix))
				writeRecording(t, path, rec, f.format)
				if !*record {
					compareWithCommitted(t, path, filepath.Join(scenarioDir, fileName(sc.name, f.suffix)), testBinary)
				}
			}
			index = append(index, recorded{sc, rec})
		})
	}
	if *record && !t.Failed() {
		writeIndex(t, filepath.Join(dir, "kernel-INDEX.md"), index)
	}
}

func fileName(scenario, suffix string) string {
	return "kernel-" + scenario + "-" + suffix + ".jsonl"
}

// requireRecordingKernel skips unless the scenarios can be acted out: as
// root, on a kernel with pidfd_open and the PIDFD_SIGNAL_* flags (6.9+), with
// /proc/PID/task/TID/children.
func requireRecordingKernel(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("recording needs root: the scenarios run processes as other uids and in new pid namespaces (euid %d)", os.Geteuid())
	}
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		t.Skipf("pidfd_open: %v: the kernel has no pidfds (Linux 5.3+)", err)
	}
	defer unix.Close(fd)
	// Signal 0 with PIDFD_SIGNAL_PROCESS_GROUP to a process that leads no
	// group: ESRCH where the flag exists, EINVAL where it does not.
	_, _, errno := unix.Syscall6(unix.SYS_PIDFD_SEND_SIGNAL, uintptr(fd), 0, 0, pidfdSignalProcessGroup, 0, 0)
	if errno == unix.EINVAL || errno == unix.ENOSYS {
		t.Skipf("pidfd_send_signal with PIDFD_SIGNAL_PROCESS_GROUP: %v: the kernel lacks the PIDFD_SIGNAL_* flags (Linux 6.9+)", errno)
	}
	children := fmt.Sprintf("/proc/%d/task/%d/children", os.Getpid(), unix.Gettid())
	if _, err := os.Stat(children); err != nil {
		t.Skipf("%v: the kernel lacks CONFIG_PROC_CHILDREN", err)
	}
}

// programs finds sleep and makes the copies of it that play security
// agents, and a copy of the test binary that every uid may run as a helper.
func programs(t *testing.T) paths {
	t.Helper()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skipf("recording needs sleep(1): %v", err)
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	dir, err := os.MkdirTemp("", "kernelrec-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	return paths{
		sleep:  sleep,
		falco:  copyProgram(t, sleep, filepath.Join(dir, "falco")),
		auditd: copyProgram(t, sleep, filepath.Join(dir, "auditd")),
		helper: copyProgram(t, exe, filepath.Join(dir, filepath.Base(exe))),
	}
}

func copyProgram(t *testing.T, from, to string) string {
	t.Helper()
	src, err := os.Open(from)
	require.NoError(t, err)
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	require.NoError(t, err)
	_, err = io.Copy(dst, src)
	require.NoError(t, errors.Join(err, dst.Close()))
	return to
}

func testBinaryName(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	return filepath.Base(exe)
}

func recordScenario(t *testing.T, sc scenario, progs paths) *Recorder {
	t.Helper()
	boot, err := BootEpoch()
	require.NoError(t, err)
	rec := NewRecorder(boot)
	require.NoError(t, Run(rec, sc.steps(progs), WithHelperBinary(progs.helper)), "acting out %s", sc.name)
	require.NoError(t, rec.Err())
	return rec
}

func writeRecording(t *testing.T, path string, rec *Recorder, f capture.Format) {
	t.Helper()
	out, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, errors.Join(rec.WriteJSONL(out, f), out.Close()))
}

func compareWithCommitted(t *testing.T, fresh, committed, testBinary string) {
	t.Helper()
	if _, err := os.Stat(committed); err != nil {
		t.Fatalf("no committed recording to compare with (%v); make it with: %s", err, recordCommand)
	}
	want := readShape(t, committed, testBinary)
	got := readShape(t, fresh, testBinary)
	assert.Equal(t, want, got, "the kernel no longer answers as %s records (fresh recording: %s); "+
		"if that is expected, record again with: %s", committed, fresh, recordCommand)
}

func readShape(t *testing.T, path, testBinary string) shape {
	t.Helper()
	evs, err := readRecording(path)
	require.NoError(t, err)
	s, err := shapeOf(evs, testBinary)
	require.NoError(t, err, path)
	return s
}

// recorded is a scenario and what its recording holds.
type recorded struct {
	scenario
	rec *Recorder
}

func writeIndex(t *testing.T, path string, index []recorded) {
	t.Helper()
	var b strings.Builder
	b.WriteString(indexHeader)
	b.WriteString("| scenario | shows | should fire |\n|---|---|---|\n")
	for _, r := range index {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s |\n", r.name, r.name, cell(r.shows), cell(r.fires))
	}
	for _, r := range index {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\nShould fire: %s\n\nFiles: `%s`, `%s`\n\nWhat the kernel answered:\n\n",
			r.name, r.shows, r.fires, fileName(r.name, formats[0].suffix), fileName(r.name, formats[1].suffix))
		evs := r.rec.Events()
		n := newIndexNames(r.rec.Names(), evs)
		for _, ev := range evs {
			if line := n.line(&ev); line != "" {
				b.WriteString("- " + line + "\n")
			}
		}
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

const indexHeader = `# Scenarios recorded from real system calls

Generated by ` + "`" + recordCommand + "`" + ` (as root, on Linux 6.9+; do not edit by hand).
Without ` + "`-record`" + ` the same test records every scenario again into a
temporary directory and fails if the kernel answers differently from these
files: same events, arguments and results, process by process, pids, fd
numbers, times and paths aside.

Every ` + "`kernel-<scenario>-v0.24.1.jsonl`" + ` (Tracee v0.24.1's JSON) and
` + "`kernel-<scenario>-main.jsonl`" + ` (the main branch's) pair holds one
recording, written twice. The calls were made for real by real processes:
re-executions of the test binary (comm ` + "`kernelrec.test`" + `) that start as
root and drop to other uids with a recorded setresuid(2), some in new pid and
mount namespaces, and sleep(1) processes (or copies of it named like
security agents) as targets. Each event carries what the kernel and /proc
said: host and namespaced pids and tids, the real uid, fd numbers, return
values, comm, executable, namespace inodes, cgroup id, CPU, and a
CLOCK_REALTIME timestamp read just before the call. Entity ids are Tracee's
own hash of start times that /proc gives at clock-tick resolution.

The two formats differ as Tracee's do: the v0.24.1 files leave
executable.path empty and carry the namespaces, cgroup id, CPU and host
name; the main files fill executable.path, add the returnValue data entry
and have no place for the rest. In the v0.24.1 files, sched_process_fork's
start times are typed "time.Time" and hold uint64 nanoseconds, as Tracee
fills them; trace.Argument's JSON decoding, and so the capture package
today, rejects such lines.

Left out, although Tracee would report them: the Go runtime's own calls
(thread clones, closes of files other than pidfds, the dup3 of standard
input and output in a child before its exec), one sched_process_exit per
extra thread of the Go helpers, and the clone events themselves
(sched_process_fork stands for them). Process-exit times are when the
parent's waitid returned, about a millisecond after the exit.

`

// indexNames names the processes of a recording, by host pid and by the
// pid their parent knows them by in its namespace.
type indexNames struct {
	byHostPID map[int32]string
	byNsPID   map[[2]int64]string // parent's host pid, child's namespaced pid
}

func newIndexNames(names map[int32]string, evs []trace.Event) indexNames {
	n := indexNames{byHostPID: names, byNsPID: map[[2]int64]string{}}
	for i := range evs {
		if evs[i].EventName != events.EventSchedProcessFork {
			continue
		}
		child, _ := events.Int64Arg(&evs[i], "child_pid")
		nsPid, _ := events.Int64Arg(&evs[i], "child_ns_pid")
		n.byNsPID[[2]int64{int64(evs[i].HostProcessID), nsPid}] = names[int32(child)]
	}
	return n
}

// line describes one event for the index: the calls and the exits, by
// process name; "" for the other events.
func (n indexNames) line(ev *trace.Event) string {
	who := fmt.Sprintf("%s (pid %d, uid %d)", n.byHostPID[int32(ev.HostProcessID)], ev.HostProcessID, ev.UserID)
	if ev.ProcessID != ev.HostProcessID {
		who = fmt.Sprintf("%s (pid %d, %d in its namespace, uid %d)",
			n.byHostPID[int32(ev.HostProcessID)], ev.HostProcessID, ev.ProcessID, ev.UserID)
	}
	switch ev.EventName {
	case events.EventSchedProcessFork, events.EventSchedProcessExec:
		return ""
	case events.EventSchedProcessExit:
		sig, _ := events.Int64Arg(ev, "signal_code")
		code, _ := events.Int64Arg(ev, "exit_code")
		if sig != 0 {
			return fmt.Sprintf("%s ends, killed by %s", who, events.Signal(sig))
		}
		return fmt.Sprintf("%s ends, exit status %d", who, code)
	}
	def, _ := events.Lookup(ev.EventName)
	args := make([]string, len(def.Fields))
	for i, f := range def.Fields {
		v, _ := events.Int64Arg(ev, f.Name)
		args[i] = n.arg(ev, f.Name, v)
	}
	ret := events.Result(ev.ReturnValue)
	result := strconv.Itoa(ev.ReturnValue)
	if !ret.OK() {
		result = "-1 " + ret.ErrnoName()
	}
	return fmt.Sprintf("%s: `%s(%s) = %s`", who, ev.EventName, strings.Join(args, ", "), result)
}

func (n indexNames) arg(ev *trace.Event, field string, v int64) string {
	switch {
	case field == "sig":
		return events.Signal(v).String()
	case field == "info":
		return events.InfoPointer(v).String()
	case field == "flags" && ev.EventName == events.EventPidfdSendSignal:
		return events.Flags(v).String()
	case field == "pidfd":
		return events.PidFD(v).String()
	case field == "pid" && ev.EventName == events.EventPidfdOpen:
		if name := n.byNsPID[[2]int64{int64(ev.HostProcessID), v}]; name != "" {
			return fmt.Sprintf("%d (%s)", v, name)
		}
		if name := n.byHostPID[int32(v)]; name != "" {
			if ev.ProcessID != ev.HostProcessID {
				return fmt.Sprintf("%d (the host pid of %s)", v, name)
			}
			return fmt.Sprintf("%d (%s)", v, name)
		}
	}
	return strconv.FormatInt(v, 10)
}
