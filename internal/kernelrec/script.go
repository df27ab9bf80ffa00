//go:build linux

package kernelrec

import (
	"path/filepath"

	"golang.org/x/sys/unix"
)

// The operations of a Step.
const (
	OpPidfdOpen       = "pidfd_open"
	OpPidfdSendSignal = "pidfd_send_signal"
	OpClose           = "close"
	OpDup             = "dup"
	OpDup2            = "dup2"
	OpDup3            = "dup3"
	OpPidfdGetfd      = "pidfd_getfd"
	OpSetresuid       = "setresuid"
	OpSpawn           = "spawn"     // start a process (fork and exec), see Spawn
	OpExec            = "exec"      // replace the helper by a program
	OpPause           = "pause"     // let the parent go on until it resumes us
	OpResume          = "resume"    // let a paused child go on
	OpWaitExit        = "wait_exit" // wait until a child has ended
)

// Step is one thing a process of a recording does: a system call that is
// recorded, or the management of the processes around it. Steps are data,
// so that they can be handed to a re-executed helper as JSON. Build them
// with the functions below rather than by hand.
//
// File descriptors are named: a step that creates one saves it under a slot
// name (Save), later steps use it by that name (Slot), or by number (FD)
// for the special pidfds and for fds a helper inherited.
type Step struct {
	Op   string `json:"op"`
	Slot string `json:"slot,omitempty"`
	FD   *int32 `json:"fd,omitempty"`
	Save string `json:"save,omitempty"`
	// Target names the process a pidfd_open opens: a process this one
	// started, or one its parent started (the parent fills Pid in then,
	// with the pid as the parent sees it). Resume and WaitExit name a child
	// here too.
	Target string `json:"target,omitempty"`
	Pid    *int32 `json:"pid,omitempty"`
	Self   bool   `json:"self,omitempty"` // pidfd_open(getpid())

	Sig     int32  `json:"sig,omitempty"`
	Flags   uint32 `json:"flags,omitempty"`
	SiCode  *int32 `json:"si_code,omitempty"`  // non-nil: pass a siginfo with this si_code
	NewFD   int32  `json:"newfd,omitempty"`    // dup3: the fd number to duplicate onto
	NewSlot string `json:"new_slot,omitempty"` // dup2: the slot whose fd to duplicate onto
	DupFl   int32  `json:"dup_flags,omitempty"`

	// pidfd_getfd copies fd RemoteSlot of child RemoteOf, through the
	// pidfd in Slot.
	RemoteOf   string `json:"remote_of,omitempty"`
	RemoteSlot string `json:"remote_slot,omitempty"`

	UIDs [3]int32 `json:"uids,omitzero"` // setresuid(ruid, euid, suid)

	Spawn *Spawn `json:"spawn,omitempty"`

	Path string   `json:"path,omitempty"` // exec
	Argv []string `json:"argv,omitempty"`
}

// Spawn describes a process to start.
type Spawn struct {
	// Name is how later steps refer to the process.
	Name string `json:"name"`
	// Path and Argv name a program to run; without Path the process is a
	// helper (this test binary again) acting out Script.
	Path   string   `json:"path,omitempty"`
	Argv   []string `json:"argv,omitempty"`
	Script []Step   `json:"script,omitempty"`
	// Inherit lists slots whose fds the helper starts with, under the same
	// names and numbers. They must not be close-on-exec (pidfd_open's fds
	// are; a dup's are not).
	Inherit []string `json:"inherit,omitempty"`
	// NewPidNS starts the process in new pid and mount namespaces
	// (CLONE_NEWPID|CLONE_NEWNS), as a container runtime would, where it is
	// pid 1. /proc stays the host's.
	NewPidNS bool `json:"new_pid_ns,omitempty"`
	// Setpgid makes the process the leader of a new process group, or with
	// GroupOf a member of the group that the named process leads.
	Setpgid bool   `json:"setpgid,omitempty"`
	GroupOf string `json:"group_of,omitempty"`
}

// OpenPid opens a pidfd to the named process (pidfd_open(pid, 0)) and saves
// it in slot save.
func OpenPid(save, target string) Step {
	return Step{Op: OpPidfdOpen, Save: save, Target: target}
}

// OpenPidNumber opens a pidfd to pid, a number as the caller sees it.
func OpenPidNumber(save string, pid int32) Step {
	return Step{Op: OpPidfdOpen, Save: save, Pid: &pid}
}

// OpenSelf opens a pidfd to the caller itself, as the Go runtime does at
// its first use of os.Process.
func OpenSelf(save string) Step {
	return Step{Op: OpPidfdOpen, Save: save, Self: true}
}

// Send sends sig through the pidfd in slot, with NULL info and flags 0.
func Send(slot string, sig unix.Signal) Step {
	return Step{Op: OpPidfdSendSignal, Slot: slot, Sig: int32(sig)}
}

// SendFlags sends sig through the pidfd in slot with flags.
func SendFlags(slot string, sig unix.Signal, flags uint32) Step {
	return Step{Op: OpPidfdSendSignal, Slot: slot, Sig: int32(sig), Flags: flags}
}

