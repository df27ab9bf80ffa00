package kernelrec

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// cpuPlan says where the overhead benchmarks run Tracee and the load.
// With PIDFDSIG_OVERHEAD_PIN=1 every Tracee runs on the last CPU this
// process may use and the load on the first, so that Tracee's CPU does not
// move with what the load takes, nor the load's rate with what Tracee
// takes: on a machine with few cores the two otherwise compete, and the
// side that falls behind is decided by the scheduler as much as by the
// plugin. The zero plan pins nothing.
type cpuPlan struct {
	pinned       bool
	tracee, load int
}

// overheadCPUPlan reads PIDFDSIG_OVERHEAD_PIN. Pinning needs two CPUs.
func overheadCPUPlan(b *testing.B) cpuPlan {
	b.Helper()
	switch os.Getenv("PIDFDSIG_OVERHEAD_PIN") {
	case "", "0":
		return cpuPlan{}
	case "1":
	default:
		b.Fatalf("PIDFDSIG_OVERHEAD_PIN=%q: want 1 or 0", os.Getenv("PIDFDSIG_OVERHEAD_PIN"))
	}
	plan, err := pinPlan()
	if err != nil {
		b.Fatalf("PIDFDSIG_OVERHEAD_PIN=1: %v", err)
	}
	return plan
}

// pinPlan returns the plan of PIDFDSIG_OVERHEAD_PIN=1 for this process's
// CPUs.
func pinPlan() (cpuPlan, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return cpuPlan{}, fmt.Errorf("reading this process's CPUs: %w", err)
	}
	var cpus []int
	for cpu := range len(set) * 64 {
		if set.IsSet(cpu) {
			cpus = append(cpus, cpu)
		}
	}
	if len(cpus) < 2 {
		return cpuPlan{}, fmt.Errorf("pinning needs two CPUs, this process may use %d", len(cpus))
	}
	return cpuPlan{pinned: true, tracee: cpus[len(cpus)-1], load: cpus[0]}, nil
}

// onCPU runs fn on an OS thread allowed only on cpu, then gives the thread
// its CPUs back. A process the thread starts inherits the thread's CPUs
// (Linux copies them at fork), so fn may start Tracee.
func onCPU(cpu int, fn func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var old, one unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return fmt.Errorf("reading the thread's CPUs: %w", err)
	}
	one.Set(cpu)
	if err := unix.SchedSetaffinity(0, &one); err != nil {
		return fmt.Errorf("pinning the thread to CPU %d: %w", cpu, err)
	}
	// Deferred, so that the thread gets its CPUs back even when fn ends
	// the goroutine (a benchmark's Fatal).
	defer func() {
		if err := unix.SchedSetaffinity(0, &old); err != nil {
			panic(fmt.Sprintf("giving the thread its CPUs back: %v", err))
		}
	}()
	return fn()
}

// TestOnCPU checks the pinning the overhead benchmarks rely on: inside
// onCPU the thread, and a process it starts, may run on the one CPU only;
// afterwards the thread has all its CPUs again.
func TestOnCPU(t *testing.T) {
	plan, err := pinPlan()
	if err != nil {
		t.Skipf("SKIPPED LOUDLY: %v", err)
	}
	var before unix.CPUSet
	if err := unix.SchedGetaffinity(0, &before); err != nil {
		t.Fatal(err)
	}
	var inside, child unix.CPUSet
	err = onCPU(plan.load, func() error {
		if err := unix.SchedGetaffinity(0, &inside); err != nil {
			return err
		}
		sleeper := exec.Command("sleep", "60")
		if err := sleeper.Start(); err != nil {
			return err
		}
		defer func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() }()
		return unix.SchedGetaffinity(sleeper.Process.Pid, &child)
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, set := range map[string]unix.CPUSet{"the thread inside onCPU": inside, "a process it started": child} {
		if set.Count() != 1 || !set.IsSet(plan.load) {
			t.Errorf("%s may run on %d CPUs (CPU %d set: %v), want CPU %d alone", name, set.Count(), plan.load, set.IsSet(plan.load), plan.load)
		}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var after unix.CPUSet
	if err := unix.SchedGetaffinity(0, &after); err != nil {
		t.Fatal(err)
	}
	if after.Count() != before.Count() {
		t.Errorf("after onCPU a thread may run on %d CPUs, want %d", after.Count(), before.Count())
	}
}
