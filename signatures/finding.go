package signatures

import (
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

// Keys of finding data that are not part of the decoded call.
const (
	// DataTarget holds the resolved target, a DataObject: the names of
	// target.Record, unknown values left out.
	DataTarget = "target"
	// DataReasons holds the names of the reasons the signature fired, a
	// []string.
	DataReasons = "reasons"
	// DataProbe holds PFD-4's pattern, a DataObject: "count" (int64),
	// "window" (a duration, e.g. "1m0s") and "target_host_pids" (a
	// DataList of int64, oldest first).
	DataProbe = "probe"
	// DataSecurityTool holds the name or glob PFD-5 matched, a string.
	DataSecurityTool = "security_tool"
)

// FindingData returns the data every finding carries: the decoded call under
// the names of `pidfdsig parse -o json` (events.Record: pidfd, pidfd_kind,
// sig, signal, flags, flag_names, unknown_flags, multiple_scopes, scope,
// info, return, errno, and sender {host_pid, pid, uid, comm, exe,
// container_id}), and the resolved target under "target" (the fields of
// target.Record, unknown values left out). Signatures add
// "reasons" and their own keys. The Rego runtime must produce the same map;
// this function is the reference.
//
// The values have the types of finding data (see DataObject): every
// integer an int64 (info a uint64 when above math.MaxInt64), flag_names
// and reasons a []string, sender and target a DataObject. So a reader
// writes f.Data["sig"].(int64) and
// f.Data["target"].(signatures.DataObject).Int("uid"), for a finding of a
// Go signature or of a Rego rule alike.
func FindingData(call *events.SendSignal, t *target.Target) map[string]interface{} {
	r := call.Record()
	data := make(map[string]interface{}, findingDataSize)
	data["pidfd"] = int64(r.PidFD)
	data["pidfd_kind"] = r.PidFDKind
	data["sig"] = int64(r.Sig)
	data["signal"] = r.Signal
	data["flags"] = int64(r.Flags)
	data["flag_names"] = r.FlagNames
	data["unknown_flags"] = int64(r.UnknownFlags)
	data["multiple_scopes"] = r.MultipleScopes
	data["scope"] = r.Scope
	data["info"] = dataUint(r.Info)
	data["return"] = r.Return
	data["errno"] = r.Errno
	data["sender"] = DataObject{
		"host_pid":     int64(r.Sender.HostPID),
		"pid":          int64(r.Sender.PID),
		"uid":          int64(r.Sender.UID),
		"comm":         r.Sender.Comm,
		"exe":          r.Sender.Exe,
		"container_id": r.Sender.ContainerID,
	}
	data[DataTarget] = targetData(t)
	return data
}

// targetData is the target as finding data: the names of target.Record,
// unknown values left out (as target.Target.Fields), integers int64. Built
// from the record directly: converting Fields would box every integer twice.
func targetData(t *target.Target) DataObject {
	r := t.Record()
	o := make(DataObject, targetDataSize)
	o["source"], o["thread"], o["is_sender"], o["exited"] = r.Source, r.Thread, r.IsSender, r.Exited
	putData(o, "reason", r.Reason, r.Reason != "")
	putData(o, "host_pid", int64(r.HostPID), r.HostPID != 0)
	putData(o, "host_tid", int64(r.HostTID), r.HostTID != 0)
	putData(o, "pid", int64(r.PID), r.PID != 0)
	putData(o, "pid_ns", int64(r.PidNS), r.PidNS != 0)
	putData(o, "comm", r.Comm, r.Comm != "")
	putData(o, "exe", r.Exe, r.Exe != "")
	putData(o, "container_id", r.ContainerID, r.ContainerID != "")
	if r.UID != nil {
		o["uid"] = int64(*r.UID)
	}
	if r.EUID != nil && r.SUID != nil {
		o["euid"], o["suid"] = int64(*r.EUID), int64(*r.SUID)
	}
	return o
}

// targetDataSize is the most keys targetData sets.
const targetDataSize = 15

// putData sets o[k] to v when known.
func putData[T any](o DataObject, k string, v T, known bool) {
	if known {
		o[k] = v
	}
}

// findingDataSize is the number of keys FindingData sets plus room for the
// ones signatures add, so that the map does not grow.
const findingDataSize = 14 + 3
