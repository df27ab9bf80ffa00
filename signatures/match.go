package signatures

import (
	"path"
	"slices"
	"strings"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

// initPidNS is the inode number of the initial pid namespace, fixed by the
// kernel (PROC_PID_INIT_INO in include/linux/proc_ns.h).
const initPidNS uint32 = 0xEFFFFFFC

// nameSet matches process names as the kernel stores them: comm is
// truncated to 15 bytes, so longer configured names match on their prefix.
type nameSet map[string]struct{}

func newNameSet(names []string) nameSet {
	set := make(nameSet, len(names))
	for _, n := range names {
		if len(n) > maxCommLen {
			n = n[:maxCommLen]
		}
		set[n] = struct{}{}
	}
	return set
}

// has reports whether comm is in the set; "" never is.
func (s nameSet) has(comm string) bool {
	if comm == "" {
		return false
	}
	_, ok := s[comm]
	return ok
}

// globList matches executable paths against path.Match globs; a glob ending
// in "/**" matches every path below its directory. Globs are sorted by kind
// when compiled so that a path is checked with a map lookup, a few prefix
// comparisons and path.Match only for globs whose literal prefix fits.
type globList struct {
	exact    map[string]string // globs without metacharacters
	dirs     []dirGlob         // "/**" globs
	patterns []patternGlob     // other globs
}

// patternGlob is a glob with metacharacters and its literal prefix, which a
// path must start with to match.
type patternGlob struct{ literal, glob string }

// globMeta are the characters that make path.Match see a pattern.
const globMeta = `*?[\`

// dirGlob is a glob "dir/**", matching every path that starts with "dir/".
type dirGlob struct{ prefix, glob string }

func newGlobList(globs []string) globList {
	var g globList
	for _, glob := range globs {
		switch dir, ok := strings.CutSuffix(glob, globDescendants); {
		case ok:
			g.dirs = append(g.dirs, dirGlob{prefix: dir + "/", glob: glob})
		case strings.ContainsAny(glob, globMeta):
			literal := glob[:strings.IndexAny(glob, globMeta)]
			g.patterns = append(g.patterns, patternGlob{literal: literal, glob: glob})
		default:
			if g.exact == nil {
				g.exact = make(map[string]string)
			}
			g.exact[glob] = glob
		}
	}
	return g
}

// empty reports whether the list has no glob.
func (g *globList) empty() bool {
	return len(g.exact) == 0 && len(g.dirs) == 0 && len(g.patterns) == 0
}

// match returns the glob exe matches, or "". An empty exe never matches.
func (g *globList) match(exe string) string {
	if exe == "" {
		return ""
	}
	if glob, ok := g.exact[exe]; ok {
		return glob
	}
	for _, d := range g.dirs {
		if strings.HasPrefix(exe, d.prefix) {
			return d.glob
		}
	}
	for _, p := range g.patterns {
		if !strings.HasPrefix(exe, p.literal) {
			continue
		}
		if ok, _ := path.Match(p.glob, exe); ok {
			return p.glob
		}
	}
	return ""
}

// allowlist is the compiled form of the AllowRules that apply to one
// signature.
type allowlist []allowRule

type allowRule struct {
	comm              nameSet
	exe               globList
	matchUnknownExe   bool
	uids              []uint32
	targetInContainer bool
}

// newAllowlist compiles the rules of cfg that apply to signature id.
func newAllowlist(rules []AllowRule, id string) allowlist {
	var list allowlist
	for _, r := range rules {
		if len(r.Signatures) > 0 && !slices.Contains(r.Signatures, id) {
			continue
		}
		rule := allowRule{
			exe:               newGlobList(r.Exe),
			matchUnknownExe:   r.MatchUnknownExe,
			uids:              r.UIDs,
			targetInContainer: r.TargetInContainer,
		}
		if len(r.Comm) > 0 {
			rule.comm = newNameSet(r.Comm)
		}
		list = append(list, rule)
	}
	return list
}

// permits reports whether some rule allows the call of sender to t.
func (l allowlist) permits(sender *events.Process, t *target.Target) bool {
	for i := range l {
		if l[i].matches(sender, t) {
			return true
		}
	}
	return false
}

func (r *allowRule) matches(sender *events.Process, t *target.Target) bool {
	if r.comm != nil && !r.comm.has(sender.Comm) {
		return false
	}
	if !r.exe.empty() && r.exe.match(sender.Exe) == "" && !(sender.Exe == "" && r.matchUnknownExe) {
		return false
	}
	if len(r.uids) > 0 && !slices.Contains(r.uids, sender.UID) {
		return false
	}
	if r.targetInContainer && !targetInContainer(sender, t) {
		return false
	}
	return true
}

// targetInContainer reports whether t is known to run in a container: it has
// a container id, or a pid namespace other than the sender's.
func targetInContainer(sender *events.Process, t *target.Target) bool {
	if !t.Known() {
		return false
	}
	return t.ContainerID != "" || (t.PidNS != 0 && sender.PidNS != 0 && t.PidNS != sender.PidNS)
}
