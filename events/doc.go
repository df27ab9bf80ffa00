// Package events knows the pidfd_send_signal(2) system call as Tracee reports
// it: the event definitions (pidfd_send_signal and the companion events a
// target tracker follows), the kernel's constants, small typed decoders for
// each argument, and the parser that turns a Tracee event into a SendSignal.
//
// The main call:
//
//	call, err := events.ParseSendSignal(&ev) // ev is a trace.Event
//	if err != nil {
//		return err // *events.ArgError or *events.EventError
//	}
//	fmt.Println(call.Signal, call.Flags, call.Scope(), call.Result)
//
// The package imports nothing else of this module. Every decoder is a value
// type with a String method, and the parser neither allocates nor panics.
package events
