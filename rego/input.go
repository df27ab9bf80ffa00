package rego

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"hash/maphash"
	"math"
	"strconv"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

// InputKey is the one key of a rule's input that is not part of Tracee's
// trace.Event JSON: input.pidfdsig = {"call": <events.Record>, "target":
// <target.Record>} on pidfd_send_signal events, {"error": "..."} when the
// call could not be decoded, absent on every other event.
const InputKey = "pidfdsig"

// Keys of the rule input, built once: terms are immutable, so every input
// object shares them.
var (
	keyTimestamp           = ast.StringTerm("timestamp")
	keyThreadStartTime     = ast.StringTerm("threadStartTime")
	keyProcessorID         = ast.StringTerm("processorId")
	keyProcessID           = ast.StringTerm("processId")
	keyCgroupID            = ast.StringTerm("cgroupId")
	keyThreadID            = ast.StringTerm("threadId")
	keyParentProcessID     = ast.StringTerm("parentProcessId")
	keyHostProcessID       = ast.StringTerm("hostProcessId")
	keyHostThreadID        = ast.StringTerm("hostThreadId")
	keyHostParentProcessID = ast.StringTerm("hostParentProcessId")
	keyUserID              = ast.StringTerm("userId")
	keyMountNamespace      = ast.StringTerm("mountNamespace")
	keyPidNamespace        = ast.StringTerm("pidNamespace")
	keyProcessName         = ast.StringTerm("processName")
	keyExecutable          = ast.StringTerm("executable")
	keyPath                = ast.StringTerm("path")
	keyHostName            = ast.StringTerm("hostName")
	keyContainerID         = ast.StringTerm("containerId")
	keyContainer           = ast.StringTerm("container")
	keyID                  = ast.StringTerm("id")
	keyName                = ast.StringTerm("name")
	keyImage               = ast.StringTerm("image")
	keyImageDigest         = ast.StringTerm("imageDigest")
	keyKubernetes          = ast.StringTerm("kubernetes")
	keyPodName             = ast.StringTerm("podName")
	keyPodNamespace        = ast.StringTerm("podNamespace")
	keyPodUID              = ast.StringTerm("podUID")
	keyPodSandbox          = ast.StringTerm("podSandbox")
	keyEventID             = ast.StringTerm("eventId")
	keyEventName           = ast.StringTerm("eventName")
	keyMatchedPolicies     = ast.StringTerm("matchedPolicies")
	keyArgsNum             = ast.StringTerm("argsNum")
	keyReturnValue         = ast.StringTerm("returnValue")
	keySyscall             = ast.StringTerm("syscall")
	keyStackAddresses      = ast.StringTerm("stackAddresses")
	keyContextFlags        = ast.StringTerm("contextFlags")
	keyContainerStarted    = ast.StringTerm("containerStarted")
	keyIsCompat            = ast.StringTerm("isCompat")
	keyThreadEntityID      = ast.StringTerm("threadEntityId")
	keyProcessEntityID     = ast.StringTerm("processEntityId")
	keyParentEntityID      = ast.StringTerm("parentEntityId")
	keyArgs                = ast.StringTerm("args")
	keyType                = ast.StringTerm("type")
	keyValue               = ast.StringTerm("value")
	keyMetadata            = ast.StringTerm("metadata")

	keyPidfdsig = ast.StringTerm(InputKey)
	keyCall     = ast.StringTerm("call")
	keyTarget   = ast.StringTerm("target")
	keyError    = ast.StringTerm("error")

	keyPidFD          = ast.StringTerm("pidfd")
	keyPidFDKind      = ast.StringTerm("pidfd_kind")
	keySig            = ast.StringTerm("sig")
	keySignal         = ast.StringTerm("signal")
	keyFlags          = ast.StringTerm("flags")
	keyFlagNames      = ast.StringTerm("flag_names")
	keyUnknownFlags   = ast.StringTerm("unknown_flags")
	keyMultipleScopes = ast.StringTerm("multiple_scopes")
	keyScope          = ast.StringTerm("scope")
	keyInfo           = ast.StringTerm("info")
	keyReturn         = ast.StringTerm("return")
	keyErrno          = ast.StringTerm("errno")
	keySender         = ast.StringTerm("sender")
	keyHostPID        = ast.StringTerm("host_pid")
	keyHostTID        = ast.StringTerm("host_tid")
	keyPID            = ast.StringTerm("pid")
	keyUID            = ast.StringTerm("uid")
	keyEUID           = ast.StringTerm("euid")
	keySUID           = ast.StringTerm("suid")
	keyComm           = ast.StringTerm("comm")
	keyExe            = ast.StringTerm("exe")
	keyContainerIDRec = ast.StringTerm("container_id")
	keySource         = ast.StringTerm("source")
	keyReason         = ast.StringTerm("reason")
	keyThread         = ast.StringTerm("thread")
	keyPidNS          = ast.StringTerm("pid_ns")
	keyIsSender       = ast.StringTerm("is_sender")
	keyExited         = ast.StringTerm("exited")
)

