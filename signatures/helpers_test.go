package signatures_test

import (
	"sync"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// pidNS values used by the tests: the host's and a container's.
const (
	hostPidNS      = 0xEFFFFFFC
	containerPidNS = 4026532500
	podPidNS       = 4026532600
)

// proc is a process as the event context describes it.
type proc struct {
	hostPID   int
	pid       int
	uid       int
	comm      string
	exe       string
	container string
	pidNS     int
	entity    uint32
}

// The processes of the tests.
var (
	alice       = proc{hostPID: 2000, pid: 2000, uid: 1000, comm: "bash", exe: "/usr/bin/bash", pidNS: hostPidNS, entity: 2000}
	aliceGo     = proc{hostPID: 2100, pid: 2100, uid: 1000, comm: "mydaemon", exe: "/usr/local/bin/mydaemon", pidNS: hostPidNS, entity: 2100}
	mallory     = proc{hostPID: 6666, pid: 6666, uid: 1666, comm: "x", exe: "/tmp/x", pidNS: hostPidNS, entity: 6666}
	rootShell   = proc{hostPID: 3000, pid: 3000, uid: 0, comm: "bash", exe: "/usr/bin/bash", pidNS: hostPidNS, entity: 3000}
	systemd     = proc{hostPID: 1, pid: 1, uid: 0, comm: "systemd", exe: "/usr/lib/systemd/systemd", pidNS: hostPidNS, entity: 1}
	systemdNoEx = proc{hostPID: 1, pid: 1, uid: 0, comm: "systemd", pidNS: hostPidNS, entity: 1}
	runc        = proc{hostPID: 4000, pid: 4000, uid: 0, comm: "runc", exe: "/usr/bin/runc", pidNS: hostPidNS, entity: 4000}
	osqueryd    = proc{hostPID: 5000, pid: 5000, uid: 0, comm: "osqueryd", exe: "/usr/bin/osqueryd", pidNS: hostPidNS, entity: 5000}
	inContainer = proc{hostPID: 7000, pid: 12, uid: 0, comm: "sh", exe: "/bin/sh", container: "c0ffee", pidNS: containerPidNS, entity: 7000}
	inHostPIDCt = proc{hostPID: 7100, pid: 7100, uid: 0, comm: "sh", exe: "/bin/sh", container: "hostpid1", pidNS: hostPidNS, entity: 7100}
	inPod       = proc{hostPID: 7200, pid: 3, uid: 0, comm: "reloader", exe: "/reloader", container: "sidecar", pidNS: podPidNS, entity: 7200}
)

// call is the arguments and result of one pidfd_send_signal call.
type call struct {
	pidfd  int32
	sig    events.Signal
	info   uint64
	flags  events.Flags
	result int
}

// sendEvent returns the Tracee event of c made by p at time ts (ns), with
// argument values typed as inside a Tracee plugin.
func sendEvent(p proc, c call, ts int) trace.Event {
	ev := contextEvent(p, events.EventPidfdSendSignal, ts)
	ev.ReturnValue = c.result
	ev.Args = []trace.Argument{
		{ArgMeta: trace.ArgMeta{Name: events.ArgPidFD, Type: "int32"}, Value: c.pidfd},
		{ArgMeta: trace.ArgMeta{Name: events.ArgSig, Type: "int32"}, Value: int32(c.sig)},
		{ArgMeta: trace.ArgMeta{Name: events.ArgInfo, Type: "trace.Pointer"}, Value: trace.Pointer(c.info)},
		{ArgMeta: trace.ArgMeta{Name: events.ArgFlags, Type: "uint32"}, Value: uint32(c.flags)},
	}
	ev.ArgsNum = len(ev.Args)
	return ev
}

// contextEvent returns an event named name made by p, without arguments.
func contextEvent(p proc, name string, ts int) trace.Event {
	return trace.Event{
		Timestamp:       ts,
		ProcessID:       p.pid,
		ThreadID:        p.pid,
		HostProcessID:   p.hostPID,
		HostThreadID:    p.hostPID,
		UserID:          p.uid,
		PIDNS:           p.pidNS,
		ProcessName:     p.comm,
		Executable:      trace.File{Path: p.exe},
		ContainerID:     p.container,
		Container:       trace.Container{ID: p.container},
		EventName:       name,
		ProcessEntityId: p.entity,
		ThreadEntityId:  p.entity,
	}
}

// targetOf returns the target a tracker would resolve for process p.
func targetOf(p proc) target.Target {
	return target.Target{
		Source:      target.SourceTracked,
		HostPID:     int32(p.hostPID),
		PID:         int32(p.pid),
		UIDKnown:    true,
		UID:         uint32(p.uid),
		Comm:        p.comm,
		Exe:         p.exe,
		ContainerID: p.container,
		PidNS:       uint32(p.pidNS),
	}
}

// self returns the target of a call p makes to itself.
func self(p proc) target.Target {
	t := targetOf(p)
	t.IsSender = true
	return t
}

// unknownTarget is what a resolver answers for an fd it never saw.
var unknownTarget = target.Target{Reason: "fd not tracked"}

// Some target processes.
var (
	bobService = proc{hostPID: 2500, pid: 2500, uid: 1001, comm: "bobsvc", exe: "/usr/bin/bobsvc", pidNS: hostPidNS, entity: 2500}
	aliceChild = proc{hostPID: 2001, pid: 2001, uid: 1000, comm: "sleep", exe: "/usr/bin/sleep", pidNS: hostPidNS, entity: 2001}
	nginx      = proc{hostPID: 2600, pid: 2600, uid: 998, comm: "nginx", exe: "/usr/sbin/nginx", pidNS: hostPidNS, entity: 2600}
	rootDaemon = proc{hostPID: 800, pid: 800, uid: 0, comm: "cron", exe: "/usr/sbin/cron", pidNS: hostPidNS, entity: 800}
	falco      = proc{hostPID: 900, pid: 900, uid: 0, comm: "falco", exe: "/usr/bin/falco", pidNS: hostPidNS, entity: 900}
	osqWorker  = proc{hostPID: 5001, pid: 5001, uid: 0, comm: "osqueryd", exe: "/usr/bin/osqueryd", pidNS: hostPidNS, entity: 5001}
	ctInit     = proc{hostPID: 7001, pid: 1, uid: 100000, comm: "nginx", exe: "/usr/sbin/nginx", container: "c0ffee", pidNS: containerPidNS, entity: 7001}
	ctChild    = proc{hostPID: 7002, pid: 13, uid: 0, comm: "sleep", exe: "/bin/sleep", container: "c0ffee", pidNS: containerPidNS, entity: 7002}
	otherCt    = proc{hostPID: 8000, pid: 1, uid: 0, comm: "redis", exe: "/usr/bin/redis", container: "beef", pidNS: 4026532700, entity: 8000}
	podMain    = proc{hostPID: 7201, pid: 1, uid: 0, comm: "nginx", exe: "/usr/sbin/nginx", container: "main", pidNS: podPidNS, entity: 7201}
)

// fdResolver resolves every call to the target registered for its pidfd,
// or to unknownTarget.
type fdResolver struct {
	mu       sync.Mutex
	targets  map[int32]target.Target
	observed int
}

func resolverFor(pairs map[int32]target.Target) *fdResolver {
	return &fdResolver{targets: pairs}
}

func (r *fdResolver) Observe(*trace.Event) {
	r.mu.Lock()
	r.observed++
	r.mu.Unlock()
}

func (r *fdResolver) Resolve(_ *trace.Event, c *events.SendSignal) target.Target {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.targets[int32(c.PidFD)]; ok {
		return t
	}
	return unknownTarget
}

// fixedResolver resolves every call to one target.
type fixedResolver struct{ t target.Target }

func (r *fixedResolver) Observe(*trace.Event) {}

func (r *fixedResolver) Resolve(*trace.Event, *events.SendSignal) target.Target { return r.t }

// findings collects the findings a signature reports.
type findings struct {
	mu  sync.Mutex
	all []*detect.Finding
}

func (f *findings) add(x *detect.Finding) {
	f.mu.Lock()
	f.all = append(f.all, x)
	f.mu.Unlock()
}

func (f *findings) list() []*detect.Finding {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*detect.Finding(nil), f.all...)
}

