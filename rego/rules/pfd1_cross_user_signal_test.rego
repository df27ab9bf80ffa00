# METADATA
# title: Tests of PFD-1 pidfd_cross_user_signal
package tracee.PFD_1_test

import data.tracee.PFD_1
import data.tracee.pidfdsig.fixtures as f

test_metadata_follows_tracees_contract if {
	PFD_1.__rego_metadoc__.id == "PFD-1"
	PFD_1.__rego_metadoc__.eventName == "pidfd_cross_user_signal"
	PFD_1.tracee_selected_events == {{"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}}
}

test_a_delivered_kill_of_another_users_process_fires if {
	ev := f.enriched(f.by(f.alice, f.send({"sig": 9})), f.bob)
	m := PFD_1.tracee_match with input as ev
	m.reasons == ["delivered"]
	m.target == f.bob
	m.signal == "SIGKILL"
	p := PFD_1.pidfdsig_properties with input as ev
	p.Severity == 3
	p.external_id == "T1562.001"
}

test_severity_and_technique_grade_the_call if {
	# refused disruptive: 2
	PFD_1.pidfdsig_properties.Severity == 2 with input as f.enriched(f.by(f.alice, f.send({"sig": 15, "return": -1})), f.bob)

	# delivered harmless: 2
	PFD_1.pidfdsig_properties.Severity == 2 with input as f.enriched(f.by(f.alice, f.send({"sig": 17})), f.bob)

	# refused harmless: 1
	PFD_1.pidfdsig_properties.Severity == 1 with input as f.enriched(f.by(f.alice, f.send({"sig": 17, "return": -1})), f.bob)

	# a process-group kill is a service stop
	PFD_1.pidfdsig_properties.Technique == "Service Stop" with input as f.enriched(f.by(f.alice, f.send({"sig": 9, "flags": 4})), f.bob)

	# a real-time signal is a rootkit's channel
	PFD_1.pidfdsig_properties.Technique == "Rootkit" with input as f.enriched(f.by(f.alice, f.send({"sig": 40})), f.bob)
}

test_a_refused_attempt_fires if {
	m := PFD_1.tracee_match with input as f.enriched(f.by(f.alice, f.send({"sig": 15, "return": -1})), f.bob)
	m.reasons == ["permission_denied"]
}

test_benign_calls_do_not_fire if {
	# the same user
	not PFD_1.tracee_match with input as f.enriched(f.by(f.alice, f.send({"sig": 9})), f.alice_child)

	# the probe is PFD-4's
	not PFD_1.tracee_match with input as f.enriched(f.by(f.alice, f.send({"sig": 0})), f.bob)

	# an unknown owner
	not PFD_1.tracee_match with input as f.enriched(f.by(f.alice, f.send({"sig": 9})), f.unknown)

	# failed for another reason
	not PFD_1.tracee_match with input as f.enriched(f.by(f.alice, f.send({"sig": 9, "return": -3})), f.bob)

	# root, by default
	not PFD_1.tracee_match with input as f.enriched(f.send({"sig": 9}), f.bob)

	# without enrichment the owner of fd 3 is unknown
	not PFD_1.tracee_match with input as f.by(f.alice, f.send({"sig": 9}))
}

test_root_senders_are_opt_in if {
	m := PFD_1.tracee_match with input as f.enriched(f.send({"sig": 9}), f.bob)
		with data.pidfdsig.config as {"cross_user": {"include_root_senders": true}}
	m.reasons == ["delivered", "root_sender"]
}

test_allowlisted_senders_do_not_fire if {
	not PFD_1.tracee_match with input as f.enriched(f.by(f.alice, f.send({"sig": 9})), f.bob)
		with data.pidfdsig.config as {"allow": [{"comm": ["bash"]}]}
}
