package events

import "slices"

// Tracee event names of pidfd_send_signal and of the companion events a pidfd
// target tracker follows: how pidfds are created, copied and closed, how
// processes are born, replaced and die, and how their credentials change.
const (
	EventPidfdSendSignal  = "pidfd_send_signal"
	EventPidfdOpen        = "pidfd_open"
	EventPidfdGetfd       = "pidfd_getfd"
	EventClose            = "close"
	EventCloseRange       = "close_range"
	EventDup              = "dup"
	EventDup2             = "dup2"
	EventDup3             = "dup3"
	EventFcntl            = "fcntl"
	EventClone            = "clone"
	EventClone3           = "clone3"
	EventSchedProcessFork = "sched_process_fork"
	EventSchedProcessExec = "sched_process_exec"
	EventSchedProcessExit = "sched_process_exit"
	EventSetuid           = "setuid"
	EventSetreuid         = "setreuid"
	EventSetresuid        = "setresuid"
	EventKill             = "kill"
)

// ReturnValueField is the name of the int64 argument that Tracee's main branch
// appends after the declared Fields of every system-call event (every
// definition here except the sched_process_* events), holding the call's
// result: a negative errno on failure. It is not one of the Fields because
// Tracee does not declare it and v0.24.1 does not send it (there the result is
// the event's top-level returnValue / trace.Event.ReturnValue).
// Source: getEventData in the main branch's pkg/events/conversion.go.
const ReturnValueField = "returnValue"

