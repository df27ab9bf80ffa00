package target

import "encoding/json"

// Record is the JSON-ready form of a Target: the "target" object of the
// Rego input, of findings' data and of the pidfd_target data source. Field
// names are part of the project's public contract. Values that are not
// known are left out rather than given as 0, so a rule testing
// input.target.uid == 0 never matches an unknown owner.
type Record struct {
	Source      string  `json:"source"`           // unknown, self, tracked, procfs, pidfd_info
	Reason      string  `json:"reason,omitempty"` // why unknown or partial
	HostPID     int32   `json:"host_pid,omitempty"`
	HostTID     int32   `json:"host_tid,omitempty"` // thread pidfds only
	PID         int32   `json:"pid,omitempty"`      // in the sender's pid namespace
	Thread      bool    `json:"thread"`
	UID         *uint32 `json:"uid,omitempty"` // real uid
	EUID        *uint32 `json:"euid,omitempty"`
	SUID        *uint32 `json:"suid,omitempty"`
	Comm        string  `json:"comm,omitempty"`
	Exe         string  `json:"exe,omitempty"`
	ContainerID string  `json:"container_id,omitempty"`
	PidNS       uint32  `json:"pid_ns,omitempty"`
	IsSender    bool    `json:"is_sender"`
	Exited      bool    `json:"exited"`
}

// Record returns the JSON-ready form of t.
func (t Target) Record() Record {
	r := Record{
		Source:      t.Source.String(),
		Reason:      t.Reason,
		HostPID:     positive(t.HostPID),
		HostTID:     positive(t.HostTID),
		PID:         positive(t.PID),
		Thread:      t.Thread,
		Comm:        t.Comm,
		Exe:         t.Exe,
		ContainerID: t.ContainerID,
		PidNS:       t.PidNS,
		IsSender:    t.IsSender,
		Exited:      t.Exited,
	}
	if t.UIDKnown {
		uid := t.UID
		r.UID = &uid
	}
	if t.CredsKnown {
		euid, suid := t.EUID, t.SUID
		r.EUID, r.SUID = &euid, &suid
	}
	return r
}

func positive(n int32) int32 {
	if n < 0 {
		return 0
	}
	return n
}

// MarshalJSON encodes t as its Record.
func (t Target) MarshalJSON() ([]byte, error) { return json.Marshal(t.Record()) }

// Fields returns t as a map with the Record's field names, leaving out the
// same unknown values; numbers are Go ints (uids uint32). It is the shape
// the pidfd_target data source returns and the Rego input embeds.
func (t Target) Fields() map[string]any {
	r := t.Record()
	m := map[string]any{
		"source":    r.Source,
		"thread":    r.Thread,
		"is_sender": r.IsSender,
		"exited":    r.Exited,
	}
	putString(m, "reason", r.Reason)
	putInt(m, "host_pid", int64(r.HostPID))
	putInt(m, "host_tid", int64(r.HostTID))
	putInt(m, "pid", int64(r.PID))
	putInt(m, "pid_ns", int64(r.PidNS))
	putString(m, "comm", r.Comm)
	putString(m, "exe", r.Exe)
	putString(m, "container_id", r.ContainerID)
	if r.UID != nil {
		m["uid"] = *r.UID
	}
	if r.EUID != nil {
		m["euid"], m["suid"] = *r.EUID, *r.SUID
	}
	return m
}

func putString(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func putInt(m map[string]any, k string, v int64) {
	if v != 0 {
		m[k] = int(v)
	}
}

// Schema is the JSON Schema (draft 2020-12) of a Record, as returned by the
// data source's Schema method.
const Schema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://github.com/pidfdsig/pidfdsig/target/record.schema.json",
  "title": "pidfd target",
  "description": "The process a pidfd_send_signal call's pidfd pointed at, and its owner. Unknown values are absent.",
  "type": "object",
  "required": ["source", "thread", "is_sender", "exited"],
  "additionalProperties": false,
  "properties": {
    "source": {"enum": ["unknown", "self", "tracked", "procfs", "pidfd_info"], "description": "how the target was learned"},
    "reason": {"type": "string", "description": "why the target (or part of it) is unknown"},
    "host_pid": {"type": "integer", "minimum": 1, "description": "thread-group id in the initial pid namespace"},
    "host_tid": {"type": "integer", "minimum": 1, "description": "thread id, for a PIDFD_THREAD pidfd"},
    "pid": {"type": "integer", "minimum": 1, "description": "pid in the sender's pid namespace"},
    "thread": {"type": "boolean", "description": "the pidfd names one thread"},
    "uid": {"type": "integer", "minimum": 0, "maximum": 4294967295, "description": "real uid"},
    "euid": {"type": "integer", "minimum": 0, "maximum": 4294967295, "description": "effective uid"},
    "suid": {"type": "integer", "minimum": 0, "maximum": 4294967295, "description": "saved set-user-id"},
    "comm": {"type": "string"},
    "exe": {"type": "string"},
    "container_id": {"type": "string"},
    "pid_ns": {"type": "integer", "minimum": 1, "description": "pid namespace inode"},
    "is_sender": {"type": "boolean", "description": "the target is the sending process"},
    "exited": {"type": "boolean", "description": "the target had exited when the call was made"}
  }
}`
