package engine

import (
	"errors"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/protocol"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a signature that remembers what it saw and finds on every event.
type recorder struct {
	id       string
	selected []detect.SignatureEventSelector
	initErr  error
	eventErr error
	seen     []string
	closed   bool
	signals  int
	cb       detect.SignatureHandler
}

func (r *recorder) GetMetadata() (detect.SignatureMetadata, error) {
	return detect.SignatureMetadata{ID: r.id}, nil
}
func (r *recorder) GetSelectedEvents() ([]detect.SignatureEventSelector, error) {
	return r.selected, nil
}
func (r *recorder) Init(ctx detect.SignatureContext) error { r.cb = ctx.Callback; return r.initErr }
func (r *recorder) Close()                                 { r.closed = true }
func (r *recorder) OnSignal(detect.Signal) error           { r.signals++; return nil }
func (r *recorder) OnEvent(ev protocol.Event) error {
	te := ev.Payload.(trace.Event)
	r.seen = append(r.seen, te.EventName)
	r.cb(&detect.Finding{Event: ev, SigMetadata: detect.SignatureMetadata{ID: r.id}})
	return r.eventErr
}

func sel(name, origin string) detect.SignatureEventSelector {
	return detect.SignatureEventSelector{Source: "tracee", Name: name, Origin: origin}
}

func TestEngineDispatchesBySelection(t *testing.T) {
	byName := &recorder{id: "by-name", selected: []detect.SignatureEventSelector{sel("pidfd_send_signal", "*")}}
	everything := &recorder{id: "everything", selected: []detect.SignatureEventSelector{sel("*", "*")}}
	containerOnly := &recorder{id: "container-only", selected: []detect.SignatureEventSelector{sel("pidfd_send_signal", "container")}}
	otherSource := &recorder{id: "other-source", selected: []detect.SignatureEventSelector{{Source: "k8s", Name: "*"}}}
	var found []string
	e, err := New([]detect.Signature{byName, everything, containerOnly, otherSource}, Options{
		OnFinding: func(f *detect.Finding) { found = append(found, f.SigMetadata.ID) },
	})
	require.NoError(t, err)

	require.NoError(t, e.Dispatch(&trace.Event{EventName: "pidfd_send_signal"}))
	require.NoError(t, e.Dispatch(&trace.Event{EventName: "close"}))
	require.NoError(t, e.Dispatch(&trace.Event{EventName: "pidfd_send_signal", ContextFlags: trace.ContextFlags{ContainerStarted: true}}))

	assert.Equal(t, []string{"pidfd_send_signal", "pidfd_send_signal"}, byName.seen)
	assert.Equal(t, []string{"pidfd_send_signal", "close", "pidfd_send_signal"}, everything.seen)
	assert.Equal(t, []string{"pidfd_send_signal"}, containerOnly.seen, "a container-origin selector sees only container events")
	assert.Empty(t, otherSource.seen, "a selector of another source sees nothing")
	assert.Equal(t, []string{"by-name", "everything", "everything", "by-name", "container-only", "everything"}, found)
	assert.True(t, e.Selects("pidfd_open"), "a wildcard selector selects every name")
}

func TestEngineKeepsGoingWhenASignatureFails(t *testing.T) {
	failing := &recorder{id: "failing", selected: []detect.SignatureEventSelector{sel("kill", "*")}, eventErr: errors.New("boom")}
	healthy := &recorder{id: "healthy", selected: []detect.SignatureEventSelector{sel("kill", "*")}}
	e, err := New([]detect.Signature{failing, healthy}, Options{OnFinding: func(*detect.Finding) {}})
	require.NoError(t, err)

	err = e.Dispatch(&trace.Event{EventName: "kill"})
	require.ErrorContains(t, err, "boom")
	assert.ErrorContains(t, err, "event kill")
	assert.Equal(t, []string{"kill"}, healthy.seen, "the healthy signature still sees the event")
}

func TestEngineRefusesASignatureThatCannotInit(t *testing.T) {
	broken := &recorder{id: "PFD-X", initErr: errors.New("no config")}
	_, err := New([]detect.Signature{broken}, Options{OnFinding: func(*detect.Finding) {}})
	require.ErrorContains(t, err, "signature PFD-X: init: no config")
}

func TestEngineRequiresACallback(t *testing.T) {
	_, err := New(nil, Options{})
	require.ErrorContains(t, err, "OnFinding")
}

func TestEngineCompleteAndCloseReachEverySignature(t *testing.T) {
	a, b := &recorder{id: "a"}, &recorder{id: "b"}
	e, err := New([]detect.Signature{a, b}, Options{OnFinding: func(*detect.Finding) {}})
	require.NoError(t, err)
	e.Complete()
	e.Close()
	for _, r := range []*recorder{a, b} {
		assert.Equal(t, 1, r.signals, r.id)
		assert.True(t, r.closed, r.id)
	}
}
