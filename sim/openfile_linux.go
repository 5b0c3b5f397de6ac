package sim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/sim/rawfork"
)

// scratchFiles is the lab's own directory for the files OpenFile makes
// when it is given no path: made on first use, removed by Close. The zero
// value is ready.
type scratchFiles struct {
	mu      sync.Mutex
	dir     string
	n       int
	removed bool
}

// next names a new scratch file: notes, notes-2, notes-3 …
func (f *scratchFiles) next() (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.removed {
		return "", ErrClosed
	}
	if f.dir == "" {
		d, err := os.MkdirTemp("", "proctui-lab-")
		if err != nil {
			return "", fmt.Errorf("a directory for scratch files: %w", err)
		}
		f.dir = d
	}
	f.n++
	name := "notes"
	if f.n > 1 {
		name += "-" + strconv.Itoa(f.n)
	}
	return filepath.Join(f.dir, name), nil
}

// remove deletes the directory and every scratch file in it. A process
// that still holds one open keeps reading and writing it: unlinking a
// file removes its name, not the file.
func (f *scratchFiles) remove() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = true
	if f.dir == "" {
		return nil
	}
	err := os.RemoveAll(f.dir)
	f.dir = ""
	if err != nil {
		return fmt.Errorf("removing the lab's scratch files: %w", err)
	}
	return nil
}

// maxPath is PATH_MAX, counting the NUL.
const maxPath = 4096

// openFile makes lab process pid open path read-write, creating it.
func (st *state) openFile(pid int, path string) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	m, err := st.commandable(pid, "open a file")
	if err != nil {
		return Result{}, err
	}
	switch {
	case strings.IndexByte(path, 0) >= 0:
		return Result{}, errors.New("a file name cannot contain a NUL byte")
	case len(path) >= maxPath:
		return Result{}, fmt.Errorf("a path is at most %d bytes", maxPath-1)
	}
	scratch := path == ""
	if scratch {
		if path, err = st.files.next(); err != nil {
			return Result{}, err
		}
	}
	call := fmt.Sprintf("open(%q, O_RDWR|O_CREAT)", path)
	msg, err := fdCall(m, rawfork.Request{Op: rawfork.OpOpenFile}, append([]byte(path), 0), nil)
	if err != nil {
		return Result{}, fmt.Errorf("%s in %d failed: %w", call, pid, err)
	}
	fd := msg.rep.Val
	text := fmt.Sprintf("%s in %d returned fd %d: a new open file, its offset at 0; each read and write through fd %d moves it, and a fork or SCM_RIGHTS shares it rather than copying it",
		call, pid, fd, fd)
	if scratch {
		text += " (a scratch file, removed when the lab ends)"
	}
	return Result{PID: pid, Syscall: call, Text: text, Status: strconv.FormatInt(fd, 10)}, nil
}

// openFile serves OpOpenFile in the lab image: open() as a C program
// calls it, without O_CLOEXEC, so the descriptor survives an exec.
func (s *labServer) openFile(payload []byte, rep *rawfork.Reply) {
	path, _, _ := strings.Cut(string(payload), "\x00")
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT, 0o644)
	if err != nil {
		rep.Errno = errnoOf(err)
		return
	}
	rep.Val = int64(fd)
}
