package events_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pidfdsig/pidfdsig/events"
)

func TestSignalString(t *testing.T) {
	tests := []struct {
		name string
		sig  events.Signal
		want string
	}{
		{"signal 0 is the probe SIG0", 0, "SIG0"},
		{"signal 1 is SIGHUP", 1, "SIGHUP"},
		{"signal 2 is SIGINT", 2, "SIGINT"},
		{"signal 3 is SIGQUIT", 3, "SIGQUIT"},
		{"signal 4 is SIGILL", 4, "SIGILL"},
		{"signal 5 is SIGTRAP", 5, "SIGTRAP"},
		{"signal 6 is SIGABRT", 6, "SIGABRT"},
		{"signal 7 is SIGBUS", 7, "SIGBUS"},
		{"signal 8 is SIGFPE", 8, "SIGFPE"},
		{"signal 9 is SIGKILL", 9, "SIGKILL"},
		{"signal 10 is SIGUSR1", 10, "SIGUSR1"},
		{"signal 11 is SIGSEGV", 11, "SIGSEGV"},
		{"signal 12 is SIGUSR2", 12, "SIGUSR2"},
		{"signal 13 is SIGPIPE", 13, "SIGPIPE"},
		{"signal 14 is SIGALRM", 14, "SIGALRM"},
		{"signal 15 is SIGTERM", 15, "SIGTERM"},
		{"signal 16 is SIGSTKFLT", 16, "SIGSTKFLT"},
		{"signal 17 is SIGCHLD", 17, "SIGCHLD"},
		{"signal 18 is SIGCONT", 18, "SIGCONT"},
		{"signal 19 is SIGSTOP", 19, "SIGSTOP"},
		{"signal 20 is SIGTSTP", 20, "SIGTSTP"},
		{"signal 21 is SIGTTIN", 21, "SIGTTIN"},
		{"signal 22 is SIGTTOU", 22, "SIGTTOU"},
		{"signal 23 is SIGURG", 23, "SIGURG"},
		{"signal 24 is SIGXCPU", 24, "SIGXCPU"},
		{"signal 25 is SIGXFSZ", 25, "SIGXFSZ"},
		{"signal 26 is SIGVTALRM", 26, "SIGVTALRM"},
		{"signal 27 is SIGPROF", 27, "SIGPROF"},
		{"signal 28 is SIGWINCH", 28, "SIGWINCH"},
		{"signal 29 is SIGIO", 29, "SIGIO"},
		{"signal 30 is SIGPWR", 30, "SIGPWR"},
		{"signal 31 is SIGSYS", 31, "SIGSYS"},
		{"signal 32 is SIGRTMIN", 32, "SIGRTMIN"},
		{"signal 64 is SIGRTMAX", 64, "SIGRTMAX"},
		{"signal -1 is invalid and shows its number", -1, "SIGINVALID(-1)"},
		{"signal 65 is invalid and shows its number", 65, "SIGINVALID(65)"},
		{"signal 99 is invalid and shows its number", 99, "SIGINVALID(99)"},
		{"the largest int32 is invalid and shows its number", math.MaxInt32, "SIGINVALID(2147483647)"},
		{"the smallest int32 is invalid and shows its number", math.MinInt32, "SIGINVALID(-2147483648)"},
	}
	// Every real-time signal between the two ends is named from SIGRTMIN.
	for n := 1; n <= 31; n++ {
		tests = append(tests, struct {
			name string
			sig  events.Signal
			want string
		}{
			fmt.Sprintf("signal %d is SIGRTMIN+%d", 32+n, n),
			events.Signal(32 + n),
			fmt.Sprintf("SIGRTMIN+%d", n),
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.sig.String())
		})
	}
}

func TestSignalConstants(t *testing.T) {
	tests := []struct {
		name string
		sig  events.Signal
		want string
	}{
		{"SignalProbe names signal 0", events.SignalProbe, "SIG0"},
		{"SIGKILL is the kernel's 9", events.SIGKILL, "SIGKILL"},
		{"SIGSTOP is the kernel's 19", events.SIGSTOP, "SIGSTOP"},
		{"SIGSYS is the kernel's 31", events.SIGSYS, "SIGSYS"},
		{"SIGRTMIN is the kernel's 32", events.SIGRTMIN, "SIGRTMIN"},
		{"SIGRTMAX is the kernel's 64", events.SIGRTMAX, "SIGRTMAX"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.sig.String())
		})
	}
	assert.Equal(t, events.Signal(9), events.SIGKILL)
	assert.Equal(t, events.Signal(19), events.SIGSTOP)
	assert.Equal(t, events.Signal(32), events.SIGRTMIN)
	assert.Equal(t, events.Signal(64), events.SIGRTMAX)
}

