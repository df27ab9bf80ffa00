package target

import (
	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
)

// Reasons given with unknown (or partial) targets.
const (
	reasonInvalidPidFD   = "invalid pidfd value"
	reasonNotAPidfd      = "fd is not a pidfd (the call failed with EBADF)"
	reasonNotObserved    = "the event is newer than anything observed"
	reasonSenderUnknown  = "sender not tracked"
	reasonSenderExited   = "sender had exited before the call"
	reasonFDUnknown      = "fd not tracked (received, inherited or created unseen)"
	reasonFDClosed       = "fd closed before the call"
	reasonFDRebound      = "fd rebound after the call; its earlier target is no longer kept"
	reasonFDUnidentified = "fd was replaced by a copy of an fd the stream does not identify"
	reasonTargetUnknown  = "pidfd_open named a pid the stream cannot map to a host process"
	reasonEvicted        = "target details evicted; only its pids are kept"
	reasonLiveTooOld     = "event too old for a live lookup"
	reasonLiveOverBudget = "live lookups over their budget (WithLiveRate)"
)

// Resolve answers which process the pidfd of call (parsed from ev) pointed
// at when the call was made, and who owned it. Observe ev (and every event
// before it) first: the answer reflects the binding the fd held at
// ev.Timestamp, never a later one. An fd the stream cannot explain, or that
// was rebound after the call beyond what the tracker keeps, is unknown with
// a Reason; a live resolver (WithLive) is asked only when its answer cannot
// contradict the stream. When the stream names the target but never saw an
// event of it (so its owner is unknown), a live answer naming the same
// process fills the owner in, and the answer takes the live Source. ev may
// be nil; then the call is taken as "now".
//
// Resolve of a tracked fd takes a read lock and does not allocate.
func (t *Tracker) Resolve(ev *trace.Event, call *events.SendSignal) Target {
	q := query{sender: &call.Sender, fd: call.PidFD, result: call.Result, probe: call.Signal.IsProbe()}
	if ev != nil {
		q.at = int64(ev.Timestamp)
		q.start = int64(ev.ThreadStartTime)
	}
	var tg Target
	t.resolve(&q, &tg)
	return tg
}

// query is one question to the tracker: which target did fd of sender hold
// at time at (0: now).
type query struct {
	sender *events.Process
	// fromKey: sender holds only HostPID; the rest comes from its record.
	fromKey bool
	fd      events.PidFD
	at      int64
	start   int64
	result  events.Result
	// probe: the call sends no signal (sig 0), or the question comes from
	// the data source; such questions draw on their own live budget.
	probe bool
}

// senderInitial reports whether the sender's pids are host pids.
func (q *query) senderInitial() bool {
	if q.sender.PidNS != 0 {
		return q.sender.PidNS == procPidInitIno
	}
	return q.sender.PID == q.sender.HostPID
}

// resolve writes the answer to q into tg (the zero Target).
func (t *Tracker) resolve(q *query, tg *Target) {
	switch q.fd.Kind() {
	case events.PidFDSelfThread, events.PidFDSelfThreadGroup:
		if *tg = t.self(q); !tg.Known() {
			t.misses.Add(1)
		}
		return
	case events.PidFDInvalid:
		t.misses.Add(1)
		tg.Reason = reasonInvalidPidFD
		return
	}
	if q.result.Is(events.EBADF) {
		t.misses.Add(1)
		tg.Reason = reasonNotAPidfd
		return
	}
	t.mu.RLock()
	live := t.tracked(q, tg)
	t.mu.RUnlock()
	if live && t.live != nil && (!tg.Known() || !tg.UIDKnown) {
		*tg = t.askLive(q, *tg)
	}
	if q.result.Is(events.ESRCH) {
		tg.Exited = true // the kernel found the target dead
	}
	if !tg.Known() {
		t.misses.Add(1)
	}
}

