package capture

import (
	"strconv"
	"strings"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/valyala/fastjson"
)

// fastLegacy decodes a Tracee v0.24.1 line the way decodeLegacyStd does,
// or reports false, leaving ev in an undefined state, for a line it leaves
// to decodeLegacyStd (see fast.go).
func (d *lineDecoder) fastLegacy(line []byte, ev *trace.Event) bool {
	root, ok := d.parse(line)
	if !ok {
		return false
	}
	defer d.release(line)
	obj, err := root.Object()
	if err != nil {
		return false
	}
	var s seen
	ok = true
	obj.Visit(func(key []byte, v *fastjson.Value) {
		ok = ok && d.legacyMember(key, v, ev, &s)
	})
	if !ok {
		return false
	}
	ev.ArgsNum = len(ev.Args)
	return true
}

// legacyMember decodes one member of a trace.Event object. A key that is
// not one of trace.Event's JSON names exactly is left to encoding/json,
// which ignores unknown keys but matches known ones case-insensitively.
func (d *lineDecoder) legacyMember(key []byte, v *fastjson.Value, ev *trace.Event, s *seen) bool {
	switch string(key) {
	case "timestamp":
		return s.first(0) && d.setInt(v, &ev.Timestamp)
	case "threadStartTime":
		return s.first(1) && d.setInt(v, &ev.ThreadStartTime)
	case "processorId":
		return s.first(2) && d.setInt(v, &ev.ProcessorID)
	case "processId":
		return s.first(3) && d.setInt(v, &ev.ProcessID)
	case "cgroupId":
		return s.first(4) && d.setUint(v, &ev.CgroupID)
	case "threadId":
		return s.first(5) && d.setInt(v, &ev.ThreadID)
	case "parentProcessId":
		return s.first(6) && d.setInt(v, &ev.ParentProcessID)
	case "hostProcessId":
		return s.first(7) && d.setInt(v, &ev.HostProcessID)
	case "hostThreadId":
		return s.first(8) && d.setInt(v, &ev.HostThreadID)
	case "hostParentProcessId":
		return s.first(9) && d.setInt(v, &ev.HostParentProcessID)
	case "userId":
		return s.first(10) && d.setInt(v, &ev.UserID)
	case "mountNamespace":
		return s.first(11) && d.setInt(v, &ev.MountNS)
	case "pidNamespace":
		return s.first(12) && d.setInt(v, &ev.PIDNS)
	case "processName":
		return s.first(13) && d.setStr(v, &ev.ProcessName)
	case "executable":
		return s.first(14) && d.legacyObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
			if string(key) != "path" {
				return -1, false
			}
			return 0, d.setStr(v, &ev.Executable.Path)
		})
	case "hostName":
		return s.first(15) && d.setStr(v, &ev.HostName)
	case "containerId":
		return s.first(16) && d.setStr(v, &ev.ContainerID)
	case "container":
		c := &ev.Container
		return s.first(17) && d.legacyObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
			switch string(key) {
			case "id":
				return 0, d.setStr(v, &c.ID)
			case "name":
				return 1, d.setStr(v, &c.Name)
			case "image":
				return 2, d.setStr(v, &c.ImageName)
			case "imageDigest":
				return 3, d.setStr(v, &c.ImageDigest)
			}
			return -1, false
		})
	case "kubernetes":
		k := &ev.Kubernetes
		return s.first(18) && d.legacyObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
			switch string(key) {
			case "podName":
				return 0, d.setStr(v, &k.PodName)
			case "podNamespace":
				return 1, d.setStr(v, &k.PodNamespace)
			case "podUID":
				return 2, d.setStr(v, &k.PodUID)
			case "podSandbox":
				return 3, setBool(v, &k.PodSandbox)
			}
			return -1, false
		})
	case "eventId":
		return s.first(19) && d.legacyEventID(v, &ev.EventID)
	case "eventName":
		return s.first(20) && d.setStr(v, &ev.EventName)
	case "matchedPolicies":
		if !s.first(21) {
			return false
		}
		var ok bool
		ev.MatchedPolicies, ok = d.stringList(v, true)
		return ok
	case "argsNum":
		var n int // DecodeLegacy sets ArgsNum from the arguments
		return s.first(22) && d.setInt(v, &n)
	case "returnValue":
		return s.first(23) && d.setInt(v, &ev.ReturnValue)
	case "syscall":
		return s.first(24) && d.setStr(v, &ev.Syscall)
	case "stackAddresses":
		if !s.first(25) {
			return false
		}
		var ok bool
		ev.StackAddresses, ok = d.uint64s(v)
		return ok
	case "contextFlags":
		f := &ev.ContextFlags
		return s.first(26) && d.legacyObject(v, func(key []byte, v *fastjson.Value) (int, bool) {
			switch string(key) {
			case "containerStarted":
				return 0, setBool(v, &f.ContainerStarted)
			case "isCompat":
				return 1, setBool(v, &f.IsCompat)
			}
			return -1, false
		})
	case "threadEntityId":
		return s.first(27) && d.setU32(v, &ev.ThreadEntityId)
	case "processEntityId":
		return s.first(28) && d.setU32(v, &ev.ProcessEntityId)
	case "parentEntityId":
		return s.first(29) && d.setU32(v, &ev.ParentEntityId)
	case "args":
		return s.first(30) && d.legacyArgs(v, ev)
	case "metadata":
		// Signature findings carry metadata; raw events do not.
		return s.first(31) && v.Type() == fastjson.TypeNull
	}
	return false
}

