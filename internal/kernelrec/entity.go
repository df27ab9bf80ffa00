//go:build linux

package kernelrec

import (
	"encoding/binary"
	"math/bits"
)

// entitySeed is the seed of Tracee's murmur3 hash of task ids (MurmurSeed in
// Tracee's pkg/utils, the same as its eBPF code's).
const entitySeed = 0x18273645

// entityRound is the precision Tracee rounds start times to before hashing
// them (100 ms in v0.24.1 and the main branch), so that ids computed from
// /proc readings, which have clock-tick resolution, agree with ids computed
// from eBPF.
const entityRound = 100_000_000

// EntityID is Tracee's HashTaskID: the murmur3 (x86, 32-bit) hash, seeded
// with 0x18273645, of the host tid (or tgid) and the task's start time in
// nanoseconds since the epoch rounded down to 100 ms, both big-endian. Tracee
// fills threadEntityId with EntityID(hostTid, threadStartTime),
// processEntityId with EntityID(hostPid, leaderStartTime) and parentEntityId
// with EntityID(hostPpid, parentStartTime). The function reproduces the ids
// of the captures in testdata/tracee-samples.
func EntityID(tid uint32, startTime uint64) uint32 {
	var key [12]byte
	binary.BigEndian.PutUint32(key[:4], tid)
	binary.BigEndian.PutUint64(key[4:], startTime/entityRound*entityRound)
	return murmur3(key[:], entitySeed)
}

// murmur3 is MurmurHash3_x86_32.
func murmur3(data []byte, seed uint32) uint32 {
	h := seed
	n := len(data) / 4
	for i := range n {
		h ^= murmurMix(binary.LittleEndian.Uint32(data[i*4:]))
		h = bits.RotateLeft32(h, 13)
		h = h*5 + 0xe6546b64
	}
	var k uint32
	tail := data[n*4:]
	for i := len(tail) - 1; i >= 0; i-- {
		k = k<<8 | uint32(tail[i])
	}
	if len(tail) > 0 {
		h ^= murmurMix(k)
	}
	h ^= uint32(len(data))
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// murmurMix scrambles one 4-byte block (or the tail) of the key.
func murmurMix(k uint32) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	k *= c1
	k = bits.RotateLeft32(k, 15)
	return k * c2
}
