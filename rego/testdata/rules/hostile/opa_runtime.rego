# METADATA
# title: HOSTILE-18 opa.runtime
# description: Describes the OPA process, withheld, the file does not load.
package tracee.HOSTILE_18

__rego_metadoc__ := {
	"id": "HOSTILE-18",
	"version": "1",
	"name": "opa.runtime",
	"eventName": "hostile_18",
	"description": "Describes the OPA process: withheld, the file does not load.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if opa.runtime().env != {}
