package rego

import (
	"strconv"

	"github.com/aquasecurity/tracee/types/trace"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/rego/internal/vm"
)

// inputView is a rule's input as the plan machine reads it: each field
// read from the event when a rule looks it up, the whole object built
// (by buildInput, the same input OPA's evaluator gets) only when a rule
// needs all of it. A view is reset for each event and allocates nothing
// for the scalar fields and the decoded call.
type inputView struct {
	ev     *trace.Event
	enr    *enrichment // nil: no input.pidfdsig
	fields inputFields
	whole  *vm.Object
	pfd    enrichmentView
	refs   viewRefs
}

// viewRefs are the machine's references to a view and its parts, made
// once: the view stays where it is from one event to the next.
type viewRefs struct {
	input, pfd, call, sender, target *vm.LazyRef
}

// newInputView returns a view, for reset to point at events.
func newInputView() *inputView {
	v := &inputView{}
	v.refs = viewRefs{
		input:  vm.NewLazy(v),
		pfd:    vm.NewLazy(&v.pfd),
		call:   vm.NewLazy(&v.pfd.call),
		sender: vm.NewLazy(&v.pfd.call.sender),
		target: vm.NewLazy(&v.pfd.target),
	}
	v.pfd.refs = &v.refs
	v.pfd.call.refs = &v.refs
	return v
}

// reset points the view at another event.
func (v *inputView) reset(ev *trace.Event, enr *enrichment, fields inputFields) {
	v.ev, v.enr, v.fields, v.whole = ev, enr, fields, nil
	v.pfd.enr, v.pfd.whole = enr, nil
	v.pfd.call.call, v.pfd.call.whole = nil, nil
	v.pfd.call.sender = senderView{}
	v.pfd.target = targetView{enr: enr}
	if enr != nil {
		v.pfd.call.call = &enr.call
		v.pfd.call.sender.s = &enr.call.Sender
	}
}

// clear drops the view's references to the event.
func (v *inputView) clear() { v.reset(nil, nil, 0) }

// value returns the view as the machine's input.
func (v *inputView) value() vm.Value { return vm.LazyObject(v.refs.input) }

// Get implements vm.Lazy.
func (v *inputView) Get(key string) (vm.Value, bool) {
	ev := v.ev
	has := func(f inputFields) bool { return v.fields&f != 0 }
	switch key {
	case "eventName":
		return vm.String(ev.EventName), has(fieldEventName)
	case "processName":
		return vm.String(ev.ProcessName), has(fieldProcessName)
	case "userId":
		return vm.Int(int64(ev.UserID)), has(fieldUserID)
	case "hostProcessId":
		return vm.Int(int64(ev.HostProcessID)), has(fieldHostProcessID)
	case "processId":
		return vm.Int(int64(ev.ProcessID)), has(fieldProcessID)
	case "returnValue":
		return vm.Int(int64(ev.ReturnValue)), has(fieldReturnValue)
	case "pidNamespace":
		return vm.Int(int64(ev.PIDNS)), has(fieldPidNamespace)
	case "processEntityId":
		return vm.Uint(uint64(ev.ProcessEntityId)), has(fieldProcessEntityID)
	case "threadEntityId":
		return vm.Uint(uint64(ev.ThreadEntityId)), has(fieldThreadEntityID)
	case "parentEntityId":
		return vm.Uint(uint64(ev.ParentEntityId)), has(fieldParentEntityID)
	case "timestamp":
		return vm.Int(int64(ev.Timestamp)), has(fieldTimestamp)
	case "threadStartTime":
		return vm.Int(int64(ev.ThreadStartTime)), has(fieldThreadStartTime)
	case "processorId":
		return vm.Int(int64(ev.ProcessorID)), has(fieldProcessorID)
	case "cgroupId":
		return vm.Uint(uint64(ev.CgroupID)), has(fieldCgroupID)
	case "threadId":
		return vm.Int(int64(ev.ThreadID)), has(fieldThreadID)
	case "parentProcessId":
		return vm.Int(int64(ev.ParentProcessID)), has(fieldParentProcessID)
	case "hostThreadId":
		return vm.Int(int64(ev.HostThreadID)), has(fieldHostThreadID)
	case "hostParentProcessId":
		return vm.Int(int64(ev.HostParentProcessID)), has(fieldHostParentProcessID)
	case "mountNamespace":
		return vm.Int(int64(ev.MountNS)), has(fieldMountNamespace)
	case "hostName":
		return vm.String(ev.HostName), has(fieldHostName)
	case "containerId":
		return vm.String(ev.ContainerID), has(fieldContainerID)
	case "eventId":
		return vm.String(strconv.Itoa(ev.EventID)), has(fieldEventID)
	case "argsNum":
		return vm.Int(int64(ev.ArgsNum)), has(fieldArgsNum)
	case "syscall":
		return vm.String(ev.Syscall), has(fieldSyscall)
	case InputKey:
		if v.enr == nil || !has(fieldPidfdsig) {
			return vm.Undefined, false
		}
		return vm.LazyObject(v.refs.pfd), true
	}
	return v.Object().Get(vm.String(key))
}