func TestSignalClassification(t *testing.T) {
	tests := []struct {
		name      string
		sig       events.Signal
		valid     bool
		probe     bool
		realtime  bool
		action    events.SignalAction
		catchable bool
	}{
		{"the probe is valid, delivers nothing and cannot be caught", 0, true, true, false, events.ActionNone, false},
		{"SIGHUP terminates and can be caught", events.SIGHUP, true, false, false, events.ActionTerminate, true},
		{"SIGINT terminates and can be caught", events.SIGINT, true, false, false, events.ActionTerminate, true},
		{"SIGQUIT terminates and can be caught", events.SIGQUIT, true, false, false, events.ActionTerminate, true},
		{"SIGILL terminates and can be caught", events.SIGILL, true, false, false, events.ActionTerminate, true},
		{"SIGTRAP terminates and can be caught", events.SIGTRAP, true, false, false, events.ActionTerminate, true},
		{"SIGABRT terminates and can be caught", events.SIGABRT, true, false, false, events.ActionTerminate, true},
		{"SIGBUS terminates and can be caught", events.SIGBUS, true, false, false, events.ActionTerminate, true},
		{"SIGFPE terminates and can be caught", events.SIGFPE, true, false, false, events.ActionTerminate, true},
		{"SIGKILL terminates and cannot be caught", events.SIGKILL, true, false, false, events.ActionTerminate, false},
		{"SIGUSR1 terminates and can be caught", events.SIGUSR1, true, false, false, events.ActionTerminate, true},
		{"SIGSEGV terminates and can be caught", events.SIGSEGV, true, false, false, events.ActionTerminate, true},
		{"SIGUSR2 terminates and can be caught", events.SIGUSR2, true, false, false, events.ActionTerminate, true},
		{"SIGPIPE terminates and can be caught", events.SIGPIPE, true, false, false, events.ActionTerminate, true},
		{"SIGALRM terminates and can be caught", events.SIGALRM, true, false, false, events.ActionTerminate, true},
		{"SIGTERM terminates and can be caught", events.SIGTERM, true, false, false, events.ActionTerminate, true},
		{"SIGSTKFLT terminates and can be caught", events.SIGSTKFLT, true, false, false, events.ActionTerminate, true},
		{"SIGCHLD is ignored by default", events.SIGCHLD, true, false, false, events.ActionIgnore, true},
		{"SIGCONT continues a stopped target", events.SIGCONT, true, false, false, events.ActionContinue, true},
		{"SIGSTOP stops and cannot be caught", events.SIGSTOP, true, false, false, events.ActionStop, false},
		{"SIGTSTP stops and can be caught", events.SIGTSTP, true, false, false, events.ActionStop, true},
		{"SIGTTIN stops and can be caught", events.SIGTTIN, true, false, false, events.ActionStop, true},
		{"SIGTTOU stops and can be caught", events.SIGTTOU, true, false, false, events.ActionStop, true},
		{"SIGURG is ignored by default", events.SIGURG, true, false, false, events.ActionIgnore, true},
		{"SIGXCPU terminates and can be caught", events.SIGXCPU, true, false, false, events.ActionTerminate, true},
		{"SIGXFSZ terminates and can be caught", events.SIGXFSZ, true, false, false, events.ActionTerminate, true},
		{"SIGVTALRM terminates and can be caught", events.SIGVTALRM, true, false, false, events.ActionTerminate, true},
		{"SIGPROF terminates and can be caught", events.SIGPROF, true, false, false, events.ActionTerminate, true},
		{"SIGWINCH is ignored by default", events.SIGWINCH, true, false, false, events.ActionIgnore, true},
		{"SIGIO terminates and can be caught", events.SIGIO, true, false, false, events.ActionTerminate, true},
		{"SIGPWR terminates and can be caught", events.SIGPWR, true, false, false, events.ActionTerminate, true},
		{"SIGSYS terminates and can be caught", events.SIGSYS, true, false, false, events.ActionTerminate, true},
		{"SIGRTMIN is real-time and terminates", events.SIGRTMIN, true, false, true, events.ActionTerminate, true},
		{"SIGRTMIN+3 is real-time and terminates", events.SIGRTMIN + 3, true, false, true, events.ActionTerminate, true},
		{"SIGRTMAX is real-time and terminates", events.SIGRTMAX, true, false, true, events.ActionTerminate, true},
		{"signal -1 is invalid and does nothing", -1, false, false, false, events.ActionNone, false},
		{"signal 65 is invalid and does nothing", 65, false, false, false, events.ActionNone, false},
		{"signal 99 is invalid and does nothing", 99, false, false, false, events.ActionNone, false},
		{"a huge signal is invalid and does nothing", math.MaxInt32, false, false, false, events.ActionNone, false},
		{"the most negative signal is invalid and does nothing", math.MinInt32, false, false, false, events.ActionNone, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.valid, tt.sig.Valid(), "Valid")
			assert.Equal(t, tt.probe, tt.sig.IsProbe(), "IsProbe")
			assert.Equal(t, tt.realtime, tt.sig.IsRealtime(), "IsRealtime")
			assert.Equal(t, tt.action, tt.sig.DefaultAction(), "DefaultAction")
			assert.Equal(t, tt.catchable, tt.sig.Catchable(), "Catchable")
		})
	}
}

func TestSignalActionString(t *testing.T) {
	tests := []struct {
		name   string
		action events.SignalAction
		want   string
	}{
		{"no action reads none", events.ActionNone, "none"},
		{"terminate reads terminate", events.ActionTerminate, "terminate"},
		{"stop reads stop", events.ActionStop, "stop"},
		{"continue reads continue", events.ActionContinue, "continue"},
		{"ignore reads ignore", events.ActionIgnore, "ignore"},
		{"an undefined action reads none", events.SignalAction(200), "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.action.String())
		})
	}
}
