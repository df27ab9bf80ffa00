package events

import "github.com/aquasecurity/tracee/types/trace"

// SendSignal is one decoded pidfd_send_signal call: its arguments, its
// result and the process that made it.
type SendSignal struct {
	PidFD  PidFD
	Signal Signal
	Info   InfoPointer
	Flags  Flags
	Result Result
	Sender Process
}

// Scope returns the scope the kernel applied, from the flags and the pidfd.
func (s *SendSignal) Scope() Scope { return EffectiveScope(s.Flags, s.PidFD) }

// TargetsSelf reports whether the call names the caller through
// PIDFD_SELF_THREAD or PIDFD_SELF_THREAD_GROUP. A real fd may point at the
// caller too; only target resolution can tell.
func (s *SendSignal) TargetsSelf() bool { return s.PidFD.IsSelf() }

// Delivered reports whether the call succeeded with a real signal, i.e. the
// target was signalled (the probe delivers nothing).
func (s *SendSignal) Delivered() bool { return s.Result.OK() && !s.Signal.IsProbe() }

// Argument names of pidfd_send_signal, as Tracee names them.
const (
	ArgPidFD = "pidfd"
	ArgSig   = "sig"
	ArgInfo  = "info"
	ArgFlags = "flags"
)

// ParseSendSignal decodes a Tracee pidfd_send_signal event. It accepts the
// argument values as Tracee delivers them inside a plugin (int32, uint32,
// trace.Pointer, and on the main branch a trailing int64 returnValue) and as
// they come out of JSON decoding (float64, json.Number, numeric strings).
// Errors are *EventError or *ArgError, naming the event and argument.
//
// Values are kept as the kernel would read them: a sig outside the valid
// range is decoded (Signal.Valid reports it), since such calls are what a
// detector wants to see; only values that do not fit the argument's C type
// are errors.
func ParseSendSignal(ev *trace.Event) (SendSignal, error) {
	if ev.EventName != EventPidfdSendSignal {
		return SendSignal{}, &EventError{Want: EventPidfdSendSignal, Got: ev.EventName}
	}
	pidfd, err := Int32Arg(ev, ArgPidFD)
	if err != nil {
		return SendSignal{}, err
	}
	sig, err := Int32Arg(ev, ArgSig)
	if err != nil {
		return SendSignal{}, err
	}
	info, err := Uint64Arg(ev, ArgInfo)
	if err != nil {
		return SendSignal{}, err
	}
	flags, err := Uint32Arg(ev, ArgFlags)
	if err != nil {
		return SendSignal{}, err
	}
	result, err := ReturnValue(ev)
	if err != nil {
		return SendSignal{}, err
	}
	return SendSignal{
		PidFD:  PidFD(pidfd),
		Signal: Signal(sig),
		Info:   InfoPointer(info),
		Flags:  Flags(flags),
		Result: result,
		Sender: ProcessOf(ev),
	}, nil
}
