package capture

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aquasecurity/tracee/types/trace"
)

// The private types below mirror the parts of Tracee's tracee.v1beta1.Event
// (api/v1beta1/event.proto) that map onto trace.Event, with the JSON names
// protojson gives them (proto field names, snake_case). Fields the
// normalized event has no room for (threat, detected_from, pod labels...)
// are left out and ignored when present.
//
// 32-bit wrapper values (host_pid, unique_id...) are JSON numbers and decode
// into plain uint32 fields, so encoding/json reports a bad one with its path.
// 64-bit values and timestamps, which protojson writes as strings, are kept
// as text and converted afterwards, where their path is known.

type protoEvent struct {
	Timestamp string        `json:"timestamp"`
	ID        protoEventID  `json:"id"`
	Name      string        `json:"name"`
	Policies  protoPolicies `json:"policies"`
	Workload  protoWorkload `json:"workload"`
	Data      []protoValue  `json:"data"`
}

type protoPolicies struct {
	Matched []string `json:"matched"`
}

type protoWorkload struct {
	Process   protoProcess   `json:"process"`
	Container protoContainer `json:"container"`
	K8s       protoK8s       `json:"k8s"`
}

type protoProcess struct {
	Executable struct {
		Path string `json:"path"`
	} `json:"executable"`
	UniqueID uint32 `json:"unique_id"`
	HostPID  uint32 `json:"host_pid"`
	PID      uint32 `json:"pid"`
	RealUser struct {
		ID uint32 `json:"id"`
	} `json:"real_user"`
	Thread    protoThread     `json:"thread"`
	Ancestors []protoAncestor `json:"ancestors"`
}

// protoAncestor is the part of an ancestor Process message trace.Event keeps.
type protoAncestor struct {
	UniqueID uint32 `json:"unique_id"`
	HostPID  uint32 `json:"host_pid"`
	PID      uint32 `json:"pid"`
}

type protoThread struct {
	StartTime      string `json:"start_time"`
	Name           string `json:"name"`
	UniqueID       uint32 `json:"unique_id"`
	HostTID        uint32 `json:"host_tid"`
	TID            uint32 `json:"tid"`
	Syscall        string `json:"syscall"`
	Compat         bool   `json:"compat"`
	UserStackTrace struct {
		Addresses []struct {
			Address json.RawMessage `json:"address"`
		} `json:"addresses"`
	} `json:"user_stack_trace"`
}

type protoContainer struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Image struct {
		RepoDigests []string `json:"repo_digests"`
		Name        string   `json:"name"`
	} `json:"image"`
	// The field was renamed across main-branch revisions; accept both.
	Started   bool `json:"started"`
	IsRunning bool `json:"is_running"`
}

type protoK8s struct {
	Pod struct {
		Name string `json:"name"`
		UID  string `json:"uid"`
	} `json:"pod"`
	Namespace struct {
		Name string `json:"name"`
	} `json:"namespace"`
}

// protoEventID is the event's "id": a number in Tracee's JSON output, an
// EventId enum name if the line was written by plain protojson. A name
// carries no number we could know, so it leaves EventID at 0 (the event
// name is in "name" anyway).
type protoEventID int64

func (id *protoEventID) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	text := b
	if len(b) > 0 && b[0] == '"' {
		s, err := decodeString(b)
		if err != nil {
			return &fieldError{field: "id", err: err}
		}
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return nil // an enum name
		}
		*id = protoEventID(n)
		return nil
	}
	n, err := strconv.ParseInt(string(text), 10, 32)
	if err != nil {
		return &fieldError{field: "id", err: fmt.Errorf("%w: %s is not an event id (%w)", ErrBadField, snippet(b), numErr(err))}
	}
	*id = protoEventID(n)
	return nil
}

