package target

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Reasons a live lookup gives.
const (
	reasonLiveBadQuery     = "invalid live query"
	reasonLiveSenderGone   = "sender process is gone"
	reasonLiveSenderReused = "sender pid now belongs to another process"
	reasonLiveFDClosed     = "fd not open in the sender"
	reasonLiveNotPidfd     = "fd is not a pidfd"
	reasonLiveReaped       = "target exited and was reaped; its identity is gone"
	reasonLiveOutsideNS    = "target outside the pid namespace of the procfs"
	reasonLiveRace         = "target changed during the lookup"
	reasonLiveUnreadable   = "procfs unreadable"
)

// startTolerance bounds the disagreement between Tracee's thread start
// time and the one derived from procfs: /proc/stat's btime is whole seconds
// and start times count clock ticks.
const startTolerance = 2 * time.Second

// userHZ is the unit of start times in /proc/PID/stat (USER_HZ, 100 on
// every architecture Tracee supports).
const userHZ = 100

// oExcl is O_EXCL as /proc/PID/fdinfo prints it in "flags:" (octal 0200):
// the mark of a PIDFD_THREAD pidfd.
const oExcl = 0o200

// procfsResolver is the LiveResolver of NewProcfsResolver.
type procfsResolver struct {
	root string
	// pidfdInfo: try pidfd_getfd and PIDFD_GET_INFO first. Only for the
	// real /proc: they act on live processes, not on files under root.
	pidfdInfo bool
	infoOnce  sync.Once
	infoOK    bool
	// boot is btime, read once: reading <root>/stat makes the kernel sum
	// every CPU's and interrupt's counters, the dearest read of a lookup.
	// Tracee too takes the boot time once, at start.
	bootOnce sync.Once
	boot     int64
	bootErr  error
}

// NewProcfsResolver returns a LiveResolver reading the procfs mounted at
// root ("" means "/proc"). For the real /proc it first tries pidfd_getfd
// and ioctl(PIDFD_GET_INFO) (Linux 6.13+, and needs ptrace rights over the
// sender, i.e. root), which name the target of the very pidfd the sender
// holds; it falls back to /proc/PID/fdinfo/FD and /proc/TARGET/status.
// Host pids come out only when this process runs in the initial pid
// namespace, as Tracee itself does. Another root is read as files only,
// which is what tests use.
func NewProcfsResolver(root string) LiveResolver {
	if root == "" {
		root = "/proc"
	}
	root = filepath.Clean(root)
	return &procfsResolver{root: root, pidfdInfo: root == "/proc"}
}

// Lookup implements LiveResolver.
func (r *procfsResolver) Lookup(q LiveQuery) Target {
	if q.HostPID <= 0 || q.FD < 0 {
		return Target{Reason: reasonLiveBadQuery}
	}
	if r.pidfdInfo && r.pidfdInfoSupported() {
		if tg, ok := r.viaPidfdInfo(q); ok {
			return tg
		}
	}
	if reason := r.checkSender(q); reason != "" {
		return Target{Reason: reason}
	}
	return r.viaProcfs(q)
}

func (r *procfsResolver) pidfdInfoSupported() bool {
	r.infoOnce.Do(func() { r.infoOK = pidfdInfoSupported() })
	return r.infoOK
}

func (r *procfsResolver) path(pid int32, elem ...string) string {
	return filepath.Join(append([]string{r.root, strconv.Itoa(int(pid))}, elem...)...)
}

// checkSender verifies that HostPID still holds the process that made the
// call: it exists and, when the query carries the sending thread's start
// time, started then.
func (r *procfsResolver) checkSender(q LiveQuery) string {
	if _, err := os.Stat(r.path(q.HostPID)); err != nil {
		return reasonLiveSenderGone
	}
	if q.SenderStart <= 0 {
		return ""
	}
	boot, err := r.bootTime()
	if err != nil || q.SenderStart < boot {
		return "" // no boot time, or a boot-relative start time: cannot compare
	}
	tid := q.HostTID
	if tid <= 0 {
		tid = q.HostPID
	}
	if start, err := r.startTime(q.HostPID, tid, boot); err == nil {
		if d := start - q.SenderStart; d > int64(startTolerance) || d < -int64(startTolerance) {
			return reasonLiveSenderReused
		}
		return ""
	}
	// The sending thread is gone; the process must at least predate it.
	start, err := r.startTime(q.HostPID, q.HostPID, boot)
	if err != nil {
		return reasonLiveSenderGone
	}
	if start-q.SenderStart > int64(startTolerance) {
		return reasonLiveSenderReused
	}
	return ""
}

// bootTime returns the boot time in ns since the epoch, from btime, read
// on the first call.
func (r *procfsResolver) bootTime() (int64, error) {
	r.bootOnce.Do(func() { r.boot, r.bootErr = r.readBootTime() })
	return r.boot, r.bootErr
}

// readBootTime reads btime from <root>/stat.
func (r *procfsResolver) readBootTime() (int64, error) {
	f, err := os.Open(filepath.Join(r.root, "stat"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "btime "); ok {
			s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return s * int64(time.Second), err
		}
	}
	return 0, errors.New("no btime in stat")
}

// startTime returns when thread tid of process pid started, in ns since the
// epoch.
func (r *procfsResolver) startTime(pid, tid int32, boot int64) (int64, error) {
	b, err := os.ReadFile(r.path(pid, "task", strconv.Itoa(int(tid)), "stat"))
	if err != nil {
		return 0, err
	}
	fields, err := statFields(b)
	if err != nil {
		return 0, err
	}
	// Field 22 (starttime) is fields[19]: fields start at field 3 (state).
	if len(fields) < 20 {
		return 0, errors.New("short stat")
	}
	ticks, err := strconv.ParseInt(fields[19], 10, 64)
	if err != nil {
		return 0, err
	}
	return boot + ticks*int64(time.Second)/userHZ, nil
}

