package events_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
)

// valueShape is a Go shape an argument value can arrive in.
type valueShape uint8

const (
	shapeNative     valueShape = iota // Tracee's own type: int32, trace.Pointer, uint32, int64
	shapeInt64                        // int64 (or uint64 above its range)
	shapeFloat64                      // float64, as encoding/json into any
	shapeJSONNumber                   // json.Number, as a UseNumber decoder
	shapeDecimal                      // decimal string, as protobuf-style JSON
	shapeHex                          // 0x-prefixed hex string
	shapeRaw                          // the fuzzer's own string
	shapeUnsigned                     // uint32 when it fits, else uint64 (int64 when negative)
	numShapes
)

// fuzzArg is one argument the fuzzer builds: the value it hands the parser and
// the number the parser must read from it, if any.
type fuzzArg struct {
	name   string
	value  any
	want   int64  // for pidfd, sig, flags and returnValue
	wantU  uint64 // for info
	decode bool   // whether the value is a well-formed number of the argument's range
}

// exactFloat reports whether n survives a round trip through float64.
func exactFloat(n int64) bool {
	return n > -1<<53 && n < 1<<53
}

func signedHex(n int64) string {
	if n < 0 {
		return "-0x" + strconv.FormatUint(-uint64(n), 16)
	}
	return "0x" + strconv.FormatInt(n, 16)
}

// signedArg builds a signed argument (pidfd, sig, flags, returnValue) holding
// n in shape s; lo and hi bound what the parser accepts.
func signedArg(name string, n int64, s valueShape, raw string, lo, hi int64, native func(int64) (any, bool)) fuzzArg {
	a := fuzzArg{name: name, want: n, decode: n >= lo && n <= hi}
	switch s {
	case shapeNative:
		if v, ok := native(n); ok {
			a.value = v
		} else {
			a.value = n
		}
	case shapeInt64:
		a.value = n
	case shapeFloat64:
		if exactFloat(n) {
			a.value = float64(n)
		} else {
			a.value = json.Number(strconv.FormatInt(n, 10))
		}
	case shapeJSONNumber:
		a.value = json.Number(strconv.FormatInt(n, 10))
	case shapeDecimal:
		a.value = strconv.FormatInt(n, 10)
	case shapeHex:
		a.value = signedHex(n)
	case shapeRaw:
		a.value = raw
		if lo >= 0 {
			u, err := strconv.ParseUint(raw, documentedBase(raw), 64)
			a.want, a.decode = int64(u), err == nil && u <= uint64(hi)
		} else {
			v, err := strconv.ParseInt(raw, documentedBase(raw), 64)
			a.want, a.decode = v, err == nil && v >= lo && v <= hi
		}
	default: // shapeUnsigned
		switch {
		case n >= 0 && n <= math.MaxUint32:
			a.value = uint32(n)
		case n >= 0:
			a.value = uint64(n)
		default:
			a.value = int(n)
		}
	}
	return a
}

// infoArg builds the info argument holding p in shape s.
func infoArg(p uint64, s valueShape, raw string) fuzzArg {
	a := fuzzArg{name: events.ArgInfo, wantU: p, decode: true}
	switch s {
	case shapeNative:
		a.value = trace.Pointer(p)
	case shapeInt64:
		if p <= math.MaxInt64 {
			a.value = int64(p)
		} else {
			a.value = p
		}
	case shapeFloat64:
		if p < 1<<53 {
			a.value = float64(p)
		} else {
			a.value = json.Number(strconv.FormatUint(p, 10))
		}
	case shapeJSONNumber:
		a.value = json.Number(strconv.FormatUint(p, 10))
	case shapeDecimal:
		a.value = strconv.FormatUint(p, 10)
	case shapeHex:
		a.value = "0x" + strconv.FormatUint(p, 16)
	case shapeRaw:
		a.value = raw
		u, err := strconv.ParseUint(raw, documentedBase(raw), 64)
		a.wantU, a.decode = u, err == nil
	default:
		a.value = uintptr(p)
	}
	return a
}

// documentedBase is the base Int64Arg documents for a numeric string:
// 0x-prefixed hex (after an optional sign) in Go syntax, else decimal.
func documentedBase(s string) int {
	unsigned := strings.TrimLeft(s, "+-")
	if len(s)-len(unsigned) <= 1 && (strings.HasPrefix(unsigned, "0x") || strings.HasPrefix(unsigned, "0X")) {
		return 0
	}
	return 10
}

func nativeInt32(n int64) (any, bool) {
	return int32(n), n >= math.MinInt32 && n <= math.MaxInt32
}

func nativeUint32(n int64) (any, bool) {
	return uint32(n), n >= 0 && n <= math.MaxUint32
}

func nativeInt64(n int64) (any, bool) { return n, true }

