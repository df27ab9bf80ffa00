# METADATA
# title: PFD-1 pidfd_cross_user_signal
# description: >-
#   A real signal (not the probe, which is PFD-4's) delivered to, or refused
#   with EPERM for, a process whose real uid is known and differs from the
#   sender's. Root senders only with cross_user.include_root_senders.
#   Severity 3 for a delivered terminating or stopping signal, 2 for another
#   delivered signal or a refused disruptive one, 1 otherwise.
# custom:
#   id: PFD-1
#   event: pidfd_cross_user_signal
#   mitre: [T1562.001, T1489, T1014]
#   config: [cross_user.include_root_senders, allow]
package tracee.PFD_1

import data.tracee.pidfdsig.helpers as h

__rego_metadoc__ := {
	"id": "PFD-1",
	"version": "1",
	"name": "Signal sent to another user's process through a pidfd",
	"eventName": "pidfd_cross_user_signal",
	"description": concat("", [
		"A process signalled, or tried to signal, a process owned by another user with pidfd_send_signal. ",
		"An unprivileged process that succeeds holds CAP_KILL or matching credentials it should not have; ",
		"one refused with EPERM was trying to stop or tamper with a process it does not own.",
	]),
	"tags": h.tags,
	"properties": h.properties(3, "disable_tools"),
}

tracee_selected_events contains h.send_signal_selector

tracee_match := h.finding_data(reasons) if {
	# The cheapest decisive test first: most calls signal the sender's own
	# processes (or a target whose owner is unknown).
	h.target.uid != h.call.sender.uid
	outcome
	not h.allowed("PFD-1")
}

pidfdsig_properties := h.properties(severity, technique)

cross_user if {
	not h.is_probe
	h.valid_signal(h.call.sig)
	not h.target.is_sender
	h.target_uid != h.sender_uid
	sender_counts
}

sender_counts if not h.is_root_sender

sender_counts if h.setting(["cross_user", "include_root_senders"])

outcome := "delivered" if {
	cross_user
	h.succeeded
}

outcome := "permission_denied" if {
	cross_user
	h.failed_with("EPERM")
}

reasons contains outcome

reasons contains "root_sender" if {
	outcome
	h.is_root_sender
}

disruptive if h.is_disruptive(h.call.sig)

severity := 3 if {
	h.succeeded
	disruptive
}

severity := 2 if {
	h.succeeded
	not disruptive
}

severity := 2 if {
	not h.succeeded
	disruptive
}

severity := 1 if {
	not h.succeeded
	not disruptive
}

process_group_stop if {
	disruptive
	h.call.scope == "process_group"
}

technique := "service_stop" if process_group_stop

technique := "rootkit" if {
	not process_group_stop
	h.is_realtime(h.call.sig)
}

technique := "disable_tools" if {
	not process_group_stop
	not h.is_realtime(h.call.sig)
}
