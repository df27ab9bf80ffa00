//go:build linux

package kernelrec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/events"
)

// A shape is a recording reduced to what a new recording on another machine
// must repeat: for each process, labelled in the order the processes were
// started, its events in order, with their arguments and results. Pids, fd
// numbers, times, paths, inode numbers and entity ids differ from one run to
// the next; they are replaced by labels (pids and fds keep their identity
// within the recording: an fd reused shows as the same label) or dropped.
type shape map[string][]string

// fdEvents are the system calls whose result is a new fd.
var fdEvents = map[string]bool{
	events.EventPidfdOpen: true, events.EventPidfdGetfd: true,
	events.EventDup: true, events.EventDup2: true, events.EventDup3: true,
}

// fdFields are the arguments that hold an fd of the caller.
var fdFields = map[string]bool{"pidfd": true, "fd": true, "oldfd": true, "newfd": true}

// shapeOf returns the shape of evs, in timestamp order. The name of the
// test binary (as comm, and in argv) becomes "$test": it may change.
func shapeOf(evs []trace.Event, testBinary string) (shape, error) {
	l := newLabeler(evs, testBinary)
	s := shape{}
	for i := range evs {
		ev := &evs[i]
		proc := l.process(ev.HostProcessID)
		line, err := l.describe(ev, proc)
		if err != nil {
			return nil, fmt.Errorf("event %d (%s): %w", i+1, ev.EventName, err)
		}
		s[proc] = append(s[proc], line)
	}
	return s, nil
}

// labeler names processes and fds.
type labeler struct {
	testBinary string
	procs      map[int]string            // host pid -> label
	nsPids     map[int]map[int]string    // parent's host pid -> child's pid in its namespace -> label
	fds        map[string]map[int]string // process label -> fd -> label
	ext        int
}

// newLabeler labels the processes started in evs p1, p2... in the order of
// their sched_process_fork events.
func newLabeler(evs []trace.Event, testBinary string) *labeler {
	l := &labeler{testBinary: testBinary, procs: map[int]string{}, nsPids: map[int]map[int]string{}, fds: map[string]map[int]string{}}
	for i := range evs {
		ev := &evs[i]
		if ev.EventName != events.EventSchedProcessFork {
			continue
		}
		child, err1 := events.Int64Arg(ev, "child_pid")
		nsPid, err2 := events.Int64Arg(ev, "child_ns_pid")
		if err1 != nil || err2 != nil {
			continue
		}
		label, ok := l.procs[int(child)]
		if !ok {
			label = "p" + strconv.Itoa(len(l.procs)+1)
			l.procs[int(child)] = label
		}
		if nsPid != child {
			// Known to its parent, in the parent's namespace, by this
			// number, which depends on how many threads took numbers
			// before it.
			if l.nsPids[ev.HostProcessID] == nil {
				l.nsPids[ev.HostProcessID] = map[int]string{}
			}
			l.nsPids[ev.HostProcessID][int(nsPid)] = label
		}
	}
	return l
}

// process returns the label of a host pid; a process not started in the
// recording (the recorder itself) is "ext1", "ext2"...
func (l *labeler) process(hostPID int) string {
	if label, ok := l.procs[hostPID]; ok {
		return label
	}
	l.ext++
	label := "ext" + strconv.Itoa(l.ext)
	l.procs[hostPID] = label
	return label
}

func (l *labeler) fd(proc string, fd int64) string {
	if fd < 0 {
		return strconv.FormatInt(fd, 10) // PIDFD_SELF_*, or an invalid fd
	}
	m := l.fds[proc]
	if m == nil {
		m = map[int]string{}
		l.fds[proc] = m
	}
	label, ok := m[int(fd)]
	if !ok {
		label = "fd" + strconv.Itoa(len(m)+1)
		m[int(fd)] = label
	}
	return label
}

// commLen is TASK_COMM_LEN less the terminating NUL.
const commLen = 15

