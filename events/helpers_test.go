package events_test

import (
	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
)

// arg builds one Tracee argument with the given Go value, as a plugin or a
// JSON decoder would hand it over.
func arg(name string, value any) trace.Argument {
	return trace.Argument{ArgMeta: trace.ArgMeta{Name: name}, Value: value}
}

// sendSignalEvent builds a pidfd_send_signal event carrying args.
func sendSignalEvent(args ...trace.Argument) trace.Event {
	return trace.Event{
		EventName: events.EventPidfdSendSignal,
		ArgsNum:   len(args),
		Args:      args,
	}
}

// liveArgs returns the four arguments in the Go types Tracee delivers inside a
// plugin: pidfd and sig int32, info trace.Pointer, flags uint32.
func liveArgs(pidfd, sig int32, info uint64, flags uint32) []trace.Argument {
	return []trace.Argument{
		arg(events.ArgPidFD, pidfd),
		arg(events.ArgSig, sig),
		arg(events.ArgInfo, trace.Pointer(info)),
		arg(events.ArgFlags, flags),
	}
}

// withReturnValue appends the main branch's trailing returnValue argument.
func withReturnValue(args []trace.Argument, ret int64) []trace.Argument {
	return append(args, arg(events.ReturnValueField, ret))
}

// without returns args minus the one named name.
func without(args []trace.Argument, name string) []trace.Argument {
	out := make([]trace.Argument, 0, len(args))
	for _, a := range args {
		if a.Name != name {
			out = append(out, a)
		}
	}
	return out
}

// replaced returns args with the value of the one named name set to value.
func replaced(args []trace.Argument, name string, value any) []trace.Argument {
	out := make([]trace.Argument, len(args))
	copy(out, args)
	for i := range out {
		if out[i].Name == name {
			out[i].Value = value
		}
	}
	return out
}
