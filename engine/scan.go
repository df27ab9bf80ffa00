package engine

import (
	"errors"
	"fmt"
	"io"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/capture"
)

// ScanStats counts what Scan read and what went wrong on the way.
type ScanStats struct {
	// Events is the number of events read and dispatched.
	Events int
	// BadLines is the number of lines that could not be decoded (each a
	// *capture.LineError handed to ScanOptions.OnError), skipped.
	BadLines int
	// SignatureErrors is the number of events on which a signature
	// returned an error (each handed to OnError), the others still ran.
	SignatureErrors int
}

// ScanOption changes how Scan reads and reports.
type ScanOption func(*scanOptions)

type scanOptions struct {
	onError func(error)
}

// OnError makes Scan hand every bad line (a *capture.LineError) and every
// signature error to fn; both are only counted otherwise. Neither stops
// the scan.
func OnError(fn func(error)) ScanOption {
	return func(o *scanOptions) { o.onError = fn }
}

// Scan runs sigs over every event of r, a capture in either of Tracee's
// JSON formats (see package capture), as Tracee would: each signature is
// initialised with opts, sees the events it selected in order, is told
// that the source is complete at the end of r, and is closed. Findings go
// to opts.OnFinding (or opts.HandlerFor) as they are made. Bad lines and
// signature errors are counted and skipped; the error is a signature that
// could not start, or r failing to read, wrapped with what failed.
//
// Findings may be kept after their handler returns: each event is decoded
// into memory of its own (see capture.Reader.Next).
func Scan(r io.Reader, sigs []detect.Signature, opts Options, scanOpts ...ScanOption) (ScanStats, error) {
	var o scanOptions
	for _, opt := range scanOpts {
		opt(&o)
	}
	report := func(error) {}
	if o.onError != nil {
		report = o.onError
	}
	e, err := New(sigs, opts)
	if err != nil {
		return ScanStats{}, err
	}
	defer e.Close()
	var stats ScanStats
	reader := capture.NewReader(r)
	var ev trace.Event
	for {
		err := reader.Next(&ev)
		if errors.Is(err, io.EOF) {
			break
		}
		var lineErr *capture.LineError
		if errors.As(err, &lineErr) {
			stats.BadLines++
			report(err)
			continue
		}
		if err != nil {
			return stats, fmt.Errorf("engine: scan: read capture: %w", err)
		}
		stats.Events++
		if err := e.Dispatch(&ev); err != nil {
			stats.SignatureErrors++
			report(fmt.Errorf("line %d: %w", reader.Line(), err))
		}
	}
	e.Complete()
	return stats, nil
}