func FuzzParseSendSignal(f *testing.F) {
	// Seeds: the captured calls in the plugin's shapes, then in JSON shapes.
	f.Add(int64(3), int64(10), uint64(0), int64(0), int64(0), uint32(0), "")
	f.Add(int64(3), int64(10), uint64(0), int64(8), int64(-22), uint32(0), "")
	f.Add(int64(3), int64(10), uint64(0x7ffeddf43ec0), int64(0), int64(-1), uint32(1<<15), "")
	f.Add(int64(-10001), int64(0), uint64(0), int64(4), int64(0), uint32(0o22222), "")
	f.Add(int64(4), int64(99), uint64(1<<63), int64(0x80000000), int64(-3), uint32(0o33333), "0x7ffc")
	f.Add(int64(1<<40), int64(-1), uint64(math.MaxUint64), int64(-1), int64(math.MinInt64), uint32(0o44444), "-1")
	f.Add(int64(3), int64(9), uint64(0), int64(1<<33), int64(0), uint32(0o55555), "9.5")
	f.Add(int64(3), int64(9), uint64(0), int64(0), int64(0), uint32(0o66666), "SIGKILL")
	f.Add(int64(0), int64(0), uint64(0), int64(0), int64(0), uint32(0o66666), "010")
	f.Add(int64(0), int64(0), uint64(0), int64(0), int64(0), uint32(0o66666), "0x7ffc")
	f.Add(int64(0), int64(0), uint64(0), int64(0), int64(0), uint32(0o66666), "-0x10")
	f.Add(int64(0), int64(0), uint64(0), int64(0), int64(0), uint32(0o66666), "1e3")
	f.Add(int64(math.MaxInt64), int64(math.MinInt64), uint64(1<<53+1), int64(1<<53+1), int64(math.MaxInt64), uint32(0o77777), "0b101")

	f.Fuzz(func(t *testing.T, pidfd, sig int64, info uint64, flags, ret int64, shapes uint32, raw string) {
		shape := func(i uint) valueShape { return valueShape(shapes>>(3*i)) % numShapes }
		args := []fuzzArg{
			signedArg(events.ArgPidFD, pidfd, shape(0), raw, math.MinInt32, math.MaxInt32, nativeInt32),
			signedArg(events.ArgSig, sig, shape(1), raw, math.MinInt32, math.MaxInt32, nativeInt32),
			infoArg(info, shape(2), raw),
			signedArg(events.ArgFlags, flags, shape(3), raw, 0, math.MaxUint32, nativeUint32),
		}
		withRet := shapes&(1<<15) == 0
		if withRet {
			args = append(args, signedArg(events.ReturnValueField, ret, shape(4), raw, math.MinInt64, math.MaxInt64, nativeInt64))
		}
		ev := trace.Event{EventName: events.EventPidfdSendSignal, ReturnValue: int(ret)}
		for _, a := range args {
			ev.Args = append(ev.Args, arg(a.name, a.value))
		}
		if shapes&(1<<16) != 0 { // Tracee's order must not matter
			for i, j := 0, len(ev.Args)-1; i < j; i, j = i+1, j-1 {
				ev.Args[i], ev.Args[j] = ev.Args[j], ev.Args[i]
			}
		}

		call, err := events.ParseSendSignal(&ev)

		// The parser reports the first bad argument in Tracee's order.
		var firstBad *fuzzArg
		for i := range args {
			if !args[i].decode {
				firstBad = &args[i]
				break
			}
		}
		if firstBad != nil {
			var argErr *events.ArgError
			if !errors.As(err, &argErr) {
				t.Fatalf("%s=%T(%v) must fail with an *ArgError, got %v (%#v)", firstBad.name, firstBad.value, firstBad.value, err, call)
			}
			if argErr.Arg != firstBad.name || argErr.Event != events.EventPidfdSendSignal {
				t.Fatalf("error names %s/%s, want %s/%s: %v", argErr.Event, argErr.Arg, events.EventPidfdSendSignal, firstBad.name, err)
			}
			if !errors.Is(err, events.ErrArgRange) && !errors.Is(err, events.ErrArgSyntax) && !errors.Is(err, events.ErrArgType) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			if msg := err.Error(); !strings.Contains(msg, firstBad.name) || !strings.Contains(msg, events.EventPidfdSendSignal) {
				t.Fatalf("message %q does not name the event and argument", msg)
			}
			if call != (events.SendSignal{}) {
				t.Fatalf("a failed parse returned %#v", call)
			}
			return
		}
		if err != nil {
			t.Fatalf("every argument is well formed (%v), got %v", ev.Args, err)
		}

		wantRet := ret
		if withRet {
			wantRet = args[4].want
		}
		want := events.SendSignal{
			PidFD:  events.PidFD(args[0].want),
			Signal: events.Signal(args[1].want),
			Info:   events.InfoPointer(args[2].wantU),
			Flags:  events.Flags(args[3].want),
			Result: events.Result(wantRet),
		}
		if call != want {
			t.Fatalf("parsed %#v from %v, want %#v", call, ev.Args, want)
		}

		// Every decoder of a parsed call renders without panicking.
		_ = fmt.Sprint(call.PidFD, call.PidFD.Kind(), call.Signal, call.Signal.DefaultAction(),
			call.Info, call.Flags, call.Flags.Names(), call.Scope(), call.Result, call.Result.ErrnoName())
		if rec := call.Record(); rec.FlagNames == nil {
			t.Fatal("Record().FlagNames is nil")
		}
	})
}

