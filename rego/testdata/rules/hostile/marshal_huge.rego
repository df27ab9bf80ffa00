# METADATA
# title: HOSTILE-7 json.marshal of a huge value
# description: A hundred references to one megabyte string, marshalled, 100 MB of JSON.
package tracee.HOSTILE_7

__rego_metadoc__ := {
	"id": "HOSTILE-7",
	"version": "1",
	"name": "json.marshal of a huge value",
	"eventName": "hostile_7",
	"description": "A hundred references to one megabyte string, marshalled: 100 MB of JSON.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if {
	big := sprintf("%1000000d", [1])
	copies := [big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big, big]
	count(json.marshal(copies)) > 0
}
