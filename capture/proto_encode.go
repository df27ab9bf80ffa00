package capture

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aquasecurity/tracee/types/trace"
)

// EncodeProto writes ev in the main branch's protobuf-style JSON shape (no
// trailing newline): RFC 3339 timestamps, the process, container and
// Kubernetes context under "workload", and one "data" entry per argument,
// its kind chosen from the Go type of the value (the inverse of the table
// in DecodeProto; int, int8/int16 and uint8/uint16 are widened as Tracee
// does). If no argument is named "returnValue", one holding ev.ReturnValue
// is appended, as the main branch does for system call events: when
// ReturnValue is non-zero, or when the event is a system call (Syscall
// equals EventName).
//
// Fields the format has no place for (ProcessorID, CgroupID, namespaces,
// HostName, PodSandbox, Metadata) are dropped. Values that do not fit the
// schema (a negative pid, a Go type without a kind) are errors wrapping
// ErrBadField or ErrUnsupportedKind.
func EncodeProto(ev *trace.Event) ([]byte, error) {
	e := protoEncoder{b: make([]byte, 0, 1024)}
	e.event(ev)
	if e.err != nil {
		return nil, fmt.Errorf("capture: encode proto event %q: %w", ev.EventName, e.err)
	}
	return e.b, nil
}

// protoEncoder appends JSON to b, remembering the first error.
type protoEncoder struct {
	b   []byte
	err error
}

