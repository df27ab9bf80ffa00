package capture_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/capture"
)

// A capture mixing both formats, and a line Tracee never finished writing.
const mixed = `{"timestamp":1795741955263366239,"processId":32234,"hostProcessId":32234,"userId":0,"processName":"pidfd-trigger","eventId":"424","eventName":"pidfd_send_signal","argsNum":4,"returnValue":-3,"syscall":"pidfd_send_signal","args":[{"name":"pidfd","type":"int32","value":3},{"name":"sig","type":"int32","value":10},{"name":"info","type":"trace.Pointer","value":0},{"name":"flags","type":"uint32","value":0}]}
{"timestamp":"2026-11-27T01:00:20.988728032Z","id":336,"name":"pidfd_send_signal","workload":{"process":{"host_pid":19483,"pid":19483,"real_user":{"id":0},"thread":{"name":"pidfd-trigger","syscall":"pidfd_send_signal"}}},"data":[{"name":"pidfd","int32":3},{"name":"sig","int32":10},{"name":"info","pointer":"0"},{"name":"flags","u_int32":0},{"name":"returnValue","int64":"-3"}]}
{"timestamp":"2026-11-27T01:00:21Z","id":336,"name":"pidfd_send_sig
`

func ExampleReader() {
	r := capture.NewReader(strings.NewReader(mixed))
	for {
		var ev trace.Event
		err := r.Next(&ev)
		if errors.Is(err, io.EOF) {
			break
		}
		var lerr *capture.LineError
		if errors.As(err, &lerr) {
			fmt.Println("skipped:", lerr.Line, errors.Is(err, capture.ErrNotJSON))
			continue
		}
		if err != nil {
			panic(err)
		}
		sig, _ := trace.ArgVal[int32](ev.Args, "sig")
		fmt.Printf("line %d: %s pid %d sig %d returned %d\n", r.Line(), ev.EventName, ev.HostProcessID, sig, ev.ReturnValue)
	}
	fmt.Printf("%+v\n", r.Stats())
	// Output:
	// line 1: pidfd_send_signal pid 32234 sig 10 returned -3
	// line 2: pidfd_send_signal pid 19483 sig 10 returned -3
	// skipped: 3 true
	// {Lines:3 Blank:0 Events:2 BadLines:1 Legacy:1 Proto:1}
}

func ExampleDecode() {
	line := []byte(`{"timestamp":"2026-11-27T01:00:20Z","id":336,"name":"pidfd_send_signal","data":[{"name":"pidfd","int32":3},{"name":"info","pointer":"140735183757104"},{"name":"returnValue","int64":"-1"}]}`)
	var ev trace.Event
	format, err := capture.Decode(line, &ev)
	if err != nil {
		panic(err)
	}
	fmt.Println(format, ev.EventName, ev.ReturnValue)
	for _, a := range ev.Args {
		fmt.Printf("%s %s %T %v\n", a.Name, a.Type, a.Value, a.Value)
	}
	// Output:
	// proto pidfd_send_signal -1
	// pidfd int32 int32 3
	// info trace.Pointer trace.Pointer 140735183757104
	// returnValue int64 int64 -1
}

func ExampleEncodeProto() {
	ev := trace.Event{
		Timestamp: 1795741220988728032,
		EventID:   336,
		EventName: "pidfd_send_signal",
		Syscall:   "pidfd_send_signal",
		Args: []trace.Argument{
			{ArgMeta: trace.ArgMeta{Name: "pidfd", Type: "int32"}, Value: int32(3)},
			{ArgMeta: trace.ArgMeta{Name: "flags", Type: "uint32"}, Value: uint32(0)},
		},
		ReturnValue: -1,
	}
	line, err := capture.EncodeProto(&ev)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(line))
	// Output:
	// {"timestamp":"2026-11-27T01:00:20.988728032Z","id":336,"name":"pidfd_send_signal","workload":{"process":{"executable":{"path":""},"unique_id":0,"host_pid":0,"pid":0,"real_user":{"id":0},"thread":{"name":"","unique_id":0,"host_tid":0,"tid":0,"syscall":"pidfd_send_signal"}}},"data":[{"name":"pidfd","int32":3},{"name":"flags","u_int32":0},{"name":"returnValue","int64":"-1"}]}
}
