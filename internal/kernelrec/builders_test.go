//go:build linux

package kernelrec

import (
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
)

func TestEntityIDReproducesTheRealCaptures(t *testing.T) {
	at := func(rfc3339 string) uint64 {
		ts, err := time.Parse(time.RFC3339Nano, rfc3339)
		require.NoError(t, err)
		return uint64(ts.UnixNano())
	}
	tests := []struct {
		name      string
		tid       uint32
		startTime uint64
		want      uint32
	}{
		// testdata/tracee-samples/tracee-v0.24.1-trigger.jsonl
		{"v0.24.1 root sender", 32234, 1795741955060820351, 2415554493},
		{"v0.24.1 uid 65534 child", 32237, 1795741955263740391, 1545583781},
		// testdata/tracee-samples/tracee-main-trigger.jsonl
		{"main root sender", 19483, at("2026-11-27T01:00:20.785286204Z"), 4079304933},
		{"main uid 65534 child", 19485, at("2026-11-27T01:00:20.989270871Z"), 1027190715},
		{"a start time in the same 100 ms hashes the same", 32234, 1795741955099999999, 2415554493},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, EntityID(tt.tid, tt.startTime))
		})
	}
}

func TestMurmur3MatchesTheReferenceVectors(t *testing.T) {
	// MurmurHash3_x86_32 test vectors (SMHasher), every tail length.
	tests := []struct {
		data string
		seed uint32
		want uint32
	}{
		{"", 0, 0},
		{"", 1, 0x514e28b7},
		{"a", 0x9747b28c, 0x7fa09ea6},
		{"aaaa", 0x9747b28c, 0x5a97808a},
		{"abc", 0, 0xb3dd93fa},
		{"Hello, world!", 0x9747b28c, 0x24884cba},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, murmur3([]byte(tt.data), tt.seed), "%q seed %#x", tt.data, tt.seed)
	}
}

// sender is a task as SnapshotTask would read it.
var sender = Task{
	HostPID: 4100, HostTID: 4100, PID: 4100, TID: 4100, HostPPID: 4000, PPID: 4000,
	UID: 0, Comm: "kernelrec.test", Exe: "/tmp/kernelrec-1/kernelrec.test",
	PidNS: 4026531836, MntNS: 4026531832, CgroupID: 1, HostName: "vm", CPU: 1,
	StartTime: 1795741955060000000, LeaderStartTime: 1795741955060000000, ParentStartTime: 1795741950000000000,
}

// argValues returns the arguments of ev by name, with the Go types and
// Tracee types they carry.
func argValues(ev trace.Event) map[string]any {
	m := map[string]any{}
	for _, a := range ev.Args {
		m[a.Name] = a.Value
	}
	return m
}

func TestSyscallEventConvertsArgumentsToTraceeTypes(t *testing.T) {
	tests := []struct {
		name     string
		call     Call
		wantArgs map[string]any
		wantRet  int
	}{
		{
			name:     "pidfd_open returns the new fd",
			call:     Call{Event: events.EventPidfdOpen, Args: []int64{4242, 0}, Ret: 3},
			wantArgs: map[string]any{"pid": int32(4242), "flags": uint32(0)},
			wantRet:  3,
		},
		{
			name:     "pidfd_send_signal with NULL info refused with EPERM",
			call:     Call{Event: events.EventPidfdSendSignal, Args: []int64{3, 15, 0, 0}, Ret: -1},
			wantArgs: map[string]any{"pidfd": int32(3), "sig": int32(15), "info": trace.Pointer(0), "flags": uint32(0)},
			wantRet:  -1,
		},
		{
			name: "pidfd_send_signal through PIDFD_SELF_THREAD_GROUP with a siginfo and flags 4",
			call: Call{Event: events.EventPidfdSendSignal, Args: []int64{-10001, 0, 0x7ffd1000, 4}},
			wantArgs: map[string]any{
				"pidfd": int32(-10001), "sig": int32(0), "info": trace.Pointer(0x7ffd1000), "flags": uint32(4),
			},
		},
		{
			name:     "flags keep their full unsigned range",
			call:     Call{Event: events.EventPidfdSendSignal, Args: []int64{3, 9, 0, 0xffffffff}, Ret: -22},
			wantArgs: map[string]any{"pidfd": int32(3), "sig": int32(9), "info": trace.Pointer(0), "flags": uint32(0xffffffff)},
			wantRet:  -22,
		},
		{
			name:     "dup3 flags are an int32",
			call:     Call{Event: events.EventDup3, Args: []int64{3, 100, 0x80000}, Ret: 100},
			wantArgs: map[string]any{"oldfd": int32(3), "newfd": int32(100), "flags": int32(0x80000)},
			wantRet:  100,
		},
		{
			name:     "pidfd_getfd copies a remote fd",
			call:     Call{Event: events.EventPidfdGetfd, Args: []int64{5, 3, 0}, Ret: 8},
			wantArgs: map[string]any{"pidfd": int32(5), "targetfd": int32(3), "flags": uint32(0)},
			wantRet:  8,
		},
		{
			name:     "setresuid",
			call:     Call{Event: events.EventSetresuid, Args: []int64{1000, 65534, 1000}},
			wantArgs: map[string]any{"ruid": int32(1000), "euid": int32(65534), "suid": int32(1000)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := SyscallEvent(sender, tt.call)
			require.NoError(t, err)
			def, _ := events.Lookup(tt.call.Event)
			require.Len(t, ev.Args, len(def.Fields))
			for i, f := range def.Fields {
				assert.Equal(t, f, events.Field{Name: ev.Args[i].Name, Type: ev.Args[i].Type}, "argument %d", i)
			}
			assert.Equal(t, tt.wantArgs, argValues(ev))
			assert.Equal(t, tt.wantRet, ev.ReturnValue)
			assert.Equal(t, len(def.Fields), ev.ArgsNum)
			assert.Equal(t, tt.call.Event, ev.Syscall)
			assert.Equal(t, int(def.LegacyID), ev.EventID)
		})
	}
}

