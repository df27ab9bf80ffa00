package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/capture"
)

// inputStats counts what the readers saw across every input.
type inputStats struct {
	events   int // events decoded
	badLines int // lines that could not be decoded
	badFiles int // inputs that could not be opened
}

// readEvents streams every event of every named input (stdin for none or
// "-") to fn, reporting undecodable lines to stderr and carrying on. fn's
// error stops the reading.
func readEvents(paths []string, stdin io.Reader, stderr io.Writer, fn func(*trace.Event) error) (inputStats, error) {
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
		err = readOne(name, r, stderr, &stats, &ev, fn)
		closeFn()
		if err != nil {
			return stats, err
		}
	}
	return stats, nil
}

func readOne(name string, r io.Reader, stderr io.Writer, stats *inputStats, ev *trace.Event, fn func(*trace.Event) error) error {
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
			return fmt.Errorf("read %s: %w", name, err)
		}
		stats.events++
		if err := fn(ev); err != nil {
			return err
		}
	}
}

func openInput(path string, stdin io.Reader) (string, io.Reader, func(), error) {
	if path == "-" {
		return "stdin", stdin, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", nil, nil, fmt.Errorf("open input: %w", err)
	}
	return path, f, func() { f.Close() }, nil
}
