package signatures

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/aquasecurity/tracee/types/detect"
)

// Finding is a finding's data with Go types, for programs that read
// findings: what DecodeFinding returns. Fields whose key the data lacks
// keep their zero value; Sender, Target and Probe are nil when absent, so
// a custom Rego rule that returns data of its own decodes to a Finding with
// its keys in Extra.
type Finding struct {
	PidFD          int64    // the pidfd argument
	PidFDKind      string   // fd, self_thread, self_thread_group or invalid
	Sig            int64    // the signal number
	Signal         string   // its name: SIGKILL, SIG0, SIGRTMIN+3
	Flags          int64    // the flags argument
	FlagNames      []string // the known flags set, e.g. PIDFD_SIGNAL_PROCESS_GROUP
	UnknownFlags   int64    // the flag bits no kernel defines
	MultipleScopes bool     // more than one scope flag (EINVAL)
	Scope          string   // pidfd, thread, thread_group, process_group or invalid
	Info           uint64   // the siginfo address; 0 for NULL
	Return         int64    // the call's return value
	Errno          string   // the errno name, "" on success

	Sender *FindingProcess // the caller
	Target *FindingTarget  // the process signalled, as far as it is known

	Reasons      []string       // why the signature fired, e.g. permission_denied
	Probe        *FindingProbe  // PFD-4's probe pattern
	SecurityTool string         // the name or glob PFD-5 matched
	Extra        map[string]any // every other key, in the types of finding data
}

// FindingProcess is the "sender" of finding data.
type FindingProcess struct {
	HostPID     int64
	PID         int64 // in the caller's pid namespace
	UID         int64
	Comm        string
	Exe         string
	ContainerID string
}

// FindingTarget is the "target" of finding data: target.Record's fields,
// the unknown ones zero (UID, EUID and SUID nil).
type FindingTarget struct {
	Source      string // unknown, self, tracked, procfs or pidfd_info
	Reason      string // why unknown or partial
	HostPID     int64
	HostTID     int64
	PID         int64
	PidNS       int64
	Thread      bool
	UID         *int64
	EUID        *int64
	SUID        *int64
	Comm        string
	Exe         string
	ContainerID string
	IsSender    bool
	Exited      bool
}

// FindingProbe is PFD-4's "probe" data (see ProbeData).
type FindingProbe struct {
	Count          int64
	Window         string // a duration, e.g. "1m0s"
	TargetHostPIDs []int64
}

// FindingDataError reports a key of finding data whose value does not
// have the type the key's name promises.
type FindingDataError struct {
	Key  string // e.g. "sender.uid"
	Want string // the type expected
	Got  string // the Go type found
}

// Error names the key, the type it should hold and the type it holds.
func (e *FindingDataError) Error() string {
	return fmt.Sprintf("finding data: %s: want %s, got %s", e.Key, e.Want, e.Got)
}

// DecodeFinding returns f's data typed. It reads the types of finding data
// (see DataObject) and, for data built by hand, any Go integer type and
// plain maps. A known key holding another type is a *FindingDataError; the
// rest of the data is still decoded and returned with it.
func DecodeFinding(f *detect.Finding) (Finding, error) {
	d := &decoder{}
	var out Finding
	data := f.GetData()
	for _, k := range slices.Sorted(maps.Keys(data)) { // in order: the first error found is always the same
		v := data[k]
		switch k {
		case "pidfd":
			out.PidFD = d.int(k, v)
		case "pidfd_kind":
			out.PidFDKind = d.str(k, v)
		case "sig":
			out.Sig = d.int(k, v)
		case "signal":
			out.Signal = d.str(k, v)
		case "flags":
			out.Flags = d.int(k, v)
		case "flag_names":
			out.FlagNames = d.strs(k, v)
		case "unknown_flags":
			out.UnknownFlags = d.int(k, v)
		case "multiple_scopes":
			out.MultipleScopes = d.bool(k, v)
		case "scope":
			out.Scope = d.str(k, v)
		case "info":
			out.Info = d.uint(k, v)
		case "return":
			out.Return = d.int(k, v)
		case "errno":
			out.Errno = d.str(k, v)
		case "sender":
			out.Sender = d.sender(k, v)
		case DataTarget:
			out.Target = d.target(k, v)
		case DataReasons:
			out.Reasons = d.strs(k, v)
		case DataProbe:
			out.Probe = d.probe(k, v)
		case DataSecurityTool:
			out.SecurityTool = d.str(k, v)
		default:
			if out.Extra == nil {
				out.Extra = map[string]any{}
			}
			out.Extra[k] = v
		}
	}
	if d.err != nil {
		return out, d.err
	}
	return out, nil
}

// decoder converts values, keeping the first error.
type decoder struct{ err error }

func (d *decoder) fail(key, want string, v any) {
	if d.err == nil {
		d.err = &FindingDataError{Key: key, Want: want, Got: fmt.Sprintf("%T", v)}
	}
}

func (d *decoder) int(key string, v any) int64 {
	n, ok := asInt64(v)
	if !ok {
		d.fail(key, "an integer", v)
	}
	return n
}

