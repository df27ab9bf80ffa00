package signatures_test

import (
	"testing"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/signatures"
)

func TestUnusualFlags(t *testing.T) {
	pg := events.PIDFD_SIGNAL_PROCESS_GROUP
	reportOwn := func(c *signatures.Config) { c.UnusualFlags.IgnoreOwnProcessGroups = false }
	cases := []singleCallCase{
		// Firing.
		{name: "an unknown flag bit probing the kernel is reported whatever the result",
			sender: mallory, call: call{pidfd: 3, sig: events.SIGUSR1, flags: 8, result: -22}, target: targetOf(aliceChild),
			want: true, sev: 1, tech: "T1497.001", reasons: []string{"unknown_flags"}},
		{name: "two scope flags are reported",
			sender: mallory, call: call{pidfd: 3, sig: events.SIGUSR1, flags: events.PIDFD_SIGNAL_THREAD | events.PIDFD_SIGNAL_THREAD_GROUP, result: -22},
			target: unknownTarget,
			want:   true, sev: 1, tech: "T1497.001", reasons: []string{"multiple_scopes"}},
		{name: "unknown bits and several scopes are both named",
			sender: mallory, call: call{pidfd: 3, sig: events.SIGKILL, flags: 0x80000000 | events.KnownFlags, result: -22}, target: unknownTarget,
			want: true, sev: 2, tech: "T1489", reasons: []string{"unknown_flags", "multiple_scopes", "process_group_kill"}},
		{name: "a process-group kill of another user's group is a service stop",
			sender: mallory, call: call{pidfd: 3, sig: events.SIGKILL, flags: pg, result: -1}, target: targetOf(nginx),
			want: true, sev: 2, tech: "T1489", reasons: []string{"process_group_kill"}},
		{name: "a process-group stop of an unknown group is reported",
			sender: alice, call: call{pidfd: 3, sig: events.SIGSTOP, flags: pg}, target: unknownTarget,
			want: true, sev: 2, tech: "T1489", reasons: []string{"process_group_kill"}},
		{name: "a process-group kill of one's own group is reported when configured",
			sender: alice, call: call{pidfd: 4, sig: events.SIGTERM, flags: pg}, target: targetOf(aliceChild), config: reportOwn,
			want: true, sev: 2, tech: "T1489", reasons: []string{"process_group_kill"}},

		// Benign look-alikes.
		{name: "a shell killing its own job through its process group is skipped",
			sender: alice, call: call{pidfd: 4, sig: events.SIGTERM, flags: pg}, target: targetOf(aliceChild)},
		{name: "a shell continuing its job is not a kill",
			sender: alice, call: call{pidfd: 4, sig: events.SIGCONT, flags: pg}, target: unknownTarget},
		{name: "os/exec killing its own child with no flags is not reported",
			sender: aliceGo, call: call{pidfd: 7, sig: events.SIGKILL}, target: targetOf(aliceChild)},
		{name: "the Go runtime's self-probe is not reported",
			sender: aliceGo, call: call{pidfd: 3, sig: 0}, target: self(aliceGo)},
		{name: "a single thread-group flag is ordinary",
			sender: mallory, call: call{pidfd: 3, sig: events.SIGTERM, flags: events.PIDFD_SIGNAL_THREAD_GROUP}, target: targetOf(nginx)},
		{name: "a single thread flag is ordinary",
			sender: systemd, call: call{pidfd: 3, sig: events.SIGKILL, flags: events.PIDFD_SIGNAL_THREAD}, target: targetOf(nginx)},
		{name: "runc stopping a container's init is not reported",
			sender: runc, call: call{pidfd: 5, sig: events.SIGSTOP}, target: targetOf(ctInit)},
		{name: "systemd may kill a service's process group",
			sender: systemd, call: call{pidfd: 30, sig: events.SIGKILL, flags: pg}, target: targetOf(nginx)},
	}
	runSingleCallCases(t, signatures.IDUnusualFlags, cases)
}