func FuzzFlags(f *testing.F) {
	for _, seed := range []uint32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x80000000, math.MaxUint32} {
		f.Add(seed)
	}
	names := map[string]events.Flags{
		"PIDFD_SIGNAL_THREAD":        events.PIDFD_SIGNAL_THREAD,
		"PIDFD_SIGNAL_THREAD_GROUP":  events.PIDFD_SIGNAL_THREAD_GROUP,
		"PIDFD_SIGNAL_PROCESS_GROUP": events.PIDFD_SIGNAL_PROCESS_GROUP,
	}
	f.Fuzz(func(t *testing.T, n uint32) {
		fl := events.Flags(n)
		if fl.Known()|fl.Unknown() != fl || fl.Known()&fl.Unknown() != 0 {
			t.Fatalf("%#x: Known %#x and Unknown %#x do not split the flags", n, fl.Known(), fl.Unknown())
		}
		scopes := bits.OnesCount32(uint32(fl.Known()))
		if fl.MultipleScopes() != (scopes > 1) {
			t.Fatalf("%#x: MultipleScopes %v with %d scope flags", n, fl.MultipleScopes(), scopes)
		}
		if fl.Valid() != (fl.Unknown() == 0 && scopes <= 1) {
			t.Fatalf("%#x: Valid %v disagrees with the kernel's rule", n, fl.Valid())
		}
		if len(fl.Names()) != scopes {
			t.Fatalf("%#x: Names %v, want %d names", n, fl.Names(), scopes)
		}
		if (events.EffectiveScope(fl, 3) == events.ScopeInvalid) == fl.Valid() {
			t.Fatalf("%#x: EffectiveScope %v disagrees with Valid %v", n, events.EffectiveScope(fl, 3), fl.Valid())
		}

		// String is lossless: its parts put back together give the flags.
		s := fl.String()
		if fl == 0 {
			if s != "0" {
				t.Fatalf("0 renders %q", s)
			}
			return
		}
		var back events.Flags
		for _, part := range strings.Split(s, "|") {
			if v, ok := names[part]; ok {
				back |= v
				continue
			}
			hex, ok := strings.CutPrefix(part, "0x")
			v, err := strconv.ParseUint(hex, 16, 32)
			if !ok || err != nil {
				t.Fatalf("%#x renders %q with the unreadable part %q", n, s, part)
			}
			back |= events.Flags(v)
		}
		if back != fl {
			t.Fatalf("%#x renders %q, which reads back as %#x", n, s, back)
		}
	})
}

func FuzzSignal(f *testing.F) {
	for _, seed := range []int32{0, 1, 9, 19, 31, 32, 33, 63, 64, 65, 99, -1, math.MaxInt32, math.MinInt32} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, n int32) {
		s := events.Signal(n)
		valid := n >= 0 && n <= 64
		if s.Valid() != valid {
			t.Fatalf("%d: Valid %v", n, s.Valid())
		}
		str := s.String()
		if valid == strings.HasPrefix(str, "SIGINVALID") || !strings.HasPrefix(str, "SIG") {
			t.Fatalf("%d renders %q", n, str)
		}
		if !valid && str != fmt.Sprintf("SIGINVALID(%d)", n) {
			t.Fatalf("%d renders %q", n, str)
		}
		if s.IsRealtime() && !valid {
			t.Fatalf("%d: real-time but not valid", n)
		}
		if s.Catchable() && (!valid || s.IsProbe() || s == events.SIGKILL || s == events.SIGSTOP) {
			t.Fatalf("%d: Catchable", n)
		}
		if (s.DefaultAction() == events.ActionNone) != (!valid || s.IsProbe()) {
			t.Fatalf("%d: DefaultAction %v", n, s.DefaultAction())
		}
	})
}

func FuzzResult(f *testing.F) {
	for _, seed := range []int64{0, 3, -1, -3, -9, -22, -133, -134, -9999, math.MinInt64, math.MaxInt64} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, n int64) {
		r := events.Result(n)
		if r.OK() != (n >= 0) {
			t.Fatalf("%d: OK %v", n, r.OK())
		}
		name := r.ErrnoName()
		if (name == "") != r.OK() {
			t.Fatalf("%d: ErrnoName %q", n, name)
		}
		if !r.OK() && !r.Is(r.Errno()) {
			t.Fatalf("%d: not Is(Errno())", n)
		}
		if r.OK() && r.String() != strconv.FormatInt(n, 10) {
			t.Fatalf("%d renders %q", n, r.String())
		}
		if !r.OK() && r.String() != name {
			t.Fatalf("%d renders %q, not its errno name %q", n, r.String(), name)
		}
	})
}
