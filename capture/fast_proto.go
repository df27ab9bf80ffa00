package capture

import (
	"strconv"
	"time"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/valyala/fastjson"
)

// fastProto decodes a protobuf-style line the way decodeProtoStd does, or
// reports false, leaving ev in an undefined state, for a line it leaves to
// decodeProtoStd (see fast.go).
func (d *lineDecoder) fastProto(line []byte, ev *trace.Event) bool {
	root, ok := d.parse(line)
	if !ok {
		return false
	}
	defer d.release(line)
	var w protoWorkloadState
	ok = d.protoObject(root, func(key []byte, v *fastjson.Value) (field int, ok bool) {
		switch string(key) {
		case "timestamp":
			return 0, d.timeField(v, &ev.Timestamp)
		case "id":
			return 1, d.protoEventID(v, &ev.EventID)
		case "name":
			return 2, d.setStr(v, &ev.EventName)
		case "policies":
			return 3, d.protoObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
				if string(key) != "matched" {
					return ignoreUnknown(key, "matched")
				}
				var ok bool
				ev.MatchedPolicies, ok = d.stringList(v, true)
				return 0, ok
			})
		case "workload":
			return 4, d.protoWorkload(v, ev, &w)
		case "data":
			return 5, d.protoData(v, ev)
		}
		return ignoreUnknown(key, "timestamp", "id", "name", "policies", "workload", "data")
	})
	if !ok {
		return false
	}
	ev.ContextFlags.ContainerStarted = w.started || w.isRunning
	if w.hasParent {
		ev.ParentEntityId = w.parent.uniqueID
		ev.HostParentProcessID = int(w.parent.hostPID)
		ev.ParentProcessID = int(w.parent.pid)
	}
	for i := range ev.Args {
		if ev.Args[i].Name != returnValueName {
			continue
		}
		rv, ok := integerValue(ev.Args[i].Value)
		if !ok {
			return false
		}
		ev.ReturnValue = rv
	}
	return true
}

// protoMember decodes one member of an object. field is the index of the
// message field the key names (below 64), or -1 for a key it does not know;
// ok reports whether decoding may go on.
type protoMember func(key []byte, v *fastjson.Value) (field int, ok bool)

// protoObject decodes a message as encoding/json decodes the mirror struct:
// null leaves it alone, an object goes member by member through member.
// Unknown keys are ignored (after checking their values are valid JSON),
// unless member says encoding/json would match them to a field
// case-insensitively, which is left to it, as are repeated fields.
func (d *lineDecoder) protoObject(v *fastjson.Value, member protoMember) bool {
	switch v.Type() {
	case fastjson.TypeNull:
		return true
	case fastjson.TypeObject:
	default:
		return false
	}
	o, _ := v.Object()
	var s seen
	ok := true
	o.Visit(func(key []byte, v *fastjson.Value) {
		if !ok {
			return
		}
		field, memberOK := member(key, v)
		if field >= 0 {
			ok = memberOK && s.first(uint(field))
		} else {
			ok = memberOK && d.check(v)
		}
	})
	return ok
}

// ignoreUnknown is the protoMember result for a key that is none of names:
// ignored, unless it folds to one of them.
func ignoreUnknown(key []byte, names ...string) (field int, ok bool) {
	return -1, !foldsToOneOf(key, names...)
}

// protoAncestorState holds the fields of an ancestor the event keeps.
type protoAncestorState struct {
	uniqueID, hostPID, pid uint32
}

// protoWorkloadState collects what is only known once the whole workload
// has been read.
type protoWorkloadState struct {
	started, isRunning bool
	hasParent          bool
	parent             protoAncestorState
}

func (d *lineDecoder) protoWorkload(v *fastjson.Value, ev *trace.Event, w *protoWorkloadState) bool {
	return d.protoObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
		switch string(key) {
		case "process":
			return 0, d.protoProcess(v, ev, w)
		case "container":
			return 1, d.protoContainer(v, ev, w)
		case "k8s":
			return 2, d.protoK8s(v, &ev.Kubernetes)
		}
		return ignoreUnknown(key, "process", "container", "k8s")
	})
}

