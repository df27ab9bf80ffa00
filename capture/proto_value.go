package capture

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/aquasecurity/tracee/types/trace"
)

// protoValue is one entry of a protobuf-style event's "data" array: a name
// and one value under a key naming its kind, e.g. {"name":"pidfd","int32":3}
// (tracee.v1beta1.EventValue, whose value is a oneof). It decodes straight
// into the trace.Argument the entry stands for.
type protoValue struct {
	arg trace.Argument
}

// UnmarshalJSON reads one data entry. encoding/json has validated b as JSON
// before calling it.
func (v *protoValue) UnmarshalJSON(b []byte) error {
	v.arg = trace.Argument{}
	var (
		name      string
		kind, raw []byte
		extraKind []byte
	)
	it := memberIter{b: b}
	for it.next() {
		if it.nameIs("name") {
			s, err := decodeString(it.val)
			if err != nil {
				return &fieldError{field: "data.name", err: err}
			}
			name = s
			continue
		}
		if kind != nil {
			extraKind = it.key
			continue
		}
		kind, raw = it.key, it.val
	}
	if it.err != nil {
		return &fieldError{field: "data", err: it.err}
	}
	v.arg.Name = name
	if kind == nil {
		return nil // a nil value: protojson writes only the name
	}
	kindName := unquoteKey(kind)
	if extraKind != nil {
		return &fieldError{
			field: dataPath(name, kindName),
			err:   fmt.Errorf("%w: more than one value kind (%s and %s)", ErrBadField, kindName, unquoteKey(extraKind)),
		}
	}
	if err := decodeKind(kindName, raw, &v.arg); err != nil {
		return &fieldError{field: dataPath(name, kindName), err: err}
	}
	return nil
}

func unquoteKey(key []byte) string {
	s, err := decodeString(key)
	if err != nil {
		return string(key)
	}
	return s
}

func dataPath(name, kind string) string {
	if name == "" {
		return "data." + kind
	}
	return "data." + name + "." + kind
}

// unsupportedKinds are EventValue kinds of Tracee's schema that this package
// does not turn into argument values.
var unsupportedKinds = map[string]bool{
	"triggered_by": true, "hooked_syscalls": true, "hooked_seq_ops": true,
	"ipv4": true, "ipv6": true, "tcp": true, "udp": true, "icmp": true, "icmpv6": true,
	"dns": true, "dns_questions": true, "dns_responses": true, "packet_metadata": true,
	"http": true, "http_request": true, "http_response": true,
}

// decodeKind converts the raw JSON value of one kind into arg's Type and Value.
func decodeKind(kind string, raw []byte, arg *trace.Argument) error {
	if string(raw) == "null" {
		return fmt.Errorf("%w: null %s value", ErrBadField, kind)
	}
	var err error
	switch kind {
	case "int32":
		var n int64
		n, err = parseInt(raw, 32)
		arg.Type, arg.Value = "int32", int32(n)
	case "u_int32":
		var n uint64
		n, err = parseUint(raw, 32)
		arg.Type, arg.Value = "uint32", uint32(n)
	case "int64":
		var n int64
		n, err = parseInt(raw, 64)
		arg.Type, arg.Value = "int64", n
	case "u_int64":
		var n uint64
		n, err = parseUint(raw, 64)
		arg.Type, arg.Value = "uint64", n
	case "pointer":
		var n uint64
		n, err = parseUint(raw, 64)
		arg.Type, arg.Value = "trace.Pointer", trace.Pointer(n)
	case "str":
		arg.Type = "string"
		arg.Value, err = decodeString(raw)
	case "bytes":
		arg.Type = "[]byte"
		arg.Value, err = decodeBytes(raw)
	case "bool":
		arg.Type = "bool"
		arg.Value, err = decodeBool(raw)
	case "str_array":
		arg.Type = "[]string"
		arg.Value, err = decodeStrArray(raw)
	case "int32_array":
		arg.Type, arg.Value, err = decodeInt32Array(raw)
	case "u_int64_array":
		arg.Type = "[]uint64"
		arg.Value, err = decodeUint64Array(raw)
	case "timespec":
		arg.Type = "float64"
		arg.Value, err = decodeTimespec(raw)
	case "sockaddr":
		arg.Type = "SockAddr"
		arg.Value, err = decodeSockAddr(raw)
	case "credentials":
		arg.Type = "trace.SlimCred"
		arg.Value, err = decodeCredentials(raw)
	case "struct":
		arg.Type = "map[string]interface{}"
		arg.Value, err = decodeStruct(raw)
	default:
		if unsupportedKinds[kind] {
			return fmt.Errorf("%w: %s", ErrUnsupportedKind, kind)
		}
		return fmt.Errorf("%w: %q", ErrUnknownKind, kind)
	}
	if err != nil {
		arg.Type, arg.Value = "", nil
	}
	return err
}

