package report

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/aquasecurity/tracee/types/detect"

	"github.com/pidfdsig/pidfdsig/events"
)

// severityNames are Tracee's severities 0..4 in words.
var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// severityWord names a signature's Severity property: a number 0..4 as
// Tracee defines them; anything else as given, "severity unknown" when
// missing.
func severityWord(v interface{}) string {
	if n, ok := integer(v); ok && n >= 0 && n < int64(len(severityNames)) {
		return severityNames[n]
	}
	if v == nil {
		return "severity unknown"
	}
	return fmt.Sprintf("severity %v", v)
}

// reasonPhrases say in words the reasons the built-in signatures give
// (signatures' reason names); a custom rule's reason is shown as named.
var reasonPhrases = map[string]string{
	"delivered":             "the signal was delivered",
	"permission_denied":     "the kernel refused it (EPERM)",
	"root_sender":           "the sender runs as root",
	"unknown_flags":         "flag bits the kernel does not know (feature probing)",
	"multiple_scopes":       "more than one scope flag (feature probing)",
	"process_group_kill":    "signals a whole process group at once",
	"same_uid":              "the target runs as the sender's uid",
	"target_saved_uid":      "the target's saved uid is the sender's",
	"probe_threshold":       "many signals probing processes in a short time",
	"tool_name":             "the target's name is a security tool",
	"tool_exe":              "the target's executable is a security tool",
	"other_container":       "the target is in another container",
	"host_process":          "a container process signalled a host process",
	"outside_pid_namespace": "the target is outside the sender's pid namespace",
}

// errnoMeanings say in short what each error of pidfd_send_signal(2)
// means for the call (kernel 6.18's checks, in their order).
var errnoMeanings = map[string]string{
	"EINVAL": "invalid flags, signal or siginfo, or a target outside the sender's pid namespace",
	"EBADF":  "the fd is not a pidfd",
	"EPERM":  "not permitted: another user's process, or a forged siginfo",
	"ESRCH":  "no such process: the target exited, or leads no process group",
	"EFAULT": "the siginfo address is not readable",
}

// errnoWords is an errno name with its short meaning when it has one.
func errnoWords(errno string) string {
	if m, ok := errnoMeanings[errno]; ok {
		return errno + " (" + m + ")"
	}
	return errno
}

// reasonWords is one reason in words.
func reasonWords(name string) string {
	if p, ok := reasonPhrases[name]; ok {
		return p
	}
	return name
}

// flagString names flags by their kernel names, unknown bits in hex.
func flagString(n uint32) string {
	if n == 0 {
		return "none"
	}
	return events.Flags(n).String()
}

// shown reports whether the table renders the value v of key k in words:
// a key it knows holding the type it expects. Anything else goes to the
// data line, so that no value is lost.
func shown(k string, v interface{}) bool {
	switch k {
	case "signal", "errno", "security_tool":
		_, ok := v.(string)
		return ok
	case "sender", "target", "probe":
		return object(v) != nil
	case "flags", "unknown_flags", "return":
		_, ok := integer(v)
		return ok
	case "info":
		_, isInt := integer(v)
		_, isUint := v.(uint64)
		return isInt || isUint
	case "flag_names", "reasons":
		return stringList(v) != nil
	}
	return false
}

// decodedCallKeys repeat what the table shows, in a finding that carries
// the whole decoded call (signatures.FindingData: it has a sender).
var decodedCallKeys = map[string]bool{
	"pidfd": true, "pidfd_kind": true, "sig": true, "multiple_scopes": true, "scope": true,
}

// otherData renders the keys of data the table does not show otherwise,
// sorted, as key=value; "" when there are none.
func otherData(data map[string]interface{}) string {
	fullCall := object(data["sender"]) != nil
	var keys []string
	for k, v := range data {
		if shown(k, v) || (fullCall && decodedCallKeys[k]) {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+valueText(data[k]))
	}
	return strings.Join(parts, " ")
}

// valueText renders a value of finding data compactly: strings bare,
// objects and lists as JSON, null as "null".
func valueText(v interface{}) string {
	if s, ok := v.(string); ok {
		if s == "" || strings.ContainsAny(s, " \t\n\"") {
			return fmt.Sprintf("%q", s)
		}
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

// object returns a nested object of finding data: a plain map, or a type
// implementing detect.FindingDataStruct (signatures.DataObject); nil
// otherwise.
func object(v interface{}) map[string]interface{} {
	switch o := v.(type) {
	case map[string]interface{}:
		return o
	case detect.FindingDataStruct:
		return o.ToMap()
	}
	return nil
}

// integer returns v as an int64 when it is an integer of any Go type (a
// Rego rule's whole float64 or json.Number included) that fits one.
func integer(v interface{}) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		if n <= math.MaxInt64 {
			return int64(n), true
		}
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

// stringList returns a list of finding data whose elements are all
// strings (a Rego rule's comes as []interface{}); nil for anything else.
func stringList(v interface{}) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []interface{}:
		out := make([]string, 0, len(l))
		for _, x := range l {
			s, ok := x.(string)
			if !ok {
				return nil
			}
			out = append(out, s)
		}
		return out
	}
	return nil
}

// list returns the elements of a list of finding data (a DataList, whose
// ToMap wraps it as {"items": [...]}, or a plain slice).
func list(v interface{}) []interface{} {
	switch l := v.(type) {
	case []interface{}:
		return l
	case detect.FindingDataStruct:
		items, _ := l.ToMap()["items"].([]interface{})
		return items
	}
	return nil
}