func (d *lineDecoder) protoProcess(v *fastjson.Value, ev *trace.Event, w *protoWorkloadState) bool {
	return d.protoObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
		switch string(key) {
		case "executable":
			return 0, d.protoObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
				if string(key) == "path" {
					return 0, d.setStr(v, &ev.Executable.Path)
				}
				return ignoreUnknown(key, "path")
			})
		case "unique_id":
			return 1, d.setU32(v, &ev.ProcessEntityId)
		case "host_pid":
			return 2, d.setU32Int(v, &ev.HostProcessID)
		case "pid":
			return 3, d.setU32Int(v, &ev.ProcessID)
		case "real_user":
			return 4, d.protoObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
				if string(key) == "id" {
					return 0, d.setU32Int(v, &ev.UserID)
				}
				return ignoreUnknown(key, "id")
			})
		case "thread":
			return 5, d.protoThread(v, ev)
		case "ancestors":
			return 6, d.protoAncestors(v, w)
		}
		return ignoreUnknown(key, "executable", "unique_id", "host_pid", "pid", "real_user", "thread", "ancestors")
	})
}

func (d *lineDecoder) protoThread(v *fastjson.Value, ev *trace.Event) bool {
	return d.protoObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
		switch string(key) {
		case "start_time":
			return 0, d.timeField(v, &ev.ThreadStartTime)
		case "name":
			return 1, d.setStr(v, &ev.ProcessName)
		case "unique_id":
			return 2, d.setU32(v, &ev.ThreadEntityId)
		case "host_tid":
			return 3, d.setU32Int(v, &ev.HostThreadID)
		case "tid":
			return 4, d.setU32Int(v, &ev.ThreadID)
		case "syscall":
			return 5, d.setStr(v, &ev.Syscall)
		case "compat":
			return 6, setBool(v, &ev.ContextFlags.IsCompat)
		case "user_stack_trace":
			return 7, d.protoObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
				if string(key) == "addresses" {
					return 0, d.protoStack(v, ev)
				}
				return ignoreUnknown(key, "addresses")
			})
		}
		return ignoreUnknown(key, "start_time", "name", "unique_id", "host_tid", "tid", "syscall", "compat", "user_stack_trace")
	})
}

// protoStack decodes the stack addresses as fillProcess does: an empty list
// leaves StackAddresses nil, an entry without an address is 0.
func (d *lineDecoder) protoStack(v *fastjson.Value, ev *trace.Event) bool {
	items, _, ok := jsonArray(v)
	if !ok || len(items) == 0 {
		return ok
	}
	ev.StackAddresses = make([]uint64, len(items))
	for i, item := range items {
		addr := &ev.StackAddresses[i]
		ok := d.protoObject(item, func(key []byte, v *fastjson.Value) (int, bool) {
			if string(key) != "address" {
				return ignoreUnknown(key, "address")
			}
			n, ok := d.protoUint(v, 64)
			*addr = n
			return 0, ok
		})
		if !ok {
			return false
		}
	}
	return true
}

func (d *lineDecoder) protoAncestors(v *fastjson.Value, w *protoWorkloadState) bool {
	items, _, ok := jsonArray(v)
	if !ok {
		return false
	}
	for i, item := range items {
		var a protoAncestorState
		ok := d.protoObject(item, func(key []byte, v *fastjson.Value) (int, bool) {
			switch string(key) {
			case "unique_id":
				return 0, d.setU32(v, &a.uniqueID)
			case "host_pid":
				return 1, d.setU32(v, &a.hostPID)
			case "pid":
				return 2, d.setU32(v, &a.pid)
			}
			return ignoreUnknown(key, "unique_id", "host_pid", "pid")
		})
		if !ok {
			return false
		}
		if i == 0 { // Tracee puts the parent first
			w.hasParent, w.parent = true, a
		}
	}
	return true
}

func (d *lineDecoder) protoContainer(v *fastjson.Value, ev *trace.Event, w *protoWorkloadState) bool {
	c := &ev.Container
	ok := d.protoObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
		switch string(key) {
		case "id":
			return 0, d.setStr(v, &c.ID)
		case "name":
			return 1, d.setStr(v, &c.Name)
		case "image":
			return 2, d.protoObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
				switch string(key) {
				case "repo_digests":
					return 0, d.firstString(v, &c.ImageDigest)
				case "name":
					return 1, d.setStr(v, &c.ImageName)
				}
				return ignoreUnknown(key, "repo_digests", "name")
			})
		case "started":
			return 3, setBool(v, &w.started)
		case "is_running":
			return 4, setBool(v, &w.isRunning)
		}
		return ignoreUnknown(key, "id", "name", "image", "started", "is_running")
	})
	ev.ContainerID = c.ID
	return ok
}

