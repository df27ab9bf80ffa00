package rego

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
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
