# METADATA
# title: Tests of the pidfdsig helpers
package tracee.pidfdsig.helpers_test

import data.tracee.pidfdsig.fixtures as f
import data.tracee.pidfdsig.helpers as h

test_arg_reads_an_argument_by_name if {
	h.arg("sig") == 10 with input as f.sample
	not h.arg("nope") with input as f.sample
}

test_arg_number_converts_numeric_strings if {
	h.arg_number("sig") == 10 with input as {"args": [{"name": "sig", "value": "10"}]}
}

test_call_decodes_the_captured_event if {
	c := h.call with input as f.sample
	c == {
		"pidfd": 3, "pidfd_kind": "fd", "sig": 10, "signal": "SIGUSR1", "flags": 0, "flag_names": [],
		"unknown_flags": 0, "multiple_scopes": false, "scope": "pidfd", "info": 0, "return": 0, "errno": "",
		"sender": {"host_pid": 32234, "pid": 32234, "uid": 0, "comm": "pidfd-trigger", "exe": "", "container_id": ""},
	}
}

test_call_prefers_the_runtimes_record if {
	runtime_input := object.union(f.sample, {"pidfdsig": {"call": {"signal": "from the runtime"}}})
	object.keys(h.call) == {"signal"} with input as runtime_input
	h.call.signal == "from the runtime" with input as runtime_input
}

test_call_is_undefined_when_the_runtime_could_not_decode_it if {
	not h.call with input as object.union(f.sample, {"pidfdsig": {"error": "bad"}})
}

test_call_reads_the_main_branch_return_value_argument if {
	ev := object.union(f.send({"return": 0}), {"args": array.concat(f.send({}).args, [{"name": "returnValue", "type": "int64", "value": -3}])})
	h.call.errno == "ESRCH" with input as ev
}

test_call_takes_the_container_id_from_either_field if {
	h.call.sender.container_id == "abc" with input as object.union(f.sample, {"container": {"id": "abc"}})
	h.call.sender.container_id == "def" with input as object.union(f.sample, {"containerId": "def"})
}

test_call_reads_missing_context_fields_as_zero if {
	ev := object.remove(f.sample, ["returnValue", "hostProcessId", "processId", "userId", "processName", "executable", "containerId", "pidNamespace", "processEntityId"])
	h.call.return == 0 with input as ev
	h.call.sender == {"host_pid": 0, "pid": 0, "uid": 0, "comm": "", "exe": "", "container_id": ""} with input as ev
	h.sender_pid_ns == 0 with input as ev
	h.event_entity_id == 0 with input as ev
	h.event_entity_id == 2415554493 with input as f.sample
}

test_call_is_undefined_for_out_of_range_arguments if {
	not h.call with input as f.send({"flags": 4294967296})
	not h.call with input as f.send({"sig": 1.5})
	not h.call with input as object.union(f.sample, {"eventName": "kill"})
}

test_signal_names if {
	h.signal_name(0) == "SIG0"
	h.signal_name(9) == "SIGKILL"
	h.signal_name(32) == "SIGRTMIN"
	h.signal_name(35) == "SIGRTMIN+3"
	h.signal_name(64) == "SIGRTMAX"
	h.signal_name(65) == "SIGINVALID(65)"
	h.signal_name(-1) == "SIGINVALID(-1)"
}

test_default_actions if {
	h.default_action(9) == "terminate"
	h.default_action(19) == "stop"
	h.default_action(18) == "continue"
	h.default_action(17) == "ignore"
	h.default_action(0) == "none"
	h.default_action(99) == "none"
	h.is_terminating(15)
	not h.is_terminating(19)
	h.is_stopping(19)
	not h.is_stopping(15)
	h.is_disruptive(15)
	h.is_disruptive(20)
	not h.is_disruptive(18)
	h.is_realtime(40)
	not h.is_realtime(31)
}

