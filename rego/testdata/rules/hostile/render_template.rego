# METADATA
# title: HOSTILE-24 strings.render_template
# description: Go templates loop without bound in one call, withheld, the file does not load.
package tracee.HOSTILE_24

__rego_metadoc__ := {
	"id": "HOSTILE-24",
	"version": "1",
	"name": "strings.render_template",
	"eventName": "hostile_24",
	"description": "Go templates loop without bound in one call: withheld, the file does not load.",
	"tags": ["hostile"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if strings.render_template("{{range .a}}{{range $.a}}x{{end}}{{end}}", {"a": numbers.range(1, 100000)}) != ""
