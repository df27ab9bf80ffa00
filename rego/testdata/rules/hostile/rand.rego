# METADATA
# title: HOSTILE-20 rand.intn
# description: Reads a random source, withheld, the file does not load.
package tracee.HOSTILE_20

__rego_metadoc__ := {
	"id": "HOSTILE-20",
	"version": "1",
	"name": "rand.intn",
	"eventName": "hostile_20",
	"description": "Reads a random source: withheld, the file does not load.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if rand.intn("hostile", 10) == 0
