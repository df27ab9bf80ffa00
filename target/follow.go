package target

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/protocol"
	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/internal/payload"
)

// FollowerTag is a Tag of every Follower. The signatures of the Tracee
// plugin carry it too, so that one Tracee selection takes them all:
// `--events pidfdsig` (v0.24.1) or `--events tag=pidfdsig` (main).
const FollowerTag = "pidfdsig"

// FollowerEventPrefix starts the event name of every Follower:
// "pidfdsig_follow_dup2" follows dup2.
const FollowerEventPrefix = "pidfdsig_follow_"

// Follower is a Tracee signature that reports nothing: it hands every event
// of one companion event (pidfd_open, dup2, close...) to a Tracker.
//
// Why one signature per companion event: Tracee makes a signature's event
// depend on every event the signature selects, and when one of them cannot
// be traced on this kernel (dup, dup2 and dup3 need kprobes) it removes the
// signature's event along with it. A signature that selected every
// companion event would then detect nothing. With one Follower per
// companion, an event Tracee cannot trace takes down only its own Follower
// and costs only what that event would have told the Tracker; the
// signatures, which select pidfd_send_signal alone (see Followers.Resolver),
// keep firing wherever pidfd_send_signal can be traced.
//
// Tracee hands events to every signature from one goroutine, in stream
// order, so a Follower has observed a companion event before any signature
// sees a later pidfd_send_signal.
type Follower struct {
	tracker *Tracker
	event   string
	parent  *Followers
	meta    detect.SignatureMetadata

	// running and events are atomics, not under a lock: a Follower sits
	// on Tracee's path for every companion event (close among them).
	running atomic.Bool
	events  atomic.Uint64
}

var _ detect.Signature = (*Follower)(nil)

// Event returns the companion event the Follower follows.
func (f *Follower) Event() string { return f.event }

// GetMetadata returns the Follower's metadata: ID "PFD-FOLLOW-<EVENT>",
// event name FollowerEventPrefix+event, Tags FollowerTag.
func (f *Follower) GetMetadata() (detect.SignatureMetadata, error) {
	m := f.meta
	m.Tags = append([]string(nil), f.meta.Tags...)
	m.Properties = map[string]interface{}{}
	for k, v := range f.meta.Properties {
		m.Properties[k] = v
	}
	return m, nil
}

// GetSelectedEvents returns the one companion event, from Tracee, any
// origin.
func (f *Follower) GetSelectedEvents() ([]detect.SignatureEventSelector, error) {
	return []detect.SignatureEventSelector{{Source: trace.EventSource, Name: f.event, Origin: "*"}}, nil
}

// Init starts the Follower. Tracee calls it only when the Follower's event
// is selected; Followers.Coverage reports those it never called.
func (f *Follower) Init(detect.SignatureContext) error {
	f.running.Store(true)
	f.parent.markInit(f.event)
	return nil
}

// OnEvent hands the event to the Tracker. A payload that is not a
// trace.Event is counted by the Tracker as malformed; nothing is returned
// as an error, so the engine never stops on a Follower.
func (f *Follower) OnEvent(event protocol.Event) error {
	if !f.running.Load() {
		return nil
	}
	f.events.Add(1)
	ev, _ := payload.Of(event.Payload)
	f.tracker.Observe(ev) // a nil ev is counted as malformed
	return nil
}

// OnSignal accepts Tracee's lifecycle signals; a Follower keeps no pending
// work.
func (f *Follower) OnSignal(detect.Signal) error { return nil }

// Close stops the Follower; an OnEvent that starts after Close is a no-op.
// The Tracker is its owner's to close.
func (f *Follower) Close() {
	f.running.Store(false)
}

// Events returns how many events the Follower has handed to the Tracker.
func (f *Follower) Events() uint64 {
	return f.events.Load()
}

// companion is what the Followers know of one companion event: what Tracee
// needs to trace it beyond what pidfd_send_signal needs (nothing, or a
// kernel feature), and what the Tracker loses without it.
type companion struct {
	event string
	needs HostFeature
	loses string
}

