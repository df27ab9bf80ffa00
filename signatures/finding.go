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

// targetData is the target as finding data: target.Target.Fields with its
// integers as int64.
func targetData(t *target.Target) DataObject {
	fields := t.Fields()
	for k, v := range fields {
		if c, err := dataValue(v); err == nil {
			fields[k] = c
		}
	}
	return DataObject(fields)
}

// findingDataSize is the number of keys FindingData sets plus room for the
// ones signatures add, so that the map does not grow.
const findingDataSize = 14 + 3
