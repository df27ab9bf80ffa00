# METADATA
# title: HOSTILE-21 uuid.rfc4122
# description: Random identifiers, withheld, the file does not load.
package tracee.HOSTILE_21

__rego_metadoc__ := {
	"id": "HOSTILE-21",
	"version": "1",
	"name": "uuid.rfc4122",
	"eventName": "hostile_21",
	"description": "Random identifiers: withheld, the file does not load.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if uuid.rfc4122("hostile") != ""
