package sim

import (
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/sim/rawfork"
)

// labStreams are the lab image's streams, by descriptor. The zero value
// is ready.
type labStreams struct {
	mu   sync.Mutex
	stop map[int]chan struct{}
}

// streamTick is how often a writing stream writes its line.
const streamTick = time.Second

// pollSlice bounds each wait of a stream, so that a stop is noticed:
// closing a descriptor does not wake a thread blocked reading it.
const pollSlice = 200 * time.Millisecond

// stream serves OpStream: start writing or reading fd, or stop.
func (s *labServer) stream(fd int, mode int64, rep *rawfork.Reply) {
	ls := &s.streams
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.stop == nil {
		ls.stop = map[int]chan struct{}{}
	}
	if ch := ls.stop[fd]; ch != nil {
		close(ch)
		delete(ls.stop, fd)
	}
	if mode == rawfork.StreamStop {
		return
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		rep.Errno = errnoOf(err)
		return
	}
	ch := make(chan struct{})
	ls.stop[fd] = ch
	if mode == rawfork.StreamWrite {
		go s.writeLoop(fd, ch)
	} else {
		go s.readLoop(fd, ch)
	}
}

func (s *labServer) report(op rawfork.Op, fd int, dir uint64, total int64, errno unix.Errno) {
	s.write(rawfork.Reply{Op: op, Seq: dir, PID: int64(fd), Val: total, Errno: errno}, -1)
}

// writeLoop writes a short line to fd every streamTick. Go's runtime
// ignores SIGPIPE for descriptors other than 1 and 2, so a write to a
// pipe nobody reads fails with EPIPE here instead of killing the process.
func (s *labServer) writeLoop(fd int, stop chan struct{}) {
	t := time.NewTicker(streamTick)
	defer t.Stop()
	var total int64
	for n := 1; ; n++ {
		line := fmt.Sprintf("line %d from %d\n", n, os.Getpid())
		got, err := unix.Write(fd, []byte(line))
		if got > 0 {
			total += int64(got)
		}
		if err != nil {
			s.report(rawfork.OpFDBytes, fd, rawfork.StreamWrite, total, errnoOf(err))
			return
		}
		s.report(rawfork.OpFDBytes, fd, rawfork.StreamWrite, total, 0)
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// readLoop reads whatever comes from fd until end of file or a stop.
func (s *labServer) readLoop(fd int, stop chan struct{}) {
	buf := make([]byte, 4096)
	var total int64
	for {
		select {
		case <-stop:
			return
		default:
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, int(pollSlice/time.Millisecond))
		if err == unix.EINTR || (err == nil && n == 0) {
			continue
		}
		if err != nil || pfd[0].Revents&unix.POLLNVAL != 0 {
			s.report(rawfork.OpFDBytes, fd, rawfork.StreamRead, total, unix.EBADF)
			return
		}
		got, err := unix.Read(fd, buf)
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if err != nil {
			s.report(rawfork.OpFDBytes, fd, rawfork.StreamRead, total, errnoOf(err))
			return
		}
		if got == 0 {
			s.report(rawfork.OpFDEOF, fd, rawfork.StreamRead, total, 0)
			return
		}
		total += int64(got)
		s.report(rawfork.OpFDBytes, fd, rawfork.StreamRead, total, 0)
	}
}
