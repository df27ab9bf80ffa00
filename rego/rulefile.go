package rego

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// MaxRuleFileSize is the largest user rule file read, in bytes. Rule files
// are a few kilobytes; the bound keeps a stray large file (or one that
// grows while read) from taking the loader's memory.
const MaxRuleFileSize = 1 << 20

// readRuleFile reads a user rule file. Only a regular file, or a symlink to
// one, is read: a named pipe would block the loader (and Tracee's start in
// the plugin) forever, and a device such as /dev/zero never ends. The file
// is opened without blocking, then checked again, so that a file swapped
// for a pipe between the two checks is refused, not waited on.
func readRuleFile(name string) ([]byte, error) {
	if info, err := os.Stat(name); err != nil {
		return nil, err
	} else if err := acceptable(info); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := acceptable(info); err != nil {
		return nil, err
	}
	src, err := io.ReadAll(io.LimitReader(f, MaxRuleFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(src) > MaxRuleFileSize {
		return nil, fmt.Errorf("%w: over %d bytes", ErrFileRefused, MaxRuleFileSize)
	}
	return src, nil
}

// acceptable refuses what is not a regular file of at most MaxRuleFileSize
// bytes.
func acceptable(info fs.FileInfo) error {
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%w: not a regular file (%s)", ErrFileRefused, kindOf(info.Mode()))
	}
	if info.Size() > MaxRuleFileSize {
		return fmt.Errorf("%w: %d bytes, over %d", ErrFileRefused, info.Size(), MaxRuleFileSize)
	}
	return nil
}

// kindOf names a file mode's type.
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}
