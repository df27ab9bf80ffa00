# METADATA
# title: ENG-1 engine features
# description: >-
#   Not a detection: a rule that reaches for many Rego features at once
#   (iteration over the raw arguments, comprehensions, every, with, else
#   chains, functions, string and number builtins), run by both engines on
#   the same events by TestEnginesAgree and FuzzEnginesAgree.
package tracee.ENG_1

import data.tracee.pidfdsig.helpers as h

__rego_metadoc__ := {
	"id": "ENG-1",
	"version": "1",
	"name": "Engine features",
	"eventName": "engine_features",
	"description": "Exercises the Rego engines.",
	"tags": ["test"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "*"}

tracee_match := {
	"arg_names": arg_names,
	"arg_types": arg_types,
	"numbers": numbers,
	"summary": summary,
	"grade": grade,
	"all_small": all_small,
	"small_with": small_with,
	"label": label,
	"flags": flag_bits,
	"name_parts": name_parts,
	"context": context,
} if {
	count(input.args) > 0
	not excluded
}

excluded if input.eventName == "openat"

arg_names := [a.name | some a in input.args]

arg_types := {a.name: a.type | some a in input.args; is_string(a.type)}

numbers := {n | some a in input.args; is_number(a.value); n := a.value}

summary := sprintf("%s/%d/%v", [input.eventName, count(input.args), object.get(input, ["pidfdsig", "call", "sig"], "none")])

grade := "high" if {
	some n in numbers
	n > 1000
} else := "mid" if {
	some n in numbers
	n > 10
} else := "low"

all_small if {
	every n in numbers {
		n < 100
	}
}

default all_small := false

small_with := x if {
	x := all_small with input.args as [{"name": "x", "type": "int", "value": 1}]
}

label := concat(":", [upper(input.processName), lower(trim_space(input.processName)), substring(input.processName, 0, 3)]) if is_string(input.processName)

else := "no-name"

flag_bits := [b | some b in [1, 2, 4, 8]; bits.and(flags, b) != 0] if flags := h.arg_number("flags")

else := []

name_parts := split(input.eventName, "_")

context := {
	"pid": object.get(input, "hostProcessId", -1),
	"uid_plus": input.userId + 1,
	"regex": regex.match(`^[a-z_]+$`, input.eventName),
	"call_keys": object.keys(object.get(input, ["pidfdsig", "call"], {})),
	"target_source": object.get(input, ["pidfdsig", "target", "source"], "absent"),
	"error": object.get(input, ["pidfdsig", "error"], ""),
}
