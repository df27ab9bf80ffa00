//go:build linux && !amd64

package kernelrec

// sysDup2 is an invalid number: arm64 and the other asm-generic
// architectures have no dup2 (C libraries emulate it with dup3), so a script
// step using it fails with ENOSYS there.
const sysDup2 = ^uintptr(0)
