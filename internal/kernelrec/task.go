//go:build linux

package kernelrec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// userHZ is USER_HZ, the unit of the start times in /proc/PID/stat. It is
// 100 on every architecture Tracee supports.
const userHZ = 100

// rootCgroupID is the id of the root of the cgroup v2 hierarchy, which is
// what bpf_get_current_cgroup_id, and so Tracee's cgroupId, reports for a
// task outside any cgroup v2 group (the real captures show 1).
const rootCgroupID = 1

// Task is one thread as Tracee's event context describes it, read from
// /proc while the thread is alive.
type Task struct {
	HostPID  int32 `json:"host_pid"`  // tgid in the initial pid namespace
	HostTID  int32 `json:"host_tid"`  // tid in the initial pid namespace
	PID      int32 `json:"pid"`       // tgid in the task's own pid namespace
	TID      int32 `json:"tid"`       // tid in the task's own pid namespace
	HostPPID int32 `json:"host_ppid"` // parent process in the initial namespace
	// PPID is the parent process in the task's own pid namespace: 0 when
	// the parent is outside it (the first process of a namespace).
	PPID int32  `json:"ppid"`
	UID  uint32 `json:"uid"` // real uid, as bpf_get_current_uid_gid gives it
	Comm string `json:"comm"`
	Exe  string `json:"exe"`
	// PidNS and MntNS are the inode numbers of /proc/PID/ns/pid and mnt.
	PidNS    uint32 `json:"pid_ns"`
	MntNS    uint32 `json:"mnt_ns"`
	CgroupID uint64 `json:"cgroup_id"`
	HostName string `json:"host_name"`
	CPU      int32  `json:"cpu"` // the CPU the thread last ran on
	// Start times in nanoseconds since the epoch: of the thread, of its
	// thread group leader and of its parent process's leader. /proc gives
	// them in clock ticks (10 ms); Tracee reads them in nanoseconds from
	// the task_struct, but rounds them to 100 ms before hashing entity ids.
	StartTime       int64 `json:"start_time"`
	LeaderStartTime int64 `json:"leader_start_time"`
	ParentStartTime int64 `json:"parent_start_time"`
}

// BootEpoch returns the time of boot in nanoseconds since the epoch, as
// CLOCK_REALTIME minus CLOCK_BOOTTIME. Tracee converts its boot-relative
// times the same way. Every process of one recording must use the same
// value, so that start times, and the entity ids hashed from them, agree.
func BootEpoch() (int64, error) {
	var real, boot unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &boot); err != nil {
		return 0, fmt.Errorf("clock_gettime(CLOCK_BOOTTIME): %w", err)
	}
	if err := unix.ClockGettime(unix.CLOCK_REALTIME, &real); err != nil {
		return 0, fmt.Errorf("clock_gettime(CLOCK_REALTIME): %w", err)
	}
	return real.Nano() - boot.Nano(), nil
}

// SelfTask returns the calling thread. The caller should have locked its
// goroutine to the thread (runtime.LockOSThread) for the answer to stay
// true.
func SelfTask(bootEpoch int64) (Task, error) {
	// /proc is the host's procfs even in a new pid namespace (it is not
	// remounted), so its "self" names the host pid.
	link, err := os.Readlink("/proc/thread-self")
	if err != nil {
		return Task{}, err
	}
	var pid, tid int
	if _, err := fmt.Sscanf(link, "%d/task/%d", &pid, &tid); err != nil {
		return Task{}, fmt.Errorf("/proc/thread-self -> %q: %w", link, err)
	}
	return SnapshotTask(pid, tid, bootEpoch)
}

// SnapshotTask reads thread hostTID of process hostPID from /proc.
func SnapshotTask(hostPID, hostTID int, bootEpoch int64) (Task, error) {
	proc := "/proc/" + strconv.Itoa(hostPID)
	thread := proc + "/task/" + strconv.Itoa(hostTID)
	t := Task{HostPID: int32(hostPID), HostTID: int32(hostTID)}

	st, err := readStat(thread + "/stat")
	if err != nil {
		return Task{}, err
	}
	t.Comm, t.CPU, t.StartTime = st.comm, st.processor, ticksToEpoch(st.startTicks, bootEpoch)
	t.HostPPID = st.ppid

	status, err := readStatus(thread + "/status")
	if err != nil {
		return Task{}, err
	}
	t.UID = status.uid
	t.PID, t.TID = last(status.nsTgid), last(status.nsPid)

	leader, err := readStat(proc + "/stat")
	if err != nil {
		return Task{}, err
	}
	t.LeaderStartTime = ticksToEpoch(leader.startTicks, bootEpoch)

	if err := t.readParent(len(status.nsTgid)-1, bootEpoch); err != nil {
		return Task{}, err
	}
	if t.Exe, err = os.Readlink(proc + "/exe"); err != nil {
		return Task{}, err
	}
	if t.PidNS, err = nsInode(proc + "/ns/pid"); err != nil {
		return Task{}, err
	}
	if t.MntNS, err = nsInode(proc + "/ns/mnt"); err != nil {
		return Task{}, err
	}
	if t.CgroupID, err = cgroupID(proc + "/cgroup"); err != nil {
		return Task{}, err
	}
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return Task{}, err
	}
	// The recorder never unshares the UTS namespace, so the reader's host
	// name is the task's.
	t.HostName = unix.ByteSliceToString(uts.Nodename[:])
	return t, nil
}

