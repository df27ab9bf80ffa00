package rego

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDeadline(t *testing.T) {
	d := newDeadline(20*time.Millisecond, 0)

	d.arm()
	assert.False(t, d.Cancelled(), "a fresh evaluation is not cancelled")
	assert.Eventually(t, d.Cancelled, time.Second, time.Millisecond, "the timer trips the evaluation")
	timedOut, over := d.disarm()
	assert.True(t, timedOut, "disarm reports the timeout")
	assert.False(t, over)

	d.arm()
	assert.False(t, d.Cancelled(), "a trip of an earlier evaluation does not carry over")
	d.Cancel()
	assert.True(t, d.Cancelled(), "Cancel cuts the running evaluation short")
	timedOut, _ = d.disarm()
	assert.True(t, timedOut)

	d.Cancel()
	assert.False(t, d.Cancelled(), "nothing runs between evaluations")
	d.arm()
	time.Sleep(5 * time.Millisecond)
	timedOut, over = d.disarm()
	assert.False(t, timedOut, "an evaluation that ends in time is not cancelled")
	assert.False(t, over)
	d.fire() // a late timer finds no evaluation
	assert.False(t, d.Cancelled())
}

var sink [][]byte

func TestDeadlineWatchesAllocation(t *testing.T) {
	d := newDeadline(10*time.Second, 1<<20)
	d.arm()
	allocate := func() bool {
		sink = append(sink, make([]byte, 64<<10))
		return d.Cancelled()
	}
	assert.Eventually(t, allocate, 5*time.Second, 100*time.Microsecond, "allocating past the budget trips the evaluation")
	sink = nil
	timedOut, over := d.disarm()
	assert.True(t, over, "disarm reports the budget")
	assert.False(t, timedOut, "not a timeout")

	d.arm()
	time.Sleep(5 * watchEvery)
	timedOut, over = d.disarm()
	assert.False(t, timedOut || over, "an evaluation that allocates nothing passes")
}
