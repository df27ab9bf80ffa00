package events_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
)

const traceeSamplesDir = "../testdata/tracee-samples"

// wantSendSignal returns, freshly built, the pidfd_send_signal definition
// that Tracee's source and the captures in testdata/tracee-samples show.
func wantSendSignal() events.Definition {
	return events.Definition{
		Name:     "pidfd_send_signal",
		LegacyID: 424, // v0.24.1 "eventId": "424"
		ID:       336, // main branch "id": 336
		Syscall:  events.SyscallNumbers{AMD64: 424, ARM64: 424},
		Sets:     []string{"syscalls", "signals"},
		Fields: []events.Field{
			{Name: "pidfd", Type: "int32"},
			{Name: "sig", Type: "int32"},
			{Name: "info", Type: "trace.Pointer"},
			{Name: "flags", Type: "uint32"},
		},
	}
}

func TestSendSignalDefinition(t *testing.T) {
	def := events.SendSignalDefinition()

	assert.Equal(t, wantSendSignal(), def)
	assert.Equal(t, events.EventPidfdSendSignal, def.Name)
	assert.Equal(t, -1, def.FieldIndex(events.ReturnValueField),
		"returnValue is not a declared field: v0.24.1 sends four")
}

// legacySampleEvent is the part of a v0.24.1 `--output json` line checked here.
type legacySampleEvent struct {
	EventID   string `json:"eventId"`
	EventName string `json:"eventName"`
	Args      []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"args"`
}

func TestDefinitionsMatchTheLegacySample(t *testing.T) {
	var lines []legacySampleEvent
	readSampleLines(t, "tracee-v0.24.1-trigger.jsonl", &lines)

	seen := map[string]int{}
	for i, ev := range lines {
		def, ok := events.Lookup(ev.EventName)
		require.True(t, ok, "line %d: unknown event %q", i+1, ev.EventName)
		seen[ev.EventName]++

		assert.Equal(t, strconv.Itoa(int(def.LegacyID)), ev.EventID, "line %d: eventId", i+1)
		fields := make([]events.Field, len(ev.Args))
		for j, a := range ev.Args {
			fields[j] = events.Field{Name: a.Name, Type: a.Type}
		}
		assert.Equal(t, def.Fields, fields, "line %d: args", i+1)
	}
	assert.Positive(t, seen[events.EventPidfdSendSignal], "sample holds pidfd_send_signal events")
	assert.Positive(t, seen[events.EventPidfdOpen], "sample holds pidfd_open events")
}

// mainSampleEvent is the part of a main-branch `--output json` line checked
// here. Each data entry is {"name": ..., "<proto type>": value}.
type mainSampleEvent struct {
	ID   int32                        `json:"id"`
	Name string                       `json:"name"`
	Data []map[string]json.RawMessage `json:"data"`
}

// mainSampleTypes maps the protobuf oneof keys of the main branch's JSON to
// Tracee's declared type strings.
var mainSampleTypes = map[string]string{
	"int32":   "int32",
	"u_int32": "uint32",
	"int64":   "int64",
	"pointer": "trace.Pointer",
}

func TestDefinitionsMatchTheMainSample(t *testing.T) {
	var lines []mainSampleEvent
	readSampleLines(t, "tracee-main-trigger.jsonl", &lines)

	seen := map[string]int{}
	for i, ev := range lines {
		def, ok := events.Lookup(ev.Name)
		require.True(t, ok, "line %d: unknown event %q", i+1, ev.Name)
		seen[ev.Name]++

		assert.Equal(t, def.ID, ev.ID, "line %d: id", i+1)
		want := append(def.Fields, events.Field{Name: events.ReturnValueField, Type: "int64"})
		assert.Equal(t, want, mainSampleFields(t, ev.Data), "line %d: data", i+1)
	}
	assert.Positive(t, seen[events.EventPidfdSendSignal], "sample holds pidfd_send_signal events")
	assert.Positive(t, seen[events.EventPidfdOpen], "sample holds pidfd_open events")
}

// mainSampleFields turns main-branch data entries into Fields.
func mainSampleFields(t *testing.T, data []map[string]json.RawMessage) []events.Field {
	t.Helper()
	fields := make([]events.Field, 0, len(data))
	for _, entry := range data {
		var f events.Field
		require.NoError(t, json.Unmarshal(entry["name"], &f.Name))
		for key := range entry {
			if key != "name" {
				typ, ok := mainSampleTypes[key]
				require.True(t, ok, "data %q: unexpected value key %q", f.Name, key)
				f.Type = typ
			}
		}
		fields = append(fields, f)
	}
	return fields
}

// readSampleLines decodes every line of a JSON-lines capture into *out.
func readSampleLines[T any](t *testing.T, name string, out *[]T) {
	t.Helper()
	f, err := os.Open(filepath.Join(traceeSamplesDir, name))
	require.NoError(t, err)
	defer f.Close()

	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		var v T
		require.NoError(t, json.Unmarshal(sc.Bytes(), &v), "%s: %s", name, sc.Text())
		*out = append(*out, v)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, *out, "%s holds no events", name)
}

func TestDefinitionIDsAndSyscallNumbers(t *testing.T) {
	const none = events.NoSyscall
	tests := []struct {
		name     string
		legacyID int32
		id       int32
		amd64    int32
		arm64    int32
	}{
		{events.EventPidfdSendSignal, 424, 336, 424, 424},
		{events.EventPidfdOpen, 434, 346, 434, 434},
		{events.EventPidfdGetfd, 438, 350, 438, 438},
		{events.EventClose, 3, 4, 3, 57},
		{events.EventCloseRange, 436, 348, 436, 436},
		{events.EventDup, 32, 33, 32, 23},
		{events.EventDup2, 33, 34, 33, none},
		{events.EventDup3, 292, 293, 292, 24},
		{events.EventFcntl, 72, 73, 72, 25},
		{events.EventClone, 56, 57, 56, 220},
		{events.EventClone3, 435, 347, 435, 435},
		{events.EventSchedProcessFork, 714, 1013, none, none},
		{events.EventSchedProcessExec, 715, 1014, none, none},
		{events.EventSchedProcessExit, 716, 1015, none, none},
		{events.EventSetuid, 105, 106, 105, 146},
		{events.EventSetreuid, 113, 114, 113, 145},
		{events.EventSetresuid, 117, 118, 117, 147},
		{events.EventKill, 62, 63, 62, 129},
	}
	require.Len(t, events.Definitions(), len(tests), "every definition is pinned here")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def, ok := events.Lookup(tt.name)
			require.True(t, ok)
			assert.Equal(t, tt.legacyID, def.LegacyID, "LegacyID")
			assert.Equal(t, tt.id, def.ID, "ID")
			assert.Equal(t, events.SyscallNumbers{AMD64: tt.amd64, ARM64: tt.arm64}, def.Syscall)
		})
	}
}

func TestDefinitionLegacyIDIsTheAMD64SyscallNumber(t *testing.T) {
	for _, def := range events.Definitions() {
		t.Run(def.Name, func(t *testing.T) {
			if def.Syscall.AMD64 == events.NoSyscall {
				assert.Equal(t, events.NoSyscall, def.Syscall.ARM64, "no event here is an arm64-only syscall")
				assert.NotContains(t, def.Sets, "syscalls")
				return
			}
			assert.Equal(t, def.Syscall.AMD64, def.LegacyID)
			assert.Contains(t, def.Sets, "syscalls")
		})
	}
}

func TestLookupRoundTrips(t *testing.T) {
	for _, def := range events.Definitions() {
		t.Run(def.Name, func(t *testing.T) {
			byName, ok := events.Lookup(def.Name)
			require.True(t, ok, "by name")
			assert.Equal(t, def, byName)

			byID, ok := events.LookupID(def.ID)
			require.True(t, ok, "by main-branch id %d", def.ID)
			assert.Equal(t, def, byID)

			byLegacyID, ok := events.LookupLegacyID(def.LegacyID)
			require.True(t, ok, "by v0.24.1 id %d", def.LegacyID)
			assert.Equal(t, def, byLegacyID)
		})
	}
}

func TestLookupMisses(t *testing.T) {
	tests := []struct {
		name   string
		lookup func() (events.Definition, bool)
	}{
		{"an unknown name is not found", func() (events.Definition, bool) { return events.Lookup("pidfd_send_signals") }},
		{"the empty name is not found", func() (events.Definition, bool) { return events.Lookup("") }},
		{"a name differing in case is not found", func() (events.Definition, bool) { return events.Lookup("PIDFD_SEND_SIGNAL") }},
		{"the legacy id 424 is not a main-branch id", func() (events.Definition, bool) { return events.LookupID(424) }},
		{"the main-branch id 336 is not a legacy id", func() (events.Definition, bool) { return events.LookupLegacyID(336) }},
		{"id 0 is not found", func() (events.Definition, bool) { return events.LookupID(0) }},
		{"legacy id NoSyscall is not found", func() (events.Definition, bool) { return events.LookupLegacyID(events.NoSyscall) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def, ok := tt.lookup()
			assert.False(t, ok)
			assert.Zero(t, def)
		})
	}
}

func TestDefinitionsAreUnique(t *testing.T) {
	tests := []struct {
		name string
		key  func(events.Definition) string
	}{
		{"names", func(d events.Definition) string { return d.Name }},
		{"main-branch ids", func(d events.Definition) string { return strconv.Itoa(int(d.ID)) }},
		{"v0.24.1 ids", func(d events.Definition) string { return strconv.Itoa(int(d.LegacyID)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[string]string{}
			for _, d := range events.Definitions() {
				k := tt.key(d)
				prev, dup := seen[k]
				assert.False(t, dup, "%s and %s share %s %s", prev, d.Name, tt.name, k)
				seen[k] = d.Name
			}
		})
	}
}

func TestDefinitionsAreWellFormed(t *testing.T) {
	for _, def := range events.Definitions() {
		t.Run(def.Name, func(t *testing.T) {
			assert.NotNil(t, def.Sets, "Sets is empty, never nil")
			assert.NotEmpty(t, def.Fields)
			names := map[string]bool{}
			for _, f := range def.Fields {
				assert.NotEmpty(t, f.Name)
				assert.NotEmpty(t, f.Type, "field %s", f.Name)
				assert.False(t, names[f.Name], "field %s declared twice", f.Name)
				assert.NotEqual(t, events.ReturnValueField, f.Name)
				names[f.Name] = true
			}
		})
	}
}

func TestLookupAndDefinitionsReturnCopies(t *testing.T) {
	tests := []struct {
		name string
		get  func() events.Definition
	}{
		{"Lookup", func() events.Definition { d, _ := events.Lookup(events.EventPidfdSendSignal); return d }},
		{"LookupID", func() events.Definition { d, _ := events.LookupID(336); return d }},
		{"LookupLegacyID", func() events.Definition { d, _ := events.LookupLegacyID(424); return d }},
		{"SendSignalDefinition", events.SendSignalDefinition},
		{"Definitions", func() events.Definition { return events.Definitions()[0] }},
	}
	for _, tt := range tests {
		t.Run(tt.name+" returns a copy the caller may change", func(t *testing.T) {
			got := tt.get()
			got.Fields[0].Name = "mutated"
			got.Fields[3] = events.Field{Name: "x", Type: "y"}
			got.Sets[0] = "mutated"
			_ = append(got.Fields[:1], events.Field{Name: "appended"})
			got.Name = "mutated"

			assert.Equal(t, wantSendSignal(), tt.get())
			again, _ := events.Lookup(events.EventPidfdSendSignal)
			assert.Equal(t, wantSendSignal(), again)
		})
	}
}

func TestDefinitionFieldIndex(t *testing.T) {
	tests := []struct {
		name  string
		event string
		field string
		want  int
	}{
		{"pidfd is pidfd_send_signal's first field", events.EventPidfdSendSignal, "pidfd", 0},
		{"sig is its second", events.EventPidfdSendSignal, "sig", 1},
		{"info is its third", events.EventPidfdSendSignal, "info", 2},
		{"flags is its fourth", events.EventPidfdSendSignal, "flags", 3},
		{"returnValue is not a declared field", events.EventPidfdSendSignal, events.ReturnValueField, -1},
		{"an unknown field is -1", events.EventPidfdSendSignal, "siginfo", -1},
		{"the empty name is -1", events.EventPidfdSendSignal, "", -1},
		{"pidfd_open's pid comes first", events.EventPidfdOpen, "pid", 0},
		{"pidfd_getfd's targetfd comes second", events.EventPidfdGetfd, "targetfd", 1},
		{"dup3's newfd comes second", events.EventDup3, "newfd", 1},
		{"fork's child_pid comes eighth", events.EventSchedProcessFork, "child_pid", 7},
		{"fork's start_time is the child's, tenth", events.EventSchedProcessFork, "start_time", 9},
		{"exec's pathname comes second", events.EventSchedProcessExec, "pathname", 1},
		{"exit's process_group_exit comes third", events.EventSchedProcessExit, "process_group_exit", 2},
		{"setresuid's suid comes third", events.EventSetresuid, "suid", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def, ok := events.Lookup(tt.event)
			require.True(t, ok)
			assert.Equal(t, tt.want, def.FieldIndex(tt.field))
		})
	}
}
