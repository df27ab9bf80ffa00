package signatures_test

import (
	"testing"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

func TestForgedSiginfo(t *testing.T) {
	const info = 0x7ffd1234
	pg := events.PIDFD_SIGNAL_PROCESS_GROUP
	setuidTarget := func() target.Target { // real uid 0, saved uid alice's
		t := targetOf(rootDaemon)
		t.CredsKnown, t.EUID, t.SUID = true, 0, uint32(alice.uid)
		return t
	}()
	cases := []singleCallCase{
		// Firing.
		{name: "a forged siginfo to one's own child is refused and reported",
			sender: alice, call: call{pidfd: 3, sig: events.SIGUSR1, info: info, result: -1}, target: targetOf(aliceChild),
			want: true, sev: 3, tech: "T1036", reasons: []string{"same_uid"}},
		{name: "a forged siginfo by root is reported as medium",
			sender: rootShell, call: call{pidfd: 3, sig: events.SIGUSR1, info: info, result: -1}, target: targetOf(nginx),
			want: true, sev: 2, tech: "T1036", reasons: []string{"root_sender"}},
		{name: "root forging to a root process names both reasons",
			sender: rootShell, call: call{pidfd: 3, sig: events.SIGTERM, info: info, result: -1}, target: targetOf(rootDaemon),
			want: true, sev: 3, tech: "T1036", reasons: []string{"root_sender", "same_uid"}},
		{name: "root forging to an unknown target is reported",
			sender: rootShell, call: call{pidfd: 3, sig: events.SIGTERM, info: info, result: -1}, target: unknownTarget,
			want: true, sev: 2, tech: "T1036", reasons: []string{"root_sender"}},
		{name: "a saved uid matching the sender proves the permission",
			sender: alice, call: call{pidfd: 3, sig: events.SIGUSR1, info: info, result: -1}, target: setuidTarget,
			want: true, sev: 3, tech: "T1036", reasons: []string{"target_saved_uid"}},
		{name: "root forging to its own process group is reported",
			sender: rootShell, call: call{pidfd: 3, sig: events.SIGUSR1, info: info, flags: pg, result: -1}, target: self(rootShell),
			want: true, sev: 2, tech: "T1036", reasons: []string{"root_sender"}},

		// Benign look-alikes.
		{name: "systemd's successful SI_QUEUE stop of a service user never fires",
			sender: systemd, call: call{pidfd: 30, sig: events.SIGTERM, info: info}, target: targetOf(nginx)},
		{name: "a refused NULL-info kill is a permission matter",
			sender: alice, call: call{pidfd: 3, sig: events.SIGKILL, result: -1}, target: targetOf(aliceChild)},
		{name: "a refused siginfo to another user's process is explained by permission",
			sender: mallory, call: call{pidfd: 3, sig: events.SIGUSR1, info: info, result: -1}, target: targetOf(nginx)},
		{name: "a refused siginfo to an unknown target of a non-root sender is not assumed forged",
			sender: mallory, call: call{pidfd: 3, sig: events.SIGUSR1, info: info, result: -1}, target: unknownTarget},
		{name: "a sender may forge any siginfo to itself",
			sender: alice, call: call{pidfd: int32(events.PIDFD_SELF_THREAD_GROUP), sig: events.SIGUSR1, info: info, result: -1}, target: self(alice)},
		{name: "a process-group EPERM of a non-root sender may come from a member of another user",
			sender: alice, call: call{pidfd: 3, sig: events.SIGUSR1, info: info, flags: pg, result: -1}, target: targetOf(aliceChild)},
		{name: "an EINVAL si_signo mismatch is not a forgery",
			sender: alice, call: call{pidfd: 3, sig: events.SIGUSR1, info: info, result: -22}, target: targetOf(aliceChild)},
		{name: "os/exec killing its own child is not reported",
			sender: aliceGo, call: call{pidfd: 7, sig: events.SIGKILL}, target: targetOf(aliceChild)},
	}
	runSingleCallCases(t, signatures.IDForgedSiginfo, cases)
}
