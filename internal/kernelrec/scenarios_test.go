//go:build linux

package kernelrec

import "golang.org/x/sys/unix"

// scenario is one recording: real processes making real calls, written to
// testdata/scenarios/kernel-<name>-v0.24.1.jsonl and -main.jsonl.
type scenario struct {
	name  string
	shows string // what the recording shows
	fires string // which signature should report it, and why (or why none)
	steps func(p paths) []Step
}

// paths are the programs the scenarios run.
type paths struct {
	sleep  string // sleep(1)
	falco  string // a copy of sleep called falco
	auditd string // a copy of sleep called auditd
	helper string // a copy of the test binary, for helpers of any uid
}

// PIDFD_SIGNAL_* flags (include/uapi/linux/pidfd.h).
const (
	pidfdSignalThread       = 1
	pidfdSignalThreadGroup  = 2
	pidfdSignalProcessGroup = 4
)

// Special pidfds naming the caller (include/uapi/linux/pidfd.h).
const (
	pidfdSelfThread      int32 = -10000
	pidfdSelfThreadGroup int32 = -10001
)

// Uids of the actors: a regular user, nobody, and other system users to
// probe.
const (
	root   = 0
	user   = 1000
	nobody = 65534
)

// sig0 is the existence probe: no signal, only the checks.
const sig0 = unix.Signal(0)

// fdInherited is where a parent puts a pidfd for its child to inherit.
const fdInherited = 100

