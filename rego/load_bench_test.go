package rego_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pidfdsig/pidfdsig/rego"
)

// BenchmarkLoadUserRules loads 1000 user rules with the built-in ones,
// alone and beside issue 14's file writing the configuration, which used to
// break the built-ins without being named and made loading quadratic.
func BenchmarkLoadUserRules(b *testing.B) {
	const n = 1000
	for _, bc := range []struct {
		name string
		bad  string
		errs int
	}{
		{"1000-good", "", 0},
		{"1000-good-1-writing-the-configuration", "package pidfdsig\n\nconfig := 5\n", 1},
	} {
		dir := b.TempDir()
		for i := 0; i < n; i++ {
			src := userRule(fmt.Sprintf("tracee.U%d", i), fmt.Sprintf("U-%d", i), fmt.Sprintf("tracee_match if input.args[0].value == %d", i))
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("u%04d.rego", i)), []byte(src), 0o600); err != nil {
				b.Fatal(err)
			}
		}
		if bc.bad != "" {
			if err := os.WriteFile(filepath.Join(dir, "bad.rego"), []byte(bc.bad), 0o600); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				rt, err := rego.New(rego.WithRuleDirs(dir), rego.WithoutEnvironment())
				if err != nil {
					b.Fatal(err)
				}
				if got := len(rt.LoadErrors()); got != bc.errs || len(rt.Signatures()) != n+6 {
					b.Fatalf("%d load errors, %d rules", got, len(rt.Signatures()))
				}
			}
		})
	}
}
