package signatures_test

import (
	"testing"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/signatures"
)

func TestSecurityToolKill(t *testing.T) {
	reportSame := func(c *signatures.Config) { c.SecurityTools.IgnoreSameTool = false }
	onlyKill := func(c *signatures.Config) { c.SecurityTools.Signals = []string{"SIGKILL"} }
	crowdstrike := proc{hostPID: 950, uid: 0, comm: "falcond", exe: "/opt/CrowdStrike/falcond", pidNS: hostPidNS}
	wazuh := proc{hostPID: 960, uid: 0, comm: "wazuh-logcollec", pidNS: hostPidNS} // comm is cut to 15 bytes
	renamed := proc{hostPID: 970, uid: 0, comm: "kworker/0:1", exe: "/usr/bin/tetragon", pidNS: hostPidNS}
	cases := []singleCallCase{
		// Firing.
		{name: "root killing falco is reported",
			sender: rootShell, call: call{pidfd: 3, sig: events.SIGKILL}, target: targetOf(falco),
			want: true, sev: 3, tech: "T1562.001", reasons: []string{"delivered", "tool_name", "tool_exe"}},
		{name: "a refused stop of falco is an attempt",
			sender: mallory, call: call{pidfd: 3, sig: events.SIGSTOP, result: -1}, target: targetOf(falco),
			want: true, sev: 2, tech: "T1562.001", reasons: []string{"permission_denied", "tool_name", "tool_exe"}},
		{name: "an agent is recognised by its executable under a directory",
			sender: rootShell, call: call{pidfd: 3, sig: events.SIGTERM}, target: targetOf(crowdstrike),
			want: true, sev: 3, tech: "T1562.001", reasons: []string{"delivered", "tool_name", "tool_exe"}},
		{name: "an agent is recognised by its truncated comm",
			sender: rootShell, call: call{pidfd: 3, sig: events.SIGINT}, target: targetOf(wazuh),
			want: true, sev: 3, tech: "T1562.001", reasons: []string{"delivered", "tool_name"}},
		{name: "an agent that renamed its thread is recognised by its executable",
			sender: rootShell, call: call{pidfd: 3, sig: events.SIGQUIT}, target: targetOf(renamed),
			want: true, sev: 3, tech: "T1562.001", reasons: []string{"delivered", "tool_exe"}},
		{name: "systemd stopping falco is still reported: the allowlist does not cover PFD-5",
			sender: systemd, call: call{pidfd: 30, sig: events.SIGTERM}, target: targetOf(falco),
			want: true, sev: 3, tech: "T1562.001", reasons: []string{"delivered", "tool_name", "tool_exe"}},
		{name: "an agent's watchdog is reported when configured",
			sender: osqueryd, call: call{pidfd: 3, sig: events.SIGKILL}, target: targetOf(osqWorker), config: reportSame,
			want: true, sev: 3, tech: "T1562.001", reasons: []string{"delivered", "tool_name", "tool_exe"}},
		{name: "a sender only named like the agent is not its watchdog",
			sender: proc{hostPID: 9, uid: 0, comm: "osqueryd", exe: "/tmp/osqueryd", pidNS: hostPidNS}, call: call{pidfd: 3, sig: events.SIGKILL},
			target: targetOf(osqWorker),
			want:   true, sev: 3, tech: "T1562.001", reasons: []string{"delivered", "tool_name", "tool_exe"}},

		// Benign look-alikes.
		{name: "osqueryd's watchdog killing its worker is skipped",
			sender: osqueryd, call: call{pidfd: 3, sig: events.SIGKILL}, target: targetOf(osqWorker)},
		{name: "SIGHUP asking auditd to reload is not a kill",
			sender: rootShell, call: call{pidfd: 3, sig: events.SIGHUP}, target: targetOf(proc{hostPID: 700, uid: 0, comm: "auditd", exe: "/usr/sbin/auditd"})},
		{name: "signal 0 to falco is a health check",
			sender: rootShell, call: call{pidfd: 3, sig: 0}, target: targetOf(falco)},
		{name: "a signal to an agent already gone did nothing",
			sender: rootShell, call: call{pidfd: 3, sig: events.SIGKILL, result: -3}, target: targetOf(falco)},
		{name: "an agent stopping itself is not reported",
			sender: falco, call: call{pidfd: int32(events.PIDFD_SELF_THREAD_GROUP), sig: events.SIGTERM}, target: self(falco)},
		{name: "signals left out of the configuration are not reported",
			sender: rootShell, call: call{pidfd: 3, sig: events.SIGTERM}, target: targetOf(falco), config: onlyKill},
		{name: "an unknown target is not assumed an agent",
			sender: rootShell, call: call{pidfd: 3, sig: events.SIGKILL}, target: unknownTarget},
		{name: "os/exec killing its own child is not reported",
			sender: aliceGo, call: call{pidfd: 7, sig: events.SIGKILL}, target: targetOf(aliceChild)},
		{name: "systemd stopping nginx is not reported",
			sender: systemd, call: call{pidfd: 30, sig: events.SIGTERM, info: 0x7ffc0000}, target: targetOf(nginx)},
	}
	runSingleCallCases(t, signatures.IDSecurityToolKill, cases)
}

func TestSecurityToolKillNamesTheMatchedTool(t *testing.T) {
	for _, tc := range []struct {
		name   string
		target proc
		want   string
	}{
		{"the name wins when both match", falco, "falco"},
		{"the glob is named when only the executable matches", proc{comm: "x", exe: "/opt/CrowdStrike/falcond"}, "/opt/CrowdStrike/**"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := signatures.NewSecurityToolKill(signatures.DefaultConfig(), signatures.WithResolver(&fixedResolver{t: targetOf(tc.target)}))
			if err != nil {
				t.Fatal(err)
			}
			got := initSig(t, s)
			feed(t, s, sendEvent(rootShell, call{pidfd: 3, sig: events.SIGKILL}, 1))
			list := got.list()
			if len(list) != 1 || list[0].Data[signatures.DataSecurityTool] != tc.want {
				t.Fatalf("findings %v, want one naming %q", dataOf(list), tc.want)
			}
		})
	}
}