// enrichment is what the runtime adds to one pidfd_send_signal event.
type enrichment struct {
	call     events.SendSignal
	target   target.Target
	resolved bool  // target holds the Resolver's answer
	parseErr error // the call could not be decoded

	// For the plan machine, the target is resolved on first look: a rule
	// that decides on the call alone never pays for it.
	pending  bool
	resolver Resolver
	ev       *trace.Event
}

// resolvedTarget returns the call's target, resolving it now if that was
// left for later.
func (e *enrichment) resolvedTarget() *target.Target {
	if e.pending {
		e.target, e.pending = e.resolver.Resolve(e.ev, &e.call), false
	}
	return &e.target
}

// inputValue builds the whole rule input for ev: the value encoding/json
// would produce for the trace.Event, plus input.pidfdsig when enr is not
// nil. It builds OPA terms directly, with no JSON round trip.
func inputValue(ev *trace.Event, enr *enrichment) ast.Value {
	return buildInput(ev, enr, allInputFields)
}

// buildInput builds the keys of the rule input in fields.
func buildInput(ev *trace.Event, enr *enrichment, fields inputFields) ast.Value {
	var b termBuilder
	var buf [40][2]*ast.Term
	items := buf[:0]
	if fields&fieldTimestamp != 0 {
		items = append(items, [2]*ast.Term{keyTimestamp, b.int(ev.Timestamp)})
	}
	if fields&fieldThreadStartTime != 0 {
		items = append(items, [2]*ast.Term{keyThreadStartTime, b.int(ev.ThreadStartTime)})
	}
	if fields&fieldProcessorID != 0 {
		items = append(items, [2]*ast.Term{keyProcessorID, b.int(ev.ProcessorID)})
	}
	if fields&fieldProcessID != 0 {
		items = append(items, [2]*ast.Term{keyProcessID, b.int(ev.ProcessID)})
	}
	if fields&fieldCgroupID != 0 {
		items = append(items, [2]*ast.Term{keyCgroupID, b.uint(uint64(ev.CgroupID))})
	}
	if fields&fieldThreadID != 0 {
		items = append(items, [2]*ast.Term{keyThreadID, b.int(ev.ThreadID)})
	}
	if fields&fieldParentProcessID != 0 {
		items = append(items, [2]*ast.Term{keyParentProcessID, b.int(ev.ParentProcessID)})
	}
	if fields&fieldHostProcessID != 0 {
		items = append(items, [2]*ast.Term{keyHostProcessID, b.int(ev.HostProcessID)})
	}
	if fields&fieldHostThreadID != 0 {
		items = append(items, [2]*ast.Term{keyHostThreadID, b.int(ev.HostThreadID)})
	}
	if fields&fieldHostParentProcessID != 0 {
		items = append(items, [2]*ast.Term{keyHostParentProcessID, b.int(ev.HostParentProcessID)})
	}
	if fields&fieldUserID != 0 {
		items = append(items, [2]*ast.Term{keyUserID, b.int(ev.UserID)})
	}
	if fields&fieldMountNamespace != 0 {
		items = append(items, [2]*ast.Term{keyMountNamespace, b.int(ev.MountNS)})
	}
	if fields&fieldPidNamespace != 0 {
		items = append(items, [2]*ast.Term{keyPidNamespace, b.int(ev.PIDNS)})
	}
	if fields&fieldProcessName != 0 {
		items = append(items, [2]*ast.Term{keyProcessName, b.str(ev.ProcessName)})
	}
	if fields&fieldExecutable != 0 {
		items = append(items, [2]*ast.Term{keyExecutable, b.executable(ev.Executable.Path)})
	}
	if fields&fieldHostName != 0 {
		items = append(items, [2]*ast.Term{keyHostName, b.str(ev.HostName)})
	}
	if fields&fieldContainerID != 0 {
		items = append(items, [2]*ast.Term{keyContainerID, b.str(ev.ContainerID)})
	}
	if fields&fieldContainer != 0 {
		items = append(items, [2]*ast.Term{keyContainer, b.container(&ev.Container)})
	}
	if fields&fieldKubernetes != 0 {
		items = append(items, [2]*ast.Term{keyKubernetes, b.kubernetes(&ev.Kubernetes)})
	}
	if fields&fieldEventID != 0 {
		items = append(items, [2]*ast.Term{keyEventID, b.str(strconv.Itoa(ev.EventID))})
	}
	if fields&fieldEventName != 0 {
		items = append(items, [2]*ast.Term{keyEventName, b.str(ev.EventName)})
	}
	if fields&fieldMatchedPolicies != 0 && len(ev.MatchedPolicies) > 0 {
		items = append(items, [2]*ast.Term{keyMatchedPolicies, b.strings(ev.MatchedPolicies)})
	}
	if fields&fieldArgsNum != 0 {
		items = append(items, [2]*ast.Term{keyArgsNum, b.int(ev.ArgsNum)})
	}
	if fields&fieldReturnValue != 0 {
		items = append(items, [2]*ast.Term{keyReturnValue, b.int(ev.ReturnValue)})
	}
	if fields&fieldSyscall != 0 {
		items = append(items, [2]*ast.Term{keySyscall, b.str(ev.Syscall)})
	}
	if fields&fieldStackAddresses != 0 {
		items = append(items, [2]*ast.Term{keyStackAddresses, b.stack(ev.StackAddresses)})
	}
	if fields&fieldContextFlags != 0 {
		items = append(items, [2]*ast.Term{keyContextFlags, contextFlagsTerm(ev.ContextFlags)})
	}
	if fields&fieldThreadEntityID != 0 {
		items = append(items, [2]*ast.Term{keyThreadEntityID, b.uint(uint64(ev.ThreadEntityId))})
	}
	if fields&fieldProcessEntityID != 0 {
		items = append(items, [2]*ast.Term{keyProcessEntityID, b.uint(uint64(ev.ProcessEntityId))})
	}
	if fields&fieldParentEntityID != 0 {
		items = append(items, [2]*ast.Term{keyParentEntityID, b.uint(uint64(ev.ParentEntityId))})
	}
	if fields&fieldArgs != 0 {
		items = append(items, [2]*ast.Term{keyArgs, b.args(ev.Args)})
	}
	if fields&fieldMetadata != 0 && ev.Metadata != nil {
		items = append(items, [2]*ast.Term{keyMetadata, jsonTerm(ev.Metadata)})
	}
	if fields&fieldPidfdsig != 0 && enr != nil {
		items = append(items, [2]*ast.Term{keyPidfdsig, b.enrichment(enr)})
	}
	return ast.NewObject(items...)
}

