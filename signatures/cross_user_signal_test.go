package signatures_test

import (
	"testing"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/signatures"
)

func TestCrossUserSignal(t *testing.T) {
	includeRoot := func(c *signatures.Config) { c.CrossUser.IncludeRootSenders = true }
	cases := []singleCallCase{
		// Firing.
		{name: "a user killing another user's service is reported as high",
			sender: alice, call: call{pidfd: 3, sig: events.SIGTERM}, target: targetOf(bobService),
			want: true, sev: 3, tech: "T1562.001", reasons: []string{"delivered"}},
		{name: "a refused kill of another user's service is an attempt",
			sender: mallory, call: call{pidfd: 3, sig: events.SIGKILL, result: -1}, target: targetOf(rootDaemon),
			want: true, sev: 2, tech: "T1562.001", reasons: []string{"permission_denied"}},
		{name: "a refused harmless signal is low",
			sender: mallory, call: call{pidfd: 3, sig: events.SIGCONT, result: -1}, target: targetOf(rootDaemon),
			want: true, sev: 1, tech: "T1562.001", reasons: []string{"permission_denied"}},
		{name: "a delivered harmless signal is medium",
			sender: mallory, call: call{pidfd: 3, sig: events.SIGCONT}, target: targetOf(bobService),
			want: true, sev: 2, tech: "T1562.001", reasons: []string{"delivered"}},
		{name: "a process-group kill is a service stop",
			sender: mallory, call: call{pidfd: 3, sig: events.SIGKILL, flags: events.PIDFD_SIGNAL_PROCESS_GROUP}, target: targetOf(bobService),
			want: true, sev: 3, tech: "T1489", reasons: []string{"delivered"}},
		{name: "a real-time signal is a rootkit channel",
			sender: mallory, call: call{pidfd: 3, sig: events.SIGRTMIN + 31, result: -1}, target: targetOf(rootDaemon),
			want: true, sev: 2, tech: "T1014", reasons: []string{"permission_denied"}},
		{name: "root senders are reported when configured",
			sender: rootShell, call: call{pidfd: 3, sig: events.SIGKILL}, target: targetOf(bobService), config: includeRoot,
			want: true, sev: 3, tech: "T1562.001", reasons: []string{"delivered", "root_sender"}},
		{name: "runc signalling a host process is not covered by its allow rule",
			sender: runc, call: call{pidfd: 3, sig: events.SIGKILL}, target: targetOf(bobService), config: includeRoot,
			want: true, sev: 3, tech: "T1562.001", reasons: []string{"delivered", "root_sender"}},
		{name: "a process named systemd without root is not allowed",
			sender: proc{hostPID: 9, uid: 1666, comm: "systemd", pidNS: hostPidNS}, call: call{pidfd: 3, sig: events.SIGTERM, result: -1},
			target: targetOf(rootDaemon),
			want:   true, sev: 2, tech: "T1562.001", reasons: []string{"permission_denied"}},

		// Benign look-alikes.
		{name: "the Go runtime's self-probe is not a cross-user signal",
			sender: aliceGo, call: call{pidfd: 3, sig: 0}, target: self(aliceGo)},
		{name: "os/exec killing its own child is not reported",
			sender: aliceGo, call: call{pidfd: 7, sig: events.SIGKILL}, target: targetOf(aliceChild)},
		{name: "a shell killing its own job is not reported",
			sender: alice, call: call{pidfd: 4, sig: events.SIGTERM, flags: events.PIDFD_SIGNAL_PROCESS_GROUP}, target: targetOf(aliceChild)},
		{name: "systemd stopping a service user with SI_QUEUE is root administration",
			sender: systemd, call: call{pidfd: 30, sig: events.SIGTERM, info: 0x7ffc0000}, target: targetOf(nginx)},
		{name: "systemd stays allowed when root senders are reported",
			sender: systemd, call: call{pidfd: 30, sig: events.SIGTERM, info: 0x7ffc0000}, target: targetOf(nginx), config: includeRoot},
		{name: "systemd without a known executable stays allowed",
			sender: systemdNoEx, call: call{pidfd: 30, sig: events.SIGTERM}, target: targetOf(nginx), config: includeRoot},
		{name: "runc stopping a container's init is allowed",
			sender: runc, call: call{pidfd: 5, sig: events.SIGSTOP}, target: targetOf(ctInit), config: includeRoot},
		{name: "root senders are skipped by default",
			sender: rootShell, call: call{pidfd: 3, sig: events.SIGKILL}, target: targetOf(bobService)},
		{name: "signal 0 is left to PFD-4",
			sender: mallory, call: call{pidfd: 3, sig: 0, result: -1}, target: targetOf(rootDaemon)},
		{name: "a call to an exited process did nothing",
			sender: mallory, call: call{pidfd: 3, sig: events.SIGKILL, result: -3}, target: targetOf(rootDaemon)},
		{name: "invalid flags did nothing",
			sender: mallory, call: call{pidfd: 3, sig: events.SIGKILL, flags: 8, result: -22}, target: targetOf(rootDaemon)},
		{name: "an unknown owner is not assumed foreign",
			sender: mallory, call: call{pidfd: 3, sig: events.SIGKILL, result: -1}, target: unknownTarget},
		{name: "an invalid signal is not reported",
			sender: mallory, call: call{pidfd: 3, sig: 99, result: -22}, target: targetOf(rootDaemon)},
	}
	runSingleCallCases(t, signatures.IDCrossUserSignal, cases)
}