func TestSyscallEventRefusesWhatTraceeCouldNotCarry(t *testing.T) {
	tests := []struct {
		name string
		call Call
		want error
	}{
		{"an unknown event", Call{Event: "pidfd_send_signal2", Args: []int64{1}}, ErrUnknownEvent},
		{"too few arguments", Call{Event: events.EventPidfdOpen, Args: []int64{1}}, ErrArgCount},
		{"too many arguments", Call{Event: events.EventClose, Args: []int64{1, 2}}, ErrArgCount},
		{"an fd beyond int32", Call{Event: events.EventClose, Args: []int64{1 << 31}}, ErrArgValue},
		{"negative flags", Call{Event: events.EventPidfdOpen, Args: []int64{1, -1}}, ErrArgValue},
		{"a negative address", Call{Event: events.EventPidfdSendSignal, Args: []int64{3, 0, -8, 0}}, ErrArgValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := SyscallEvent(sender, tt.call)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestEventContextIsTheCallers(t *testing.T) {
	nsTask := sender
	nsTask.HostPID, nsTask.HostTID, nsTask.PID, nsTask.TID, nsTask.PPID = 4200, 4203, 1, 4, 0
	nsTask.PidNS = 4026532500
	ev, err := SyscallEvent(nsTask, Call{Event: events.EventClose, Args: []int64{3}, Time: 1795741955263366239, CPU: 3, UID: 1000})
	require.NoError(t, err)

	assert.Equal(t, 1795741955263366239, ev.Timestamp)
	assert.Equal(t, 3, ev.ProcessorID, "the CPU of the call, not the task's last")
	assert.Equal(t, 1000, ev.UserID, "the uid of the call, read after it")
	assert.Equal(t, []int{4200, 4203, 1, 4, 4000, 0}, []int{ev.HostProcessID, ev.HostThreadID, ev.ProcessID, ev.ThreadID, ev.HostParentProcessID, ev.ParentProcessID})
	assert.Equal(t, 4026532500, ev.PIDNS)
	assert.Equal(t, 4026531832, ev.MountNS)
	assert.Equal(t, "kernelrec.test", ev.ProcessName)
	assert.Equal(t, "/tmp/kernelrec-1/kernelrec.test", ev.Executable.Path)
	assert.Equal(t, uint(1), ev.CgroupID)
	assert.Equal(t, "vm", ev.HostName)
	assert.Equal(t, []string{""}, ev.MatchedPolicies)
	assert.Equal(t, int(sender.StartTime), ev.ThreadStartTime)
	assert.Equal(t, EntityID(4203, uint64(sender.StartTime)), ev.ThreadEntityId)
	assert.Equal(t, EntityID(4200, uint64(sender.LeaderStartTime)), ev.ProcessEntityId)
	assert.Equal(t, EntityID(4000, uint64(sender.ParentStartTime)), ev.ParentEntityId)
}

func TestForkEventNamesParentChildAndLeaders(t *testing.T) {
	parent := sender
	parent.HostTID, parent.TID, parent.StartTime = 4107, 4107, sender.LeaderStartTime+5e6
	child := Task{HostPID: 4300, HostTID: 4300, PID: 1, TID: 1, StartTime: 1795741956000000000, LeaderStartTime: 1795741956000000000}

	ev, err := ForkEvent(parent, child, 1795741956000000100, 2)
	require.NoError(t, err)

	assert.Equal(t, events.EventSchedProcessFork, ev.EventName)
	assert.Equal(t, "clone", ev.Syscall)
	assert.Equal(t, 4107, ev.HostThreadID, "the context is the thread that forked")
	assert.Equal(t, map[string]any{
		"parent_tid": int32(4107), "parent_ns_tid": int32(4107), "parent_pid": int32(4100), "parent_ns_pid": int32(4100),
		"parent_start_time": uint64(parent.StartTime),
		"child_tid":         int32(4300), "child_ns_tid": int32(1), "child_pid": int32(4300), "child_ns_pid": int32(1),
		"start_time":         uint64(child.StartTime),
		"parent_process_tid": int32(4100), "parent_process_ns_tid": int32(4100),
		"parent_process_pid": int32(4100), "parent_process_ns_pid": int32(4100),
		"parent_process_start_time": uint64(parent.LeaderStartTime),
		"leader_tid":                int32(4300), "leader_ns_tid": int32(1), "leader_pid": int32(4300), "leader_ns_pid": int32(1),
		"leader_start_time": uint64(child.LeaderStartTime),
	}, argValues(ev))
	for _, a := range ev.Args {
		if a.Name == "start_time" {
			assert.Equal(t, "time.Time", a.Type, "Tracee's type name, over uint64 nanoseconds")
		}
	}
}

func TestExecEventCarriesTheProgram(t *testing.T) {
	x := ExecInfo{
		CmdPath: "/usr/bin/sleep", PathName: "/usr/bin/sleep", Dev: 254<<20 | 1, Inode: 247766,
		Ctime: 1663687647000000000, Mode: 0o100755,
		InterpreterPath: "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", InterpreterDev: 254<<20 | 1,
		InterpreterInode: 325835, InterpreterCtime: 1777320873000000000,
		Argv: []string{"sleep", "300"}, Interp: "/usr/bin/sleep", StdinType: 0o010000, StdinPath: "pipe:[1]",
		PrevComm: "kernelrec.test", Pwd: "/",
	}
	target := sender
	target.Comm, target.UID = "sleep", 65534

	ev, err := ExecEvent(target, x, 17)
	require.NoError(t, err)

	args := argValues(ev)
	assert.Equal(t, "execve", ev.Syscall)
	assert.Equal(t, 65534, ev.UserID)
	assert.Equal(t, "sleep", ev.ProcessName)
	assert.Equal(t, []string{"sleep", "300"}, args["argv"])
	assert.Equal(t, uint16(0o100755), args["inode_mode"])
	assert.Equal(t, uint32(254<<20|1), args["dev"])
	assert.Equal(t, "kernelrec.test", args["prev_comm"])
	assert.Equal(t, false, args["invoked_from_kernel"])
	assert.Nil(t, args["env"], "Tracee collects env only with --options exec-env")
	assert.Len(t, ev.Args, 18)
}

func TestExitEventTellsHowTheProcessEnded(t *testing.T) {
	tests := []struct {
		name        string
		exit        ExitInfo
		wantSyscall string
		wantArgs    map[string]any
	}{
		{"killed by SIGTERM", ExitInfo{Signal: 15}, "",
			map[string]any{"exit_code": int32(0), "signal_code": int32(15), "process_group_exit": true}},
		{"exited with status 3", ExitInfo{Code: 3, Syscall: "exit_group"}, "exit_group",
			map[string]any{"exit_code": int32(3), "signal_code": int32(0), "process_group_exit": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ExitEvent(sender, tt.exit, 5)
			require.NoError(t, err)
			assert.Equal(t, tt.wantSyscall, ev.Syscall)
			assert.Equal(t, tt.wantArgs, argValues(ev))
		})
	}
}

func TestFromReportDispatchesByKind(t *testing.T) {
	child := sender
	tests := []struct {
		name    string
		report  Report
		want    string
		wantErr bool
	}{
		{"a call", Report{Kind: KindCall, Task: sender, Call: &Call{Event: events.EventClose, Args: []int64{3}}}, events.EventClose, false},
		{"a fork", Report{Kind: KindFork, Task: sender, Child: &child}, events.EventSchedProcessFork, false},
		{"an exec", Report{Kind: KindExec, Task: sender, Exec: &ExecInfo{}}, events.EventSchedProcessExec, false},
		{"an exit", Report{Kind: KindExit, Task: sender, Exit: &ExitInfo{}}, events.EventSchedProcessExit, false},
		{"a call without its call", Report{Kind: KindCall, Task: sender}, "", true},
		{"a fork without its child", Report{Kind: KindFork, Task: sender}, "", true},
		{"a control report", Report{Kind: kindPaused}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := FromReport(&tt.report)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, ev.EventName)
		})
	}
}

func TestFitsTypeFollowsTraceeTypeNames(t *testing.T) {
	tests := []struct {
		typ  string
		v    any
		want bool
	}{
		{"int32", int32(1), true},
		{"int32", int64(1), false},
		{"uint32", uint32(1), true},
		{"uint16", uint16(1), true},
		{"uint64", uint64(1), true},
		{"time.Time", uint64(1), true},
		{"time.Time", time.Unix(0, 1), false},
		{"trace.Pointer", trace.Pointer(1), true},
		{"trace.Pointer", uint64(1), false},
		{"[]string", []string(nil), true},
		{"string", "x", true},
		{"bool", true, true},
		{"int", 1, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, fitsType(tt.typ, tt.v), "%s %T", tt.typ, tt.v)
	}
}