// termBuilder makes the terms of one input. Terms and the digits of
// numbers come from a few shared blocks instead of one allocation each;
// values that recur between inputs (small numbers, names, empty objects)
// are shared terms. OPA never changes a term it is given.
type termBuilder struct {
	terms  []ast.Term
	digits []byte
}

// term returns a new term holding v.
func (b *termBuilder) term(v ast.Value) *ast.Term {
	if len(b.terms) == cap(b.terms) {
		b.terms = make([]ast.Term, 0, 24)
	}
	b.terms = append(b.terms, ast.Term{Value: v})
	return &b.terms[len(b.terms)-1]
}

func (b *termBuilder) int(n int) *ast.Term {
	if ast.HasInternedIntNumberTerm(n) {
		return ast.InternedTerm(n)
	}
	return b.int64(int64(n))
}

func (b *termBuilder) int64(n int64) *ast.Term {
	if n >= -1 && n <= math.MaxInt32 && ast.HasInternedIntNumberTerm(int(n)) {
		return ast.InternedTerm(int(n))
	}
	start := b.reserveDigits()
	b.digits = strconv.AppendInt(b.digits, n, 10)
	return b.number(start)
}

func (b *termBuilder) uint(n uint64) *ast.Term {
	if n <= math.MaxInt64 {
		return b.int64(int64(n))
	}
	start := b.reserveDigits()
	b.digits = strconv.AppendUint(b.digits, n, 10)
	return b.number(start)
}

