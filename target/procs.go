package target

import "github.com/aquasecurity/tracee/types/trace"

// rec returns the record behind ref (index+1, never 0).
func (t *Tracker) rec(ref uint32) *proc { return t.procs.get(ref) }

// recordAt returns the incarnation of host pid pid that was alive at time
// at, or 0.
func (t *Tracker) recordAt(pid int32, at int64) uint32 {
	for ref := t.byPID[pid]; ref != 0; ref = t.rec(ref).older {
		p := t.rec(ref)
		if p.aliveAt(at) {
			return ref
		}
		if p.bornAt <= at {
			return 0 // at falls after this incarnation's exit
		}
	}
	return 0
}

// refValid reports whether ref and gen still name the same incarnation.
func (t *Tracker) refValid(ref, gen uint32) bool {
	if ref == 0 {
		return false
	}
	p := t.rec(ref)
	return p.gen == gen && p.state != procFree
}

// initialNS reports whether the event's process runs in the initial pid
// namespace, where its pids are host pids. Tracee's main-branch JSON does
// not carry the namespace; then a process whose pid equals its host pid is
// taken to be in the initial namespace.
func initialNS(ev *trace.Event) bool {
	if ev.PIDNS != 0 {
		return uint32(ev.PIDNS) == procPidInitIno
	}
	return ev.ProcessID == ev.HostProcessID
}

// contextProc returns the record of the process that emitted ev at time at,
// creating it when the pid is new or its last incarnation had exited, and
// refreshes it from the event context. It returns 0 for an event older than
// what the tracker knows of the pid.
func (t *Tracker) contextProc(ev *trace.Event, at int64) uint32 {
	pid := int32(ev.HostProcessID)
	ref := t.recordAt(pid, at)
	if ref == 0 {
		if head := t.byPID[pid]; head != 0 && t.rec(head).bornAt > at {
			return 0
		}
		ref = t.newProc(pid, at, false, 0, 0)
		if ref == 0 {
			return 0
		}
	}
	t.refreshContext(ref, ev, at)
	return ref
}

// refreshContext updates a record from an event context: newer wins, field
// group by field group, so a late duplicate never rolls anything back.
func (t *Tracker) refreshContext(ref uint32, ev *trace.Event, at int64) {
	p := t.rec(ref)
	if at > p.lastSeen {
		p.lastSeen = at
	}
	if p.state == procAlive {
		t.alive.moveToFront(t, ref)
	}
	if at > p.ruidAt && ev.UserID >= 0 && ev.UserID <= 1<<32-1 {
		p.ruid = uint32(ev.UserID)
		p.creds |= knowRUID
		p.ruidAt = at
	}
	if at > p.metaAt {
		p.metaAt = at
		setString(&p.comm, ev.ProcessName)
		setString(&p.exe, ev.Executable.Path)
		if id := ev.Container.ID; id != "" {
			setString(&p.container, id)
		} else {
			setString(&p.container, ev.ContainerID)
		}
		if initialNS(ev) {
			p.pidNS, p.nsPID = procPidInitIno, p.hostPID
		} else if ev.PIDNS != 0 && ev.ProcessID > 0 && ev.ProcessID < pidMaxLimit {
			p.pidNS, p.nsPID = uint32(ev.PIDNS), int32(ev.ProcessID)
		}
	}
	t.mapContextPids(ref, ev, at)
}

// contextKnown reports whether refreshing record ref from ev's context
// would change nothing but its activity time.
func (t *Tracker) contextKnown(ref uint32, ev *trace.Event) bool {
	p := t.rec(ref)
	if p.creds&knowRUID == 0 || int(p.ruid) != ev.UserID || !sameString(p.comm, ev.ProcessName) ||
		!sameString(p.exe, ev.Executable.Path) || !sameString(p.container, ev.Container.ID) ||
		!sameString(p.container, ev.ContainerID) {
		return false
	}
	if initialNS(ev) {
		if p.pidNS != procPidInitIno {
			return false
		}
	} else if ev.PIDNS != 0 && (p.pidNS != uint32(ev.PIDNS) || int(p.nsPID) != ev.ProcessID) {
		return false
	}
	if ev.HostThreadID != ev.HostProcessID {
		return false // thread mappings: leave them to the write path
	}
	return true
}

