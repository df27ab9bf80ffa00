# METADATA
# title: HOSTILE-6 sprintf widths
# description: A format of a thousand one-million-wide verbs, a gigabyte from a few kilobytes.
package tracee.HOSTILE_6

__rego_metadoc__ := {
	"id": "HOSTILE-6",
	"version": "1",
	"name": "sprintf widths",
	"eventName": "hostile_6",
	"description": "A format of a thousand one-million-wide verbs: a gigabyte from a few kilobytes.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if {
	verbs := concat("", ["%1000000d" | some _ in numbers.range(1, 1000)])
	out := sprintf(verbs, numbers.range(1, 1000))
	count(out) > 0
}
