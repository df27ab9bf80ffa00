# METADATA
# title: Test fixtures
# description: >-
#   Events for the rule tests, built from a real capture
#   (testdata/tracee-samples/tracee-v0.24.1-trigger.jsonl, line 2: root's
#   pidfd-trigger sending SIGUSR1 to its child through pidfd 3), and targets
#   in the shape of target.Record.
package tracee.pidfdsig.fixtures

import data.tracee.pidfdsig.helpers

# The captured event, verbatim.
sample := {
	"timestamp": 1795741955263366239, "threadStartTime": 1795741955060820351, "processorId": 1,
	"processId": 32234, "cgroupId": 1, "threadId": 32234, "parentProcessId": 32218,
	"hostProcessId": 32234, "hostThreadId": 32234, "hostParentProcessId": 32218, "userId": 0,
	"mountNamespace": 4026531832, "pidNamespace": 4026531836, "processName": "pidfd-trigger",
	"executable": {"path": ""}, "hostName": "vm", "containerId": "", "container": {}, "kubernetes": {},
	"eventId": "424", "eventName": "pidfd_send_signal", "matchedPolicies": [""], "argsNum": 4,
	"returnValue": 0, "syscall": "pidfd_send_signal", "stackAddresses": null,
	"contextFlags": {"containerStarted": false, "isCompat": false},
	"threadEntityId": 2415554493, "processEntityId": 2415554493, "parentEntityId": 3739737205,
	"args": [
		{"name": "pidfd", "type": "int32", "value": 3},
		{"name": "sig", "type": "int32", "value": 10},
		{"name": "info", "type": "trace.Pointer", "value": 0},
		{"name": "flags", "type": "uint32", "value": 0},
	],
}

# The call's arguments and result as the sample has them.
sample_call := {"pidfd": 3, "sig": 10, "info": 0, "flags": 0, "return": 0}

# METADATA
# description: The sample with the call's arguments and result overridden by c.
send(c) := object.union(sample, {
	"returnValue": x.return,
	"args": [
		{"name": "pidfd", "type": "int32", "value": x.pidfd},
		{"name": "sig", "type": "int32", "value": x.sig},
		{"name": "info", "type": "trace.Pointer", "value": x.info},
		{"name": "flags", "type": "uint32", "value": x.flags},
	],
}) if {
	x := object.union(sample_call, c)
}

# METADATA
# description: Event ev sent by process p (an object of event context fields).
by(p, ev) := object.union(ev, p)

# METADATA
# description: Event ev with the runtime's enrichment, the target resolved to t.
enriched(ev, t) := object.union(ev, {"pidfdsig": {"call": call, "target": t}}) if {
	call := helpers.decoded_call with input as ev
}

# Senders, as event context.
alice := {"userId": 1000, "processName": "bash", "executable": {"path": "/usr/bin/bash"}, "hostProcessId": 2000, "processId": 2000}

systemd := {"userId": 0, "processName": "systemd", "executable": {"path": "/usr/lib/systemd/systemd"}, "hostProcessId": 1, "processId": 1}

contained := {"userId": 0, "processName": "sh", "executable": {"path": "/bin/sh"}, "hostProcessId": 7000, "processId": 12, "containerId": "c0ffee", "container": {"id": "c0ffee"}, "pidNamespace": 4026532500}

host_pid_container := {"userId": 0, "processName": "sh", "executable": {"path": "/bin/sh"}, "hostProcessId": 7100, "processId": 7100, "containerId": "hostpid1", "container": {"id": "hostpid1"}, "pidNamespace": 4026531836}

# Targets, as target.Record.
child := {"source": "tracked", "host_pid": 32235, "pid": 32235, "thread": false, "uid": 0, "comm": "pidfd-trigger", "pid_ns": 4026531836, "is_sender": false, "exited": false}

bob := {"source": "procfs", "host_pid": 2500, "pid": 2500, "thread": false, "uid": 1001, "euid": 1001, "suid": 1000, "comm": "bobsvc", "exe": "/usr/bin/bobsvc", "pid_ns": 4026531836, "is_sender": false, "exited": false}

alice_child := {"source": "tracked", "host_pid": 2001, "pid": 2001, "thread": false, "uid": 1000, "comm": "sleep", "pid_ns": 4026531836, "is_sender": false, "exited": false}

falco := {"source": "tracked", "host_pid": 900, "pid": 900, "thread": false, "uid": 0, "comm": "falco", "exe": "/usr/bin/falco", "pid_ns": 4026531836, "is_sender": false, "exited": false}

in_container := {"source": "tracked", "host_pid": 7002, "pid": 13, "thread": false, "uid": 0, "comm": "sleep", "container_id": "c0ffee", "pid_ns": 4026532500, "is_sender": false, "exited": false}

other_container := {"source": "tracked", "host_pid": 8000, "pid": 1, "thread": false, "uid": 0, "comm": "redis", "container_id": "beef", "pid_ns": 4026532700, "is_sender": false, "exited": false}

unknown := {"source": "unknown", "reason": "fd not tracked", "thread": false, "is_sender": false, "exited": false}

self := object.union(child, {"source": "self", "host_pid": 32234, "pid": 32234, "is_sender": true})
