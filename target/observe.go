package target

import (
	"errors"
	"math"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
)

// Kernel constants the companion events are decoded with.
const (
	pidfdThread       = 0x80    // PIDFD_THREAD = O_EXCL (include/uapi/linux/pidfd.h)
	oCloexec          = 0x80000 // O_CLOEXEC (asm-generic/fcntl.h, x86_64 and arm64)
	fDupfd            = 0       // F_DUPFD
	fSetfd            = 2       // F_SETFD
	fDupfdCloexec     = 1030    // F_DUPFD_CLOEXEC
	fdCloexec         = 1       // FD_CLOEXEC
	closeRangeCloexec = 1 << 2  // CLOSE_RANGE_CLOEXEC (include/uapi/linux/close_range.h)
	sISUID            = 0o4000  // S_ISUID
	uidUnchanged      = math.MaxUint32
)

// errBadValue reports an argument value no successful call can have.
var errBadValue = errors.New("impossible argument value")

// newFD returns the fd a successful call returned; ok is false for a failed
// call, which changes nothing.
func newFD(ev *trace.Event) (fd int32, ok bool, err error) {
	r, err := events.ReturnValue(ev)
	if err != nil || !r.OK() {
		return 0, false, err
	}
	if r > math.MaxInt32 {
		return 0, false, errBadValue
	}
	return int32(r), true, nil
}

// succeeded reports whether ev is a successful call.
func succeeded(ev *trace.Event) (bool, error) {
	r, err := events.ReturnValue(ev)
	return err == nil && r.OK(), err
}

// onSendSignal uses the kernel's own verdict: EBADF means the fd held no
// pidfd at that moment, whatever the tracker believed. Any other result
// teaches the tracker nothing, so only an EBADF call is parsed (the
// signatures parse every call themselves, and count what they cannot).
func (t *Tracker) onSendSignal(ev *trace.Event, p uint32, at int64) error {
	r, err := events.ReturnValue(ev)
	if err != nil || !r.Is(events.EBADF) {
		return err
	}
	call, err := events.ParseSendSignal(ev)
	if err != nil {
		return err
	}
	if call.Result.Is(events.EBADF) && call.Flags.Valid() && call.PidFD >= 0 {
		if s := t.slotOf(p, int32(call.PidFD)); s != nil {
			s.close(at)
		}
	}
	return nil
}

// onPidfdOpen binds the returned fd to the process the pid argument names
// in the caller's pid namespace.
func (t *Tracker) onPidfdOpen(ev *trace.Event, p uint32, at int64) error {
	fd, ok, err := newFD(ev)
	if !ok {
		return err
	}
	pid, err := events.Int32Arg(ev, "pid")
	if err != nil {
		return err
	}
	flags, err := events.Uint32Arg(ev, "flags")
	if err != nil {
		return err
	}
	if pid <= 0 || pid >= pidMaxLimit {
		return errBadValue
	}
	if t.stale(p, fd, at) {
		return nil
	}
	b := t.bindingForPid(ev, p, pid, flags&pidfdThread != 0, at)
	t.bindFD(p, fd, b, 0, true)
	return nil
}

// bindingForPid builds the binding pidfd_open(pid, flags) made for caller
// at time at: pidfds are close-on-exec, and pid is numbered in the caller's
// pid namespace.
func (t *Tracker) bindingForPid(ev *trace.Event, caller uint32, pid int32, thread bool, at int64) binding {
	b := binding{openedAt: at, nsPID: pid, flags: bindCloexec}
	if thread {
		b.flags |= bindThread
	}
	switch {
	case initialNS(ev):
		b.nsOf = procPidInitIno
		t.resolveHostPid(&b, caller, pid, thread, at)
	case ev.PIDNS != 0:
		b.nsOf = uint32(ev.PIDNS)
		t.resolveNsPid(&b, nsKey{b.nsOf, pid}, thread, at)
	}
	return b
}

// resolveHostPid names the target of a host pid (or host tid).
func (t *Tracker) resolveHostPid(b *binding, caller uint32, pid int32, thread bool, at int64) {
	ref := t.recordAt(pid, at)
	if thread {
		b.hostTID = pid
		if ref == 0 {
			// Not a known thread-group leader: a known thread, or unknown.
			if r, ok := t.pids[nsKey{procPidInitIno, pid}]; ok && t.refValid(r.proc, r.gen) && t.rec(r.proc).aliveAt(at) {
				ref = r.proc
			} else {
				return
			}
		}
	} else if ref == 0 {
		if ref = t.newProc(pid, at, false, caller, 0); ref == 0 {
			return
		}
	}
	t.nameTarget(b, ref)
}

