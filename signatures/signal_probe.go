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
// {"count", "window", "target_host_pids"}.
type SignalProbe struct {
	core
	includeRoot bool
	tracker     probeTracker
	last        probeResult // of the last completed pattern, for the finding data
}

// NewSignalProbe builds PFD-4 from cfg.
func NewSignalProbe(cfg Config, opts ...Option) (*SignalProbe, error) {
	p := cfg.SignalProbe
	s := &SignalProbe{
		includeRoot: p.IncludeRootSenders,
		tracker: probeTracker{
			threshold:  p.Threshold,
			window:     int64(p.Window),
			maxSenders: p.MaxSenders,
			maxTargets: p.MaxTargetsPerSender,
		},
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
	res, ok := s.tracker.record(sk, tk, t.HostPID, int64(ev.Timestamp))
	if ok {
		s.last = res
	}
	return ok
}

func (s *SignalProbe) reset() {
	s.tracker.reset()
	s.last = probeResult{}
}

func (s *SignalProbe) extendData(data map[string]interface{}, _ *events.SendSignal, _ *target.Target) {
	data[DataProbe] = map[string]interface{}{
		"count":            len(s.last.hostPIDs),
		"window":           time.Duration(s.tracker.window).String(),
		"target_host_pids": s.last.hostPIDs,
	}
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

// probeTracker remembers, per sender, the distinct targets probed within a
// sliding window. Bounded: maxSenders senders and maxTargets targets each.
// Not safe for concurrent use: the signature's lock guards it.
type probeTracker struct {
	threshold  int
	window     int64 // nanoseconds of event time
	maxSenders int
	maxTargets int
	senders    map[probeSenderKey]*probeSender
}

type probeSenderKey struct {
	hostPID int32
	entity  uint32
}

type probeSender struct {
	lastSeen   int64
	quietUntil int64 // after a finding, probes before this time are ignored
	targets    []probeTarget
}

type probeTarget struct {
	key     uint64
	hostPID int32
	at      int64
}

// probeResult describes a completed pattern.
type probeResult struct {
	hostPIDs []int32 // host pid of each distinct target, 0 when unknown
}

// record notes that sender sk probed target tk (host pid hostPID) at time
// now, and reports whether the sender has now probed threshold distinct
// targets within the window.
func (p *probeTracker) record(sk probeSenderKey, tk uint64, hostPID int32, now int64) (probeResult, bool) {
	s := p.sender(sk, now)
	s.lastSeen = max(s.lastSeen, now)
	if now < s.quietUntil {
		return probeResult{}, false
	}
	s.forgetBefore(now - p.window)
	s.add(probeTarget{key: tk, hostPID: hostPID, at: now}, p.maxTargets)
	if len(s.targets) < p.threshold {
		return probeResult{}, false
	}
	res := probeResult{hostPIDs: make([]int32, len(s.targets))}
	for i := range s.targets {
		res.hostPIDs[i] = s.targets[i].hostPID
	}
	s.targets = s.targets[:0]
	s.quietUntil = now + p.window
	return res, true
}

// sender returns the state of sk, creating it, and evicting the least
// recently seen sender when the table is full.
func (p *probeTracker) sender(sk probeSenderKey, now int64) *probeSender {
	if s, ok := p.senders[sk]; ok {
		return s
	}
	if p.senders == nil {
		p.senders = make(map[probeSenderKey]*probeSender)
	}
	if len(p.senders) >= p.maxSenders {
		p.evictOldest()
	}
	s := &probeSender{lastSeen: now}
	p.senders[sk] = s
	return s
}

func (p *probeTracker) evictOldest() {
	var oldest probeSenderKey
	first := true
	var oldestSeen int64
	for k, s := range p.senders {
		if first || s.lastSeen < oldestSeen {
			oldest, oldestSeen, first = k, s.lastSeen, false
		}
	}
	delete(p.senders, oldest)
}

func (p *probeTracker) reset() { p.senders = nil }

// forgetBefore drops the targets probed before cutoff.
func (s *probeSender) forgetBefore(cutoff int64) {
	kept := s.targets[:0]
	for _, t := range s.targets {
		if t.at >= cutoff {
			kept = append(kept, t)
		}
	}
	s.targets = kept
}

// add records t, refreshing its time if already known, else appending it and
// dropping the oldest target if limit is reached.
func (s *probeSender) add(t probeTarget, limit int) {
	for i := range s.targets {
		if s.targets[i].key == t.key {
			s.targets[i].at = t.at
			return
		}
	}
	if len(s.targets) >= limit {
		oldest := 0
		for i := range s.targets {
			if s.targets[i].at < s.targets[oldest].at {
				oldest = i
			}
		}
		s.targets = append(s.targets[:oldest], s.targets[oldest+1:]...)
	}
	s.targets = append(s.targets, t)
}
