package capture

import (
	"errors"
	"io"

	"github.com/aquasecurity/tracee/types/trace"
)

// ReadAll reads every event of a Tracee JSON capture from r. Lines that do
// not decode are returned as bad, in order, and reading goes on after
// them; err is any other failure of r, with the events read before it.
func ReadAll(r io.Reader, opts ...Option) (evs []trace.Event, bad []*LineError, err error) {
	rd := NewReader(r, opts...)
	for {
		var ev trace.Event
		err := rd.Next(&ev)
		if errors.Is(err, io.EOF) {
			return evs, bad, nil
		}
		var lerr *LineError
		if errors.As(err, &lerr) {
			bad = append(bad, lerr)
			continue
		}
		if err != nil {
			return evs, bad, err
		}
		evs = append(evs, ev)
	}
}
