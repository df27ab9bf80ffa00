//go:build linux

package kernelrec

import (
	"errors"
	"fmt"
	"math"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
)

// Errors of the event builders, for errors.Is.
var (
	// ErrUnknownEvent: no events.Definition has that name.
	ErrUnknownEvent = errors.New("unknown event")
	// ErrArgCount: the values do not match the definition's fields.
	ErrArgCount = errors.New("wrong number of arguments")
	// ErrArgValue: a value does not fit its field's Tracee type.
	ErrArgValue = errors.New("argument does not fit its type")
)

// lookup returns the definition of event name.
func lookup(name string) (events.Definition, error) {
	def, ok := events.Lookup(name)
	if !ok {
		return events.Definition{}, fmt.Errorf("%w %q", ErrUnknownEvent, name)
	}
	return def, nil
}

// FromReport returns the event a report describes.
func FromReport(r *Report) (trace.Event, error) {
	switch r.Kind {
	case KindCall:
		if r.Call == nil {
			return trace.Event{}, fmt.Errorf("call report without a call")
		}
		return SyscallEvent(r.Task, *r.Call)
	case KindFork:
		if r.Child == nil {
			return trace.Event{}, fmt.Errorf("fork report without a child")
		}
		return ForkEvent(r.Task, *r.Child, r.Time, r.CPU)
	case KindExec:
		if r.Exec == nil {
			return trace.Event{}, fmt.Errorf("exec report without exec details")
		}
		return ExecEvent(r.Task, *r.Exec, r.Time)
	case KindExit:
		if r.Exit == nil {
			return trace.Event{}, fmt.Errorf("exit report without exit details")
		}
		return ExitEvent(r.Task, *r.Exit, r.Time)
	default:
		return trace.Event{}, fmt.Errorf("report kind %q: %w", r.Kind, ErrUnknownEvent)
	}
}

// SyscallEvent returns the Tracee event of system call c made by t: the
// integer arguments converted to the Go types of the definition's fields,
// the result in ReturnValue, userId and processorId from c.
func SyscallEvent(t Task, c Call) (trace.Event, error) {
	def, err := lookup(c.Event)
	if err != nil {
		return trace.Event{}, err
	}
	if len(c.Args) != len(def.Fields) {
		return trace.Event{}, fmt.Errorf("%s: %w: got %d, want %d", def.Name, ErrArgCount, len(c.Args), len(def.Fields))
	}
	args := make([]trace.Argument, len(def.Fields))
	for i, f := range def.Fields {
		v, err := intValue(f.Type, c.Args[i])
		if err != nil {
			return trace.Event{}, fmt.Errorf("%s: argument %s: %w", def.Name, f.Name, err)
		}
		args[i] = trace.Argument{ArgMeta: trace.ArgMeta{Name: f.Name, Type: f.Type}, Value: v}
	}
	ev := newEvent(def, t, c.Time, c.CPU, c.UID, def.Name)
	ev.Args, ev.ArgsNum, ev.ReturnValue = args, len(args), int(c.Ret)
	return ev, nil
}

// ForkEvent returns sched_process_fork for parent (the thread that called
// clone) starting the new process child, at time ts on CPU cpu. The
// parent_process_* fields name the parent's thread group leader and the
// leader_* fields the child's own leader: itself, as a new process.
func ForkEvent(parent, child Task, ts int64, cpu int32) (trace.Event, error) {
	return typedEvent(events.EventSchedProcessFork, parent, ts, cpu, parent.UID, syscallOfFork, map[string]any{
		"parent_tid":                parent.HostTID,
		"parent_ns_tid":             parent.TID,
		"parent_pid":                parent.HostPID,
		"parent_ns_pid":             parent.PID,
		"parent_start_time":         uint64(parent.StartTime),
		"child_tid":                 child.HostTID,
		"child_ns_tid":              child.TID,
		"child_pid":                 child.HostPID,
		"child_ns_pid":              child.PID,
		"start_time":                uint64(child.StartTime),
		"parent_process_tid":        parent.HostPID,
		"parent_process_ns_tid":     parent.PID,
		"parent_process_pid":        parent.HostPID,
		"parent_process_ns_pid":     parent.PID,
		"parent_process_start_time": uint64(parent.LeaderStartTime),
		"leader_tid":                child.HostPID,
		"leader_ns_tid":             child.PID,
		"leader_pid":                child.HostPID,
		"leader_ns_pid":             child.PID,
		"leader_start_time":         uint64(child.LeaderStartTime),
	})
}

// syscallOfFork is the system call Go's syscall.StartProcess forks with
// (clone with CLONE_VFORK|CLONE_VM; clone3 only for cgroup fds and time
// namespaces, which the recorder does not use).
const syscallOfFork = "clone"

// ExecEvent returns sched_process_exec for t, the process after its exec.
// env stays empty: Tracee fills it only with --options exec-env.
func ExecEvent(t Task, x ExecInfo, ts int64) (trace.Event, error) {
	return typedEvent(events.EventSchedProcessExec, t, ts, t.CPU, t.UID, "execve", map[string]any{
		"cmdpath":              x.CmdPath,
		"pathname":             x.PathName,
		"dev":                  x.Dev,
		"inode":                x.Inode,
		"ctime":                x.Ctime,
		"inode_mode":           x.Mode,
		"interpreter_pathname": x.InterpreterPath,
		"interpreter_dev":      x.InterpreterDev,
		"interpreter_inode":    x.InterpreterInode,
		"interpreter_ctime":    x.InterpreterCtime,
		"argv":                 x.Argv,
		"interp":               x.Interp,
		"stdin_type":           x.StdinType,
		"stdin_path":           x.StdinPath,
		"invoked_from_kernel":  false,
		"prev_comm":            x.PrevComm,
		"env":                  []string(nil),
		"pwd":                  x.Pwd,
	})
}