// DecodeProto decodes one line of the main branch's protobuf-style JSON into
// ev, which it resets first. Data entries become arguments with the Go types
// Tracee delivers inside a plugin and Tracee's type names in ArgMeta.Type:
//
//	data kind      Go value           ArgMeta.Type
//	int32          int32              "int32"
//	u_int32        uint32             "uint32"
//	int64          int64              "int64"
//	u_int64        uint64             "uint64"
//	pointer        trace.Pointer      "trace.Pointer"
//	str            string             "string"
//	bytes          []byte             "[]byte"
//	bool           bool               "bool"
//	str_array      []string           "[]string"
//	int32_array    [2]int32           "[2]int32" (if not 2 long: []int32, "[]int32")
//	u_int64_array  []uint64           "[]uint64"
//	timespec       float64            "float64"
//	sockaddr       map[string]string  "SockAddr"
//	credentials    trace.SlimCred     "trace.SlimCred"
//	struct         map[string]any     "map[string]interface{}"
//
// The "returnValue" entry stays an int64 argument, as Tracee's main branch
// delivers it, and also sets ev.ReturnValue. A data kind outside the schema
// is an ErrUnknownKind error, one of the schema's network or hook kinds an
// ErrUnsupportedKind error. The schema has no namespaces, processor,
// cgroup or host name, so PIDNS, MountNS, ProcessorID, CgroupID and
// HostName stay zero. On error ev is left zeroed.
func DecodeProto(line []byte, ev *trace.Event) error {
	d := decoderPool.Get().(*lineDecoder)
	defer decoderPool.Put(d)
	return d.decodeProto(line, ev)
}

// decodeProto decodes with the fast decoder, falling back to decodeProtoStd
// for the lines it leaves to encoding/json.
func (d *lineDecoder) decodeProto(line []byte, ev *trace.Event) error {
	*ev = trace.Event{}
	if err := requireObject(line); err != nil {
		return &LineError{Format: FormatProto, Err: err}
	}
	if d.fastProto(line, ev) {
		return nil
	}
	return decodeProtoStd(line, ev, &d.proto)
}

// decodeProtoStd is DecodeProto through encoding/json: the reference
// behaviour, which the fast decoder (fast_proto.go) repeats for the lines it
// accepts. It decodes through a caller-owned scratch protoEvent, reusing its
// data slice from line to line.
func decodeProtoStd(line []byte, ev *trace.Event, p *protoEvent) error {
	*ev = trace.Event{}
	if err := requireObject(line); err != nil {
		return &LineError{Format: FormatProto, Err: err}
	}
	// Keep the data slice's memory, but not the values of the last line.
	data := p.Data[:cap(p.Data)]
	clear(data)
	*p = protoEvent{Data: data[:0]}
	if err := json.Unmarshal(line, p); err != nil {
		return protoError(p.Name, err)
	}
	if err := fillFromProto(p, ev); err != nil {
		*ev = trace.Event{}
		return protoError(p.Name, err)
	}
	return nil
}

// protoError turns a decoding failure into a LineError.
func protoError(event string, err error) *LineError {
	lerr := &LineError{Format: FormatProto, Event: event}
	var (
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
		field   *fieldError
	)
	switch {
	case errors.As(err, &syntax):
		lerr.Err = fmt.Errorf("%w: %v", ErrNotJSON, err)
	case errors.As(err, &field):
		lerr.Field, lerr.Err = field.field, field.err
	case errors.As(err, &typeErr):
		lerr.Field = typeErr.Field
		lerr.Err = fmt.Errorf("%w: %s where %s expected", ErrBadField, typeErr.Value, typeErr.Type)
	default:
		lerr.Err = fmt.Errorf("%w: %v", ErrBadField, err)
	}
	return lerr
}

// fillFromProto maps the decoded schema onto ev.
func fillFromProto(p *protoEvent, ev *trace.Event) error {
	var err error
	if ev.Timestamp, err = protoTime("timestamp", p.Timestamp); err != nil {
		return err
	}
	ev.EventID = int(p.ID)
	ev.EventName = p.Name
	ev.MatchedPolicies = p.Policies.Matched
	if err := fillProcess(&p.Workload.Process, ev); err != nil {
		return err
	}
	fillContainer(&p.Workload, ev)
	return fillArgs(p.Data, ev)
}

