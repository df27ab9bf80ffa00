package events

import "strconv"

// Signal is the sig argument of pidfd_send_signal: a Linux signal number as
// the kernel numbers it on x86_64 and arm64, or 0 for the existence probe.
type Signal int32

// Signal numbers, with their kernel names.
const (
	SignalProbe Signal = 0 // no signal: existence and permission check only
	SIGHUP      Signal = 1
	SIGINT      Signal = 2
	SIGQUIT     Signal = 3
	SIGILL      Signal = 4
	SIGTRAP     Signal = 5
	SIGABRT     Signal = 6
	SIGBUS      Signal = 7
	SIGFPE      Signal = 8
	SIGKILL     Signal = 9
	SIGUSR1     Signal = 10
	SIGSEGV     Signal = 11
	SIGUSR2     Signal = 12
	SIGPIPE     Signal = 13
	SIGALRM     Signal = 14
	SIGTERM     Signal = 15
	SIGSTKFLT   Signal = 16
	SIGCHLD     Signal = 17
	SIGCONT     Signal = 18
	SIGSTOP     Signal = 19
	SIGTSTP     Signal = 20
	SIGTTIN     Signal = 21
	SIGTTOU     Signal = 22
	SIGURG      Signal = 23
	SIGXCPU     Signal = 24
	SIGXFSZ     Signal = 25
	SIGVTALRM   Signal = 26
	SIGPROF     Signal = 27
	SIGWINCH    Signal = 28
	SIGIO       Signal = 29
	SIGPWR      Signal = 30
	SIGSYS      Signal = 31
	SIGRTMIN    Signal = 32 // the kernel's first real-time signal (glibc reserves 32 and 33)
	SIGRTMAX    Signal = 64 // _NSIG on x86_64 and arm64
)

// Names of the values that are not kernel signals.
const (
	probeName   = "SIG0"
	invalidName = "SIGINVALID"
)

// signalNames holds the name of every valid signal, index = number.
var signalNames = func() [SIGRTMAX + 1]string {
	var names [SIGRTMAX + 1]string
	copy(names[:], []string{
		probeName, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
		"SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE",
		"SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",
		"SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ",
		"SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
	})
	names[SIGRTMIN] = "SIGRTMIN"
	for n := SIGRTMIN + 1; n < SIGRTMAX; n++ {
		names[n] = "SIGRTMIN+" + strconv.Itoa(int(n-SIGRTMIN))
	}
	names[SIGRTMAX] = "SIGRTMAX"
	return names
}()

// Valid reports whether the kernel accepts s as a signal (0 included).
func (s Signal) Valid() bool { return s >= 0 && s <= SIGRTMAX }

// IsProbe reports whether s is 0: nothing is delivered, the call only tests
// that the target exists and that the caller may signal it.
func (s Signal) IsProbe() bool { return s == SignalProbe }

// IsRealtime reports whether s is a real-time signal (SIGRTMIN..SIGRTMAX).
func (s Signal) IsRealtime() bool { return s >= SIGRTMIN && s <= SIGRTMAX }

// String returns the kernel name ("SIGKILL", "SIGRTMIN+3"), "SIG0" for the
// probe, and "SIGINVALID(n)" for a number the kernel rejects.
func (s Signal) String() string {
	if !s.Valid() {
		return invalidName + "(" + strconv.Itoa(int(s)) + ")"
	}
	return signalNames[s]
}

// SignalAction is what a signal does to its target when the target has not
// installed a handler: the kernel's default disposition.
type SignalAction uint8

// Default dispositions, as in signal(7).
const (
	ActionNone      SignalAction = iota // the probe, or an invalid signal
	ActionTerminate                     // terminate (some also dump core)
	ActionStop                          // stop the target
	ActionContinue                      // resume a stopped target
	ActionIgnore                        // ignored by default
)

// String names the action.
func (a SignalAction) String() string {
	switch a {
	case ActionTerminate:
		return "terminate"
	case ActionStop:
		return "stop"
	case ActionContinue:
		return "continue"
	case ActionIgnore:
		return "ignore"
	default:
		return "none"
	}
}

// DefaultAction returns the kernel's default disposition of s.
func (s Signal) DefaultAction() SignalAction {
	switch {
	case !s.Valid() || s.IsProbe():
		return ActionNone
	case s == SIGSTOP || s == SIGTSTP || s == SIGTTIN || s == SIGTTOU:
		return ActionStop
	case s == SIGCONT:
		return ActionContinue
	case s == SIGCHLD || s == SIGURG || s == SIGWINCH:
		return ActionIgnore
	default:
		return ActionTerminate
	}
}

// Catchable reports whether the target can handle, block or ignore s.
// SIGKILL and SIGSTOP cannot be caught.
func (s Signal) Catchable() bool {
	return s.Valid() && !s.IsProbe() && s != SIGKILL && s != SIGSTOP
}
