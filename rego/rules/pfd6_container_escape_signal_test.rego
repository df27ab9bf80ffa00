# METADATA
# title: Tests of PFD-6 pidfd_container_escape_signal
package tracee.PFD_6_test

import data.tracee.PFD_6
import data.tracee.pidfdsig.fixtures as f

test_metadata_follows_tracees_contract if {
	PFD_6.__rego_metadoc__.id == "PFD-6"
	PFD_6.__rego_metadoc__.eventName == "pidfd_container_escape_signal"
	count(PFD_6.tracee_selected_events) == 1
}

test_a_host_pid_container_killing_a_host_process_fires if {
	ev := f.enriched(f.by(f.host_pid_container, f.send({"sig": 9})), f.child)
	m := PFD_6.tracee_match with input as ev
	m.reasons == ["host_process"]
	PFD_6.pidfdsig_properties.Severity == 3 with input as ev
}

test_a_host_pid_container_signalling_another_container_fires if {
	ev := f.enriched(f.by(f.host_pid_container, f.send({"sig": 0, "return": -1})), f.other_container)
	m := PFD_6.tracee_match with input as ev
	m.reasons == ["other_container"]
	PFD_6.pidfdsig_properties.Severity == 2 with input as ev
}

test_einval_from_the_pid_namespace_check_fires_without_a_target if {
	m := PFD_6.tracee_match with input as f.by(f.contained, f.send({"sig": 9, "return": -22}))
	m.reasons == ["outside_pid_namespace"]
	not PFD_6.tracee_match with input as f.by(f.contained, f.send({"sig": 9, "flags": 8, "return": -22}))
	not PFD_6.tracee_match with input as f.send({"sig": 9, "return": -22})
}

test_the_namespace_is_told_by_the_pids_when_tracee_gives_none if {
	no_ns := {"pidNamespace": 0, "processId": 1, "hostProcessId": 22169}
	PFD_6.tracee_match with input as f.by(no_ns, f.send({"sig": 15, "return": -22}))
	not PFD_6.tracee_match with input as f.by(object.union(no_ns, {"processId": 22169}), f.send({"sig": 15, "return": -22}))
}

test_benign_calls_do_not_fire if {
	# a container in its own pid namespace reaching its own processes
	not PFD_6.tracee_match with input as f.enriched(f.by(f.contained, f.send({"sig": 9})), f.in_container)

	# a hostPID container's target unknown, or in the same container
	not PFD_6.tracee_match with input as f.enriched(f.by(f.host_pid_container, f.send({"sig": 9})), f.unknown)
	not PFD_6.tracee_match with input as f.enriched(f.by(f.host_pid_container, f.send({"sig": 9})), object.union(f.in_container, {"container_id": "hostpid1"}))

	# itself
	not PFD_6.tracee_match with input as f.by(f.contained, f.send({"pidfd": -10001, "sig": 9, "return": -22}))

	# a host process
	not PFD_6.tracee_match with input as f.enriched(f.send({"sig": 9}), f.child)
}
