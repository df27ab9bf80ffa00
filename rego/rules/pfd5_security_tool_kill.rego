# METADATA
# title: PFD-5 pidfd_security_tool_kill
# description: >-
#   One of security_tools.signals (SIGKILL, SIGTERM, SIGINT, SIGQUIT, SIGSTOP,
#   SIGTSTP by default) sent to a known target whose name or executable is on
#   the list of security and audit agents, by any sender, root included;
#   delivered or refused with EPERM. An agent signalling itself is skipped,
#   and with security_tools.ignore_same_tool so is a sender running the same
#   program. Severity 3 when delivered, 2 when refused. Data add
#   "security_tool", the name or glob that matched.
# custom:
#   id: PFD-5
#   event: pidfd_security_tool_kill
#   mitre: [T1562.001, T1685]
#   config: [security_tools, allow]
package tracee.PFD_5

import data.tracee.pidfdsig.helpers as h

__rego_metadoc__ := {
	"id": "PFD-5",
	"version": "1",
	"name": "Security or audit agent killed or stopped through a pidfd",
	"eventName": "pidfd_security_tool_kill",
	"description": concat("", [
		"A process sent a terminating or stopping signal to a security or audit agent (Tracee, Falco, auditd, ",
		"osquery, Tetragon, an EDR sensor...) with pidfd_send_signal. Disabling the tools that watch a host ",
		"is a common first step of an intrusion.",
	]),
	"tags": h.tags,
	"properties": h.properties(3, "disable_tools"),
}

tracee_selected_events contains h.send_signal_selector

tracee_match := object.union(h.finding_data(reasons), {"security_tool": tool}) if {
	# The cheapest decisive test first: most targets are not security tools.
	count(tool_reasons) > 0
	candidate
	not same_tool
	not h.allowed("PFD-5")
}

pidfdsig_properties := h.properties(3, "disable_tools") if h.succeeded

pidfdsig_properties := h.properties(2, "disable_tools") if not h.succeeded

reported_signal if {
	h.valid_signal(h.call.sig)
	h.call.signal in h.setting(["security_tools", "signals"])
}

reached if h.succeeded

reached if h.failed_with("EPERM")

candidate if {
	reported_signal
	h.target_known
	not h.target.is_sender
	reached
}

# Why the target is a security tool, whatever the call (an unknown comm or
# exe matches nothing).
tool_reasons contains "tool_name" if {
	comm := h.target.comm
	h.comm_in(comm, h.setting(["security_tools", "names"]))
}

tool_reasons contains "tool_exe" if {
	exe := h.target.exe
	h.exe_matches(h.setting(["security_tools", "exe"]), exe)
}

reasons := tool_reasons | {"delivered"} if h.succeeded

reasons := tool_reasons | {"permission_denied"} if not h.succeeded

# The name or glob that matched; the name wins.
tool := h.target_view.comm if "tool_name" in tool_reasons

tool := h.exe_match(h.setting(["security_tools", "exe"]), h.target_view.exe) if not "tool_name" in tool_reasons

same_tool if {
	h.setting(["security_tools", "ignore_same_tool"])
	same_program
}

same_program if {
	h.call.sender.exe != ""
	h.target_view.exe != ""
	h.call.sender.exe == h.target_view.exe
}

same_program if {
	not both_exe_known
	h.call.sender.comm != ""
	h.call.sender.comm == h.target_view.comm
}

both_exe_known if {
	h.call.sender.exe != ""
	h.target_view.exe != ""
}
