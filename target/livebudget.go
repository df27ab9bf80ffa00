package target

import (
	"math"
	"time"

	"golang.org/x/time/rate"
)

// DefaultLiveRate is how many live lookups per second a Tracker makes by
// default for each class of call (see WithLiveRate). One lookup reads the
// sender's fd table and /proc entries of the sender and the target: about
// 80 to 120 µs (go test -bench LiveLookup ./target), and more inside a
// busy Tracee, against tens of nanoseconds for an answer from the event
// stream. At this rate live lookups take well under 1 % of one core,
// however fast a process sends signals through pidfds the stream cannot
// explain; a host that signals through such pidfds (from clone with
// CLONE_PIDFD, a unix socket, an untraced dup) less often than that, and
// in bursts of at most one second's worth, still gets every call answered.
const DefaultLiveRate = 20

// liveBudget bounds the live lookups of a Tracker, one token bucket for
// calls that send a signal and another for sig-0 probes and data-source
// queries, so that a flood of probes cannot use up what real signals get.
type liveBudget struct {
	signals, probes *rate.Limiter
	perSecond       float64
}

// newLiveBudget returns a budget of perSecond lookups per second for each
// class, each allowed a burst of one second's worth; +Inf is no bound.
func newLiveBudget(perSecond float64) liveBudget {
	burst := 1
	if !math.IsInf(perSecond, 1) && perSecond > 1 {
		burst = int(math.Ceil(perSecond))
	}
	return liveBudget{
		signals:   rate.NewLimiter(rate.Limit(perSecond), burst),
		probes:    rate.NewLimiter(rate.Limit(perSecond), burst),
		perSecond: perSecond,
	}
}

// allow takes a token of the class of the call at now, and reports
// whether there was one.
func (b liveBudget) allow(probe bool, now time.Time) bool {
	if probe {
		return b.probes.AllowN(now, 1)
	}
	return b.signals.AllowN(now, 1)
}

// WithLiveRate bounds the live lookups (see WithLive) to perSecond per
// second for calls that send a signal, and as many again for sig-0 probes
// and data-source queries, each with a burst of one second's worth; a
// flood of one class leaves the other its budget. perSecond <= 0 means
// DefaultLiveRate; math.Inf(1) removes the bound. A call over the budget
// gets the stream's answer (or an unknown target) with a Reason, and is
// counted in Stats.LiveSkipped.
func WithLiveRate(perSecond float64) Option {
	return func(t *Tracker) {
		if perSecond <= 0 || math.IsNaN(perSecond) {
			perSecond = DefaultLiveRate
		}
		t.budget = newLiveBudget(perSecond)
	}
}

// WithOverBudgetReport has fn called once, on the first live lookup the
// budget of WithLiveRate stops, with the budget in lookups per second per
// class: a sign that some process signals through pidfds the stream cannot
// explain faster than the budget, whether a busy service manager or a
// flood meant to cost Tracee. fn runs on the goroutine of Resolve and must
// not call back into the Tracker.
func WithOverBudgetReport(fn func(perSecond float64)) Option {
	return func(t *Tracker) { t.overBudget = fn }
}

// skipLive counts a live lookup the budget stopped, and reports the first.
func (t *Tracker) skipLive() {
	if t.liveSkipped.Add(1) == 1 && t.overBudget != nil {
		t.overBudget(t.budget.perSecond)
	}
}