// companions lists the events a Tracker learns from, besides
// pidfd_send_signal, in the order of selectedEvents. The needs column is
// read from Tracee's event definitions (pkg/events/core.go), identical in
// v0.24.1 and main 7c9ec9788: dup, dup2 and dup3 are traced with kprobes,
// every other system call from the raw sys_enter/sys_exit tracepoints that
// pidfd_send_signal needs too, and the sched_process_* events from
// scheduler tracepoints.
var companions = [...]companion{
	{events.EventPidfdOpen, 0, "pidfds made by pidfd_open (most pidfds)"},
	{events.EventPidfdGetfd, 0, "pidfds copied out of another process with pidfd_getfd"},
	{events.EventClose, 0, "closes: a tracked fd number reused by an untracked pidfd resolves to the earlier target"},
	{events.EventCloseRange, 0, "close_range closes: as for close"},
	{events.EventDup, FeatureKprobes, "pidfds copied with dup"},
	{events.EventDup2, FeatureKprobes, "pidfds copied with dup2 (and an fd number dup2 replaces keeps its earlier target)"},
	{events.EventDup3, FeatureKprobes, "pidfds copied with dup3 (and an fd number dup3 replaces keeps its earlier target)"},
	{events.EventFcntl, 0, "pidfds copied with fcntl F_DUPFD/F_DUPFD_CLOEXEC, and F_SETFD close-on-exec changes"},
	{events.EventSchedProcessFork, 0, "pidfds a child inherits, and namespace pids of new processes"},
	{events.EventSchedProcessExec, 0, "close-on-exec closes at exec, and new program names"},
	{events.EventSchedProcessExit, 0, "exits: a target that exited is not reported as exited"},
	{events.EventSetuid, 0, "uid changes by setuid (until the process's next event shows them)"},
	{events.EventSetreuid, 0, "uid changes by setreuid (until the process's next event shows them)"},
	{events.EventSetresuid, 0, "uid changes by setresuid (until the process's next event shows them)"},
}

// HostFeature is a kernel feature some companion events need.
type HostFeature uint8

// The features companion events can need.
const (
	// FeatureKprobes: kernel probes, which Tracee attaches for dup, dup2
	// and dup3. Kernels built without CONFIG_KPROBES lack them.
	FeatureKprobes HostFeature = 1 << iota
)

// String returns the feature's name.
func (h HostFeature) String() string {
	switch h {
	case FeatureKprobes:
		return "kprobes"
	case 0:
		return "none"
	}
	return fmt.Sprintf("HostFeature(%d)", uint8(h))
}

// Gap is a companion event the Tracker does not get, and what that costs.
type Gap struct {
	Event string // the companion event
	Why   string // "this kernel has no kprobes" or "not selected"
	Loses string // what the Tracker cannot follow without it
}

// String returns "dup2 (this kernel has no kprobes): pidfds copied with dup2 ...".
func (g Gap) String() string {
	return fmt.Sprintf("%s (%s): %s", g.Event, g.Why, g.Loses)
}

// Followers are the Followers of one Tracker, one per companion event, and
// the view of the Tracker the signatures that use them resolve with.
type Followers struct {
	tracker  *Tracker
	list     []*Follower
	missing  HostFeature
	notify   func(Coverage)
	reported sync.Once

	mu     sync.Mutex
	inited map[string]bool
}

// FollowersOption configures Followers.
type FollowersOption func(*Followers)

// WithHostFeatures tells the Followers which kernel features this host
// lacks, instead of reading them from /sys (MissingHostFeatures).
func WithHostFeatures(missing HostFeature) FollowersOption {
	return func(f *Followers) { f.missing = missing }
}

// WithCoverageReport makes the Followers call report once, when the first
// pidfd_send_signal reaches the Resolver view (Tracee has then initialized
// every signature it selected), with what the Tracker is missing. It is
// not called when nothing is missing.
func WithCoverageReport(report func(Coverage)) FollowersOption {
	return func(f *Followers) { f.notify = report }
}

// NewFollowers returns the Followers of t.
func NewFollowers(t *Tracker, opts ...FollowersOption) *Followers {
	f := &Followers{tracker: t, inited: make(map[string]bool, len(companions))}
	f.missing = MissingHostFeatures()
	for _, o := range opts {
		o(f)
	}
	for _, c := range companions {
		f.list = append(f.list, &Follower{
			tracker: t,
			event:   c.event,
			parent:  f,
			meta: detect.SignatureMetadata{
				ID:          "PFD-FOLLOW-" + strings.ToUpper(c.event),
				Version:     "1",
				Name:        "pidfdsig follows " + c.event,
				EventName:   FollowerEventPrefix + c.event,
				Description: "Hands " + c.event + " events to pidfdsig's target tracker, which tells the PFD signatures which process a pidfd points at. Reports nothing.",
				Tags:        []string{FollowerTag},
				Properties:  map[string]interface{}{"Category": "pidfdsig-target-tracking"},
			},
		})
	}
	return f
}

