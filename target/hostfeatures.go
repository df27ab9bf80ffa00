package target

import "os"

// Where a kernel with kprobes shows them: the perf PMU libbpf attaches
// kprobes through, and the older tracefs interface it falls back to.
var kprobeInterfaces = []string{
	"/sys/bus/event_source/devices/kprobe",
	"/sys/kernel/tracing/kprobe_events",
	"/sys/kernel/debug/tracing/kprobe_events",
}

// MissingHostFeatures returns the kernel features this host lacks among
// those companion events need: FeatureKprobes when none of the interfaces
// libbpf attaches kprobes through exists.
func MissingHostFeatures() HostFeature {
	return missingFeatures(func(p string) bool {
		_, err := os.Stat(p)
		return err == nil
	})
}

func missingFeatures(exists func(string) bool) HostFeature {
	var missing HostFeature
	for _, p := range kprobeInterfaces {
		if exists(p) {
			return missing
		}
	}
	return missing | FeatureKprobes
}
