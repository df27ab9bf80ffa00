# METADATA
# title: HOSTILE-13 builtin errors
# description: Builtins that fail on every event, as in OPA, each call is undefined, so the rule never fires.
package tracee.HOSTILE_13

__rego_metadoc__ := {
	"id": "HOSTILE-13",
	"version": "1",
	"name": "builtin errors",
	"eventName": "hostile_13",
	"description": "Builtins that fail on every event: as in OPA, each call is undefined, so the rule never fires.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if {
	x := to_number("not a number")
	y := 1 / 0
	json.unmarshal("{") == {}
	x + y > 0
}