// legacyObject decodes a nested struct: null leaves it alone, an object
// goes member by member through member, which returns the index of the
// field a key names, or -1 for a key it does not know exactly.
func (d *lineDecoder) legacyObject(v *fastjson.Value, member func(key []byte, v *fastjson.Value) (field int, ok bool)) bool {
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
		ok = memberOK && field >= 0 && s.first(uint(field))
	})
	return ok
}

// legacyEventID decodes "eventId", an int tagged ",string": a string of
// decimal digits. Anything else is left to encoding/json.
func (d *lineDecoder) legacyEventID(v *fastjson.Value, dst *int) bool {
	b, err := v.StringBytes()
	if err != nil {
		return false
	}
	digits := b
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return false
	}
	*dst = int(n)
	return true
}

// setInt stores a JSON integer in an int field as encoding/json does; null
// leaves it alone.
func (d *lineDecoder) setInt(v *fastjson.Value, dst *int) bool {
	if v.Type() == fastjson.TypeNull {
		return true
	}
	n, ok := d.integer(v, 64)
	*dst = int(n)
	return ok
}

// setUint stores a JSON integer in a uint field; null leaves it alone.
func (d *lineDecoder) setUint(v *fastjson.Value, dst *uint) bool { return setUnsigned(d, v, dst, 64) }

// setU32 stores a JSON integer in a uint32 field (encoding/json parses it
// as a uint64, then checks it fits); null leaves it alone.
func (d *lineDecoder) setU32(v *fastjson.Value, dst *uint32) bool { return setUnsigned(d, v, dst, 32) }

// setUnsigned stores a JSON integer of at most bits bits in *dst; null
// leaves it alone.
func setUnsigned[T ~uint | ~uint32 | ~uint64](d *lineDecoder, v *fastjson.Value, dst *T, bits int) bool {
	if v.Type() == fastjson.TypeNull {
		return true
	}
	n, ok := d.unsigned(v, bits)
	*dst = T(n)
	return ok
}

