# METADATA
# title: HOSTILE-11 huge finding data
# description: A finding carrying two million numbers.
package tracee.HOSTILE_11

__rego_metadoc__ := {
	"id": "HOSTILE-11",
	"version": "1",
	"name": "huge finding data",
	"eventName": "hostile_11",
	"description": "A finding carrying two million numbers.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match := {"numbers": numbers.range(1, 2000000)}