// reserveDigits makes room for the digits of one 64-bit number at the end
// of the digits buffer, and returns where they start. The buffer never
// grows in place: the bytes numbers refer to are never written again.
func (b *termBuilder) reserveDigits() int {
	if cap(b.digits)-len(b.digits) < 20 {
		b.digits = make([]byte, 0, 128)
	}
	return len(b.digits)
}

// number returns a term for the digits from start to the end of the buffer.
func (b *termBuilder) number(start int) *ast.Term {
	return b.term(ast.Number(unsafe.String(&b.digits[start], len(b.digits)-start)))
}

// str returns s as a term, a shared one when s is a common name.
func (b *termBuilder) str(s string) *ast.Term {
	if t, ok := internedStrings[s]; ok {
		return t
	}
	return b.term(ast.String(s))
}

func (b *termBuilder) object(items ...[2]*ast.Term) *ast.Term {
	return b.term(ast.NewObject(items...))
}

func (b *termBuilder) strings(ss []string) *ast.Term {
	terms := make([]*ast.Term, len(ss))
	for i, s := range ss {
		terms[i] = b.str(s)
	}
	return b.term(ast.NewArray(terms...))
}

// stack renders stack addresses; encoding/json writes null for nil.
func (b *termBuilder) stack(addrs []uint64) *ast.Term {
	if addrs == nil {
		return ast.InternedNullTerm
	}
	terms := make([]*ast.Term, len(addrs))
	for i, a := range addrs {
		terms[i] = b.uint(a)
	}
	return b.term(ast.NewArray(terms...))
}

func (b *termBuilder) executable(path string) *ast.Term {
	if path == "" {
		return emptyExecutableTerm
	}
	return b.object([2]*ast.Term{keyPath, b.str(path)})
}

func contextFlagsTerm(f trace.ContextFlags) *ast.Term {
	i := 0
	if f.ContainerStarted {
		i |= 2
	}
	if f.IsCompat {
		i |= 1
	}
	return contextFlagsTerms[i]
}

// container mirrors trace.Container's omitempty fields.
func (b *termBuilder) container(c *trace.Container) *ast.Term {
	if *c == (trace.Container{}) {
		return emptyObjectTerm
	}
	items := make([][2]*ast.Term, 0, 4)
	items = b.appendNonEmpty(items, keyID, c.ID)
	items = b.appendNonEmpty(items, keyName, c.Name)
	items = b.appendNonEmpty(items, keyImage, c.ImageName)
	items = b.appendNonEmpty(items, keyImageDigest, c.ImageDigest)
	return b.object(items...)
}

// kubernetes mirrors trace.Kubernetes's omitempty fields.
func (b *termBuilder) kubernetes(k *trace.Kubernetes) *ast.Term {
	if *k == (trace.Kubernetes{}) {
		return emptyObjectTerm
	}
	items := make([][2]*ast.Term, 0, 4)
	items = b.appendNonEmpty(items, keyPodName, k.PodName)
	items = b.appendNonEmpty(items, keyPodNamespace, k.PodNamespace)
	items = b.appendNonEmpty(items, keyPodUID, k.PodUID)
	if k.PodSandbox {
		items = append(items, [2]*ast.Term{keyPodSandbox, ast.InternedTerm(true)})
	}
	return b.object(items...)
}

func (b *termBuilder) appendNonEmpty(items [][2]*ast.Term, key *ast.Term, s string) [][2]*ast.Term {
	if s == "" {
		return items
	}
	return append(items, [2]*ast.Term{key, b.str(s)})
}

func (b *termBuilder) appendPositive(items [][2]*ast.Term, key *ast.Term, n int32) [][2]*ast.Term {
	if n <= 0 {
		return items
	}
	return append(items, [2]*ast.Term{key, b.int(int(n))})
}

// args renders the arguments as [{"name", "type", "value"}], null for nil
// as encoding/json does.
func (b *termBuilder) args(args []trace.Argument) *ast.Term {
	if args == nil {
		return ast.InternedNullTerm
	}
	terms := make([]*ast.Term, len(args))
	for i := range args {
		terms[i] = b.arg(&args[i])
	}
	return b.term(ast.NewArray(terms...))
}

