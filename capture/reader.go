package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/aquasecurity/tracee/types/trace"
)

// DefaultMaxLineSize is the longest line a Reader accepts unless told
// otherwise with WithMaxLineSize.
const DefaultMaxLineSize = 16 << 20

const (
	// readBufferSize is the bufio buffer; lines longer than this are
	// assembled in a separate buffer.
	readBufferSize = 64 << 10
	// keepLongBuffer is the largest assembly buffer kept between lines, so
	// one huge line does not pin its memory for the rest of the stream.
	keepLongBuffer = 1 << 20
)

// utf8BOM is the byte order mark some editors and Windows tools put at the
// start of a UTF-8 file; JSON forbids it, so it is dropped from the first
// line rather than costing that line's event.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Option configures a Reader.
type Option func(*Reader)

// WithMaxLineSize sets the longest line, in bytes without the newline, the
// Reader decodes. A longer line is skipped without being held in memory and
// reported as an ErrLineTooLong LineError. n <= 0 means DefaultMaxLineSize.
func WithMaxLineSize(n int) Option {
	return func(r *Reader) {
		if n <= 0 {
			n = DefaultMaxLineSize
		}
		r.maxLine = n
	}
}

// withBufferSize sets the bufio buffer size; tests use a tiny one to
// exercise the assembly of long lines.
func withBufferSize(n int) Option {
	return func(r *Reader) { r.bufSize = n }
}

// withStdDecoders makes the Reader decode every line with the encoding/json
// decoders, which the fast ones fall back to; benchmarks compare the two.
func withStdDecoders() Option {
	return func(r *Reader) { r.dec.stdOnly = true }
}

// Stats counts what a Reader has seen so far.
type Stats struct {
	// Lines is the number of lines read, blank ones included.
	Lines int
	// Blank is the number of blank lines skipped.
	Blank int
	// Events is the number of events decoded.
	Events int
	// BadLines is the number of lines that produced a LineError.
	BadLines int
	// Legacy and Proto split Events by the format of their line.
	Legacy, Proto int
}

// Reader reads the events of a stream of Tracee JSON lines, detecting the
// format of each line, so files mixing both formats read fine. It holds one
// line in memory at a time. A Reader is not safe for concurrent use.
type Reader struct {
	in      *bufio.Reader
	bufSize int
	maxLine int
	line    int
	long    []byte // assembles lines longer than the bufio buffer
	stats   Stats
	dec     lineDecoder
}

// NewReader returns a Reader of the JSON lines in r.
func NewReader(r io.Reader, opts ...Option) *Reader {
	rd := &Reader{bufSize: readBufferSize, maxLine: DefaultMaxLineSize}
	for _, opt := range opts {
		opt(rd)
	}
	rd.in = bufio.NewReaderSize(r, rd.bufSize)
	return rd
}

// Next decodes the next event into ev, which it resets first, skipping
// blank lines. It returns io.EOF at the end of the stream, a *LineError for
// a line that cannot be decoded (the next call carries on with the following
// line), and other errors for failures of the underlying reader. ev is
// zeroed whenever an error is returned.
//
// Next never keeps references into ev, and never reuses the memory of the
// event it overwrites: each event gets a freshly allocated Args slice (and
// MatchedPolicies, StackAddresses and argument values), so an event kept by
// value, or its Args, survives later calls. Strings may be shared between
// events (the Reader interns event, argument and type names and other
// strings that repeat), which is safe as strings are immutable.
func (r *Reader) Next(ev *trace.Event) error {
	for {
		line, err := r.readLine()
		if err != nil {
			*ev = trace.Event{}
			var lerr *LineError
			if errors.As(err, &lerr) {
				r.stats.BadLines++
			}
			return err
		}
		if isBlank(line) {
			r.stats.Blank++
			continue
		}
		f, err := r.dec.decodeLine(line, ev)
		if err != nil {
			r.stats.BadLines++
			var lerr *LineError
			if errors.As(err, &lerr) {
				lerr.Line = r.line
			}
			return err
		}
		r.stats.Events++
		if f == FormatLegacy {
			r.stats.Legacy++
		} else {
			r.stats.Proto++
		}
		return nil
	}
}

// Line returns the number of the line Next last read: the line of the event
// or error it returned.
func (r *Reader) Line() int { return r.line }

// Stats returns the counts so far.
func (r *Reader) Stats() Stats { return r.stats }

// readLine returns the next line without its line ending. The slice is valid
// until the next call.
func (r *Reader) readLine() ([]byte, error) {
	if cap(r.long) > keepLongBuffer {
		r.long = nil
	}
	r.long = r.long[:0]
	for {
		frag, err := r.in.ReadSlice('\n')
		switch {
		case err == bufio.ErrBufferFull:
			if len(r.long)+len(frag) > r.maxLine {
				return nil, r.skipLongLine(len(r.long) + len(frag))
			}
			r.long = r.appendLong(frag)
			continue
		case err == io.EOF && len(frag) == 0 && len(r.long) == 0:
			return nil, io.EOF
		case err != nil && err != io.EOF:
			return nil, fmt.Errorf("capture: reading line %d: %w", r.line+1, err)
		}
		// A whole line, or the last one of a stream without a final newline.
		r.line++
		r.stats.Lines++
		line := frag
		if len(r.long) > 0 {
			r.long = r.appendLong(frag)
			line = r.long
		}
		line = trimLineEnd(line)
		if r.line == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		if len(line) > r.maxLine {
			return nil, &LineError{Line: r.line, Err: fmt.Errorf("%w: %d bytes, over the %d-byte maximum", ErrLineTooLong, len(line), r.maxLine)}
		}
		return line, nil
	}
}

// appendLong adds frag to the line being assembled, doubling the buffer as
// needed but never beyond what the longest accepted line needs.
func (r *Reader) appendLong(frag []byte) []byte {
	need := len(r.long) + len(frag)
	if need > cap(r.long) {
		size := max(2*cap(r.long), need, r.bufSize)
		size = min(size, max(need, r.maxLine+r.bufSize))
		grown := make([]byte, len(r.long), size)
		copy(grown, r.long)
		r.long = grown
	}
	return append(r.long, frag...)
}

// skipLongLine reads and discards the rest of an over-long line whose first
// seen bytes have been read, then reports it.
func (r *Reader) skipLongLine(seen int) error {
	r.long = r.long[:0]
	size := int64(seen)
	for {
		frag, err := r.in.ReadSlice('\n')
		size += int64(len(frag))
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("capture: reading line %d: %w", r.line+1, err)
		}
		if err == nil {
			size-- // the newline
		}
		break
	}
	r.line++
	r.stats.Lines++
	return &LineError{Line: r.line, Err: fmt.Errorf("%w: %d bytes, over the %d-byte maximum", ErrLineTooLong, size, r.maxLine)}
}

func trimLineEnd(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

func isBlank(line []byte) bool {
	for _, c := range line {
		if !isSpace(c) {
			return false
		}
	}
	return true
}
