//go:build linux

package kernelrec

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/events"
)

// Recorder collects the events of a recording. It is safe for concurrent
// use: the processes of a recording report at the same time.
type Recorder struct {
	bootEpoch int64

	mu     sync.Mutex
	events []trace.Event
	names  map[int32]string
	err    error
}

// NewRecorder returns an empty Recorder for processes whose start times are
// converted with bootEpoch (see BootEpoch).
func NewRecorder(bootEpoch int64) *Recorder {
	return &Recorder{bootEpoch: bootEpoch, names: map[int32]string{}}
}

// RecorderName is the name Names gives the process that called Run.
const RecorderName = "recorder"

// Names returns the names the scripts gave the processes they started (and
// RecorderName for the process that called Run), by host pid. Tracee knows
// nothing of them; they help describe a recording.
func (r *Recorder) Names() map[int32]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.names)
}

func (r *Recorder) nameProcess(hostPID int32, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names[hostPID] = name
}

// Add records the event r describes. The first report that cannot be turned
// into an event is kept as the Recorder's error (see Err).
func (r *Recorder) Add(rep *Report) error {
	ev, err := FromReport(rep)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		err = fmt.Errorf("report %s of pid %d: %w", rep.Kind, rep.Task.HostPID, err)
		if r.err == nil {
			r.err = err
		}
		return err
	}
	r.events = append(r.events, ev)
	if rep.Kind == KindFork && rep.Name != "" {
		r.names[rep.Child.HostPID] = rep.Name
	}
	return nil
}

// Err returns the first error Add met.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Events returns the events recorded so far in timestamp order (reports
// arrive in the order their processes sent them, which is not the order of
// events across processes). Events with equal timestamps keep their arrival
// order.
func (r *Recorder) Events() []trace.Event {
	r.mu.Lock()
	evs := slices.Clone(r.events)
	r.mu.Unlock()
	slices.SortStableFunc(evs, func(a, b trace.Event) int { return a.Timestamp - b.Timestamp })
	return evs
}

// WriteJSONL writes the events, in timestamp order, as JSON lines in one
// of Tracee's two output formats:
//
//   - capture.FormatLegacy, v0.24.1's `--output json`: the event id is the
//     legacy id ("eventId": "424") and executable.path is empty, as
//     v0.24.1 leaves it (see testdata/tracee-samples);
//   - capture.FormatProto, the main branch's: the event id is the
//     protobuf one (336), system-call events get the trailing returnValue
//     data entry, and the namespaces, cgroup, CPU and host name, which that
//     format has no place for, are dropped.
func (r *Recorder) WriteJSONL(w io.Writer, f capture.Format) error {
	encode, err := encoder(f)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	for _, ev := range r.Events() {
		def, err := lookup(ev.EventName)
		if err != nil {
			return err
		}
		line, err := encode(&ev, def)
		if err != nil {
			return err
		}
		bw.Write(line)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

func encoder(f capture.Format) (func(*trace.Event, events.Definition) ([]byte, error), error) {
	switch f {
	case capture.FormatLegacy:
		return func(ev *trace.Event, def events.Definition) ([]byte, error) {
			ev.EventID = int(def.LegacyID)
			ev.Executable.Path = ""
			return capture.EncodeLegacy(ev)
		}, nil
	case capture.FormatProto:
		return func(ev *trace.Event, def events.Definition) ([]byte, error) {
			ev.EventID = int(def.ID)
			return capture.EncodeProto(ev)
		}, nil
	default:
		return nil, fmt.Errorf("kernelrec: cannot write format %s", f)
	}
}