func (d *lineDecoder) protoK8s(v *fastjson.Value, k *trace.Kubernetes) bool {
	return d.protoObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
		switch string(key) {
		case "pod":
			return 0, d.protoObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
				switch string(key) {
				case "name":
					return 0, d.setStr(v, &k.PodName)
				case "uid":
					return 1, d.setStr(v, &k.PodUID)
				}
				return ignoreUnknown(key, "name", "uid")
			})
		case "namespace":
			return 1, d.protoObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
				if string(key) == "name" {
					return 0, d.setStr(v, &k.PodNamespace)
				}
				return ignoreUnknown(key, "name")
			})
		}
		return ignoreUnknown(key, "pod", "namespace")
	})
}

// firstString checks a list of strings and stores its first element, if
// any, in *dst.
func (d *lineDecoder) firstString(v *fastjson.Value, dst *string) bool {
	switch v.Type() {
	case fastjson.TypeNull:
		return true
	case fastjson.TypeArray:
	default:
		return false
	}
	items, _ := v.Array()
	for i, item := range items {
		s, ok := d.str(item)
		if !ok {
			return false
		}
		if i == 0 {
			*dst = s
		}
	}
	return true
}

// setU32Int stores a uint32 field of the schema in an int field of the event.
func (d *lineDecoder) setU32Int(v *fastjson.Value, dst *int) bool {
	var n uint32
	if !d.setU32(v, &n) {
		return false
	}
	*dst = int(n)
	return true
}

// protoEventID decodes "id" as protoEventID.UnmarshalJSON does: a number, a
// string of one, or an enum name, which leaves the id 0.
func (d *lineDecoder) protoEventID(v *fastjson.Value, dst *int) bool {
	switch v.Type() {
	case fastjson.TypeNull:
		return true
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		if n, err := strconv.ParseInt(string(b), 10, 32); err == nil {
			*dst = int(n)
		}
		return true
	case fastjson.TypeNumber:
		num, ok := d.number(v)
		if !ok {
			return false
		}
		n, err := strconv.ParseInt(string(num), 10, 32)
		if err != nil {
			return false
		}
		*dst = int(n)
		return true
	}
	return false
}

// timeField decodes an RFC 3339 timestamp field as protoTime does.
func (d *lineDecoder) timeField(v *fastjson.Value, dst *int) bool {
	if v.Type() == fastjson.TypeNull {
		return true
	}
	b, err := v.StringBytes()
	if err != nil {
		return false
	}
	if ns, ok := parseUTCTimestamp(b); ok {
		*dst = ns
		return true
	}
	ns, err := protoTime("", string(b))
	if err != nil {
		return false
	}
	*dst = ns
	return true
}

