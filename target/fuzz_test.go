package target

import (
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
)

// FuzzTracker feeds arbitrary sequences of companion events over a few
// pids and fds, in any order and with repeats, and checks that the tracker
// neither panics nor leaves its bounds, and that every tracked answer names
// a pid some pidfd_open, fork or context could have introduced.
func FuzzTracker(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
	f.Add([]byte{0, 0, 0, 12, 1, 1, 7, 7, 3, 3})
	f.Fuzz(func(t *testing.T, ops []byte) {
		tr := NewTracker(WithMaxProcesses(4), WithMaxFDs(6))
		actors := []actor{sender, victim, nobody, child, cInit, cApp}
		for i := 0; i+2 < len(ops); i += 3 {
			a := actors[int(ops[i+1])%len(actors)]
			fd := int32(ops[i+2] % 8)
			pid := int32([]int{100, 200, 300, 101, 5, 4242, 1}[int(ops[i+2])%7])
			var ev trace.Event
			switch ops[i] % 14 {
			case 0:
				ev = a.pidfdOpen(pid, uint32(ops[i+2]&pidfdThread), int64(fd))
			case 1:
				ev = a.close(fd, 0)
			case 2:
				ev = a.dup2(fd, (fd+1)%8, int64((fd+1)%8))
			case 3:
				ev = a.dup(fd, int64(fd+3))
			case 4:
				ev = a.fcntl(fd, fSetfd, uint64(ops[i+2]&1), 0)
			case 5:
				ev = a.pidfdGetfd(fd, (fd+2)%8, int64((fd+4)%8))
			case 6:
				ev = a.fork(actors[int(ops[i+2])%len(actors)])
			case 7:
				ev = a.exec(uint16(ops[i+2]) << 4)
			case 8:
				ev = a.exit(ops[i+2]&1 == 0)
			case 9:
				ev = a.setuid(int32(ops[i+2]))
			case 10:
				ev = a.closeRange(uint32(fd), uint32(fd)+2)
			case 11:
				ev = a.send(fd, 9, -int64(ops[i+2]%4)*3)
			case 12:
				ev = a.other()
			default:
				ev = a.dup3(fd, (fd+2)%8, int32(ops[i+2])<<12, int64((fd+2)%8))
			}
			ev.Timestamp = 1000 + i/3*int(ops[i]%3) // repeats and ties
			tr.Observe(&ev)
			if ev.EventName == "pidfd_send_signal" {
				got := resolveEvent(tr, &ev)
				switch got.HostPID {
				case 0, 100, 200, 300, 101, 5, 4000, 4242, 1:
				default:
					t.Fatalf("resolved to a pid nothing introduced: %+v", got)
				}
			}
			st := tr.Stats()
			if st.Processes > 4 || st.FDs > 6 {
				t.Fatalf("over the bounds: %+v", st)
			}
		}
	})
}
