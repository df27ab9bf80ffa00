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

// strSet is a set of non-empty strings, each with a value, built for the
// common answer, "not in the set": a 512-bit filter indexed by two hashes
// of a string's length and three of its bytes rules out most other strings
// before the map is hashed (with the default lists, one to three in a
// hundred names or paths of a typical host get through).
type strSet struct {
	filter [8]uint64
	m      map[string]int
}

// add puts v in the set with value x; "" is left out, as get never finds
// it.
func (s *strSet) add(v string, x int) {
	if v == "" {
		return
	}
	if s.m == nil {
		s.m = make(map[string]int)
	}
	s.m[v] = x
	h1, h2 := strHash(v)
	s.filter[h1>>6] |= 1 << (h1 & 63)
	s.filter[h2>>6] |= 1 << (h2 & 63)
}

// get returns the value of v, and whether v is in the set; "" never is.
func (s *strSet) get(v string) (int, bool) {
	if v == "" {
		return 0, false
	}
	h1, h2 := strHash(v)
	if s.filter[h1>>6]&(1<<(h1&63)) == 0 || s.filter[h2>>6]&(1<<(h2&63)) == 0 {
		return 0, false
	}
	x, ok := s.m[v]
	return x, ok
}

// has reports whether v is in the set.
func (s *strSet) has(v string) bool {
	_, ok := s.get(v)
	return ok
}

// strHash returns two 9-bit hashes of the length and the first, middle and
// last bytes of v, which must not be empty: comm names differ mostly by
// length and first byte, executable paths by length and last bytes.
func strHash(v string) (uint, uint) {
	n := len(v)
	x := uint64(n)<<24 | uint64(v[0])<<16 | uint64(v[n>>1])<<8 | uint64(v[n-1])
	x *= 0x9E3779B97F4A7C15
	return uint(x >> 55), uint(x>>46) & 511
}

// nameSet matches process names as the kernel stores them: comm is
// truncated to 15 bytes, so longer configured names match on their prefix.
type nameSet struct {
	set strSet
	n   int // names configured, "" included
}

func newNameSet(names []string) nameSet {
	s := nameSet{n: len(names)}
	for _, n := range names {
		if len(n) > maxCommLen {
			n = n[:maxCommLen]
		}
		s.set.add(n, 0)
	}
	return s
}

// empty reports whether no name was configured.
func (s *nameSet) empty() bool { return s.n == 0 }

// has reports whether comm is in the set; "" never is, nor is a name
// longer than the kernel keeps.
func (s *nameSet) has(comm string) bool {
	return len(comm) <= maxCommLen && s.set.has(comm)
}

// globList matches executable paths against path.Match globs; a glob ending
// in "/**" matches every path below its directory (its directory part is
// compared literally). The globs are compiled so that a path that matches
// none, the common case, costs a few filter probes: globs without
// metacharacters are a strSet of paths; every other glob can only match a
// path that starts with its literal prefix (the "/**" directory, or the
// text before the first metacharacter), so these globs are grouped by the
// first keyLen bytes of their literal prefix, keyLen being the shortest
// prefix's length, and a path is compared only with the group its own
// first keyLen bytes name. path.Match runs only for a glob of that group
// whose literal prefix the path starts with, and not for a literal prefix
// followed by a final "*".
type globList struct {
	n      int         // globs configured
	exact  strSet      // globs without metacharacters, which match themselves
	keyLen int         // length of the group keys
	keys   strSet      // the group keys, with their index in groups
	groups []globGroup // with keyLen 0, a single group
}

// globGroup holds the globs whose literal prefix starts with key, in the
// order they are tried: "/**" globs, then the others, each in
// configuration order.
type globGroup struct {
	key   string
	globs []prefixGlob
}

// prefixGlob is a glob that matches only paths starting with literal.
type prefixGlob struct {
	literal string // the "/**" directory with its slash, or the text before the first metacharacter
	glob    string
	kind    globKind
}

type globKind uint8

const (
	globDir     globKind = iota // "dir/**": every path starting with "dir/"
	globStar                    // literal + "*": a path starting with literal, no '/' after it
	globPattern                 // anything else: path.Match
)

// globMeta are the characters that make path.Match see a pattern.
const globMeta = `*?[\`

func newGlobList(globs []string) globList {
	g := globList{n: len(globs)}
	var dirs, others []prefixGlob
	for _, glob := range globs {
		switch dir, ok := strings.CutSuffix(glob, globDescendants); {
		case ok:
			dirs = append(dirs, prefixGlob{literal: dir + "/", glob: glob, kind: globDir})
		case strings.ContainsAny(glob, globMeta):
			literal := glob[:strings.IndexAny(glob, globMeta)]
			kind := globPattern
			if glob[len(literal):] == "*" {
				kind = globStar
			}
			others = append(others, prefixGlob{literal: literal, glob: glob, kind: kind})
		default:
			g.exact.add(glob, 0)
		}
	}
	all := append(dirs, others...)
	if len(all) == 0 {
		return g
	}
	g.keyLen = len(all[0].literal)
	for _, p := range all {
		g.keyLen = min(g.keyLen, len(p.literal))
	}
	for _, p := range all {
		key := p.literal[:g.keyLen]
		i := slices.IndexFunc(g.groups, func(gr globGroup) bool { return gr.key == key })
		if i < 0 {
			i = len(g.groups)
			g.groups = append(g.groups, globGroup{key: key})
			g.keys.add(key, i)
		}
		g.groups[i].globs = append(g.groups[i].globs, p)
	}
	return g
}

// empty reports whether no glob was configured.
func (g *globList) empty() bool { return g.n == 0 }

// match returns the glob exe matches, or "". An empty exe never matches.
// When several globs match, the one without metacharacters wins, then the
// first "/**" glob, then the first other glob, in configuration order.
func (g *globList) match(exe string) string {
	if exe == "" {
		return ""
	}
	if g.exact.has(exe) {
		return exe // the glob is the path itself
	}
	if len(g.groups) == 0 || len(exe) < g.keyLen {
		return ""
	}
	i := 0 // with keyLen 0, the only group
	if g.keyLen > 0 {
		var ok bool
		if i, ok = g.keys.get(exe[:g.keyLen]); !ok {
			return ""
		}
	}
	gr := &g.groups[i]
	for i := range gr.globs {
		p := &gr.globs[i]
		if !strings.HasPrefix(exe, p.literal) {
			continue
		}
		switch p.kind {
		case globDir:
			return p.glob
		case globStar:
			if strings.IndexByte(exe[len(p.literal):], '/') < 0 {
				return p.glob
			}
		default:
			if ok, _ := path.Match(p.glob, exe); ok {
				return p.glob
			}
		}
	}
	return ""
}

// allowlist is the compiled form of the AllowRules that apply to one
// signature.
type allowlist []allowRule

type allowRule struct {
	comm              nameSet // empty: any comm
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
		list = append(list, allowRule{
			comm:              newNameSet(r.Comm),
			exe:               newGlobList(r.Exe),
			matchUnknownExe:   r.MatchUnknownExe,
			uids:              r.UIDs,
			targetInContainer: r.TargetInContainer,
		})
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
	if !r.comm.empty() && !r.comm.has(sender.Comm) {
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
