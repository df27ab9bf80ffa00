# METADATA
# title: PFD-2 pidfd_unusual_flags
# description: >-
#   Flags with bits outside the three scope flags, more than one scope flag
#   (both refused with EINVAL: a program probing the kernel), or
#   PIDFD_SIGNAL_PROCESS_GROUP with a terminating or stopping signal, whatever
#   the result. A process-group kill of a group whose leader runs under the
#   sender's uid is skipped with unusual_flags.ignore_own_process_groups.
#   Severity 2 (T1489) for a process-group kill, 1 (T1497.001) otherwise.
# custom:
#   id: PFD-2
#   event: pidfd_unusual_flags
#   mitre: [T1489, T1497.001]
#   config: [unusual_flags.ignore_own_process_groups, allow]
package tracee.PFD_2

import data.tracee.pidfdsig.helpers as h

__rego_metadoc__ := {
	"id": "PFD-2",
	"version": "1",
	"name": "Unusual pidfd_send_signal flags",
	"eventName": "pidfd_unusual_flags",
	"description": concat("", [
		"pidfd_send_signal was called with flag bits the kernel does not know, with more than one scope flag, ",
		"or with PIDFD_SIGNAL_PROCESS_GROUP to kill or stop a whole process group. The first two are refused ",
		"with EINVAL: a program probing the kernel's features; the last stops every process of a group at once.",
	]),
	"tags": h.tags,
	"properties": h.properties(2, "service_stop"),
}

tracee_selected_events contains h.send_signal_selector

tracee_match := h.finding_data(reasons) if {
	h.call.flags != 0
	count(reasons) > 0
	not h.allowed("PFD-2")
}

pidfdsig_properties := h.properties(2, "service_stop") if "process_group_kill" in reasons

pidfdsig_properties := h.properties(1, "system_checks") if not "process_group_kill" in reasons

reasons contains "unknown_flags" if h.call.unknown_flags != 0

reasons contains "multiple_scopes" if h.call.multiple_scopes

reasons contains "process_group_kill" if {
	h.has_flag(h.call.flags, 4)
	h.is_disruptive(h.call.sig)
	not own_group
}

own_group if {
	h.setting(["unusual_flags", "ignore_own_process_groups"])
	h.target_uid == h.sender_uid
}
