# METADATA
# title: HOSTILE-9 strings replace growth
# description: Replacing the empty string in a 100 kB string by itself, 10 GB.
package tracee.HOSTILE_9

__rego_metadoc__ := {
	"id": "HOSTILE-9",
	"version": "1",
	"name": "strings replace growth",
	"eventName": "hostile_9",
	"description": "Replacing the empty string in a 100 kB string by itself: 10 GB.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if {
	s := sprintf("%100000d", [1])
	out := replace(s, "", s)
	count(out) > 0
}