// tracked answers from the event stream into tg; it reports whether a live
// lookup could not contradict the answer. The caller holds the read lock.
func (t *Tracker) tracked(q *query, tg *Target) (live bool) {
	at := q.at
	if at == 0 {
		at = t.clock
	} else if at > t.clock {
		tg.Reason = reasonNotObserved
		return true
	}
	p := t.recordAt(q.sender.HostPID, at)
	if p == 0 {
		if head := t.byPID[q.sender.HostPID]; head != 0 && t.rec(head).state == procExited && t.rec(head).exitedAt < at {
			tg.Reason = reasonSenderExited
			return false
		}
		tg.Reason = reasonSenderUnknown
		return true
	}
	if q.fromKey {
		*q.sender = t.senderOf(p)
	}
	s := t.slotOf(p, int32(q.fd))
	if s == nil {
		tg.Reason = reasonFDUnknown
		return true
	}
	b := s.at(at)
	switch {
	case b == nil && s.cur.openedAt != 0 && s.cur.closedAt <= at:
		tg.Reason = reasonFDClosed
		return true
	case b == nil:
		tg.Reason = reasonFDRebound
		return false
	case b.flags&bindKnown == 0 && b.nsPID != 0:
		tg.Reason = reasonTargetUnknown
	case b.flags&bindKnown == 0:
		tg.Reason = reasonFDUnidentified
	default:
		t.targetOf(b, q, at, tg)
	}
	return s.lastChange <= at
}

// targetOf describes into tg the target of binding b for the sender of q at
// time at.
func (t *Tracker) targetOf(b *binding, q *query, at int64, tg *Target) {
	tg.Source = SourceTracked
	tg.HostPID = b.hostPID
	tg.Thread = b.flags&bindThread != 0
	if tg.Thread {
		tg.HostTID = b.hostTID
	}
	tg.IsSender = tg.HostPID == q.sender.HostPID
	initial := q.senderInitial()
	switch {
	case initial:
		tg.PID = tg.HostPID
	case !tg.Thread && b.nsOf != 0 && b.nsOf == q.sender.PidNS:
		tg.PID = b.nsPID
	}
	if !t.refValid(b.proc, b.procGen) {
		tg.Reason = reasonEvicted
		return
	}
	r := t.rec(b.proc)
	tg.UIDKnown, tg.UID = r.creds&knowRUID != 0, r.ruid
	if r.creds&(knowEUID|knowSUID) == knowEUID|knowSUID {
		tg.CredsKnown, tg.EUID, tg.SUID = true, r.euid, r.suid
	}
	tg.Comm, tg.Exe, tg.ContainerID, tg.PidNS = r.comm, r.exe, r.container, r.pidNS
	tg.Exited = r.exitedAt != 0 && r.exitedAt <= at
	if tg.PID == 0 && r.pidNS != 0 && r.pidNS == q.sender.PidNS {
		tg.PID = r.nsPID
	}
}

// senderOf rebuilds the sender's identity from its record, for questions
// that name the sender only by host pid (the data source).
func (t *Tracker) senderOf(p uint32) events.Process {
	r := t.rec(p)
	return events.Process{
		HostPID:     r.hostPID,
		PID:         r.nsPID,
		UID:         r.ruid,
		PidNS:       r.pidNS,
		Comm:        r.comm,
		Exe:         r.exe,
		ContainerID: r.container,
	}
}

// self answers PIDFD_SELF_THREAD and PIDFD_SELF_THREAD_GROUP: the sender,
// described by the event context, or by its record when the question came
// without one (the data source).
func (t *Tracker) self(q *query) Target {
	t.mu.RLock()
	at := q.at
	if at == 0 {
		at = t.clock
	}
	p := t.recordAt(q.sender.HostPID, at)
	var r proc
	if p != 0 {
		r = *t.rec(p)
		if q.fromKey {
			*q.sender = t.senderOf(p)
		}
	}
	t.mu.RUnlock()
	if q.fromKey && p == 0 {
		return Target{Reason: reasonSenderUnknown}
	}
	s := q.sender
	tg := Target{
		Source:      SourceSelf,
		HostPID:     s.HostPID,
		PID:         s.PID,
		IsSender:    true,
		UIDKnown:    !q.fromKey || r.creds&knowRUID != 0,
		UID:         s.UID,
		Comm:        s.Comm,
		Exe:         s.Exe,
		ContainerID: s.ContainerID,
		PidNS:       s.PidNS,
	}
	if q.fd == events.PIDFD_SELF_THREAD {
		tg.Thread, tg.HostTID = true, s.HostTID
	}
	if r.creds&(knowEUID|knowSUID) == knowEUID|knowSUID {
		tg.CredsKnown, tg.EUID, tg.SUID = true, r.euid, r.suid
	}
	return tg
}

