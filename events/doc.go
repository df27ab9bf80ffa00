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
// What the kernel does with the arguments (Linux 6.18): flags may hold one
// of PIDFD_SIGNAL_THREAD, PIDFD_SIGNAL_THREAD_GROUP or
// PIDFD_SIGNAL_PROCESS_GROUP (Linux 6.9+); any other bit, or two scope
// flags, fail with EINVAL before the pidfd is looked at. With flags 0 the
// scope follows the pidfd (a PIDFD_THREAD pidfd signals one thread).
// PIDFD_SELF_THREAD and PIDFD_SELF_THREAD_GROUP name the caller without an
// fd. A NULL info makes the kernel build the siginfo itself, as kill(2)
// does; a non-NULL info is copied from the caller, and sending one with
// si_code >= 0 or SI_TKILL to anyone but the caller is refused with EPERM
// (SI_QUEUE is allowed). Signal 0 only checks existence and permission.
// The target must be in the caller's pid namespace or a descendant of it,
// else EINVAL. There is no flag called PIDFD_SEND_SIGCONT.
//
// The package imports nothing else of this module. Every decoder is a value
// type with a String method, and the parser neither allocates nor panics.
package events
