# METADATA
# title: HOSTILE-2 nested loops
# description: Ten billion turns of two nested loops that build nothing, a CPU bomb.
package tracee.HOSTILE_2

__rego_metadoc__ := {
	"id": "HOSTILE-2",
	"version": "1",
	"name": "nested loops",
	"eventName": "hostile_2",
	"description": "Ten billion turns of two nested loops that build nothing: a CPU bomb.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if {
	r := numbers.range(1, 100000)
	some i in r
	some j in r
	i + j == 0
}
