//go:build linux

package kernelrec

import (
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
)

func TestShapeKeepsIdentitiesAndDropsRunSpecifics(t *testing.T) {
	rec, target, ns := sender, sender, sender
	target.HostPID, target.HostTID, target.PID, target.TID, target.Comm = 5000, 5000, 5000, 5000, "sleep"
	ns.HostPID, ns.HostTID, ns.PID, ns.TID = 6000, 6000, 1, 1
	inner := ns
	inner.HostPID, inner.HostTID, inner.PID, inner.TID, inner.Comm = 6010, 6010, 7, 7, "sleep"
	build := func(ev trace.Event, err error) trace.Event {
		require.NoError(t, err)
		return ev
	}
	call := func(task Task, event string, ret int64, args ...int64) trace.Event {
		return build(SyscallEvent(task, Call{Event: event, Args: args, Ret: ret}))
	}
	evs := []trace.Event{
		build(ForkEvent(rec, target, 1, 0)),
		call(rec, events.EventPidfdOpen, 9, 5000, 0),
		call(rec, events.EventClose, 0, 9),
		call(rec, events.EventPidfdOpen, 9, 5000, 0),
		call(rec, events.EventPidfdSendSignal, -1, 9, 15, 0x7ffd0000, 0),
		build(ForkEvent(rec, ns, 2, 0)),
		build(ForkEvent(ns, inner, 3, 0)),
		call(ns, events.EventPidfdOpen, 3, 7, 0),
		call(ns, events.EventPidfdOpen, -3, 5000, 0),
		build(ExitEvent(target, ExitInfo{Signal: 9}, 4)),
	}

	s, err := shapeOf(evs, "kernelrec.test")
	require.NoError(t, err)

	assert.Equal(t, shape{
		"ext1": {
			"sched_process_fork child=p1 child_pid=host",
			"pidfd_open(pid=p1, flags=0) = fd1 uid=0 comm=$test",
			"close(fd=fd1) = 0 uid=0 comm=$test",
			"pidfd_open(pid=p1, flags=0) = fd1 uid=0 comm=$test",
			"pidfd_send_signal(pidfd=fd1, sig=SIGTERM, info=siginfo, flags=0) = EPERM uid=0 comm=$test",
			"sched_process_fork child=p2 child_pid=ns:1",
		},
		"p1": {"sched_process_exit exit_code=0 signal_code=9 uid=0 comm=sleep"},
		"p2": {
			"sched_process_fork child=p3 child_pid=ns",
			"pidfd_open(pid=p3 (by its namespaced pid), flags=0) = fd1 uid=0 comm=$test",
			"pidfd_open(pid=p1, flags=0) = ESRCH uid=0 comm=$test",
		},
	}, s)
}
