package rego

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"

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
	call     *events.SendSignal // nil when parseErr is set
	target   *target.Target     // nil without a resolver
	parseErr error
}

// inputValue builds the rule input for ev: the value encoding/json would
// produce for the trace.Event, plus input.pidfdsig when enr is not nil. It
// builds OPA terms directly, with no JSON round trip.
func inputValue(ev *trace.Event, enr *enrichment) ast.Value {
	items := make([][2]*ast.Term, 0, 40)
	items = append(items,
		[2]*ast.Term{keyTimestamp, intTerm(ev.Timestamp)},
		[2]*ast.Term{keyThreadStartTime, intTerm(ev.ThreadStartTime)},
		[2]*ast.Term{keyProcessorID, intTerm(ev.ProcessorID)},
		[2]*ast.Term{keyProcessID, intTerm(ev.ProcessID)},
		[2]*ast.Term{keyCgroupID, uintTerm(uint64(ev.CgroupID))},
		[2]*ast.Term{keyThreadID, intTerm(ev.ThreadID)},
		[2]*ast.Term{keyParentProcessID, intTerm(ev.ParentProcessID)},
		[2]*ast.Term{keyHostProcessID, intTerm(ev.HostProcessID)},
		[2]*ast.Term{keyHostThreadID, intTerm(ev.HostThreadID)},
		[2]*ast.Term{keyHostParentProcessID, intTerm(ev.HostParentProcessID)},
		[2]*ast.Term{keyUserID, intTerm(ev.UserID)},
		[2]*ast.Term{keyMountNamespace, intTerm(ev.MountNS)},
		[2]*ast.Term{keyPidNamespace, intTerm(ev.PIDNS)},
		[2]*ast.Term{keyProcessName, ast.StringTerm(ev.ProcessName)},
		[2]*ast.Term{keyExecutable, ast.ObjectTerm([2]*ast.Term{keyPath, ast.StringTerm(ev.Executable.Path)})},
		[2]*ast.Term{keyHostName, ast.StringTerm(ev.HostName)},
		[2]*ast.Term{keyContainerID, ast.StringTerm(ev.ContainerID)},
		[2]*ast.Term{keyContainer, containerTerm(&ev.Container)},
		[2]*ast.Term{keyKubernetes, kubernetesTerm(&ev.Kubernetes)},
		[2]*ast.Term{keyEventID, ast.StringTerm(strconv.Itoa(ev.EventID))},
		[2]*ast.Term{keyEventName, ast.StringTerm(ev.EventName)},
	)
	if len(ev.MatchedPolicies) > 0 {
		items = append(items, [2]*ast.Term{keyMatchedPolicies, stringsTerm(ev.MatchedPolicies)})
	}
	items = append(items,
		[2]*ast.Term{keyArgsNum, intTerm(ev.ArgsNum)},
		[2]*ast.Term{keyReturnValue, intTerm(ev.ReturnValue)},
		[2]*ast.Term{keySyscall, ast.StringTerm(ev.Syscall)},
		[2]*ast.Term{keyStackAddresses, stackTerm(ev.StackAddresses)},
		[2]*ast.Term{keyContextFlags, ast.ObjectTerm(
			[2]*ast.Term{keyContainerStarted, ast.InternedTerm(ev.ContextFlags.ContainerStarted)},
			[2]*ast.Term{keyIsCompat, ast.InternedTerm(ev.ContextFlags.IsCompat)},
		)},
		[2]*ast.Term{keyThreadEntityID, uintTerm(uint64(ev.ThreadEntityId))},
		[2]*ast.Term{keyProcessEntityID, uintTerm(uint64(ev.ProcessEntityId))},
		[2]*ast.Term{keyParentEntityID, uintTerm(uint64(ev.ParentEntityId))},
		[2]*ast.Term{keyArgs, argsTerm(ev.Args)},
	)
	if ev.Metadata != nil {
		items = append(items, [2]*ast.Term{keyMetadata, jsonTerm(ev.Metadata)})
	}
	if enr != nil {
		items = append(items, [2]*ast.Term{keyPidfdsig, enrichmentTerm(enr)})
	}
	return ast.NewObject(items...)
}

