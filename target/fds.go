package target

// slotOf returns the slot of fd in process ref, or nil.
func (t *Tracker) slotOf(ref uint32, fd int32) *slot {
	var s uint32
	if fd >= 0 && fd < lowFDCount {
		s = t.rec(ref).lowFDs[fd]
	} else {
		s = t.fds[keyOf(ref, fd)]
	}
	if s == 0 {
		return nil
	}
	return t.slots.get(s)
}

// stale reports whether a change at time at to fd of process ref would be a
// duplicate or older than what the slot already reflects.
func (t *Tracker) stale(ref uint32, fd int32, at int64) bool {
	s := t.slotOf(ref, fd)
	return s != nil && at <= s.lastChange
}

// newSlot creates the slot of fd in process ref. At the fd bound it first
// evicts another slot (see evictSlot), never a process record: the records
// hold who owns each process, and an fd flood must not cost them. It
// returns nil, counting a drop, only when there is no slot to evict. The
// slots of keep are spared (a parent whose slots a fork is copying).
func (t *Tracker) newSlot(ref uint32, fd int32, keep uint32) *slot {
	for t.slots.used >= t.maxFDs {
		if !t.evictSlot(ref, keep) {
			t.dropped.Add(1)
			return nil
		}
	}
	sref := t.slots.alloc()
	s := t.slots.get(sref)
	p := t.rec(ref)
	s.fd = fd
	s.next = p.slots
	p.slots = sref
	p.nslots++
	if fd >= 0 && fd < lowFDCount {
		p.lowFDs[fd] = sref
	} else {
		t.fds[keyOf(ref, fd)] = sref
	}
	if p.nslots > t.fdShare() {
		t.noBigHolder = false
		if !t.refValid(t.bigHolder, t.bigHolderGen) || p.nslots > t.rec(t.bigHolder).nslots {
			t.bigHolder, t.bigHolderGen = ref, p.gen
		}
	}
	return s
}

// fdShare is how many slots a process may hold before, at the fd bound, its
// own slots are the ones evicted: 1/1024 of the bound (256 by default), a
// few hundred pidfds, more than any legitimate process keeps open.
func (t *Tracker) fdShare() uint32 { return uint32(max(1, t.maxFDs/1024)) }

// evictSlot frees one fd slot for process req, taking, in this order:
//
//  1. the newest slot of req itself, if it holds more than its share;
//  2. the newest slot of the biggest holder seen, if it still holds more;
//  3. the newest slot of the next process, in table order from where the
//     last search stopped, that has exited or holds more than its share;
//  4. the newest slot of the next process holding any, req last.
//
// A flood therefore pays with its own pidfds first, and the pidfd a small
// process opened long ago stays known. An evicted slot makes Resolve answer
// "fd not tracked", which a live resolver can fill in; a wrong target is
// never given. keep's slots are not taken, and while keep holds more than
// its share nothing is evicted for a copy of its fds. It reports false
// when no slot was freed.
func (t *Tracker) evictSlot(req, keep uint32) bool {
	share := t.fdShare()
	switch {
	case t.rec(req).nslots > share:
		t.dropNewestSlot(req)
		return true
	case keep != 0 && t.rec(keep).nslots > share:
		// A copy of a big holder's pidfds (a fork of a flood): the copy
		// is not stored rather than making room by searching the table.
		return false
	case t.bigHolder != keep && t.refValid(t.bigHolder, t.bigHolderGen) && t.rec(t.bigHolder).nslots > share:
		t.dropNewestSlot(t.bigHolder)
		return true
	}
	if !t.noBigHolder {
		if ref := t.nextHolder(req, keep, func(p *proc) bool { return p.state == procExited || p.nslots > share }); ref != 0 {
			t.dropNewestSlot(ref)
			return true
		}
		t.noBigHolder = true // until a process exits holding slots or exceeds its share
	}
	if ref := t.nextHolder(req, keep, func(*proc) bool { return true }); ref != 0 {
		t.dropNewestSlot(ref)
		return true
	}
	if t.rec(req).nslots > 0 {
		t.dropNewestSlot(req)
		return true
	}
	return false
}

// nextHolder returns the next record after the search hand, other than
// req and keep, that holds slots and satisfies ok, moving the hand to it; 0
// after a full turn without one.
func (t *Tracker) nextHolder(req, keep uint32, ok func(*proc) bool) uint32 {
	n := t.procs.next
	for i := uint32(0); i < n; i++ {
		t.hand = t.hand%n + 1
		ref := t.hand
		if p := t.rec(ref); ref != req && ref != keep && p.state != procFree && p.nslots > 0 && ok(p) {
			return ref
		}
	}
	return 0
}

// dropNewestSlot forgets the most recently created slot of process ref.
func (t *Tracker) dropNewestSlot(ref uint32) {
	p := t.rec(ref)
	sref := p.slots
	s := t.slots.get(sref)
	if s.fd >= 0 && s.fd < lowFDCount {
		p.lowFDs[s.fd] = 0
	} else {
		delete(t.fds, keyOf(ref, s.fd))
	}
	p.slots = s.next
	p.nslots--
	t.slots.release(sref)
	t.fdEvictions.Add(1)
}

// bindFD makes fd of process ref hold b from b.openedAt on. Unless create
// is set, only an existing slot is overwritten: a copy of an unknown fd is
// recorded to stop an older target from being reported, but a slot for
// every unknown fd would track all files. keep's slots are not evicted to
// make room (see newSlot).
func (t *Tracker) bindFD(ref uint32, fd int32, b binding, keep uint32, create bool) {
	s := t.slotOf(ref, fd)
	if s == nil {
		if !create {
			return
		}
		if s = t.newSlot(ref, fd, keep); s == nil {
			return
		}
	}
	s.bind(b)
}

// bindingAt returns a copy of what fd of process ref held at time at, and
// whether it held a pidfd the tracker can name.
func (t *Tracker) bindingAt(ref uint32, fd int32, at int64) (binding, bool) {
	s := t.slotOf(ref, fd)
	if s == nil {
		return binding{}, false
	}
	b := s.at(at)
	if b == nil || b.flags&bindKnown == 0 {
		return binding{}, false
	}
	return *b, true
}

// copyFD makes dstFD of process dst a copy, made at time at, of what srcFD
// of process src held then, as dup, fcntl(F_DUPFD), pidfd_getfd and fork do.
// The copy's close-on-exec flag is cloexec. Copying something unknown
// leaves dstFD unknown.
func (t *Tracker) copyFD(src uint32, srcFD int32, dst uint32, dstFD int32, cloexec bool, at int64) {
	if t.stale(dst, dstFD, at) {
		return
	}
	b, ok := binding{}, false
	if src != 0 {
		b, ok = t.bindingAt(src, srcFD, at)
	}
	if !ok {
		t.bindFD(dst, dstFD, binding{openedAt: at}, 0, false)
		return
	}
	b.openedAt, b.closedAt = at, never
	b.flags &^= bindCloexec
	if cloexec {
		b.flags |= bindCloexec
	}
	t.bindFD(dst, dstFD, b, src, true)
}

// setCloexec sets or clears close-on-exec on what fd of ref holds at time
// at, as fcntl(F_SETFD) and close_range(CLOSE_RANGE_CLOEXEC) do.
func (t *Tracker) setCloexec(s *slot, on bool, at int64) {
	if at <= s.lastChange || !s.cur.validAt(at) {
		return
	}
	if on {
		s.cur.flags |= bindCloexec
	} else {
		s.cur.flags &^= bindCloexec
	}
	s.lastChange = at
}
