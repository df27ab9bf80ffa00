//go:build !linux

package target

// pidfdInfoSupported is false off Linux.
func pidfdInfoSupported() bool { return false }

// viaPidfdInfo never answers off Linux.
func (r *procfsResolver) viaPidfdInfo(LiveQuery) (Target, bool) { return Target{}, false }
