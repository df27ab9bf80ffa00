# METADATA
# title: HOSTILE-15 huge number
# description: One shifted left by ten billion bits, a number of three billion digits.
package tracee.HOSTILE_15

__rego_metadoc__ := {
	"id": "HOSTILE-15",
	"version": "1",
	"name": "huge number",
	"eventName": "hostile_15",
	"description": "One shifted left by ten billion bits: a number of three billion digits.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if bits.lsh(1, 10000000000) > 0
