# METADATA
# title: pidfdsig helpers
# description: >-
#   Intention-revealing functions for rules about pidfd_send_signal(2) events.
#   They read the runtime's enrichment (input.pidfdsig.call, the decoded call,
#   and input.pidfdsig.target, the resolved target) and fall back to decoding
#   input.args themselves when it is absent, as under old Tracee or plain opa
#   eval: the target is then known only for PIDFD_SELF_* pidfds.
# custom:
#   input: trace.Event JSON, plus input.pidfdsig (see rego/README.md)
#   data: data.pidfdsig.config, the Go signatures' configuration (optional)
package tracee.pidfdsig.helpers

import data.tracee.pidfdsig.defaults

# --- The raw event ---------------------------------------------------------

# METADATA
# description: The value of the event argument called name.
arg(name) := value if {
	some a in input.args
	a.name == name
	value := a.value
}

# METADATA
# description: The event argument called name as a number; numeric strings are converted.
arg_number(name) := n if {
	n := arg(name)
	is_number(n)
}

arg_number(name) := to_number(s) if {
	s := arg(name)
	is_string(s)
}

# METADATA
# description: Whether the event is a pidfd_send_signal call.
is_send_signal if input.eventName == "pidfd_send_signal"

# --- The decoded call --------------------------------------------------------

# METADATA
# description: >-
#   The decoded call, in the shape of events.Record (pidfd, pidfd_kind, sig,
#   signal, flags, flag_names, unknown_flags, multiple_scopes, scope, info,
#   return, errno, sender): the runtime's when present, else decoded from
#   input.args. Undefined when the call cannot be decoded.
call := c if {
	c := input.pidfdsig.call
} else := decoded_call if not input.pidfdsig

# METADATA
# description: The call decoded from input.args, as events.ParseSendSignal decodes it.
decoded_call := {
	"pidfd": pidfd,
	"pidfd_kind": pidfd_kind(pidfd),
	"sig": sig,
	"signal": signal_name(sig),
	"flags": flags,
	"flag_names": flag_names(flags),
	"unknown_flags": unknown_flags(flags),
	"multiple_scopes": multiple_scopes(flags),
	"scope": scope(flags, pidfd),
	"info": info,
	"return": ret,
	"errno": errno_name(ret),
	"sender": sender,
} if {
	is_send_signal
	pidfd := arg_number("pidfd")
	in_range(pidfd, -2147483648, 2147483647)
	sig := arg_number("sig")
	in_range(sig, -2147483648, 2147483647)
	info := arg_number("info")
	in_range(info, 0, 18446744073709551615)
	flags := arg_number("flags")
	in_range(flags, 0, 4294967295)
	ret := return_value
}

in_range(n, low, high) if {
	n == round(n)
	n >= low
	n <= high
}

# METADATA
# description: >-
#   The call's result: the main branch's trailing returnValue argument when
#   present, else the event's returnValue.
return_value := arg_number("returnValue")

return_value := event_return_value if not arg("returnValue")

# METADATA
# description: The calling process, from the event context (missing fields read as zero).
sender := {
	"host_pid": event_host_pid,
	"pid": event_pid,
	"uid": event_uid,
	"comm": event_comm,
	"exe": event_exe,
	"container_id": sender_container_id,
}

sender_container_id := event_container_id if event_container_id != ""

sender_container_id := event_compat_container_id if event_container_id == ""

# METADATA
# description: The sender's pid namespace inode (0 when unknown).
sender_pid_ns := event_pid_ns

# METADATA
# description: The sender's uid.
sender_uid := call.sender.uid

# METADATA
# description: Whether the sender runs as root.
is_root_sender if sender_uid == 0

# Event context fields, missing ones as zero or "". Each is read by name
# (input.KEY, not object.get(input, KEY, ...)), so that the runtime knows
# which fields of the event its rules read, and builds only those.

default event_return_value := 0

event_return_value := input.returnValue

default event_host_pid := 0

event_host_pid := input.hostProcessId

default event_pid := 0

event_pid := input.processId

