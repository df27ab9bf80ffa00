package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
)

// Table writes findings for people: one block per finding, a first line
// with when, which signature, how severe and what was signalled by whom to
// whom with what outcome, then an indented "why:" line with the reasons the
// signature gave (and PFD-3's siginfo pointer, PFD-4's probe pattern,
// PFD-5's matched tool), and a "data:" line with the finding data the table
// does not otherwise show, as sorted key=value (a custom rule's own keys).
type Table struct {
	w   io.Writer
	err error
}

// NewTable starts a table on w.
func NewTable(w io.Writer) *Table {
	return &Table{w: w}
}

// Origin is where a finding came from, which the finding itself does not
// carry.
type Origin struct {
	// Where names the input and line of the causal event, e.g.
	// "capture.jsonl:7"; shown after the time, left out when "".
	Where string
	// Engine names what made the finding, "go" or "rego"; shown after
	// the signature so that the same detection from two engines can be
	// told apart, left out when "".
	Engine string
}

// Write adds one finding of unknown origin.
func (t *Table) Write(f *detect.Finding) error {
	return t.WriteFrom(f, Origin{})
}

// WriteFrom adds one finding and where it came from.
func (t *Table) WriteFrom(f *detect.Finding, from Origin) error {
	if t.err != nil {
		return t.err
	}
	_, t.err = io.WriteString(t.w, findingBlock(f, from))
	return t.err
}

// Flush reports the first write error; the table does not buffer.
func (t *Table) Flush() error { return t.err }

// timeLayout is the time of a finding's causal event, always in UTC.
const timeLayout = "2006-01-02 15:04:05.000 UTC"

// findingBlock renders f as the lines of one table entry.
func findingBlock(f *detect.Finding, from Origin) string {
	data := f.GetData()
	var b strings.Builder
	b.WriteString(when(f))
	b.WriteString("  ")
	if from.Where != "" {
		b.WriteString(from.Where + "  ")
	}
	b.WriteString(f.SigMetadata.ID)
	if f.SigMetadata.Name != "" {
		b.WriteString(" " + f.SigMetadata.Name)
	}
	if f.SigMetadata.EventName != "" {
		b.WriteString(" (" + f.SigMetadata.EventName + ")")
	}
	if from.Engine != "" {
		b.WriteString(" [" + from.Engine + "]")
	}
	b.WriteString("  " + severityWord(f.SigMetadata.Properties["Severity"]))
	b.WriteByte('\n')
	if c := callLine(data, f); c != "" {
		b.WriteString("    " + c + "\n")
	}
	if why := whyLine(data); why != "" {
		b.WriteString("    why: " + why + "\n")
	}
	if rest := otherData(data); rest != "" {
		b.WriteString("    data: " + rest + "\n")
	}
	return b.String()
}

// when is the time of the finding's causal event, "-" when unknown.
func when(f *detect.Finding) string {
	ev, ok := f.Event.Payload.(trace.Event)
	if !ok || ev.Timestamp <= 0 {
		return "-"
	}
	return time.Unix(0, int64(ev.Timestamp)).UTC().Format(timeLayout)
}

// callLine says what was signalled, by whom, to whom, with which flags and
// with what result, from the fields of the finding data that are present.
// Data without a sender (a custom rule's) names the causal event and its
// process instead.
func callLine(data map[string]interface{}, f *detect.Finding) string {
	var what []string
	if sig, ok := data["signal"].(string); ok && sig != "" {
		what = append(what, sig)
	}
	if s := object(data["sender"]); s != nil {
		what = append(what, "sent by "+process(s, ""))
	} else if ev, ok := f.Event.Payload.(trace.Event); ok {
		what = append(what, "in "+ev.EventName+" by "+process(map[string]interface{}{
			"comm": ev.ProcessName, "host_pid": ev.HostProcessID, "uid": ev.UserID,
		}, ""))
	}
	if t := object(data["target"]); t != nil {
		what = append(what, "to "+targetWords(t))
	}
	var parts []string
	if len(what) > 0 {
		parts = append(parts, strings.Join(what, " "))
	}
	if fl, ok := flagWords(data); ok {
		parts = append(parts, "flags "+fl)
	}
	if out, ok := outcome(data); ok {
		parts = append(parts, "result "+out)
	}
	return strings.Join(parts, ", ")
}

