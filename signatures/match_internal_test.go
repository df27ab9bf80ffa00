package signatures

import (
	"math/rand/v2"
	"path"
	"strings"
	"testing"
)

// refNames and refGlob are the plain definitions nameSet and globList
// compile: a map of names cut to 15 bytes, and the globs tried in order
// (without metacharacters, then "/**", then the others).
func refNames(names []string, comm string) bool {
	if comm == "" {
		return false
	}
	for _, n := range names {
		if len(n) > maxCommLen {
			n = n[:maxCommLen]
		}
		if n == comm {
			return true
		}
	}
	return false
}

func refGlob(globs []string, exe string) string {
	if exe == "" {
		return ""
	}
	for _, g := range globs {
		if !strings.ContainsAny(g, globMeta) && g == exe {
			return g
		}
	}
	for _, g := range globs {
		if dir, ok := strings.CutSuffix(g, globDescendants); ok && strings.HasPrefix(exe, dir+"/") {
			return g
		}
	}
	for _, g := range globs {
		if strings.HasSuffix(g, globDescendants) || !strings.ContainsAny(g, globMeta) {
			continue
		}
		if ok, _ := path.Match(g, exe); ok {
			return g
		}
	}
	return ""
}

// matchCorpus returns strings near the given ones: themselves, cut, grown,
// with a byte changed, and random paths made of their pieces.
func matchCorpus(seeds []string) []string {
	r := rand.New(rand.NewPCG(1, 2))
	out := []string{"", "/", "//", "a", "/usr/bin/sleep", "/usr/local/bin/mydaemon", "sleep", "bash", "kworker/0:1"}
	pieces := []string{"usr", "bin", "opt", "x"}
	for _, s := range seeds {
		out = append(out, s, s+"x", s+"/x", s+"/", "x"+s, strings.TrimSuffix(s, "/**"), strings.ReplaceAll(s, "*", "zz"))
		for i := 0; i < len(s); i++ {
			out = append(out, s[:i], s[i:])
			b := []byte(s)
			b[i] ^= 0x20
			out = append(out, string(b))
		}
		pieces = append(pieces, strings.Split(s, "/")...)
	}
	for range 5000 {
		var b strings.Builder
		for range 1 + r.IntN(5) {
			b.WriteString("/")
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		out = append(out, b.String(), b.String()[1:])
	}
	return out
}

func TestNameSetMatchesReference(t *testing.T) {
	lists := [][]string{
		nil,
		{""},
		defaultSecurityToolNames(),
		{"containerd-shim", "containerd-shim-runc-v2", "a", "ab", "abc", "0123456789abcdef"},
	}
	for _, names := range lists {
		set := newNameSet(names)
		if set.empty() != (len(names) == 0) {
			t.Errorf("%q: empty() = %v", names, set.empty())
		}
		for _, comm := range matchCorpus(names) {
			if got, want := set.has(comm), refNames(names, comm); got != want {
				t.Errorf("%q: has(%q) = %v, want %v", names, comm, got, want)
			}
		}
	}
}

func TestGlobListMatchesReference(t *testing.T) {
	lists := [][]string{
		nil,
		defaultSecurityToolExe(),
		DefaultConfig().Allow[1].Exe,
		{"/opt/a/**", "/opt/a/b/**", "/opt/a/b*", "/opt/a/b/c", "/opt/a/?/c", "/opt/*/bin/**", "/**"},
		{"*", "/usr/bin/[a-c]*", `/usr/bin/x\*y`, "/usr/bin/x*y", "/usr/*/tool", "/usr/bin/tracee*", "/u*"},
		{"/usr/bin/falco", "/usr/bin/falco*", "/usr/bin/**"},
	}
	for _, globs := range lists {
		g := newGlobList(globs)
		if g.empty() != (len(globs) == 0) {
			t.Errorf("%q: empty() = %v", globs, g.empty())
		}
		for _, exe := range matchCorpus(globs) {
			if got, want := g.match(exe), refGlob(globs, exe); got != want {
				t.Errorf("%q: match(%q) = %q, want %q", globs, exe, got, want)
			}
		}
	}
}

// BenchmarkSecurityToolLookup measures PFD-5's lookups of a target that is
// no agent (the benign case) and of one that is.
func BenchmarkSecurityToolLookup(b *testing.B) {
	cfg := DefaultConfig().SecurityTools
	names, exe := newNameSet(cfg.Names), newGlobList(cfg.Exe)
	for _, tc := range []struct{ name, comm, exe string }{
		{"benign", "sleep", "/usr/bin/sleep"},
		{"benign-usr-local", "mydaemon", "/usr/local/bin/mydaemon"},
		{"agent", "falco", "/usr/bin/falco"},
		{"agent-dir", "falcond", "/opt/CrowdStrike/falcond"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				_ = names.has(tc.comm)
				_ = exe.match(tc.exe)
			}
		})
	}
}
