//go:build linux

package kernelrec

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Timeouts of the waits between processes. Every wait is for something the
// kernel does in microseconds; the margins are for loaded CI machines.
const (
	execTimeout = 10 * time.Second // a helper's execve to replace its image
	exitTimeout = 10 * time.Second // a child to be reaped once it is due to end
	pollEvery   = time.Millisecond
)

// executor acts out steps on the calling thread, which the caller has
// locked, and reports what happens to a sink.
type executor struct {
	bootEpoch int64
	self      Task     // the calling thread
	nsLevel   int      // depth of the caller's pid namespace, 0 for the host's
	exe       string   // this binary, run again for helpers
	env       []string // the environment of children, without helperEnv
	sink      *sink
	slots     map[string]int32
	children  map[string]*child
	stdin     *bufio.Reader // a helper's: where its parent's resume lines arrive
}

// child is a process an executor started.
type child struct {
	name    string
	pid     int // in the starting process's pid namespace
	hostPID int
	stdin   *os.File      // helpers only: where resume lines go
	out     *bufio.Reader // helpers only: their reports
	outFile *os.File
	slots   map[string]int32 // the helper's slots, learned from its reports
	done    chan struct{}    // closed once its exit is reported

	mu   sync.Mutex
	task Task // the latest view, for the exit report
}

// sink passes reports on until closed, remembering the first failure.
type sink struct {
	mu     sync.Mutex
	out    func(*Report) error
	closed bool
	err    error
}

func (s *sink) report(r *Report) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if err := s.out(r); err != nil && s.err == nil {
		s.err = err
	}
}

func (s *sink) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return s.err
}

// newExecutor returns an executor for the calling thread, which starts
// helpers by running exe ("" for this binary).
func newExecutor(bootEpoch int64, exe string, out func(*Report) error) (*executor, error) {
	self, err := SelfTask(bootEpoch)
	if err != nil {
		return nil, fmt.Errorf("kernelrec: reading the calling thread: %w", err)
	}
	status, err := readStatus(fmt.Sprintf("/proc/%d/status", self.HostPID))
	if err != nil {
		return nil, err
	}
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, helperEnv+"=") })
	return &executor{
		bootEpoch: bootEpoch, self: self, nsLevel: len(status.nsTgid) - 1, exe: exe, env: env,
		sink:     &sink{out: out},
		slots:    map[string]int32{},
		children: map[string]*child{},
	}, nil
}

func (e *executor) runAll(steps []Step) error {
	for i := range steps {
		if err := e.run(&steps[i]); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, steps[i].Op, err)
		}
	}
	return nil
}

func (e *executor) run(s *Step) error {
	switch s.Op {
	case OpPidfdOpen:
		pid, err := e.pidOf(s)
		if err != nil {
			return err
		}
		e.record(pidfdOpen(pid, s.Flags), s.Save)
	case OpPidfdSendSignal:
		fd, err := e.fdOf(s)
		if err != nil {
			return err
		}
		e.record(pidfdSendSignal(fd, s.Sig, s.SiCode, s.Flags), "")
	case OpClose:
		fd, err := e.fdOf(s)
		if err != nil {
			return err
		}
		e.record(closeFD(fd), "")
		delete(e.slots, s.Slot)
	case OpDup, OpDup2, OpDup3:
		return e.dup(s)
	case OpPidfdGetfd:
		return e.getfd(s)
	case OpSetresuid:
		return e.setresuid(s.UIDs)
	case OpSpawn:
		return e.spawn(s.Spawn)
	case OpExec:
		return e.exec(s)
	case OpPause:
		return e.pause()
	case OpResume:
		return e.resume(s.Target)
	case OpWaitExit:
		c, err := e.child(s.Target)
		if err != nil {
			return err
		}
		return waitDone(c, exitTimeout)
	default:
		return fmt.Errorf("unknown operation %q", s.Op)
	}
	return nil
}

// record reports call, and saves its result (a new fd) in slot save.
func (e *executor) record(c Call, save string) {
	if save != "" && c.Ret >= 0 {
		e.slots[save] = int32(c.Ret)
		c.Save = save
	}
	e.sink.report(&Report{Kind: KindCall, Time: c.Time, Task: e.self, CPU: c.CPU, Call: &c})
}

