package events

// Record is the flat, JSON-ready form of a SendSignal: the shape of
// `pidfdsig parse -o json`, of the "call" part of every finding's data and of
// the decoded call in the Rego input. Field names are part of the project's
// public contract.
type Record struct {
	PidFD          int32        `json:"pidfd"`
	PidFDKind      string       `json:"pidfd_kind"` // fd, self_thread, self_thread_group, invalid
	Sig            int32        `json:"sig"`
	Signal         string       `json:"signal"` // SIGKILL, SIG0, SIGRTMIN+3, SIGINVALID(99)
	Flags          uint32       `json:"flags"`
	FlagNames      []string     `json:"flag_names"` // known flags set, never null
	UnknownFlags   uint32       `json:"unknown_flags"`
	MultipleScopes bool         `json:"multiple_scopes"`
	Scope          string       `json:"scope"` // pidfd, thread, thread_group, process_group, invalid
	Info           uint64       `json:"info"`  // siginfo address, 0 for NULL
	Return         int64        `json:"return"`
	Errno          string       `json:"errno"` // "" on success
	Sender         SenderRecord `json:"sender"`
}

// SenderRecord is the JSON-ready identity of the calling process.
type SenderRecord struct {
	HostPID     int32  `json:"host_pid"`
	PID         int32  `json:"pid"`
	UID         uint32 `json:"uid"`
	Comm        string `json:"comm"`
	Exe         string `json:"exe"`
	ContainerID string `json:"container_id"`
}

// Record returns the JSON-ready form of s.
func (s *SendSignal) Record() Record {
	names := s.Flags.Names()
	if names == nil {
		names = []string{}
	}
	return Record{
		PidFD:          int32(s.PidFD),
		PidFDKind:      s.PidFD.Kind().String(),
		Sig:            int32(s.Signal),
		Signal:         s.Signal.String(),
		Flags:          uint32(s.Flags),
		FlagNames:      names,
		UnknownFlags:   uint32(s.Flags.Unknown()),
		MultipleScopes: s.Flags.MultipleScopes(),
		Scope:          s.Scope().String(),
		Info:           uint64(s.Info),
		Return:         int64(s.Result),
		Errno:          s.Result.ErrnoName(),
		Sender: SenderRecord{
			HostPID:     s.Sender.HostPID,
			PID:         s.Sender.PID,
			UID:         s.Sender.UID,
			Comm:        s.Sender.Comm,
			Exe:         s.Sender.Exe,
			ContainerID: s.Sender.ContainerID,
		},
	}
}
