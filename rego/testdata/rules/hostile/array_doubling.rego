# METADATA
# title: HOSTILE-4 array.concat doubling
# description: An array doubled twenty times with array.concat, a billion elements.
package tracee.HOSTILE_4

__rego_metadoc__ := {
	"id": "HOSTILE-4",
	"version": "1",
	"name": "array.concat doubling",
	"eventName": "hostile_4",
	"description": "An array doubled twenty times with array.concat: a billion elements.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if {
	a0 := numbers.range(1, 1000)
	a1 := array.concat(a0, a0)
	a2 := array.concat(a1, a1)
	a3 := array.concat(a2, a2)
	a4 := array.concat(a3, a3)
	a5 := array.concat(a4, a4)
	a6 := array.concat(a5, a5)
	a7 := array.concat(a6, a6)
	a8 := array.concat(a7, a7)
	a9 := array.concat(a8, a8)
	a10 := array.concat(a9, a9)
	a11 := array.concat(a10, a10)
	a12 := array.concat(a11, a11)
	a13 := array.concat(a12, a12)
	a14 := array.concat(a13, a13)
	a15 := array.concat(a14, a14)
	a16 := array.concat(a15, a15)
	a17 := array.concat(a16, a16)
	a18 := array.concat(a17, a17)
	a19 := array.concat(a18, a18)
	a20 := array.concat(a19, a19)
	count(a20) > 0
}