func (l *labeler) describe(ev *trace.Event, proc string) (string, error) {
	comm := ev.ProcessName
	if comm == l.testBinary[:min(commLen, len(l.testBinary))] {
		comm = "$test"
	}
	ctx := fmt.Sprintf(" uid=%d comm=%s", ev.UserID, comm)
	switch ev.EventName {
	case events.EventSchedProcessFork:
		return l.describeFork(ev)
	case events.EventSchedProcessExec:
		argv, _ := events.Arg(ev, "argv")
		args, _ := argv.([]string)
		shown := make([]string, len(args))
		for i, a := range args {
			shown[i] = filepath.Base(a)
			if shown[i] == l.testBinary {
				shown[i] = "$test"
			}
		}
		return fmt.Sprintf("sched_process_exec argv=%q%s", shown, ctx), nil
	case events.EventSchedProcessExit:
		code, err1 := events.Int64Arg(ev, "exit_code")
		sig, err2 := events.Int64Arg(ev, "signal_code")
		return fmt.Sprintf("sched_process_exit exit_code=%d signal_code=%d%s", code, sig, ctx), errors.Join(err1, err2)
	}
	return l.describeSyscall(ev, proc, ctx)
}

func (l *labeler) describeFork(ev *trace.Event) (string, error) {
	child, err1 := events.Int64Arg(ev, "child_pid")
	nsPid, err2 := events.Int64Arg(ev, "child_ns_pid")
	ns := "host"
	switch {
	case nsPid == 1:
		ns = "ns:1" // the first process of a new namespace
	case nsPid != child:
		ns = "ns" // a number that depends on the threads started before
	}
	return fmt.Sprintf("sched_process_fork child=%s child_pid=%s", l.procs[int(child)], ns), errors.Join(err1, err2)
}

func (l *labeler) describeSyscall(ev *trace.Event, proc, ctx string) (string, error) {
	def, ok := events.Lookup(ev.EventName)
	if !ok {
		return "", fmt.Errorf("unknown event")
	}
	var b strings.Builder
	b.WriteString(ev.EventName + "(")
	for i, f := range def.Fields {
		n, err := events.Int64Arg(ev, f.Name)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Name + "=" + l.describeArg(ev, proc, f.Name, n))
	}
	ret, err := events.ReturnValue(ev)
	if err != nil {
		return "", err
	}
	b.WriteString(") = ")
	switch {
	case ret < 0:
		b.WriteString(ret.ErrnoName())
	case fdEvents[ev.EventName]:
		b.WriteString(l.fd(proc, int64(ret)))
	default:
		b.WriteString(strconv.FormatInt(int64(ret), 10))
	}
	return b.String() + ctx, nil
}

func (l *labeler) describeArg(ev *trace.Event, proc, name string, n int64) string {
	switch {
	case fdFields[name] && !(ev.EventName == events.EventPidfdGetfd && name == "targetfd"):
		return l.fd(proc, n)
	case name == "targetfd":
		return "remote" // an fd number in another process
	case name == "info":
		if n == 0 {
			return "NULL"
		}
		return "siginfo" // an address, different in every run
	case ev.EventName == events.EventPidfdOpen && name == "pid":
		if label, ok := l.procs[int(n)]; ok {
			return label
		}
		if label, ok := l.nsPids[ev.HostProcessID][int(n)]; ok {
			return label + " (by its namespaced pid)"
		}
		return "number:" + strconv.FormatInt(n, 10)
	case name == "sig":
		return events.Signal(n).String()
	default:
		return strconv.FormatInt(n, 10)
	}
}

// readRecording decodes a recorded file. Capture's legacy decoder (through
// trace.Argument) does not take arguments of Tracee type "time.Time", which
// v0.24.1 writes for sched_process_fork's start times with uint64 values;
// they are read as the uint64 they hold.
func readRecording(path string) ([]trace.Event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data = bytes.ReplaceAll(data, []byte(`"type":"time.Time"`), []byte(`"type":"uint64"`))
	r := capture.NewReader(bytes.NewReader(data))
	var evs []trace.Event
	for {
		var ev trace.Event
		err := r.Next(&ev)
		if errors.Is(err, io.EOF) {
			return evs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		evs = append(evs, ev)
	}
}
