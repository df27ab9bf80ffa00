//go:build linux

package kernelrec

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// readExecInfo describes the program process hostPID runs after an exec of
// cmdpath with argv, from /proc and the file itself. prevComm is the comm the
// process had before the exec.
func readExecInfo(hostPID int, cmdpath string, argv []string, prevComm string) (ExecInfo, error) {
	proc := "/proc/" + strconv.Itoa(hostPID)
	x := ExecInfo{CmdPath: cmdpath, Interp: cmdpath, Argv: argv, PrevComm: prevComm}
	var err error
	if x.PathName, err = os.Readlink(proc + "/exe"); err != nil {
		return ExecInfo{}, err
	}
	// Stat through the magic link: it reaches the file even from another
	// mount namespace.
	var st unix.Stat_t
	if err := unix.Stat(proc+"/exe", &st); err != nil {
		return ExecInfo{}, err
	}
	x.Dev, x.Inode, x.Ctime, x.Mode = kernelDev(st.Dev), st.Ino, uint64(st.Ctim.Nano()), uint16(st.Mode)

	x.InterpreterPath, x.InterpreterDev, x.InterpreterInode, x.InterpreterCtime = x.PathName, x.Dev, x.Inode, x.Ctime
	interp, err := elfInterpreter(proc + "/exe")
	if err != nil {
		return ExecInfo{}, err
	}
	if interp != "" {
		if x.InterpreterPath, err = filepath.EvalSymlinks(interp); err != nil {
			return ExecInfo{}, err
		}
		if err := unix.Stat(x.InterpreterPath, &st); err != nil {
			return ExecInfo{}, err
		}
		x.InterpreterDev, x.InterpreterInode, x.InterpreterCtime = kernelDev(st.Dev), st.Ino, uint64(st.Ctim.Nano())
	}

	if x.StdinPath, err = os.Readlink(proc + "/fd/0"); err != nil {
		return ExecInfo{}, err
	}
	if err := unix.Stat(proc+"/fd/0", &st); err != nil {
		return ExecInfo{}, err
	}
	x.StdinType = uint16(st.Mode & unix.S_IFMT)
	if x.Pwd, err = os.Readlink(proc + "/cwd"); err != nil {
		return ExecInfo{}, err
	}
	return x, nil
}

// kernelDev converts a st_dev as stat(2) returns it to the kernel's
// internal dev_t (MKDEV: major << 20 | minor), which is what Tracee reads
// from the super block.
func kernelDev(dev uint64) uint32 {
	return unix.Major(dev)<<20 | unix.Minor(dev)
}

// elfInterpreter returns the PT_INTERP path of an ELF file, "" if it has
// none (a static program).
func elfInterpreter(path string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b := make([]byte, p.Filesz)
		if _, err := p.ReadAt(b, 0); err != nil {
			return "", fmt.Errorf("%s: PT_INTERP: %w", path, err)
		}
		return unix.ByteSliceToString(b), nil
	}
	return "", nil
}