// unquoteNumber strips the quotes protojson may put around an integer (it
// always does for 64-bit ones).
func unquoteNumber(raw []byte) []byte {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		return raw[1 : len(raw)-1]
	}
	return raw
}

func parseInt(raw []byte, bits int) (int64, error) {
	n, err := strconv.ParseInt(string(unquoteNumber(raw)), 10, bits)
	if err != nil {
		return 0, fmt.Errorf("%w: %s is not an int%d (%w)", ErrBadField, snippet(raw), bits, numErr(err))
	}
	return n, nil
}

func parseUint(raw []byte, bits int) (uint64, error) {
	n, err := strconv.ParseUint(string(unquoteNumber(raw)), 10, bits)
	if err != nil {
		return 0, fmt.Errorf("%w: %s is not a uint%d (%w)", ErrBadField, snippet(raw), bits, numErr(err))
	}
	return n, nil
}

func decodeBool(raw []byte) (bool, error) {
	switch string(raw) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%w: %s is not a bool", ErrBadField, snippet(raw))
}

func decodeBytes(raw []byte) ([]byte, error) {
	s, err := decodeString(raw)
	if err != nil {
		return nil, err
	}
	b, err := decodeBase64(s)
	if err != nil {
		return nil, fmt.Errorf("%w: bad base64: %v", ErrBadField, err)
	}
	return b, nil
}

// unmarshalMessage decodes a nested message with encoding/json, mapping its
// errors to ErrBadField.
func unmarshalMessage(raw []byte, v any) error {
	if len(raw) == 0 || raw[0] != '{' {
		return fmt.Errorf("%w: %s is not an object", ErrBadField, snippet(raw))
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%w: %v", ErrBadField, err)
	}
	return nil
}

func decodeStrArray(raw []byte) ([]string, error) {
	var msg struct {
		Value []string `json:"value"`
	}
	if err := unmarshalMessage(raw, &msg); err != nil {
		return nil, err
	}
	if msg.Value == nil {
		msg.Value = []string{} // protojson writes an empty array as {}
	}
	return msg.Value, nil
}

// decodeInt32Array returns a [2]int32 for the two-element arrays Tracee
// fills (pipe fds, its only int32_array), a []int32 otherwise.
func decodeInt32Array(raw []byte) (string, any, error) {
	var msg struct {
		Value []json.Number `json:"value"`
	}
	if err := unmarshalMessage(raw, &msg); err != nil {
		return "", nil, err
	}
	out := make([]int32, len(msg.Value))
	for i, num := range msg.Value {
		n, err := parseInt([]byte(num), 32)
		if err != nil {
			return "", nil, err
		}
		out[i] = int32(n)
	}
	if len(out) == 2 {
		return "[2]int32", [2]int32{out[0], out[1]}, nil
	}
	return "[]int32", out, nil
}

