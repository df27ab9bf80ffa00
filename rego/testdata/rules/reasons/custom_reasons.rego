# METADATA
# title: USER-2 SIGUSR1 with reasons of its own
# description: >-
#   A user rule whose finding data comes from h.finding_data with built-in
#   and custom reason names.
package tracee.USER_2

import data.tracee.pidfdsig.helpers as h

__rego_metadoc__ := {
	"id": "USER-2",
	"version": "1",
	"name": "SIGUSR1 with custom reasons",
	"eventName": "pidfd_sigusr1_reasons",
	"description": "Any SIGUSR1 sent with pidfd_send_signal, with custom reasons.",
	"tags": ["test"],
	"properties": {"Severity": 1},
}

tracee_selected_events contains h.send_signal_selector

reasons contains "sigusr1_sent" if h.call.signal == "SIGUSR1"

reasons contains "delivered" if h.delivered

reasons contains "a_user_reason" if h.call.sig == 10

tracee_match := h.finding_data(reasons) if h.call.signal == "SIGUSR1"
