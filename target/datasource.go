package target

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/aquasecurity/tracee/types/detect"

	"github.com/pidfdsig/pidfdsig/events"
)

// Identity of the data source in Tracee.
const (
	DataSourceNamespace = "pidfdsig"
	DataSourceID        = "pidfd_target"
	DataSourceVersion   = 1
)

// Key is a typed key of the data source: which pidfd of which process, at
// what time (event timestamp in ns; 0 means the latest observed state).
type Key struct {
	HostPID   int32
	PidFD     int32
	Timestamp int64
}

// DataSource exposes a Tracker to Tracee signatures as the detect.DataSource
// "pidfdsig/pidfd_target". Get accepts a Key or a map with "host_pid" and
// "pidfd" (and optionally "timestamp") and returns the target's Fields.
type DataSource struct{ t *Tracker }

var _ detect.DataSource = (*DataSource)(nil)

// NewDataSource returns the data source view of t.
func NewDataSource(t *Tracker) *DataSource { return &DataSource{t: t} }

// Get returns the target of the pidfd the key names. The error is
// detect.ErrKeyNotSupported for a key of another shape or with values out
// of range, and wraps detect.ErrDataNotFound, with the reason, when the
// target is unknown.
func (d *DataSource) Get(key interface{}) (map[string]interface{}, error) {
	k, err := parseKey(key)
	if err != nil {
		return nil, err
	}
	q := query{
		sender:  &events.Process{HostPID: k.HostPID},
		fromKey: true,
		fd:      events.PidFD(k.PidFD),
		at:      k.Timestamp,
		probe:   true,
	}
	var tg Target
	d.t.resolve(&q, &tg)
	if !tg.Known() {
		return nil, fmt.Errorf("%w: %s", detect.ErrDataNotFound, tg.Reason)
	}
	return tg.Fields(), nil
}

// Version is the schema version, DataSourceVersion.
func (d *DataSource) Version() uint { return DataSourceVersion }

// Keys names the key shapes Get accepts.
func (d *DataSource) Keys() []string {
	return []string{"target.Key", "map[string]interface{}{host_pid, pidfd, timestamp?}"}
}

// Schema returns the JSON Schema of Get's result.
func (d *DataSource) Schema() string { return Schema }

// Namespace returns DataSourceNamespace.
func (d *DataSource) Namespace() string { return DataSourceNamespace }

// ID returns DataSourceID.
func (d *DataSource) ID() string { return DataSourceID }

func parseKey(key interface{}) (Key, error) {
	switch k := key.(type) {
	case Key:
		return checkKey(k)
	case *Key:
		if k != nil {
			return checkKey(*k)
		}
	case map[string]interface{}:
		pid, ok1 := intValue(k["host_pid"], math.MinInt32, math.MaxInt32)
		fd, ok2 := intValue(k["pidfd"], math.MinInt32, math.MaxInt32)
		ts, ok3 := int64(0), true
		if v, present := k["timestamp"]; present {
			ts, ok3 = intValue(v, 0, math.MaxInt64)
		}
		if ok1 && ok2 && ok3 {
			return checkKey(Key{HostPID: int32(pid), PidFD: int32(fd), Timestamp: ts})
		}
	}
	return Key{}, fmt.Errorf("%w: want target.Key or map with host_pid and pidfd, got %T", detect.ErrKeyNotSupported, key)
}

func checkKey(k Key) (Key, error) {
	if k.HostPID <= 0 || k.Timestamp < 0 {
		return Key{}, fmt.Errorf("%w: host_pid %d, timestamp %d", detect.ErrKeyNotSupported, k.HostPID, k.Timestamp)
	}
	return k, nil
}

// intValue accepts the integer shapes Go code, encoding/json and Rego hand
// over, within [lo, hi].
func intValue(v any, lo, hi int64) (int64, bool) {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case uint32:
		n = int64(x)
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		n = int64(x)
	case float64:
		if x != math.Trunc(x) || x < math.MinInt64 || x >= math.MaxInt64 {
			return 0, false
		}
		n = int64(x)
	case json.Number:
		i, err := x.Int64()
		if err != nil {
			return 0, false
		}
		n = i
	default:
		return 0, false
	}
	return n, n >= lo && n <= hi
}