// statFields splits /proc/PID/stat after the parenthesised comm, which may
// itself hold spaces and parentheses.
func statFields(b []byte) ([]string, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil, errors.New("malformed stat")
	}
	return strings.Fields(string(b[i+1:])), nil
}

// fdInfo is what /proc/PID/fdinfo/FD says about a pidfd.
type fdInfo struct {
	flags  uint64
	hasPid bool
	pid    int64 // Pid: -1 exited, 0 outside the procfs's namespace
}

func (r *procfsResolver) readFDInfo(q LiveQuery) (fdInfo, error) {
	b, err := os.ReadFile(r.path(q.HostPID, "fdinfo", strconv.Itoa(int(q.FD))))
	if err != nil {
		return fdInfo{}, err
	}
	var fi fdInfo
	for _, line := range strings.Split(string(b), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch key {
		case "flags":
			fi.flags, err = strconv.ParseUint(val, 8, 64)
		case "Pid":
			fi.hasPid = true
			fi.pid, err = strconv.ParseInt(val, 10, 64)
		}
		if err != nil {
			return fdInfo{}, err
		}
	}
	return fi, nil
}

// status is what /proc/PID/status says of a process.
type status struct {
	name  string
	tgid  int32
	uids  [3]uint32 // real, effective, saved
	nspid []int32
	dead  bool // zombie or dead
	valid bool // had a Uid line
}

func (r *procfsResolver) readStatus(pid int32) (status, error) {
	b, err := os.ReadFile(r.path(pid, "status"))
	if err != nil {
		return status{}, err
	}
	var st status
	for _, line := range strings.Split(string(b), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(val)
		switch key {
		case "Name":
			st.name = strings.TrimSpace(val)
		case "State":
			st.dead = len(f) > 0 && (f[0] == "Z" || f[0] == "X")
		case "Tgid":
			if len(f) == 1 {
				n, err := strconv.ParseInt(f[0], 10, 32)
				if err != nil {
					return status{}, err
				}
				st.tgid = int32(n)
			}
		case "Uid":
			if len(f) < 3 {
				return status{}, errors.New("short Uid line")
			}
			for i := range st.uids {
				n, err := strconv.ParseUint(f[i], 10, 32)
				if err != nil {
					return status{}, err
				}
				st.uids[i] = uint32(n)
			}
			st.valid = true
		case "NSpid":
			for _, s := range f {
				n, err := strconv.ParseInt(s, 10, 32)
				if err != nil {
					return status{}, err
				}
				st.nspid = append(st.nspid, int32(n))
			}
		}
	}
	if !st.valid {
		return status{}, errors.New("no Uid line")
	}
	return st, nil
}

// readPidNS returns the inode of the pid namespace of pid, 0 if unknown.
func (r *procfsResolver) readPidNS(pid int32) uint32 {
	link, err := os.Readlink(r.path(pid, "ns", "pid"))
	if err != nil {
		return 0
	}
	s, ok := strings.CutPrefix(link, "pid:[")
	if !ok {
		return 0
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(s, "]"), 10, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}

// viaProcfs reads the target from /proc/SENDER/fdinfo/FD and the target's
// status, and re-reads the fdinfo to catch a target that changed meanwhile.
func (r *procfsResolver) viaProcfs(q LiveQuery) Target {
	fi, err := r.readFDInfo(q)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Target{Reason: reasonLiveFDClosed}
	case err != nil:
		return Target{Reason: reasonLiveUnreadable}
	case !fi.hasPid:
		return Target{Reason: reasonLiveNotPidfd}
	case fi.pid == -1:
		return Target{Reason: reasonLiveReaped, Exited: true}
	case fi.pid <= 0 || fi.pid > 1<<31-1:
		return Target{Reason: reasonLiveOutsideNS}
	}
	tg := Target{Source: SourceProcfs, HostPID: int32(fi.pid), Thread: fi.flags&oExcl != 0}
	if tg.Thread {
		st, err := r.readStatus(tg.HostPID)
		if err != nil || st.tgid <= 0 {
			return Target{Reason: reasonLiveRace}
		}
		tg.HostTID, tg.HostPID = tg.HostPID, st.tgid
	}
	st, err := r.readStatus(tg.HostPID)
	if err != nil {
		return Target{Reason: reasonLiveRace}
	}
	if again, err := r.readFDInfo(q); err != nil || again.pid != fi.pid {
		return Target{Reason: reasonLiveRace, Exited: err == nil && again.pid == -1}
	}
	r.fill(&tg, st, q)
	return tg
}

// fill copies a target's status into tg.
func (r *procfsResolver) fill(tg *Target, st status, q LiveQuery) {
	tg.UIDKnown, tg.UID = true, st.uids[0]
	tg.CredsKnown, tg.EUID, tg.SUID = true, st.uids[1], st.uids[2]
	tg.Comm = st.name
	tg.Exited = tg.Exited || st.dead
	tg.PidNS = r.readPidNS(tg.HostPID)
	if exe, err := os.Readlink(r.path(tg.HostPID, "exe")); err == nil {
		tg.Exe = exe
	}
	switch {
	case q.SenderPidNS == procPidInitIno:
		tg.PID = tg.HostPID
	case q.SenderPidNS != 0 && tg.PidNS == q.SenderPidNS && len(st.nspid) > 0:
		tg.PID = st.nspid[len(st.nspid)-1]
	}
}