// uint64s decodes an array of integers into a []uint64 as encoding/json
// would for a nil slice: null is nil, [] an empty slice.
func (d *lineDecoder) uint64s(v *fastjson.Value) ([]uint64, bool) {
	items, null, ok := jsonArray(v)
	if !ok || null {
		return nil, ok
	}
	out := make([]uint64, len(items))
	for i, item := range items {
		n, ok := d.unsigned(item, 64)
		if !ok {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

// legacyArgs decodes "args". Elements other than objects (encoding/json
// turns null into a zero argument) are left to encoding/json.
func (d *lineDecoder) legacyArgs(v *fastjson.Value, ev *trace.Event) bool {
	items, null, ok := jsonArray(v)
	if !ok || null {
		return ok
	}
	ev.Args = make([]trace.Argument, len(items))
	for i, item := range items {
		if !d.legacyArg(item, &ev.Args[i]) {
			return false
		}
	}
	return true
}

// legacyArg decodes one argument as trace.Argument.UnmarshalJSON followed
// by normalizeLegacyArg would.
func (d *lineDecoder) legacyArg(v *fastjson.Value, arg *trace.Argument) bool {
	if v.Type() != fastjson.TypeObject {
		return false
	}
	o, _ := v.Object()
	// Tracee writes exactly these three keys; any other, or a repeated
	// one, makes the count differ.
	name, typ, value := o.Get("name"), o.Get("type"), o.Get("value")
	found := 0
	for _, member := range [...]*fastjson.Value{name, typ, value} {
		if member != nil {
			found++
		}
	}
	if found != o.Len() {
		return false
	}
	if name != nil && !d.setStr(name, &arg.Name) || typ != nil && !d.setStr(typ, &arg.Type) {
		return false
	}
	if value == nil {
		return true
	}
	return d.legacyValue(value, arg)
}

// legacyValue converts an argument's value by its declared type, as
// trace.Argument.UnmarshalJSON and normalizeLegacyArg do. Whatever they
// reject, and the rare types whose conversion this does not repeat (network
// protocols, SockAddr, SlimCred, arrays of other types), is left to them.
func (d *lineDecoder) legacyValue(v *fastjson.Value, arg *trace.Argument) bool {
	typ := arg.Type
	switch v.Type() {
	case fastjson.TypeNull:
		return true
	case fastjson.TypeNumber:
		num, ok := d.number(v)
		if !ok {
			return false
		}
		return legacyNumber(string(num), arg)
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		switch {
		case typ == "string":
			arg.Value = string(b)
		case typ == "[]byte":
			out, err := decodeBase64(string(b))
			if err != nil {
				return false
			}
			arg.Value = out
		case legacyTypeRejectsScalar(typ):
			return false
		default: // "const char*" and the like keep the string
			arg.Value = string(b)
		}
		return true
	case fastjson.TypeTrue, fastjson.TypeFalse:
		if typ != "bool" && legacyTypeRejectsScalar(typ) {
			return false
		}
		arg.Value = v.Type() == fastjson.TypeTrue
		return true
	case fastjson.TypeArray:
		items, _ := v.Array()
		switch typ {
		case "[]string":
			out := make([]string, len(items))
			for i, item := range items {
				b, err := item.StringBytes()
				if err != nil {
					return false
				}
				out[i] = string(b)
			}
			arg.Value = out
			return true
		case "[2]int32":
			if len(items) != 2 {
				return false
			}
			var pair [2]int32
			for i, item := range items {
				n, ok := d.integer(item, 32)
				if !ok {
					return false
				}
				pair[i] = int32(n)
			}
			arg.Value = pair
			return true
		case "[]uint64":
			out, ok := d.uint64s(v)
			if !ok {
				return false
			}
			arg.Value = out
			return true
		}
	}
	return false
}

// legacyNumber converts a JSON number as trace.Argument.UnmarshalJSON does,
// by the argument's declared type; it reports false where that fails.
func legacyNumber(num string, arg *trace.Argument) bool {
	var err error
	switch typ := arg.Type; {
	case strings.HasSuffix(typ, "*"):
		// Old C pointer types become trace.Pointer.
		var n uint64
		n, err = strconv.ParseUint(num, 10, 64)
		arg.Type, arg.Value = "trace.Pointer", trace.Pointer(n)
	case typ == "trace.Pointer":
		var n uint64
		n, err = strconv.ParseUint(num, 10, 64)
		arg.Value = trace.Pointer(n)
	case typ == "int32":
		var n int64
		n, err = strconv.ParseInt(num, 10, 32)
		arg.Value = int32(n)
	case typ == "int64":
		var n int64
		n, err = strconv.ParseInt(num, 10, 64)
		arg.Value = n
	case typ == "uint32":
		var n uint64
		n, err = strconv.ParseUint(num, 10, 32)
		arg.Value = uint32(n)
	case typ == "uint64":
		var n uint64
		n, err = strconv.ParseUint(num, 10, 64)
		arg.Value = n
	case typ == "float":
		var f float64
		f, err = strconv.ParseFloat(num, 32)
		arg.Value = float32(f)
	case typ == "float64":
		var f float64
		f, err = strconv.ParseFloat(num, 64)
		arg.Value = f
	case typ == "uint16":
		var n uint64
		n, err = strconv.ParseUint(num, 10, 16)
		arg.Value = uint16(n)
	case typ == "int8":
		var n int64
		n, err = strconv.ParseInt(num, 10, 8)
		arg.Value = int8(n)
	case typ == "uint8":
		var n uint64
		n, err = strconv.ParseUint(num, 10, 8)
		arg.Value = uint8(n)
	case legacyTypeRejectsScalar(typ) || isTraceArgType(typ):
		return false // trace.Argument rejects a number of these types
	default:
		// A type name trace.Argument does not know, such as v0.24.1's
		// "time.Time": kept as decodeLegacyUnknownTypes keeps it.
		return legacyUnknownNumber(num, arg)
	}
	return err == nil
}

// isTraceArgType reports whether trace.Argument's decoder knows typ, so a
// number of that type it did not convert above is an error there.
func isTraceArgType(typ string) bool {
	switch typ {
	case "[]string", "trace.ProtoIPv4", "trace.ProtoIPv6", "trace.ProtoTCP", "trace.ProtoUDP",
		"trace.ProtoICMP", "trace.ProtoICMPv6", "trace.PktMeta", "trace.ProtoDNS",
		"[]trace.DnsQueryData", "[]trace.DnsResponseData", "trace.ProtoHTTP",
		"trace.ProtoHTTPRequest", "trace.ProtoHTTPResponse", "trace.PacketMetadata":
		return true
	}
	return false
}

// legacyTypeRejectsScalar reports whether a string or bool value of the
// given declared type fails (or is converted) in trace.Argument's decoder or
// normalizeLegacyArg. Values of other types pass through unchanged.
func legacyTypeRejectsScalar(typ string) bool {
	switch typ {
	// normalizeLegacyArg's checked types.
	case "int32", "uint32", "int64", "uint64", "trace.Pointer", "int8", "uint8", "uint16",
		"float", "float64", "string", "bool", "[]byte", "[2]int32", "[]uint64",
		"SockAddr", "map[string]string", "trace.SlimCred", "slim_cred_t":
		return true
	// trace.Argument.UnmarshalJSON's converted types.
	case "[]string", "trace.ProtoIPv4", "trace.ProtoIPv6", "trace.ProtoTCP", "trace.ProtoUDP",
		"trace.ProtoICMP", "trace.ProtoICMPv6", "trace.PktMeta", "trace.ProtoDNS",
		"[]trace.DnsQueryData", "[]trace.DnsResponseData", "trace.ProtoHTTP",
		"trace.ProtoHTTPRequest", "trace.ProtoHTTPResponse", "trace.PacketMetadata":
		return true
	}
	return false
}