default event_uid := 0

event_uid := input.userId

default event_comm := ""

event_comm := input.processName

default event_exe := ""

event_exe := input.executable.path

default event_container_id := ""

event_container_id := input.container.id

default event_compat_container_id := ""

event_compat_container_id := input.containerId

default event_pid_ns := 0

event_pid_ns := input.pidNamespace

# METADATA
# description: Tracee's process entity id of the sender (0 when unknown).
default event_entity_id := 0

event_entity_id := input.processEntityId

# --- Signals -----------------------------------------------------------------

signal_names := [
	"SIG0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
	"SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
	"SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG",
	"SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
]

# METADATA
# description: Whether the kernel accepts sig (0, the probe, included).
valid_signal(sig) if {
	sig >= 0
	sig <= 64
}

# METADATA
# description: 'The kernel name of sig: "SIGKILL", "SIG0", "SIGRTMIN+3", "SIGINVALID(99)".'
signal_name(sig) := signal_names[sig] if {
	sig >= 0
	sig < 32
}

signal_name(sig) := "SIGRTMIN" if sig == 32

signal_name(sig) := sprintf("SIGRTMIN+%d", [sig - 32]) if {
	sig > 32
	sig < 64
}

signal_name(sig) := "SIGRTMAX" if sig == 64

signal_name(sig) := sprintf("SIGINVALID(%d)", [sig]) if not valid_signal(sig)

# METADATA
# description: 'What sig does to a target without a handler: "terminate", "stop", "continue", "ignore" or "none".'
default_action(sig) := "none" if {
	not valid_signal(sig)
} else := "none" if {
	sig == 0
} else := "stop" if {
	sig in {19, 20, 21, 22}
} else := "continue" if {
	sig == 18
} else := "ignore" if {
	sig in {17, 23, 28}
} else := "terminate"

# METADATA
# description: Whether sig terminates its target by default.
is_terminating(sig) if default_action(sig) == "terminate"

# METADATA
# description: Whether sig stops its target by default.
is_stopping(sig) if default_action(sig) == "stop"

# METADATA
# description: Whether sig terminates or stops its target unless it is handled.
is_disruptive(sig) if default_action(sig) in {"terminate", "stop"}

# METADATA
# description: Whether sig is a real-time signal (SIGRTMIN..SIGRTMAX).
is_realtime(sig) if {
	sig >= 32
	sig <= 64
}

# METADATA
# description: Whether the call is the signal 0 existence probe.
is_probe if call.sig == 0

# --- Flags, pidfd and scope --------------------------------------------------

flag_bits := [[1, "PIDFD_SIGNAL_THREAD"], [2, "PIDFD_SIGNAL_THREAD_GROUP"], [4, "PIDFD_SIGNAL_PROCESS_GROUP"]]

# METADATA
# description: The names of the known flags set in flags, in bit order.
flag_names(flags) := [name | some [bit, name] in flag_bits; has_flag(flags, bit)]

# METADATA
# description: Whether every bit of flag is set in flags.
has_flag(flags, flag) if bits.and(flags, flag) == flag

# METADATA
# description: The bits of flags outside the three scope flags (EINVAL).
unknown_flags(flags) := bits.and(flags, 4294967288)

# METADATA
# description: Whether more than one scope flag is set (EINVAL).
multiple_scopes(flags) := count(flag_names(flags)) > 1

# METADATA
# description: Whether the kernel accepts flags.
valid_flags(flags) if {
	unknown_flags(flags) == 0
	not multiple_scopes(flags)
}

# METADATA
# description: 'Who the call signals: "thread", "thread_group", "process_group", "pidfd" (as the pidfd was opened) or "invalid".'
scope(flags, _) := "invalid" if not valid_flags(flags)

scope(flags, _) := "thread" if flags == 1

scope(flags, _) := "thread_group" if flags == 2

scope(flags, _) := "process_group" if flags == 4

scope(flags, pidfd) := "thread" if {
	flags == 0
	pidfd == -10000
}

