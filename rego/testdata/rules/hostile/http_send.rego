# METADATA
# title: HOSTILE-16 http.send
# description: Reaches the network, withheld, the file does not load.
package tracee.HOSTILE_16

__rego_metadoc__ := {
	"id": "HOSTILE-16",
	"version": "1",
	"name": "http.send",
	"eventName": "hostile_16",
	"description": "Reaches the network: withheld, the file does not load.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if http.send({"method": "get", "url": "http://127.0.0.1:1/"}).status_code == 200
