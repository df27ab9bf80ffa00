package events

// Scope is who a pidfd_send_signal call signals: one thread, a whole
// process, or a process group.
type Scope uint8

// The scopes a call can have.
const (
	// ScopeFromPidFD: flags are 0 and the pidfd is a real fd, so the scope
	// follows how it was opened (a PIDFD_THREAD pidfd means thread, any
	// other thread group); the event alone does not tell which.
	ScopeFromPidFD Scope = iota
	ScopeThread
	ScopeThreadGroup
	ScopeProcessGroup
	// ScopeInvalid: the flags are refused by the kernel (unknown bits or
	// more than one scope flag), so nothing is signalled.
	ScopeInvalid
)

// String returns the scope's name as used in JSON output.
func (s Scope) String() string {
	switch s {
	case ScopeFromPidFD:
		return "pidfd"
	case ScopeThread:
		return "thread"
	case ScopeThreadGroup:
		return "thread_group"
	case ScopeProcessGroup:
		return "process_group"
	default:
		return "invalid"
	}
}

// EffectiveScope returns the scope the kernel applies for flags f sent
// through pidfd p: the single scope flag when one is set, otherwise what the
// pidfd implies (PIDFD_SELF_THREAD a thread, PIDFD_SELF_THREAD_GROUP the
// process, a real fd ScopeFromPidFD).
func EffectiveScope(f Flags, p PidFD) Scope {
	if !f.Valid() {
		return ScopeInvalid
	}
	switch f.Known() {
	case PIDFD_SIGNAL_THREAD:
		return ScopeThread
	case PIDFD_SIGNAL_THREAD_GROUP:
		return ScopeThreadGroup
	case PIDFD_SIGNAL_PROCESS_GROUP:
		return ScopeProcessGroup
	}
	switch p.Kind() {
	case PidFDSelfThread:
		return ScopeThread
	case PidFDSelfThreadGroup:
		return ScopeThreadGroup
	default:
		return ScopeFromPidFD
	}
}
