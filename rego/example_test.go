package rego_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/rego"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// Run the Rego rules on a process-group kill with an unusual flag, as
// Tracee would hand it to each signature.
func Example() {
	rt, err := rego.New(
		rego.WithResolver(target.NewTracker()),
		rego.WithConfig(signatures.DefaultConfig()),
		rego.WithEvalTimeout(time.Second),
		rego.WithoutEnvironment(),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	report := func(f *detect.Finding) {
		fmt.Println(f.SigMetadata.ID, f.SigMetadata.EventName, f.Data["signal"], f.Data["reasons"])
	}
	for _, sig := range rt.Signatures() {
		if err := sig.Init(detect.SignatureContext{Callback: report}); err != nil {
			fmt.Println(err)
			return
		}
	}
	ev := trace.Event{
		EventName: "pidfd_send_signal", HostProcessID: 4242, ProcessID: 4242, UserID: 1000,
		ProcessName: "sh", PIDNS: 4026531836, ReturnValue: -22,
		Args: []trace.Argument{
			{ArgMeta: trace.ArgMeta{Name: "pidfd", Type: "int32"}, Value: int32(3)},
			{ArgMeta: trace.ArgMeta{Name: "sig", Type: "int32"}, Value: int32(9)},
			{ArgMeta: trace.ArgMeta{Name: "info", Type: "trace.Pointer"}, Value: trace.Pointer(0)},
			{ArgMeta: trace.ArgMeta{Name: "flags", Type: "uint32"}, Value: uint32(4 | 8)},
		},
	}
	for _, sig := range rt.Signatures() {
		_ = sig.OnEvent(ev.ToProtocol())
	}
	// Output:
	// PFD-2 pidfd_unusual_flags SIGKILL [unknown_flags process_group_kill]
}

// Load a custom rule and see which engine runs each rule: the plan
// machine unless OPA could not plan it, or WithTopdown asked for OPA's
// evaluator.
func ExampleSignature_Engine() {
	rt, err := rego.New(
		rego.WithRuleDirs("testdata/rules/user", "testdata/rules/unplannable"),
		rego.WithoutBuiltinRules(),
		rego.WithoutEnvironment(),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rt.Rules() {
		m, _ := r.GetMetadata()
		fmt.Println(m.ID, r.Engine())
	}
	// Output:
	// USER-1 plan
	// SLASH-1 topdown
}

// Check a directory of rules before shipping it: here one that reads a
// field the decoded call does not have.
func ExampleCheck() {
	rep, err := rego.Check(context.Background(), "testdata/rules/check/bad")
	if err != nil {
		fmt.Println("cannot check:", err)
		return
	}
	for _, p := range rep.Problems() {
		fmt.Println(p)
	}
	// Output:
	// rego: testdata/rules/check/bad/typo.rego:17: does not compile: rego_type_error: undefined ref: data.tracee.pidfdsig.helpers.call.signl
}
