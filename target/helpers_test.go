package target

import (
	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
)

// initPidNS is the initial pid namespace inode, as Tracee reports it.
const initPidNS = 4026531836

// actor is a thread that emits events: its event context.
type actor struct {
	hostPID, hostTID int
	pid, tid         int // in its own pid namespace
	uid              int
	pidNS            int
	comm             string
	container        string
}

// hostProc returns the main thread of a process in the initial namespace.
func hostProc(pid, uid int, comm string) actor {
	return actor{hostPID: pid, hostTID: pid, pid: pid, tid: pid, uid: uid, pidNS: initPidNS, comm: comm}
}

// nsProc returns the main thread of a process in pid namespace ns.
func nsProc(hostPID, nsPID, ns, uid int, comm string) actor {
	return actor{hostPID: hostPID, hostTID: hostPID, pid: nsPID, tid: nsPID, uid: uid, pidNS: ns, comm: comm, container: "c0ffee"}
}

// thread returns another thread of a's process.
func (a actor) thread(hostTID, tid int) actor {
	a.hostTID, a.tid = hostTID, tid
	return a
}

// as returns a with another uid (after a credential change).
func (a actor) as(uid int) actor {
	a.uid = uid
	return a
}

func arg(name string, v any) trace.Argument {
	return trace.Argument{ArgMeta: trace.ArgMeta{Name: name}, Value: v}
}

// base builds an event of a without arguments.
func (a actor) base(name string) trace.Event {
	return trace.Event{
		ProcessID:     a.pid,
		ThreadID:      a.tid,
		HostProcessID: a.hostPID,
		HostThreadID:  a.hostTID,
		UserID:        a.uid,
		PIDNS:         a.pidNS,
		ProcessName:   a.comm,
		Executable:    trace.File{Path: "/usr/bin/" + a.comm},
		Container:     trace.Container{ID: a.container},
		EventName:     name,
	}
}

// syscall builds a system-call event as Tracee's main branch delivers it
// inside a plugin: typed arguments and a trailing int64 returnValue.
func (a actor) syscall(name string, ret int64, args ...trace.Argument) trace.Event {
	ev := a.base(name)
	ev.Args = append(args, arg(events.ReturnValueField, ret))
	ev.ArgsNum = len(ev.Args)
	ev.ReturnValue = int(ret)
	return ev
}

// legacy turns an event into Tracee v0.24.1's form: the result only in the
// ReturnValue field.
func legacy(ev trace.Event) trace.Event {
	var args []trace.Argument
	for _, a := range ev.Args {
		if a.Name != events.ReturnValueField {
			args = append(args, a)
		}
	}
	ev.Args, ev.ArgsNum = args, len(args)
	return ev
}

func (a actor) other() trace.Event { return a.syscall("getpid", int64(a.pid)) }

func (a actor) pidfdOpen(pid int32, flags uint32, ret int64) trace.Event {
	return a.syscall(events.EventPidfdOpen, ret, arg("pid", pid), arg("flags", flags))
}

func (a actor) send(fd, sig int32, ret int64) trace.Event {
	return a.syscall(events.EventPidfdSendSignal, ret,
		arg("pidfd", fd), arg("sig", sig), arg("info", trace.Pointer(0)), arg("flags", uint32(0)))
}

func (a actor) close(fd int32, ret int64) trace.Event {
	return a.syscall(events.EventClose, ret, arg("fd", fd))
}

func (a actor) closeRange(first, last uint32) trace.Event {
	return a.syscall(events.EventCloseRange, 0, arg("first", first), arg("last", last))
}

func (a actor) dup(oldFD int32, ret int64) trace.Event {
	return a.syscall(events.EventDup, ret, arg("oldfd", oldFD))
}

func (a actor) dup2(oldFD, newFD int32, ret int64) trace.Event {
	return a.syscall(events.EventDup2, ret, arg("oldfd", oldFD), arg("newfd", newFD))
}

func (a actor) dup3(oldFD, newFD, flags int32, ret int64) trace.Event {
	return a.syscall(events.EventDup3, ret, arg("oldfd", oldFD), arg("newfd", newFD), arg("flags", flags))
}

func (a actor) fcntl(fd, cmd int32, farg uint64, ret int64) trace.Event {
	return a.syscall(events.EventFcntl, ret, arg("fd", fd), arg("cmd", cmd), arg("arg", farg))
}

func (a actor) pidfdGetfd(pidfd, targetFD int32, ret int64) trace.Event {
	return a.syscall(events.EventPidfdGetfd, ret, arg("pidfd", pidfd), arg("targetfd", targetFD), arg("flags", uint32(0)))
}

func (a actor) setuid(uid int32) trace.Event {
	return a.syscall(events.EventSetuid, 0, arg("uid", uid))
}

func (a actor) setresuid(r, e, s int32) trace.Event {
	return a.syscall(events.EventSetresuid, 0, arg("ruid", r), arg("euid", e), arg("suid", s))
}

// fork builds sched_process_fork emitted by parent for child.
func (a actor) fork(child actor) trace.Event {
	ev := a.base(events.EventSchedProcessFork)
	ev.Args = []trace.Argument{
		arg("parent_tid", int32(a.hostTID)), arg("parent_ns_tid", int32(a.tid)),
		arg("parent_pid", int32(a.hostPID)), arg("parent_ns_pid", int32(a.pid)),
		arg("child_tid", int32(child.hostTID)), arg("child_ns_tid", int32(child.tid)),
		arg("child_pid", int32(child.hostPID)), arg("child_ns_pid", int32(child.pid)),
	}
	ev.ArgsNum = len(ev.Args)
	return ev
}

// exec builds sched_process_exec of a binary with the given mode.
func (a actor) exec(mode uint16) trace.Event {
	ev := a.base(events.EventSchedProcessExec)
	ev.Args = []trace.Argument{arg("pathname", "/usr/bin/"+a.comm), arg("inode_mode", mode)}
	ev.ArgsNum = len(ev.Args)
	return ev
}

// exit builds sched_process_exit of a's thread; group: the whole process.
func (a actor) exit(group bool) trace.Event {
	ev := a.base(events.EventSchedProcessExit)
	ev.Args = []trace.Argument{arg("exit_code", int32(0)), arg("signal_code", int32(0)), arg("process_group_exit", group)}
	ev.ArgsNum = len(ev.Args)
	return ev
}

// stamped gives the events increasing timestamps, 1000 ns apart.
func stamped(evs ...trace.Event) []trace.Event {
	for i := range evs {
		evs[i].Timestamp = 1_000_000 + 1000*(i+1)
	}
	return evs
}

// resolveEvent parses a pidfd_send_signal event and resolves it.
func resolveEvent(t *Tracker, ev *trace.Event) Target {
	call, err := events.ParseSendSignal(ev)
	if err != nil {
		panic(err)
	}
	return t.Resolve(ev, &call)
}