// Object implements vm.Lazy: the input buildInput makes.
func (v *inputView) Object() *vm.Object {
	if v.whole == nil {
		v.whole = objectOf(vm.FromAST(buildInput(v.ev, v.enr, v.fields)))
	}
	return v.whole
}

// objectOf returns the object a conversion made; an empty one when it
// failed (it cannot: the input holds values only).
func objectOf(v vm.Value, err error) *vm.Object {
	if o := v.Object(); err == nil && o != nil {
		return o
	}
	return vm.NewObject(0)
}

// enrichmentView is input.pidfdsig.
type enrichmentView struct {
	enr    *enrichment
	whole  *vm.Object
	call   callView
	target targetView
	refs   *viewRefs
}

// Get implements vm.Lazy.
func (v *enrichmentView) Get(key string) (vm.Value, bool) {
	switch key {
	case "call":
		if v.enr.parseErr == nil {
			return vm.LazyObject(v.refs.call), true
		}
	case "target":
		if v.enr.parseErr == nil && v.enr.resolved {
			return vm.LazyObject(v.refs.target), true
		}
	case "error":
		if v.enr.parseErr != nil {
			return vm.String(v.enr.parseErr.Error()), true
		}
	}
	return vm.Undefined, false
}

// enrichmentKeys are the members input.pidfdsig can have.
var enrichmentKeys = []string{"call", "target", "error"}

// Object implements vm.Lazy.
func (v *enrichmentView) Object() *vm.Object {
	if v.whole == nil {
		v.whole = objectFromGets(v, enrichmentKeys)
	}
	return v.whole
}

// callView is input.pidfdsig.call: events.Record of the call.
type callView struct {
	call   *events.SendSignal
	whole  *vm.Object
	sender senderView
	refs   *viewRefs
}

// flagNamesValues holds call.flag_names for each combination of the known
// flags; the machine never changes a value it did not make.
var flagNamesValues = func() [events.KnownFlags + 1]vm.Value {
	var out [events.KnownFlags + 1]vm.Value
	for f := range out {
		names := events.Flags(f).Names()
		elems := make([]vm.Value, len(names))
		for i, n := range names {
			elems[i] = vm.String(n)
		}
		out[f] = vm.ArrayOf(elems...)
	}
	return out
}()

// Get implements vm.Lazy.
func (v *callView) Get(key string) (vm.Value, bool) {
	c := v.call
	switch key {
	case "pidfd":
		return vm.Int(int64(c.PidFD)), true
	case "pidfd_kind":
		return vm.String(c.PidFD.Kind().String()), true
	case "sig":
		return vm.Int(int64(c.Signal)), true
	case "signal":
		return vm.String(c.Signal.String()), true
	case "flags":
		return vm.Uint(uint64(c.Flags)), true
	case "flag_names":
		return flagNamesValues[c.Flags.Known()], true
	case "unknown_flags":
		return vm.Uint(uint64(c.Flags.Unknown())), true
	case "multiple_scopes":
		return vm.Bool(c.Flags.MultipleScopes()), true
	case "scope":
		return vm.String(c.Scope().String()), true
	case "info":
		return vm.Uint(uint64(c.Info)), true
	case "return":
		return vm.Int(int64(c.Result)), true
	case "errno":
		return vm.String(c.Result.ErrnoName()), true
	case "sender":
		return vm.LazyObject(v.refs.sender), true
	}
	return vm.Undefined, false
}