// arg renders one argument. Arguments with a small integer value, as most
// of a call's are (fds, signal numbers, flags, NULL pointers), are shared
// between inputs.
func (b *termBuilder) arg(a *trace.Argument) *ast.Term {
	n, small := smallInt(a.Value)
	if !small {
		return b.object(
			[2]*ast.Term{keyName, b.str(a.Name)},
			[2]*ast.Term{keyType, b.str(a.Type)},
			[2]*ast.Term{keyValue, b.value(a.Value)},
		)
	}
	key := argKey{name: a.Name, typ: a.Type, value: n}
	if t := argTerms.get(key); t != nil {
		return t
	}
	t := b.object(
		[2]*ast.Term{keyName, b.str(a.Name)},
		[2]*ast.Term{keyType, b.str(a.Type)},
		[2]*ast.Term{keyValue, ast.InternedTerm(int(n))},
	)
	argTerms.put(key, t)
	return t
}

// argKey identifies an argument with a small integer value.
type argKey struct {
	name, typ string
	value     int32
}

// smallInt returns an integral argument value that OPA interns (-1..512),
// the ones worth sharing.
func smallInt(v any) (int32, bool) {
	var n int64
	switch v := v.(type) {
	case int32:
		n = int64(v)
	case uint32:
		n = int64(v)
	case int64:
		n = v
	case uint64:
		if v > math.MaxInt32 {
			return 0, false
		}
		n = int64(v)
	case trace.Pointer:
		if v > math.MaxInt32 {
			return 0, false
		}
		n = int64(v)
	case int:
		n = int64(v)
	case uint16:
		n = int64(v)
	case uint8:
		n = int64(v)
	case int16:
		n = int64(v)
	case int8:
		n = int64(v)
	default:
		return 0, false
	}
	if n < -1 || n > math.MaxInt32 || !ast.HasInternedIntNumberTerm(int(n)) {
		return 0, false
	}
	return int32(n), true
}

// valueTerm converts an argument value the way encoding/json would render
// it.
func valueTerm(v any) *ast.Term {
	var b termBuilder
	return b.value(v)
}

// value converts an argument value the way encoding/json would render it:
// the types Tracee delivers directly, anything else through JSON.
func (b *termBuilder) value(v any) *ast.Term {
	switch v := v.(type) {
	case nil:
		return ast.InternedNullTerm
	case int32:
		return b.int(int(v))
	case uint32:
		return b.uint(uint64(v))
	case int64:
		return b.int64(v)
	case uint64:
		return b.uint(v)
	case trace.Pointer:
		return b.uint(uint64(v))
	case int:
		return b.int(v)
	case uint16:
		return b.int(int(v))
	case uint8:
		return b.int(int(v))
	case int16:
		return b.int(int(v))
	case int8:
		return b.int(int(v))
	case bool:
		return ast.InternedTerm(v)
	case string:
		return b.str(v)
	case []string:
		return b.strings(v)
	case []byte:
		return b.term(ast.String(base64.StdEncoding.EncodeToString(v)))
	case json.Number:
		return ast.NumberTerm(v)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return ast.InternedNullTerm // encoding/json refuses these
		}
		return ast.FloatNumberTerm(v)
	default:
		return jsonTerm(v)
	}
}

// jsonTerm converts any other value through its JSON encoding; a value
// encoding/json refuses becomes null.
func jsonTerm(v any) *ast.Term {
	b, err := json.Marshal(v)
	if err != nil {
		return ast.InternedNullTerm
	}
	val, err := ast.ValueFromReader(bytes.NewReader(b))
	if err != nil {
		return ast.InternedNullTerm
	}
	return ast.NewTerm(val)
}

// enrichmentTerm renders input.pidfdsig.
func enrichmentTerm(enr *enrichment) *ast.Term {
	var b termBuilder
	return b.enrichment(enr)
}

func (b *termBuilder) enrichment(enr *enrichment) *ast.Term {
	if enr.parseErr != nil {
		return b.object([2]*ast.Term{keyError, b.str(enr.parseErr.Error())})
	}
	if !enr.resolved {
		return b.object([2]*ast.Term{keyCall, b.call(&enr.call)})
	}
	return b.object(
		[2]*ast.Term{keyCall, b.call(&enr.call)},
		[2]*ast.Term{keyTarget, b.target(enr.resolvedTarget())},
	)
}

