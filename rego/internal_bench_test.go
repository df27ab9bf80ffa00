package rego

import (
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/open-policy-agent/opa/v1/ast"

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
		_ = inputValue(&ev, &enrichment{call: call, target: tg, resolved: true})
	}
}

// BenchmarkInput is the input the built-in rules get for a call: the same
// call again and again (its sender and target terms are shared), and calls
// from and to processes never seen before.
func BenchmarkInput(b *testing.B) {
	rt, err := New(WithoutEnvironment())
	if err != nil {
		b.Fatal(err)
	}
	ev := trace.Event{EventName: "pidfd_send_signal", HostProcessID: 2000, ProcessID: 2000, UserID: 1000, ProcessName: "bash",
		Executable: trace.File{Path: "/usr/bin/bash"}, PIDNS: 4026531836, ProcessEntityId: 123456789,
		Args: []trace.Argument{
			{ArgMeta: trace.ArgMeta{Name: "pidfd", Type: "int32"}, Value: int32(3)},
			{ArgMeta: trace.ArgMeta{Name: "sig", Type: "int32"}, Value: int32(15)},
			{ArgMeta: trace.ArgMeta{Name: "info", Type: "trace.Pointer"}, Value: trace.Pointer(0)},
			{ArgMeta: trace.ArgMeta{Name: "flags", Type: "uint32"}, Value: uint32(0)},
		}}
	tg := target.Target{Source: target.SourceTracked, HostPID: 2001, PID: 2001, UIDKnown: true, UID: 1000, Comm: "sleep", PidNS: 4026531836}
	for _, distinct := range []bool{false, true} {
		name := "repeated"
		if distinct {
			name = "distinct"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if distinct {
					ev.HostProcessID, tg.HostPID = 100000+i, 200000+int32(i)
				}
				var enr enrichment
				enr.call, _ = events.ParseSendSignal(&ev)
				enr.target, enr.resolved = tg, true
				_ = buildInput(&ev, &enr, rt.reads.enriched)
			}
		})
	}
}

// BenchmarkRuleEval is one rule's evaluation alone, on a call already
// decoded and resolved: the plan machine on a view of it, OPA's evaluator
// on its prebuilt input.
func BenchmarkRuleEval(b *testing.B) {
	ev := trace.Event{EventName: "pidfd_send_signal", HostProcessID: 2000, UserID: 1000, ProcessName: "bash",
		Args: []trace.Argument{
			{ArgMeta: trace.ArgMeta{Name: "pidfd", Type: "int32"}, Value: int32(3)},
			{ArgMeta: trace.ArgMeta{Name: "sig", Type: "int32"}, Value: int32(15)},
			{ArgMeta: trace.ArgMeta{Name: "info", Type: "trace.Pointer"}, Value: trace.Pointer(0)},
			{ArgMeta: trace.ArgMeta{Name: "flags", Type: "uint32"}, Value: uint32(0)},
		}}
	call, _ := events.ParseSendSignal(&ev)
	tg := target.Target{Source: target.SourceTracked, HostPID: 2001, UIDKnown: true, UID: 1000}
	enr := enrichment{call: call, target: tg, resolved: true}
	input := ast.NewTerm(inputValue(&ev, &enr))
	for _, eng := range []struct {
		name string
		opts []Option
	}{{EnginePlan, nil}, {EngineTopdown, []Option{WithTopdown()}}} {
		rt, err := New(append([]Option{WithoutEnvironment()}, eng.opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range rt.Rules() {
			b.Run(s.rule.meta.ID+"/"+eng.name, func(b *testing.B) {
				d := newDeadline(time.Second, rt.budget)
				e := newEvaluator(s.rule, d, time.Second, rt.budget)
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					var err error
					if s.rule.plan != nil {
						e.view.reset(&ev, &enr, rt.reads.enriched)
						_, err = e.evalPlan(rt.data, nil)
					} else {
						d.arm()
						_, err = e.eval(input)
						d.disarm()
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
