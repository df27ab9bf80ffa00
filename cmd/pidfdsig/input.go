package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/capture"
)

// inputStats counts what the readers saw across every input.
type inputStats struct {
	events   int // events decoded
	badLines int // lines that could not be decoded
	badFiles int // inputs that could not be opened or read to the end
}

// inputPos is where the event being handled came from: an input name and
// its line. readEventsAt keeps it current while fn runs, so that what is
// reported about the event can say where it is.
type inputPos struct {
	name string
	line int
}

// String renders "NAME:LINE", or "" before the first event.
func (p *inputPos) String() string {
	if p == nil || p.name == "" {
		return ""
	}
	return p.name + ":" + strconv.Itoa(p.line)
}

// readEvents streams every event of every named input (stdin for none or
// "-") to fn, reporting undecodable lines to stderr and carrying on. fn's
// error stops the reading.
func readEvents(paths []string, stdin io.Reader, stderr io.Writer, fn func(*trace.Event) error) (inputStats, error) {
	return readEventsAt(paths, stdin, stderr, &inputPos{}, fn)
}

// readEventsAt is readEvents keeping pos at the input and line of the event
// fn is given. An input that cannot be opened or read (a directory, an I/O
// error) is reported to stderr and counted in badFiles, and the next input
// is read: one bad name on the command line does not hide the others.
func readEventsAt(paths []string, stdin io.Reader, stderr io.Writer, pos *inputPos, fn func(*trace.Event) error) (inputStats, error) {
	if len(paths) == 0 {
		paths = []string{"-"}
	}
	var stats inputStats
	var ev trace.Event
	for _, path := range paths {
		name, r, closeFn, err := openInput(path, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "pidfdsig: %v\n", err)
			stats.badFiles++
			continue
		}
		err = readOne(name, r, stderr, &stats, pos, &ev, fn)
		closeFn()
		var readErr *inputError
		if errors.As(err, &readErr) {
			fmt.Fprintf(stderr, "pidfdsig: %v\n", err)
			stats.badFiles++
			continue
		}
		if err != nil {
			return stats, err
		}
	}
	return stats, nil
}

// inputError is a failure to read an input, as opposed to an error of the
// event handler.
type inputError struct {
	name string
	err  error
}

func (e *inputError) Error() string { return fmt.Sprintf("read %s: %v", e.name, e.err) }
func (e *inputError) Unwrap() error { return e.err }

func readOne(name string, r io.Reader, stderr io.Writer, stats *inputStats, pos *inputPos, ev *trace.Event, fn func(*trace.Event) error) error {
	reader := capture.NewReader(r)
	for {
		err := reader.Next(ev)
		if errors.Is(err, io.EOF) {
			return nil
		}
		var lineErr *capture.LineError
		if errors.As(err, &lineErr) {
			stats.badLines++
			fmt.Fprintf(stderr, "pidfdsig: %s: %v\n", name, err)
			continue
		}
		if err != nil {
			return &inputError{name: name, err: err}
		}
		stats.events++
		pos.name, pos.line = name, reader.Line()
		if err := fn(ev); err != nil {
			return err
		}
	}
}

// openInput opens one input; a directory is refused here, by name, rather
// than failing at its first read.
func openInput(path string, stdin io.Reader) (string, io.Reader, func(), error) {
	if path == "-" {
		return "stdin", stdin, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", nil, nil, fmt.Errorf("open input: %w", err)
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return "", nil, nil, fmt.Errorf("open input: %s: is a directory, not a capture", path)
	}
	return path, f, func() { f.Close() }, nil
}

// positionLogger prefixes what the signatures log with the input position
// of the event they were handling.
type positionLogger struct {
	next detect.Logger
	at   *inputPos
}

func (l positionLogger) located(msg string) string {
	if where := l.at.String(); where != "" {
		return where + ": " + msg
	}
	return msg
}

func (l positionLogger) Debugw(msg string, kv ...interface{}) { l.next.Debugw(l.located(msg), kv...) }
func (l positionLogger) Infow(msg string, kv ...interface{})  { l.next.Infow(l.located(msg), kv...) }
func (l positionLogger) Warnw(msg string, kv ...interface{})  { l.next.Warnw(l.located(msg), kv...) }
func (l positionLogger) Errorw(msg string, kv ...interface{}) { l.next.Errorw(l.located(msg), kv...) }