// callTerm renders events.Record under its JSON names.
func callTerm(call *events.SendSignal) *ast.Term {
	var b termBuilder
	return b.call(call)
}

// call renders events.Record from the call itself: what Record would hold,
// without building it.
func (b *termBuilder) call(call *events.SendSignal) *ast.Term {
	return b.object(
		[2]*ast.Term{keyPidFD, b.int(int(call.PidFD))},
		[2]*ast.Term{keyPidFDKind, b.str(call.PidFD.Kind().String())},
		[2]*ast.Term{keySig, b.int(int(call.Signal))},
		[2]*ast.Term{keySignal, b.str(call.Signal.String())},
		[2]*ast.Term{keyFlags, b.uint(uint64(call.Flags))},
		[2]*ast.Term{keyFlagNames, flagNamesTerms[call.Flags.Known()]},
		[2]*ast.Term{keyUnknownFlags, b.uint(uint64(call.Flags.Unknown()))},
		[2]*ast.Term{keyMultipleScopes, ast.InternedTerm(call.Flags.MultipleScopes())},
		[2]*ast.Term{keyScope, b.str(call.Scope().String())},
		[2]*ast.Term{keyInfo, b.uint(uint64(call.Info))},
		[2]*ast.Term{keyReturn, b.int64(int64(call.Result))},
		[2]*ast.Term{keyErrno, b.str(call.Result.ErrnoName())},
		[2]*ast.Term{keySender, b.sender(&call.Sender)},
	)
}

// senderKey is what call.sender holds.
type senderKey struct {
	hostPID, pid     int32
	uid              uint32
	comm, exe, ctrID string
}

// sender renders call.sender: shared between the inputs of the calls one
// process makes.
func (b *termBuilder) sender(s *events.Process) *ast.Term {
	key := senderKey{hostPID: s.HostPID, pid: s.PID, uid: s.UID, comm: s.Comm, exe: s.Exe, ctrID: s.ContainerID}
	if t := senderTerms.get(key); t != nil {
		return t
	}
	t := b.object(
		[2]*ast.Term{keyHostPID, b.int(int(s.HostPID))},
		[2]*ast.Term{keyPID, b.int(int(s.PID))},
		[2]*ast.Term{keyUID, b.uint(uint64(s.UID))},
		[2]*ast.Term{keyComm, b.str(s.Comm)},
		[2]*ast.Term{keyExe, b.str(s.Exe)},
		[2]*ast.Term{keyContainerIDRec, b.str(s.ContainerID)},
	)
	senderTerms.put(key, t)
	return t
}

// Per-process parts of the input, shared between inputs: a process makes
// many calls and is the target of several, and OPA never changes a term it
// is given.
var (
	argTerms    = newInternTable[argKey]()
	senderTerms = newInternTable[senderKey]()
	targetTerms = newInternTable[target.Target]()
)

// internTable remembers the last term built for each of a fixed number of
// hash slots: a direct-mapped cache, bounded, lock-free, whose entries are
// immutable. A key that misses costs its term's building, as without the
// table.
type internTable[K comparable] struct {
	seed  maphash.Seed
	slots [256]atomic.Pointer[internEntry[K]]
}

type internEntry[K comparable] struct {
	key  K
	term *ast.Term
}

func newInternTable[K comparable]() *internTable[K] {
	return &internTable[K]{seed: maphash.MakeSeed()}
}

func (t *internTable[K]) slot(key K) *atomic.Pointer[internEntry[K]] {
	return &t.slots[maphash.Comparable(t.seed, key)%uint64(len(t.slots))]
}

// get returns the term built for key, or nil.
func (t *internTable[K]) get(key K) *ast.Term {
	if e := t.slot(key).Load(); e != nil && e.key == key {
		return e.term
	}
	return nil
}

// put remembers term for key, in place of its slot's previous entry.
func (t *internTable[K]) put(key K, term *ast.Term) {
	t.slot(key).Store(&internEntry[K]{key: key, term: term})
}

// targetTerm renders target.Record.
func targetTerm(t *target.Target) *ast.Term {
	var b termBuilder
	return b.target(t)
}

// target renders target.Record: unknown values (zero numbers, empty
// strings, uids not known) are left out, as its JSON leaves them out.
func (b *termBuilder) target(t *target.Target) *ast.Term {
	if term := targetTerms.get(*t); term != nil {
		return term
	}
	term := b.newTarget(t)
	targetTerms.put(*t, term)
	return term
}