// process names a process as "comm (pid N, uid N; note)", leaving out
// what is unknown.
func process(o map[string]interface{}, note string) string {
	name := "process"
	if c, ok := o["comm"].(string); ok && c != "" {
		name = c
	}
	var ids []string
	if pid, ok := integer(o["host_pid"]); ok && pid != 0 {
		ids = append(ids, fmt.Sprintf("pid %d", pid))
	}
	if uid, ok := integer(o["uid"]); ok {
		ids = append(ids, fmt.Sprintf("uid %d", uid))
	} else {
		ids = append(ids, "uid unknown")
	}
	in := strings.Join(ids, ", ")
	if note != "" {
		in += "; " + note
	}
	return name + " (" + in + ")"
}

// targetWords names the target and how it was learned, or why it is
// unknown.
func targetWords(t map[string]interface{}) string {
	source, _ := t["source"].(string)
	reason, _ := t["reason"].(string)
	if source == "" || source == "unknown" {
		if reason == "" {
			return "unknown target"
		}
		return "unknown target (" + reason + ")"
	}
	how := sourceWords(source)
	if reason != "" {
		how += "; " + reason
	}
	return process(t, how)
}

// sourceWords says in plain words how a target was learned.
func sourceWords(source string) string {
	switch source {
	case "self":
		return "the sender itself (PIDFD_SELF)"
	case "tracked":
		return "pidfd followed from pidfd_open"
	case "procfs":
		return "live /proc lookup"
	case "pidfd_info":
		return "live PIDFD_GET_INFO lookup"
	}
	return "learned from " + source
}

// flagWords names the call's flags: the kernel names the signature
// decoded, else the number decoded by events.Flags; false when the data
// has no flags.
func flagWords(data map[string]interface{}) (string, bool) {
	n, hasNumber := integer(data["flags"])
	names, _ := data["flag_names"].([]string)
	unknown, _ := integer(data["unknown_flags"])
	switch {
	case len(names) > 0 && unknown == 0:
		return strings.Join(names, "|"), true
	case hasNumber:
		return flagString(uint32(n)), true
	}
	return "", false
}

// outcome is "ok" or the errno name of the call with its meaning; false
// when the data says
// neither.
func outcome(data map[string]interface{}) (string, bool) {
	errno, hasErrno := data["errno"].(string)
	ret, hasReturn := integer(data["return"])
	switch {
	case hasErrno && errno != "":
		return errnoWords(errno), true
	case hasErrno || (hasReturn && ret >= 0):
		return "ok", true
	case hasReturn:
		return fmt.Sprintf("failed (return %d)", ret), true
	}
	return "", false
}

// whyLine is why the finding matters: its reasons in words and the
// signature's own evidence.
func whyLine(data map[string]interface{}) string {
	var parts []string
	for _, r := range stringList(data["reasons"]) {
		parts = append(parts, reasonWords(r))
	}
	if info, ok := integer(data["info"]); ok && info != 0 {
		parts = append(parts, fmt.Sprintf("caller-supplied siginfo at %#x", uint64(info)))
	} else if u, ok := data["info"].(uint64); ok {
		parts = append(parts, fmt.Sprintf("caller-supplied siginfo at %#x", u))
	}
	if p := object(data["probe"]); p != nil {
		parts = append(parts, probeWords(p))
	}
	if tool, ok := data["security_tool"].(string); ok && tool != "" {
		parts = append(parts, "matches security tool "+tool)
	}
	return strings.Join(parts, "; ")
}

// probeWords describes PFD-4's pattern.
func probeWords(p map[string]interface{}) string {
	count, _ := integer(p["count"])
	s := fmt.Sprintf("%d probing calls within %v", count, p["window"])
	if pids := list(p["target_host_pids"]); len(pids) > 0 {
		s += fmt.Sprintf(" to pids %v", pids)
	}
	return s
}
