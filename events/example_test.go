package events_test

import (
	"errors"
	"fmt"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
)

func ExampleParseSendSignal() {
	// A pidfd_send_signal event as a Tracee plugin receives it: flags 8 is
	// not a flag the kernel knows, so the call failed with EINVAL.
	ev := trace.Event{
		EventName:     events.EventPidfdSendSignal,
		HostProcessID: 32234,
		UserID:        0,
		ProcessName:   "pidfd-trigger",
		Args: []trace.Argument{
			{ArgMeta: trace.ArgMeta{Name: "pidfd", Type: "int32"}, Value: int32(3)},
			{ArgMeta: trace.ArgMeta{Name: "sig", Type: "int32"}, Value: int32(10)},
			{ArgMeta: trace.ArgMeta{Name: "info", Type: "trace.Pointer"}, Value: trace.Pointer(0)},
			{ArgMeta: trace.ArgMeta{Name: "flags", Type: "uint32"}, Value: uint32(8)},
			{ArgMeta: trace.ArgMeta{Name: "returnValue", Type: "int64"}, Value: int64(-22)},
		},
	}

	call, err := events.ParseSendSignal(&ev)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(call.Sender.Comm, "sent", call.Signal, "through pidfd", call.PidFD)
	fmt.Println("info:", call.Info, "flags:", call.Flags, "scope:", call.Scope())
	fmt.Println("result:", call.Result, "EINVAL:", call.Result.Is(events.EINVAL))

	// A value that is not a number is an *ArgError naming event and argument.
	ev.Args[1].Value = "SIGKILL"
	_, err = events.ParseSendSignal(&ev)
	fmt.Println(err)
	fmt.Println(errors.Is(err, events.ErrArgSyntax))
	// Output:
	// pidfd-trigger sent SIGUSR1 through pidfd 3
	// info: NULL flags: 0x8 scope: invalid
	// result: EINVAL EINVAL: true
	// event pidfd_send_signal: argument sig: argument is not a number: string(SIGKILL)
	// true
}

func ExampleFlags() {
	for _, f := range []events.Flags{0, events.PIDFD_SIGNAL_PROCESS_GROUP, 3, 9} {
		fmt.Printf("%-48s valid=%-5v unknown=%#x multiple=%v\n", f, f.Valid(), uint32(f.Unknown()), f.MultipleScopes())
	}
	// Output:
	// 0                                                valid=true  unknown=0x0 multiple=false
	// PIDFD_SIGNAL_PROCESS_GROUP                       valid=true  unknown=0x0 multiple=false
	// PIDFD_SIGNAL_THREAD|PIDFD_SIGNAL_THREAD_GROUP    valid=false unknown=0x0 multiple=true
	// PIDFD_SIGNAL_THREAD|0x8                          valid=false unknown=0x8 multiple=false
}

func ExampleSignal_String() {
	for _, s := range []events.Signal{0, events.SIGKILL, events.SIGRTMIN + 3, events.SIGRTMAX, 99} {
		fmt.Printf("%d %s %s\n", int32(s), s, s.DefaultAction())
	}
	// Output:
	// 0 SIG0 none
	// 9 SIGKILL terminate
	// 35 SIGRTMIN+3 terminate
	// 64 SIGRTMAX terminate
	// 99 SIGINVALID(99) none
}

func ExampleEffectiveScope() {
	fmt.Println(events.EffectiveScope(0, 3))
	fmt.Println(events.EffectiveScope(0, events.PIDFD_SELF_THREAD))
	fmt.Println(events.EffectiveScope(events.PIDFD_SIGNAL_PROCESS_GROUP, 3))
	fmt.Println(events.EffectiveScope(events.PIDFD_SIGNAL_THREAD|events.PIDFD_SIGNAL_THREAD_GROUP, 3))
	// Output:
	// pidfd
	// thread
	// process_group
	// invalid
}
