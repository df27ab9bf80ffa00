package pluginbuild

import (
	"strconv"
	"strings"
)

// compareSemver compares two module versions "vX.Y.Z[-pre][+build]" as
// semantic versions: -1, 0 or +1. Pseudo-versions compare by their
// prerelease part, which orders them by time. A malformed version compares
// below a well-formed one.
func compareSemver(a, b string) int {
	na, pa, oka := parseSemver(a)
	nb, pb, okb := parseSemver(b)
	if !oka || !okb {
		return boolCompare(oka, okb)
	}
	for i := range na {
		if na[i] != nb[i] {
			return intCompare(na[i], nb[i])
		}
	}
	switch {
	case pa == pb:
		return 0
	case pa == "":
		return 1 // a release is above its prereleases
	case pb == "":
		return -1
	}
	return strings.Compare(pa, pb)
}

func parseSemver(v string) (nums [3]int, pre string, ok bool) {
	v, found := strings.CutPrefix(v, "v")
	if !found {
		return nums, "", false
	}
	v, _, _ = strings.Cut(v, "+")
	v, pre, _ = strings.Cut(v, "-")
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return nums, "", false
	}
	for i, s := range parts {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nums, "", false
		}
		nums[i] = n
	}
	return nums, pre, true
}

func intCompare(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
