package signatures_test

import (
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/protocol"
	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// benchCase is a signature with an event it reports and the target the
// event is resolved to.
type benchCase struct {
	id     string
	config func(*signatures.Config)
	event  func(i int) trace.Event
	target target.Target
}

var benchCases = []benchCase{
	{id: signatures.IDCrossUserSignal, target: targetOf(rootDaemon),
		event: func(i int) trace.Event { return sendEvent(mallory, call{pidfd: 3, sig: events.SIGTERM, result: -1}, i) }},
	{id: signatures.IDUnusualFlags, target: targetOf(aliceChild),
		event: func(i int) trace.Event {
			return sendEvent(mallory, call{pidfd: 3, sig: events.SIGUSR1, flags: 8, result: -22}, i)
		}},
	{id: signatures.IDForgedSiginfo, target: targetOf(aliceChild),
		event: func(i int) trace.Event {
			return sendEvent(alice, call{pidfd: 3, sig: events.SIGUSR1, info: 0x7ffd0000, result: -1}, i)
		}},
	{id: signatures.IDSignalProbe, target: unknownTarget,
		// Threshold 1 and a 1ns window: every probe completes the pattern.
		config: func(c *signatures.Config) {
			c.SignalProbe.Threshold = 1
			c.SignalProbe.Window = 1
		},
		event: func(i int) trace.Event { return sendEvent(mallory, call{pidfd: 3, sig: 0, result: -1}, 10*i) }},
	{id: signatures.IDSecurityToolKill, target: targetOf(falco),
		event: func(i int) trace.Event { return sendEvent(rootShell, call{pidfd: 3, sig: events.SIGKILL}, i) }},
	{id: signatures.IDContainerEscapeSignal, target: targetOf(rootDaemon),
		event: func(i int) trace.Event { return sendEvent(inHostPIDCt, call{pidfd: 3, sig: events.SIGKILL}, i) }},
}

// benchSignature builds and starts the signature of bc resolving to t.
func benchSignature(b *testing.B, bc benchCase, t target.Target) (detect.Signature, *int) {
	cfg := signatures.DefaultConfig()
	if bc.config != nil {
		bc.config(&cfg)
	}
	s, err := constructors[bc.id](cfg, signatures.WithResolver(&fixedResolver{t: t}))
	if err != nil {
		b.Fatal(err)
	}
	var n int
	if err := s.Init(detect.SignatureContext{Callback: func(*detect.Finding) { n++ }}); err != nil {
		b.Fatal(err)
	}
	return s, &n
}

// BenchmarkBenign measures the common case: a call no signature reports
// (os/exec killing its own child), through payload check, parse, resolve
// and match. Goal: <= 200 ns and no allocation.
func BenchmarkBenign(b *testing.B) {
	ev := sendEvent(aliceGo, call{pidfd: 7, sig: events.SIGKILL}, 1).ToProtocol()
	for _, bc := range benchCases {
		b.Run(bc.id, func(b *testing.B) {
			s, n := benchSignature(b, bc, targetOf(aliceChild))
			b.ReportAllocs()
			for b.Loop() {
				_ = s.OnEvent(ev)
			}
			if *n != 0 {
				b.Fatalf("%d findings on a benign call", *n)
			}
		})
	}
}

// BenchmarkFiring measures a call each signature reports, finding included.
// PFD-4's events are boxed in the loop (one allocation of the benchmark's
// own) so that event time moves past its window.
func BenchmarkFiring(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.id, func(b *testing.B) {
			s, n := benchSignature(b, bc, bc.target)
			ev := bc.event(1)
			pev := ev.ToProtocol()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if bc.id == signatures.IDSignalProbe {
					ev.Timestamp = 10 * i
					pev = ev.ToProtocol()
				}
				_ = s.OnEvent(pev)
			}
			if *n != i {
				b.Fatalf("%d findings for %d calls", *n, i)
			}
		})
	}
}

// BenchmarkCompanionEvent measures an event the signatures only pass to the
// resolver (a pidfd_open).
func BenchmarkCompanionEvent(b *testing.B) {
	ev := contextEvent(alice, events.EventPidfdOpen, 1).ToProtocol()
	s, _ := benchSignature(b, benchCases[0], unknownTarget)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.OnEvent(ev)
	}
}