func decodeUint64Array(raw []byte) ([]uint64, error) {
	var msg struct {
		Value []json.Number `json:"value"`
	}
	if err := unmarshalMessage(raw, &msg); err != nil {
		return nil, err
	}
	out := make([]uint64, len(msg.Value))
	for i, num := range msg.Value {
		n, err := parseUint([]byte(num), 64)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// decodeTimespec reads a Timespec message, {"value": seconds}. protojson
// writes NaN and the infinities as strings.
func decodeTimespec(raw []byte) (float64, error) {
	var msg struct {
		Value json.RawMessage `json:"value"`
	}
	if err := unmarshalMessage(raw, &msg); err != nil {
		return 0, err
	}
	if len(msg.Value) == 0 || string(msg.Value) == "null" {
		return 0, nil
	}
	text := msg.Value
	if text[0] == '"' {
		s, err := decodeString(text)
		if err != nil {
			return 0, err
		}
		text = []byte(s)
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s is not a number of seconds (%w)", ErrBadField, snippet(msg.Value), numErr(err))
	}
	return f, nil
}

func decodeStruct(raw []byte) (map[string]any, error) {
	var m map[string]any
	if err := unmarshalMessage(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// Address families of the sa_family_t enum in Tracee's schema, with the
// names Tracee's decoder puts in a sockaddr map.
const (
	afUnspec = 0
	afUnix   = 1 // AF_UNIX
	afInet   = 2 // AF_INET
	afInet6  = 10
)

var familyNames = map[int64]string{afUnspec: "AF_UNSPEC", afUnix: "AF_UNIX", afInet: "AF_INET", afInet6: "AF_INET6"}

// familyNumbers also knows the enum's own name for 0.
var familyNumbers = map[string]int64{"AF_UNSPEC": afUnspec, "SA_FAMILY_T_UNSPEC": afUnspec, "AF_UNIX": afUnix, "AF_LOCAL": afUnix, "AF_INET": afInet, "AF_INET6": afInet6}

type protoSockAddr struct {
	Family       json.RawMessage `json:"sa_family"`
	SunPath      string          `json:"sun_path"`
	SinAddr      string          `json:"sin_addr"`
	SinPort      uint32          `json:"sin_port"`
	Sin6Addr     string          `json:"sin6_addr"`
	Sin6Port     uint32          `json:"sin6_port"`
	Sin6Flowinfo uint32          `json:"sin6_flowinfo"`
	Sin6Scopeid  uint32          `json:"sin6_scopeid"`
}

// decodeSockAddr builds the map[string]string Tracee's decoder gives a
// sockaddr argument: sa_family plus the fields of that family.
func decodeSockAddr(raw []byte) (map[string]string, error) {
	var sa protoSockAddr
	if err := unmarshalMessage(raw, &sa); err != nil {
		return nil, err
	}
	family, err := enumValue(sa.Family, familyNumbers)
	if err != nil {
		return nil, err
	}
	m := map[string]string{"sa_family": familyName(family)}
	switch family {
	case afUnix:
		m["sun_path"] = sa.SunPath
	case afInet:
		m["sin_addr"] = sa.SinAddr
		m["sin_port"] = strconv.FormatUint(uint64(sa.SinPort), 10)
	case afInet6:
		m["sin6_addr"] = sa.Sin6Addr
		m["sin6_port"] = strconv.FormatUint(uint64(sa.Sin6Port), 10)
		m["sin6_flowinfo"] = strconv.FormatUint(uint64(sa.Sin6Flowinfo), 10)
		m["sin6_scopeid"] = strconv.FormatUint(uint64(sa.Sin6Scopeid), 10)
	}
	return m, nil
}

func familyName(family int64) string {
	if name, ok := familyNames[family]; ok {
		return name
	}
	return strconv.FormatInt(family, 10)
}

// enumValue reads a protojson enum: its name, or its number. An absent
// value is 0.
func enumValue(raw json.RawMessage, byName map[string]int64) (int64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	if raw[0] == '"' {
		name, err := decodeString(raw)
		if err != nil {
			return 0, err
		}
		if n, ok := byName[name]; ok {
			return n, nil
		}
		if n, err := strconv.ParseInt(name, 10, 32); err == nil {
			return n, nil
		}
		return 0, fmt.Errorf("%w: unknown enum name %q", ErrBadField, name)
	}
	return parseInt(raw, 32)
}

type protoCredentials struct {
	UID            uint32            `json:"uid"`
	GID            uint32            `json:"gid"`
	SUID           uint32            `json:"suid"`
	SGID           uint32            `json:"sgid"`
	EUID           uint32            `json:"euid"`
	EGID           uint32            `json:"egid"`
	FSUID          uint32            `json:"fsuid"`
	FSGID          uint32            `json:"fsgid"`
	UserNamespace  uint32            `json:"user_namespace"`
	SecureBits     uint32            `json:"secure_bits"`
	CapInheritable []json.RawMessage `json:"cap_inheritable"`
	CapPermitted   []json.RawMessage `json:"cap_permitted"`
	CapEffective   []json.RawMessage `json:"cap_effective"`
	CapBounding    []json.RawMessage `json:"cap_bounding"`
	CapAmbient     []json.RawMessage `json:"cap_ambient"`
}

// decodeCredentials builds the trace.SlimCred Tracee delivers for a
// credentials argument; capability lists become bit masks.
func decodeCredentials(raw []byte) (trace.SlimCred, error) {
	var c protoCredentials
	if err := unmarshalMessage(raw, &c); err != nil {
		return trace.SlimCred{}, err
	}
	cred := trace.SlimCred{
		Uid: c.UID, Gid: c.GID, Suid: c.SUID, Sgid: c.SGID, Euid: c.EUID, Egid: c.EGID,
		Fsuid: c.FSUID, Fsgid: c.FSGID, UserNamespace: c.UserNamespace, SecureBits: c.SecureBits,
	}
	sets := []struct {
		list []json.RawMessage
		mask *uint64
	}{
		{c.CapInheritable, &cred.CapInheritable},
		{c.CapPermitted, &cred.CapPermitted},
		{c.CapEffective, &cred.CapEffective},
		{c.CapBounding, &cred.CapBounding},
		{c.CapAmbient, &cred.CapAmbient},
	}
	for _, set := range sets {
		for _, item := range set.list {
			capability, err := enumValue(item, capabilityNumbers)
			if err != nil {
				return trace.SlimCred{}, err
			}
			if capability < 0 || capability > 63 {
				return trace.SlimCred{}, fmt.Errorf("%w: capability %d outside 0..63", ErrBadField, capability)
			}
			*set.mask |= 1 << uint(capability)
		}
	}
	return cred, nil
}

// capabilityNames lists the Capability enum of Tracee's schema by number
// (the kernel's CAP_* numbers; the enum spells 1 without its CAP_ prefix and
// has no entry for 9, CAP_LINUX_IMMUTABLE).
var capabilityNames = [...]string{
	0: "CAP_CHOWN", 1: "DAC_OVERRIDE", 2: "CAP_DAC_READ_SEARCH", 3: "CAP_FOWNER",
	4: "CAP_FSETID", 5: "CAP_KILL", 6: "CAP_SETGID", 7: "CAP_SETUID", 8: "CAP_SETPCAP",
	10: "CAP_NET_BIND_SERVICE", 11: "CAP_NET_BROADCAST", 12: "CAP_NET_ADMIN",
	13: "CAP_NET_RAW", 14: "CAP_IPC_LOCK", 15: "CAP_IPC_OWNER", 16: "CAP_SYS_MODULE",
	17: "CAP_SYS_RAWIO", 18: "CAP_SYS_CHROOT", 19: "CAP_SYS_PTRACE", 20: "CAP_SYS_PACCT",
	21: "CAP_SYS_ADMIN", 22: "CAP_SYS_BOOT", 23: "CAP_SYS_NICE", 24: "CAP_SYS_RESOURCE",
	25: "CAP_SYS_TIME", 26: "CAP_SYS_TTY_CONFIG", 27: "CAP_MKNOD", 28: "CAP_LEASE",
	29: "CAP_AUDIT_WRITE", 30: "CAP_AUDIT_CONTROL", 31: "CAP_SETFCAP",
	32: "CAP_MAC_OVERRIDE", 33: "CAP_MAC_ADMIN", 34: "CAP_SYSLOG", 35: "CAP_WAKE_ALARM",
	36: "CAP_BLOCK_SUSPEND", 37: "CAP_AUDIT_READ", 38: "CAP_PERFMON", 39: "CAP_BPF",
	40: "CAP_CHECKPOINT_RESTORE",
}

// capabilityNumbers maps the enum's names, and the kernel's spellings of
// the two odd ones, to capability numbers.
var capabilityNumbers = func() map[string]int64 {
	m := map[string]int64{"CAP_DAC_OVERRIDE": 1, "CAP_LINUX_IMMUTABLE": 9}
	for n, name := range capabilityNames {
		if name != "" {
			m[name] = int64(n)
		}
	}
	return m
}()

// floatJSON renders a float the way protojson does: NaN and the infinities
// as strings.
func floatJSON(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}
