# METADATA
# title: PFD-6 pidfd_container_escape_signal
# description: >-
#   A sender in a child pid namespace whose otherwise valid call the kernel
#   refused with EINVAL (its pidfd names a process outside the namespace,
#   passed in from outside; the target need not be known), or a container
#   sharing the host's pid namespace (hostPID) that signalled, or was
#   refused with EPERM for, a known host process or a process of another
#   container. The probe counts too. Severity 3 when a real signal was
#   delivered, else 2.
# custom:
#   id: PFD-6
#   event: pidfd_container_escape_signal
#   mitre: [T1611]
#   config: [allow]
package tracee.PFD_6

import data.tracee.pidfdsig.helpers as h

__rego_metadoc__ := {
	"id": "PFD-6",
	"version": "1",
	"name": "Container process signalled a process outside its container",
	"eventName": "pidfd_container_escape_signal",
	"description": concat("", [
		"A process in a container (or in a pid namespace other than the host's) used pidfd_send_signal on a ",
		"host process or on a process of another container. Containers without the host's pid namespace cannot ",
		"name such processes, so the pidfd was smuggled in, or the container shares the host's pid namespace.",
	]),
	"tags": h.tags,
	"properties": h.properties(3, "escape_to_host"),
}

tracee_selected_events contains h.send_signal_selector

tracee_match := h.finding_data({reason}) if {
	# The cheapest decisive test first: most calls come from outside any
	# container and are not refused with EINVAL.
	may_escape
	reason
	not h.allowed("PFD-6")
}

pidfdsig_properties := h.properties(3, "escape_to_host") if h.delivered

pidfdsig_properties := h.properties(2, "escape_to_host") if not h.delivered

may_escape if h.call.errno == "EINVAL"

may_escape if h.call.sender.container_id != ""

# The kernel refuses with EINVAL, before any other check, a pidfd naming a
# process outside the sender's pid namespace: from a child namespace, a
# call whose other arguments are valid can fail so for no other reason.
fenced_off if {
	h.failed_with("EINVAL")
	h.call.pidfd_kind == "fd"
	not h.has_siginfo
	h.valid_flags(h.call.flags)
	h.valid_signal(h.call.sig)
	h.sender_pid_namespace != "initial"
}

# A container sharing the host's pid namespace (hostPID) reached a process.
from_host_pid_container if {
	h.call.sender.container_id != ""
	h.sender_pid_namespace != "child"
	reached
}

reached if h.succeeded

reached if h.failed_with("EPERM")

applicable if {
	not h.targets_self
	not h.target.is_sender
}

reason := "outside_pid_namespace" if {
	fenced_off
	applicable
}

reason := "other_container" if {
	from_host_pid_container
	applicable
	not fenced_off
	h.target_known
	h.target_view.container_id != ""
	h.target_view.container_id != h.call.sender.container_id
}

reason := "host_process" if {
	from_host_pid_container
	applicable
	not fenced_off
	h.target_known
	h.target_view.container_id == ""
	h.target_view.pid_ns == h.init_pid_ns
}