// definitionTable is the package's source of truth. Nothing writes to it:
// every accessor hands out deep copies (see cloneDefinition).
//
// Where each number comes from:
//   - LegacyID: the event ID constant of Tracee v0.24.1 (tag v0.24.1, commit
//     b40e7f3f), which v0.24.1 writes as "eventId". For system calls that is
//     pkg/events/core_amd64.go, i.e. the x86_64 syscall number. Caution: an
//     arm64 build of v0.24.1 uses pkg/events/core_arm64.go instead, whose IDs
//     are the arm64 syscall numbers (Syscall.ARM64 here; syscalls arm64 lacks,
//     such as dup2, get 9000+ "Unsupported" IDs there). Only the pidfd_* calls,
//     clone3 and the sched_process_* events carry the same id on both.
//   - ID: the main branch's output id, api/v1beta1/event.proto enum EventId,
//     reached through EventTranslationTable (pkg/events/event_id_translation.go).
//     The enum numbers syscalls x86_64+1 up to rseq = 335 and then packs the
//     asm-generic calls from pidfd_send_signal = 336; non-syscall events sit
//     at 1000+. It is arch-independent. The captures in
//     testdata/tracee-samples confirm 336 and 346.
//   - Syscall: arch/x86/entry/syscalls/syscall_64.tbl and
//     include/uapi/asm-generic/unistd.h, as mirrored by core_amd64.go and
//     core_arm64.go.
//   - Sets and Fields: pkg/events/core.go of v0.24.1; identical in the main
//     branch unless a comment says otherwise.
var definitionTable = [...]Definition{
	{
		Name:     EventPidfdSendSignal,
		LegacyID: 424,
		ID:       336,
		Syscall:  SyscallNumbers{AMD64: 424, ARM64: 424},
		Sets:     []string{"syscalls", "signals"},
		// Main branch: followed by ReturnValueField (int64).
		Fields: []Field{
			{"pidfd", "int32"},
			{"sig", "int32"},
			{"info", "trace.Pointer"}, // the address only; Tracee never reads the siginfo
			{"flags", "uint32"},
		},
	},
	{
		Name:     EventPidfdOpen,
		LegacyID: 434,
		ID:       346,
		Syscall:  SyscallNumbers{AMD64: 434, ARM64: 434},
		Sets:     []string{"syscalls"},
		Fields: []Field{
			{"pid", "int32"},
			{"flags", "uint32"},
		},
	},
	{
		Name:     EventPidfdGetfd,
		LegacyID: 438,
		ID:       350,
		Syscall:  SyscallNumbers{AMD64: 438, ARM64: 438},
		Sets:     []string{"syscalls"},
		Fields: []Field{
			{"pidfd", "int32"},
			{"targetfd", "int32"},
			{"flags", "uint32"},
		},
	},
	{
		Name:     EventClose,
		LegacyID: 3,
		ID:       4,
		Syscall:  SyscallNumbers{AMD64: 3, ARM64: 57},
		Sets:     []string{"syscalls", "fs", "fs_file_ops"},
		Fields: []Field{
			{"fd", "int32"},
		},
	},
	{
		Name:     EventCloseRange,
		LegacyID: 436,
		ID:       348,
		Syscall:  SyscallNumbers{AMD64: 436, ARM64: 436},
		Sets:     []string{"syscalls", "fs", "fs_file_ops"},
		// Tracee does not capture the flags argument (CLOSE_RANGE_CLOEXEC,
		// CLOSE_RANGE_UNSHARE): only the range.
		Fields: []Field{
			{"first", "uint32"},
			{"last", "uint32"},
		},
	},
	{
		Name:     EventDup,
		LegacyID: 32,
		ID:       33,
		Syscall:  SyscallNumbers{AMD64: 32, ARM64: 23},
		Sets:     []string{"syscalls", "fs", "fs_fd_ops"},
		Fields: []Field{
			{"oldfd", "int32"},
		},
	},
	{
		Name:     EventDup2,
		LegacyID: 33,
		ID:       34,
		// arm64 has no dup2 system call; C libraries emulate it with dup3.
		Syscall: SyscallNumbers{AMD64: 33, ARM64: NoSyscall},
		Sets:    []string{"syscalls", "fs", "fs_fd_ops"},
		Fields: []Field{
			{"oldfd", "int32"},
			{"newfd", "int32"},
		},
	},
	{
		Name:     EventDup3,
		LegacyID: 292,
		ID:       293,
		Syscall:  SyscallNumbers{AMD64: 292, ARM64: 24},
		Sets:     []string{"syscalls", "fs", "fs_fd_ops"},
		Fields: []Field{
			{"oldfd", "int32"},
			{"newfd", "int32"},
			{"flags", "int32"},
		},
	},
	{
		Name:     EventFcntl,
		LegacyID: 72,
		ID:       73,
		Syscall:  SyscallNumbers{AMD64: 72, ARM64: 25},
		Sets:     []string{"syscalls", "fs", "fs_fd_ops"},
		Fields: []Field{
			{"fd", "int32"},
			{"cmd", "int32"},
			{"arg", "uint64"},
		},
	},
	{
		Name:     EventClone,
		LegacyID: 56,
		ID:       57,
		Syscall:  SyscallNumbers{AMD64: 56, ARM64: 220},
		Sets:     []string{"syscalls", "proc", "proc_life"},
		// With CLONE_PIDFD the kernel stores the new pidfd at the address in
		// parent_tid (clone3: at cl_args.pidfd); Tracee reports the addresses,
		// never the fd number.
		Fields: []Field{
			{"flags", "uint64"},
			{"stack", "trace.Pointer"},
			{"parent_tid", "trace.Pointer"},
			{"child_tid", "trace.Pointer"},
			{"tls", "uint64"},
		},
	},
	{
		Name:     EventClone3,
		LegacyID: 435,
		ID:       347,
		Syscall:  SyscallNumbers{AMD64: 435, ARM64: 435},
		Sets:     []string{"syscalls", "proc", "proc_life"},
		Fields: []Field{
			{"cl_args", "trace.Pointer"},
			{"size", "uint64"},
		},
	},
	{
		Name: EventSchedProcessFork,
		// v0.24.1: NetPacketBase = 700 counts up through NetPacketRaw ...
		// SysEnter, SysExit to SchedProcessFork = 714 (the main branch keeps
		// 714 internally but emits the proto id).
		LegacyID: 714,
		ID:       1013,
		Syscall:  SyscallNumbers{AMD64: NoSyscall, ARM64: NoSyscall},
		Sets:     []string{},
		// The parent_process_* and leader_* fields are filled when the process
		// tree source is enabled for fork events (OPT_PROCESS_FORK). Main
		// branch: the time.Time fields travel as uint64 nanoseconds in its
		// protobuf-style JSON.
		Fields: []Field{
			{"parent_tid", "int32"},
			{"parent_ns_tid", "int32"},
			{"parent_pid", "int32"},
			{"parent_ns_pid", "int32"},
			{"parent_start_time", "time.Time"},
			{"child_tid", "int32"},
			{"child_ns_tid", "int32"},
			{"child_pid", "int32"},
			{"child_ns_pid", "int32"},
			{"start_time", "time.Time"},
			{"parent_process_tid", "int32"},
			{"parent_process_ns_tid", "int32"},
			{"parent_process_pid", "int32"},
			{"parent_process_ns_pid", "int32"},
			{"parent_process_start_time", "time.Time"},
			{"leader_tid", "int32"},
			{"leader_ns_tid", "int32"},
			{"leader_pid", "int32"},
			{"leader_ns_pid", "int32"},
			{"leader_start_time", "time.Time"},
		},
	},
	{
		Name:     EventSchedProcessExec,
		LegacyID: 715,
		ID:       1014,
		Syscall:  SyscallNumbers{AMD64: NoSyscall, ARM64: NoSyscall},
		Sets:     []string{"default", "proc"},
		Fields: []Field{
			{"cmdpath", "string"},
			{"pathname", "string"},
			{"dev", "uint32"},
			{"inode", "uint64"},
			{"ctime", "uint64"},
			{"inode_mode", "uint16"},
			{"interpreter_pathname", "string"},
			{"interpreter_dev", "uint32"},
			{"interpreter_inode", "uint64"},
			{"interpreter_ctime", "uint64"},
			{"argv", "[]string"},
			{"interp", "string"},
			{"stdin_type", "uint16"},
			{"stdin_path", "string"},
			{"invoked_from_kernel", "bool"},
			{"prev_comm", "string"},
			{"env", "[]string"},
			{"pwd", "string"},
		},
	},
	{
		Name:     EventSchedProcessExit,
		LegacyID: 716,
		ID:       1015,
		Syscall:  SyscallNumbers{AMD64: NoSyscall, ARM64: NoSyscall},
		Sets:     []string{"proc", "proc_life"},
		Fields: []Field{
			{"exit_code", "int32"},
			{"signal_code", "int32"},
			// True when every thread of the process has exited.
			{"process_group_exit", "bool"},
		},
	},
	{
		Name:     EventSetuid,
		LegacyID: 105,
		ID:       106,
		Syscall:  SyscallNumbers{AMD64: 105, ARM64: 146},
		Sets:     []string{"default", "syscalls", "proc", "proc_ids"},
		Fields: []Field{
			{"uid", "int32"},
		},
	},
	{
		Name:     EventSetreuid,
		LegacyID: 113,
		ID:       114,
		Syscall:  SyscallNumbers{AMD64: 113, ARM64: 145},
		Sets:     []string{"default", "syscalls", "proc", "proc_ids"},
		Fields: []Field{
			{"ruid", "int32"},
			{"euid", "int32"},
		},
	},
	{
		Name:     EventSetresuid,
		LegacyID: 117,
		ID:       118,
		Syscall:  SyscallNumbers{AMD64: 117, ARM64: 147},
		Sets:     []string{"default", "syscalls", "proc", "proc_ids"},
		Fields: []Field{
			{"ruid", "int32"},
			{"euid", "int32"},
			{"suid", "int32"},
		},
	},
	{
		Name:     EventKill,
		LegacyID: 62,
		ID:       63,
		Syscall:  SyscallNumbers{AMD64: 62, ARM64: 129},
		Sets:     []string{"syscalls", "signals"},
		Fields: []Field{
			{"pid", "int32"},
			{"sig", "int32"},
		},
	},
}

