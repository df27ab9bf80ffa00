// Package capture reads and writes the JSON lines `tracee --output json`
// produces, so recorded captures can be replayed through the same code that
// handles live events.
//
// Tracee has written two JSON shapes: release v0.24.1 prints a trace.Event
// ("eventId": "424", "args" with name, type and value, a top-level
// "returnValue"), while the main branch prints protobuf-style JSON of its
// v1beta1 API ("id": 336, "workload", "data" entries keyed by value kind,
// 64-bit integers as strings, RFC 3339 timestamps). A Reader detects the
// format line by line and yields both as the same normalized trace.Event:
// argument values carry the Go types Tracee hands a signature plugin (int32,
// uint32, trace.Pointer, ...) and ArgMeta.Type carries Tracee's type names.
// The one difference kept on purpose is the main branch's trailing
// "returnValue" argument (an int64), which a plugin on that branch sees too;
// ev.ReturnValue is set from it as well. EventID is kept as the line gives
// it, and the formats number events differently (pidfd_send_signal is 424 in
// v0.24.1, 336 on the main branch), so match events by name.
//
// The main call:
//
//	r := capture.NewReader(f)
//	var ev trace.Event
//	for {
//		err := r.Next(&ev)
//		if errors.Is(err, io.EOF) {
//			break
//		}
//		var lerr *capture.LineError
//		if errors.As(err, &lerr) {
//			log.Print(lerr) // a bad line; the next call reads on
//			continue
//		}
//		if err != nil {
//			return err
//		}
//		handle(&ev)
//	}
//
// Decode, DecodeLegacy and DecodeProto decode a single line; EncodeLegacy
// and EncodeProto write an event in either format, for tests that record
// captures of their own.
//
// # Speed
//
// Lines are parsed with github.com/valyala/fastjson, a well-kept JSON parser
// without dependencies whose Parser is reused from line to line (one per
// Reader), and trace.Event is filled straight from the parsed values, with
// the argument values converted by their declared type (legacy) or data kind
// (proto) with strconv. That is several times faster than encoding/json,
// with its reflection and the json.Decoder trace.Argument builds for every
// argument, and allocates little beyond the event's own memory: event,
// argument and type names and other strings that repeat from event to event
// are interned. encoding/json remains the reference: the fastjson decoders
// take only the lines on which they are sure to give the same event, and
// leave the rest to it (bad lines, so that the errors are the same; rare
// argument types such as sockaddr, credentials and network protocols;
// escaped UTF-16 surrogates and invalid UTF-8; keys encoding/json would match
// case-insensitively or that repeat). FuzzFastMatchesStd holds the two to
// the same results.
package capture
