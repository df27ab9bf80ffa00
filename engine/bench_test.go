package engine_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"

	"github.com/pidfdsig/pidfdsig/engine"
	"github.com/pidfdsig/pidfdsig/signatures"
)

// BenchmarkScan runs the six Go signatures over the bundled v0.24.1 capture
// (11 events, 3 findings), building the signatures each time as a
// one-capture program does.
func BenchmarkScan(b *testing.B) {
	sample, err := os.ReadFile("../testdata/tracee-samples/tracee-v0.24.1-trigger.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		sigs, err := signatures.New(signatures.DefaultConfig())
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		if _, err := engine.Scan(bytes.NewReader(sample), sigs, engine.Options{OnFinding: func(*detect.Finding) { n++ }}); err != nil {
			b.Fatal(err)
		}
		if n != 3 {
			b.Fatalf("%d findings, want 3", n)
		}
	}
}
