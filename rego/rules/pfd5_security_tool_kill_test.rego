# METADATA
# title: Tests of PFD-5 pidfd_security_tool_kill
package tracee.PFD_5_test

import data.tracee.PFD_5
import data.tracee.pidfdsig.fixtures as f

test_metadata_follows_tracees_contract if {
	PFD_5.__rego_metadoc__.id == "PFD-5"
	PFD_5.__rego_metadoc__.eventName == "pidfd_security_tool_kill"
	count(PFD_5.tracee_selected_events) == 1
}

test_killing_falco_fires_even_for_root if {
	ev := f.enriched(f.send({"sig": 9}), f.falco)
	m := PFD_5.tracee_match with input as ev
	m.reasons == ["delivered", "tool_name", "tool_exe"]
	m.security_tool == "falco"
	PFD_5.pidfdsig_properties.Severity == 3 with input as ev
}

test_a_refused_attempt_fires if {
	ev := f.enriched(f.by(f.alice, f.send({"sig": 19, "return": -1})), f.falco)
	m := PFD_5.tracee_match with input as ev
	m.reasons == ["permission_denied", "tool_name", "tool_exe"]
	PFD_5.pidfdsig_properties.Severity == 2 with input as ev
}

test_an_agent_known_by_its_executable_only if {
	agent := object.union(f.falco, {"comm": "worker", "exe": "/opt/CrowdStrike/falcond"})
	m := PFD_5.tracee_match with input as f.enriched(f.send({"sig": 15}), agent)
	m.reasons == ["delivered", "tool_exe"]
	m.security_tool == "/opt/CrowdStrike/**"
}

test_benign_signals_do_not_fire if {
	# SIGHUP reloads
	not PFD_5.tracee_match with input as f.enriched(f.send({"sig": 1}), f.falco)

	# an agent already gone
	not PFD_5.tracee_match with input as f.enriched(f.send({"sig": 9, "return": -3}), f.falco)

	# an ordinary process
	not PFD_5.tracee_match with input as f.enriched(f.send({"sig": 9}), f.bob)

	# the agent itself
	not PFD_5.tracee_match with input as f.enriched(f.send({"sig": 9}), object.union(f.falco, {"is_sender": true}))

	# an unknown target
	not PFD_5.tracee_match with input as f.send({"sig": 9})
}

test_an_agent_restarting_its_own_worker_is_skipped if {
	sender := {"processName": "falco", "executable": {"path": "/usr/bin/falco"}}
	not PFD_5.tracee_match with input as f.enriched(f.by(sender, f.send({"sig": 9})), f.falco)
	no_exe := {"processName": "falco", "executable": {"path": ""}}
	not PFD_5.tracee_match with input as f.enriched(f.by(no_exe, f.send({"sig": 9})), f.falco)
	PFD_5.tracee_match with input as f.enriched(f.by(sender, f.send({"sig": 9})), f.falco)
		with data.pidfdsig.config as {"security_tools": {"ignore_same_tool": false}}
}