test_flags if {
	h.flag_names(5) == ["PIDFD_SIGNAL_THREAD", "PIDFD_SIGNAL_PROCESS_GROUP"]
	h.unknown_flags(12) == 8
	h.multiple_scopes(3)
	not h.multiple_scopes(4)
	h.valid_flags(2)
	not h.valid_flags(8)
}

test_scopes if {
	h.scope(0, 3) == "pidfd"
	h.scope(0, -10000) == "thread"
	h.scope(0, -10001) == "thread_group"
	h.scope(1, 3) == "thread"
	h.scope(2, 3) == "thread_group"
	h.scope(4, 3) == "process_group"
	h.scope(3, 3) == "invalid"
	h.scope(8, 3) == "invalid"
}

test_pidfd_kinds if {
	h.pidfd_kind(0) == "fd"
	h.pidfd_kind(-10000) == "self_thread"
	h.pidfd_kind(-10001) == "self_thread_group"
	h.pidfd_kind(-1) == "invalid"
}

test_errno_names if {
	h.errno_name(0) == ""
	h.errno_name(-1) == "EPERM"
	h.errno_name(-22) == "EINVAL"
	h.errno_name(-500) == "errno(500)"
}

test_results if {
	h.succeeded with input as f.sample
	h.delivered with input as f.sample
	not h.delivered with input as f.send({"sig": 0})
	h.failed_with("EPERM") with input as f.send({"return": -1})
	h.has_siginfo with input as f.send({"info": 140732622192320})
}

test_target_without_the_runtime_is_the_sender_for_pidfd_self if {
	t := h.target with input as f.send({"pidfd": -10001})
	t == {"source": "self", "thread": false, "uid": 0, "is_sender": true, "exited": false, "host_pid": 32234, "pid": 32234, "comm": "pidfd-trigger", "pid_ns": 4026531836}
	h.is_self with input as f.send({"pidfd": -10000})
	h.targets_self with input as f.send({"pidfd": -10000})
}

test_target_without_the_runtime_is_unknown_for_an_fd if {
	h.target.source == "unknown" with input as f.sample
	not h.target_known with input as f.sample
	not h.target_uid with input as f.sample
	h.target_view.comm == "" with input as f.sample
}

test_cross_user_needs_a_known_owner if {
	h.is_cross_user with input as f.enriched(f.by(f.alice, f.sample), f.bob)
	not h.is_cross_user with input as f.enriched(f.by(f.alice, f.sample), f.alice_child)
	not h.is_cross_user with input as f.enriched(f.by(f.alice, f.sample), f.unknown)
	h.is_root_sender with input as f.sample
}

test_sender_pid_namespace if {
	h.sender_pid_namespace == "initial" with input as f.sample
	h.sender_pid_namespace == "child" with input as f.by(f.contained, f.sample)
	h.sender_pid_namespace == "initial" with input as f.by({"pidNamespace": 0}, f.sample)
	h.sender_pid_namespace == "child" with input as f.by({"pidNamespace": 0, "processId": 1}, f.sample)
	h.sender_pid_namespace == "unknown" with input as f.by({"pidNamespace": 0, "processId": 0}, f.sample)
}

test_containment if {
	h.sender_contained with input as f.by(f.contained, f.sample)
	h.sender_contained with input as f.by({"pidNamespace": 4026532999}, f.sample)
	not h.sender_contained with input as f.sample
	h.target_in_container with input as f.enriched(f.sample, f.in_container)
	h.target_in_container with input as f.enriched(f.sample, object.union(f.child, {"pid_ns": 4026532999}))
	not h.target_in_container with input as f.enriched(f.sample, f.child)
}

test_settings_fall_back_to_the_defaults if {
	h.config == {}
	h.config == {"x": 1} with data.pidfdsig.config as {"x": 1}
	h.setting(["signal_probe", "threshold"]) == 5
	h.setting(["signal_probe", "threshold"]) == 2 with data.pidfdsig.config as {"signal_probe": {"threshold": 2}}
	h.setting(["no", "such"]) == null
}

