package rego

import (
	"time"

	"github.com/pidfdsig/pidfdsig/signatures"
)

// Why PFD-4 needs Go: "N distinct foreign targets within a window per
// sender" depends on earlier events, and a Rego rule sees one event. So a
// rule that defines pidfdsig_probe declares each match a probe:
//
//	pidfdsig_probe := {"sender": "<key>", "target": "<key>", "target_host_pid": n}
//
// and the runtime counts probes per sender over data.pidfdsig.config's
// signal_probe window, reporting the match only when the sender has reached
// the threshold, with data.probe = {"count", "window", "target_host_pids"}.
// The counting mirrors the Go signature's (quiet for one window after a
// finding, bounded senders and targets); the parity test holds them equal.

// probeWindows remembers, per sender, the distinct targets probed within a
// sliding window of event time. Bounded; guarded by the signature's lock.
type probeWindows struct {
	threshold  int
	window     int64 // nanoseconds
	windowText string
	maxSenders int
	maxTargets int
	senders    map[string]*probeSender
}

type probeSender struct {
	lastSeen   int64
	quietUntil int64
	targets    []probeTarget
}

type probeTarget struct {
	key     string
	hostPID int
	at      int64
}

func newProbeWindows(cfg *signatures.SignalProbeConfig) *probeWindows {
	return &probeWindows{
		threshold:  cfg.Threshold,
		window:     int64(cfg.Window),
		windowText: time.Duration(cfg.Window).String(),
		maxSenders: cfg.MaxSenders,
		maxTargets: cfg.MaxTargetsPerSender,
		senders:    make(map[string]*probeSender),
	}
}

// complete records the probe of v at event time now and reports whether it
// completes a pattern; if so it adds the pattern to v's data. A match that
// carries no well-formed probe is not reported.
func (p *probeWindows) complete(v *verdict, now int64) bool {
	sender, _ := v.probe["sender"].(string)
	tkey, _ := v.probe["target"].(string)
	hostPID, _ := v.probe["target_host_pid"].(int)
	if sender == "" || tkey == "" {
		return false
	}
	pids, ok := p.record(sender, probeTarget{key: tkey, hostPID: hostPID, at: now})
	if !ok {
		return false
	}
	if v.data == nil {
		v.data = make(map[string]any, 1)
	}
	v.data["probe"] = map[string]any{
		"count":            len(pids),
		"window":           p.windowText,
		"target_host_pids": pids,
	}
	return true
}

// record adds t to sender's window and returns the host pids of the
// window's targets when they reach the threshold.
func (p *probeWindows) record(sender string, t probeTarget) ([]any, bool) {
	s := p.sender(sender, t.at)
	s.lastSeen = max(s.lastSeen, t.at)
	if t.at < s.quietUntil {
		return nil, false
	}
	s.forgetBefore(t.at - p.window)
	s.add(t, p.maxTargets)
	if len(s.targets) < p.threshold {
		return nil, false
	}
	pids := make([]any, len(s.targets))
	for i := range s.targets {
		pids[i] = s.targets[i].hostPID
	}
	s.targets = s.targets[:0]
	s.quietUntil = t.at + p.window
	return pids, true
}

// sender returns key's state, evicting the least recently seen sender when
// the table is full.
func (p *probeWindows) sender(key string, now int64) *probeSender {
	if s, ok := p.senders[key]; ok {
		return s
	}
	if len(p.senders) >= p.maxSenders {
		p.evictOldest()
	}
	s := &probeSender{lastSeen: now}
	p.senders[key] = s
	return s
}

func (p *probeWindows) evictOldest() {
	var oldest string
	var oldestSeen int64
	first := true
	for k, s := range p.senders {
		if first || s.lastSeen < oldestSeen || (s.lastSeen == oldestSeen && k < oldest) {
			oldest, oldestSeen, first = k, s.lastSeen, false
		}
	}
	delete(p.senders, oldest)
}

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

// add records t, refreshing its time when already known, else appending it
// and forgetting the oldest target at the limit.
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
