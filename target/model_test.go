package target

import (
	"math/rand"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/require"
)

// The model is a small kernel: processes with fd tables of pidfds, driven
// at random, emitting the events Tracee would report. Some fds arrive
// unseen (as over SCM_RIGHTS). The tracker must never name a target the
// model contradicts: its answers are the model's or unknown.

type modelFD struct {
	target  *modelProc
	cloexec bool
	unseen  bool // arrived without an event, or copied from such an fd
}

type modelProc struct {
	pid   int
	uid   int
	alive bool
	fds   map[int32]modelFD
}

type model struct {
	rng   *rand.Rand
	procs []*modelProc // every incarnation ever, alive or not
	live  map[int]*modelProc
	next  int
	out   []trace.Event
	// wants holds, for every send in out, the model's answer.
	wants map[int]modelWant
}

type modelWant struct {
	pid    int32 // 0: the fd holds no pidfd
	exited bool
	seen   bool // every event that put the pidfd there was emitted
}

func newModel(seed int64) *model {
	m := &model{rng: rand.New(rand.NewSource(seed)), live: map[int]*modelProc{}, next: 1000, wants: map[int]modelWant{}}
	for i := 0; i < 4; i++ {
		m.spawn(nil)
	}
	return m
}

func (m *model) actor(p *modelProc) actor { return hostProc(p.pid, p.uid, "p"+itoa(p.pid)) }

