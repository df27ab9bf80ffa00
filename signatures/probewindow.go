package signatures

// ProbeWindows counts, per sender, the distinct targets it probed within a
// sliding window of event time, and says when a sender reaches the
// threshold: PFD-4's state, shared by the Go signature and the Rego
// runtime's pidfdsig_probe aggregation so both count alike. After a
// completed pattern the sender is quiet for one window. Bounded: at most
// MaxSenders senders (the least recently seen is forgotten first, the
// earliest created on a tie) and MaxTargetsPerSender targets each (the
// oldest probe is forgotten first). Not safe for concurrent use: the caller
// guards it.
type ProbeWindows[S, T comparable] struct {
	threshold  int
	window     int64 // nanoseconds of event time
	maxSenders int
	maxTargets int
	created    uint64 // senders created so far, to break eviction ties
	senders    map[S]*probeSender[T]
}

type probeSender[T comparable] struct {
	lastSeen   int64
	quietUntil int64 // after a finding, probes before this time are ignored
	seq        uint64
	targets    []probeTarget[T]
}

type probeTarget[T comparable] struct {
	key     T
	hostPID int32
	at      int64
}

// NewProbeWindows returns empty windows configured by cfg.
func NewProbeWindows[S, T comparable](cfg SignalProbeConfig) *ProbeWindows[S, T] {
	return &ProbeWindows[S, T]{
		threshold:  cfg.Threshold,
		window:     int64(cfg.Window),
		maxSenders: cfg.MaxSenders,
		maxTargets: cfg.MaxTargetsPerSender,
	}
}

// Record notes that sender probed target (host pid hostPID, 0 when unknown)
// at event time now, in nanoseconds. When the sender has now probed the
// threshold of distinct targets within the window it returns their host
// pids and true, and the sender's window starts afresh.
func (p *ProbeWindows[S, T]) Record(sender S, target T, hostPID int32, now int64) ([]int32, bool) {
	s := p.sender(sender, now)
	s.lastSeen = max(s.lastSeen, now)
	if now < s.quietUntil {
		return nil, false
	}
	s.forgetBefore(now - p.window)
	s.add(probeTarget[T]{key: target, hostPID: hostPID, at: now}, p.maxTargets)
	if len(s.targets) < p.threshold {
		return nil, false
	}
	pids := make([]int32, len(s.targets))
	for i := range s.targets {
		pids[i] = s.targets[i].hostPID
	}
	s.targets = s.targets[:0]
	s.quietUntil = now + p.window
	return pids, true
}

// Reset forgets every sender.
func (p *ProbeWindows[S, T]) Reset() { p.senders = nil }

// Senders returns how many senders are remembered.
func (p *ProbeWindows[S, T]) Senders() int { return len(p.senders) }

// sender returns the state of key, creating it, and evicting the least
// recently seen sender when the table is full.
func (p *ProbeWindows[S, T]) sender(key S, now int64) *probeSender[T] {
	if s, ok := p.senders[key]; ok {
		return s
	}
	if p.senders == nil {
		p.senders = make(map[S]*probeSender[T])
	}
	if len(p.senders) >= p.maxSenders {
		p.evictOldest()
	}
	p.created++
	s := &probeSender[T]{lastSeen: now, seq: p.created}
	p.senders[key] = s
	return s
}

func (p *ProbeWindows[S, T]) evictOldest() {
	var oldest S
	var victim *probeSender[T]
	for k, s := range p.senders {
		if victim == nil || s.lastSeen < victim.lastSeen || (s.lastSeen == victim.lastSeen && s.seq < victim.seq) {
			oldest, victim = k, s
		}
	}
	delete(p.senders, oldest)
}

// forgetBefore drops the targets probed before cutoff.
func (s *probeSender[T]) forgetBefore(cutoff int64) {
	kept := s.targets[:0]
	for _, t := range s.targets {
		if t.at >= cutoff {
			kept = append(kept, t)
		}
	}
	s.targets = kept
}

// add records t, refreshing its time if already known, else appending it and
// dropping the oldest target when limit is reached.
func (s *probeSender[T]) add(t probeTarget[T], limit int) {
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
