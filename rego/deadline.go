package rego

import (
	"sync/atomic"
	"time"
)

// deadline is a reusable topdown.Cancel that trips when an evaluation runs
// past its time, without a goroutine or an allocation per evaluation. One
// timer serves every evaluation of a signature: arming records when the
// evaluation must end, and a timer that fires late, for an earlier
// evaluation, can only cancel the deadline it read.
type deadline struct {
	timeout time.Duration
	at      atomic.Int64 // UnixNano the running evaluation must end by; 0 when idle
	tripped atomic.Int64 // the value of at that was cancelled
	timer   *time.Timer
}

func newDeadline(timeout time.Duration) *deadline {
	d := &deadline{timeout: timeout}
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
	d.timer.Reset(d.timeout)
}

// disarm ends the evaluation and reports whether it ran out of time.
func (d *deadline) disarm() bool {
	timedOut := d.Cancelled()
	d.at.Store(0)
	d.timer.Stop()
	return timedOut
}

func (d *deadline) fire() {
	at := d.at.Load()
	if at == 0 {
		return
	}
	if left := time.Until(time.Unix(0, at)); left > 0 {
		d.timer.Reset(left)
		return
	}
	d.tripped.Store(at)
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