// initSig starts s with a collecting callback.
func initSig(t testing.TB, s detect.Signature) *findings {
	t.Helper()
	var f findings
	require.NoError(t, s.Init(detect.SignatureContext{Callback: f.add}))
	return &f
}

// feed hands every event to s.
func feed(t testing.TB, s detect.Signature, evs ...trace.Event) {
	t.Helper()
	for _, ev := range evs {
		require.NoError(t, s.OnEvent(ev.ToProtocol()))
	}
}

// constructor builds one signature from a configuration.
type constructor func(cfg signatures.Config, opts ...signatures.Option) (detect.Signature, error)

var constructors = map[string]constructor{
	signatures.IDCrossUserSignal: func(c signatures.Config, o ...signatures.Option) (detect.Signature, error) {
		return signatures.NewCrossUserSignal(c, o...)
	},
	signatures.IDUnusualFlags: func(c signatures.Config, o ...signatures.Option) (detect.Signature, error) {
		return signatures.NewUnusualFlags(c, o...)
	},
	signatures.IDForgedSiginfo: func(c signatures.Config, o ...signatures.Option) (detect.Signature, error) {
		return signatures.NewForgedSiginfo(c, o...)
	},
	signatures.IDSignalProbe: func(c signatures.Config, o ...signatures.Option) (detect.Signature, error) {
		return signatures.NewSignalProbe(c, o...)
	},
	signatures.IDSecurityToolKill: func(c signatures.Config, o ...signatures.Option) (detect.Signature, error) {
		return signatures.NewSecurityToolKill(c, o...)
	},
	signatures.IDContainerEscapeSignal: func(c signatures.Config, o ...signatures.Option) (detect.Signature, error) {
		return signatures.NewContainerEscapeSignal(c, o...)
	},
}

