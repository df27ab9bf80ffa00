package signatures_test

import (
	"testing"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/signatures"
)

func TestContainerEscapeSignal(t *testing.T) {
	unshared := proc{hostPID: 7300, pid: 1, uid: 1000, comm: "sh", exe: "/bin/sh", pidNS: 4026532900} // unshare -p, no container
	cases := []singleCallCase{
		// Firing.
		{name: "a hostPID container killing a host process is an escape",
			sender: inHostPIDCt, call: call{pidfd: 3, sig: events.SIGKILL}, target: targetOf(rootDaemon),
			want: true, sev: 3, tech: "T1611", reasons: []string{"host_process"}},
		{name: "a container signalling another container is reported",
			sender: inHostPIDCt, call: call{pidfd: 3, sig: events.SIGTERM, result: -1}, target: targetOf(otherCt),
			want: true, sev: 2, tech: "T1611", reasons: []string{"other_container"}},
		{name: "a smuggled pidfd of a host process is fenced off with EINVAL",
			sender: inContainer, call: call{pidfd: 9, sig: events.SIGKILL, result: -22}, target: unknownTarget,
			want: true, sev: 2, tech: "T1611", reasons: []string{"outside_pid_namespace"}},
		{name: "a sandbox without container id is contained by its pid namespace",
			sender: unshared, call: call{pidfd: 9, sig: events.SIGTERM, result: -22}, target: targetOf(rootDaemon),
			want: true, sev: 2, tech: "T1611", reasons: []string{"outside_pid_namespace"}},
		{name: "a namespaced sender is recognised by its pids when the namespace is not reported",
			sender: proc{hostPID: 7400, pid: 1, uid: 0, comm: "sh"}, call: call{pidfd: 6, sig: events.SIGTERM, result: -22}, target: unknownTarget,
			want: true, sev: 2, tech: "T1611", reasons: []string{"outside_pid_namespace"}},
		{name: "a hostPID container recognised by its pids reaching a host process is reported",
			sender: proc{hostPID: 7500, pid: 7500, uid: 0, comm: "sh", container: "hostpid2"}, call: call{pidfd: 3, sig: events.SIGKILL},
			target: targetOf(rootDaemon),
			want:   true, sev: 3, tech: "T1611", reasons: []string{"host_process"}},
		{name: "probing a host process from a container is reconnaissance",
			sender: inHostPIDCt, call: call{pidfd: 3, sig: 0}, target: targetOf(falco),
			want: true, sev: 2, tech: "T1611", reasons: []string{"host_process"}},

		// Benign look-alikes.
		{name: "a shell in a container killing its own job is not reported",
			sender: inContainer, call: call{pidfd: 4, sig: events.SIGTERM, flags: events.PIDFD_SIGNAL_PROCESS_GROUP}, target: targetOf(ctChild)},
		{name: "a container with its own pid namespace reaches only that namespace when the call succeeds",
			sender: inContainer, call: call{pidfd: 4, sig: events.SIGKILL}, target: targetOf(otherCt)},
		{name: "EINVAL for a host process is no namespace fence",
			sender: proc{hostPID: 7600, pid: 7600, uid: 0, comm: "x", pidNS: hostPidNS}, call: call{pidfd: 4, sig: events.SIGKILL, result: -22},
			target: unknownTarget},
		{name: "a hostPID container signalling its own processes is not reported",
			sender: inHostPIDCt, call: call{pidfd: 4, sig: events.SIGTERM},
			target: targetOf(proc{hostPID: 7101, pid: 7101, uid: 0, comm: "app", container: "hostpid1", pidNS: hostPidNS})},
		{name: "a sidecar signalling the main container of its pod is not reported",
			sender: inPod, call: call{pidfd: 4, sig: events.SIGHUP}, target: targetOf(podMain)},
		{name: "the Go runtime's self-probe in a container is not reported",
			sender: inContainer, call: call{pidfd: 3, sig: 0}, target: self(inContainer)},
		{name: "runc on the host stopping a container's init is not reported",
			sender: runc, call: call{pidfd: 5, sig: events.SIGSTOP}, target: targetOf(ctInit)},
		{name: "a host process signalling a host process is not reported",
			sender: alice, call: call{pidfd: 5, sig: events.SIGKILL}, target: targetOf(aliceChild)},
		{name: "EINVAL from invalid flags is not a namespace fence",
			sender: inContainer, call: call{pidfd: 9, sig: events.SIGKILL, flags: 8, result: -22}, target: unknownTarget},
		{name: "EINVAL with a siginfo may be a si_signo mismatch",
			sender: inContainer, call: call{pidfd: 9, sig: events.SIGKILL, info: 0x7ffc0000, result: -22}, target: unknownTarget},
		{name: "a host process of unknown pid namespace is not assumed outside",
			sender: inHostPIDCt, call: call{pidfd: 3, sig: events.SIGKILL},
			target: targetOf(proc{hostPID: 99, uid: 0, comm: "cron"})},
		{name: "an unknown target that was signalled is not assumed outside",
			sender: inContainer, call: call{pidfd: 3, sig: events.SIGKILL}, target: unknownTarget},
		{name: "a target already gone did nothing",
			sender: inHostPIDCt, call: call{pidfd: 3, sig: events.SIGKILL, result: -3}, target: targetOf(rootDaemon)},
	}
	runSingleCallCases(t, signatures.IDContainerEscapeSignal, cases)
}
