# METADATA
# title: HOSTILE-8 walk of a huge value
# description: Every path of a thousand-by-thousand grid.
package tracee.HOSTILE_8

__rego_metadoc__ := {
	"id": "HOSTILE-8",
	"version": "1",
	"name": "walk of a huge value",
	"eventName": "hostile_8",
	"description": "Every path of a thousand-by-thousand grid.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if {
	row := numbers.range(1, 1000)
	grid := [row | some _ in numbers.range(1, 1000)]
	paths := [p | walk(grid, [p, _])]
	count(paths) > 0
}