// resolveNsPid names the target of a pid in a child pid namespace from what
// events showed about that namespace.
func (t *Tracker) resolveNsPid(b *binding, k nsKey, thread bool, at int64) {
	r, ok := t.pids[k]
	if !ok || !t.refValid(r.proc, r.gen) || !t.rec(r.proc).aliveAt(at) {
		return
	}
	hostPID := t.rec(r.proc).hostPID
	if thread {
		b.hostTID = r.hostTID
	} else if r.hostTID != hostPID {
		return // the number was a thread's; pidfd_open without PIDFD_THREAD would have failed
	}
	t.nameTarget(b, r.proc)
}

// nameTarget points b at record ref.
func (t *Tracker) nameTarget(b *binding, ref uint32) {
	p := t.rec(ref)
	b.proc, b.procGen, b.hostPID = ref, p.gen, p.hostPID
	b.flags |= bindKnown
}

// onPidfdGetfd copies targetfd out of the process the pidfd argument points
// at; pidfd_getfd always sets close-on-exec.
func (t *Tracker) onPidfdGetfd(ev *trace.Event, p uint32, at int64) error {
	fd, ok, err := newFD(ev)
	if !ok {
		return err
	}
	pidfd, err := events.Int32Arg(ev, "pidfd")
	if err != nil {
		return err
	}
	targetFD, err := events.Int32Arg(ev, "targetfd")
	if err != nil {
		return err
	}
	src := uint32(0)
	if events.PidFD(pidfd).IsSelf() {
		src = p
	} else if b, ok := t.bindingAt(p, pidfd, at); ok && t.refValid(b.proc, b.procGen) {
		src = b.proc
	}
	t.copyFD(src, targetFD, p, fd, true, at)
	return nil
}

// onClose ends the binding of the closed fd.
func (t *Tracker) onClose(ev *trace.Event, p uint32, at int64) error {
	if ok, err := succeeded(ev); !ok {
		return err
	}
	fd, err := events.Int32Arg(ev, "fd")
	if err != nil {
		return err
	}
	if s := t.slotOf(p, fd); s != nil {
		s.close(at)
	}
	return nil
}

// onCloseRange closes (or, with CLOSE_RANGE_CLOEXEC, marks close-on-exec)
// every tracked fd in [first, last]. Tracee does not report the flags
// today; without them the range is taken as closed, which can only turn
// answers into unknowns.
func (t *Tracker) onCloseRange(ev *trace.Event, p uint32, at int64) error {
	if ok, err := succeeded(ev); !ok {
		return err
	}
	first, err := events.Uint32Arg(ev, "first")
	if err != nil {
		return err
	}
	last, err := events.Uint32Arg(ev, "last")
	if err != nil {
		return err
	}
	flags, _ := events.Uint32Arg(ev, "flags")
	for s := t.rec(p).slots; s != 0; s = t.slots.get(s).next {
		sl := t.slots.get(s)
		if uint32(sl.fd) < first || uint32(sl.fd) > last {
			continue
		}
		if flags&closeRangeCloexec != 0 {
			t.setCloexec(sl, true, at)
		} else {
			sl.close(at)
		}
	}
	return nil
}

// onDup handles dup, dup2 and dup3: the new fd is a copy without
// close-on-exec, unless dup3 was given O_CLOEXEC.
func (t *Tracker) onDup(ev *trace.Event, p uint32, at int64) error {
	fd, ok, err := newFD(ev)
	if !ok {
		return err
	}
	oldFD, err := events.Int32Arg(ev, "oldfd")
	if err != nil {
		return err
	}
	cloexec := false
	if ev.EventName == events.EventDup3 {
		flags, err := events.Int32Arg(ev, "flags")
		if err != nil {
			return err
		}
		cloexec = flags&oCloexec != 0
	}
	if oldFD == fd {
		return nil // dup2(fd, fd) changes nothing
	}
	t.copyFD(p, oldFD, p, fd, cloexec, at)
	return nil
}

// onFcntl handles F_DUPFD, F_DUPFD_CLOEXEC and F_SETFD.
func (t *Tracker) onFcntl(ev *trace.Event, p uint32, at int64) error {
	r, err := events.ReturnValue(ev)
	if err != nil || !r.OK() {
		return err
	}
	fd, err := events.Int32Arg(ev, "fd")
	if err != nil {
		return err
	}
	cmd, err := events.Int32Arg(ev, "cmd")
	if err != nil {
		return err
	}
	switch cmd {
	case fDupfd, fDupfdCloexec:
		if r > math.MaxInt32 {
			return errBadValue
		}
		t.copyFD(p, fd, p, int32(r), cmd == fDupfdCloexec, at)
	case fSetfd:
		arg, err := events.Uint64Arg(ev, "arg")
		if err != nil {
			return err
		}
		if s := t.slotOf(p, fd); s != nil {
			t.setCloexec(s, arg&fdCloexec != 0, at)
		}
	}
	return nil
}

