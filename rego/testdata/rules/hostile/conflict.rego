# METADATA
# title: HOSTILE-12 conflicting values
# description: A complete rule with two different values on the same event.
package tracee.HOSTILE_12

__rego_metadoc__ := {
	"id": "HOSTILE-12",
	"version": "1",
	"name": "conflicting values",
	"eventName": "hostile_12",
	"description": "A complete rule with two different values on the same event.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match := {"a": 1} if input.eventName == "pidfd_send_signal"

tracee_match := {"b": 2} if input.eventName != ""
