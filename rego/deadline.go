package rego

import (
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// watchEvery is how often the deadline's timer looks at a running
// evaluation: its time and, with a memory budget, the allocation since it
// started.
const watchEvery = time.Millisecond

// allocsMetric is the process's cumulative heap allocation.
const allocsMetric = "/gc/heap/allocs:bytes"

// deadline is a reusable topdown.Cancel that trips when an evaluation runs
// past its time, or allocates more than its memory budget, without a
// goroutine or an allocation per evaluation. One timer serves every
// evaluation of a signature: arming records when the evaluation must end,
// and a timer that fires late, for an earlier evaluation, can only cancel
// the deadline it read.
//
// OPA's evaluator cannot count what an evaluation builds, so the budget is
// watched from outside: while an evaluation runs, the timer reads the
// process's allocation (runtime/metrics) every watchEvery, from its first
// firing on, and trips once the evaluation has allocated more than the
// budget since. An evaluation shorter than watchEvery never reads it. The
// reading counts every goroutine's allocation, so it is an upper bound of
// the evaluation's own.
type deadline struct {
	timeout time.Duration
	budget  int64
	at      atomic.Int64 // UnixNano the running evaluation must end by; 0 when idle
	tripped atomic.Int64 // the value of at that was cancelled
	// overBudget is the value of at whose evaluation passed the budget;
	// baseAt the value of at that base (the allocation seen at the
	// timer's first firing) belongs to.
	overBudget, baseAt atomic.Int64
	base               atomic.Uint64
	timer              *time.Timer
}

func newDeadline(timeout time.Duration, budget int64) *deadline {
	d := &deadline{timeout: timeout, budget: budget}
	d.timer = time.AfterFunc(time.Hour, d.fire)
	d.timer.Stop()
	return d
}

// arm starts the clock for one evaluation. Deadlines are kept distinct so
// that a stale trip never matches a later evaluation.
func (d *deadline) arm() {
	at := time.Now().Add(d.timeout).UnixNano()
	if prev := d.tripped.Load(); at <= prev {
		at = prev + 1
	}
	d.at.Store(at)
	d.timer.Reset(d.next(d.timeout))
}

// next is how long the timer waits with left before the deadline.
func (d *deadline) next(left time.Duration) time.Duration {
	if d.budget > 0 && left > watchEvery {
		return watchEvery
	}
	return left
}

// disarm ends the evaluation and reports whether it ran out of time or
// passed its memory budget.
func (d *deadline) disarm() (timedOut, overBudget bool) {
	at := d.at.Load()
	cancelled := d.Cancelled()
	overBudget = cancelled && d.overBudget.Load() == at
	d.at.Store(0)
	d.timer.Stop()
	return cancelled && !overBudget, overBudget
}

func (d *deadline) fire() {
	at := d.at.Load()
	if at == 0 {
		return
	}
	if d.budget > 0 && d.overAllocated(at) {
		d.overBudget.Store(at)
		d.tripped.Store(at)
		return
	}
	if left := time.Until(time.Unix(0, at)); left > 0 {
		d.timer.Reset(d.next(left))
		return
	}
	d.tripped.Store(at)
}

// overAllocated reports whether the process allocated more than the
// budget since the timer first fired for the evaluation ending at at.
func (d *deadline) overAllocated(at int64) bool {
	// A sample of its own: a timer reset while it fires may run fire
	// twice at once.
	sample := []metrics.Sample{{Name: allocsMetric}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return false
	}
	now := sample[0].Value.Uint64()
	if d.baseAt.Load() != at {
		d.base.Store(now)
		d.baseAt.Store(at)
		return false
	}
	return now-d.base.Load() > uint64(d.budget)
}

// Cancel implements topdown.Cancel: it cuts the running evaluation short.
func (d *deadline) Cancel() {
	if at := d.at.Load(); at != 0 {
		d.tripped.Store(at)
	}
}

// Cancelled implements topdown.Cancel.
func (d *deadline) Cancelled() bool {
	at := d.at.Load()
	return at != 0 && d.tripped.Load() == at
}
