package signatures_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pidfdsig/pidfdsig/signatures"
)

func TestDataValueConvertsToTheTypesOfFindingData(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"null stays nil", nil, nil},
		{"a bool stays", true, true},
		{"a string stays", "SIGKILL", "SIGKILL"},
		{"an int becomes int64", 9, int64(9)},
		{"an int32 becomes int64", int32(-3), int64(-3)},
		{"a uint32 becomes int64", uint32(math.MaxUint32), int64(math.MaxUint32)},
		{"a uint64 that fits becomes int64", uint64(0x7ffd0000), int64(0x7ffd0000)},
		{"a uint64 above MaxInt64 stays uint64", uint64(math.MaxUint64), uint64(math.MaxUint64)},
		{"an integral json.Number becomes int64", json.Number("-22"), int64(-22)},
		{"a json.Number above MaxInt64 becomes uint64", json.Number("18446744073709551615"), uint64(math.MaxUint64)},
		{"a fractional json.Number becomes float64", json.Number("1.5"), 1.5},
		{"a float32 becomes float64", float32(0.5), 0.5},
		{"a list of strings becomes []string", []any{"a", "b"}, []string{"a", "b"}},
		{"the empty list becomes []string", []any{}, []string{}},
		{"a list of numbers becomes a DataList of int64", []any{1, json.Number("2")}, signatures.DataList{int64(1), int64(2)}},
		{"a mixed list becomes a DataList", []any{"a", 1}, signatures.DataList{"a", int64(1)}},
		{"an []int32 becomes a DataList of int64", []int32{2500, 2501}, signatures.DataList{int64(2500), int64(2501)}},
		{"an object becomes a DataObject, deeply", map[string]any{"uid": uint32(0), "inner": map[string]any{"pids": []any{3}}},
			signatures.DataObject{"uid": int64(0), "inner": signatures.DataObject{"pids": signatures.DataList{int64(3)}}}},
		{"a map of strings becomes a DataObject", map[string]string{"a": "b"}, signatures.DataObject{"a": "b"}},
		{"a DataObject is converted again, idempotently", signatures.DataObject{"n": 1}, signatures.DataObject{"n": int64(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := signatures.DataValue(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got) // reflect.DeepEqual: the types must match
		})
	}
}

func TestDataValueNamesWhereAnUnsupportedTypeIs(t *testing.T) {
	tests := []struct {
		name string
		in   any
		path string
	}{
		{"at the top", struct{}{}, "(value)"},
		{"in an object", map[string]any{"probe": map[string]any{"x": complex(1, 1)}}, "probe.x"},
		{"in a list in an object", map[string]any{"pids": []any{1, []int8{1}}}, "pids[1]"},
		{"in a list in a list", []any{[]any{make(chan int)}}, "[0][0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := signatures.DataValue(tt.in)
			var te *signatures.DataTypeError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tt.path, te.Path)
			assert.Contains(t, err.Error(), tt.path)
		})
	}
	err := signatures.DataValues(map[string]any{"ok": 1, "bad": []float32{1}})
	var te *signatures.DataTypeError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "bad", te.Path)
	assert.Equal(t, "[]float32", te.Type)
}

// ToMap must give what Tracee converts with structpb.NewStruct: no typed
// slice or named map at any depth.
func TestNestedFindingDataConvertsWithStructpb(t *testing.T) {
	obj := signatures.DataObject{
		"count": int64(2), "window": "10s", "big": uint64(math.MaxUint64), "none": nil, "ratio": 0.5,
		"target_host_pids": signatures.DataList{int64(1), int64(2)},
		"names":            []string{"a"},
		"inner":            signatures.DataObject{"list": signatures.DataList{signatures.DataObject{"k": []string{"v"}}}},
	}
	tests := map[string]detect.FindingDataStruct{
		"an object":                  obj,
		"a list, wrapped as {items}": signatures.DataList{obj, "x", int64(3)},
		"an empty object":            signatures.DataObject{},
	}
	for name, v := range tests {
		t.Run(name, func(t *testing.T) {
			m := v.ToMap()
			require.NotNil(t, m, "Tracee drops a nil ToMap")
			s, err := structpb.NewStruct(m)
			require.NoError(t, err)
			// The converted struct reads back as the JSON of the value
			// (a list under "items").
			want, err := json.Marshal(v)
			require.NoError(t, err)
			if _, isList := v.(signatures.DataList); isList {
				want = []byte(`{"items":` + string(want) + `}`)
			}
			got, err := s.MarshalJSON()
			require.NoError(t, err)
			assert.JSONEq(t, normaliseNumbers(t, want), normaliseNumbers(t, got))
		})
	}
}

// normaliseNumbers decodes JSON into float64 numbers, as structpb holds
// them, and encodes it again.
func normaliseNumbers(t *testing.T, b []byte) string {
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	out, err := json.Marshal(v)
	require.NoError(t, err)
	return string(out)
}

func TestDataObjectAccessors(t *testing.T) {
	o := signatures.DataObject{"uid": int64(1000), "comm": "sleep", "sender": signatures.DataObject{"pid": int64(7)},
		"big": uint64(math.MaxUint64)}
	uid, ok := o.Int("uid")
	assert.True(t, ok)
	assert.Equal(t, int64(1000), uid)
	_, ok = o.Int("big")
	assert.False(t, ok, "an integer above MaxInt64 is no int64")
	_, ok = o.Int("missing")
	assert.False(t, ok)
	assert.Equal(t, "sleep", o.String("comm"))
	assert.Empty(t, o.String("uid"))
	pid, _ := o.Object("sender").Int("pid")
	assert.Equal(t, int64(7), pid)
	assert.Nil(t, o.Object("comm"))
}
