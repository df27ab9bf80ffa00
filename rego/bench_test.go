package rego_test

import (
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/protocol"
	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/rego"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// benchCase is a rule with an event it reports, resolved to firingTarget.
type benchCase struct {
	id           string
	config       func(*signatures.Config)
	firing       trace.Event
	firingTarget target.Target
}

var (
	alice            = procs[0]
	mallory          = procs[1]
	rootShell        = procs[2]
	hostPIDContainer = procs[8]
	falcoProc        = procs[10]
	bobTarget        = target.Target{Source: target.SourceTracked, HostPID: 2500, PID: 2500, UIDKnown: true, UID: 1001, Comm: "bobsvc", PidNS: hostPidNS}
	aliceChild       = target.Target{Source: target.SourceTracked, HostPID: 2001, PID: 2001, UIDKnown: true, UID: 1000, Comm: "sleep", PidNS: hostPidNS}
)

var benchCases = []benchCase{
	{id: "PFD-1", firing: sendEvent(mallory, 3, 15, 0, 0, -1, 1), firingTarget: bobTarget},
	{id: "PFD-2", firing: sendEvent(mallory, 3, 10, 0, 8, -22, 1), firingTarget: aliceChild},
	{id: "PFD-3", firing: sendEvent(alice, 3, 10, 0x7ffd0000, 0, -1, 1), firingTarget: aliceChild},
	{id: "PFD-4", firing: sendEvent(mallory, 3, 0, 0, 0, -1, 1), firingTarget: target.Target{Reason: "fd not tracked"},
		config: func(c *signatures.Config) { c.SignalProbe.Threshold = 1; c.SignalProbe.Window = 1 }},
	{id: "PFD-5", firing: sendEvent(rootShell, 3, 9, 0, 0, 0, 1), firingTarget: falcoProc.target()},
	{id: "PFD-6", firing: sendEvent(hostPIDContainer, 3, 9, 0, 0, 0, 1), firingTarget: rootShell.target()},
}

// benign is a call every rule selects and none reports: a user stopping her
// own child.
var benign = sendEvent(alice, 3, 15, 0, 0, 0, 1)

// unselected is an event no rule asked for (nor the resolver).
var unselected = trace.Event{EventName: "openat", HostProcessID: 2000, UserID: 1000, ProcessName: "bash",
	Args: []trace.Argument{{ArgMeta: trace.ArgMeta{Name: "pathname", Type: "const char*"}, Value: "/etc/passwd"}}}

// BenchmarkSignatures runs each PFD rule in Rego next to its Go signature,
// on the same events: one that fires, a selected benign one, and an
// unselected one. Compare .../go with .../rego (the plan machine, the
// default) and .../topdown (OPA's evaluator, WithTopdown). A benign event
// costs a few hundred nanoseconds on the plan machine: give it a long
// -benchtime (500000x), or the garbage of the firing runs lands in it.
func BenchmarkSignatures(b *testing.B) {
	for _, bc := range benchCases {
		cfg := signatures.DefaultConfig()
		if bc.config != nil {
			bc.config(&cfg)
		}
		for _, ev := range []struct {
			name   string
			event  trace.Event
			target target.Target
			fires  bool
		}{
			{"firing", bc.firing, bc.firingTarget, true},
			{"benign", benign, aliceChild, false},
			{"unselected", unselected, aliceChild, false},
		} {
			res := &fixedResolver{t: ev.target}
			// A pointer payload: each iteration pays the whole cost (the
			// runtime shares inputs between rules only for Tracee's
			// by-value payloads, see BenchmarkAllRules).
			event := ev.event
			p := protocol.Event{Headers: event.ToProtocol().Headers, Payload: &event}
			b.Run(bc.id+"/"+ev.name+"/go", func(b *testing.B) {
				runBench(b, goSignature(b, bc.id, cfg, res), p, ev.fires)
			})
			b.Run(bc.id+"/"+ev.name+"/rego", func(b *testing.B) {
				runBench(b, regoSignature(b, bc.id, cfg, res), p, ev.fires)
			})
			b.Run(bc.id+"/"+ev.name+"/topdown", func(b *testing.B) {
				runBench(b, regoSignature(b, bc.id, cfg, res, rego.WithTopdown()), p, ev.fires)
			})
		}
	}
}

func runBench(b *testing.B, s detect.Signature, p protocol.Event, fires bool) {
	var n int
	if err := s.Init(detect.SignatureContext{Callback: func(*detect.Finding) { n++ }}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.OnEvent(p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if fires && n == 0 || !fires && n != 0 {
		b.Fatalf("%d findings in %d events, want fires=%v", n, b.N, fires)
	}
}

func goSignature(b *testing.B, id string, cfg signatures.Config, res signatures.Resolver) detect.Signature {
	sigs, err := signatures.New(cfg, signatures.WithResolver(res))
	if err != nil {
		b.Fatal(err)
	}
	return byID(b, sigs, id)
}

func regoSignature(b *testing.B, id string, cfg signatures.Config, res rego.Resolver, opts ...rego.Option) detect.Signature {
	rt, err := rego.New(append([]rego.Option{rego.WithConfig(cfg), rego.WithResolver(res), rego.WithoutEnvironment()}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	return byID(b, rt.Signatures(), id)
}

func byID(b *testing.B, sigs []detect.Signature, id string) detect.Signature {
	for _, s := range sigs {
		if m, _ := s.GetMetadata(); m.ID == id {
			return s
		}
	}
	b.Fatalf("no signature %s", id)
	return nil
}

// BenchmarkAllRules hands every signature the same Tracee event, boxed anew
// each time as Tracee does: the cost per event of all six detections.
func BenchmarkAllRules(b *testing.B) {
	for _, ev := range []struct {
		name   string
		event  trace.Event
		target target.Target
	}{
		{"firing", benchCases[0].firing, bobTarget},
		{"benign", benign, aliceChild},
		{"unselected", unselected, aliceChild},
	} {
		res := &fixedResolver{t: ev.target}
		goSigs, err := signatures.New(signatures.DefaultConfig(), signatures.WithResolver(res))
		if err != nil {
			b.Fatal(err)
		}
		rt, err := rego.New(rego.WithResolver(res), rego.WithoutEnvironment())
		if err != nil {
			b.Fatal(err)
		}
		td, err := rego.New(rego.WithResolver(res), rego.WithoutEnvironment(), rego.WithTopdown())
		if err != nil {
			b.Fatal(err)
		}
		for _, side := range []struct {
			name string
			sigs []detect.Signature
		}{{"go", goSigs}, {"rego", rt.Signatures()}, {"topdown", td.Signatures()}} {
			b.Run(ev.name+"/"+side.name, func(b *testing.B) {
				for _, s := range side.sigs {
					if err := s.Init(detect.SignatureContext{Callback: func(*detect.Finding) {}}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					p := ev.event.ToProtocol()
					for _, s := range side.sigs {
						if err := s.OnEvent(p); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}