func (e *protoEncoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

func (e *protoEncoder) raw(s string) { e.b = append(e.b, s...) }

func (e *protoEncoder) str(s string) { e.b = appendJSONString(e.b, s) }

func (e *protoEncoder) time(ns int) {
	e.b = append(e.b, '"')
	e.b = time.Unix(0, int64(ns)).UTC().AppendFormat(e.b, time.RFC3339Nano)
	e.b = append(e.b, '"')
}

// u32 writes a value that the schema holds in a uint32.
func (e *protoEncoder) u32(field string, v int) {
	if v < 0 || v > math.MaxUint32 {
		e.fail(fmt.Errorf("%w: %s %d does not fit a uint32", ErrBadField, field, v))
		v = 0
	}
	e.b = strconv.AppendUint(e.b, uint64(v), 10)
}

func (e *protoEncoder) event(ev *trace.Event) {
	e.raw(`{"timestamp":`)
	e.time(ev.Timestamp)
	e.raw(`,"id":`)
	e.b = strconv.AppendInt(e.b, int64(ev.EventID), 10)
	e.raw(`,"name":`)
	e.str(ev.EventName)
	if len(ev.MatchedPolicies) > 0 {
		e.raw(`,"policies":{"matched":`)
		e.strings(ev.MatchedPolicies)
		e.raw(`}`)
	}
	if hasProcess(ev) || hasContainer(ev) || hasK8s(ev) {
		e.raw(`,"workload":{`)
		e.workload(ev)
		e.raw(`}`)
	}
	e.data(ev)
	e.raw(`}`)
}

func hasProcess(ev *trace.Event) bool {
	return ev.ProcessID != 0 || ev.HostProcessID != 0 || ev.ThreadID != 0 || ev.HostThreadID != 0 ||
		ev.ProcessName != "" || ev.Executable.Path != "" || ev.UserID != 0 || ev.ProcessEntityId != 0 ||
		ev.ThreadEntityId != 0 || ev.ThreadStartTime != 0 || ev.Syscall != "" || ev.ContextFlags.IsCompat ||
		len(ev.StackAddresses) > 0 || hasParent(ev)
}

func hasParent(ev *trace.Event) bool {
	return ev.ParentEntityId != 0 || ev.HostParentProcessID != 0 || ev.ParentProcessID != 0
}

func hasContainer(ev *trace.Event) bool {
	c := ev.Container
	return ev.ContainerID != "" || c.ID != "" || c.Name != "" || c.ImageName != "" || c.ImageDigest != "" ||
		ev.ContextFlags.ContainerStarted
}

func hasK8s(ev *trace.Event) bool {
	k := ev.Kubernetes
	return k.PodName != "" || k.PodNamespace != "" || k.PodUID != ""
}

func (e *protoEncoder) workload(ev *trace.Event) {
	sep := ""
	if hasProcess(ev) {
		e.raw(`"process":`)
		e.process(ev)
		sep = ","
	}
	if hasContainer(ev) {
		e.raw(sep + `"container":`)
		e.container(ev)
		sep = ","
	}
	if hasK8s(ev) {
		e.raw(sep + `"k8s":{"pod":{"name":`)
		e.str(ev.Kubernetes.PodName)
		e.raw(`,"uid":`)
		e.str(ev.Kubernetes.PodUID)
		e.raw(`},"namespace":{"name":`)
		e.str(ev.Kubernetes.PodNamespace)
		e.raw(`}}`)
	}
}

func (e *protoEncoder) process(ev *trace.Event) {
	e.raw(`{"executable":{"path":`)
	e.str(ev.Executable.Path)
	e.raw(`},"unique_id":`)
	e.b = strconv.AppendUint(e.b, uint64(ev.ProcessEntityId), 10)
	e.raw(`,"host_pid":`)
	e.u32("hostProcessId", ev.HostProcessID)
	e.raw(`,"pid":`)
	e.u32("processId", ev.ProcessID)
	e.raw(`,"real_user":{"id":`)
	e.u32("userId", ev.UserID)
	e.raw(`},"thread":{`)
	if ev.ThreadStartTime != 0 {
		e.raw(`"start_time":`)
		e.time(ev.ThreadStartTime)
		e.raw(`,`)
	}
	e.raw(`"name":`)
	e.str(ev.ProcessName)
	e.raw(`,"unique_id":`)
	e.b = strconv.AppendUint(e.b, uint64(ev.ThreadEntityId), 10)
	e.raw(`,"host_tid":`)
	e.u32("hostThreadId", ev.HostThreadID)
	e.raw(`,"tid":`)
	e.u32("threadId", ev.ThreadID)
	e.raw(`,"syscall":`)
	e.str(ev.Syscall)
	if ev.ContextFlags.IsCompat {
		e.raw(`,"compat":true`)
	}
	if len(ev.StackAddresses) > 0 {
		e.raw(`,"user_stack_trace":{"addresses":[`)
		for i, addr := range ev.StackAddresses {
			if i > 0 {
				e.raw(`,`)
			}
			e.raw(`{"address":"`)
			e.b = strconv.AppendUint(e.b, addr, 10)
			e.raw(`"}`)
		}
		e.raw(`]}`)
	}
	e.raw(`}`)
	if hasParent(ev) {
		e.raw(`,"ancestors":[{"unique_id":`)
		e.b = strconv.AppendUint(e.b, uint64(ev.ParentEntityId), 10)
		e.raw(`,"host_pid":`)
		e.u32("hostParentProcessId", ev.HostParentProcessID)
		e.raw(`,"pid":`)
		e.u32("parentProcessId", ev.ParentProcessID)
		e.raw(`}]`)
	}
	e.raw(`}`)
}

func (e *protoEncoder) container(ev *trace.Event) {
	c := ev.Container
	id := c.ID
	if id == "" {
		id = ev.ContainerID
	}
	e.raw(`{"id":`)
	e.str(id)
	e.raw(`,"name":`)
	e.str(c.Name)
	if c.ImageName != "" || c.ImageDigest != "" {
		e.raw(`,"image":{`)
		if c.ImageDigest != "" {
			e.raw(`"repo_digests":[`)
			e.str(c.ImageDigest)
			e.raw(`],`)
		}
		e.raw(`"name":`)
		e.str(c.ImageName)
		e.raw(`}`)
	}
	if ev.ContextFlags.ContainerStarted {
		e.raw(`,"started":true`)
	}
	e.raw(`}`)
}

func (e *protoEncoder) data(ev *trace.Event) {
	appendReturn := (ev.ReturnValue != 0 || (ev.Syscall != "" && ev.Syscall == ev.EventName)) &&
		!hasArg(ev, returnValueName)
	if len(ev.Args) == 0 && !appendReturn {
		return
	}
	e.raw(`,"data":[`)
	for i := range ev.Args {
		if i > 0 {
			e.raw(`,`)
		}
		e.value(&ev.Args[i])
	}
	if appendReturn {
		if len(ev.Args) > 0 {
			e.raw(`,`)
		}
		e.value(&trace.Argument{ArgMeta: trace.ArgMeta{Name: returnValueName}, Value: int64(ev.ReturnValue)})
	}
	e.raw(`]`)
}

func hasArg(ev *trace.Event, name string) bool {
	for i := range ev.Args {
		if ev.Args[i].Name == name {
			return true
		}
	}
	return false
}

// value writes one data entry, its kind chosen from the Go type.
func (e *protoEncoder) value(arg *trace.Argument) {
	e.raw(`{"name":`)
	e.str(arg.Name)
	switch v := arg.Value.(type) {
	case nil:
	case int32:
		e.kindInt("int32", int64(v), false)
	case int8:
		e.kindInt("int32", int64(v), false)
	case int16:
		e.kindInt("int32", int64(v), false)
	case uint32:
		e.kindUint("u_int32", uint64(v), false)
	case uint8:
		e.kindUint("u_int32", uint64(v), false)
	case uint16:
		e.kindUint("u_int32", uint64(v), false)
	case int64:
		e.kindInt("int64", v, true)
	case int:
		e.kindInt("int64", int64(v), true)
	case uint64:
		e.kindUint("u_int64", v, true)
	case trace.Pointer:
		e.kindUint("pointer", uint64(v), true)
	case string:
		e.raw(`,"str":`)
		e.str(v)
	case []byte:
		e.raw(`,"bytes":"`)
		e.b = base64.StdEncoding.AppendEncode(e.b, v)
		e.raw(`"`)
	case bool:
		e.raw(`,"bool":`)
		e.b = strconv.AppendBool(e.b, v)
	case []string:
		e.raw(`,"str_array":{`)
		if len(v) > 0 {
			e.raw(`"value":`)
			e.strings(v)
		}
		e.raw(`}`)
	case [2]int32:
		e.int32s(v[:])
	case []int32:
		e.int32s(v)
	case []uint64:
		e.raw(`,"u_int64_array":{`)
		if len(v) > 0 {
			e.raw(`"value":[`)
			for i, n := range v {
				if i > 0 {
					e.raw(`,`)
				}
				e.raw(`"`)
				e.b = strconv.AppendUint(e.b, n, 10)
				e.raw(`"`)
			}
			e.raw(`]`)
		}
		e.raw(`}`)
	case float64:
		e.raw(`,"timespec":{"value":`)
		e.b = floatJSON(e.b, v)
		e.raw(`}`)
	case map[string]string:
		e.raw(`,"sockaddr":`)
		e.sockAddr(arg.Name, v)
	case trace.SlimCred:
		e.raw(`,"credentials":`)
		e.credentials(v)
	case map[string]any:
		b, err := json.Marshal(v)
		if err != nil {
			e.fail(fmt.Errorf("%w: argument %q: %v", ErrBadField, arg.Name, err))
			b = []byte("{}")
		}
		e.raw(`,"struct":`)
		e.b = append(e.b, b...)
	default:
		e.fail(fmt.Errorf("%w: argument %q holds a %T", ErrUnsupportedKind, arg.Name, v))
	}
	e.raw(`}`)
}

func (e *protoEncoder) kindInt(kind string, n int64, quoted bool) {
	e.raw(`,"` + kind + `":`)
	if quoted {
		e.raw(`"`)
	}
	e.b = strconv.AppendInt(e.b, n, 10)
	if quoted {
		e.raw(`"`)
	}
}

func (e *protoEncoder) kindUint(kind string, n uint64, quoted bool) {
	e.raw(`,"` + kind + `":`)
	if quoted {
		e.raw(`"`)
	}
	e.b = strconv.AppendUint(e.b, n, 10)
	if quoted {
		e.raw(`"`)
	}
}

func (e *protoEncoder) int32s(v []int32) {
	e.raw(`,"int32_array":{`)
	if len(v) > 0 {
		e.raw(`"value":[`)
		for i, n := range v {
			if i > 0 {
				e.raw(`,`)
			}
			e.b = strconv.AppendInt(e.b, int64(n), 10)
		}
		e.raw(`]`)
	}
	e.raw(`}`)
}

func (e *protoEncoder) strings(v []string) {
	e.raw(`[`)
	for i, s := range v {
		if i > 0 {
			e.raw(`,`)
		}
		e.str(s)
	}
	e.raw(`]`)
}

// sockAddr writes the SockAddr message for a map as decodeSockAddr builds
// it; the family is written as its enum name.
func (e *protoEncoder) sockAddr(name string, m map[string]string) {
	familyText := m["sa_family"]
	family, ok := familyNumbers[familyText]
	if !ok {
		n, err := strconv.ParseInt(familyText, 10, 32)
		if err != nil {
			e.fail(fmt.Errorf("%w: argument %q: unknown sa_family %q", ErrBadField, name, familyText))
		}
		family = n
	}
	e.raw(`{"sa_family":`)
	if known, ok := familyNames[family]; ok && family != afUnspec {
		e.str(known)
	} else {
		e.b = strconv.AppendInt(e.b, family, 10)
	}
	port := func(key string) {
		text := m[key]
		if text == "" {
			text = "0"
		}
		n, err := strconv.ParseUint(text, 10, 32)
		if err != nil {
			e.fail(fmt.Errorf("%w: argument %q: %s %q is not a uint32", ErrBadField, name, key, text))
		}
		e.raw(`,"` + key + `":`)
		e.b = strconv.AppendUint(e.b, n, 10)
	}
	switch family {
	case afUnix:
		e.raw(`,"sun_path":`)
		e.str(m["sun_path"])
	case afInet:
		e.raw(`,"sin_addr":`)
		e.str(m["sin_addr"])
		port("sin_port")
	case afInet6:
		e.raw(`,"sin6_addr":`)
		e.str(m["sin6_addr"])
		port("sin6_port")
		port("sin6_flowinfo")
		port("sin6_scopeid")
	}
	e.raw(`}`)
}

func (e *protoEncoder) credentials(c trace.SlimCred) {
	ids := []struct {
		key string
		v   uint32
	}{
		{"uid", c.Uid}, {"gid", c.Gid}, {"suid", c.Suid}, {"sgid", c.Sgid},
		{"euid", c.Euid}, {"egid", c.Egid}, {"fsuid", c.Fsuid}, {"fsgid", c.Fsgid},
		{"user_namespace", c.UserNamespace}, {"secure_bits", c.SecureBits},
	}
	e.raw(`{`)
	for i, id := range ids {
		if i > 0 {
			e.raw(`,`)
		}
		e.raw(`"` + id.key + `":`)
		e.b = strconv.AppendUint(e.b, uint64(id.v), 10)
	}
	masks := []struct {
		key  string
		mask uint64
	}{
		{"cap_inheritable", c.CapInheritable}, {"cap_permitted", c.CapPermitted},
		{"cap_effective", c.CapEffective}, {"cap_bounding", c.CapBounding}, {"cap_ambient", c.CapAmbient},
	}
	for _, m := range masks {
		if m.mask == 0 {
			continue
		}
		e.raw(`,"` + m.key + `":[`)
		first := true
		for bit := 0; bit < 64; bit++ {
			if m.mask&(1<<uint(bit)) == 0 {
				continue
			}
			if !first {
				e.raw(`,`)
			}
			first = false
			if bit < len(capabilityNames) && capabilityNames[bit] != "" {
				e.str(capabilityNames[bit])
			} else {
				e.b = strconv.AppendInt(e.b, int64(bit), 10)
			}
		}
		e.raw(`]`)
	}
	e.raw(`}`)
}

// appendJSONString appends s as a JSON string. Like encoding/json it
// replaces invalid UTF-8 with U+FFFD and escapes U+2028 and U+2029; unlike
// it, it leaves <, > and & alone, as protojson does.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
