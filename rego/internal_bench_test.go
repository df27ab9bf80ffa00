package rego

import (
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

func BenchmarkInputValue(b *testing.B) {
	ev := trace.Event{EventName: "pidfd_send_signal", HostProcessID: 2000, UserID: 1000, ProcessName: "bash", Timestamp: 1795741955263366239,
		Args: []trace.Argument{
			{ArgMeta: trace.ArgMeta{Name: "pidfd", Type: "int32"}, Value: int32(3)},
			{ArgMeta: trace.ArgMeta{Name: "sig", Type: "int32"}, Value: int32(15)},
			{ArgMeta: trace.ArgMeta{Name: "info", Type: "trace.Pointer"}, Value: trace.Pointer(0)},
			{ArgMeta: trace.ArgMeta{Name: "flags", Type: "uint32"}, Value: uint32(0)},
		}}
	call, _ := events.ParseSendSignal(&ev)
	tg := target.Target{Source: target.SourceTracked, HostPID: 2001, UIDKnown: true, UID: 1000}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = inputValue(&ev, &enrichment{call: &call, target: &tg})
	}
}

// BenchmarkRuleEval is one rule's evaluation alone, on a prebuilt input.
func BenchmarkRuleEval(b *testing.B) {
	rt, err := New(WithoutEnvironment())
	if err != nil {
		b.Fatal(err)
	}
	ev := trace.Event{EventName: "pidfd_send_signal", HostProcessID: 2000, UserID: 1000, ProcessName: "bash",
		Args: []trace.Argument{
			{ArgMeta: trace.ArgMeta{Name: "pidfd", Type: "int32"}, Value: int32(3)},
			{ArgMeta: trace.ArgMeta{Name: "sig", Type: "int32"}, Value: int32(15)},
			{ArgMeta: trace.ArgMeta{Name: "info", Type: "trace.Pointer"}, Value: trace.Pointer(0)},
			{ArgMeta: trace.ArgMeta{Name: "flags", Type: "uint32"}, Value: uint32(0)},
		}}
	call, _ := events.ParseSendSignal(&ev)
	tg := target.Target{Source: target.SourceTracked, HostPID: 2001, UIDKnown: true, UID: 1000}
	input := inputValue(&ev, &enrichment{call: &call, target: &tg})
	for _, s := range rt.Rules() {
		b.Run(s.rule.meta.ID, func(b *testing.B) {
			d := newDeadline(time.Second)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				d.arm()
				if _, err := s.rule.eval(input, d); err != nil {
					b.Fatal(err)
				}
				d.disarm()
			}
		})
	}
}
