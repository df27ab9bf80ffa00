# METADATA
# title: USER-3 SIGUSR1 to another user's process
# description: A user rule as a rule author would write it, with its tests.
package tracee.USER_3

import data.tracee.pidfdsig.helpers as h

__rego_metadoc__ := {
    "id":   "USER-3",
	"version": "1",
	"name": "SIGUSR1 to another user",
	"eventName": "pidfd_sigusr1_cross_user",
	"description": "SIGUSR1 sent with pidfd_send_signal to a process of another user.",
	"tags": ["test"],
	"properties": {"Severity": 1},
}

tracee_selected_events contains h.send_signal_selector

reasons contains "sigusr1" if h.call.signal == "SIGUSR1"

tracee_match := h.finding_data(reasons) if {
	h.call.signal == "SIGUSR1"
	h.is_cross_user
}
