package target

import "math"

// never is the closedAt of a binding that is still open.
const never int64 = math.MaxInt64

// procPidInitIno is the inode number of the initial pid namespace
// (PROC_PID_INIT_INO in include/linux/proc_ns.h), the same on every kernel.
const procPidInitIno uint32 = 0xEFFFFFFC

// bindFlags describe one binding of an fd number to a pidfd.
type bindFlags uint8

const (
	// bindKnown: the fd holds a pidfd whose target the binding names. A
	// binding without it records that the fd was replaced by something the
	// stream does not identify, so the older target is not reported.
	bindKnown bindFlags = 1 << iota
	// bindThread: opened with PIDFD_THREAD; hostTID names the thread.
	bindThread
	// bindCloexec: the fd is closed by execve.
	bindCloexec
)

// binding is what one fd number of one process held during [openedAt,
// closedAt). It names its target by host pid and, for the details (uid,
// comm...), by the index and generation of the target's process record; a
// generation mismatch means the record was evicted and only the pids remain.
type binding struct {
	openedAt int64
	closedAt int64
	proc     uint32 // index+1 of the target's record, 0 if none
	procGen  uint32
	hostPID  int32  // target tgid, 0 when unknown
	hostTID  int32  // target thread of a PIDFD_THREAD pidfd
	nsPID    int32  // the pid argument of pidfd_open
	nsOf     uint32 // the pid namespace nsPID is numbered in
	flags    bindFlags
}

// validAt reports whether the binding held the fd at time at.
func (b *binding) validAt(at int64) bool {
	return b.openedAt != 0 && b.openedAt <= at && at < b.closedAt
}

// slot is one fd number of one process: the current binding and the one it
// replaced, enough for a consumer lagging behind a close-and-reopen. Slots
// of a process form a singly linked list so exec, exit, fork and eviction
// can walk them.
type slot struct {
	cur, prev  binding
	lastChange int64 // timestamp of the latest open or close applied
	fd         int32
	next       uint32 // index+1 of the process's next slot
}

// at returns the binding that held the slot at time at, or nil.
func (s *slot) at(at int64) *binding {
	if s.cur.validAt(at) {
		return &s.cur
	}
	if s.prev.validAt(at) {
		return &s.prev
	}
	return nil
}

// bind installs b at time b.openedAt, closing what the slot held. It
// reports false, changing nothing, for an update not newer than the slot's
// latest change: a duplicate or out-of-order observation.
func (s *slot) bind(b binding) bool {
	if b.openedAt <= s.lastChange {
		return false
	}
	if s.cur.closedAt > b.openedAt {
		s.cur.closedAt = b.openedAt
	}
	s.prev = s.cur
	b.closedAt = never
	s.cur = b
	s.lastChange = b.openedAt
	return true
}

// close ends the current binding at time at, if it was open and at is newer
// than the slot's latest change.
func (s *slot) close(at int64) bool {
	if at <= s.lastChange || !s.cur.validAt(at) {
		return false
	}
	s.cur.closedAt = at
	s.lastChange = at
	return true
}

// slotChunk is the number of slots allocated at once. Chunks never move, so
// growing the table copies nothing and never holds two copies at once.
const slotChunk = 1024

// slotTable stores slots in fixed chunks with a free list.
type slotTable struct {
	chunks [][]slot
	free   []uint32 // indexes+1 of released slots
	used   int      // slots in use
	next   uint32   // index+1 of the next never-used slot
}

func (t *slotTable) get(ref uint32) *slot {
	i := ref - 1
	return &t.chunks[i/slotChunk][i%slotChunk]
}

func (t *slotTable) alloc() uint32 {
	t.used++
	if n := len(t.free); n > 0 {
		ref := t.free[n-1]
		t.free = t.free[:n-1]
		return ref
	}
	if int(t.next)/slotChunk >= len(t.chunks) {
		t.chunks = append(t.chunks, make([]slot, slotChunk))
	}
	t.next++
	return t.next
}

