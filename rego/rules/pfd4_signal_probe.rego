# METADATA
# title: PFD-4 pidfd_signal_probe
# description: >-
#   Signal 0 sent to processes of other users. Each matching call is a probe
#   (pidfdsig_probe); the runtime counts distinct foreign targets per sender
#   and reports once signal_probe.threshold of them fall within
#   signal_probe.window, adding data.probe = {count, window, target_host_pids}.
#   A target is foreign when its known uid differs from the sender's or the
#   probe failed with EPERM. Probes of the sender itself never count (every Go
#   program probes its own pidfd at start). Root senders only with
#   signal_probe.include_root_senders. Severity 2.
# custom:
#   id: PFD-4
#   event: pidfd_signal_probe
#   mitre: [T1057]
#   config: [signal_probe, allow]
#   stateful: the window is kept in Go by the runtime (rego/probe.go)
package tracee.PFD_4

import data.tracee.pidfdsig.helpers as h

__rego_metadoc__ := {
	"id": "PFD-4",
	"version": "1",
	"name": "Processes of other users probed with signal 0",
	"eventName": "pidfd_signal_probe",
	"description": concat("", [
		"A process sent signal 0 through pidfds to several processes of other users within a short time. ",
		"Signal 0 delivers nothing; its result tells whether the target exists and whether the caller may ",
		"signal it, which maps the processes and owners of a machine.",
	]),
	"tags": h.tags,
	"properties": h.properties(2, "process_discovery"),
}

tracee_selected_events contains h.send_signal_selector

tracee_match := h.finding_data({"probe_threshold"}) if {
	# The cheapest decisive test first: most calls send a real signal.
	h.call.sig == 0
	foreign_probe
	not h.allowed("PFD-4")
}

pidfdsig_properties := h.properties(2, "process_discovery")

# METADATA
# description: >-
#   This call as one probe of the window: the sender (host pid and Tracee's
#   process entity id) and the target (host pid when known, else the pidfd).
pidfdsig_probe := {
	"sender": sprintf("%d/%d", [h.call.sender.host_pid, h.event_entity_id]),
	"target": target_key,
	"target_host_pid": h.target_view.host_pid,
}

target_key := sprintf("pid:%d", [h.target_view.host_pid]) if h.target_view.host_pid > 0

target_key := sprintf("fd:%d", [h.call.pidfd]) if h.target_view.host_pid <= 0

foreign_probe if {
	h.is_probe
	not h.is_self
	sender_counts
	foreign
}

sender_counts if not h.is_root_sender

sender_counts if h.setting(["signal_probe", "include_root_senders"])

foreign if h.target_uid != h.sender_uid

foreign if h.failed_with("EPERM")