// readParent fills the parent's start time and its pid in the task's own
// namespace, which sits at nsLevel in the parent's NStgid list.
func (t *Task) readParent(nsLevel int, bootEpoch int64) error {
	if t.HostPPID == 0 {
		return nil
	}
	parent := "/proc/" + strconv.Itoa(int(t.HostPPID))
	st, err := readStat(parent + "/stat")
	if err != nil {
		return fmt.Errorf("parent of %d: %w", t.HostPID, err)
	}
	t.ParentStartTime = ticksToEpoch(st.startTicks, bootEpoch)
	status, err := readStatus(parent + "/status")
	if err != nil {
		return fmt.Errorf("parent of %d: %w", t.HostPID, err)
	}
	if nsLevel < len(status.nsTgid) {
		t.PPID = status.nsTgid[nsLevel]
	}
	return nil
}

func ticksToEpoch(ticks uint64, bootEpoch int64) int64 {
	return int64(ticks)*(1e9/userHZ) + bootEpoch
}

func last(ids []int32) int32 {
	if len(ids) == 0 {
		return 0
	}
	return ids[len(ids)-1]
}

// procStat holds the fields of /proc/PID/stat the recorder uses.
type procStat struct {
	comm       string
	ppid       int32
	startTicks uint64
	processor  int32
}

// readStat parses /proc/PID[/task/TID]/stat. The comm may contain spaces and
// parentheses, so the fields are counted from the last ')'.
func readStat(path string) (procStat, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return procStat{}, err
	}
	open, end := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if open < 0 || end < open {
		return procStat{}, fmt.Errorf("%s: no comm in %q", path, data)
	}
	// fields[0] is field 3 (state) of proc_pid_stat(5).
	fields := strings.Fields(string(data[end+1:]))
	const ppidField, startField, cpuField = 4, 22, 39
	if len(fields) < cpuField-2 {
		return procStat{}, fmt.Errorf("%s: %d fields", path, len(fields)+2)
	}
	st := procStat{comm: string(data[open+1 : end])}
	var errs [3]error
	var n int64
	n, errs[0] = strconv.ParseInt(fields[ppidField-3], 10, 32)
	st.ppid = int32(n)
	st.startTicks, errs[1] = strconv.ParseUint(fields[startField-3], 10, 64)
	n, errs[2] = strconv.ParseInt(fields[cpuField-3], 10, 32)
	st.processor = int32(n)
	if err := errors.Join(errs[:]...); err != nil {
		return procStat{}, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// procStatus holds the lines of /proc/PID/status the recorder uses.
type procStatus struct {
	uid    uint32  // real uid
	nsTgid []int32 // tgid in each pid namespace, the host's first
	nsPid  []int32 // tid in each pid namespace, the host's first
}

func readStatus(path string) (procStatus, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return procStatus{}, err
	}
	var st procStatus
	var seen int
	for line := range strings.Lines(string(data)) {
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fields := strings.Fields(value)
		switch key {
		case "Uid":
			if len(fields) == 0 {
				return procStatus{}, fmt.Errorf("%s: empty Uid line", path)
			}
			n, err := strconv.ParseUint(fields[0], 10, 32)
			if err != nil {
				return procStatus{}, fmt.Errorf("%s: Uid: %w", path, err)
			}
			st.uid = uint32(n)
		case "NStgid":
			st.nsTgid, err = parseIDs(fields)
		case "NSpid":
			st.nsPid, err = parseIDs(fields)
		default:
			continue
		}
		if err != nil {
			return procStatus{}, fmt.Errorf("%s: %s: %w", path, key, err)
		}
		seen++
	}
	if seen != 3 {
		return procStatus{}, fmt.Errorf("%s: want Uid, NStgid and NSpid lines", path)
	}
	return st, nil
}

func parseIDs(fields []string) ([]int32, error) {
	ids := make([]int32, len(fields))
	for i, f := range fields {
		n, err := strconv.ParseInt(f, 10, 32)
		if err != nil {
			return nil, err
		}
		ids[i] = int32(n)
	}
	return ids, nil
}

// nsInode returns the inode number of a namespace link such as
// "pid:[4026531836]".
func nsInode(path string) (uint32, error) {
	link, err := os.Readlink(path)
	if err != nil {
		return 0, err
	}
	_, rest, ok := strings.Cut(link, ":[")
	n, err := strconv.ParseUint(strings.TrimSuffix(rest, "]"), 10, 32)
	if !ok || err != nil {
		return 0, fmt.Errorf("%s -> %q: not a namespace link", path, link)
	}
	return uint32(n), nil
}

// cgroupID returns the id of the task's cgroup v2 group (the "0::" line of
// /proc/PID/cgroup): 1 for the root, else the kernfs id that
// name_to_handle_at reports for its directory under the cgroup2 mount at
// /sys/fs/cgroup or /sys/fs/cgroup/unified. 0 when that cannot be read.
func cgroupID(path string) (uint64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		group, ok := strings.CutPrefix(strings.TrimSpace(line), "0::")
		if !ok {
			continue
		}
		if group == "/" {
			return rootCgroupID, nil
		}
		for _, mount := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
			if id, ok := cgroupDirID(filepath.Join(mount, group)); ok {
				return id, nil
			}
		}
		return 0, nil
	}
	return 0, nil
}

func cgroupDirID(dir string) (uint64, bool) {
	var fs unix.Statfs_t
	if unix.Statfs(dir, &fs) != nil || fs.Type != unix.CGROUP2_SUPER_MAGIC {
		return 0, false
	}
	// A kernfs file handle is the node id, which is the cgroup id.
	handle, _, err := unix.NameToHandleAt(unix.AT_FDCWD, dir, 0)
	if err != nil || len(handle.Bytes()) < 8 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(handle.Bytes()), true
}
