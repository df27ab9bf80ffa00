# METADATA
# title: HOSTILE-27 json.patch copy doubling
# description: Sixty copies of the document into itself in one json.patch call.
package tracee.HOSTILE_27

__rego_metadoc__ := {
	"id": "HOSTILE-27",
	"version": "1",
	"name": "json.patch copy doubling",
	"eventName": "hostile_27",
	"description": "Sixty copies of the document into itself in one json.patch call.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if {
	ops := [{"op": "copy", "from": "", "path": sprintf("/k%d", [i])} | some i in numbers.range(1, 60)]
	count(json.patch({"a": "x"}, ops)) > 0
}