// Signatures returns the Followers as Tracee signatures, in a fixed order.
func (f *Followers) Signatures() []detect.Signature {
	out := make([]detect.Signature, len(f.list))
	for i, x := range f.list {
		out[i] = x
	}
	return out
}

// Followers returns the Followers, in the order of Signatures.
func (f *Followers) Followers() []*Follower { return append([]*Follower(nil), f.list...) }

func (f *Followers) markInit(event string) {
	f.mu.Lock()
	f.inited[event] = true
	f.mu.Unlock()
}

// Unavailable returns the companion events this host cannot give Tracee
// (their kernel feature is missing), whatever is selected. It is known as
// soon as the Followers exist: the plugin reports it when Tracee loads it.
func (f *Followers) Unavailable() []Gap {
	var gaps []Gap
	for _, c := range companions {
		if c.needs != 0 && f.missing&c.needs != 0 {
			gaps = append(gaps, Gap{Event: c.event, Why: "this kernel has no " + c.needs.String(), Loses: c.loses})
		}
	}
	return gaps
}

// Coverage returns what the Tracker is missing now: the companion events
// this host cannot give, and those whose Follower Tracee did not start
// (its event was not selected).
func (f *Followers) Coverage() Coverage {
	cov := Coverage{Unavailable: f.Unavailable()}
	unavailable := make(map[string]bool, len(cov.Unavailable))
	for _, g := range cov.Unavailable {
		unavailable[g.Event] = true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range companions {
		if !f.inited[c.event] && !unavailable[c.event] {
			cov.NotSelected = append(cov.NotSelected, Gap{Event: c.event, Why: "not selected", Loses: c.loses})
		}
	}
	return cov
}

// Coverage is what a Tracker fed by Followers is missing.
type Coverage struct {
	// Unavailable are companion events this kernel cannot give Tracee.
	Unavailable []Gap
	// NotSelected are companion events whose Follower Tracee did not
	// start: its event (FollowerEventPrefix+event) was not selected.
	NotSelected []Gap
}

// Complete reports whether nothing is missing.
func (c Coverage) Complete() bool { return len(c.Unavailable) == 0 && len(c.NotSelected) == 0 }

// Messages returns one line per kind of gap, for an operator's log:
// what is missing, what it costs, and what to do about it.
func (c Coverage) Messages() []string {
	var out []string
	if len(c.Unavailable) > 0 {
		out = append(out, "companion events this kernel cannot give Tracee, so their pidfds are resolved only by a live lookup of /proc, "+
			"which misses a copy closed before the lookup: "+joinGaps(c.Unavailable))
	}
	if len(c.NotSelected) > 0 {
		out = append(out, "companion events not selected, so their pidfds are resolved only by a live lookup of /proc; "+
			"select every pidfdsig event with `--events "+FollowerTag+"` (Tracee v0.24.1) or `--events tag="+FollowerTag+"` (main): "+joinGaps(c.NotSelected))
	}
	return out
}

func joinGaps(gaps []Gap) string {
	parts := make([]string, len(gaps))
	for i, g := range gaps {
		parts[i] = g.String()
	}
	return strings.Join(parts, "; ")
}

// Resolver returns the view of the Tracker the signatures fed by these
// Followers resolve with: it observes and resolves like the Tracker but
// selects no companion events (it has no SelectedEvents method), so that a
// signature using it selects pidfd_send_signal alone and Tracee cannot
// remove its event for a companion it cannot trace.
func (f *Followers) Resolver() *FollowedTracker { return &FollowedTracker{f: f} }

// FollowedTracker is a Tracker whose companion events come from Followers.
// See Followers.Resolver.
type FollowedTracker struct{ f *Followers }

// Observe passes ev to the Tracker. The first call reports the coverage
// (WithCoverageReport).
func (v *FollowedTracker) Observe(ev *trace.Event) {
	v.f.reported.Do(v.f.report)
	v.f.tracker.Observe(ev)
}

// Resolve answers for call as the Tracker does.
func (v *FollowedTracker) Resolve(ev *trace.Event, call *events.SendSignal) Target {
	return v.f.tracker.Resolve(ev, call)
}

// Tracker returns the Tracker behind the view.
func (v *FollowedTracker) Tracker() *Tracker { return v.f.tracker }

func (f *Followers) report() {
	if f.notify == nil {
		return
	}
	if cov := f.Coverage(); !cov.Complete() {
		f.notify(cov)
	}
}