func (e *executor) pidOf(s *Step) (int32, error) {
	switch {
	case s.Self:
		return int32(unix.Getpid()), nil
	case s.Pid != nil:
		return *s.Pid, nil
	}
	c, err := e.child(s.Target)
	if err != nil {
		return 0, err
	}
	return int32(c.pid), nil
}

func (e *executor) fdOf(s *Step) (int32, error) {
	if s.FD != nil {
		return *s.FD, nil
	}
	return e.slot(s.Slot)
}

func (e *executor) slot(name string) (int32, error) {
	fd, ok := e.slots[name]
	if !ok {
		return 0, fmt.Errorf("no fd in slot %q (did the call that fills it fail?)", name)
	}
	return fd, nil
}

func (e *executor) child(name string) (*child, error) {
	c, ok := e.children[name]
	if !ok {
		return nil, fmt.Errorf("no process called %q", name)
	}
	return c, nil
}

func (e *executor) dup(s *Step) error {
	fd, err := e.fdOf(s)
	if err != nil {
		return err
	}
	switch s.Op {
	case OpDup:
		e.record(dup(fd), s.Save)
	case OpDup2:
		onto, err := e.slot(s.NewSlot)
		if err != nil {
			return err
		}
		delete(e.slots, s.NewSlot) // the kernel closed what it held
		e.record(dup2(fd, onto), s.Save)
	case OpDup3:
		e.record(dup3(fd, s.NewFD, s.DupFl), s.Save)
	}
	return nil
}

func (e *executor) getfd(s *Step) error {
	pidfd, err := e.fdOf(s)
	if err != nil {
		return err
	}
	c, err := e.child(s.RemoteOf)
	if err != nil {
		return err
	}
	remote, ok := c.slots[s.RemoteSlot]
	if !ok {
		return fmt.Errorf("process %q has no fd in slot %q", s.RemoteOf, s.RemoteSlot)
	}
	e.record(pidfdGetfd(pidfd, remote, 0), s.Save)
	return nil
}

// setresuid records setresuid(ids). A thread that is still root first
// drops its supplementary groups and sets its gids to the same ids, so the
// process owns nothing of root's; those calls are not among the events
// recorded.
func (e *executor) setresuid(ids [3]int32) error {
	if _, euid, _ := currentUIDs(); euid == 0 {
		if _, _, errno := unix.RawSyscall(unix.SYS_SETGROUPS, 0, 0, 0); errno != 0 {
			return fmt.Errorf("setgroups: %w", errno)
		}
		if _, _, errno := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(ids[0]), uintptr(ids[1]), uintptr(ids[2])); errno != 0 {
			return fmt.Errorf("setresgid: %w", errno)
		}
	}
	e.record(setresuid(ids[0], ids[1], ids[2]), "")
	return nil
}

// spawn starts a process and reports its fork and exec; for a helper it
// then lets it run and follows its reports (see follow).
func (e *executor) spawn(sp *Spawn) error {
	if _, exists := e.children[sp.Name]; exists {
		return fmt.Errorf("a process called %q exists already", sp.Name)
	}
	helper := sp.Path == ""
	c := &child{name: sp.Name, slots: map[string]int32{}, done: make(chan struct{})}
	path, argv, env := sp.Path, sp.Argv, e.env
	var stdin, stdout *os.File
	var err error
	if helper {
		path, argv = e.exe, []string{e.exe}
		if env, err = e.helperEnv(sp); err != nil {
			return err
		}
		if stdin, c.stdin, err = os.Pipe(); err != nil {
			return err
		}
		if c.outFile, stdout, err = os.Pipe(); err != nil {
			return err
		}
		c.out = bufio.NewReader(c.outFile)
	} else {
		if stdin, err = os.Open(os.DevNull); err != nil {
			return err
		}
		stdout = stdin
	}
	attr := &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{stdin.Fd(), stdout.Fd(), os.Stderr.Fd()},
		Sys:   &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: sp.Setpgid},
	}
	if sp.NewPidNS {
		attr.Sys.Cloneflags = syscall.CLONE_NEWPID | syscall.CLONE_NEWNS
	}
	if sp.GroupOf != "" {
		leader, err := e.child(sp.GroupOf)
		if err != nil {
			return err
		}
		attr.Sys.Pgid = leader.pid
	}

	parent := e.self
	parent.UID = currentRealUID()
	forkTime := time.Now().UnixNano()
	pid, _, err := syscall.StartProcess(path, argv, attr)
	execTime := time.Now().UnixNano()
	cpu := currentCPU()
	stdin.Close()
	if stdout != stdin {
		stdout.Close()
	}
	if err != nil {
		return fmt.Errorf("starting %s: %w", sp.Name, err)
	}
	c.pid = pid
	e.children[sp.Name] = c
	go e.reap(c)
	if c.hostPID, err = e.hostPIDOf(pid); err != nil {
		return err
	}
	childTask, err := SnapshotTask(c.hostPID, c.hostPID, e.bootEpoch)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.task = childTask
	c.mu.Unlock()
	info, err := readExecInfo(c.hostPID, path, argv, parent.Comm)
	if err != nil {
		return err
	}
	e.sink.report(&Report{Kind: KindFork, Time: forkTime, Task: parent, CPU: cpu, Child: &childTask, Name: sp.Name})
	e.sink.report(&Report{Kind: KindExec, Time: execTime, Task: childTask, CPU: childTask.CPU, Exec: &info})
	if !helper {
		return nil
	}
	return e.resumeChild(c)
}

