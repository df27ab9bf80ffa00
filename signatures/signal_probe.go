package signatures

import (
	"time"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

var signalProbeMetadata = newMetadata(
	IDSignalProbe,
	"Processes of other users probed with signal 0",
	"pidfd_signal_probe",
	"A process sent signal 0 through pidfds to several processes of other users within a short time. "+
		"Signal 0 delivers nothing; its result tells whether the target exists and whether the caller may "+
		"signal it, which maps the processes and owners of a machine.",
	severityMedium, &techProcessDiscovery,
)

// SignalProbe is PFD-4, pidfd_signal_probe. It counts signal-0 calls to
// foreign targets per sender (the sender's host pid and Tracee process
// entity id) and reports once when a sender has probed
// Config.SignalProbe.Threshold distinct targets within Window, in event
// time; the sender is then quiet for one Window. A target is foreign when
// its real uid is known and differs from the sender's, or when the probe
// failed with EPERM (the kernel's answer to another user's process). Probes
// of the sender itself never count (the Go runtime probes its own pidfd at
// start). Root senders count only with IncludeRootSenders.
//
// State is bounded: MaxSenders senders (the least recently seen is evicted)
// and MaxTargetsPerSender targets each (the oldest is forgotten). Severity
// 2, technique T1057 Process Discovery. The finding data add "probe":
// ProbeData.
type SignalProbe struct {
	core
	includeRoot bool
	tracker     *ProbeWindows[probeSenderKey, uint64]
	window      time.Duration
	last        []int32 // target host pids of the last completed pattern, for the finding data
}

// NewSignalProbe builds PFD-4 from cfg.
func NewSignalProbe(cfg Config, opts ...Option) (*SignalProbe, error) {
	p := cfg.SignalProbe
	s := &SignalProbe{
		includeRoot: p.IncludeRootSenders,
		tracker:     NewProbeWindows[probeSenderKey, uint64](p),
		window:      time.Duration(p.Window),
	}
	if err := s.setup(signalProbeMetadata, s, &cfg, opts); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *SignalProbe) candidate(call *events.SendSignal) bool {
	return call.Signal.IsProbe() && !call.TargetsSelf() && (call.Sender.UID != 0 || s.includeRoot)
}

func (s *SignalProbe) match(call *events.SendSignal, t *target.Target) (verdict, bool) {
	foreign := (t.UIDKnown && t.UID != call.Sender.UID) || call.Result.Is(events.EPERM)
	if !s.candidate(call) || t.IsSender || !foreign {
		return verdict{}, false
	}
	return verdict{severity: severityMedium, technique: &techProcessDiscovery, reasons: reasonProbeThreshold}, true
}

func (s *SignalProbe) aggregate(ev *trace.Event, call *events.SendSignal, t *target.Target) bool {
	sk := probeSenderKey{hostPID: call.Sender.HostPID, entity: call.Sender.EntityID}
	tk := probeTargetKey(call, t)
	pids, ok := s.tracker.Record(sk, tk, t.HostPID, int64(ev.Timestamp))
	if ok {
		s.last = pids
	}
	return ok
}

func (s *SignalProbe) reset() {
	s.tracker.Reset()
	s.last = nil
}

func (s *SignalProbe) extendData(data map[string]interface{}, _ *events.SendSignal, _ *target.Target) {
	data[DataProbe] = ProbeData(s.last, s.window)
}

// probeTargetKey identifies a probed target: its host pid when known, else
// the pidfd number (distinct fds of one sender are distinct targets until
// the tracker says otherwise).
func probeTargetKey(call *events.SendSignal, t *target.Target) uint64 {
	if t.HostPID > 0 {
		return uint64(uint32(t.HostPID))
	}
	return 1<<32 | uint64(uint32(call.PidFD))
}

// probeSenderKey identifies a probing sender: its host pid and Tracee's
// process entity id, so a reused pid is a new sender.
type probeSenderKey struct {
	hostPID int32
	entity  uint32
}

// ProbeData is PFD-4's "probe" finding data for a pattern of probes of the
// targets hostPIDs (oldest first) within window: {"count": int64,
// "window": window.String(), "target_host_pids": DataList of int64}. The
// Rego runtime reports a rule's probes with it too.
func ProbeData(hostPIDs []int32, window time.Duration) DataObject {
	return DataObject{
		"count":            int64(len(hostPIDs)),
		"window":           window.String(),
		"target_host_pids": intList(hostPIDs),
	}
}
