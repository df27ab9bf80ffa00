package signatures

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// The types of finding data. Tracee turns a finding's data into the
// arguments of an event and converts each argument by its Go type: Tracee
// main (for every output) and v0.24 (for gRPC) drop, with an error in their
// log, a value whose type they do not know, and v0.24 names each
// argument's type from its Go type. So every value of finding data, from a
// Go signature or a Rego rule, has one of these types, the same for the
// same value whichever engine made it:
//
//	nil         JSON null (Rego rules only)
//	bool
//	string
//	int64       every integer that fits one, signed or not
//	uint64      an integer above math.MaxInt64 (only a 64-bit unsigned
//	            value such as "info" can be one)
//	float64     a number that is not an integer (Rego rules only)
//	[]string    a list of strings, the empty list included
//	DataList    any other list
//	DataObject  an object
//
// Values inside a DataObject or a DataList have the same types. Tracee
// converts the top-level primitives and []string as they are, and a
// DataObject or DataList through detect.FindingDataStruct.
//
// encoding/json writes these types exactly as the plain maps, slices and
// numbers they replace.

// DataObject is an object in finding data ("sender", "target", PFD-4's
// "probe", any object a Rego rule returns): a map whose values have the
// types of finding data. It implements detect.FindingDataStruct, which is
// how Tracee converts an object.
type DataObject map[string]any

// ToMap returns o with every value in a type protobuf's structpb accepts,
// at any depth (a DataObject as a map[string]any, a DataList or a []string
// as a []any): what Tracee converts with structpb.NewStruct. It implements
// detect.FindingDataStruct.
func (o DataObject) ToMap() map[string]any {
	if o == nil {
		return nil
	}
	m := make(map[string]any, len(o))
	for k, v := range o {
		m[k] = plainValue(v)
	}
	return m
}

// Int returns the integer under key and whether there is one that fits an
// int64 (every integer but an unsigned one above math.MaxInt64).
func (o DataObject) Int(key string) (int64, bool) {
	n, ok := o[key].(int64)
	return n, ok
}

// String returns the string under key, "" when there is none.
func (o DataObject) String(key string) string {
	s, _ := o[key].(string)
	return s
}

// Object returns the object under key, nil when there is none.
func (o DataObject) Object(key string) DataObject {
	x, _ := o[key].(DataObject)
	return x
}

// DataList is a list in finding data whose elements are not all strings
// (a list of strings is a []string), e.g. PFD-4's "target_host_pids". It
// implements detect.FindingDataStruct: Tracee converts only objects, so
// ToMap wraps the list as {"items": [...]}, as Tracee itself does for a
// list of maps; encoding/json still writes a DataList as a plain array.
type DataList []any

// ToMap returns {"items": l} with every element in a type protobuf's
// structpb accepts, at any depth. It implements detect.FindingDataStruct.
func (l DataList) ToMap() map[string]any {
	return map[string]any{dataListItems: plainList(l)}
}

// dataListItems is the key DataList.ToMap puts the list under.
const dataListItems = "items"

