# METADATA
# title: Tests of PFD-4 pidfd_signal_probe
package tracee.PFD_4_test

import data.tracee.PFD_4
import data.tracee.pidfdsig.fixtures as f

test_metadata_follows_tracees_contract if {
	PFD_4.__rego_metadoc__.id == "PFD-4"
	PFD_4.__rego_metadoc__.eventName == "pidfd_signal_probe"
	count(PFD_4.tracee_selected_events) == 1
}

test_a_probe_of_another_users_process_is_a_probe if {
	ev := f.enriched(f.by(f.alice, f.send({"sig": 0})), f.bob)
	m := PFD_4.tracee_match with input as ev
	m.reasons == ["probe_threshold"]
	p := PFD_4.pidfdsig_probe with input as ev
	p == {"sender": "2000/2415554493", "target": "pid:2500", "target_host_pid": 2500}
	PFD_4.pidfdsig_properties.external_id == "T1057" with input as ev
}

test_an_eperm_probe_of_an_unknown_target_counts_by_pidfd if {
	ev := f.enriched(f.by(f.alice, f.send({"sig": 0, "return": -1})), f.unknown)
	PFD_4.tracee_match with input as ev
	p := PFD_4.pidfdsig_probe with input as ev
	p.target == "fd:3"
	p.target_host_pid == 0
}

test_benign_probes_do_not_count if {
	# the Go runtime's probe of its own pidfd
	not PFD_4.tracee_match with input as f.enriched(f.by(f.alice, f.send({"sig": 0})), object.union(f.alice_child, {"is_sender": true}))
	not PFD_4.tracee_match with input as f.by(f.alice, f.send({"pidfd": -10001, "sig": 0}))

	# the same user's process
	not PFD_4.tracee_match with input as f.enriched(f.by(f.alice, f.send({"sig": 0})), f.alice_child)

	# a real signal is not a probe
	not PFD_4.tracee_match with input as f.enriched(f.by(f.alice, f.send({"sig": 9})), f.bob)

	# root, by default (the captured root probe)
	not PFD_4.tracee_match with input as f.enriched(f.send({"sig": 0}), f.bob)
}

test_root_probes_count_when_configured if {
	PFD_4.tracee_match with input as f.enriched(f.send({"sig": 0}), f.bob)
		with data.pidfdsig.config as {"signal_probe": {"include_root_senders": true}}
}
