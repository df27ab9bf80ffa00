package tracee.TRC_2

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "TRC-2",
	"version": "0.1.0",
	"name": "Anti-Debugging",
	"eventName": "anti_debugging",
	"description": "A rule in old Tracee's Rego v0 syntax, loaded unchanged",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Defense Evasion: Execution Guardrails",
	},
}

tracee_selected_events[eventSelector] {
	eventSelector := {
		"source": "tracee",
		"name": "ptrace",
	}
}

tracee_match {
	input.eventName == "ptrace"
	helpers.get_tracee_argument("request") == "PTRACE_TRACEME"
}
