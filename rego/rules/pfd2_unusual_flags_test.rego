# METADATA
# title: Tests of PFD-2 pidfd_unusual_flags
package tracee.PFD_2_test

import data.tracee.PFD_2
import data.tracee.pidfdsig.fixtures as f

test_metadata_follows_tracees_contract if {
	PFD_2.__rego_metadoc__.id == "PFD-2"
	PFD_2.__rego_metadoc__.eventName == "pidfd_unusual_flags"
	count(PFD_2.tracee_selected_events) == 1
}

# The captured call with flags=8, refused with EINVAL.
test_unknown_flag_bits_fire_as_kernel_probing if {
	ev := f.send({"flags": 8, "return": -22})
	m := PFD_2.tracee_match with input as ev
	m.reasons == ["unknown_flags"]
	m.errno == "EINVAL"
	p := PFD_2.pidfdsig_properties with input as ev
	p.Severity == 1
	p.external_id == "T1497.001"
}

test_more_than_one_scope_fires if {
	m := PFD_2.tracee_match with input as f.send({"flags": 3, "return": -22})
	m.reasons == ["multiple_scopes"]
}

# The captured call with PIDFD_SIGNAL_PROCESS_GROUP and SIGUSR2.
test_a_process_group_kill_fires_as_service_stop if {
	ev := f.enriched(f.by(f.alice, f.send({"sig": 12, "flags": 4})), f.bob)
	m := PFD_2.tracee_match with input as ev
	m.reasons == ["process_group_kill"]
	PFD_2.pidfdsig_properties.Severity == 2 with input as ev
}

test_own_process_groups_are_skipped_by_default if {
	not PFD_2.tracee_match with input as f.enriched(f.by(f.alice, f.send({"sig": 9, "flags": 4})), f.alice_child)
	PFD_2.tracee_match with input as f.enriched(f.by(f.alice, f.send({"sig": 9, "flags": 4})), f.alice_child)
		with data.pidfdsig.config as {"unusual_flags": {"ignore_own_process_groups": false}}
}

test_ordinary_calls_do_not_fire if {
	not PFD_2.tracee_match with input as f.sample
	not PFD_2.tracee_match with input as f.send({"flags": 4, "sig": 18})
	not PFD_2.tracee_match with input as f.send({"flags": 1})
}