// askLive consults the live resolver about a recent call whose fd the stream
// does not name, or whose target's owner it does not know. A live answer
// for a tracked target is used only if it names the same process; it then
// supplies the owner, which the target's record keeps (learnOwner), and
// the answer takes the live source.
func (t *Tracker) askLive(q *query, tracked Target) Target {
	now := t.now()
	if q.at != 0 && now.UnixNano()-q.at > int64(liveMaxAge) {
		if !tracked.Known() {
			tracked.Reason += "; " + reasonLiveTooOld
		}
		return tracked
	}
	if !t.budget.allow(q.probe, now) {
		t.skipLive()
		if !tracked.Known() {
			tracked.Reason += "; " + reasonLiveOverBudget
		}
		return tracked
	}
	t.liveLookups.Add(1)
	lt := t.live.Lookup(LiveQuery{
		HostPID:     q.sender.HostPID,
		HostTID:     q.sender.HostTID,
		FD:          int32(q.fd),
		SenderStart: q.start,
		SenderPidNS: q.sender.PidNS,
	})
	if !tracked.Known() {
		if !lt.Known() {
			tracked.Reason += "; live: " + lt.Reason
			tracked.Exited = tracked.Exited || lt.Exited
			return tracked
		}
		lt.IsSender = lt.HostPID == q.sender.HostPID
		if lt.PID == 0 && q.senderInitial() {
			lt.PID = lt.HostPID
		}
		return lt
	}
	if !lt.Known() || lt.HostPID != tracked.HostPID || (tracked.Thread && lt.HostTID != tracked.HostTID) {
		return tracked
	}
	t.learnOwner(tracked.HostPID, q.at, lt)
	merged := tracked
	merged.Source = lt.Source
	merged.UIDKnown, merged.UID = lt.UIDKnown, lt.UID
	if !merged.CredsKnown {
		merged.CredsKnown, merged.EUID, merged.SUID = lt.CredsKnown, lt.EUID, lt.SUID
	}
	if merged.Comm == "" {
		merged.Comm = lt.Comm
	}
	if merged.Exe == "" {
		merged.Exe = lt.Exe
	}
	if merged.PidNS == 0 {
		merged.PidNS = lt.PidNS
	}
	if merged.PID == 0 {
		merged.PID = lt.PID
	}
	merged.Exited = merged.Exited || lt.Exited
	return merged
}

// learnOwner keeps in the record of host pid what a live lookup at the
// time of a call at said of its owner and names, for the fields the stream
// has not given it, so that later calls on the same process need no
// lookup and draw nothing from the live budget. The fields are stamped
// with the call's time: any later event of the process, or credential
// change, still wins.
func (t *Tracker) learnOwner(hostPID int32, at int64, lt Target) {
	if at == 0 {
		return // a question about "now" has no time to stamp the fields with
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	ref := t.recordAt(hostPID, at)
	if ref == 0 {
		return
	}
	p := t.rec(ref)
	if lt.UIDKnown && p.creds&knowRUID == 0 && at > p.ruidAt {
		p.ruid, p.creds, p.ruidAt = lt.UID, p.creds|knowRUID, at
	}
	if lt.CredsKnown && p.creds&(knowEUID|knowSUID) == 0 && at > p.credsAt {
		p.euid, p.suid, p.creds, p.credsAt = lt.EUID, lt.SUID, p.creds|knowEUID|knowSUID, at
	}
	if p.comm == "" && p.exe == "" && at > p.metaAt {
		setString(&p.comm, lt.Comm)
		setString(&p.exe, lt.Exe)
	}
}
