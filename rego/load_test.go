package rego

import (
	"fmt"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fallback for errors that name no user file: user modules are added
// one at a time, the ones that break the compilation left out.
func TestCompileOneByOneKeepsWhatCompiles(t *testing.T) {
	caps := ruleCapabilities()
	builtin, err := parseEmbedded(true, caps)
	require.NoError(t, err)
	parse := func(file, src string) *module {
		m, err := ast.ParseModuleWithOpts(file, src, parserOptions(ast.RegoV1, caps))
		require.NoError(t, err)
		return &module{file: file, parsed: m}
	}
	bad := parse("bad.rego", "package tracee\n\nPFD_1 := 5\n")
	good := parse("good.rego", "package tracee.GOOD\n\nx := 1\n")
	c, kept, errs := compileOneByOne(builtin, []*module{bad, good}, caps)
	require.NotNil(t, c)
	require.Len(t, kept, len(builtin)+1)
	require.Equal(t, "good.rego", kept[len(kept)-1].file)
	require.Len(t, errs, 1)
	require.Equal(t, "bad.rego", errs[0].File)
	require.ErrorIs(t, errs[0], ErrCompile)
	require.Contains(t, errs[0].Error(), "conflicts with the built-in rules")
}

// reader is a stand-in built-in module that reads a document user files
// may write; a user module that gives it the wrong type breaks it, and the
// compiler blames the built-in file, not the user's.
const reader = "package tracee.pidfdsig.reader\n\nnext := data.users.count + 1\n"

// userModules parses n good user rules and, for each name in breakers, a
// module that breaks reader at that position.
func userModules(t testing.TB, caps *ast.Capabilities, n int, breakers map[int]string) []*module {
	var mods []*module
	for i := 0; i < n; i++ {
		if name, ok := breakers[i]; ok {
			mods = append(mods, parseModule(t, caps, name, "package users\n\ncount := \"many\"\n"))
		}
		mods = append(mods, parseModule(t, caps, fmt.Sprintf("u%04d.rego", i), fmt.Sprintf("package tracee.U%d\n\ntracee_match if input.args[0].value == %d\n", i, i)))
	}
	return mods
}

func parseModule(t testing.TB, caps *ast.Capabilities, file, src string) *module {
	m, err := ast.ParseModuleWithOpts(file, src, parserOptions(ast.RegoV1, caps))
	require.NoError(t, err)
	return &module{file: file, parsed: m}
}

// TestCompileUserIsolatesFilesThatBreakTheBuiltins: user files that break
// a built-in module without being named are found (by halving) and left
// out; every other file loads.
func TestCompileUserIsolatesFilesThatBreakTheBuiltins(t *testing.T) {
	caps := ruleCapabilities()
	builtin, err := parseEmbedded(true, caps)
	require.NoError(t, err)
	builtin = append(builtin, parseModule(t, caps, "rego/lib/reader.rego", reader))
	tests := []struct {
		name     string
		n        int
		breakers map[int]string
	}{
		{"no breaker", 40, nil},
		{"one breaker first", 40, map[int]string{0: "bad.rego"}},
		{"one breaker in the middle", 40, map[int]string{17: "bad.rego"}},
		{"two breakers far apart", 40, map[int]string{3: "bad1.rego", 31: "bad2.rego"}},
		{"a breaker alone", 0, map[int]string{0: "bad.rego"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := userModules(t, caps, max(tt.n, 1), tt.breakers)
			if tt.n == 0 {
				user = user[:1]
			}
			c, kept, errs := compileUser(builtin, user, caps)
			require.NotNil(t, c)
			assert.Len(t, kept, len(builtin)+tt.n, "every good file loads")
			var files []string
			for _, e := range errs {
				assert.ErrorIs(t, e, ErrCompile)
				assert.Contains(t, e.Error(), "conflicts with the built-in rules")
				files = append(files, e.File)
			}
			var want []string
			for _, name := range tt.breakers {
				want = append(want, name)
			}
			assert.ElementsMatch(t, want, files)
		})
	}
}

// BenchmarkCompileUserWithABreaker compiles 1000 user rules with the
// built-in modules, alone and with one file that breaks a built-in module
// without being named: halving keeps the second near the first.
func BenchmarkCompileUserWithABreaker(b *testing.B) {
	caps := ruleCapabilities()
	builtin, err := parseEmbedded(true, caps)
	require.NoError(b, err)
	builtin = append(builtin, parseModule(b, caps, "rego/lib/reader.rego", reader))
	for _, bc := range []struct {
		name     string
		breakers map[int]string
	}{
		{"1000-good", nil},
		{"1000-good-1-breaker", map[int]string{500: "bad.rego"}},
	} {
		user := userModules(b, caps, 1000, bc.breakers)
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				_, kept, _ := compileUser(builtin, user, caps)
				if len(kept) != len(builtin)+1000 {
					b.Fatalf("kept %d modules", len(kept))
				}
			}
		})
	}
}
