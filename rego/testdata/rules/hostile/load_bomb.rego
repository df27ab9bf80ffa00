# METADATA
# title: HOSTILE-26 bomb at load
# description: tracee_selected_events computes a hundred million selectors, loading it is bounded and the file is left out.
package tracee.HOSTILE_26

__rego_metadoc__ := {
	"id": "HOSTILE-26",
	"version": "1",
	"name": "bomb at load",
	"eventName": "hostile_26",
	"description": "tracee_selected_events computes a hundred million selectors: loading it is bounded and the file is left out.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": name, "origin": "*"} if {
	some i in numbers.range(1, 100000000)
	name := sprintf("event_%d", [i])
}

tracee_match := true