// callKeys are the members of call, as events.Record has them.
var callKeys = []string{"pidfd", "pidfd_kind", "sig", "signal", "flags", "flag_names", "unknown_flags",
	"multiple_scopes", "scope", "info", "return", "errno", "sender"}

// Object implements vm.Lazy.
func (v *callView) Object() *vm.Object {
	if v.whole == nil {
		v.whole = objectFromGets(v, callKeys)
	}
	return v.whole
}

// objectFromGets builds the object of a view from its own lookups.
func objectFromGets(l vm.Lazy, keys []string) *vm.Object {
	o := vm.NewObject(len(keys))
	for _, k := range keys {
		if x, ok := l.Get(k); ok {
			o.Insert(vm.String(k), x)
		}
	}
	return o
}

// senderView is input.pidfdsig.call.sender.
type senderView struct {
	s     *events.Process
	whole *vm.Object
}

// Get implements vm.Lazy.
func (v *senderView) Get(key string) (vm.Value, bool) {
	s := v.s
	switch key {
	case "host_pid":
		return vm.Int(int64(s.HostPID)), true
	case "pid":
		return vm.Int(int64(s.PID)), true
	case "uid":
		return vm.Uint(uint64(s.UID)), true
	case "comm":
		return vm.String(s.Comm), true
	case "exe":
		return vm.String(s.Exe), true
	case "container_id":
		return vm.String(s.ContainerID), true
	}
	return vm.Undefined, false
}

// senderKeys are the members of call.sender, as events.Process has them.
var senderKeys = []string{"host_pid", "pid", "uid", "comm", "exe", "container_id"}

// Object implements vm.Lazy.
func (v *senderView) Object() *vm.Object {
	if v.whole == nil {
		v.whole = objectFromGets(v, senderKeys)
	}
	return v.whole
}

// targetView is input.pidfdsig.target: target.Record, unknown values left
// out.
type targetView struct {
	enr   *enrichment
	whole *vm.Object
}

// Get implements vm.Lazy.
func (v *targetView) Get(key string) (vm.Value, bool) {
	t := v.enr.resolvedTarget()
	switch key {
	case "source":
		return vm.String(t.Source.String()), true
	case "reason":
		return vm.String(t.Reason), t.Reason != ""
	case "host_pid":
		return vm.Int(int64(t.HostPID)), t.HostPID > 0
	case "host_tid":
		return vm.Int(int64(t.HostTID)), t.HostTID > 0
	case "pid":
		return vm.Int(int64(t.PID)), t.PID > 0
	case "thread":
		return vm.Bool(t.Thread), true
	case "uid":
		return vm.Uint(uint64(t.UID)), t.UIDKnown
	case "euid":
		return vm.Uint(uint64(t.EUID)), t.CredsKnown
	case "suid":
		return vm.Uint(uint64(t.SUID)), t.CredsKnown
	case "comm":
		return vm.String(t.Comm), t.Comm != ""
	case "exe":
		return vm.String(t.Exe), t.Exe != ""
	case "container_id":
		return vm.String(t.ContainerID), t.ContainerID != ""
	case "pid_ns":
		return vm.Uint(uint64(t.PidNS)), t.PidNS != 0
	case "is_sender":
		return vm.Bool(t.IsSender), true
	case "exited":
		return vm.Bool(t.Exited), true
	}
	return vm.Undefined, false
}

// targetKeys are the members target.Record can have.
var targetKeys = []string{"source", "reason", "host_pid", "host_tid", "pid", "thread", "uid", "euid", "suid",
	"comm", "exe", "container_id", "pid_ns", "is_sender", "exited"}

// Object implements vm.Lazy.
func (v *targetView) Object() *vm.Object {
	if v.whole == nil {
		v.whole = objectFromGets(v, targetKeys)
	}
	return v.whole
}

var (
	_ vm.Lazy = (*inputView)(nil)
	_ vm.Lazy = (*enrichmentView)(nil)
	_ vm.Lazy = (*callView)(nil)
	_ vm.Lazy = (*senderView)(nil)
	_ vm.Lazy = (*targetView)(nil)
)
