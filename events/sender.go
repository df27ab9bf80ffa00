package events

import "github.com/aquasecurity/tracee/types/trace"

// Process identifies the process that made a call, from the event context
// Tracee attaches to every event.
type Process struct {
	HostPID       int32  // tgid in the initial pid namespace
	HostTID       int32  // thread id in the initial pid namespace
	PID           int32  // tgid in the caller's own pid namespace
	TID           int32  // thread id in the caller's own pid namespace
	HostParentPID int32  // parent's tgid in the initial pid namespace
	UID           uint32 // the caller's uid as Tracee reports it
	PidNS         uint32 // pid namespace inode number
	MountNS       uint32 // mount namespace inode number
	Comm          string // thread name (comm)
	Exe           string // executable path, when Tracee knows it
	ContainerID   string // container id, "" on the host
	EntityID      uint32 // Tracee's process entity id (hash of start time and pid)
	ThreadEntity  uint32 // Tracee's thread entity id
	ParentEntity  uint32 // Tracee's parent process entity id
}

// ProcessOf returns the process context of ev. Values out of their type's
// range are not wrapped: pids and namespaces become 0 (unknown) and the uid
// becomes InvalidUID, never 0, which would read as root.
func ProcessOf(ev *trace.Event) Process {
	containerID := ev.Container.ID
	if containerID == "" {
		containerID = ev.ContainerID
	}
	return Process{
		HostPID:       clampInt32(ev.HostProcessID),
		HostTID:       clampInt32(ev.HostThreadID),
		PID:           clampInt32(ev.ProcessID),
		TID:           clampInt32(ev.ThreadID),
		HostParentPID: clampInt32(ev.HostParentProcessID),
		UID:           uidOf(ev.UserID),
		PidNS:         clampUint32(ev.PIDNS),
		MountNS:       clampUint32(ev.MountNS),
		Comm:          ev.ProcessName,
		Exe:           ev.Executable.Path,
		ContainerID:   containerID,
		EntityID:      ev.ProcessEntityId,
		ThreadEntity:  ev.ThreadEntityId,
		ParentEntity:  ev.ParentEntityId,
	}
}

// InContainer reports whether the process runs in a container Tracee knows.
func (p Process) InContainer() bool { return p.ContainerID != "" }

func clampInt32(n int) int32 {
	if n < -1<<31 || n > 1<<31-1 {
		return 0
	}
	return int32(n)
}

// InvalidUID is (uid_t)-1, the kernel's "no uid", used for a uid that is
// missing or out of range.
const InvalidUID uint32 = 1<<32 - 1

func uidOf(n int) uint32 {
	if n < 0 || n > 1<<32-1 {
		return InvalidUID
	}
	return uint32(n)
}

func clampUint32(n int) uint32 {
	if n < 0 || n > 1<<32-1 {
		return 0
	}
	return uint32(n)
}
