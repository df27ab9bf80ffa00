package signatures_test

import (
	"encoding/json"
	"fmt"
	"log"
	"strings"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// An unprivileged user opens a pidfd on another user's service and tries to
// kill it; the kernel refuses with EPERM. The tracker learns the service's
// owner from its exec event and the pidfd from pidfd_open.
func ExampleNew() {
	tracker := target.NewTracker()
	sigs, err := signatures.New(signatures.DefaultConfig(), signatures.WithResolver(tracker))
	if err != nil {
		log.Fatal(err)
	}
	report := func(f *detect.Finding) {
		t := f.Data[signatures.DataTarget].(signatures.DataObject)
		uid, _ := t.Int("uid")
		fmt.Println(f.SigMetadata.ID, f.SigMetadata.EventName, f.SigMetadata.Properties["external_id"],
			f.Data["signal"], f.Data["errno"], "target uid", uid)
	}
	for _, s := range sigs {
		if err := s.Init(detect.SignatureContext{Callback: report}); err != nil {
			log.Fatal(err)
		}
	}

	service := trace.Event{Timestamp: 1, EventName: "sched_process_exec",
		HostProcessID: 2500, ProcessID: 2500, UserID: 1001, ProcessName: "bobsvc"}
	open := trace.Event{Timestamp: 2, EventName: "pidfd_open", ReturnValue: 3,
		HostProcessID: 6666, ProcessID: 6666, UserID: 1666, ProcessName: "x",
		Args: []trace.Argument{
			{ArgMeta: trace.ArgMeta{Name: "pid"}, Value: int32(2500)},
			{ArgMeta: trace.ArgMeta{Name: "flags"}, Value: uint32(0)},
		}}
	kill := trace.Event{Timestamp: 3, EventName: "pidfd_send_signal", ReturnValue: -1, // EPERM
		HostProcessID: 6666, ProcessID: 6666, UserID: 1666, ProcessName: "x",
		Args: []trace.Argument{
			{ArgMeta: trace.ArgMeta{Name: "pidfd"}, Value: int32(3)},
			{ArgMeta: trace.ArgMeta{Name: "sig"}, Value: int32(9)},
			{ArgMeta: trace.ArgMeta{Name: "info"}, Value: trace.Pointer(0)},
			{ArgMeta: trace.ArgMeta{Name: "flags"}, Value: uint32(0)},
		}}
	for _, ev := range []trace.Event{service, open, kill} {
		for _, s := range sigs {
			_ = s.OnEvent(ev.ToProtocol())
		}
	}
	// Output:
	// PFD-1 pidfd_cross_user_signal T1562.001 SIGKILL EPERM target uid 1001
}

// Keys left out of a configuration document keep their default.
func ExampleParseConfig() {
	cfg, err := signatures.ParseConfig([]byte(`
signal_probe:
  threshold: 3
  window: 30s
cross_user:
  include_root_senders: true
`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.SignalProbe.Threshold, cfg.SignalProbe.Window.String(), cfg.SignalProbe.MaxSenders,
		cfg.CrossUser.IncludeRootSenders, len(cfg.SecurityTools.Names) > 0)

	_, err = signatures.ParseConfig([]byte("signal_probe: {treshold: 3}"))
	fmt.Println(err)
	// Output:
	// 3 30s 1024 true true
	// signatures config: json: unknown field "treshold"
}

// Finding data from any source (here JSON, as a Rego rule's object is
// decoded) takes the types the signatures use; a nested object is a
// DataObject, which Tracee converts through its ToMap.
func ExampleDataValue() {
	var decoded map[string]any
	dec := json.NewDecoder(strings.NewReader(`{"sig": 9, "flag_names": [], "target": {"uid": 1001, "comm": "bobsvc"}}`))
	dec.UseNumber()
	if err := dec.Decode(&decoded); err != nil {
		log.Fatal(err)
	}
	if err := signatures.DataValues(decoded); err != nil {
		log.Fatal(err)
	}
	target := decoded["target"].(signatures.DataObject)
	uid, _ := target.Int("uid")
	fmt.Printf("%T %T %s %d\n", decoded["sig"], decoded["flag_names"], target.String("comm"), uid)
	fmt.Printf("%T\n", target.ToMap())
	// Output:
	// int64 []string bobsvc 1001
	// map[string]interface {}
}