// ExitEvent returns sched_process_exit for t. The recorder records a
// process's exit once, as its last thread's (process_group_exit true).
func ExitEvent(t Task, x ExitInfo, ts int64) (trace.Event, error) {
	return typedEvent(events.EventSchedProcessExit, t, ts, t.CPU, t.UID, x.Syscall, map[string]any{
		"exit_code":          x.Code,
		"signal_code":        x.Signal,
		"process_group_exit": true,
	})
}

// typedEvent builds an event whose arguments are given by name, checking
// that they are exactly the definition's fields, with Go types that match
// Tracee's type names.
func typedEvent(name string, t Task, ts int64, cpu int32, uid uint32, syscall string, values map[string]any) (trace.Event, error) {
	def, err := lookup(name)
	if err != nil {
		return trace.Event{}, err
	}
	if len(values) != len(def.Fields) {
		return trace.Event{}, fmt.Errorf("%s: %w: got %d, want %d", name, ErrArgCount, len(values), len(def.Fields))
	}
	args := make([]trace.Argument, len(def.Fields))
	for i, f := range def.Fields {
		v, ok := values[f.Name]
		if !ok {
			return trace.Event{}, fmt.Errorf("%s: %w: no value for %s", name, ErrArgCount, f.Name)
		}
		if !fitsType(f.Type, v) {
			return trace.Event{}, fmt.Errorf("%s: argument %s: %w: %T is not %s", name, f.Name, ErrArgValue, v, f.Type)
		}
		args[i] = trace.Argument{ArgMeta: trace.ArgMeta{Name: f.Name, Type: f.Type}, Value: v}
	}
	ev := newEvent(def, t, ts, cpu, uid, syscall)
	ev.Args, ev.ArgsNum = args, len(args)
	return ev, nil
}

// fitsType reports whether v has the Go type Tracee uses for type name
// typ. "time.Time" fields hold uint64 nanoseconds since the epoch: Tracee
// declares them so but fills them with time.BootToEpochNS's uint64.
func fitsType(typ string, v any) bool {
	switch v.(type) {
	case int32:
		return typ == "int32"
	case uint32:
		return typ == "uint32"
	case uint16:
		return typ == "uint16"
	case uint64:
		return typ == "uint64" || typ == "time.Time"
	case int64:
		return typ == "int64"
	case trace.Pointer:
		return typ == "trace.Pointer"
	case string:
		return typ == "string"
	case []string:
		return typ == "[]string"
	case bool:
		return typ == "bool"
	default:
		return false
	}
}

// intValue converts a system call argument to the Go type of Tracee type
// typ, refusing values out of its range.
func intValue(typ string, n int64) (any, error) {
	switch typ {
	case "int32":
		if n < math.MinInt32 || n > math.MaxInt32 {
			return nil, fmt.Errorf("%w: %d is not an int32", ErrArgValue, n)
		}
		return int32(n), nil
	case "uint32":
		if n < 0 || n > math.MaxUint32 {
			return nil, fmt.Errorf("%w: %d is not a uint32", ErrArgValue, n)
		}
		return uint32(n), nil
	case "int64":
		return n, nil
	case "uint64", "trace.Pointer":
		if n < 0 {
			return nil, fmt.Errorf("%w: %d is not a %s", ErrArgValue, n, typ)
		}
		if typ == "uint64" {
			return uint64(n), nil
		}
		return trace.Pointer(n), nil
	default:
		return nil, fmt.Errorf("%w: type %s is not an integer", ErrArgValue, typ)
	}
}

// newEvent fills the event context Tracee attaches to every event of t,
// with the v0.24.1 event id; Recorder.WriteJSONL switches ids per format.
func newEvent(def events.Definition, t Task, ts int64, cpu int32, uid uint32, syscall string) trace.Event {
	return trace.Event{
		Timestamp:           int(ts),
		ThreadStartTime:     int(t.StartTime),
		ProcessorID:         int(cpu),
		ProcessID:           int(t.PID),
		CgroupID:            uint(t.CgroupID),
		ThreadID:            int(t.TID),
		ParentProcessID:     int(t.PPID),
		HostProcessID:       int(t.HostPID),
		HostThreadID:        int(t.HostTID),
		HostParentProcessID: int(t.HostPPID),
		UserID:              int(uid),
		MountNS:             int(t.MntNS),
		PIDNS:               int(t.PidNS),
		ProcessName:         t.Comm,
		Executable:          trace.File{Path: t.Exe},
		HostName:            t.HostName,
		EventID:             int(def.LegacyID),
		EventName:           def.Name,
		MatchedPolicies:     []string{""}, // the default policy, as in the real captures
		Syscall:             syscall,
		ThreadEntityId:      EntityID(uint32(t.HostTID), uint64(t.StartTime)),
		ProcessEntityId:     EntityID(uint32(t.HostPID), uint64(t.LeaderStartTime)),
		ParentEntityId:      EntityID(uint32(t.HostPPID), uint64(t.ParentStartTime)),
	}
}
