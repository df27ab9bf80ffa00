# METADATA
# title: HOSTILE-19 time.now_ns
# description: Reads the clock, withheld, the file does not load.
package tracee.HOSTILE_19

__rego_metadoc__ := {
	"id": "HOSTILE-19",
	"version": "1",
	"name": "time.now_ns",
	"eventName": "hostile_19",
	"description": "Reads the clock: withheld, the file does not load.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if time.now_ns() > 0
