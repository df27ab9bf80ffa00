package events_test

import (
	"math"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pidfdsig/pidfdsig/events"
)

func TestResult(t *testing.T) {
	tests := []struct {
		name      string
		result    events.Result
		ok        bool
		errno     syscall.Errno
		errnoName string
		str       string
	}{
		{"0 is success", 0, true, 0, "", "0"},
		{"a positive value is success and shows the value", 3, true, 0, "", "3"},
		{"-1 is EPERM", -1, false, events.EPERM, "EPERM", "EPERM"},
		{"-3 is ESRCH", -3, false, events.ESRCH, "ESRCH", "ESRCH"},
		{"-9 is EBADF", -9, false, events.EBADF, "EBADF", "EBADF"},
		{"-14 is EFAULT", -14, false, events.EFAULT, "EFAULT", "EFAULT"},
		{"-22 is EINVAL", -22, false, events.EINVAL, "EINVAL", "EINVAL"},
		{"-38 is ENOSYS", -38, false, events.ENOSYS, "ENOSYS", "ENOSYS"},
		{"-9999 is an errno Linux does not define", -9999, false, 9999, "errno(9999)", "errno(9999)"},
		{"-41 falls in a gap of the errno table", -41, false, 41, "errno(41)", "errno(41)"},
		{"the largest errno Linux defines is named", -133, false, 133, "EHWPOISON", "EHWPOISON"},
		{"one past the largest errno is unnamed", -134, false, 134, "errno(134)", "errno(134)"},
		{"the most negative value is an unnamed errno, not a panic", math.MinInt64, false,
			syscall.Errno(1 << 63), "errno(9223372036854775808)", "errno(9223372036854775808)"},
		{"the largest value is success", math.MaxInt64, true, 0, "", "9223372036854775807"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.ok, tt.result.OK(), "OK")
			assert.Equal(t, tt.errno, tt.result.Errno(), "Errno")
			assert.Equal(t, tt.errnoName, tt.result.ErrnoName(), "ErrnoName")
			assert.Equal(t, tt.str, tt.result.String(), "String")
		})
	}
}

func TestResultIs(t *testing.T) {
	tests := []struct {
		name   string
		result events.Result
		errno  syscall.Errno
		want   bool
	}{
		{"-22 is EINVAL", -22, events.EINVAL, true},
		{"-22 is not EPERM", -22, events.EPERM, false},
		{"-1 is EPERM", -1, events.EPERM, true},
		{"-3 is ESRCH", -3, events.ESRCH, true},
		{"-9 is EBADF", -9, events.EBADF, true},
		{"success is no errno, not even 0", 0, 0, false},
		{"a positive value is no errno", 22, events.EINVAL, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.result.Is(tt.errno))
		})
	}
}

func TestErrnoName(t *testing.T) {
	tests := []struct {
		name  string
		errno syscall.Errno
		want  string
	}{
		{"1 is EPERM", 1, "EPERM"},
		{"3 is ESRCH", 3, "ESRCH"},
		{"9 is EBADF", 9, "EBADF"},
		{"14 is EFAULT", 14, "EFAULT"},
		{"22 is EINVAL", 22, "EINVAL"},
		{"38 is ENOSYS", 38, "ENOSYS"},
		{"0 is no errno", 0, "errno(0)"},
		{"9999 is unknown", 9999, "errno(9999)"},
		{"an errno with the top bit set is unknown, not a panic", syscall.Errno(1 << 63), "errno(9223372036854775808)"},
		{"the largest errno is unknown, not a panic", ^syscall.Errno(0), "errno(18446744073709551615)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, events.ErrnoName(tt.errno))
		})
	}
}

func TestErrnoConstantsMatchLinux(t *testing.T) {
	assert.Equal(t, syscall.Errno(1), events.EPERM)
	assert.Equal(t, syscall.Errno(3), events.ESRCH)
	assert.Equal(t, syscall.Errno(9), events.EBADF)
	assert.Equal(t, syscall.Errno(14), events.EFAULT)
	assert.Equal(t, syscall.Errno(22), events.EINVAL)
	assert.Equal(t, syscall.Errno(38), events.ENOSYS)
}
