//go:build linux

package kernelrec

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"
)

// helperEnv is the environment variable that makes the test binary a
// helper; its value is the helper's helperConfig as JSON.
const helperEnv = "KERNELREC_HELPER"

// helperConfig is what a helper is told at start.
type helperConfig struct {
	BootEpoch int64            `json:"boot_epoch"`
	Exe       string           `json:"exe"` // the helper binary, for helpers of its own
	Script    []Step           `json:"script"`
	Slots     map[string]int32 `json:"slots"` // inherited fds
}

func init() {
	// A helper's calls must all come from one thread, as a C program's
	// would: setresuid changes that thread only. Locking the main
	// goroutine in init keeps main, and so TestMain, on the main thread,
	// whose tid is the pid.
	if IsHelper() {
		runtime.LockOSThread()
	}
}

// IsHelper reports whether this process was started by a recording to act
// out a script. A test package that records calls HelperMain from TestMain
// when it is:
//
//	func TestMain(m *testing.M) {
//		if kernelrec.IsHelper() {
//			os.Exit(kernelrec.HelperMain())
//		}
//		os.Exit(m.Run())
//	}
func IsHelper() bool { return os.Getenv(helperEnv) != "" }

// HelperMain acts out the script the helper was given, reporting each event
// as a JSON line on standard output, and returns the exit status. It waits
// for a first line on standard input before the first step, so that its
// parent has reported its fork and exec first.
func HelperMain() int {
	if err := helperMain(); err != nil {
		line, _ := json.Marshal(Report{Kind: kindError, Err: err.Error()})
		os.Stdout.Write(append(line, '\n'))
		fmt.Fprintf(os.Stderr, "kernelrec helper %d: %v\n", os.Getpid(), err)
		return 1
	}
	return 0
}

func helperMain() error {
	var cfg helperConfig
	if err := json.Unmarshal([]byte(os.Getenv(helperEnv)), &cfg); err != nil {
		return fmt.Errorf("%s: %w", helperEnv, err)
	}
	out := &lineWriter{f: os.Stdout}
	e, err := newExecutor(cfg.BootEpoch, cfg.Exe, out.write)
	if err != nil {
		return err
	}
	for name, fd := range cfg.Slots {
		e.slots[name] = fd
	}
	e.stdin = bufio.NewReader(os.Stdin)
	if _, err := e.stdin.ReadString('\n'); err != nil {
		return fmt.Errorf("waiting for the start: %w", err)
	}
	if err := e.runAll(cfg.Script); err != nil {
		return err
	}
	return e.sink.close()
}

// lineWriter writes reports as JSON lines.
type lineWriter struct{ f *os.File }

func (w *lineWriter) write(r *Report) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.f.Write(append(line, '\n'))
	return err
}

// pause tells the parent this helper waits, and waits for its line.
func (e *executor) pause() error {
	if e.stdin == nil {
		return fmt.Errorf("only a helper can pause")
	}
	e.sink.report(&Report{Kind: kindPaused})
	if _, err := e.stdin.ReadString('\n'); err != nil {
		return fmt.Errorf("paused: %w", err)
	}
	return nil
}

// exec replaces the helper by the program s names, after telling the
// parent, which reports the exec once it has happened.
func (e *executor) exec(s *Step) error {
	if e.stdin == nil {
		return fmt.Errorf("only a helper can exec")
	}
	e.sink.report(&Report{Kind: kindExecve, Time: time.Now().UnixNano(), Exec: &ExecInfo{CmdPath: s.Path, Argv: s.Argv}})
	err := syscall.Exec(s.Path, s.Argv, e.env)
	return fmt.Errorf("execve %s: %w", s.Path, err)
}

// RunOption configures Run.
type RunOption func(*runConfig)

type runConfig struct {
	helperBinary string
}

// WithHelperBinary makes helpers run path rather than this process's own
// executable: a copy of it that processes of every uid may execute (go
// test's build directory is root's alone).
func WithHelperBinary(path string) RunOption {
	return func(c *runConfig) { c.helperBinary = path }
}

// Run acts out steps in the calling process, as root, recording into rec
// every event of it and of the processes it starts, until the steps are
// done; then it kills and reaps the processes still running, unrecorded.
// The calling goroutine is locked to its thread meanwhile, so that the
// calls come from one thread.
func Run(rec *Recorder, steps []Step, opts ...RunOption) error {
	var cfg runConfig
	for _, opt := range opts {
		opt(&cfg)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	e, err := newExecutor(rec.bootEpoch, cfg.helperBinary, rec.Add)
	if err != nil {
		return err
	}
	rec.nameProcess(e.self.HostPID, RecorderName)
	err = e.runAll(steps)
	if serr := e.shutdown(); err == nil {
		err = serr
	}
	return err
}
