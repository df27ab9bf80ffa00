package target

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
)

// Default bounds of a Tracker.
const (
	// DefaultMaxProcesses is PID_MAX_LIMIT of 64-bit kernels
	// (include/linux/threads.h): the most processes a host can hold at
	// once, so that by default no live process is forgotten, however many
	// pidfds or processes a flood makes.
	DefaultMaxProcesses = pidMaxLimit
	// DefaultMaxExited bounds the records of exited processes kept for
	// consumers running behind and for late events.
	DefaultMaxExited = 65536
	// DefaultMaxFDs bounds the pidfd bindings kept over all processes.
	DefaultMaxFDs = 262144
)

// pidMaxLimit is PID_MAX_LIMIT on 64-bit kernels: /proc/sys/kernel/pid_max
// cannot be set higher, so every pid and tid is below it. State keyed by
// host pid (Tracker.byPID) therefore has fewer keys than this, whatever
// the stream says: an event naming a larger host pid is malformed.
const pidMaxLimit = 4 << 20

// liveMaxAge is how old an event may be for a live lookup to answer for it:
// /proc shows the present, and the further the call is in the past the
// likelier the sender's fd table has changed since.
const liveMaxAge = 10 * time.Second

// Tracker follows the pidfds of every process from Tracee's event stream
// and answers, for a pidfd_send_signal call, which process the pidfd pointed
// at and who owned it. It is safe for concurrent use: several signatures,
// each with its own ordered copy of the stream, may share one Tracker and
// Observe the same events at different moments. Observations are idempotent
// and ordered by event timestamp, so the answer for a call depends only on
// the events up to it, not on how fast each consumer runs.
//
// Events with Timestamp 0 (built by hand) are stamped with a tracker-local
// sequence that counts after the latest timestamp seen: "now". That keeps a
// single consumer right; with several consumers such events cannot be told
// from duplicates and must not be used.
type Tracker struct {
	mu sync.RWMutex

	maxProcs int
	maxFDs   int
	live     LiveResolver
	budget   liveBudget
	// overBudget is WithOverBudgetReport's function, or nil.
	overBudget func(perSecond float64)
	now        func() time.Time

	clock   int64 // latest timestamp observed, or the local sequence
	procs   procTable
	byPID   map[int32]uint32 // host pid -> newest record, index+1
	pids    map[nsKey]pidRef // namespace pids and host tids -> record
	fds     map[fdKey]uint32 // (record, fd) -> slot, index+1
	slots   slotTable
	alive   lruList // live processes, most recently active first
	exited  lruList // exited processes, most recent exit first
	nExited int     // records on the exited list

	// bigHolder is the process seen holding the most fd slots (past its
	// share), the first whose slots go at the fd bound; hand is where the
	// search for another such process resumes (see evictSlot).
	bigHolder, bigHolderGen uint32
	hand                    uint32
	noBigHolder             bool // the last search found no such process

	evictions   atomic.Uint64
	misses      atomic.Uint64
	malformed   atomic.Uint64
	liveLookups atomic.Uint64
	liveSkipped atomic.Uint64
	dropped     atomic.Uint64
	fdEvictions atomic.Uint64
}

// Option configures a Tracker.
type Option func(*Tracker)

// WithMaxProcesses bounds the number of process records kept; n <= 0 means
// DefaultMaxProcesses. Past it, exited processes are evicted first (oldest
// exit first), then the least recently active. Exited processes are also
// evicted, oldest exit first, once more than DefaultMaxExited of them are
// kept. With the default, a live process is never evicted: a host has
// fewer processes than the bound, and a process the stream saw exit (or
// whose pid a later process took) is no longer live. A smaller bound
// trades that guarantee for memory.
func WithMaxProcesses(n int) Option {
	return func(t *Tracker) {
		if n <= 0 {
			n = DefaultMaxProcesses
		}
		t.maxProcs = n
	}
}

// WithMaxFDs bounds the number of tracked fd slots (pidfd bindings) over all
// processes; n <= 0 means DefaultMaxFDs. Past it, fd slots are evicted, the
// newest of the processes holding the most first (see Stats.FDEvictions);
// process records, which say who owns each process, are never evicted to
// make room for fds.
func WithMaxFDs(n int) Option {
	return func(t *Tracker) {
		if n <= 0 {
			n = DefaultMaxFDs
		}
		t.maxFDs = n
	}
}

// WithLive lets Resolve ask r about pidfds the event stream does not
// explain, and about the owner of a tracked target it never saw an event
// from. nil (the default) keeps the Tracker offline, as it must stay when
// scanning captures recorded on another machine or in the past.
func WithLive(r LiveResolver) Option {
	return func(t *Tracker) { t.live = r }
}

// NewTracker returns an empty Tracker.
func NewTracker(opts ...Option) *Tracker {
	t := &Tracker{
		maxProcs: DefaultMaxProcesses,
		maxFDs:   DefaultMaxFDs,
		now:      time.Now,
		budget:   newLiveBudget(DefaultLiveRate),
		byPID:    make(map[int32]uint32),
		pids:     make(map[nsKey]pidRef),
		fds:      make(map[fdKey]uint32),
	}
	for _, opt := range opts {
		opt(t)
	}
	return t
}

// selectedEvents lists what the Tracker follows, pidfd_send_signal first.
var selectedEvents = [...]string{
	events.EventPidfdSendSignal,
	events.EventPidfdOpen,
	events.EventPidfdGetfd,
	events.EventClose,
	events.EventCloseRange,
	events.EventDup,
	events.EventDup2,
	events.EventDup3,
	events.EventFcntl,
	events.EventSchedProcessFork,
	events.EventSchedProcessExec,
	events.EventSchedProcessExit,
	events.EventSetuid,
	events.EventSetreuid,
	events.EventSetresuid,
}