// sameString reports whether setString(&known, s) would change nothing.
func sameString(known, s string) bool { return s == "" || s == known }

// setString replaces *dst with a non-empty src that differs, so a record
// keeps one copy of each name rather than pinning every event's string.
func setString(dst *string, src string) {
	if src != "" && src != *dst {
		*dst = src
	}
}

// mapContextPids records what the event context says about pid numbers:
// the emitter's pid and tid in its own namespace, and for a thread its host
// tid, so pidfd_open arguments can be turned into host pids later.
func (t *Tracker) mapContextPids(ref uint32, ev *trace.Event, at int64) {
	p := t.rec(ref)
	hostTID := int32(0)
	if ev.HostThreadID > 0 && ev.HostThreadID < pidMaxLimit {
		hostTID = int32(ev.HostThreadID)
	}
	if hostTID != 0 && hostTID != p.hostPID {
		t.setPidRef(nsKey{procPidInitIno, hostTID}, ref, hostTID, at, false)
	}
	if initialNS(ev) || ev.PIDNS == 0 {
		return
	}
	ns := uint32(ev.PIDNS)
	if p.forkKey != (nsKey{}) && p.forkKey.ns != ns {
		t.dropPidRef(p.forkKey, ref)
		p.forkKey = nsKey{}
	}
	if ev.ProcessID > 0 && ev.ProcessID < pidMaxLimit {
		t.setPidRef(nsKey{ns, int32(ev.ProcessID)}, ref, p.hostPID, at, false)
	}
	if hostTID != 0 && ev.ThreadID > 0 && ev.ThreadID < pidMaxLimit && ev.ThreadID != ev.ProcessID {
		t.setPidRef(nsKey{ns, int32(ev.ThreadID)}, ref, hostTID, at, false)
	}
}

// setPidRef maps k to a record and host tid as of time at; newer wins.
func (t *Tracker) setPidRef(k nsKey, ref uint32, hostTID int32, at int64, fromFork bool) {
	gen := t.rec(ref).gen
	if old, ok := t.pids[k]; ok {
		if old.proc == ref && old.gen == gen && old.hostTID == hostTID && !(old.fromFork && !fromFork) {
			return
		}
		if old.at > at && t.refValid(old.proc, old.gen) {
			return
		}
	}
	t.pids[k] = pidRef{at: at, proc: ref, gen: gen, hostTID: hostTID, fromFork: fromFork}
	if len(t.pids) > t.pidsLimit() {
		t.sweepPids()
	}
}

// dropPidRef removes k if it still points at ref.
func (t *Tracker) dropPidRef(k nsKey, ref uint32) {
	if old, ok := t.pids[k]; ok && old.proc == ref {
		delete(t.pids, k)
	}
}

// pidsLimit bounds the namespace pid map: a process and a few threads for
// every record kept, or for the first 65536 records whatever fewer are
// kept, so that the map follows the records in use rather than the pid
// space the default bound allows.
func (t *Tracker) pidsLimit() int {
	return 4*min(t.maxProcs, max(t.procs.used, DefaultMaxExited)) + 1024
}

// sweepPids drops namespace pids of evicted records, then of exited ones,
// then, if the map is still too big, whatever it meets first: a lost
// mapping gives an unknown answer, never a wrong one.
func (t *Tracker) sweepPids() {
	limit := t.pidsLimit() * 3 / 4
	for k, r := range t.pids {
		if !t.refValid(r.proc, r.gen) {
			delete(t.pids, k)
		}
	}
	if len(t.pids) <= limit {
		return
	}
	for k, r := range t.pids {
		if t.rec(r.proc).state == procExited {
			delete(t.pids, k)
		}
	}
	for k := range t.pids {
		if len(t.pids) <= limit {
			return
		}
		delete(t.pids, k)
	}
}