// SendInfo sends sig through the pidfd in slot with a siginfo whose si_code
// is siCode.
func SendInfo(slot string, sig unix.Signal, siCode int32) Step {
	return Step{Op: OpPidfdSendSignal, Slot: slot, Sig: int32(sig), SiCode: &siCode}
}

// SendFD sends sig through pidfd number fd: PIDFD_SELF_THREAD,
// PIDFD_SELF_THREAD_GROUP or an inherited fd.
func SendFD(fd int32, sig unix.Signal) Step {
	return Step{Op: OpPidfdSendSignal, FD: &fd, Sig: int32(sig)}
}

// Close closes the fd in slot.
func Close(slot string) Step { return Step{Op: OpClose, Slot: slot} }

// Dup duplicates the fd in slot (the copy is not close-on-exec).
func Dup(slot, save string) Step { return Step{Op: OpDup, Slot: slot, Save: save} }

// Dup2 duplicates the fd in slot onto the fd in slot onto, which the
// kernel closes first; the result is saved in slot save.
func Dup2(slot, onto, save string) Step {
	return Step{Op: OpDup2, Slot: slot, NewSlot: onto, Save: save}
}

// Dup3 duplicates the fd in slot onto newfd with flags (0 or O_CLOEXEC).
func Dup3(slot string, newfd, flags int32, save string) Step {
	return Step{Op: OpDup3, Slot: slot, NewFD: newfd, DupFl: flags, Save: save}
}

// GetFD copies fd remoteSlot of child process, through the pidfd in
// pidfdSlot (pidfd_getfd(pidfd, targetfd, 0)), into slot save.
func GetFD(save, pidfdSlot, process, remoteSlot string) Step {
	return Step{Op: OpPidfdGetfd, Save: save, Slot: pidfdSlot, RemoteOf: process, RemoteSlot: remoteSlot}
}

// Setresuid sets the calling thread's real, effective and saved uids. A
// helper that is still root sets its groups and gids first (setgroups to
// none, setresgid to the same three ids), which are not recorded.
func Setresuid(ruid, euid, suid int32) Step {
	return Step{Op: OpSetresuid, UIDs: [3]int32{ruid, euid, suid}}
}

// Exec replaces the helper by program path with argv.
func Exec(path string, argv ...string) Step {
	return Step{Op: OpExec, Path: path, Argv: argv}
}

// Pause stops a helper until its parent resumes it: the parent's Spawn (or
// Resume) step returns, and the helper keeps running.
func Pause() Step { return Step{Op: OpPause} }

// Resume lets the paused child name go on, and waits for it to pause again
// or end.
func Resume(name string) Step { return Step{Op: OpResume, Target: name} }

// WaitExit waits until the child name has ended and its exit is recorded.
func WaitExit(name string) Step { return Step{Op: OpWaitExit, Target: name} }

// targetArgs are the arguments of every idle target: long enough for any
// recording, short enough not to linger if a recording is interrupted.
var targetArgs = []string{"300"}

// SpawnTarget starts an idle process, program path (such as sleep, or a
// copy of it named like a security agent) running as uid: directly when
// uid is 0, else through a helper that calls setresuid(uid, uid, uid) and
// then execs it, so that the uid change is itself observed.
func SpawnTarget(name string, uid int32, path string) Step {
	argv := append([]string{filepath.Base(path)}, targetArgs...)
	if uid == 0 {
		return Step{Op: OpSpawn, Spawn: &Spawn{Name: name, Path: path, Argv: argv}}
	}
	return SpawnHelper(name, Setresuid(uid, uid, uid), Exec(path, argv...))
}

// SpawnHelper starts a helper acting out steps. The Spawn step returns when
// the helper has ended, paused or exec'd another program.
func SpawnHelper(name string, steps ...Step) Step {
	return Step{Op: OpSpawn, Spawn: &Spawn{Name: name, Script: steps}}
}

// InNewPidNS returns a copy of spawn step s that starts its process in new
// pid and mount namespaces.
func (s Step) InNewPidNS() Step {
	return s.withSpawn(func(sp *Spawn) { sp.NewPidNS = true })
}

// Inheriting returns a copy of spawn step s whose helper starts with the
// fds of the given slots.
func (s Step) Inheriting(slots ...string) Step {
	return s.withSpawn(func(sp *Spawn) { sp.Inherit = append(sp.Inherit, slots...) })
}

// GroupLeader returns a copy of spawn step s whose process leads a new
// process group.
func (s Step) GroupLeader() Step {
	return s.withSpawn(func(sp *Spawn) { sp.Setpgid = true })
}

// InGroupOf returns a copy of spawn step s whose process joins the process
// group that process leader leads.
func (s Step) InGroupOf(leader string) Step {
	return s.withSpawn(func(sp *Spawn) { sp.Setpgid, sp.GroupOf = true, leader })
}

func (s Step) withSpawn(change func(*Spawn)) Step {
	if s.Spawn == nil {
		panic("kernelrec: " + s.Op + " is not a spawn step")
	}
	sp := *s.Spawn
	change(&sp)
	s.Spawn = &sp
	return s
}
