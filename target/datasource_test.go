package target

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
)

func TestDataSourceIdentity(t *testing.T) {
	var ds detect.DataSource = NewDataSource(NewTracker())
	assert.Equal(t, "pidfdsig", ds.Namespace())
	assert.Equal(t, "pidfd_target", ds.ID())
	assert.Equal(t, uint(1), ds.Version())
	assert.NotEmpty(t, ds.Keys())
	var schema map[string]any
	require.NoError(t, json.Unmarshal([]byte(ds.Schema()), &schema), "the schema is JSON")
}

func TestDataSourceGet(t *testing.T) {
	tr := NewTracker()
	evs := stamped(victim.other(), sender.pidfdOpen(200, 0, 3), sender.send(3, sigkill, 0), sender.close(3, 0))
	for i := range evs {
		tr.Observe(&evs[i])
	}
	ds := NewDataSource(tr)
	sendTime := int64(evs[2].Timestamp)
	victimFields := seen(victim).Fields()
	tests := []struct {
		name    string
		key     any
		want    map[string]any
		wantErr error
	}{
		{
			name: "a map key at the send's timestamp returns the target's fields",
			key:  map[string]interface{}{"host_pid": 100, "pidfd": 3, "timestamp": sendTime},
			want: victimFields,
		},
		{
			name: "a map key with JSON numbers (as Rego passes them) works the same",
			key:  map[string]interface{}{"host_pid": 100.0, "pidfd": json.Number("3"), "timestamp": float64(sendTime)},
			want: victimFields,
		},
		{
			name: "a typed Key works the same",
			key:  Key{HostPID: 100, PidFD: 3, Timestamp: sendTime},
			want: victimFields,
		},
		{
			name: "PIDFD_SELF_THREAD_GROUP returns the process itself",
			key:  map[string]interface{}{"host_pid": 200, "pidfd": int(events.PIDFD_SELF_THREAD_GROUP)},
			want: with(seen(victim), func(t *Target) { t.Source, t.IsSender = SourceSelf, true }).Fields(),
		},
		{
			name:    "without a timestamp the latest state is used: the fd is closed",
			key:     map[string]interface{}{"host_pid": 100, "pidfd": 3},
			wantErr: detect.ErrDataNotFound,
		},
		{
			name:    "an fd the tracker never saw is not found",
			key:     map[string]interface{}{"host_pid": 100, "pidfd": 9, "timestamp": sendTime},
			wantErr: detect.ErrDataNotFound,
		},
		{
			name:    "a process the tracker never saw is not found",
			key:     Key{HostPID: 555, PidFD: int32(events.PIDFD_SELF_THREAD_GROUP)},
			wantErr: detect.ErrDataNotFound,
		},
		{
			name:    "a string key is not supported",
			key:     "100:3",
			wantErr: detect.ErrKeyNotSupported,
		},
		{
			name:    "a map without pidfd is not supported",
			key:     map[string]interface{}{"host_pid": 100},
			wantErr: detect.ErrKeyNotSupported,
		},
		{
			name:    "a fractional pidfd is not supported",
			key:     map[string]interface{}{"host_pid": 100, "pidfd": 3.5},
			wantErr: detect.ErrKeyNotSupported,
		},
		{
			name:    "a host pid beyond int32 is not supported",
			key:     map[string]interface{}{"host_pid": int64(1) << 40, "pidfd": 3},
			wantErr: detect.ErrKeyNotSupported,
		},
		{
			name:    "a zero host pid is not supported",
			key:     Key{PidFD: 3},
			wantErr: detect.ErrKeyNotSupported,
		},
		{
			name:    "a nil key is not supported",
			key:     nil,
			wantErr: detect.ErrKeyNotSupported,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ds.Get(tt.key)
			if tt.wantErr != nil {
				assert.True(t, errors.Is(err, tt.wantErr), "error %v", err)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
