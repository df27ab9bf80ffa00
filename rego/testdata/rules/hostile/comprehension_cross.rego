# METADATA
# title: HOSTILE-3 cross-product comprehension
# description: An array of every pair of two 5,000-element ranges, 25 million arrays.
package tracee.HOSTILE_3

__rego_metadoc__ := {
	"id": "HOSTILE-3",
	"version": "1",
	"name": "cross-product comprehension",
	"eventName": "hostile_3",
	"description": "An array of every pair of two 5,000-element ranges: 25 million arrays.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if {
	r := numbers.range(1, 5000)
	pairs := [[i, j] | some i in r; some j in r]
	count(pairs) > 0
}
