# METADATA
# title: USER-1 SIGUSR1 through a pidfd
# description: A user rule in Rego v1 using the pidfdsig helpers.
package tracee.USER_1

import data.tracee.pidfdsig.helpers as h

__rego_metadoc__ := {
	"id": "USER-1",
	"version": "1",
	"name": "SIGUSR1 through a pidfd",
	"eventName": "pidfd_sigusr1",
	"description": "Any SIGUSR1 sent with pidfd_send_signal.",
	"tags": ["test"],
	"properties": {"Severity": 0},
}

tracee_selected_events contains h.send_signal_selector

tracee_match := {"signal": h.call.signal, "target_source": h.target.source} if h.call.signal == "SIGUSR1"
