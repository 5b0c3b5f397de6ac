//go:build linux && (amd64 || arm64)

package rawfork

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/coverage"
	"slices"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/sim/rawfork/internal/child"
)

// Supported reports whether this build can make a real fork(): Linux on
// amd64 or arm64, the architectures whose clone and struct sigaction the
// child path is written for, in a binary whose child path is free of
// coverage instrumentation (see Unavailable).
func Supported() bool { return Unavailable() == nil }

// childPkg is the import path of the child path, as coverage meta-data
// names it.
const childPkg = "github.com/proctui/proctui/sim/rawfork/internal/child"

// ChildCovered reports whether the child path carries coverage counters in
// this binary, given testing.Coverage. It is for test binaries, where
// Unavailable cannot tell (their coverage meta-data is complete only at
// exit): go test -coverpkg naming the child package instruments it, and a
// test binary that finds it so must not fork for real. It runs a function of
// the child path that has never run and sees whether the coverage figure
// moves, so it answers once per process; later calls report false.
func ChildCovered(coverage func() float64) bool {
	var x uint64
	before := coverage()
	child.Probe(&x)
	return coverage() > before
}

// Unavailable says why this build cannot make a real fork(), or returns nil.
//
// Here the one reason is a binary built with coverage instrumentation of
// the child path (go build -cover, or go test -coverpkg naming it): a
// coverage counter is code the child would run, and under -race each one
// is a call into the race runtime, whose locks may belong to threads that
// do not exist in the child. The child would spin forever on such a lock.
func Unavailable() error {
	var meta bytes.Buffer
	if coverage.WriteMeta(&meta) != nil {
		return nil // not built with -cover
	}
	if bytes.Contains(meta.Bytes(), []byte(childPkg)) {
		return fmt.Errorf("%w: this build instruments the fork child for coverage", ErrUnsupported)
	}
	return nil
}

// Fork makes a real fork() of the calling process. The child shares the
// parent's memory copy-on-write, keeps the descriptors listed in cfg.Keep
// that are open (it closes every other one: they are the parent's internal
// plumbing) and serves the control protocol on Child.Control.
//
// The caller owns Child.Control and Child.PIDFD and must eventually reap the
// child: Fork never waits for it.
func Fork(cfg Config) (*Child, error) {
	if err := Unavailable(); err != nil {
		return nil, err
	}
	target := cfg.ControlFD
	if target == 0 {
		target = DefaultControlFD()
	}
	if target < 3 {
		return nil, fmt.Errorf("rawfork: control fd %d would replace a standard descriptor", target)
	}
	var inherited []int
	for _, fd := range cfg.Keep {
		if fd == target {
			return nil, fmt.Errorf("rawfork: fd %d is both kept and the control fd", fd)
		}
		if fd < 0 || slices.Contains(inherited, fd) {
			continue
		}
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
			inherited = append(inherited, fd)
		}
	}
	slices.Sort(inherited)
	keep := append(slices.Clone(inherited), target)
	slices.Sort(keep)
	if len(keep) > child.MaxKeep {
		return nil, fmt.Errorf("rawfork: at most %d descriptors can be kept", child.MaxKeep-1)
	}

	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("rawfork: socketpair: %w", err)
	}
	// The child finds its buffers through addresses stored as uintptr in
	// the scratch (it must not store Go pointers), so the scratch must not
	// move before the fork. A stack object would move whenever the stack
	// grows; pinning keeps it on the heap, where nothing moves.
	s := new(child.Scratch)
	var pin runtime.Pinner
	pin.Pin(s)
	defer pin.Unpin()
	child.Init(s)
	s.CtlFD = int32(pair[1])
	s.CtlTarget = int32(target)
	for i, fd := range keep {
		s.Keep[i] = int32(fd)
	}
	s.NKeep = int32(len(keep))
	s.MaxFD = int32(maxOpenFD() + 64)
	if len(cfg.Mem) > 0 {
		s.Mem = unsafe.Pointer(unsafe.SliceData(cfg.Mem))
		s.MemLen = uint64(len(cfg.Mem))
		s.PageSize = uint64(os.Getpagesize())
	}

	pid, pidfd, err := clone(s)
	unix.Close(pair[1])
	if err != nil {
		unix.Close(pair[0])
		return nil, fmt.Errorf("rawfork: clone: %w", err)
	}
	return &Child{
		PID:       pid,
		PIDFD:     pidfd,
		Control:   os.NewFile(uintptr(pair[0]), "control:"+strconv.Itoa(pid)),
		ControlFD: target,
		Inherited: inherited,
	}, nil
}

// clone runs child.Fork on a locked thread. It asks for a pidfd with the
// fork (CLONE_PIDFD, Linux 5.2) and falls back to pidfd_open, or to no pidfd
// at all (-1) on kernels older than 5.3.
func clone(s *child.Scratch) (pid, pidfd int, err error) {
	runtime.LockOSThread()
	r, errno := child.Fork(s, uintptr(unix.SIGCHLD)|unix.CLONE_PIDFD)
	if errno == unix.EINVAL {
		r, errno = child.Fork(s, uintptr(unix.SIGCHLD))
		s.PIDFD = -1
	}
	runtime.UnlockOSThread()
	runtime.KeepAlive(s)
	if errno != 0 {
		return 0, -1, errno
	}
	pid, pidfd = int(r), int(s.PIDFD)
	if pidfd < 0 {
		if fd, err := unix.PidfdOpen(pid, 0); err == nil {
			pidfd = fd
		}
	}
	return pid, pidfd, nil
}

// maxOpenFD is the highest descriptor open now, for the close loop of
// kernels without close_range(2).
func maxOpenFD() int {
	max := 1024
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return max
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return max
	}
	max = 0
	for _, n := range names {
		if fd, err := strconv.Atoi(n); err == nil && fd > max {
			max = fd
		}
	}
	return max
}