// plainValue returns v, a finding data value, with DataObject, DataList
// and []string replaced by the plain map and []any structpb accepts.
func plainValue(v any) any {
	switch x := v.(type) {
	case DataObject:
		return x.ToMap()
	case DataList:
		return plainList(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	default:
		return v
	}
}

func plainList(l DataList) []any {
	if l == nil {
		return nil
	}
	out := make([]any, len(l))
	for i, e := range l {
		out[i] = plainValue(e)
	}
	return out
}

// DataTypeError reports a value that cannot become finding data.
type DataTypeError struct {
	Path string // where the value is, e.g. "probe.target_host_pids[2]"
	Type string // its Go type
}

// Error names the value's place and its Go type.
func (e *DataTypeError) Error() string {
	return fmt.Sprintf("finding data: %s: unsupported type %s", e.Path, e.Type)
}

// within returns e with its path under parent (a key, or "[i]" for an
// element).
func (e *DataTypeError) within(parent string) *DataTypeError {
	switch {
	case e.Path == "":
		e.Path = parent
	case e.Path[0] == '[':
		e.Path = parent + e.Path
	default:
		e.Path = parent + "." + e.Path
	}
	return e
}

// DataValue returns v in the types of finding data: any integer as an
// int64 (a uint64 above math.MaxInt64 stays one), a json.Number as an
// integer when it is one and a float64 otherwise, a float32 as a float64, a
// list of strings as a []string, any other list as a DataList, and an
// object (map[string]any or map[string]string) as a DataObject, with the
// values inside converted the same way. What encoding/json or OPA decode
// is accepted; other types are a *DataTypeError naming where the value is.
//
// A map[string]any or []any in v is converted in place and reused: the
// result may share it, so v must not be used afterwards.
func DataValue(v any) (any, error) {
	c, err := dataValue(v)
	if err != nil {
		if err.Path == "" {
			err.Path = "(value)"
		}
		return nil, err
	}
	return c, nil
}

// DataValues converts every value of data in place (DataValue), naming the
// key of a value it cannot convert.
func DataValues(data map[string]any) error {
	for k, v := range data {
		c, err := dataValue(v)
		if err != nil {
			return err.within(k)
		}
		data[k] = c
	}
	return nil
}

func dataValue(v any) (any, *DataTypeError) {
	switch x := v.(type) {
	case nil, bool, string, int64, float64, []string:
		return v, nil
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint:
		return dataUint(uint64(x)), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint64:
		return dataUint(x), nil
	case float32:
		return float64(x), nil
	case json.Number:
		return dataNumber(x), nil
	case map[string]any:
		return dataObject(x)
	case DataObject:
		return dataObject(x)
	case map[string]string:
		o := make(DataObject, len(x))
		for k, s := range x {
			o[k] = s
		}
		return o, nil
	case []any:
		return dataList(x)
	case DataList:
		return dataList(x)
	case []int32:
		return intList(x), nil
	case []int64:
		return intList(x), nil
	case []int:
		return intList(x), nil
	case []uint32:
		return intList(x), nil
	}
	return nil, &DataTypeError{Type: fmt.Sprintf("%T", v)}
}

// dataUint is n as finding data: an int64 when it fits one.
func dataUint(n uint64) any {
	if n <= math.MaxInt64 {
		return int64(n)
	}
	return n
}

// dataNumber is a decoded JSON number as finding data.
func dataNumber(n json.Number) any {
	if i, err := n.Int64(); err == nil {
		return i
	}
	if u, err := strconv.ParseUint(string(n), 10, 64); err == nil {
		return u
	}
	f, _ := n.Float64()
	return f
}

// dataObject converts the values of m in place.
func dataObject[M ~map[string]any](m M) (any, *DataTypeError) {
	if m == nil {
		return DataObject{}, nil
	}
	for k, e := range m {
		c, err := dataValue(e)
		if err != nil {
			return nil, err.within(k)
		}
		m[k] = c
	}
	return DataObject(m), nil
}

// dataList converts the elements of l in place; a list of strings becomes
// a []string.
func dataList[L ~[]any](l L) (any, *DataTypeError) {
	allStrings := true
	for i, e := range l {
		c, err := dataValue(e)
		if err != nil {
			return nil, err.within("[" + strconv.Itoa(i) + "]")
		}
		l[i] = c
		_, isString := c.(string)
		allStrings = allStrings && isString
	}
	if !allStrings {
		return DataList(l), nil
	}
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = e.(string)
	}
	return out, nil
}

// intList returns a list of integers as a DataList of int64.
func intList[T int | int32 | int64 | uint32](l []T) DataList {
	out := make(DataList, len(l))
	for i, n := range l {
		out[i] = int64(n)
	}
	return out
}