// helperEnv returns the environment of a helper acting out sp.Script, with
// the targets this process knows filled in and the inherited slots passed.
func (e *executor) helperEnv(sp *Spawn) ([]string, error) {
	cfg := helperConfig{BootEpoch: e.bootEpoch, Exe: e.exe, Script: e.fillTargets(sp.Script), Slots: map[string]int32{}}
	for _, name := range sp.Inherit {
		fd, err := e.slot(name)
		if err != nil {
			return nil, err
		}
		cfg.Slots[name] = fd
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	return append(slices.Clone(e.env), helperEnv+"="+string(b)), nil
}

// fillTargets returns a copy of steps in which every pidfd_open of a
// process this executor started carries that process's pid as this
// process sees it: for a helper in a new pid namespace, a number that
// means something else, or nothing, where it runs.
func (e *executor) fillTargets(steps []Step) []Step {
	out := slices.Clone(steps)
	for i := range out {
		s := &out[i]
		if c, ok := e.children[s.Target]; ok && s.Op == OpPidfdOpen && s.Pid == nil {
			pid := int32(c.pid)
			s.Pid, s.Target = &pid, ""
		}
		if s.Spawn != nil {
			sp := *s.Spawn
			sp.Script = e.fillTargets(sp.Script)
			s.Spawn = &sp
		}
	}
	return out
}

// hostPIDOf returns the host pid of the child this thread started as pid
// (a pid in this process's namespace, at nsLevel in the child's NStgid
// list), from the thread's children list, which /proc, being the host's,
// gives in host pids.
func (e *executor) hostPIDOf(pid int) (int, error) {
	path := fmt.Sprintf("/proc/%d/task/%d/children", e.self.HostPID, e.self.HostTID)
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for _, field := range strings.Fields(string(data)) {
		host, err := strconv.Atoi(field)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
		st, err := readStatus(fmt.Sprintf("/proc/%d/status", host))
		if err == nil && e.nsLevel < len(st.nsTgid) && st.nsTgid[e.nsLevel] == int32(pid) {
			return host, nil
		}
	}
	return 0, fmt.Errorf("child %d is not among %s: %q", pid, path, data)
}

// reap waits for c to end and reports its exit, with the uid and CPU its
// zombie shows: the process keeps its credentials until reaped, and a
// helper may have changed its uid since its last report was read.
func (e *executor) reap(c *child) {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, c.pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	now := time.Now().UnixNano()
	c.mu.Lock()
	task := c.task
	c.mu.Unlock()
	if task.HostPID != 0 {
		task = zombieView(task)
	}
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(c.pid, &ws, 0, nil)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	var x ExitInfo
	switch {
	case ws.Exited():
		x.Code, x.Syscall = int32(ws.ExitStatus()), "exit_group"
	case ws.Signaled():
		x.Signal = int32(ws.Signal())
	}
	e.sink.report(&Report{Kind: KindExit, Time: now, Task: task, CPU: task.CPU, Exit: &x})
	close(c.done)
}

// zombieView returns t with the real uid and last CPU of its zombie.
func zombieView(t Task) Task {
	proc := fmt.Sprintf("/proc/%d", t.HostPID)
	if st, err := readStat(proc + "/stat"); err == nil {
		t.CPU = st.processor
	}
	if status, err := readStatus(proc + "/status"); err == nil {
		t.UID = status.uid
	}
	return t
}

// resumeChild lets helper c run (its first line starts its script, later
// ones end a pause), then follows its reports until it pauses, execs
// another program or ends.
func (e *executor) resumeChild(c *child) error {
	if c.stdin == nil {
		return fmt.Errorf("%s is not a paused helper", c.name)
	}
	if _, err := c.stdin.Write([]byte("\n")); err != nil {
		return fmt.Errorf("resuming %s: %w", c.name, err)
	}
	return e.follow(c)
}

func (e *executor) resume(name string) error {
	c, err := e.child(name)
	if err != nil {
		return err
	}
	return e.resumeChild(c)
}

// Control reports, between a helper and its parent only.
const (
	kindPaused = "paused" // the helper waits for a line on its stdin
	kindExecve = "execve" // the helper is about to exec Exec.CmdPath
	kindError  = "error"  // the helper failed: Err says why
)

// follow passes c's reports on, learning the fds it saves, until c pauses,
// execs or ends.
func (e *executor) follow(c *child) error {
	for {
		line, err := c.out.ReadBytes('\n')
		if len(line) > 0 {
			var r Report
			if err := json.Unmarshal(line, &r); err != nil {
				return fmt.Errorf("report of %s: %w", c.name, err)
			}
			if stop, err := e.handle(c, &r); stop || err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			e.closeHelperPipes(c)
			return waitDone(c, exitTimeout)
		}
		if err != nil {
			return fmt.Errorf("reading the reports of %s: %w", c.name, err)
		}
	}
}

// handle acts on one report of helper c, and says whether following must
// stop.
func (e *executor) handle(c *child, r *Report) (stop bool, err error) {
	switch r.Kind {
	case kindPaused:
		return true, nil
	case kindError:
		return true, fmt.Errorf("helper %s: %s", c.name, r.Err)
	case kindExecve:
		return true, e.followExec(c, r)
	}
	if r.Kind == KindCall && r.Task.HostPID == int32(c.hostPID) {
		if r.Call.Save != "" {
			c.slots[r.Call.Save] = int32(r.Call.Ret)
		}
		c.mu.Lock()
		c.task.UID = r.Call.UID
		c.mu.Unlock()
	}
	e.sink.report(r)
	return false, nil
}

// followExec waits until helper c has become the program it announced,
// then reports the exec, timed when the helper called execve.
func (e *executor) followExec(c *child, r *Report) error {
	e.closeHelperPipes(c)
	if r.Exec == nil {
		return fmt.Errorf("%s announced an exec without a program", c.name)
	}
	c.mu.Lock()
	before := c.task
	c.mu.Unlock()
	exeLink := fmt.Sprintf("/proc/%d/exe", c.hostPID)
	deadline := time.Now().Add(execTimeout)
	for {
		exe, err := os.Readlink(exeLink)
		if err != nil {
			return fmt.Errorf("%s exec'ing %s: %w", c.name, r.Exec.CmdPath, err)
		}
		if exe != before.Exe {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not exec %s within %s", c.name, r.Exec.CmdPath, execTimeout)
		}
		time.Sleep(pollEvery)
	}
	task, err := SnapshotTask(c.hostPID, c.hostPID, e.bootEpoch)
	if err != nil {
		return err
	}
	info, err := readExecInfo(c.hostPID, r.Exec.CmdPath, r.Exec.Argv, before.Comm)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.task = task
	c.mu.Unlock()
	e.sink.report(&Report{Kind: KindExec, Time: r.Time, Task: task, CPU: task.CPU, Exec: &info})
	return nil
}

func (e *executor) closeHelperPipes(c *child) {
	if c.stdin != nil {
		c.stdin.Close()
		c.stdin = nil
	}
	if c.outFile != nil {
		c.outFile.Close()
		c.outFile = nil
	}
}

func waitDone(c *child, timeout time.Duration) error {
	select {
	case <-c.done:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("%s (pid %d) has not ended after %s", c.name, c.hostPID, timeout)
	}
}

// shutdown stops reporting, then kills and reaps the children still
// running: what happens to them after the recording is not part of it.
func (e *executor) shutdown() error {
	err := e.sink.close()
	for _, c := range e.children {
		select {
		case <-c.done:
			continue
		default:
		}
		e.closeHelperPipes(c)
		// kill(2), not a pidfd: the recording is over either way.
		syscall.Kill(c.pid, syscall.SIGKILL)
		err = errors.Join(err, waitDone(c, exitTimeout))
	}
	return err
}
