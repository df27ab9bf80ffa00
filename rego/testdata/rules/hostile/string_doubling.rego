# METADATA
# title: HOSTILE-5 string doubling
# description: A megabyte string doubled twelve times with concat, as strings.repeat would, 4 GB.
package tracee.HOSTILE_5

__rego_metadoc__ := {
	"id": "HOSTILE-5",
	"version": "1",
	"name": "string doubling",
	"eventName": "hostile_5",
	"description": "A megabyte string doubled twelve times with concat, as strings.repeat would: 4 GB.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if {
	s0 := sprintf("%1000000d", [0])
	s1 := concat("", [s0, s0])
	s2 := concat("", [s1, s1])
	s3 := concat("", [s2, s2])
	s4 := concat("", [s3, s3])
	s5 := concat("", [s4, s4])
	s6 := concat("", [s5, s5])
	s7 := concat("", [s6, s6])
	s8 := concat("", [s7, s7])
	s9 := concat("", [s8, s8])
	s10 := concat("", [s9, s9])
	s11 := concat("", [s10, s10])
	s12 := concat("", [s11, s11])
	count(s12) > 0
}
