# METADATA
# title: PFD-3 pidfd_forged_siginfo
# description: >-
#   A non-NULL siginfo refused with EPERM when permission cannot be the
#   reason: the target's real or saved uid is the sender's, or the sender is
#   root. The kernel then refused a si_code claiming a kernel or kill()
#   origin. Successful calls (systemd's SI_QUEUE) and calls to the sender
#   itself never match; for a process-group call only a root sender counts.
#   Severity 3 when the target's uid proves the permission, else 2.
# custom:
#   id: PFD-3
#   event: pidfd_forged_siginfo
#   mitre: [T1036]
#   config: [allow]
package tracee.PFD_3

import data.tracee.pidfdsig.helpers as h

__rego_metadoc__ := {
	"id": "PFD-3",
	"version": "1",
	"name": "Forged siginfo refused by the kernel",
	"eventName": "pidfd_forged_siginfo",
	"description": concat("", [
		"pidfd_send_signal passed its own siginfo to another process and the kernel refused it with EPERM ",
		"although the sender was allowed to signal that process: the siginfo claimed to come from the kernel ",
		"or from kill(), a forgery the kernel blocks.",
	]),
	"tags": h.tags,
	"properties": h.properties(3, "masquerading"),
}

tracee_selected_events contains h.send_signal_selector

tracee_match := h.finding_data(reasons) if {
	# The cheapest decisive tests first: most calls pass no siginfo, or
	# succeed.
	h.call.info != 0
	h.call.errno == "EPERM"
	refused_siginfo
	count(reasons) > 0
	not h.allowed("PFD-3")
}

pidfdsig_properties := h.properties(3, "masquerading") if {
	some r in reasons
	r in {"same_uid", "target_saved_uid"}
}

pidfdsig_properties := h.properties(2, "masquerading") if {
	not "same_uid" in reasons
	not "target_saved_uid" in reasons
}

process_group if h.call.scope == "process_group"

refused_siginfo if {
	h.has_siginfo
	h.failed_with("EPERM")
	not own_process
}

own_process if {
	h.is_self
	not process_group
}

reasons contains "same_uid" if {
	refused_siginfo
	not process_group
	h.target_uid == h.sender_uid
}

reasons contains "target_saved_uid" if {
	refused_siginfo
	not process_group
	h.target.suid == h.sender_uid
}

reasons contains "root_sender" if {
	refused_siginfo
	h.is_root_sender
}
