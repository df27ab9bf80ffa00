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

// probeWindows applies the Go signature's PFD-4 counting
// (signatures.ProbeWindows) to the probes a rule declares, keyed by the
// sender and target strings the rule gives.
type probeWindows struct {
	windows *signatures.ProbeWindows[string, string]
	window  time.Duration
}

func newProbeWindows(cfg *signatures.SignalProbeConfig) *probeWindows {
	return &probeWindows{
		windows: signatures.NewProbeWindows[string, string](*cfg),
		window:  time.Duration(cfg.Window),
	}
}

// complete records the probe of v at event time now and reports whether it
// completes a pattern; if so it adds the pattern to v's data. A match that
// carries no well-formed probe is not reported.
func (p *probeWindows) complete(v *verdict, now int64) bool {
	pids, ok := p.record(v.probe, now)
	if !ok {
		return false
	}
	p.annotate(v, pids)
	return true
}

// record counts a probe at event time now and returns the target host
// pids of the pattern it completes, if it does.
func (p *probeWindows) record(probe map[string]any, now int64) ([]int32, bool) {
	sender, _ := probe["sender"].(string)
	tkey, _ := probe["target"].(string)
	hostPID, _ := probe["target_host_pid"].(int)
	if sender == "" || tkey == "" {
		return nil, false
	}
	return p.windows.Record(sender, tkey, int32(hostPID), now)
}

// annotate adds a completed pattern to a verdict's data, as the Go
// signature does (signatures.ProbeData).
func (p *probeWindows) annotate(v *verdict, pids []int32) {
	if v.data == nil {
		v.data = make(map[string]any, 1)
	}
	v.data[signatures.DataProbe] = signatures.ProbeData(pids, p.window)
}
