package rawfork

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// ErrTimeout is returned when an answer does not come in time.
var ErrTimeout = errors.New("rawfork: no answer in time")

// DefaultControlFD is the descriptor a child's control socket is moved to:
// 99, out of the way of the small numbers a lesson is about, or lower when
// the descriptor limit is lower.
func DefaultControlFD() int {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err == nil && lim.Cur <= 99 && lim.Cur > 3 {
		return int(lim.Cur) - 1
	}
	return 99
}

// Send writes one request and its payload, passing fds along.
func Send(ctl *os.File, req Request, payload []byte, fds []int) error {
	rc, err := ctl.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	b := req.Append(make([]byte, 0, RecordSize+len(payload)), payload)
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	if err := rc.Control(func(fd uintptr) {
		for {
			serr = unix.Sendmsg(int(fd), b, oob, nil, unix.MSG_NOSIGNAL)
			if serr != unix.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return serr
}

// Receive reads one reply, waiting at most timeout. Descriptors that came
// with it are returned (close-on-exec); io.EOF means the other end is gone.
func Receive(ctl *os.File, timeout time.Duration) (Reply, []int, error) {
	rc, err := ctl.SyscallConn()
	if err != nil {
		return Reply{}, nil, err
	}
	var (
		rep  Reply
		fds  []int
		rerr error
	)
	deadline := time.Now().Add(timeout)
	if err := rc.Control(func(fd uintptr) {
		buf := make([]byte, 256)
		oob := make([]byte, unix.CmsgSpace(4*MaxPassFDs))
		for {
			left := time.Until(deadline)
			if left < 0 {
				rerr = ErrTimeout
				return
			}
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			if _, err := unix.Poll(pfd, int(left/time.Millisecond)+1); err != nil {
				if err == unix.EINTR {
					continue
				}
				rerr = err
				return
			}
			if pfd[0].Revents == 0 {
				continue
			}
			n, oobn, _, _, err := unix.Recvmsg(int(fd), buf, oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
			if err == unix.EAGAIN || err == unix.EINTR {
				continue
			}
			if err != nil {
				rerr = err
				return
			}
			if n == 0 {
				rerr = io.EOF
				return
			}
			fds = ParseRights(oob[:oobn])
			rep, rerr = ParseReply(buf[:n])
			return
		}
	}); err != nil {
		return Reply{}, nil, err
	}
	return rep, fds, rerr
}

// Call sends req and waits for the reply with the same sequence number,
// skipping (and closing the descriptors of) anything else.
func Call(ctl *os.File, req Request, payload []byte, fds []int, timeout time.Duration) (Reply, []int, error) {
	if err := Send(ctl, req, payload, fds); err != nil {
		return Reply{}, nil, fmt.Errorf("rawfork: send %v: %w", req.Op, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		rep, got, err := Receive(ctl, time.Until(deadline))
		if err != nil {
			return Reply{}, nil, err
		}
		if rep.Seq == req.Seq && rep.Op == req.Op {
			return rep, got, nil
		}
		for _, fd := range got {
			unix.Close(fd)
		}
	}
}

// ParseRights returns the descriptors of every SCM_RIGHTS message in oob.
func ParseRights(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for i := range msgs {
		if got, err := unix.ParseUnixRights(&msgs[i]); err == nil {
			fds = append(fds, got...)
		}
	}
	return fds
}