test_allow_rules if {
	# systemd, root, with its executable: allowed for PFD-1 by default
	h.allowed("PFD-1") with input as f.by(f.systemd, f.sample)
	not h.allowed("PFD-5") with input as f.by(f.systemd, f.sample)

	# without an executable only with match_unknown_exe
	h.allowed("PFD-1") with input as f.by(object.union(f.systemd, {"executable": {"path": ""}}), f.sample)

	# a non-root "systemd" is not
	not h.allowed("PFD-1") with input as f.by(object.union(f.systemd, {"userId": 1000}), f.sample)

	# runc only for targets in containers
	runc := {"userId": 0, "processName": "runc", "executable": {"path": "/usr/bin/runc"}}
	h.allowed("PFD-1") with input as f.enriched(f.by(runc, f.sample), f.in_container)
	not h.allowed("PFD-1") with input as f.enriched(f.by(runc, f.sample), f.child)
}

test_allow_rules_from_configuration if {
	cfg := {"allow": [{"exe": ["/opt/tools/**"]}, {"comm": ["a-very-long-process-name"], "uids": [1000]}]}
	h.allowed("PFD-2") with input as f.by({"executable": {"path": "/opt/tools/bin/x"}}, f.sample)
		with data.pidfdsig.config as cfg
	h.allowed("PFD-2") with input as f.by({"processName": "a-very-long-pro", "userId": 1000}, f.sample)
		with data.pidfdsig.config as cfg
	not h.allowed("PFD-2") with input as f.by({"processName": "a-very-long-pro", "userId": 0}, f.sample)
		with data.pidfdsig.config as cfg
}

test_exe_match_returns_the_first_matching_glob if {
	h.exe_match(["/usr/bin/a*", "/usr/bin/*", "/opt/x/**"], "/usr/bin/bash") == "/usr/bin/*"
	h.exe_match(["/opt/x/**"], "/opt/x/y/z") == "/opt/x/**"
	not h.exe_match(["/usr/bin/*"], "/usr/bin/sub/x")
	not h.exe_match(["*"], "")
}

test_finding_data_is_the_call_the_target_and_ordered_reasons if {
	d := h.finding_data({"root_sender", "delivered"}) with input as f.enriched(f.sample, f.child)
	d.reasons == ["delivered", "root_sender"]
	d.target == f.child
	d.signal == "SIGUSR1"
}

test_finding_data_keeps_custom_reasons_after_the_built_in_ones_sorted if {
	d := h.finding_data({"zz_custom", "delivered", "a_custom", "root_sender"}) with input as f.enriched(f.sample, f.child)
	d.reasons == ["delivered", "root_sender", "a_custom", "zz_custom"]
}

test_finding_data_with_only_custom_reasons if {
	d := h.finding_data({"sigusr1_to_child"}) with input as f.enriched(f.sample, f.child)
	d.reasons == ["sigusr1_to_child"]
}

test_ordered_takes_an_array_and_drops_duplicates if {
	h.ordered(["mine", "delivered", "mine", "host_process"]) == ["delivered", "host_process", "mine"]
	h.ordered(set()) == []
}

test_properties if {
	h.properties(2, "service_stop") == {
		"Severity": 2, "Category": "impact", "Technique": "Service Stop", "external_id": "T1489",
		"id": "attack-pattern--20fb2507-d71c-455d-9b6d-6104461cf26b",
	}
}

test_exe_matches_tries_every_glob_at_once if {
	h.exe_matches(["/usr/bin/a*", "/opt/x/**"], "/opt/x/y/z")
	not h.exe_matches(["/usr/bin/*"], "/usr/bin/sub/x")
	not h.exe_matches([], "/usr/bin/x")
	not h.exe_matches(["*"], "")

	# a comma in a glob would split the alternatives: those are matched one by one
	h.exe_matches(["/srv/a,b/*"], "/srv/a,b/run")
}
