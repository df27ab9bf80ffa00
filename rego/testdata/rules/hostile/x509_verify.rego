# METADATA
# title: HOSTILE-23 crypto.x509.parse_and_verify_certificates
# description: Verifies certificates against the clock, withheld, the file does not load.
package tracee.HOSTILE_23

__rego_metadoc__ := {
	"id": "HOSTILE-23",
	"version": "1",
	"name": "crypto.x509.parse_and_verify_certificates",
	"eventName": "hostile_23",
	"description": "Verifies certificates against the clock: withheld, the file does not load.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if {
	[valid, _] := crypto.x509.parse_and_verify_certificates(input.processName)
	valid
}
