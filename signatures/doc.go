// Package signatures holds pidfdsig's Go signatures: Tracee
// detect.Signature implementations that judge pidfd_send_signal(2) calls,
// usable as a Tracee signature plugin and from this module's own tools.
//
// The main call builds all six, sharing one target tracker:
//
//	tracker := target.NewTracker()
//	sigs, err := signatures.New(signatures.DefaultConfig(), signatures.WithResolver(tracker))
//	if err != nil {
//		return err // an invalid configuration
//	}
//	for _, s := range sigs {
//		s.Init(detect.SignatureContext{Callback: report, Logger: logger})
//	}
//	for _, s := range sigs { // for every event, in order
//		s.OnEvent(ev.ToProtocol())
//	}
//
// Each signature subscribes to pidfd_send_signal and to the companion events
// its Resolver learns from (see EventSelector), passes every event to the
// Resolver's Observe, parses pidfd_send_signal with events.ParseSendSignal,
// resolves the target, and reports:
//
//	ID     EventName                      reports                                        MITRE ATT&CK
//	PFD-1  pidfd_cross_user_signal        a real signal to another user's process,       T1562.001 (v19 T1685),
//	                                      delivered or refused with EPERM                T1489 for process groups,
//	                                                                                     T1014 for real-time signals
//	PFD-2  pidfd_unusual_flags            unknown flag bits, several scope flags, or a   T1489 for group kills,
//	                                      process-group kill or stop, whatever the       T1497.001 otherwise
//	                                      result
//	PFD-3  pidfd_forged_siginfo           a siginfo refused with EPERM where permission  T1036
//	                                      cannot be the reason
//	PFD-4  pidfd_signal_probe             signal 0 to N distinct foreign targets within  T1057
//	                                      a window, once per sender
//	PFD-5  pidfd_security_tool_kill       a kill or stop signal to a security or audit   T1562.001 (v19 T1685)
//	                                      agent, delivered or refused
//	PFD-6  pidfd_container_escape_signal  a hostPID container signalling a host process  T1611
//	                                      or another container; a pidfd of an outside
//	                                      process used from a child pid namespace
//
// The doc comment of each signature type gives its exact rule, severities
// and the look-alikes it leaves alone; CONFIG.md documents the
// configuration (allowlists, the PFD-4 window, the PFD-5 list).
//
// A finding is a detect.Finding like Tracee's own: Event is the original
// protocol.Event, SigMetadata a copy of the signature's metadata whose
// Properties ("Severity", "Category", "Technique", "external_id",
// "external_id_v19" when ATT&CK v19 renumbered the technique, "id") fit the
// call, and Data is FindingData: the decoded call under the names of
// `pidfdsig parse -o json`, "sender", "target", "reasons", and the keys a
// signature adds (PFD-4 "probe", PFD-5 "security_tool"). Its values have
// the types of finding data (DataObject), the same from a Rego rule, and
// types Tracee converts: integers int64, lists of strings []string, objects
// DataObject (a detect.FindingDataStruct), other lists DataList.
//
// Each rule first looks at the call alone and asks the Resolver only about
// calls that may matter; signatures built together by New pass each event
// to the Resolver's Observe once, and parse each pidfd_send_signal event
// once when they handle it one after the other (the others copy the call).
//
// Signatures are safe for concurrent use. OnEvent never returns an error:
// a payload that is not a trace.Event or an event that cannot be parsed is
// counted (Stats) and logged with a back-off. OnEvent after Close is a
// no-op, and OnEvent does not allocate unless it reports.
package signatures
