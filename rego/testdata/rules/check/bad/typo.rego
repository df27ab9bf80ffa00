package tracee.USER_4

import data.tracee.pidfdsig.helpers as h

__rego_metadoc__ := {
	"id": "USER-4",
	"version": "1",
	"name": "A misspelt field",
	"eventName": "pidfd_typo",
	"description": "Reads h.call.signl, a field the call does not have.",
	"tags": ["test"],
	"properties": {},
}

tracee_selected_events contains h.send_signal_selector

tracee_match if h.call.signl == "SIGKILL"
