package rego

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/target"
)

func fieldNames(f inputFields) []string {
	var out []string
	for k, bit := range inputFieldKeys {
		if f&bit != 0 {
			out = append(out, k)
		}
	}
	return out
}

// The built-in rules read input.pidfdsig, and on enriched events little
// else: the helpers decode the raw event only when input.pidfdsig is
// missing.
func TestBuiltinRulesReads(t *testing.T) {
	rt, err := New(WithoutEnvironment())
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"pidfdsig", "pidNamespace", "processEntityId"}, fieldNames(rt.reads.enriched))
	assert.Subset(t, fieldNames(rt.reads.plain), []string{"pidfdsig", "args", "eventName", "returnValue", "hostProcessId", "processName"})
	assert.NotContains(t, fieldNames(rt.reads.plain), "timestamp")
}

func TestReadsOfRules(t *testing.T) {
	tests := []struct {
		name              string
		module            string
		enriched, plainly []string
	}{
		{"a key", "package tracee.X\n\ntracee_match if input.hostName == \"h\"", []string{"hostName"}, []string{"hostName"}},
		{"a nested key", "package tracee.X\n\ntracee_match if input.executable.path == \"h\"", []string{"executable"}, []string{"executable"}},
		{"a key in an extension", "package tracee.X\n\ntracee_match := true\n\npidfdsig_properties := {\"a\": input.syscall}", []string{"syscall"}, []string{"syscall"}},
		{"a key behind a function", "package tracee.X\n\nf(x) := input.userId + x\n\ntracee_match if f(1) > 0", []string{"userId"}, []string{"userId"}},
		{"the fallback of a missing enrichment", "package tracee.X\n\ntracee_match if {\n\tnot input.pidfdsig\n\tinput.args\n}", []string{"pidfdsig"}, []string{"pidfdsig", "args"}},
		{"a fallback in an else branch", "package tracee.X\n\nv := x if {\n\tx := input.pidfdsig.call\n} else := input.args if not input.pidfdsig\n\ntracee_match if v", []string{"pidfdsig"}, []string{"pidfdsig", "args"}},
		{"rules no entry rule reaches", "package tracee.X\n\nunused := input.hostName\n\ntracee_match := true", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ast.MustParseModuleWithOpts(tt.module, ast.ParserOptions{RegoVersion: ast.RegoV1})
			c := ast.NewCompiler()
			c.Compile(map[string]*ast.Module{"x.rego": m})
			require.False(t, c.Failed(), "%v", c.Errors)
			r := readInputs(c, []ast.Ref{ast.MustParseRef("data.tracee.X")})
			assert.ElementsMatch(t, tt.enriched, fieldNames(r.enriched))
			assert.ElementsMatch(t, tt.plainly, fieldNames(r.plain))
		})
	}
	for _, whole := range []string{
		"tracee_match if object.get(input, \"x\", 0) == 1",
		"tracee_match if {\n\tsome k, _ in input\n\tk == \"x\"\n}",
		"tracee_match if {\n\tk := \"x\"\n\tinput[k] == 1\n}",
		"tracee_match if count(input) > 1",
	} {
		m := ast.MustParseModuleWithOpts("package tracee.X\n\n"+whole, ast.ParserOptions{RegoVersion: ast.RegoV1})
		c := ast.NewCompiler()
		c.Compile(map[string]*ast.Module{"x.rego": m})
		require.False(t, c.Failed(), "%v", c.Errors)
		r := readInputs(c, []ast.Ref{ast.MustParseRef("data.tracee.X")})
		assert.Equal(t, allInputFields, r.enriched, whole)
		assert.Equal(t, allInputFields, r.plain, whole)
	}
}

// The virtual cache keeps OPA's frame semantics: an entry is visible in its
// own frame only, and an undefined mark sticks.
func TestVirtualCache(t *testing.T) {
	var c virtualCache
	c.reset()
	a, b := ast.MustParseRef("data.a.b"), ast.MustParseRef("data.a.c")
	one := ast.IntNumberTerm(1)
	v, undef := c.Get(a)
	assert.Nil(t, v)
	assert.False(t, undef)
	c.Put(a, one)
	c.Put(b, nil)
	v, _ = c.Get(ast.MustParseRef("data.a.b"))
	assert.Equal(t, one, v)
	_, undef = c.Get(b)
	assert.True(t, undef)
	c.Put(b, one)
	_, undef = c.Get(b)
	assert.True(t, undef, "undefined wins, as in OPA's cache")
	assert.Equal(t, []ast.Ref{a, b}, c.Keys())

	c.Push()
	v, _ = c.Get(a)
	assert.Nil(t, v, "a new frame starts empty")
	c.Put(a, ast.IntNumberTerm(2))
	v, _ = c.Get(a)
	assert.Equal(t, ast.IntNumberTerm(2), v)
	c.Pop()
	v, _ = c.Get(a)
	assert.Equal(t, one, v)

	c.reset()
	v, _ = c.Get(a)
	assert.Nil(t, v)
}

func TestBaseCache(t *testing.T) {
	var c baseCache
	cfg := ast.MustParseTerm(`{"x": {"y": 1}}`).Value
	c.Put(ast.MustParseRef("data.pidfdsig.config"), cfg)
	assert.Equal(t, cfg, c.Get(ast.MustParseRef("data.pidfdsig.config")))
	assert.Equal(t, ast.Number("1"), c.Get(ast.MustParseRef("data.pidfdsig.config.x.y")))
	assert.Nil(t, c.Get(ast.MustParseRef("data.pidfdsig.config.z")))
	assert.Nil(t, c.Get(ast.MustParseRef("data.pidfdsig")))
	c.Put(ast.MustParseRef("data.pidfdsig"), ast.MustParseTerm(`{"config": 2}`).Value)
	assert.Len(t, c.entries, 1, "a document replaces the ones below it")
	assert.Equal(t, ast.Number("2"), c.Get(ast.MustParseRef("data.pidfdsig.config")))
	c.reset()
	assert.Nil(t, c.Get(ast.MustParseRef("data.pidfdsig")))
}

// Shared per-process terms are found only under their own key, whatever
// shares their slot.
func TestInternTable(t *testing.T) {
	tab := newInternTable[target.Target]()
	terms := map[int32]*ast.Term{}
	for pid := int32(1); pid <= 2000; pid++ {
		tg := target.Target{HostPID: pid}
		terms[pid] = ast.IntNumberTerm(int(pid))
		tab.put(tg, terms[pid])
	}
	hits := 0
	for pid := int32(1); pid <= 2000; pid++ {
		if got := tab.get(target.Target{HostPID: pid}); got != nil {
			assert.Same(t, terms[pid], got)
			hits++
		}
	}
	assert.Positive(t, hits)
	assert.LessOrEqual(t, hits, len(tab.slots), "bounded")
}

// An input built with some fields is the whole input without the others.
func TestInputWithSomeFields(t *testing.T) {
	for _, ev := range sampleEvents(t) {
		whole := inputValue(&ev, nil).(ast.Object)
		for _, f := range []inputFields{0, fieldPidfdsig | fieldPidNamespace | fieldProcessEntityID, fieldArgs | fieldEventName | fieldHostName} {
			want := ast.NewObject()
			whole.Foreach(func(k, v *ast.Term) {
				if f&inputFieldKeys[string(k.Value.(ast.String))] != 0 {
					want.Insert(k, v)
				}
			})
			requireSameValue(t, want, buildInput(&ev, nil, f), "fields %b", f)
		}
	}
}
