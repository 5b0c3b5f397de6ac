package sim

import (
	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/sim/rawfork"
)

// handleFD serves the descriptor commands in the lab image, the same
// system calls a raw fork child makes. It reports whether req was one.
// A descriptor it keeps from fds is set to -1 there, so that the caller
// does not close it.
func (s *labServer) handleFD(req rawfork.Request, payload []byte, fds []int, rep *rawfork.Reply, pass *int) bool {
	switch req.Op {
	case rawfork.OpPipe, rawfork.OpSocketPair:
		var p [2]int
		var err error
		if req.Op == rawfork.OpSocketPair {
			p, err = unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
		} else {
			err = unix.Pipe2(p[:], 0)
		}
		if err != nil {
			rep.Errno = errnoOf(err)
			return true
		}
		rep.PID, rep.Val = int64(p[0]), int64(p[1])
		switch {
		case req.Flags&rawfork.PipePassRead != 0:
			*pass = p[0] // closed once the reply has carried it
		case req.Flags&rawfork.PipePassWrite != 0:
			*pass = p[1]
		}
	case rawfork.OpTakeFD:
		if len(fds) != 1 {
			rep.Errno = unix.EINVAL
			return true
		}
		if req.Arg0 >= 0 {
			if int(req.Arg0) == s.ctl {
				rep.Errno = unix.EBUSY
				return true
			}
			if err := unix.Dup3(fds[0], int(req.Arg0), 0); err != nil {
				rep.Errno = errnoOf(err)
				return true
			}
			rep.Val = req.Arg0
			return true
		}
		// Keep it where recvmsg put it, without close-on-exec.
		if _, err := unix.FcntlInt(uintptr(fds[0]), unix.F_SETFD, 0); err != nil {
			rep.Errno = errnoOf(err)
			return true
		}
		rep.Val = int64(fds[0])
		fds[0] = -1
	case rawfork.OpCloseFD:
		if int(req.Arg0) == s.ctl || req.Arg0 < 0 {
			rep.Errno = unix.EBUSY
			return true
		}
		// A stream on it would go on writing or reading under the number
		// after close(), into whatever file gets it next: stop both
		// directions first, as a stop does (waiting for their goroutines).
		// The descriptors its reading stream kept for a receive that never
		// came go with it.
		s.stream(int(req.Arg0), rawfork.StreamStop, 0, rep)
		rep.Errno = errnoOf0(unix.Close(int(req.Arg0)))
		s.streams.dropPassed(int(req.Arg0))
	case rawfork.OpWriteFD:
		n, err := unix.Write(int(req.Arg0), payload)
		rep.Val, rep.Errno = int64(n), errnoOf0(err)
	case rawfork.OpReadFD:
		pfd := []unix.PollFd{{Fd: int32(req.Arg0), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, 0)
		if err != nil {
			rep.Errno = errnoOf(err)
			return true
		}
		if n == 0 {
			rep.Errno = unix.EAGAIN
			return true
		}
		size := int(req.Arg1)
		if size <= 0 || size > rawfork.ExecBufSize {
			size = rawfork.ExecBufSize
		}
		buf := make([]byte, size)
		got, err := unix.Read(int(req.Arg0), buf)
		rep.Val, rep.Errno = int64(got), errnoOf0(err)
	case rawfork.OpCloexec:
		if int(req.Arg0) == s.ctl || req.Arg0 < 0 {
			rep.Errno = unix.EBUSY
			return true
		}
		flag := 0
		if req.Arg1 != 0 {
			flag = unix.FD_CLOEXEC
		}
		_, err := unix.FcntlInt(uintptr(req.Arg0), unix.F_SETFD, flag)
		rep.Errno = errnoOf0(err)
	case rawfork.OpSendFD:
		err := unix.Sendmsg(int(req.Arg0), []byte{'!'}, unix.UnixRights(int(req.Arg1)), nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
		rep.Errno = errnoOf0(err)
	case rawfork.OpRecvFD:
		s.recvFD(int(req.Arg0), rep)
	case rawfork.OpSetEnv:
		rep.Errno = s.setEnv(string(payload))
	case rawfork.OpOpenFile:
		s.openFile(payload, rep)
	case rawfork.OpStream:
		s.stream(int(req.Arg0), req.Arg1, req.Flags, rep)
	default:
		return false
	}
	return true
}

// errnoOf0 is errnoOf that lets success through.
func errnoOf0(err error) unix.Errno {
	if err == nil {
		return 0
	}
	return errnoOf(err)
}