scope(flags, pidfd) := "thread_group" if {
	flags == 0
	pidfd == -10001
}

scope(flags, pidfd) := "pidfd" if {
	flags == 0
	not pidfd in {-10000, -10001}
}

# METADATA
# description: 'What a pidfd value is: "fd", "self_thread" (PIDFD_SELF_THREAD), "self_thread_group" or "invalid".'
pidfd_kind(pidfd) := "fd" if pidfd >= 0

pidfd_kind(pidfd) := "self_thread" if pidfd == -10000

pidfd_kind(pidfd) := "self_thread_group" if pidfd == -10001

pidfd_kind(pidfd) := "invalid" if {
	pidfd < 0
	not pidfd in {-10000, -10001}
}

# METADATA
# description: Whether the call names the caller with PIDFD_SELF_THREAD or PIDFD_SELF_THREAD_GROUP.
targets_self if call.pidfd_kind in {"self_thread", "self_thread_group"}

# METADATA
# description: Whether a siginfo was passed (the call then behaves like rt_sigqueueinfo).
has_siginfo if call.info != 0

# --- Results -----------------------------------------------------------------

# METADATA
# description: 'The Linux name of a failed call''s errno ("EPERM"), "" on success.'
errno_name(ret) := "" if ret >= 0

errno_name(ret) := defaults.errno_names[0 - ret] if ret < 0

errno_name(ret) := sprintf("errno(%d)", [0 - ret]) if {
	ret < 0
	not defaults.errno_names[0 - ret]
}

# METADATA
# description: Whether the call succeeded.
succeeded if call.return >= 0

# METADATA
# description: Whether the call failed with the named errno, e.g. failed_with("EPERM").
failed_with(errno) if call.errno == errno

# METADATA
# description: Whether a real signal was delivered (success, and not the probe).
delivered if {
	succeeded
	not is_probe
}

# --- The target --------------------------------------------------------------

# METADATA
# description: >-
#   The signalled process as target.Record: the runtime's resolved target
#   (source "self", "tracked", "procfs", "pidfd_info" or "unknown"), else the
#   sender itself for PIDFD_SELF_*, else unknown. Unknown values are absent:
#   uid only when known, euid and suid only when the credentials are, no
#   zero pid or empty name. See target_view for every field present.
target := t if {
	t := input.pidfdsig.target
} else := self_target if {
	targets_self
} else := {"source": "unknown", "reason": "no target resolution", "thread": false, "is_sender": false, "exited": false}

self_target := object.union(
	{key: value |
		some key, value in {
			"host_pid": call.sender.host_pid,
			"pid": call.sender.pid,
			"comm": call.sender.comm,
			"exe": call.sender.exe,
			"container_id": call.sender.container_id,
			"pid_ns": sender_pid_ns,
		}
		not value in {0, ""}
	},
	{"source": "self", "thread": false, "uid": call.sender.uid, "is_sender": true, "exited": false},
)

# METADATA
# description: >-
#   The target with every field but the uids present: unknown numbers read
#   0, unknown names "". For comparisons where unknown means "not that".
target_view := object.union(
	{"reason": "", "host_pid": 0, "host_tid": 0, "pid": 0, "comm": "", "exe": "", "container_id": "", "pid_ns": 0},
	target,
)

# METADATA
# description: Whether the target process is identified.
target_known if target.source != "unknown"

# METADATA
# description: The target's real uid; undefined when unknown.
target_uid := target.uid

# METADATA
# description: Whether the target is the sender itself (by PIDFD_SELF_* or by resolution).
is_self if targets_self

is_self if target.is_sender

# METADATA
# description: Whether the target's known uid differs from the sender's.
is_cross_user if {
	not is_self
	target_uid != sender_uid
}

# METADATA
# description: Whether the target is known to run in a container other than the sender's pid namespace.
target_in_container if {
	target_known
	target_view.container_id != ""
}

target_in_container if {
	target_known
	target_view.pid_ns != 0
	sender_pid_ns != 0
	target_view.pid_ns != sender_pid_ns
}

