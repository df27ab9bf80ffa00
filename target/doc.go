// Package target answers the question Tracee leaves open about every
// pidfd_send_signal call: which process does the pidfd point at, and who owns
// it. Go signatures, Rego rules and the pidfd_target data source all consume
// it; none re-implements it.
//
// A Tracker follows pidfds through the event stream: pidfd_open (its pid
// argument read in the caller's pid namespace), dup/dup2/dup3/fcntl copies,
// pidfd_getfd, close and close_range, fork (children inherit a copy of the
// fd table, threads share it), exec (close-on-exec pidfds close) and exit
// (the fd table closes and the process is marked exited). Event contexts
// and setuid/setreuid/setresuid keep each process's uids, name and
// namespace pids. Every fd binding remembers when it was made and closed,
// so the answer for a call is the binding valid at the call's timestamp,
// however many consumers observe the stream and however far behind they
// run.
//
// The state is bounded, and no flood can buy the eviction of what a
// detection needs:
//
//   - Process records (who owns each process) are keyed by host pid, and a
//     host pid is below PID_MAX_LIMIT (4,194,304) or the event is
//     malformed. A live process has one record; the default bound
//     (DefaultMaxProcesses) is the whole pid space, so a process the
//     kernel still knows keeps its record. Records of exited processes are
//     evicted oldest exit first, past DefaultMaxExited of them or at the
//     bound; a smaller WithMaxProcesses then evicts the least recently
//     active live process.
//   - fd slots (pidfd bindings) are capped by WithMaxFDs. At the cap an fd
//     slot goes, never a record: the newest slot of the process asking,
//     if it holds more than 1/1024 of the cap, else of the biggest holder,
//     else of an exited process, else of any. A flood pays with its own
//     pidfds; an evicted fd resolves as unknown, and a live resolver
//     (WithLive) answers for it.
//   - Namespace pids follow the records they name (pidsLimit).
//
// Sources, from most to least trusted: the pidfd is PIDFD_SELF_* (self);
// the stream explains it (tracked); a live read of this host's /proc or
// pidfd_getfd + PIDFD_GET_INFO, off unless WithLive is given (procfs,
// pidfd_info); otherwise unknown, with a Reason. An unknown answer is
// honest; a wrong target is a defect.
//
// The main calls, in a signature's OnEvent:
//
//	tracker.Observe(&ev) // every event, companions included
//	if ev.EventName == events.EventPidfdSendSignal {
//		call, err := events.ParseSendSignal(&ev)
//		if err != nil {
//			return err
//		}
//		tg := tracker.Resolve(&ev, &call)
//		if tg.Known() && tg.UIDKnown && tg.UID != call.Sender.UID { ... }
//	}
//
// Target.Record, MarshalJSON and Fields give the snake_case form the Rego
// input and findings use; NewDataSource exposes a Tracker to Tracee as the
// detect.DataSource "pidfdsig/pidfd_target".
//
// What the stream cannot show stays unknown: pidfds made by clone with
// CLONE_PIDFD (the fd number is written to user memory), received over a
// unix socket (SCM_RIGHTS) or opened as /proc/PID, fds moved by io_uring,
// and whatever Tracee dropped under load. A live resolver can fill these
// in for recent calls on this host.
package target
