# METADATA
# title: Tests of PFD-3 pidfd_forged_siginfo
package tracee.PFD_3_test

import data.tracee.PFD_3
import data.tracee.pidfdsig.fixtures as f

siginfo := 140732622192320

test_metadata_follows_tracees_contract if {
	PFD_3.__rego_metadoc__.id == "PFD-3"
	PFD_3.__rego_metadoc__.eventName == "pidfd_forged_siginfo"
	count(PFD_3.tracee_selected_events) == 1
}

# The captured call: root, info{si_code=0}, EPERM.
test_a_refused_siginfo_from_root_fires if {
	ev := f.enriched(f.send({"info": siginfo, "return": -1}), f.child)
	m := PFD_3.tracee_match with input as ev
	m.reasons == ["root_sender", "same_uid"]
	PFD_3.pidfdsig_properties.Severity == 3 with input as ev
}

test_root_alone_is_weaker_evidence if {
	ev := f.enriched(f.send({"info": siginfo, "return": -1}), f.unknown)
	m := PFD_3.tracee_match with input as ev
	m.reasons == ["root_sender"]
	PFD_3.pidfdsig_properties.Severity == 2 with input as ev
}

test_a_saved_uid_proves_permission if {
	m := PFD_3.tracee_match with input as f.enriched(f.by(f.alice, f.send({"info": siginfo, "return": -1})), f.bob)
	m.reasons == ["target_saved_uid"]
}

test_process_groups_count_only_root if {
	m := PFD_3.tracee_match with input as f.enriched(f.send({"info": siginfo, "flags": 4, "return": -1}), f.child)
	m.reasons == ["root_sender"]
	not PFD_3.tracee_match with input as f.enriched(f.by(f.alice, f.send({"info": siginfo, "flags": 4, "return": -1})), f.alice_child)
}

test_benign_siginfo_does_not_fire if {
	# systemd's SI_QUEUE succeeds
	not PFD_3.tracee_match with input as f.enriched(f.send({"info": siginfo}), f.child)

	# to itself any si_code goes
	not PFD_3.tracee_match with input as f.enriched(f.send({"info": siginfo, "return": -1}), f.self)
	not PFD_3.tracee_match with input as f.send({"pidfd": -10001, "info": siginfo, "return": -1})

	# another user's EPERM is explained by permission
	not PFD_3.tracee_match with input as f.enriched(f.by(f.alice, f.send({"info": siginfo, "return": -1})), f.child)

	# no siginfo
	not PFD_3.tracee_match with input as f.enriched(f.send({"return": -1}), f.child)
}