// onFork handles sched_process_fork. A new thread shares its process's fd
// table (records are per process, so nothing to copy); a new process gets a
// copy of its parent's pidfds and credentials. Tracee does not report
// CLONE_FILES, so a process sharing its parent's table is treated as a copy.
func (t *Tracker) onFork(ev *trace.Event, ctx uint32, at int64) error {
	childPID, err := events.Int32Arg(ev, "child_pid")
	if err != nil {
		return err
	}
	childTID, err := events.Int32Arg(ev, "child_tid")
	if err != nil {
		return err
	}
	if childPID <= 0 || childTID <= 0 || childPID >= pidMaxLimit || childTID >= pidMaxLimit {
		return errBadValue
	}
	parent, parentPID := ctx, t.rec(ctx).hostPID
	if pid, err := events.Int32Arg(ev, "parent_pid"); err == nil && pid != parentPID {
		parent, parentPID = t.recordAt(pid, at), pid
	}
	childNsPID, _ := events.Int32Arg(ev, "child_ns_pid")
	childNsTID, _ := events.Int32Arg(ev, "child_ns_tid")
	ns := uint32(0)
	if !initialNS(ev) {
		ns = uint32(ev.PIDNS)
	}
	if childPID == parentPID {
		if parent != 0 {
			t.setPidRef(nsKey{procPidInitIno, childTID}, parent, childTID, at, true)
			if ns != 0 && childNsTID > 0 {
				t.setPidRef(nsKey{ns, childNsTID}, parent, childTID, at, true)
			}
		}
		return nil
	}
	child := t.forkedRecord(childPID, parent, at)
	if child == 0 {
		return nil
	}
	// A child numbered 1 started a new pid namespace; any other number is
	// in its parent's namespace.
	if ns != 0 && childNsPID > 1 {
		k := nsKey{ns, childNsPID}
		t.setPidRef(k, child, childPID, at, true)
		t.rec(child).forkKey = k
	}
	if parent != 0 {
		t.inherit(child, parent, at, childNsPID)
	}
	return nil
}

// forkedRecord returns the record a fork at time at creates for childPID,
// or 0 for a duplicate or stale fork. A record first seen from the child's
// own events (Tracee may deliver them before the fork) is adopted.
func (t *Tracker) forkedRecord(childPID int32, parent uint32, at int64) uint32 {
	if head := t.byPID[childPID]; head != 0 {
		h := t.rec(head)
		switch {
		case h.birthKnown && h.bornAt == at:
			return 0
		case !h.birthKnown && h.state == procAlive && h.bornAt >= at:
			h.birthKnown, h.bornAt = true, at
			return head
		case h.bornAt > at || h.lastSeen > at:
			return 0
		case h.state == procAlive:
			t.markExited(head, at) // its exit was missed: the pid was free again
		}
	}
	return t.newProc(childPID, at, true, parent, 0)
}

// inherit gives a forked child its parent's credentials, names and the
// pidfds open at the fork.
func (t *Tracker) inherit(child, parent uint32, at int64, childNsPID int32) {
	c, p := t.rec(child), t.rec(parent)
	if at > c.ruidAt {
		c.ruid, c.ruidAt = p.ruid, at
		c.creds = c.creds&^knowRUID | p.creds&knowRUID
	}
	if at > c.credsAt {
		c.euid, c.suid, c.credsAt = p.euid, p.suid, at
		c.creds = c.creds&knowRUID | p.creds&^knowRUID
	}
	if at > c.metaAt {
		c.metaAt = at
		setString(&c.comm, p.comm)
		setString(&c.exe, p.exe)
		setString(&c.container, p.container)
		if p.pidNS == procPidInitIno {
			c.pidNS, c.nsPID = procPidInitIno, c.hostPID
		} else if p.pidNS != 0 && childNsPID > 1 {
			c.pidNS, c.nsPID = p.pidNS, childNsPID
		}
	}
	for s := p.slots; s != 0; s = t.slots.get(s).next {
		sl := t.slots.get(s)
		b := sl.at(at)
		if b == nil || b.flags&bindKnown == 0 || t.slotOf(child, sl.fd) != nil {
			continue
		}
		nb := *b
		nb.openedAt, nb.closedAt = at, never
		t.bindFD(child, sl.fd, nb, parent, true)
	}
}

