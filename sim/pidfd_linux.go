package sim

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// A pidfd refers to one process for as long as it is open, even after its
// pid is reaped and reused, so proctui signals lab processes through
// pidfds, never by pid. It also becomes readable when the process exits,
// which lets a goroutine wait for the exit in the netpoller without
// reaping anything: waiting for readability is not wait().

// openPIDFD opens a pidfd for pid (Linux 5.3+).
func openPIDFD(pid int) (*os.File, error) {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), "pidfd:"+strconv.Itoa(pid)), nil
}

// adoptPIDFD wraps a pidfd made by clone(CLONE_PIDFD), or opens one when
// fd is -1.
func adoptPIDFD(fd, pid int) (*os.File, error) {
	if fd < 0 {
		return openPIDFD(pid)
	}
	// Non-blocking, so that os.NewFile hands it to the netpoller.
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), "pidfd:"+strconv.Itoa(pid)), nil
}

// readable polls fd once, without waiting.
func readable(fd uintptr) bool {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(pfd, 0)
	return err == nil && n > 0
}

// waitExit blocks until the process has exited. It returns an error when
// f is closed first.
func waitExit(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Read(readable)
}

// hasExited reports whether the process has exited (zombie or reaped).
func hasExited(f *os.File) bool {
	rc, err := f.SyscallConn()
	if err != nil {
		return true
	}
	var done bool
	if rc.Control(func(fd uintptr) { done = readable(fd) }) != nil {
		return true
	}
	return done
}

// signalPIDFD sends sig to the process f refers to.
func signalPIDFD(f *os.File, sig unix.Signal) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.PidfdSendSignal(int(fd), sig, nil, 0) }); err != nil {
		return err
	}
	return serr
}
