//go:build linux

package kernelrec

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

// statLine is a /proc/PID/stat line with comm, ppid, start time (field 22)
// and processor (field 39) set.
func statLine(comm string, ppid, start, cpu int) string {
	fields := make([]string, 50)
	for i := range fields {
		fields[i] = "0"
	}
	fields[0], fields[1], fields[2], fields[3] = "4100", "("+comm+")", "S", strconv.Itoa(ppid)
	fields[21], fields[38] = strconv.Itoa(start), strconv.Itoa(cpu)
	return strings.Join(fields, " ") + "\n"
}

func TestReadStatFindsFieldsAfterAnyComm(t *testing.T) {
	tests := []struct {
		name string
		comm string
	}{
		{"a plain name", "sleep"},
		{"a name with a space and parentheses", "evil) S 1 (x"},
		{"the longest name", "kernelrec.test0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := readStat(writeFile(t, statLine(tt.comm, 4000, 123456, 3)))
			require.NoError(t, err)
			assert.Equal(t, procStat{comm: tt.comm, ppid: 4000, startTicks: 123456, processor: 3}, st)
		})
	}
}

func TestReadStatRefusesTruncatedLines(t *testing.T) {
	_, err := readStat(writeFile(t, "4100 (sleep) S 1 2 3\n"))
	assert.Error(t, err)
	_, err = readStat(writeFile(t, "4100 sleep S\n"))
	assert.Error(t, err)
}

func TestReadStatusReadsUidAndNamespacedIds(t *testing.T) {
	path := writeFile(t, "Name:\tsleep\nUid:\t1000\t65534\t1000\t65534\nNStgid:\t4300\t1\nNSpid:\t4303\t4\n")
	st, err := readStatus(path)
	require.NoError(t, err)
	assert.Equal(t, procStatus{uid: 1000, nsTgid: []int32{4300, 1}, nsPid: []int32{4303, 4}}, st, "the real uid is the first")

	_, err = readStatus(writeFile(t, "Name:\tsleep\nUid:\t0\t0\t0\t0\n"))
	assert.Error(t, err, "a kernel without NStgid")
}

func TestNsInodeParsesNamespaceLinks(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "pid"), filepath.Join(dir, "bad")
	require.NoError(t, os.Symlink("pid:[4026531836]", good))
	require.NoError(t, os.Symlink("/etc/passwd", bad))
	n, err := nsInode(good)
	require.NoError(t, err)
	assert.Equal(t, uint32(4026531836), n)
	_, err = nsInode(bad)
	assert.Error(t, err)
}

func TestKernelDevUsesTheKernelsEncoding(t *testing.T) {
	tests := []struct {
		major, minor uint32
		want         uint32
	}{
		{8, 1, 8<<20 | 1},
		{254, 0, 254 << 20},
		{0, 300, 300}, // minors above 255 are split in st_dev, not in the kernel's dev_t
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, kernelDev(unix.Mkdev(tt.major, tt.minor)))
	}
}

func TestSelfTaskDescribesTheCallingThread(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	boot, err := BootEpoch()
	require.NoError(t, err)
	before := time.Now().UnixNano()

	self, err := SelfTask(boot)
	require.NoError(t, err)

	comm, err := os.ReadFile("/proc/thread-self/comm")
	require.NoError(t, err)
	exe, err := os.Executable()
	require.NoError(t, err)
	pidNS, err := nsInode("/proc/self/ns/pid")
	require.NoError(t, err)
	assert.Equal(t, int32(os.Getpid()), self.HostPID)
	assert.Equal(t, int32(unix.Gettid()), self.HostTID)
	assert.Equal(t, int32(os.Getppid()), self.HostPPID)
	assert.Equal(t, uint32(os.Getuid()), self.UID)
	assert.Equal(t, strings.TrimSpace(string(comm)), self.Comm)
	assert.Equal(t, exe, self.Exe)
	assert.Equal(t, pidNS, self.PidNS)
	assert.LessOrEqual(t, self.LeaderStartTime, self.StartTime, "the leader started first")
	assert.Less(t, self.StartTime, before)
	assert.Greater(t, self.StartTime, boot)
}
