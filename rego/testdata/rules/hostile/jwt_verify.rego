# METADATA
# title: HOSTILE-22 io.jwt.decode_verify
# description: Verifies a token against the clock, withheld, the file does not load.
package tracee.HOSTILE_22

__rego_metadoc__ := {
	"id": "HOSTILE-22",
	"version": "1",
	"name": "io.jwt.decode_verify",
	"eventName": "hostile_22",
	"description": "Verifies a token against the clock: withheld, the file does not load.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if {
	[valid, _, _] := io.jwt.decode_verify(input.processName, {"secret": "s"})
	valid
}