func intTerm(n int) *ast.Term {
	if ast.HasInternedIntNumberTerm(n) {
		return ast.InternedTerm(n)
	}
	return ast.IntNumberTerm(n)
}

func uintTerm(n uint64) *ast.Term {
	if n <= math.MaxInt32 {
		return intTerm(int(n))
	}
	return ast.UIntNumberTerm(n)
}

func stringsTerm(ss []string) *ast.Term {
	terms := make([]*ast.Term, len(ss))
	for i, s := range ss {
		terms[i] = ast.StringTerm(s)
	}
	return ast.ArrayTerm(terms...)
}

// stackTerm renders stack addresses; encoding/json writes null for nil.
func stackTerm(addrs []uint64) *ast.Term {
	if addrs == nil {
		return ast.InternedNullTerm
	}
	terms := make([]*ast.Term, len(addrs))
	for i, a := range addrs {
		terms[i] = uintTerm(a)
	}
	return ast.ArrayTerm(terms...)
}

// containerTerm mirrors trace.Container's omitempty fields.
func containerTerm(c *trace.Container) *ast.Term {
	items := make([][2]*ast.Term, 0, 4)
	items = appendNonEmpty(items, keyID, c.ID)
	items = appendNonEmpty(items, keyName, c.Name)
	items = appendNonEmpty(items, keyImage, c.ImageName)
	items = appendNonEmpty(items, keyImageDigest, c.ImageDigest)
	return ast.ObjectTerm(items...)
}

// kubernetesTerm mirrors trace.Kubernetes's omitempty fields.
func kubernetesTerm(k *trace.Kubernetes) *ast.Term {
	items := make([][2]*ast.Term, 0, 4)
	items = appendNonEmpty(items, keyPodName, k.PodName)
	items = appendNonEmpty(items, keyPodNamespace, k.PodNamespace)
	items = appendNonEmpty(items, keyPodUID, k.PodUID)
	if k.PodSandbox {
		items = append(items, [2]*ast.Term{keyPodSandbox, ast.InternedTerm(true)})
	}
	return ast.ObjectTerm(items...)
}

func appendNonEmpty(items [][2]*ast.Term, key *ast.Term, s string) [][2]*ast.Term {
	if s == "" {
		return items
	}
	return append(items, [2]*ast.Term{key, ast.StringTerm(s)})
}

// argsTerm renders the arguments as [{"name", "type", "value"}], null for
// nil as encoding/json does.
func argsTerm(args []trace.Argument) *ast.Term {
	if args == nil {
		return ast.InternedNullTerm
	}
	terms := make([]*ast.Term, len(args))
	for i := range args {
		terms[i] = ast.ObjectTerm(
			[2]*ast.Term{keyName, ast.StringTerm(args[i].Name)},
			[2]*ast.Term{keyType, ast.StringTerm(args[i].Type)},
			[2]*ast.Term{keyValue, valueTerm(args[i].Value)},
		)
	}
	return ast.ArrayTerm(terms...)
}