// parseUTCTimestamp converts the timestamps Tracee writes,
// "2006-01-02T15:04:05.999999999Z" with 0 to 9 fractional digits, to
// nanoseconds since the epoch, as time.Parse(time.RFC3339Nano) and protoTime
// would. ok is false for any other shape, and for values protoTime rejects.
func parseUTCTimestamp(b []byte) (ns int, ok bool) {
	const layout = "2006-01-02T15:04:05"
	if len(b) < len(layout)+1 || b[len(b)-1] != 'Z' {
		return 0, false
	}
	if b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	digits := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	frac := b[len(layout) : len(b)-1]
	nsec := 0
	if len(frac) > 0 {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return 0, false
		}
		n, ok := digits(frac[1:])
		if !ok {
			return 0, false
		}
		for i := len(frac) - 1; i < 9; i++ {
			n *= 10
		}
		nsec = n
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	// protoTime's range: UnixNano is undefined outside about 1678..2262.
	if s := t.Unix(); s < -9_223_372_036 || s > 9_223_372_035 {
		return 0, false
	}
	return int(t.UnixNano()), true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// protoData decodes the data entries into arguments, as the protoValue
// decoder and fillArgs do: an empty list leaves Args nil.
func (d *lineDecoder) protoData(v *fastjson.Value, ev *trace.Event) bool {
	items, _, ok := jsonArray(v)
	if !ok || len(items) == 0 {
		return ok
	}
	ev.Args = make([]trace.Argument, len(items))
	ev.ArgsNum = len(items)
	for i, item := range items {
		if !d.protoValue(item, &ev.Args[i]) {
			return false
		}
	}
	return true
}

// protoValue decodes one data entry: a name and at most one value kind.
func (d *lineDecoder) protoValue(v *fastjson.Value, arg *trace.Argument) bool {
	if v.Type() != fastjson.TypeObject {
		return false
	}
	o, _ := v.Object()
	var (
		kind  dataKind
		value *fastjson.Value
		ok    = true
	)
	o.Visit(func(key []byte, v *fastjson.Value) {
		if !ok {
			return
		}
		if string(key) == "name" { // the last name counts, as in protoValue
			ok = v.Type() == fastjson.TypeString
			arg.Name, _ = d.str(v)
			return
		}
		if value != nil {
			ok = false // more than one kind
			return
		}
		kind, value = kindOf(key), v
	})
	if !ok {
		return false
	}
	if value == nil {
		return true // a nil value
	}
	return d.protoKind(kind, value, arg)
}

// dataKind is a value kind the fast decoder converts itself.
type dataKind uint8

const (
	kindOther dataKind = iota // left to decodeKind
	kindInt32
	kindUint32
	kindInt64
	kindUint64
	kindPointer
	kindStr
	kindBytes
	kindBool
	kindStrArray
	kindInt32Array
	kindUint64Array
	kindTimespec
)

func kindOf(key []byte) dataKind {
	switch string(key) {
	case "int32":
		return kindInt32
	case "u_int32":
		return kindUint32
	case "int64":
		return kindInt64
	case "u_int64":
		return kindUint64
	case "pointer":
		return kindPointer
	case "str":
		return kindStr
	case "bytes":
		return kindBytes
	case "bool":
		return kindBool
	case "str_array":
		return kindStrArray
	case "int32_array":
		return kindInt32Array
	case "u_int64_array":
		return kindUint64Array
	case "timespec":
		return kindTimespec
	}
	return kindOther
}

// protoKind converts a value by its kind as decodeKind does. The rarer
// kinds (sockaddr, credentials, struct, the network kinds) and unknown ones
// are left to it.
func (d *lineDecoder) protoKind(kind dataKind, v *fastjson.Value, arg *trace.Argument) bool {
	switch kind {
	case kindInt32:
		n, ok := d.protoInt(v, 32)
		arg.Type, arg.Value = "int32", int32(n)
		return ok
	case kindUint32:
		n, ok := d.protoUint(v, 32)
		arg.Type, arg.Value = "uint32", uint32(n)
		return ok
	case kindInt64:
		n, ok := d.protoInt(v, 64)
		arg.Type, arg.Value = "int64", n
		return ok
	case kindUint64:
		n, ok := d.protoUint(v, 64)
		arg.Type, arg.Value = "uint64", n
		return ok
	case kindPointer:
		n, ok := d.protoUint(v, 64)
		arg.Type, arg.Value = "trace.Pointer", trace.Pointer(n)
		return ok
	case kindStr:
		b, err := v.StringBytes()
		if err != nil {
			return false
		}
		arg.Type, arg.Value = "string", string(b)
		return true
	case kindBytes:
		b, err := v.StringBytes()
		if err != nil {
			return false
		}
		out, err := decodeBase64(string(b))
		if err != nil {
			return false
		}
		arg.Type, arg.Value = "[]byte", out
		return true
	case kindBool:
		switch v.Type() {
		case fastjson.TypeTrue:
			arg.Type, arg.Value = "bool", true
		case fastjson.TypeFalse:
			arg.Type, arg.Value = "bool", false
		default:
			return false
		}
		return true
	case kindStrArray:
		var out []string
		ok := d.protoMessageValue(v, func(v *fastjson.Value) bool {
			var ok bool
			out, ok = d.stringList(v, false)
			return ok
		})
		if out == nil {
			out = []string{} // protojson writes an empty array as {}
		}
		arg.Type, arg.Value = "[]string", out
		return ok
	case kindInt32Array:
		var out []int32
		ok := d.protoMessageValue(v, func(v *fastjson.Value) bool {
			var ok bool
			out, ok = d.protoInt32s(v)
			return ok
		})
		if len(out) == 2 {
			arg.Type, arg.Value = "[2]int32", [2]int32{out[0], out[1]}
		} else {
			if out == nil {
				out = []int32{}
			}
			arg.Type, arg.Value = "[]int32", out
		}
		return ok
	case kindUint64Array:
		var out []uint64
		ok := d.protoMessageValue(v, func(v *fastjson.Value) bool {
			var ok bool
			out, ok = d.protoUint64s(v)
			return ok
		})
		if out == nil {
			out = []uint64{}
		}
		arg.Type, arg.Value = "[]uint64", out
		return ok
	case kindTimespec:
		var f float64
		ok := d.protoMessageValue(v, func(v *fastjson.Value) bool {
			var ok bool
			f, ok = d.protoSeconds(v)
			return ok
		})
		arg.Type, arg.Value = "float64", f
		return ok
	}
	return false
}

// protoMessageValue decodes a wrapper message, {"value": ...}, handing the
// value to value (not called if absent). As with unmarshalMessage, the
// message must be an object.
func (d *lineDecoder) protoMessageValue(v *fastjson.Value, value func(*fastjson.Value) bool) bool {
	if v.Type() != fastjson.TypeObject {
		return false
	}
	return d.protoObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
		if string(key) != "value" {
			return ignoreUnknown(key, "value")
		}
		return 0, value(v)
	})
}