func (d *decoder) uint(key string, v any) uint64 {
	if u, ok := v.(uint64); ok {
		return u
	}
	n, ok := asInt64(v)
	if !ok || n < 0 {
		d.fail(key, "a non-negative integer", v)
		return 0
	}
	return uint64(n)
}

func (d *decoder) str(key string, v any) string {
	s, ok := v.(string)
	if !ok {
		d.fail(key, "a string", v)
	}
	return s
}

func (d *decoder) bool(key string, v any) bool {
	b, ok := v.(bool)
	if !ok {
		d.fail(key, "a bool", v)
	}
	return b
}

func (d *decoder) strs(key string, v any) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []any:
		out := make([]string, len(l))
		for i, e := range l {
			out[i] = d.str(fmt.Sprintf("%s[%d]", key, i), e)
		}
		return out
	case DataList:
		return d.strs(key, []any(l))
	}
	d.fail(key, "a list of strings", v)
	return nil
}

func (d *decoder) ints(key string, v any) []int64 {
	var l []any
	switch x := v.(type) {
	case DataList:
		l = x
	case []any:
		l = x
	case []int64:
		return x
	default:
		d.fail(key, "a list of integers", v)
		return nil
	}
	out := make([]int64, len(l))
	for i, e := range l {
		out[i] = d.int(fmt.Sprintf("%s[%d]", key, i), e)
	}
	return out
}

func (d *decoder) object(key string, v any) map[string]any {
	switch o := v.(type) {
	case DataObject:
		return o
	case map[string]any:
		return o
	}
	d.fail(key, "an object", v)
	return nil
}

func (d *decoder) sender(key string, v any) *FindingProcess {
	o := d.object(key, v)
	if o == nil {
		return nil
	}
	p := &FindingProcess{}
	opt(o, "host_pid", func(v any) { p.HostPID = d.int(key+".host_pid", v) })
	opt(o, "pid", func(v any) { p.PID = d.int(key+".pid", v) })
	opt(o, "uid", func(v any) { p.UID = d.int(key+".uid", v) })
	opt(o, "comm", func(v any) { p.Comm = d.str(key+".comm", v) })
	opt(o, "exe", func(v any) { p.Exe = d.str(key+".exe", v) })
	opt(o, "container_id", func(v any) { p.ContainerID = d.str(key+".container_id", v) })
	return p
}

func (d *decoder) target(key string, v any) *FindingTarget {
	o := d.object(key, v)
	if o == nil {
		return nil
	}
	t := &FindingTarget{}
	ptr := func(name string) func(any) {
		return func(v any) {
			n := d.int(key+"."+name, v)
			switch name {
			case "uid":
				t.UID = &n
			case "euid":
				t.EUID = &n
			case "suid":
				t.SUID = &n
			}
		}
	}
	opt(o, "source", func(v any) { t.Source = d.str(key+".source", v) })
	opt(o, "reason", func(v any) { t.Reason = d.str(key+".reason", v) })
	opt(o, "host_pid", func(v any) { t.HostPID = d.int(key+".host_pid", v) })
	opt(o, "host_tid", func(v any) { t.HostTID = d.int(key+".host_tid", v) })
	opt(o, "pid", func(v any) { t.PID = d.int(key+".pid", v) })
	opt(o, "pid_ns", func(v any) { t.PidNS = d.int(key+".pid_ns", v) })
	opt(o, "thread", func(v any) { t.Thread = d.bool(key+".thread", v) })
	opt(o, "uid", ptr("uid"))
	opt(o, "euid", ptr("euid"))
	opt(o, "suid", ptr("suid"))
	opt(o, "comm", func(v any) { t.Comm = d.str(key+".comm", v) })
	opt(o, "exe", func(v any) { t.Exe = d.str(key+".exe", v) })
	opt(o, "container_id", func(v any) { t.ContainerID = d.str(key+".container_id", v) })
	opt(o, "is_sender", func(v any) { t.IsSender = d.bool(key+".is_sender", v) })
	opt(o, "exited", func(v any) { t.Exited = d.bool(key+".exited", v) })
	return t
}

func (d *decoder) probe(key string, v any) *FindingProbe {
	o := d.object(key, v)
	if o == nil {
		return nil
	}
	p := &FindingProbe{}
	opt(o, "count", func(v any) { p.Count = d.int(key+".count", v) })
	opt(o, "window", func(v any) { p.Window = d.str(key+".window", v) })
	opt(o, "target_host_pids", func(v any) { p.TargetHostPIDs = d.ints(key+".target_host_pids", v) })
	return p
}

// opt calls set with o[key] when o has key with a non-nil value.
func opt(o map[string]any, key string, set func(any)) {
	if v, ok := o[key]; ok && v != nil {
		set(v)
	}
}

// asInt64 returns an integer of any Go integer type as an int64; false for
// anything else and for a uint64 above math.MaxInt64.
func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int16:
		return int64(n), true
	case int8:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint8:
		return int64(n), true
	case uint:
		if uint64(n) <= math.MaxInt64 {
			return int64(n), true
		}
	case uint64:
		if n <= math.MaxInt64 {
			return int64(n), true
		}
	}
	return 0, false
}
