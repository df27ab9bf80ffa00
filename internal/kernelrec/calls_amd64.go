//go:build linux && amd64

package kernelrec

import "golang.org/x/sys/unix"

// sysDup2 is the dup2 system call's number.
const sysDup2 = unix.SYS_DUP2