// protoInt reads an integer as parseInt does: the raw JSON text, without the
// quotes protojson may put around it. It must see v before anything asks v
// for its type, as a quoted integer must not be unescaped.
func (d *lineDecoder) protoInt(v *fastjson.Value, bits int) (int64, bool) {
	text, ok := d.protoIntText(v)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(string(text), 10, bits)
	return n, err == nil
}

// protoUint is protoInt for unsigned integers.
func (d *lineDecoder) protoUint(v *fastjson.Value, bits int) (uint64, bool) {
	text, ok := d.protoIntText(v)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(string(text), 10, bits)
	return n, err == nil
}

// protoIntText returns the text parseInt and parseUint parse.
func (d *lineDecoder) protoIntText(v *fastjson.Value) ([]byte, bool) {
	raw := d.raw(v)
	if len(raw) == 0 {
		return nil, false
	}
	if raw[0] == '"' {
		return unquoteNumber(raw), true
	}
	if d.checkNumbers && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') && !validNumber(raw) {
		return nil, false
	}
	return raw, true
}

// protoInt32s reads an int32_array's []json.Number values.
func (d *lineDecoder) protoInt32s(v *fastjson.Value) ([]int32, bool) {
	return protoNumbers(d, v, func(num string) (int32, error) {
		n, err := strconv.ParseInt(num, 10, 32)
		return int32(n), err
	})
}

// protoUint64s reads a u_int64_array's []json.Number values.
func (d *lineDecoder) protoUint64s(v *fastjson.Value) ([]uint64, bool) {
	return protoNumbers(d, v, func(num string) (uint64, error) {
		return strconv.ParseUint(num, 10, 64)
	})
}

// protoNumbers reads an array of JSON numbers, converting each with parse;
// it reports false when an item is not a number or does not parse.
func protoNumbers[T any](d *lineDecoder, v *fastjson.Value, parse func(string) (T, error)) ([]T, bool) {
	items, _, ok := jsonArray(v) // null is an empty list
	if !ok {
		return nil, false
	}
	out := make([]T, len(items))
	for i, item := range items {
		num, ok := d.jsonNumber(item)
		if !ok {
			return nil, false
		}
		n, err := parse(string(num))
		if err != nil {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

// jsonNumber returns the text encoding/json stores in a json.Number: a
// number as written, or the contents of a string holding a valid number.
func (d *lineDecoder) jsonNumber(v *fastjson.Value) ([]byte, bool) {
	switch v.Type() {
	case fastjson.TypeNumber:
		return d.number(v)
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return b, validNumber(b)
	}
	return nil, false
}

// protoSeconds reads a Timespec's value as decodeTimespec does.
func (d *lineDecoder) protoSeconds(v *fastjson.Value) (float64, bool) {
	var text []byte
	switch v.Type() {
	case fastjson.TypeNull:
		return 0, true
	case fastjson.TypeString:
		text, _ = v.StringBytes()
	case fastjson.TypeNumber:
		var ok bool
		if text, ok = d.number(v); !ok {
			return 0, false
		}
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(string(text), 64)
	return f, err == nil
}