// SendSignalDefinition returns the definition of Tracee's pidfd_send_signal
// event.
func SendSignalDefinition() Definition {
	def, _ := Lookup(EventPidfdSendSignal)
	return def
}

// Definitions returns every event definition this package knows, as copies
// the caller may modify.
func Definitions() []Definition {
	defs := make([]Definition, len(definitionTable))
	for i := range definitionTable {
		defs[i] = cloneDefinition(&definitionTable[i])
	}
	return defs
}

// Lookup returns the definition of the Tracee event called name. Prefer it to
// the id lookups: names are the same in every Tracee version and on every
// architecture.
func Lookup(name string) (Definition, bool) {
	return find(func(d *Definition) bool { return d.Name == name })
}

// LookupID returns the definition whose main-branch id ("id" in the
// protobuf-style JSON output) is id.
func LookupID(id int32) (Definition, bool) {
	return find(func(d *Definition) bool { return d.ID == id })
}

// LookupLegacyID returns the definition whose Tracee v0.24.1 id ("eventId" in
// the legacy JSON output) is id. The legacy numbering is that of an amd64
// build; an arm64 build of v0.24.1 numbers system-call events by their arm64
// syscall number, so its ids must not be looked up here.
func LookupLegacyID(id int32) (Definition, bool) {
	return find(func(d *Definition) bool { return d.LegacyID == id })
}

// find returns a copy of the first definition match accepts.
func find(match func(*Definition) bool) (Definition, bool) {
	for i := range definitionTable {
		if match(&definitionTable[i]) {
			return cloneDefinition(&definitionTable[i]), true
		}
	}
	return Definition{}, false
}

// cloneDefinition returns a copy of d that shares no memory with it, so no
// caller can reach into definitionTable.
func cloneDefinition(d *Definition) Definition {
	c := *d
	c.Sets = slices.Clone(d.Sets)
	c.Fields = slices.Clone(d.Fields)
	return c
}
