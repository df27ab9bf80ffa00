# METADATA
# title: SLASH-1 a rule OPA cannot plan
# description: >-
#   Not a detection: its package path has a "/" inside a segment, which no
#   plan entrypoint can name, so the runtime evaluates it with OPA's
#   evaluator. The tests use it to see that fallback work and be reported.
package tracee["SLASH/1"]

__rego_metadoc__ := {
	"id": "SLASH-1",
	"version": "1",
	"name": "A rule OPA cannot plan",
	"eventName": "slash_rule",
	"description": "Fires on every pidfd_send_signal event.",
	"tags": ["test"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal"}

tracee_match := {"signal": input.pidfdsig.call.signal}