# METADATA
# description: The inode number of the initial pid namespace (PROC_PID_INIT_INO).
init_pid_ns := 4026531836

# METADATA
# description: >-
#   Where the sender runs: "initial" (the host's pid namespace), "child" or
#   "unknown". From the namespace inode when Tracee gives it, else (the main
#   branch's JSON has none) from the pids: a pid that differs from the host
#   pid is numbered in a child namespace.
sender_pid_namespace := "initial" if sender_pid_ns == init_pid_ns

sender_pid_namespace := "child" if {
	sender_pid_ns != 0
	sender_pid_ns != init_pid_ns
}

sender_pid_namespace := "unknown" if {
	sender_pid_ns == 0
	not sender_pids_known
}

sender_pid_namespace := "initial" if {
	sender_pid_ns == 0
	sender_pids_known
	call.sender.pid == call.sender.host_pid
}

sender_pid_namespace := "child" if {
	sender_pid_ns == 0
	sender_pids_known
	call.sender.pid != call.sender.host_pid
}

sender_pids_known if {
	call.sender.pid > 0
	call.sender.host_pid > 0
}

# METADATA
# description: Whether the sender runs in a container or in a pid namespace other than the initial one.
sender_contained if call.sender.container_id != ""

sender_contained if {
	sender_pid_ns != 0
	sender_pid_ns != init_pid_ns
}

# --- Configuration -----------------------------------------------------------

# METADATA
# description: >-
#   A configuration value by path, e.g. setting(["signal_probe", "threshold"]):
#   data.pidfdsig.config (the Go signatures' configuration, as JSON) where it
#   sets it, else the built-in default.
setting(path) := value if {
	# {"pidfdsig": "unset"} stands for a path the configuration leaves out;
	# the runtime's sets them all, so the defaults are looked up only
	# outside it.
	value := object.get(data.pidfdsig.config, path, {"pidfdsig": "unset"})
	value != {"pidfdsig": "unset"}
} else := object.get(defaults.config, path, null)

default config := {}

config := data.pidfdsig.config

# METADATA
# description: Whether an allow rule of the configuration covers this call for signature id.
allowed(id) if {
	some rule in setting(["allow"])
	allow_matches(rule)
	allow_applies(rule, id)
}

allow_applies(rule, _) if count(object.get(rule, "signatures", [])) == 0

allow_applies(rule, id) if id in rule.signatures

# The most selective tests first: names, then uids.
allow_matches(rule) if {
	allow_comm(rule)
	allow_uid(rule)
	allow_exe(rule)
	allow_target(rule)
}

allow_comm(rule) if count(object.get(rule, "comm", [])) == 0

allow_comm(rule) if comm_in(call.sender.comm, rule.comm)

allow_exe(rule) if count(object.get(rule, "exe", [])) == 0

allow_exe(rule) if exe_matches(rule.exe, call.sender.exe)

allow_exe(rule) if {
	call.sender.exe == ""
	object.get(rule, "match_unknown_exe", false)
}

allow_uid(rule) if count(object.get(rule, "uids", [])) == 0

allow_uid(rule) if sender_uid in rule.uids

allow_target(rule) if not object.get(rule, "target_in_container", false)

allow_target(_) if target_in_container

# METADATA
# description: >-
#   Whether comm is one of names, compared as the kernel stores comm: names
#   longer than 15 bytes match on their first 15. An empty comm never matches.
comm_in(comm, names) if {
	comm != ""
	comm in names
}

# Only a comm of the full 15 bytes can be a truncated longer name.
comm_in(comm, names) if {
	count(comm) == 15
	some name in names
	startswith(name, comm)
}

# METADATA
# description: >-
#   The first of globs that exe matches (path.Match syntax, "*" never crossing
#   "/"; a trailing "/**" matches everything below a directory). Undefined when
#   none matches or exe is empty.
exe_match(globs, exe) := [pattern | some pattern in globs; exe_glob(pattern, exe)][0] if exe != ""

