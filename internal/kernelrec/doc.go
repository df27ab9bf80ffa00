// Package kernelrec records real pidfd system calls as the Tracee events that
// describe them, so the project's scenarios come from the kernel rather than
// from hand-typed JSON.
//
// There is no Tracee binary on the machines that record: instead the calls
// are made for real, by real processes (re-executions of the test binary
// running a Script, started as root and dropping to other uids with an
// observed setresuid(2), some of them in new pid and mount namespaces), and
// each process reports what it did and what the kernel answered. The
// Recorder turns those reports into trace.Event values with exactly the
// fields Tracee fills (see Recorder.WriteJSONL for the two JSON shapes) and
// writes them as JSON lines.
//
// Every value in an event is observed: pids and tids in the host and in the
// caller's pid namespace, real uids, fd numbers, return values and errnos,
// comm and executable, namespace inode numbers, cgroup id, the CPU the call
// ran on, and CLOCK_REALTIME timestamps taken just before each call. What
// Tracee would compute rather than observe is computed the way Tracee does:
// the entity ids are Tracee's HashTaskID over the task start times (see
// EntityID). Where an observation is coarser than Tracee's (task start times
// come from /proc at clock-tick resolution) the documentation of the field
// says so.
//
// The main call, inside a test whose TestMain hands helpers to HelperMain
// (see IsHelper), as root:
//
//	boot, _ := kernelrec.BootEpoch()
//	rec := kernelrec.NewRecorder(boot)
//	err := kernelrec.Run(rec, []kernelrec.Step{
//		kernelrec.SpawnTarget("victim", 65534, "/usr/bin/sleep"),
//		kernelrec.SpawnHelper("sender",
//			kernelrec.Setresuid(1000, 1000, 1000),
//			kernelrec.OpenPid("v", "victim"),
//			kernelrec.Send("v", unix.SIGTERM),
//			kernelrec.Close("v")),
//	}, kernelrec.WithHelperBinary(copyOfTheTestBinary))
//	err = rec.WriteJSONL(f, capture.FormatLegacy)
//
// The scenarios of testdata/scenarios/kernel-*.jsonl are recorded so by
// TestRecord; testdata/scenarios/kernel-INDEX.md lists them.
package kernelrec