// valueTerm converts an argument value the way encoding/json would render
// it: the types Tracee delivers directly, anything else through JSON.
func valueTerm(v any) *ast.Term {
	switch v := v.(type) {
	case nil:
		return ast.InternedNullTerm
	case int32:
		return intTerm(int(v))
	case uint32:
		return uintTerm(uint64(v))
	case int64:
		return ast.NewTerm(ast.Number(strconv.FormatInt(v, 10)))
	case uint64:
		return uintTerm(v)
	case trace.Pointer:
		return uintTerm(uint64(v))
	case int:
		return intTerm(v)
	case uint16:
		return intTerm(int(v))
	case uint8:
		return intTerm(int(v))
	case int16:
		return intTerm(int(v))
	case int8:
		return intTerm(int(v))
	case bool:
		return ast.InternedTerm(v)
	case string:
		return ast.StringTerm(v)
	case []string:
		return stringsTerm(v)
	case []byte:
		return ast.StringTerm(base64.StdEncoding.EncodeToString(v))
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
	if enr.call == nil {
		msg := "undecodable call"
		if enr.parseErr != nil {
			msg = enr.parseErr.Error()
		}
		return ast.ObjectTerm([2]*ast.Term{keyError, ast.StringTerm(msg)})
	}
	items := make([][2]*ast.Term, 0, 2)
	items = append(items, [2]*ast.Term{keyCall, callTerm(enr.call)})
	if enr.target != nil {
		items = append(items, [2]*ast.Term{keyTarget, targetTerm(enr.target)})
	}
	return ast.ObjectTerm(items...)
}

// callTerm renders events.Record under its JSON names.
func callTerm(call *events.SendSignal) *ast.Term {
	r := call.Record()
	return ast.ObjectTerm(
		[2]*ast.Term{keyPidFD, intTerm(int(r.PidFD))},
		[2]*ast.Term{keyPidFDKind, ast.StringTerm(r.PidFDKind)},
		[2]*ast.Term{keySig, intTerm(int(r.Sig))},
		[2]*ast.Term{keySignal, ast.StringTerm(r.Signal)},
		[2]*ast.Term{keyFlags, uintTerm(uint64(r.Flags))},
		[2]*ast.Term{keyFlagNames, stringsTerm(r.FlagNames)},
		[2]*ast.Term{keyUnknownFlags, uintTerm(uint64(r.UnknownFlags))},
		[2]*ast.Term{keyMultipleScopes, ast.InternedTerm(r.MultipleScopes)},
		[2]*ast.Term{keyScope, ast.StringTerm(r.Scope)},
		[2]*ast.Term{keyInfo, uintTerm(r.Info)},
		[2]*ast.Term{keyReturn, ast.NewTerm(ast.Number(strconv.FormatInt(r.Return, 10)))},
		[2]*ast.Term{keyErrno, ast.StringTerm(r.Errno)},
		[2]*ast.Term{keySender, ast.ObjectTerm(
			[2]*ast.Term{keyHostPID, intTerm(int(r.Sender.HostPID))},
			[2]*ast.Term{keyPID, intTerm(int(r.Sender.PID))},
			[2]*ast.Term{keyUID, uintTerm(uint64(r.Sender.UID))},
			[2]*ast.Term{keyComm, ast.StringTerm(r.Sender.Comm)},
			[2]*ast.Term{keyExe, ast.StringTerm(r.Sender.Exe)},
			[2]*ast.Term{keyContainerIDRec, ast.StringTerm(r.Sender.ContainerID)},
		)},
	)
}

// targetTerm renders target.Record: unknown values (zero numbers, empty
// strings, uids not known) are left out, as its JSON leaves them out.
func targetTerm(t *target.Target) *ast.Term {
	items := make([][2]*ast.Term, 0, 15)
	items = append(items, [2]*ast.Term{keySource, ast.StringTerm(t.Source.String())})
	items = appendNonEmpty(items, keyReason, t.Reason)
	items = appendPositive(items, keyHostPID, t.HostPID)
	items = appendPositive(items, keyHostTID, t.HostTID)
	items = appendPositive(items, keyPID, t.PID)
	items = append(items, [2]*ast.Term{keyThread, ast.InternedTerm(t.Thread)})
	if t.UIDKnown {
		items = append(items, [2]*ast.Term{keyUID, uintTerm(uint64(t.UID))})
	}
	if t.CredsKnown {
		items = append(items,
			[2]*ast.Term{keyEUID, uintTerm(uint64(t.EUID))},
			[2]*ast.Term{keySUID, uintTerm(uint64(t.SUID))},
		)
	}
	items = appendNonEmpty(items, keyComm, t.Comm)
	items = appendNonEmpty(items, keyExe, t.Exe)
	items = appendNonEmpty(items, keyContainerIDRec, t.ContainerID)
	if t.PidNS != 0 {
		items = append(items, [2]*ast.Term{keyPidNS, uintTerm(uint64(t.PidNS))})
	}
	items = append(items,
		[2]*ast.Term{keyIsSender, ast.InternedTerm(t.IsSender)},
		[2]*ast.Term{keyExited, ast.InternedTerm(t.Exited)},
	)
	return ast.ObjectTerm(items...)
}

func appendPositive(items [][2]*ast.Term, key *ast.Term, n int32) [][2]*ast.Term {
	if n <= 0 {
		return items
	}
	return append(items, [2]*ast.Term{key, intTerm(int(n))})
}