// SelectedEvents returns the Tracee event names the Tracker needs to see:
// pidfd_send_signal and its companions. A signature sharing the Tracker
// selects all of them and passes every one to Observe.
func (t *Tracker) SelectedEvents() []string {
	out := make([]string, len(selectedEvents))
	copy(out, selectedEvents[:])
	return out
}

// Stats counts what a Tracker holds and has done.
type Stats struct {
	Processes   int    // process records held
	FDs         int    // fd slots held (open or recently closed pidfds)
	Evictions   uint64 // process records evicted to stay under the bounds
	FDEvictions uint64 // fd slots evicted to stay under the fd bound
	Dropped     uint64 // bindings not stored because no fd slot could be freed
	Misses      uint64 // Resolve answers with an unknown target
	Malformed   uint64 // events ignored because an argument was missing or invalid
	LiveLookups uint64 // calls to the LiveResolver
	LiveSkipped uint64 // live lookups not made: over the budget of WithLiveRate
}

// Stats returns the current counters.
func (t *Tracker) Stats() Stats {
	t.mu.RLock()
	procs, fds := t.procs.used, t.slots.used
	t.mu.RUnlock()
	return Stats{
		Processes:   procs,
		FDs:         fds,
		Evictions:   t.evictions.Load(),
		FDEvictions: t.fdEvictions.Load(),
		Dropped:     t.dropped.Load(),
		Misses:      t.misses.Load(),
		Malformed:   t.malformed.Load(),
		LiveLookups: t.liveLookups.Load(),
		LiveSkipped: t.liveSkipped.Load(),
	}
}

// stamp returns the time an event is ordered by, advancing the clock: its
// timestamp, or for Timestamp 0 the next tick of the local sequence.
func (t *Tracker) stamp(ts int) int64 {
	if ts > 0 {
		if int64(ts) > t.clock {
			t.clock = int64(ts)
		}
		return int64(ts)
	}
	t.clock++
	return t.clock
}

// Observe feeds one event to the Tracker. Every event is welcome: the
// context of any event refreshes what is known of its process (uid, name,
// namespace pids), and the companion events (see SelectedEvents) move
// pidfds around. Failed system calls change nothing; an event the tracker
// needs whose arguments cannot be decoded is counted in Stats.Malformed and
// ignored. Observing an event twice, or an event older than what a slot
// already reflects, is a no-op. Observe never panics on malformed input.
// Most events (fd operations of processes holding no pidfd) end after one
// lookup.
func (t *Tracker) Observe(ev *trace.Event) {
	if ev == nil {
		t.malformed.Add(1)
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.nothingToDo(ev) {
		return
	}
	at := t.stamp(ev.Timestamp)
	if ev.HostProcessID <= 0 || ev.HostProcessID >= pidMaxLimit {
		if isSelected(ev.EventName) {
			t.malformed.Add(1)
		}
		return
	}
	p := t.contextProc(ev, at)
	if p == 0 {
		return // older than every record of the pid: nothing to update
	}
	var err error
	switch ev.EventName {
	case events.EventPidfdSendSignal:
		err = t.onSendSignal(ev, p, at)
	case events.EventPidfdOpen:
		err = t.onPidfdOpen(ev, p, at)
	case events.EventPidfdGetfd:
		err = t.onPidfdGetfd(ev, p, at)
	case events.EventClose:
		err = t.onClose(ev, p, at)
	case events.EventCloseRange:
		err = t.onCloseRange(ev, p, at)
	case events.EventDup, events.EventDup2, events.EventDup3:
		err = t.onDup(ev, p, at)
	case events.EventFcntl:
		err = t.onFcntl(ev, p, at)
	case events.EventSchedProcessFork:
		err = t.onFork(ev, p, at)
	case events.EventSchedProcessExec:
		err = t.onExec(ev, p, at)
	case events.EventSchedProcessExit:
		err = t.onExit(ev, p, at)
	case events.EventSetuid, events.EventSetreuid, events.EventSetresuid:
		err = t.onSetuid(ev, p, at)
	}
	if err != nil {
		t.malformed.Add(1)
	}
}

// nothingToDo reports whether ev is an fd event (close, dup, fcntl...) of a
// process that holds no tracked fd and whose context the tracker already
// knows: the bulk of the stream, which then changes nothing (not even the
// clock). Such an event does not count as activity for eviction, which
// suits a process holding no pidfd. t.mu is held: one lock per event, as
// Tracee hands events over from one goroutine and a second lock would cost
// more than it could save in contention.
func (t *Tracker) nothingToDo(ev *trace.Event) bool {
	switch ev.EventName {
	case events.EventClose, events.EventCloseRange, events.EventDup, events.EventDup2, events.EventDup3, events.EventFcntl:
	default:
		return false
	}
	if ev.Timestamp <= 0 || ev.HostProcessID <= 0 || ev.HostProcessID >= pidMaxLimit {
		return false
	}
	ref := t.recordAt(int32(ev.HostProcessID), int64(ev.Timestamp))
	return ref != 0 && t.rec(ref).slots == 0 && t.contextKnown(ref, ev)
}

func isSelected(name string) bool {
	for _, s := range selectedEvents {
		if s == name {
			return true
		}
	}
	return false
}
