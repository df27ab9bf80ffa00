# METADATA
# title: ENG-2 engine errors
# description: >-
#   Not a detection: a rule whose complete rule "which" has two values on
#   some events (a conflict error), so that the engine tests compare how
#   both engines fail, not only how they succeed.
package tracee.ENG_2

__rego_metadoc__ := {
	"id": "ENG-2",
	"version": "1",
	"name": "Engine errors",
	"eventName": "engine_errors",
	"description": "Fails with a conflict on some events.",
	"tags": ["test"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "*"}

tracee_match := {"which": which}

which := "root" if input.userId == 0

which := "s-name" if startswith(input.processName, "s")