func (b *termBuilder) newTarget(t *target.Target) *ast.Term {
	var buf [16][2]*ast.Term
	items := buf[:0]
	items = append(items, [2]*ast.Term{keySource, b.str(t.Source.String())})
	items = b.appendNonEmpty(items, keyReason, t.Reason)
	items = b.appendPositive(items, keyHostPID, t.HostPID)
	items = b.appendPositive(items, keyHostTID, t.HostTID)
	items = b.appendPositive(items, keyPID, t.PID)
	items = append(items, [2]*ast.Term{keyThread, ast.InternedTerm(t.Thread)})
	if t.UIDKnown {
		items = append(items, [2]*ast.Term{keyUID, b.uint(uint64(t.UID))})
	}
	if t.CredsKnown {
		items = append(items,
			[2]*ast.Term{keyEUID, b.uint(uint64(t.EUID))},
			[2]*ast.Term{keySUID, b.uint(uint64(t.SUID))},
		)
	}
	items = b.appendNonEmpty(items, keyComm, t.Comm)
	items = b.appendNonEmpty(items, keyExe, t.Exe)
	items = b.appendNonEmpty(items, keyContainerIDRec, t.ContainerID)
	if t.PidNS != 0 {
		items = append(items, [2]*ast.Term{keyPidNS, b.uint(uint64(t.PidNS))})
	}
	items = append(items,
		[2]*ast.Term{keyIsSender, ast.InternedTerm(t.IsSender)},
		[2]*ast.Term{keyExited, ast.InternedTerm(t.Exited)},
	)
	return b.object(items...)
}

// Terms shared by every input: OPA never changes a term it is given, so
// inputs can share the values that recur (names, empty objects, flags).
var (
	// internedStrings holds the strings inputs keep repeating: event,
	// argument and type names, and every name a decoded call can hold.
	internedStrings = func() map[string]*ast.Term {
		m := map[string]*ast.Term{}
		add := func(ss ...string) {
			for _, s := range ss {
				if _, ok := m[s]; !ok {
					m[s] = ast.StringTerm(s)
				}
			}
		}
		add("", "0")
		for _, d := range events.Definitions() {
			add(d.Name, strconv.Itoa(int(d.LegacyID)))
			for _, f := range d.Fields {
				add(f.Name, f.Type)
			}
		}
		add("returnValue", "int64")
		for sig := events.SignalProbe; sig <= events.SIGRTMAX; sig++ {
			add(sig.String())
		}
		for e := syscall.Errno(1); e < 200; e++ {
			add(events.ErrnoName(e))
		}
		for sc := events.ScopeFromPidFD; sc <= events.ScopeInvalid; sc++ {
			add(sc.String())
		}
		for k := events.PidFDKindFD; k <= events.PidFDInvalid; k++ {
			add(k.String())
		}
		for src := target.SourceUnknown; src <= target.SourcePidfdInfo; src++ {
			add(src.String())
		}
		return m
	}()

	// flagNamesTerms holds call.flag_names for each combination of the
	// known flags.
	flagNamesTerms = func() [events.KnownFlags + 1]*ast.Term {
		var out [events.KnownFlags + 1]*ast.Term
		for f := range out {
			names := events.Flags(f).Names()
			terms := make([]*ast.Term, len(names))
			for i, n := range names {
				terms[i] = stringTerm(n)
			}
			out[f] = ast.ArrayTerm(terms...)
		}
		return out
	}()

	// contextFlagsTerms holds input.contextFlags, by containerStarted*2+isCompat.
	contextFlagsTerms = func() [4]*ast.Term {
		var out [4]*ast.Term
		for i := range out {
			out[i] = ast.ObjectTerm(
				[2]*ast.Term{keyContainerStarted, ast.InternedTerm(i&2 != 0)},
				[2]*ast.Term{keyIsCompat, ast.InternedTerm(i&1 != 0)},
			)
		}
		return out
	}()

	emptyObjectTerm     = ast.ObjectTerm()
	emptyExecutableTerm = ast.ObjectTerm([2]*ast.Term{keyPath, stringTerm("")})
)

// stringTerm returns s as a term, a shared one when s is a common name.
func stringTerm(s string) *ast.Term {
	if t, ok := internedStrings[s]; ok {
		return t
	}
	return ast.StringTerm(s)
}
