package capture

import (
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
)

// benchmarkRead reads events from a stream repeating a sample capture
// forever, one event per iteration.
func benchmarkRead(b *testing.B, capture string, opts ...Option) {
	data := joinLines(sampleLines(b, capture)...)
	lines := len(sampleLines(b, capture))
	r := NewReader(&repeatReader{data: data, limit: -1}, opts...)
	var ev trace.Event
	b.SetBytes(int64(len(data) / lines))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := r.Next(&ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkReadLegacy(b *testing.B) { benchmarkRead(b, legacySample) }

func BenchmarkReadProto(b *testing.B) { benchmarkRead(b, protoSample) }

// The Stdlib benchmarks read through the encoding/json decoders alone, which
// the fast decoders fall back to for the lines they do not take.

func BenchmarkReadLegacyStdlib(b *testing.B) {
	benchmarkRead(b, legacySample, withStdDecoders())
}

func BenchmarkReadProtoStdlib(b *testing.B) {
	benchmarkRead(b, protoSample, withStdDecoders())
}

func BenchmarkEncodeProto(b *testing.B) {
	var ev trace.Event
	if _, err := Decode(sampleLines(b, protoSample)[1], &ev); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := EncodeProto(&ev); err != nil {
			b.Fatal(err)
		}
	}
}
