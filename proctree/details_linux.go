package proctree

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Details reads what want asks for about process pid, and nothing else:
// each part costs the kernel work (an fd table walk, a page-table walk for
// smaps_rollup) and some parts are guarded by ptrace rules. It returns an
// error only when the process does not exist (ErrGone); a part that cannot
// be read carries its own error: ErrNoAccess for another user's process,
// ErrGone when the process exited while being read, ErrUnknown when the
// kernel left the field out.
//
// Every part is read through one open descriptor of ROOT/PID. If the
// process dies and its pid is reused meanwhile, reads through that
// descriptor fail instead of describing the newcomer.
func (r *ProcReader) Details(pid int, want Want) (*Details, error) {
	if pid <= 0 {
		return nil, fmt.Errorf("proctree: pid %d: %w", pid, ErrGone)
	}
	d := &Details{PID: pid, Taken: time.Now()}
	dirfd, err := openat(unix.AT_FDCWD, r.setPath(r.root+"/"+strconv.Itoa(pid)), unix.O_RDONLY|unix.O_DIRECTORY, false)
	if err != nil {
		if errors.Is(partErr(err), ErrGone) {
			return nil, fmt.Errorf("proctree: pid %d: %w", pid, ErrGone)
		}
		if errors.Is(partErr(err), ErrNoAccess) {
			// hidepid=1: the directory is listed but closed to us.
			d.setAll(want, ErrNoAccess)
			return d, nil
		}
		return nil, fmt.Errorf("proctree: pid %d: %w", pid, err)
	}
	defer unix.Close(dirfd)

	b, err := r.readAt(dirfd, r.setPath("stat"))
	var st statLine
	if err != nil || len(b) == 0 || !parseStat(b, &st) {
		return nil, fmt.Errorf("proctree: pid %d: %w", pid, ErrGone)
	}
	k := procKind{
		kernel: st.Flags&pfKthread != 0,
		zombie: st.State == 'Z' || st.State == 'X',
	}

	if want&WantFDs != 0 {
		d.FDs, d.PollerFDs, d.FDErr = r.readFDs(dirfd, r.live && pid == r.self)
	}
	if want&(WantSignals|WantMemory) != 0 {
		r.readStatus(dirfd, d, want, k)
	}
	if want&WantPaths != 0 {
		d.Cwd, d.CwdErr = r.readLink(dirfd, "cwd", k)
		d.Exe, d.ExeErr = r.readLink(dirfd, "exe", k)
	}
	if want&WantEnv != 0 {
		d.Env, d.EnvErr = r.readEnv(dirfd, k)
	}
	if want&WantSmaps != 0 {
		d.Smaps, d.SmapsErr = r.readSmaps(dirfd, k)
	}
	return d, nil
}

// procKind is what decides how a missing part is explained.
type procKind struct {
	kernel bool // a kernel thread: no user memory, no exe, no environment
	zombie bool // exited: memory, descriptors and cwd already released
}

// setAll gives every wanted part the same error.
func (d *Details) setAll(want Want, err error) {
	if want&WantFDs != 0 {
		d.FDErr = err
	}
	if want&WantSignals != 0 {
		d.SigErr = err
	}
	if want&WantPaths != 0 {
		d.CwdErr, d.ExeErr = err, err
	}
	if want&WantEnv != 0 {
		d.EnvErr = err
	}
	if want&WantMemory != 0 {
		d.MemErr = err
	}
	if want&WantSmaps != 0 {
		d.SmapsErr = err
	}
}

// readFDs lists ROOT/PID/fd and describes each descriptor from its link
// and its fdinfo. A descriptor closed while the table is read is left out.
// The table is sorted by number. For the reading process itself (self),
// the stat files a live reader keeps open at keptFDBase and above are
// counted in poller, not described: there is one per process on the system.
func (r *ProcReader) readFDs(dirfd int, self bool) (fds []FD, poller int, err error) {
	fddir, err := openat(dirfd, r.setPath("fd"), unix.O_RDONLY|unix.O_DIRECTORY, false)
	if err != nil {
		// Opening another user's fd directory needs ptrace access: EACCES.
		return nil, 0, partErr(err)
	}
	r.fdNum = r.fdNum[:0]
	buf, kept := r.dents, false
	if self {
		// proctui's own table holds a kept stat file per process above
		// keptFDBase, a thousand or more. Listing them costs the kernel a
		// dentry each on every refresh, so the listing stops at the first
		// one (the kernel lists in fd order; a small buffer keeps the
		// overshoot small) and the rest are counted from the directory's
		// size, which is the number of open descriptors since Linux 6.2.
		buf = r.dents[:min(len(r.dents), 1024)]
	}
	r.fdListed = 0
	err = getdentsNumbers(fddir, buf, func(n int) bool {
		r.fdListed++
		if self && n >= keptFDBase {
			kept = true
			return false
		}
		r.fdNum = append(r.fdNum, n)
		return true
	})
	if err == nil && kept {
		var st unix.Stat_t
		if unix.Fstat(fddir, &st) == nil && st.Size > int64(len(r.fdNum)) {
			poller = int(st.Size) - len(r.fdNum)
		} else {
			// An older kernel: count them the slow way.
			poller = 0
			_, err = unix.Seek(fddir, 0, 0)
			if err == nil {
				err = getdentsNumbers(fddir, r.dents, func(n int) bool {
					if n >= keptFDBase {
						poller++
					}
					return true
				})
			}
		}
	}
	unix.Close(fddir)
	if err != nil {
		return nil, 0, partErr(err)
	}
	slices.Sort(r.fdNum)
	fds, err = r.describeFDs(dirfd)
	return fds, poller, err
}