// newProc creates the record of a new incarnation of host pid pid, born (or
// first seen) at time at, evicting another record if the bound is reached.
// keep1 and keep2 are never evicted. It returns 0 only if nothing could be
// evicted.
func (t *Tracker) newProc(pid int32, at int64, birthKnown bool, keep1, keep2 uint32) uint32 {
	for t.nExited > DefaultMaxExited {
		if !t.evictExited(keep1, keep2) {
			break
		}
	}
	for t.procs.used >= t.maxProcs {
		if !t.evictOne(keep1, keep2) {
			t.dropped.Add(1)
			return 0
		}
	}
	ref := t.procs.alloc()
	p := t.rec(ref)
	p.hostPID = pid
	p.state = procAlive
	p.birthKnown = birthKnown
	p.bornAt = at
	p.lastSeen = at
	p.older = t.byPID[pid]
	t.byPID[pid] = ref
	t.alive.pushFront(t, ref)
	return ref
}

// markExited records the exit of a process at time at and closes its fds.
func (t *Tracker) markExited(ref uint32, at int64) {
	p := t.rec(ref)
	if p.state != procAlive {
		return
	}
	for s := p.slots; s != 0; s = t.slots.get(s).next {
		t.slots.get(s).close(at)
	}
	p.state = procExited
	p.exitedAt = at
	if p.nslots > 0 {
		t.noBigHolder = false // its slots are the first to go at the fd bound
	}
	t.alive.remove(t, ref)
	t.exited.pushFront(t, ref)
	t.nExited++
}

// evictExited evicts the exited record that exited first, sparing keep1
// and keep2. It reports whether it evicted.
func (t *Tracker) evictExited(keep1, keep2 uint32) bool {
	for ref := t.exited.tail; ref != 0; ref = t.rec(ref).lruPrev {
		if ref != keep1 && ref != keep2 {
			t.evictProc(ref)
			return true
		}
	}
	return false
}

// evictOne evicts the oldest exited record, or else the least recently
// active one, sparing keep1 and keep2. It reports whether it evicted.
func (t *Tracker) evictOne(keep1, keep2 uint32) bool {
	for _, l := range [...]*lruList{&t.exited, &t.alive} {
		for ref := l.tail; ref != 0; ref = t.rec(ref).lruPrev {
			if ref != keep1 && ref != keep2 {
				t.evictProc(ref)
				return true
			}
		}
	}
	return false
}

// evictProc forgets a record and its fd slots.
func (t *Tracker) evictProc(ref uint32) {
	p := t.rec(ref)
	for s := p.slots; s != 0; {
		sl := t.slots.get(s)
		next := sl.next
		if sl.fd < 0 || sl.fd >= lowFDCount {
			delete(t.fds, keyOf(ref, sl.fd))
		}
		t.slots.release(s)
		s = next
	}
	if head := t.byPID[p.hostPID]; head == ref {
		if p.older != 0 {
			t.byPID[p.hostPID] = p.older
		} else {
			delete(t.byPID, p.hostPID)
		}
	} else {
		for q := head; q != 0; q = t.rec(q).older {
			if t.rec(q).older == ref {
				t.rec(q).older = p.older
				break
			}
		}
	}
	if p.state == procExited {
		t.exited.remove(t, ref)
		t.nExited--
	} else {
		t.alive.remove(t, ref)
	}
	if p.forkKey != (nsKey{}) {
		t.dropPidRef(p.forkKey, ref)
	}
	t.procs.release(ref)
	t.evictions.Add(1)
}

func (l *lruList) pushFront(t *Tracker, ref uint32) {
	p := t.rec(ref)
	p.lruPrev, p.lruNext = 0, l.head
	if l.head != 0 {
		t.rec(l.head).lruPrev = ref
	}
	l.head = ref
	if l.tail == 0 {
		l.tail = ref
	}
}

func (l *lruList) remove(t *Tracker, ref uint32) {
	p := t.rec(ref)
	if p.lruPrev != 0 {
		t.rec(p.lruPrev).lruNext = p.lruNext
	} else {
		l.head = p.lruNext
	}
	if p.lruNext != 0 {
		t.rec(p.lruNext).lruPrev = p.lruPrev
	} else {
		l.tail = p.lruPrev
	}
	p.lruPrev, p.lruNext = 0, 0
}

func (l *lruList) moveToFront(t *Tracker, ref uint32) {
	if l.head == ref {
		return
	}
	l.remove(t, ref)
	l.pushFront(t, ref)
}
