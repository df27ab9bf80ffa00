//go:build linux

package kernelrec

// The kinds of Report.
const (
	KindCall = "call" // a system call: Call is set
	KindFork = "fork" // a process started another: Child is set
	KindExec = "exec" // a process replaced its program: Exec is set
	KindExit = "exit" // a process ended: Exit is set
)

// Call is one system call as the process that made it saw it.
type Call struct {
	// Event is the Tracee event name, which is the system call's name.
	Event string `json:"event"`
	// Args are the arguments in the order of the event definition's fields.
	Args []int64 `json:"args"`
	// Ret is the result: the value returned, or -errno on failure.
	Ret int64 `json:"ret"`
	// Time is CLOCK_REALTIME in nanoseconds, read just before the call.
	Time int64 `json:"time"`
	// CPU is the CPU the call ran on, read with getcpu(2) just after it.
	CPU int32 `json:"cpu"`
	// UID is the caller's real uid read just after the call: Tracee reads
	// the event context at sys_exit, so a setresuid event carries the new
	// uid.
	UID uint32 `json:"uid"`
	// Save is the script slot the call's result was saved under, if any.
	Save string `json:"save,omitempty"`
}

// ExecInfo holds what Tracee's sched_process_exec event says about the new
// program.
type ExecInfo struct {
	CmdPath  string `json:"cmdpath"`  // the path given to execve
	PathName string `json:"pathname"` // the file's path as the kernel resolved it
	Dev      uint32 `json:"dev"`      // the file system's device, kernel encoding (major<<20 | minor)
	Inode    uint64 `json:"inode"`
	Ctime    uint64 `json:"ctime"` // inode change time, ns since the epoch
	Mode     uint16 `json:"mode"`  // st_mode of the file
	// The ELF interpreter (PT_INTERP) the kernel loaded, or the program
	// itself when it has none: Tracee's load_elf_phdrs probe keeps the last
	// ELF file loaded.
	InterpreterPath  string   `json:"interpreter_pathname"`
	InterpreterDev   uint32   `json:"interpreter_dev"`
	InterpreterInode uint64   `json:"interpreter_inode"`
	InterpreterCtime uint64   `json:"interpreter_ctime"`
	Argv             []string `json:"argv"`
	// Interp is bprm->interp: CmdPath for an ELF program.
	Interp    string `json:"interp"`
	StdinType uint16 `json:"stdin_type"` // S_IFMT bits of standard input
	StdinPath string `json:"stdin_path"`
	PrevComm  string `json:"prev_comm"` // comm before the exec
	Pwd       string `json:"pwd"`
}

// ExitInfo holds what Tracee's sched_process_exit event says.
type ExitInfo struct {
	Code   int32 `json:"exit_code"`   // exit status, 0 when killed by a signal
	Signal int32 `json:"signal_code"` // the signal that killed it, else 0
	// Syscall is the system call the process was in when it ended:
	// "exit_group" for a normal exit, "" when a signal killed it (the
	// recorder does not know what the process was doing).
	Syscall string `json:"syscall"`
}

// Report is what a process tells the recorder about one event. Reports
// travel as JSON lines from each process up to the one running the Recorder.
type Report struct {
	Kind string `json:"kind"`
	// Time is when the event happened, in nanoseconds since the epoch. For
	// calls it equals Call.Time; for forks it is read just before the
	// fork; for execs just before execve (or, for a process the recorder
	// started itself, when the start returned after the exec); for exits
	// when the parent's wait4 returned.
	Time int64 `json:"time"`
	// Task is the caller, the forking thread, the process after its exec
	// or the exiting process.
	Task Task `json:"task"`
	// CPU is the CPU the event ran on (for a fork, the parent's).
	CPU   int32 `json:"cpu"`
	Call  *Call `json:"call,omitempty"`
	Child *Task `json:"child,omitempty"`
	// Name is the name the script gave the started process (fork only).
	// It is not part of any event: Recorder.Names hands it to readers.
	Name string    `json:"name,omitempty"`
	Exec *ExecInfo `json:"exec,omitempty"`
	Exit *ExitInfo `json:"exit,omitempty"`
	// Err carries a helper's failure (kind "error"), never an errno: the
	// kernel's refusals are results, in Call.Ret.
	Err string `json:"err,omitempty"`
}