// singleCallCase is one row of a table for a signature that judges each
// call alone.
type singleCallCase struct {
	name    string
	sender  proc
	call    call
	target  target.Target
	config  func(*signatures.Config) // changes to DefaultConfig, or nil
	want    bool
	sev     int      // expected Severity when want
	tech    string   // expected external_id when want
	reasons []string // expected reasons when want
}

// runSingleCallCases runs each row against a fresh signature of id.
func runSingleCallCases(t *testing.T, id string, cases []singleCallCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := signatures.DefaultConfig()
			if tc.config != nil {
				tc.config(&cfg)
			}
			s, err := constructors[id](cfg, signatures.WithResolver(&fixedResolver{t: tc.target}))
			require.NoError(t, err)
			got := initSig(t, s)
			ev := sendEvent(tc.sender, tc.call, 1)
			feed(t, s, ev)
			list := got.list()
			if !tc.want {
				require.Empty(t, list, "unexpected finding: %v", dataOf(list))
				return
			}
			require.Len(t, list, 1)
			f := list[0]
			require.Equal(t, id, f.SigMetadata.ID)
			require.Equal(t, tc.sev, f.SigMetadata.Properties["Severity"], "severity")
			require.Equal(t, tc.tech, f.SigMetadata.Properties["external_id"], "technique")
			require.Equal(t, tc.reasons, f.Data[signatures.DataReasons], "reasons")
			require.Equal(t, ev, f.Event.Payload, "the finding carries the original event")
		})
	}
}

func dataOf(list []*detect.Finding) []map[string]interface{} {
	out := make([]map[string]interface{}, len(list))
	for i, f := range list {
		out[i] = f.Data
	}
	return out
}