// describeFDs describes the descriptors listed in r.fdNum.
func (r *ProcReader) describeFDs(dirfd int) ([]FD, error) {
	fds := make([]FD, 0, len(r.fdNum))
	link := make([]byte, unix.PathMax)
	for _, num := range r.fdNum {
		name := "fd/" + strconv.Itoa(num)
		n, err := unix.Readlinkat(dirfd, name, link)
		if err != nil {
			if errors.Is(partErr(err), ErrGone) {
				continue // closed since the listing
			}
			return fds, partErr(err)
		}
		fd := FD{Num: num, Offset: -1, Target: string(link[:n])}
		fd.Type, fd.Inode = fdTargetType(fd.Target)
		if fd.Type == FDUnknown {
			// A path: stat follows the link to the open file itself, so
			// it works even when the file was deleted or renamed.
			var s unix.Stat_t
			if unix.Fstatat(dirfd, name, &s, 0) == nil {
				fd.Type = fdTypeFromMode(s.Mode)
				if fd.Type == FDChar && ttyDevice(unix.Major(s.Rdev), unix.Minor(s.Rdev)) {
					fd.Type = FDTTY
				}
			}
		}
		b, err := r.readAt(dirfd, r.setPath("fdinfo/"+strconv.Itoa(num)))
		if err != nil && errors.Is(partErr(err), ErrGone) {
			continue
		}
		if err == nil {
			fi := parseFdinfo(b)
			if fi.HasPos {
				fd.Offset = fi.Pos
			}
			if fi.HasFlags {
				fd.Mode, fd.CloseOnExec = fdMode(fi.Flags)
			}
		}
		fds = append(fds, fd)
	}
	return fds, nil
}

// readStatus reads ROOT/PID/status once for the signal sets and the memory
// summary.
func (r *ProcReader) readStatus(dirfd int, d *Details, want Want, k procKind) {
	b, err := r.readAt(dirfd, r.setPath("status"))
	if err != nil {
		fillStatus(d, want, nil, partErr(err))
		return
	}
	if found := fillStatus(d, want, b, nil); want&WantMemory != 0 && found == 0 {
		switch {
		case k.zombie:
			// Its memory was released at exit.
			d.MemErr = ErrGone
		case k.kernel:
			// No user memory: zero is the true answer.
		default:
			d.MemErr = ErrUnknown
		}
	}
}

// readLink reads the cwd or exe link. A zombie has neither any more (its
// fs and mm were released at exit); a kernel thread has no exe.
func (r *ProcReader) readLink(dirfd int, name string, k procKind) (string, error) {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(dirfd, name, buf)
	if err != nil {
		err = partErr(err)
		if k.kernel && errors.Is(err, ErrGone) {
			err = ErrUnknown
		}
		return "", err
	}
	return string(buf[:n]), nil
}

// readEnv reads ROOT/PID/environ: the environment as it was at exec,
// copied out of the process's memory. Changes the program made since (with
// setenv) live in its own data structures and do not show here.
func (r *ProcReader) readEnv(dirfd int, k procKind) ([]string, error) {
	if k.kernel {
		return []string{}, nil
	}
	b, err := r.readAt(dirfd, r.setPath("environ"))
	if err != nil {
		return nil, partErr(err)
	}
	if len(b) == 0 && k.zombie {
		return nil, ErrGone
	}
	return splitNUL(b), nil
}

// readSmaps reads ROOT/PID/smaps_rollup. The kernel walks every page table
// entry of the process to build it, under the process's memory-map lock.
func (r *ProcReader) readSmaps(dirfd int, k procKind) (SmapsRollup, error) {
	if k.kernel {
		return SmapsRollup{}, nil
	}
	b, err := r.readAt(dirfd, r.setPath("smaps_rollup"))
	if err != nil {
		return SmapsRollup{}, partErr(err)
	}
	s, found := parseSmapsRollup(b)
	if found == 0 {
		if k.zombie || len(b) == 0 {
			return s, ErrGone
		}
		return s, ErrUnknown
	}
	return s, nil
}