var scenarios = []scenario{
	{
		name:  "same-user-kill",
		shows: "uid 1000 opens a pidfd to its own sleep (uid 1000) and sends SIGKILL.",
		fires: "none: sender and target share a uid (PFD-1 must stay quiet).",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("victim", user, p.sleep),
				SpawnHelper("sender",
					Setresuid(user, user, user),
					OpenPid("v", "victim"),
					Send("v", unix.SIGKILL),
					Close("v")),
				WaitExit("victim"),
			}
		},
	},
	{
		name:  "cross-user-eperm",
		shows: "uid 1000 sends SIGTERM to a sleep of uid 65534: the kernel refuses.",
		fires: "PFD-1 (cross-user terminating signal, refused).",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("victim", nobody, p.sleep),
				SpawnHelper("sender",
					Setresuid(user, user, user),
					OpenPid("v", "victim"),
					Send("v", unix.SIGTERM),
					Close("v")),
			}
		},
	},
	{
		name:  "root-cross-user",
		shows: "root sends SIGTERM to a sleep of uid 65534, which dies: everyday administration.",
		fires: "PFD-1 only with CrossUser.IncludeRootSenders (off by default).",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("victim", nobody, p.sleep),
				SpawnHelper("sender",
					OpenPid("v", "victim"),
					Send("v", unix.SIGTERM),
					Close("v")),
				WaitExit("victim"),
			}
		},
	},
	{
		name: "cross-user-euid",
		shows: "a process with real uid 1000 and effective uid 65534 (setresuid(1000, 65534, 1000)) " +
			"kills a sleep of uid 65534: the kernel allows it, the caller's euid being the target's uid. " +
			"Tracee's userId is the real uid, 1000.",
		fires: "PFD-1 (delivered cross-user SIGTERM as Tracee reports uids); " +
			"a tracker that follows setresuid knows the euid made it legitimate.",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("victim", nobody, p.sleep),
				SpawnHelper("sender",
					Setresuid(user, nobody, user),
					OpenPid("v", "victim"),
					Send("v", unix.SIGTERM),
					Close("v")),
				WaitExit("victim"),
			}
		},
	},
	{
		name: "cross-user-saved-uid",
		shows: "uid 1000 kills a process whose real uid is 65534 but whose saved uid is 1000 " +
			"(setresuid(65534, 65534, 1000)): a real cross-user success without root, since the " +
			"kernel compares the caller's uids with the target's real and saved uid.",
		fires: "PFD-1 (the target's real uid differs); only the target's setresuid event tells it was allowed.",
		steps: func(p paths) []Step {
			return []Step{
				SpawnHelper("victim", Setresuid(nobody, nobody, user), Pause()),
				SpawnHelper("sender",
					Setresuid(user, user, user),
					OpenPid("v", "victim"),
					Send("v", unix.SIGTERM),
					Close("v")),
				WaitExit("victim"),
			}
		},
	},
	{
		name:  "flags-invalid",
		shows: "uid 1000 signals its own sleep with flags 8 (no such flag) and flags 3 (two scope flags): both EINVAL.",
		fires: "PFD-2 (invalid flags, severity 1), for each call.",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("victim", user, p.sleep),
				SpawnHelper("sender",
					Setresuid(user, user, user),
					OpenPid("v", "victim"),
					SendFlags("v", unix.SIGTERM, 8),
					SendFlags("v", unix.SIGTERM, pidfdSignalThread|pidfdSignalThreadGroup),
					Close("v")),
			}
		},
	},
	{
		name: "process-group",
		shows: "uid 1000 sends SIGTERM with PIDFD_SIGNAL_PROCESS_GROUP: through a pidfd of a group member " +
			"that does not lead the group (ESRCH), then of the group's leader, which kills both " +
			"(the group runs as uid 1000, like a shell's job).",
		fires: "PFD-2 only with UnusualFlags.IgnoreOwnProcessGroups off: by default the sender's own group is skipped.",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("leader", user, p.sleep).GroupLeader(),
				SpawnTarget("member", user, p.sleep).InGroupOf("leader"),
				SpawnHelper("sender",
					Setresuid(user, user, user),
					OpenPid("m", "member"),
					SendFlags("m", unix.SIGTERM, pidfdSignalProcessGroup),
					OpenPid("l", "leader"),
					SendFlags("l", unix.SIGTERM, pidfdSignalProcessGroup),
					Close("m"),
					Close("l")),
				WaitExit("leader"),
				WaitExit("member"),
			}
		},
	},
	{
		name:  "process-group-cross-user",
		shows: "uid 1000 sends SIGTERM with PIDFD_SIGNAL_PROCESS_GROUP to a process group of uid 65534.",
		fires: "PFD-2 (process-group kill of another user's group) and PFD-1 (cross-user, refused).",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("leader", nobody, p.sleep).GroupLeader(),
				SpawnTarget("member", nobody, p.sleep).InGroupOf("leader"),
				SpawnHelper("sender",
					Setresuid(user, user, user),
					OpenPid("l", "leader"),
					SendFlags("l", unix.SIGTERM, pidfdSignalProcessGroup),
					Close("l")),
			}
		},
	},
	{
		name: "forged-siginfo",
		shows: "uid 1000 sends SIGTERM to its own sleep with a siginfo it filled itself: si_code SI_USER (0), " +
			"as if from kill(2), then SI_TKILL (-6). The kernel refuses both: a forged origin.",
		fires: "PFD-3 for both calls (EPERM although the target's uid is the sender's).",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("victim", user, p.sleep),
				SpawnHelper("sender",
					Setresuid(user, user, user),
					OpenPid("v", "victim"),
					SendInfo("v", unix.SIGTERM, SI_USER),
					SendInfo("v", unix.SIGTERM, SI_TKILL),
					Close("v")),
			}
		},
	},
	{
		name:  "siginfo-sigqueue",
		shows: "uid 1000 sends SIGTERM to its own sleep with a siginfo of si_code SI_QUEUE (-1), as systemd does: allowed.",
		fires: "none: SI_QUEUE is what sigqueue-style senders use (PFD-3 must stay quiet).",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("victim", user, p.sleep),
				SpawnHelper("sender",
					Setresuid(user, user, user),
					OpenPid("v", "victim"),
					SendInfo("v", unix.SIGTERM, SI_QUEUE),
					Close("v")),
				WaitExit("victim"),
			}
		},
	},
	{
		name: "signal0-probe",
		shows: "uid 1000 probes six processes of other users (uids 0, 0, 1, 2, 33, 65534) with signal 0, " +
			"opening and closing a pidfd for each.",
		fires: "PFD-4 (signal-0 probes of 5 or more foreign targets within 10 s).",
		steps: func(p paths) []Step {
			uids := []int32{root, root, 1, 2, 33, nobody}
			var steps, probes []Step
			probes = append(probes, Setresuid(user, user, user))
			for i, uid := range uids {
				name := "target" + string(rune('1'+i))
				steps = append(steps, SpawnTarget(name, uid, p.sleep))
				probes = append(probes, OpenPid("t", name), Send("t", sig0), Close("t"))
			}
			return append(steps, SpawnHelper("prober", probes...))
		},
	},
	{
		name: "go-self-probe",
		shows: "what every Go program since Go 1.23 does at its first os.Process use: pidfd_open of itself, " +
			"signal 0 through it, close (here as uid 1000).",
		fires: "none: a process probing itself (PFD-4 must not count it).",
		steps: func(p paths) []Step {
			return []Step{
				SpawnHelper("go-program",
					Setresuid(user, user, user),
					OpenSelf("self"),
					Send("self", sig0),
					Close("self")),
			}
		},
	},
	{
		name:  "security-tool-kill",
		shows: "root sends SIGTERM to a process named falco and SIGSTOP to one named auditd (copies of sleep, comm = file name).",
		fires: "PFD-5 for both calls (any sender, root included).",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("falco", root, p.falco),
				SpawnTarget("auditd", root, p.auditd),
				SpawnHelper("attacker",
					OpenPid("f", "falco"),
					Send("f", unix.SIGTERM),
					OpenPid("a", "auditd"),
					Send("a", unix.SIGSTOP),
					Close("f"),
					Close("a")),
				WaitExit("falco"),
			}
		},
	},
	{
		name:  "plain-kill",
		shows: "root sends SIGTERM to a plain sleep.",
		fires: "none (PFD-5 must not mistake it for an agent).",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("sleeper", root, p.sleep),
				SpawnHelper("admin",
					OpenPid("s", "sleeper"),
					Send("s", unix.SIGTERM),
					Close("s")),
				WaitExit("sleeper"),
			}
		},
	},
	{
		name: "pidns-escape",
		shows: "a root process in a new pid (and mount) namespace, pid 1 there, inherits a pidfd of a host " +
			"sleep (opened by its parent on the host and dup'ed without close-on-exec) and sends SIGTERM " +
			"through it; then it tries pidfd_open of the host pid number, which means nothing in its namespace.",
		fires: "PFD-6 (a process in another pid namespace signalling a host process), whatever the kernel answered. " +
			"Tracee sees no container here (containerId is empty): only pidNamespace (v0.24.1) or " +
			"pid != host_pid (main) tells the sender is namespaced.",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("host-victim", root, p.sleep),
				OpenPid("t", "host-victim"),
				Dup("t", "inherited"),
				SpawnHelper("contained",
					Send("inherited", unix.SIGTERM),
					OpenPid("guess", "host-victim"),
				).InNewPidNS().Inheriting("inherited"),
				Close("inherited"),
				Close("t"),
			}
		},
	},
	{
		name: "pidns-local",
		shows: "a root process in a new pid namespace (pid 1 there) starts a sleep there and kills it with SIGTERM " +
			"through a pidfd opened by its namespaced pid (not 2: the helper's Go runtime threads took the first numbers).",
		fires: "none: the target is inside the sender's own namespace (PFD-6 must stay quiet).",
		steps: func(p paths) []Step {
			return []Step{
				SpawnHelper("contained",
					SpawnTarget("inner", root, p.sleep),
					OpenPid("i", "inner"),
					Send("i", unix.SIGTERM),
					WaitExit("inner"),
					Close("i"),
				).InNewPidNS(),
			}
		},
	},
	{
		name: "fd-reuse",
		shows: "uid 1000 opens a pidfd to one sleep, closes it, opens a pidfd to another sleep, which gets the " +
			"same fd number, and sends SIGTERM through it: the second sleep dies.",
		fires: "none (same uid); a target tracker must follow close so the fd names the second process.",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("first", user, p.sleep),
				SpawnTarget("second", user, p.sleep),
				SpawnHelper("sender",
					Setresuid(user, user, user),
					OpenPid("a", "first"),
					Close("a"),
					OpenPid("b", "second"),
					Send("b", unix.SIGTERM),
					Close("b")),
				WaitExit("second"),
			}
		},
	},
	{
		name: "dup2-replace",
		shows: "uid 1000 opens pidfds to two sleeps, dup2()s the first onto the second's fd and sends SIGTERM " +
			"through that fd: the first sleep dies, the second lives.",
		fires: "none (same uid); a tracker must follow dup2 replacing an open fd.",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("first", user, p.sleep),
				SpawnTarget("second", user, p.sleep),
				SpawnHelper("sender",
					Setresuid(user, user, user),
					OpenPid("a", "first"),
					OpenPid("b", "second"),
					Dup2("a", "b", "b"),
					Send("b", unix.SIGTERM),
					Close("a"),
					Close("b")),
				WaitExit("first"),
			}
		},
	},
	{
		name: "fork-inherit",
		shows: "uid 1000 opens a pidfd to a sleep of uid 65534, dup3()s it to fd 100 without O_CLOEXEC and starts a " +
			"child, which inherits fd 100 and sends SIGTERM through it without any pidfd_open of its own (EPERM: cross-user).",
		fires: "PFD-1 (cross-user, refused) for the child's call; a tracker must follow fork and exec to know fd 100's target.",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("victim", nobody, p.sleep),
				SpawnHelper("parent",
					Setresuid(user, user, user),
					OpenPid("v", "victim"),
					Dup3("v", fdInherited, 0, "inherited"),
					SpawnHelper("child", Send("inherited", unix.SIGTERM)).Inheriting("inherited"),
					Close("inherited"),
					Close("v")),
			}
		},
	},
	{
		name: "pidfd-getfd",
		shows: "a uid 65534 process holds a pidfd to a sleep of uid 65534; root copies that fd out of it with " +
			"pidfd_getfd and sends SIGKILL through the copy.",
		fires: "PFD-1 only with IncludeRootSenders; a tracker must follow pidfd_getfd to know the copy's target.",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("victim", nobody, p.sleep),
				SpawnHelper("holder",
					Setresuid(nobody, nobody, nobody),
					OpenPid("v", "victim"),
					Pause()),
				OpenPid("h", "holder"),
				GetFD("copy", "h", "holder", "v"),
				Send("copy", unix.SIGKILL),
				Close("copy"),
				Close("h"),
				WaitExit("victim"),
				Resume("holder"),
			}
		},
	},
	{
		name:  "self-pidfd",
		shows: "uid 1000 sends signal 0 to itself through PIDFD_SELF_THREAD_GROUP and PIDFD_SELF_THREAD, without any fd.",
		fires: "none: a process probing itself.",
		steps: func(p paths) []Step {
			return []Step{
				SpawnHelper("self-checker",
					Setresuid(user, user, user),
					SendFD(pidfdSelfThreadGroup, sig0),
					SendFD(pidfdSelfThread, sig0)),
			}
		},
	},
	{
		name:  "exited-target",
		shows: "uid 1000 kills its own sleep with SIGKILL, then, once it has exited, sends SIGTERM through the same pidfd: ESRCH.",
		fires: "none.",
		steps: func(p paths) []Step {
			return []Step{
				SpawnTarget("victim", user, p.sleep),
				SpawnHelper("sender",
					Setresuid(user, user, user),
					OpenPid("v", "victim"),
					Send("v", unix.SIGKILL),
					Pause(),
					Send("v", unix.SIGTERM),
					Close("v")),
				WaitExit("victim"),
				Resume("sender"),
			}
		},
	},
}
