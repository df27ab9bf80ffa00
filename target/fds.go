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

// newSlot creates the slot of fd in process ref, evicting other processes
// if the fd bound is reached (never ref nor keep). It returns nil, counting
// a drop, when ref alone fills the bound.
func (t *Tracker) newSlot(ref uint32, fd int32, keep uint32) *slot {
	for t.slots.used >= t.maxFDs {
		if !t.evictOne(ref, keep) {
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
	if fd >= 0 && fd < lowFDCount {
		p.lowFDs[fd] = sref
	} else {
		t.fds[keyOf(ref, fd)] = sref
	}
	return s
}

// bindFD makes fd of process ref hold b from b.openedAt on. Unless create
// is set, only an existing slot is overwritten: a copy of an unknown fd is
// recorded to stop an older target from being reported, but a slot for
// every unknown fd would track all files. keep is spared by eviction (the
// target's record).
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
	keep := uint32(0)
	if t.refValid(b.proc, b.procGen) {
		keep = b.proc
	}
	t.bindFD(dst, dstFD, b, keep, true)
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
