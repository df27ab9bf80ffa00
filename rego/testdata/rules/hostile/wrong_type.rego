# METADATA
# title: HOSTILE-14 wrong tracee_match type
# description: tracee_match is a string, not true or an object.
package tracee.HOSTILE_14

__rego_metadoc__ := {
	"id": "HOSTILE-14",
	"version": "1",
	"name": "wrong tracee_match type",
	"eventName": "hostile_14",
	"description": "tracee_match is a string, not true or an object.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match := "fired" if input.eventName == "pidfd_send_signal"
