# METADATA
# title: HOSTILE-1 numbers.range memory bomb
# description: Builds an array of two hundred million numbers on every event.
package tracee.HOSTILE_1

__rego_metadoc__ := {
	"id": "HOSTILE-1",
	"version": "1",
	"name": "numbers.range memory bomb",
	"eventName": "hostile_1",
	"description": "count(numbers.range(1, 200000000)) on every event.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if count(numbers.range(1, 200000000)) > 0