# METADATA
# description: >-
#   Whether exe matches one of globs, as exe_match but with one glob.match
#   call: the globs as alternatives of one pattern, "/**" being glob.match's
#   own super-wildcard. Globs using braces or commas are matched one by one.
exe_matches(globs, exe) if {
	exe != ""
	count(globs) > 0
	not glob_syntax_in(globs)
	glob.match(concat("", ["{", concat(",", globs), "}"]), ["/"], exe)
}

exe_matches(globs, exe) if {
	glob_syntax_in(globs)
	exe_match(globs, exe)
}

glob_syntax_in(globs) if {
	s := concat("", globs)
	some c in ["{", "}", ",", "\\"]
	contains(s, c)
}

exe_glob(pattern, exe) if {
	endswith(pattern, "/**")
	startswith(exe, trim_suffix(pattern, "**"))
}

exe_glob(pattern, exe) if {
	not endswith(pattern, "/**")
	glob.match(pattern, ["/"], exe)
}

# --- Findings ----------------------------------------------------------------

# The reasons a finding can give, in the order findings list them.
reason_order := [
	"delivered", "permission_denied", "root_sender", "unknown_flags",
	"multiple_scopes", "process_group_kill", "same_uid", "target_saved_uid",
	"probe_threshold", "tool_name", "tool_exe", "other_container",
	"host_process", "outside_pid_namespace",
]

# METADATA
# description: >-
#   The reason names as the ordered list findings carry: the built-in
#   reasons in reason_order, then any other (a custom rule's own) sorted.
ordered(reasons) := array.concat(
	[r | some r in reason_order; r in reasons],
	sort({r | some r in reasons; not r in reason_order}),
)

# METADATA
# description: >-
#   The data of a finding, as the Go signatures build it: the decoded call's
#   fields, "target" (target.Record) and "reasons".
finding_data(reasons) := object.union(call, {
	"target": target,
	"reasons": ordered(reasons),
})

# The MITRE ATT&CK techniques the rules report, as metadata properties.
techniques := {
	"disable_tools": {
		"Category": "defense-evasion", "Technique": "Disable or Modify Tools",
		"external_id": "T1562.001", "external_id_v19": "T1685",
		"id": "attack-pattern--ac08589e-ee59-4935-8667-d845e38fe579",
	},
	"service_stop": {
		"Category": "impact", "Technique": "Service Stop", "external_id": "T1489",
		"id": "attack-pattern--20fb2507-d71c-455d-9b6d-6104461cf26b",
	},
	"rootkit": {
		"Category": "defense-evasion", "Technique": "Rootkit", "external_id": "T1014",
		"id": "attack-pattern--0f20e3cb-245b-4a61-8a91-2d93f7cb0e9b",
	},
	"system_checks": {
		"Category": "defense-evasion", "Technique": "System Checks", "external_id": "T1497.001",
		"id": "attack-pattern--29be378d-262d-4e99-b00d-852d573628e6",
	},
	"masquerading": {
		"Category": "defense-evasion", "Technique": "Masquerading", "external_id": "T1036",
		"id": "attack-pattern--42e8de7b-37b2-4258-905a-6897815e58e0",
	},
	"process_discovery": {
		"Category": "discovery", "Technique": "Process Discovery", "external_id": "T1057",
		"id": "attack-pattern--8f4a33ec-8b1f-4b80-a2f6-642b2e479580",
	},
	"escape_to_host": {
		"Category": "privilege-escalation", "Technique": "Escape to Host", "external_id": "T1611",
		"id": "attack-pattern--4a5b7ade-8bb5-4853-84ed-23f262002665",
	},
}

# METADATA
# description: The metadata properties of a finding of severity (0..4) classified as technique.
properties(severity, technique) := object.union(techniques[technique], {"Severity": severity})

# METADATA
# description: The tags every pidfdsig rule declares; Tracee turns tags into event sets, so `--events pidfdsig` selects every rule and the plugin's followers.
tags := ["linux", "container", "pidfd", "pidfdsig"]

# METADATA
# description: The selection of every pidfdsig rule, as tracee_selected_events wants it.
send_signal_selector := {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}
