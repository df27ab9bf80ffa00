// Package report renders findings for people and for machines: the scanner's
// table, and the trace.Event shape Tracee gives a finding in its JSON output
// (event name = the signature's EventName, the finding data as arguments, a
// "triggeredBy" argument with the causal event, and the signature metadata).
package report

import (
	"sort"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
)

// TraceEvent returns f as Tracee writes a finding with --output json: the
// causal event's context, the data entries as arguments in key order (Tracee
// uses map order; sorted output is stable), the causal event under
// "triggeredBy", and metadata whose properties carry signatureID and
// signatureName. The second result is false when f carries no trace.Event.
func TraceEvent(f *detect.Finding) (trace.Event, bool) {
	cause, ok := f.Event.Payload.(trace.Event)
	if !ok {
		return trace.Event{}, false
	}
	ev := cause
	ev.EventID = 0 // Tracee numbers signature events at load time
	ev.EventName = f.SigMetadata.EventName
	ev.Syscall = ""
	ev.Args = findingArgs(f, &cause)
	ev.ArgsNum = len(ev.Args)
	ev.Metadata = metadata(f.SigMetadata)
	return ev, true
}

func findingArgs(f *detect.Finding, cause *trace.Event) []trace.Argument {
	data := f.GetData()
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := make([]trace.Argument, 0, len(keys)+1)
	for _, k := range keys {
		args = append(args, trace.Argument{ArgMeta: trace.ArgMeta{Name: k, Type: "unknown"}, Value: data[k]})
	}
	args = append(args, trace.Argument{
		ArgMeta: trace.ArgMeta{Name: "triggeredBy", Type: "unknown"},
		Value: map[string]interface{}{
			"id":          cause.EventID,
			"name":        cause.EventName,
			"args":        cause.Args,
			"returnValue": cause.ReturnValue,
		},
	})
	return args
}

func metadata(m detect.SignatureMetadata) *trace.Metadata {
	props := make(map[string]interface{}, len(m.Properties)+2)
	for k, v := range m.Properties {
		props[k] = v
	}
	props["signatureID"] = m.ID
	props["signatureName"] = m.Name
	return &trace.Metadata{
		Version:     m.Version,
		Description: m.Description,
		Tags:        m.Tags,
		Properties:  props,
	}
}