func fillProcess(proc *protoProcess, ev *trace.Event) error {
	ev.Executable.Path = proc.Executable.Path
	ev.ProcessEntityId = proc.UniqueID
	ev.HostProcessID = int(proc.HostPID)
	ev.ProcessID = int(proc.PID)
	ev.UserID = int(proc.RealUser.ID)

	th := &proc.Thread
	var err error
	if ev.ThreadStartTime, err = protoTime("workload.process.thread.start_time", th.StartTime); err != nil {
		return err
	}
	ev.ProcessName = th.Name
	ev.ThreadEntityId = th.UniqueID
	ev.HostThreadID = int(th.HostTID)
	ev.ThreadID = int(th.TID)
	ev.Syscall = th.Syscall
	ev.ContextFlags.IsCompat = th.Compat
	if n := len(th.UserStackTrace.Addresses); n > 0 {
		ev.StackAddresses = make([]uint64, n)
		for i, a := range th.UserStackTrace.Addresses {
			if len(a.Address) == 0 {
				continue // protojson leaves out a zero address
			}
			addr, err := parseUint(a.Address, 64)
			if err != nil {
				return &fieldError{field: fmt.Sprintf("workload.process.thread.user_stack_trace.addresses[%d].address", i), err: err}
			}
			ev.StackAddresses[i] = addr
		}
	}

	// Tracee puts the parent first among the ancestors.
	if len(proc.Ancestors) > 0 {
		parent := proc.Ancestors[0]
		ev.ParentEntityId = parent.UniqueID
		ev.HostParentProcessID = int(parent.HostPID)
		ev.ParentProcessID = int(parent.PID)
	}
	return nil
}

func fillContainer(w *protoWorkload, ev *trace.Event) {
	c := &w.Container
	ev.ContainerID = c.ID
	ev.Container = trace.Container{ID: c.ID, Name: c.Name, ImageName: c.Image.Name}
	if len(c.Image.RepoDigests) > 0 {
		ev.Container.ImageDigest = c.Image.RepoDigests[0]
	}
	ev.ContextFlags.ContainerStarted = c.Started || c.IsRunning
	ev.Kubernetes = trace.Kubernetes{
		PodName:      w.K8s.Pod.Name,
		PodNamespace: w.K8s.Namespace.Name,
		PodUID:       w.K8s.Pod.UID,
	}
}

func fillArgs(data []protoValue, ev *trace.Event) error {
	if len(data) == 0 {
		return nil
	}
	ev.Args = make([]trace.Argument, len(data))
	for i := range data {
		ev.Args[i] = data[i].arg
	}
	ev.ArgsNum = len(ev.Args)
	for i := range ev.Args {
		if ev.Args[i].Name != returnValueName {
			continue
		}
		rv, ok := integerValue(ev.Args[i].Value)
		if !ok {
			return &fieldError{
				field: "data." + returnValueName,
				err:   fmt.Errorf("%w: returnValue is a %T, not an integer", ErrBadField, ev.Args[i].Value),
			}
		}
		ev.ReturnValue = rv
	}
	return nil
}

// returnValueName is the data entry in which Tracee's main branch carries a
// system call's result.
const returnValueName = "returnValue"

func integerValue(v any) (int, bool) {
	switch n := v.(type) {
	case int64:
		return int(n), true
	case int32:
		return int(n), true
	case uint32:
		return int(n), true
	case uint64:
		return int(n), true
	}
	return 0, false
}

// protoTime converts an RFC 3339 timestamp to nanoseconds since the epoch.
// An absent timestamp is 0; so is "null", which Tracee's writer emits for a
// missing one.
func protoTime(field, s string) (int, error) {
	if s == "" || s == "null" {
		return 0, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, &fieldError{field: field, err: fmt.Errorf("%w: %q is not an RFC 3339 time", ErrBadField, s)}
	}
	// UnixNano is undefined outside about 1678..2262.
	if sec := t.Unix(); sec < -9_223_372_036 || sec > 9_223_372_035 {
		return 0, &fieldError{field: field, err: fmt.Errorf("%w: %q is out of the nanosecond range", ErrBadField, s)}
	}
	return int(t.UnixNano()), nil
}
