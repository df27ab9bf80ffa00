package rego

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDeadline(t *testing.T) {
	d := newDeadline(20 * time.Millisecond)

	d.arm()
	assert.False(t, d.Cancelled(), "a fresh evaluation is not cancelled")
	assert.Eventually(t, d.Cancelled, time.Second, time.Millisecond, "the timer trips the evaluation")
	assert.True(t, d.disarm(), "disarm reports the timeout")

	d.arm()
	assert.False(t, d.Cancelled(), "a trip of an earlier evaluation does not carry over")
	d.Cancel()
	assert.True(t, d.Cancelled(), "Cancel cuts the running evaluation short")
	assert.True(t, d.disarm())

	d.Cancel()
	assert.False(t, d.Cancelled(), "nothing runs between evaluations")
	d.arm()
	time.Sleep(5 * time.Millisecond)
	assert.False(t, d.disarm(), "an evaluation that ends in time is not cancelled")
	d.fire() // a late timer finds no evaluation
	assert.False(t, d.Cancelled())
}
