# METADATA
# title: HOSTILE-25 graph.reachable_paths
# description: Exponentially many paths in one call, withheld, the file does not load.
package tracee.HOSTILE_25

__rego_metadoc__ := {
	"id": "HOSTILE-25",
	"version": "1",
	"name": "graph.reachable_paths",
	"eventName": "hostile_25",
	"description": "Exponentially many paths in one call: withheld, the file does not load.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if count(graph.reachable_paths({"a": ["b", "c"], "b": ["d"], "c": ["d"]}, {"a"})) > 0