func (t *slotTable) release(ref uint32) {
	*t.get(ref) = slot{}
	t.free = append(t.free, ref)
	t.used--
}

// fdKey names a slot: a process record and an fd number.
type fdKey uint64

func keyOf(proc uint32, fd int32) fdKey { return fdKey(uint64(proc)<<32 | uint64(uint32(fd))) }

// Process record states.
const (
	procFree uint8 = iota
	procAlive
	procExited
)

// Which credentials of a process record are known.
const (
	knowRUID uint8 = 1 << iota
	knowEUID
	knowSUID
)

// proc is what the tracker knows of one process (one incarnation of a host
// pid): its credentials and names from the events it emitted, and the head
// of its fd slot list. Records are reused after eviction; gen tells
// incarnations of a record apart.
type proc struct {
	hostPID int32
	nsPID   int32  // its own pid in its own pid namespace (event context)
	pidNS   uint32 // 0 when unknown
	gen     uint32
	state   uint8
	creds   uint8 // knowRUID | knowEUID | knowSUID
	// birthKnown: bornAt is the fork that created the process; otherwise
	// it is the first time the process was seen.
	birthKnown bool
	ruid       uint32
	euid       uint32
	suid       uint32
	bornAt     int64
	exitedAt   int64 // 0 while alive
	lastSeen   int64
	ruidAt     int64 // newer-wins clocks of the fields below
	credsAt    int64
	metaAt     int64
	comm       string
	exe        string
	container  string
	slots      uint32 // head of the slot list, index+1, newest first
	nslots     uint32 // length of the slot list
	older      uint32 // the previous incarnation of the same host pid, index+1
	lruPrev    uint32 // neighbours in the alive or exited list, index+1
	lruNext    uint32
	// forkKey is the namespace pid a fork event suggested for the process,
	// withdrawn if its own events show another pid namespace.
	forkKey nsKey
	// lowFDs holds the slots of fds below lowFDCount (index+1), where
	// pidfds almost always are, sparing Resolve a map lookup.
	lowFDs [lowFDCount]uint32
}

// lowFDCount is how many of the lowest fd numbers a record indexes inline.
const lowFDCount = 16

// aliveAt reports whether the record describes its pid at time at.
func (p *proc) aliveAt(at int64) bool {
	return p.state != procFree && p.bornAt <= at && (p.exitedAt == 0 || at <= p.exitedAt)
}

// procChunk is the number of process records allocated at once; like slot
// chunks they never move, so a *proc stays valid while the lock is held.
const procChunk = 512

// procTable stores process records in fixed chunks with a free list.
type procTable struct {
	chunks [][]proc
	free   []uint32
	used   int
	next   uint32
}

func (t *procTable) get(ref uint32) *proc {
	i := ref - 1
	return &t.chunks[i/procChunk][i%procChunk]
}

// alloc returns a zeroed record and its ref.
func (t *procTable) alloc() uint32 {
	t.used++
	var ref uint32
	if n := len(t.free); n > 0 {
		ref = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		if int(t.next)/procChunk >= len(t.chunks) {
			t.chunks = append(t.chunks, make([]proc, procChunk))
		}
		t.next++
		ref = t.next
	}
	p := t.get(ref)
	*p = proc{gen: p.gen}
	return ref
}

// release frees a record; advancing its generation invalidates every
// binding and namespace pid that still names it.
func (t *procTable) release(ref uint32) {
	p := t.get(ref)
	*p = proc{gen: p.gen + 1}
	t.free = append(t.free, ref)
	t.used--
}

// lruList is an intrusive doubly linked list of process records, most
// recently used at the head.
type lruList struct{ head, tail uint32 }

// nsKey names a pid (or tid) number in a pid namespace.
type nsKey struct {
	ns uint32
	nr int32
}

// pidRef maps an nsKey to the process (and thread) it named at time at.
type pidRef struct {
	at       int64
	proc     uint32 // index+1
	gen      uint32
	hostTID  int32
	fromFork bool // inferred from a fork event, not seen in a context
}
