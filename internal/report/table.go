package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
)

// Table writes findings as an aligned, human-readable table.
type Table struct {
	tw *tabwriter.Writer
}

// NewTable starts a table on w with its header line.
func NewTable(w io.Writer) *Table {
	t := &Table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	fmt.Fprintln(t.tw, "TIME\tID\tSEV\tSIGNATURE\tSENDER\tTARGET\tCALL")
	return t
}

// Write adds one finding.
func (t *Table) Write(f *detect.Finding) error {
	data := f.GetData()
	var when string
	if ev, ok := f.Event.Payload.(trace.Event); ok && ev.Timestamp > 0 {
		when = time.Unix(0, int64(ev.Timestamp)).UTC().Format("15:04:05.000")
	}
	_, err := fmt.Fprintf(t.tw, "%s\t%s\t%v\t%s\t%s\t%s\t%s\n",
		when, f.SigMetadata.ID, f.SigMetadata.Properties["Severity"], f.SigMetadata.EventName,
		sender(data), targetOf(data), call(data))
	return err
}

// Flush writes the buffered rows.
func (t *Table) Flush() error { return t.tw.Flush() }

func sender(data map[string]interface{}) string {
	s := object(data["sender"])
	if s == nil {
		return "?"
	}
	return fmt.Sprintf("%v[%v] uid=%v", s["comm"], s["host_pid"], s["uid"])
}

func targetOf(data map[string]interface{}) string {
	t := object(data["target"])
	if t == nil {
		return "?"
	}
	if t["source"] == "unknown" || t["source"] == nil {
		return fmt.Sprintf("unknown (%v)", t["reason"])
	}
	parts := []string{fmt.Sprintf("%v[%v]", orDash(t["comm"]), orDash(t["host_pid"]))}
	if uid, ok := t["uid"]; ok {
		parts = append(parts, fmt.Sprintf("uid=%v", uid))
	}
	parts = append(parts, fmt.Sprintf("via %v", t["source"]))
	return strings.Join(parts, " ")
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

func call(data map[string]interface{}) string {
	result := "ok"
	if e, _ := data["errno"].(string); e != "" {
		result = e
	}
	return fmt.Sprintf("%v flags=%v -> %s", data["signal"], data["flags"], result)
}

func orDash(v interface{}) interface{} {
	if v == nil || v == "" {
		return "-"
	}
	return v
}
