package signatures

import (
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

// Keys of finding data that are not part of the decoded call.
const (
	// DataTarget holds the resolved target: target.Target.Fields, the
	// names of target.Record, unknown values left out.
	DataTarget = "target"
	// DataReasons holds the names of the reasons the signature fired.
	DataReasons = "reasons"
	// DataProbe holds PFD-4's count of probed targets.
	DataProbe = "probe"
	// DataSecurityTool holds the name or glob PFD-5 matched.
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
func FindingData(call *events.SendSignal, t *target.Target) map[string]interface{} {
	r := call.Record()
	data := make(map[string]interface{}, findingDataSize)
	data["pidfd"] = r.PidFD
	data["pidfd_kind"] = r.PidFDKind
	data["sig"] = r.Sig
	data["signal"] = r.Signal
	data["flags"] = r.Flags
	data["flag_names"] = r.FlagNames
	data["unknown_flags"] = r.UnknownFlags
	data["multiple_scopes"] = r.MultipleScopes
	data["scope"] = r.Scope
	data["info"] = r.Info
	data["return"] = r.Return
	data["errno"] = r.Errno
	data["sender"] = map[string]interface{}{
		"host_pid":     r.Sender.HostPID,
		"pid":          r.Sender.PID,
		"uid":          r.Sender.UID,
		"comm":         r.Sender.Comm,
		"exe":          r.Sender.Exe,
		"container_id": r.Sender.ContainerID,
	}
	data[DataTarget] = t.Fields()
	return data
}

// findingDataSize is the number of keys FindingData sets plus room for the
// ones signatures add, so that the map does not grow.
const findingDataSize = 14 + 3