// BenchmarkBenignWithTracker measures one benign event handed, as Tracee
// does, to all six signatures sharing a real target.Tracker: the Go
// runtime's self-probe on a pidfd the tracker saw opened. ns/op is per
// event, all six signatures included.
func BenchmarkBenignWithTracker(b *testing.B) {
	tr := target.NewTracker()
	sigs, err := signatures.New(signatures.DefaultConfig(), signatures.WithResolver(tr))
	if err != nil {
		b.Fatal(err)
	}
	open := contextEvent(aliceGo, events.EventPidfdOpen, 1)
	open.ReturnValue = 3
	open.Args = []trace.Argument{
		{ArgMeta: trace.ArgMeta{Name: "pid", Type: "int32"}, Value: int32(aliceGo.pid)},
		{ArgMeta: trace.ArgMeta{Name: "flags", Type: "uint32"}, Value: uint32(0)},
	}
	for _, s := range sigs {
		if err := s.Init(detect.SignatureContext{Callback: func(*detect.Finding) { b.Fatal("finding") }}); err != nil {
			b.Fatal(err)
		}
		_ = s.OnEvent(open.ToProtocol())
	}
	probes := make([]protocol.Event, 1024)
	for i := range probes {
		probes[i] = sendEvent(aliceGo, call{pidfd: 3, sig: 0}, 2+i).ToProtocol()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ev := probes[i%len(probes)]
		for _, s := range sigs {
			_ = s.OnEvent(ev)
		}
		i++
	}
}

// BenchmarkAllSignaturesBenign measures one benign event handed, as Tracee
// does, to all six signatures built by New around a real target.Tracker,
// through a pidfd the tracker saw opened:
//
//   - kill-child: os/exec killing the child it started. Two rules may
//     apply (PFD-1, and PFD-5, which looks the known child up in its list
//     of agents), so two signatures resolve the call.
//   - root-probe: a root process probing its own child with signal 0, the
//     call of the overhead benchmarks' load. No rule applies, so the five
//     signatures after the first are dismissed without a lock.
//
// ns/op is per event, all six signatures included.
func BenchmarkAllSignaturesBenign(b *testing.B) {
	rootParent := rootShell
	rootChild := aliceChild
	rootChild.hostPID, rootChild.pid, rootChild.entity, rootChild.uid = 3001, 3001, 3001, 0
	cases := []struct {
		name          string
		parent, child proc
		sig           events.Signal
	}{
		{name: "kill-child", parent: aliceGo, child: aliceChild, sig: events.SIGKILL},
		{name: "root-probe", parent: rootParent, child: rootChild, sig: 0},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			benchAllSignatures(b, bc.parent, bc.child, bc.sig)
		})
	}
}

// benchAllSignatures hands the six signatures parent's signal sig to the
// child it started, through a pidfd, in a loop.
func benchAllSignatures(b *testing.B, parent, child proc, sig events.Signal) {
	tr := target.NewTracker()
	sigs, err := signatures.New(signatures.DefaultConfig(), signatures.WithResolver(tr))
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range sigs {
		if err := s.Init(detect.SignatureContext{Callback: func(f *detect.Finding) { b.Fatalf("finding %v", f.Data) }}); err != nil {
			b.Fatal(err)
		}
	}
	st := newStory("bench_all_benign", true)
	st.exec(parent)
	st.spawn(parent, child)
	st.open(parent, child.hostPID, 4)
	for _, ev := range st.events {
		for _, s := range sigs {
			_ = s.OnEvent(ev.ToProtocol())
		}
	}
	st.events = st.events[:0]
	for range 1024 {
		st.send(parent, call{pidfd: 4, sig: sig})
	}
	calls := make([]protocol.Event, len(st.events))
	for i := range st.events {
		calls[i] = st.events[i].ToProtocol()
	}
	for _, s := range sigs {
		_ = s.OnEvent(calls[0])
	}
	// The tracker must name the child, or PFD-5 would not look it up.
	call, err := events.ParseSendSignal(&st.events[0])
	if err != nil {
		b.Fatal(err)
	}
	if tg := tr.Resolve(&st.events[0], &call); !tg.Known() || tg.Comm != child.comm {
		b.Fatalf("target %+v, want %s", tg, child.comm)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ev := calls[i%len(calls)]
		for _, s := range sigs {
			_ = s.OnEvent(ev)
		}
		i++
	}
}