// onExec handles sched_process_exec: close-on-exec pidfds close, the saved
// uid becomes the effective one, and a set-user-ID binary makes both
// unknown (the file owner is not reported).
func (t *Tracker) onExec(ev *trace.Event, p uint32, at int64) error {
	pr := t.rec(p)
	for s := pr.slots; s != 0; s = t.slots.get(s).next {
		sl := t.slots.get(s)
		if sl.cur.validAt(at) && sl.cur.flags&bindCloexec != 0 {
			sl.close(at)
		}
	}
	if at <= pr.credsAt {
		return nil
	}
	pr.credsAt = at
	mode, err := events.Uint64Arg(ev, "inode_mode")
	if err != nil || mode&sISUID != 0 || pr.creds&knowEUID == 0 {
		pr.creds &^= knowEUID | knowSUID
		return nil
	}
	pr.suid = pr.euid
	pr.creds |= knowSUID
	return nil
}

// onExit handles sched_process_exit: a thread's exit forgets its tid; the
// whole process's exit closes its fds and marks it exited, so pidfds
// pointing at it resolve with Exited set.
func (t *Tracker) onExit(ev *trace.Event, p uint32, at int64) error {
	group := ev.HostThreadID <= 0 || ev.HostThreadID == ev.HostProcessID
	if v, ok := events.Arg(ev, "process_group_exit"); ok {
		b, isBool := v.(bool)
		if !isBool {
			return errBadValue
		}
		group = b
	}
	if group {
		t.markExited(p, at)
		return nil
	}
	if ev.HostThreadID > 0 && ev.HostThreadID <= math.MaxInt32 {
		t.dropPidRef(nsKey{procPidInitIno, int32(ev.HostThreadID)}, p)
	}
	if !initialNS(ev) && ev.PIDNS != 0 && ev.ThreadID > 0 && ev.ThreadID <= math.MaxInt32 {
		t.dropPidRef(nsKey{uint32(ev.PIDNS), int32(ev.ThreadID)}, p)
	}
	return nil
}

// onSetuid applies setuid, setreuid and setresuid (see credentials(7)):
// -1 leaves an id unchanged; what the call did depends on privilege, and
// whatever cannot be told becomes unknown.
func (t *Tracker) onSetuid(ev *trace.Event, p uint32, at int64) error {
	if ok, err := succeeded(ev); !ok {
		return err
	}
	pr := t.rec(p)
	if at <= pr.credsAt {
		return nil
	}
	var ids [3]uint32
	names := [3]string{"ruid", "euid", "suid"}
	n := 3
	switch ev.EventName {
	case events.EventSetuid:
		names[0], n = "uid", 1
	case events.EventSetreuid:
		n = 2
	}
	for i := 0; i < n; i++ {
		v, err := events.Int64Arg(ev, names[i])
		if err != nil {
			return err
		}
		ids[i] = uint32(v) // -1 as int32 or as uint32 both mean "unchanged"
	}
	switch ev.EventName {
	case events.EventSetuid:
		pr.setuid(ids[0])
	case events.EventSetreuid:
		pr.setreuid(ids[0], ids[1])
	default:
		pr.setresuid(ids[0], ids[1], ids[2])
	}
	pr.credsAt, pr.ruidAt = at, at
	return nil
}

func (p *proc) setresuid(r, e, s uint32) {
	if r != uidUnchanged {
		p.ruid, p.creds = r, p.creds|knowRUID
	}
	if e != uidUnchanged {
		p.euid, p.creds = e, p.creds|knowEUID
	}
	if s != uidUnchanged {
		p.suid, p.creds = s, p.creds|knowSUID
	}
}

// setreuid: the saved uid follows the new effective uid when the real uid
// is set, or the effective uid is set to something other than the old
// real uid.
func (p *proc) setreuid(r, e uint32) {
	oldR, knewR := p.ruid, p.creds&knowRUID != 0
	p.setresuid(r, e, uidUnchanged)
	switch {
	case r != uidUnchanged || (e != uidUnchanged && knewR && e != oldR):
		if p.creds&knowEUID != 0 {
			p.suid, p.creds = p.euid, p.creds|knowSUID
		} else {
			p.creds &^= knowSUID
		}
	case e != uidUnchanged && !knewR:
		p.creds &^= knowSUID
	}
}

// setuid: a privileged caller sets all three ids, others only the
// effective one. Privilege is known only from an effective uid of 0; CAP_SETUID
// without it cannot be seen, so the real and saved uids stay known only
// where both outcomes agree.
func (p *proc) setuid(u uint32) {
	if u == uidUnchanged {
		return
	}
	if p.creds&knowEUID != 0 && p.euid == 0 {
		p.setresuid(u, u, u)
		return
	}
	if p.ruid != u {
		p.creds &^= knowRUID
	}
	if p.suid != u {
		p.creds &^= knowSUID
	}
	p.euid, p.creds = u, p.creds|knowEUID
}
