package target_test

import (
	"encoding/json"
	"fmt"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

// event builds a system-call event of process pid (uid, name) in the initial
// pid namespace, as Tracee delivers it to a signature.
func event(ts, pid, uid int, comm, name string, ret int64, args ...trace.Argument) trace.Event {
	return trace.Event{
		Timestamp: ts, EventName: name, UserID: uid, ProcessName: comm, PIDNS: 4026531836,
		ProcessID: pid, ThreadID: pid, HostProcessID: pid, HostThreadID: pid,
		Args: append(args, trace.Argument{ArgMeta: trace.ArgMeta{Name: events.ReturnValueField}, Value: ret}),
	}
}

func arg(name string, v any) trace.Argument {
	return trace.Argument{ArgMeta: trace.ArgMeta{Name: name}, Value: v}
}

func ExampleTracker() {
	tracker := target.NewTracker()

	stream := []trace.Event{
		// The audit daemon, uid 0, shows up in the stream.
		event(1000, 812, 0, "auditd", "getpid", 812),
		// A process of uid 1000 opens a pidfd to it (fd 3) and kills it.
		event(2000, 4242, 1000, "evil", events.EventPidfdOpen, 3, arg("pid", int32(812)), arg("flags", uint32(0))),
		event(3000, 4242, 1000, "evil", events.EventPidfdSendSignal, 0,
			arg("pidfd", int32(3)), arg("sig", int32(9)), arg("info", trace.Pointer(0)), arg("flags", uint32(0))),
	}
	for i := range stream {
		ev := &stream[i]
		tracker.Observe(ev) // every event, in order
		if ev.EventName != events.EventPidfdSendSignal {
			continue
		}
		call, err := events.ParseSendSignal(ev)
		if err != nil {
			panic(err)
		}
		tg := tracker.Resolve(ev, &call)
		fmt.Printf("%s pid %d (%s, uid %d) via %s, cross-user: %v\n",
			call.Signal, tg.HostPID, tg.Comm, tg.UID, tg.Source, tg.UIDKnown && tg.UID != call.Sender.UID)
		b, _ := json.Marshal(tg)
		fmt.Println(string(b))
	}
	// Output:
	// SIGKILL pid 812 (auditd, uid 0) via tracked, cross-user: true
	// {"source":"tracked","host_pid":812,"pid":812,"thread":false,"uid":0,"comm":"auditd","pid_ns":4026531836,"is_sender":false,"exited":false}
}
