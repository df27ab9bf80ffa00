# METADATA
# title: HOSTILE-17 net.lookup_ip_addr
# description: Resolves names, withheld, the file does not load.
package tracee.HOSTILE_17

__rego_metadoc__ := {
	"id": "HOSTILE-17",
	"version": "1",
	"name": "net.lookup_ip_addr",
	"eventName": "hostile_17",
	"description": "Resolves names: withheld, the file does not load.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if count(net.lookup_ip_addr("localhost")) > 0
