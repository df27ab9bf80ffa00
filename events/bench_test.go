package events_test

import (
	"testing"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
)

// benchSink keeps results alive so the compiler cannot drop the work.
var benchSink struct {
	call events.SendSignal
	str  string
}

// liveEvent is a pidfd_send_signal event as a main-branch Tracee plugin
// receives it: int32, int32, trace.Pointer, uint32 and a trailing int64
// returnValue, with a full process context.
func liveEvent() trace.Event {
	ev := sendSignalEvent(withReturnValue(liveArgs(3, 10, stackInfo, 0), -1)...)
	ev.HostProcessID, ev.HostThreadID, ev.ProcessID, ev.ThreadID = 19483, 19483, 19483, 19483
	ev.UserID = 65534
	ev.ProcessName = "pidfd-trigger"
	ev.Executable.Path = "/usr/local/bin/pidfd-trigger"
	ev.Container.ID = "c0ffee"
	return ev
}

func BenchmarkParseSendSignal(b *testing.B) {
	ev := liveEvent()
	b.ReportAllocs()
	for b.Loop() {
		call, err := events.ParseSendSignal(&ev)
		if err != nil {
			b.Fatal(err)
		}
		benchSink.call = call
	}
}

func BenchmarkParseSendSignalJSONShapes(b *testing.B) {
	ev := sendSignalEvent(
		arg(events.ArgPidFD, float64(3)),
		arg(events.ArgSig, float64(10)),
		arg(events.ArgInfo, float64(stackInfo)),
		arg(events.ArgFlags, float64(0)),
		arg(events.ReturnValueField, float64(-1)),
	)
	b.ReportAllocs()
	for b.Loop() {
		call, err := events.ParseSendSignal(&ev)
		if err != nil {
			b.Fatal(err)
		}
		benchSink.call = call
	}
}

func BenchmarkParseSendSignalProtoStrings(b *testing.B) {
	ev := sendSignalEvent(
		arg(events.ArgPidFD, float64(3)),
		arg(events.ArgSig, float64(10)),
		arg(events.ArgInfo, "140732622192320"),
		arg(events.ArgFlags, float64(0)),
		arg(events.ReturnValueField, "-1"),
	)
	b.ReportAllocs()
	for b.Loop() {
		call, err := events.ParseSendSignal(&ev)
		if err != nil {
			b.Fatal(err)
		}
		benchSink.call = call
	}
}

func BenchmarkSignalString(b *testing.B) {
	sigs := []events.Signal{events.SIGKILL, events.SIGRTMIN + 3, 0, 99}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		benchSink.str = sigs[i%len(sigs)].String()
	}
}

func BenchmarkFlagsString(b *testing.B) {
	flags := []events.Flags{0, events.PIDFD_SIGNAL_PROCESS_GROUP, 9, 7}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		benchSink.str = flags[i%len(flags)].String()
	}
}
