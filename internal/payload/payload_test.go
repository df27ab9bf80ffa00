package payload_test

import (
	"testing"

	"github.com/aquasecurity/tracee/types/protocol"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/internal/payload"
)

func sampleEvent() trace.Event {
	return trace.Event{
		Timestamp: 42, HostProcessID: 7, HostThreadID: 8, EventName: "pidfd_send_signal",
		Args:        []trace.Argument{{ArgMeta: trace.ArgMeta{Name: "pidfd", Type: "int"}, Value: int32(3)}},
		ReturnValue: -1,
	}
}

func TestOf(t *testing.T) {
	ev := sampleEvent()
	tests := []struct {
		name      string
		payload   any
		wantNil   bool
		wantBoxed bool
		same      *trace.Event // the pointer Of must return, when known
	}{
		{name: "boxed by value, as Tracee sends it", payload: ev.ToProtocol().Payload, wantBoxed: true},
		{name: "by pointer", payload: &ev, same: &ev},
		{name: "nil pointer", payload: (*trace.Event)(nil), wantNil: true},
		{name: "nil", payload: nil, wantNil: true},
		{name: "other type", payload: "pidfd_send_signal", wantNil: true},
		{name: "map payload", payload: map[string]any{"eventName": "x"}, wantNil: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, boxed := payload.Of(tt.payload)
			assert.Equal(t, tt.wantBoxed, boxed)
			if tt.wantNil {
				assert.Nil(t, got)
				return
			}
			require.NotNil(t, got)
			assert.Equal(t, ev, *got)
			if tt.same != nil {
				assert.Same(t, tt.same, got)
			}
		})
	}
}

// TestOfSharesTheBox checks that the pointer is the boxed value itself:
// every copy of one protocol.Event (as Tracee hands one to each signature)
// gives the same pointer, and a new boxing gives another.
func TestOfSharesTheBox(t *testing.T) {
	ev := sampleEvent()
	pe := ev.ToProtocol()
	copies := []protocol.Event{pe, pe, pe}
	first, _ := payload.Of(copies[0].Payload)
	for _, c := range copies[1:] {
		got, boxed := payload.Of(c.Payload)
		require.True(t, boxed)
		assert.Same(t, first, got)
	}
	other, _ := payload.Of(ev.ToProtocol().Payload)
	assert.NotSame(t, first, other)
	assert.Equal(t, *first, *other)
}

// BenchmarkOf compares the view with the type assertion it replaces.
func BenchmarkOf(b *testing.B) {
	p := sampleEvent().ToProtocol().Payload
	b.Run("view", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			ev, _ := payload.Of(p)
			n += ev.HostProcessID
		}
		_ = n
	})
	b.Run("copy", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		var keep trace.Event
		for b.Loop() {
			keep = p.(trace.Event)
			n += keep.HostProcessID
		}
		_ = n
	})
}