func itoa(n int) string {
	b := []byte{}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func (m *model) emit(ev trace.Event) { m.out = append(m.out, ev) }

// spawn forks a new process from parent (nil: a process already running
// when tracing started), sometimes reusing a dead process's pid.
func (m *model) spawn(parent *modelProc) *modelProc {
	pid := m.next
	m.next++
	for _, p := range m.procs {
		if !p.alive && m.live[p.pid] == nil && m.rng.Intn(3) == 0 {
			pid = p.pid // pid reuse
			m.next--
			break
		}
	}
	c := &modelProc{pid: pid, uid: 1000 + m.rng.Intn(3), alive: true, fds: map[int32]modelFD{}}
	if parent != nil {
		c.uid = parent.uid
		for fd, f := range parent.fds {
			c.fds[fd] = f
		}
		m.emit(m.actor(parent).fork(m.actor(c)))
	} else {
		m.emit(m.actor(c).other())
	}
	m.procs = append(m.procs, c)
	m.live[pid] = c
	return c
}

func (m *model) lowestFree(p *modelProc, from int32) int32 {
	fd := max(from, 3)
	for {
		if _, used := p.fds[fd]; !used {
			return fd
		}
		fd++
	}
}

func (m *model) anyLive() *modelProc {
	for {
		p := m.procs[m.rng.Intn(len(m.procs))]
		if p.alive {
			return p
		}
	}
}

func (m *model) anyFD(p *modelProc) int32 { return int32(3 + m.rng.Intn(8)) }

// step makes one random move.
func (m *model) step() {
	p := m.anyLive()
	a := m.actor(p)
	fd := m.anyFD(p)
	f, open := p.fds[fd]
	switch m.rng.Intn(16) {
	case 0, 1:
		t := m.procs[m.rng.Intn(len(m.procs))]
		if !t.alive || m.live[t.pid] != t {
			m.emit(a.pidfdOpen(int32(t.pid), 0, esrch))
			return
		}
		n := m.lowestFree(p, 3)
		p.fds[n] = modelFD{target: t, cloexec: true}
		m.emit(a.pidfdOpen(int32(t.pid), 0, int64(n)))
	case 2:
		if !open {
			m.emit(a.close(fd, ebadf))
			return
		}
		delete(p.fds, fd)
		m.emit(a.close(fd, 0))
	case 3:
		if !open {
			m.emit(a.dup(fd, ebadf))
			return
		}
		n := m.lowestFree(p, 3)
		p.fds[n] = modelFD{target: f.target, unseen: f.unseen}
		m.emit(a.dup(fd, int64(n)))
	case 4:
		n := m.anyFD(p)
		if !open {
			m.emit(a.dup2(fd, n, ebadf))
			return
		}
		if n != fd {
			p.fds[n] = modelFD{target: f.target, unseen: f.unseen}
		}
		m.emit(a.dup2(fd, n, int64(n)))
	case 5:
		n := m.anyFD(p)
		if !open || n == fd {
			m.emit(a.dup3(fd, n, oCloexecFlag, ebadf))
			return
		}
		cloexec := m.rng.Intn(2) == 0
		p.fds[n] = modelFD{target: f.target, cloexec: cloexec, unseen: f.unseen}
		flags := int32(0)
		if cloexec {
			flags = oCloexecFlag
		}
		m.emit(a.dup3(fd, n, flags, int64(n)))
	case 6:
		if !open {
			m.emit(a.fcntl(fd, fDupfdCloexec, 5, ebadf))
			return
		}
		n := m.lowestFree(p, 5)
		p.fds[n] = modelFD{target: f.target, cloexec: true, unseen: f.unseen}
		m.emit(a.fcntl(fd, fDupfdCloexec, 5, int64(n)))
	case 7:
		if !open {
			m.emit(a.fcntl(fd, fSetfd, 0, ebadf))
			return
		}
		f.cloexec = m.rng.Intn(2) == 0
		p.fds[fd] = f
		arg := uint64(0)
		if f.cloexec {
			arg = fdCloexec
		}
		m.emit(a.fcntl(fd, fSetfd, arg, 0))
	case 8:
		if !open || !f.target.alive {
			m.emit(a.pidfdGetfd(fd, 3, esrch))
			return
		}
		src, ok := f.target.fds[3]
		if !ok {
			m.emit(a.pidfdGetfd(fd, 3, ebadf))
			return
		}
		n := m.lowestFree(p, 3)
		p.fds[n] = modelFD{target: src.target, cloexec: true, unseen: src.unseen || f.unseen}
		m.emit(a.pidfdGetfd(fd, 3, int64(n)))
	case 9:
		m.spawn(p)
	case 10:
		for n, f := range p.fds {
			if f.cloexec {
				delete(p.fds, n)
			}
		}
		m.emit(a.exec(0o755))
	case 11:
		if len(m.live) > 2 {
			p.alive = false
			p.fds = map[int32]modelFD{}
			delete(m.live, p.pid)
			m.emit(a.exit(true))
		}
	case 12:
		// An fd arrives unseen (SCM_RIGHTS): no event.
		t := m.procs[m.rng.Intn(len(m.procs))]
		p.fds[m.lowestFree(p, 3)] = modelFD{target: t, cloexec: true, unseen: true}
	default:
		want := modelWant{}
		ret := int64(ebadf)
		if open {
			want = modelWant{pid: int32(f.target.pid), exited: !f.target.alive, seen: !f.unseen}
			ret = 0
			if !f.target.alive {
				ret = esrch
			}
		}
		m.wants[len(m.out)] = want
		m.emit(a.send(fd, sigkill, ret))
	}
}

// modelRuns resolve every send of a stream the ways consumers do: online
// (right after observing it, also with bounds that force evictions), after
// the whole stream, and as a second consumer re-observing behind a first
// one. Each returns answers by index.
var modelRuns = []struct {
	name string
	// exact: every fully seen pidfd must be known (after the whole stream,
	// later rebinds may have pushed a binding out).
	exact bool
	run   func(stream []trace.Event, sends map[int]modelWant) map[int]Target
}{
	{"online", true, func(stream []trace.Event, sends map[int]modelWant) map[int]Target {
		tr, got := NewTracker(), map[int]Target{}
		for i := range stream {
			tr.Observe(&stream[i])
			if _, ok := sends[i]; ok {
				got[i] = resolveEvent(tr, &stream[i])
			}
		}
		return got
	}},
	{"online, under tight bounds", false, func(stream []trace.Event, sends map[int]modelWant) map[int]Target {
		tr, got := NewTracker(WithMaxProcesses(5), WithMaxFDs(8)), map[int]Target{}
		for i := range stream {
			tr.Observe(&stream[i])
			if _, ok := sends[i]; ok {
				got[i] = resolveEvent(tr, &stream[i])
			}
		}
		return got
	}},
	{"after", false, func(stream []trace.Event, sends map[int]modelWant) map[int]Target {
		tr, got := NewTracker(), map[int]Target{}
		for i := range stream {
			tr.Observe(&stream[i])
		}
		for i := range sends {
			got[i] = resolveEvent(tr, &stream[i])
		}
		return got
	}},
	{"second consumer", true, func(stream []trace.Event, sends map[int]modelWant) map[int]Target {
		tr, got := NewTracker(), map[int]Target{}
		const lag = 5
		for i := 0; i < len(stream)+lag; i++ {
			if i < len(stream) {
				tr.Observe(&stream[i])
			}
			if j := i - lag; j >= 0 {
				ev := stream[j]
				tr.Observe(&ev)
				if _, ok := sends[j]; ok {
					got[j] = resolveEvent(tr, &ev)
				}
			}
		}
		return got
	}},
}

func TestTrackerAgreesWithAModelKernel(t *testing.T) {
	known, seenPidfds := 0, 0
	for seed := int64(1); seed <= 100; seed++ {
		m := newModel(seed)
		for i := 0; i < 250; i++ {
			m.step()
		}
		stream := stamped(m.out...)
		for _, run := range modelRuns {
			got := run.run(stream, m.wants)
			for i, want := range m.wants {
				g := got[i]
				if want.seen && want.pid != 0 {
					seenPidfds++
					if g.Known() {
						known++
					} else if run.exact {
						t.Fatalf("seed %d, send %d (%s): a fully seen pidfd is unknown: %+v", seed, i, run.name, g)
					}
				}
				if !g.Known() {
					continue
				}
				require.Equal(t, want.pid, g.HostPID, "seed %d, send %d (%s): %+v", seed, i, run.name, g)
				require.Equal(t, want.exited, g.Exited, "seed %d, send %d (%s): %+v", seed, i, run.name, g)
			}
		}
	}
	t.Logf("%d of %d fully seen pidfds known; no answer contradicts the model", known, seenPidfds)
}
