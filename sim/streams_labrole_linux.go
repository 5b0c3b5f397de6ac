package sim

import (
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/sim/rawfork"
)

// streamKey names a stream: a descriptor and a direction. A socket can
// have two at once, one writing to it and one reading from it.
type streamKey struct {
	fd    int
	write bool
}

// labStream is one running stream: closing stop asks its goroutine to
// end, and done is closed when it has (after its last report).
type labStream struct {
	stop, done chan struct{}
}

// labStreams are the lab image's streams. The zero value is ready.
type labStreams struct {
	mu  sync.Mutex
	run map[streamKey]*labStream

	// passed are the descriptors a reading stream found attached to the
	// bytes it read from a socket (SCM_RIGHTS), by socket, waiting for
	// OpRecvFD: a stream reads with recvmsg, so a descriptor passed while
	// it runs is kept rather than lost.
	pmu     sync.Mutex
	passed  map[int][]int
	arrived chan struct{} // closed and renewed when one is added
}

// streamTick is how often a writing stream writes its line.
const streamTick = time.Second

// pollSlice bounds each wait of a reading stream, so that a stop is
// noticed: closing a descriptor does not wake a thread blocked reading it.
const pollSlice = 100 * time.Millisecond

// stopWait bounds how long a stop waits for a stream's goroutine to end
// (a writer could be blocked in write() on a full pipe).
const stopWait = time.Second

// stream serves OpStream: start writing or reading fd, or stop. A stop
// answers only once the stream's goroutine has ended, so every report it
// sent reaches proctui before the answer does: the counts are final.
func (s *labServer) stream(fd int, mode int64, flags uint32, rep *rawfork.Reply) {
	ls := &s.streams
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.run == nil {
		ls.run = map[streamKey]*labStream{}
	}
	var keys []streamKey
	switch {
	case mode == rawfork.StreamStop && flags == rawfork.StreamWrite:
		keys = []streamKey{{fd, true}}
	case mode == rawfork.StreamStop && flags == rawfork.StreamRead:
		keys = []streamKey{{fd, false}}
	case mode == rawfork.StreamStop:
		keys = []streamKey{{fd, true}, {fd, false}}
	default:
		keys = []streamKey{{fd, mode == rawfork.StreamWrite}}
	}
	for _, k := range keys {
		if st := ls.run[k]; st != nil {
			close(st.stop)
			delete(ls.run, k)
			select {
			case <-st.done:
			case <-time.After(stopWait):
			}
		}
	}
	if mode == rawfork.StreamStop {
		return
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		rep.Errno = errnoOf(err)
		return
	}
	st := &labStream{stop: make(chan struct{}), done: make(chan struct{})}
	ls.run[keys[0]] = st
	if mode == rawfork.StreamWrite {
		go s.writeLoop(fd, st)
	} else {
		go s.readLoop(fd, st)
	}
}

// reading reports whether a reading stream runs on fd.
func (ls *labStreams) reading(fd int) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	st := ls.run[streamKey{fd, false}]
	if st == nil {
		return false
	}
	select {
	case <-st.done:
		return false
	default:
		return true
	}
}

func (s *labServer) report(op rawfork.Op, fd int, dir uint64, total int64, errno unix.Errno) {
	s.write(rawfork.Reply{Op: op, Seq: dir, PID: int64(fd), Val: total, Errno: errno}, -1)
}

// writeLoop writes a short line to fd every streamTick. Go's runtime
// ignores SIGPIPE for descriptors other than 1 and 2, so a write to a
// pipe nobody reads fails with EPIPE here instead of killing the process.
func (s *labServer) writeLoop(fd int, st *labStream) {
	defer close(st.done)
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
		case <-st.stop:
			return
		case <-t.C:
		}
	}
}

// readLoop reads whatever comes from fd until end of file or a stop. On
// a socket it reads with recvmsg, and keeps any descriptor that comes
// along (for OpRecvFD); the one byte that carried it was sent by OpSendFD
// rather than by a writing stream, so it is not counted.
func (s *labServer) readLoop(fd int, st *labStream) {
	defer close(st.done)
	_, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	socket := err == nil
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4*rawfork.MaxPassFDs))
	var total int64
	for {
		select {
		case <-st.stop:
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
		var got, carrier int
		if socket {
			var oobn int
			// Close-on-exec while queued: a descriptor nobody received
			// yet must not slip into a program this lab image execs.
			got, oobn, _, _, err = unix.Recvmsg(fd, buf, oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
			if err == nil && oobn > 0 {
				if fds := rawfork.ParseRights(oob[:oobn]); len(fds) > 0 {
					s.streams.keepPassed(fd, fds)
					carrier = 1
				}
			}
		} else {
			got, err = unix.Read(fd, buf)
		}
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
		if got > carrier {
			total += int64(got - carrier)
			s.report(rawfork.OpFDBytes, fd, rawfork.StreamRead, total, 0)
		}
	}
}

// keepPassed queues descriptors that arrived on socket fd.
func (ls *labStreams) keepPassed(fd int, fds []int) {
	ls.pmu.Lock()
	defer ls.pmu.Unlock()
	if ls.passed == nil {
		ls.passed = map[int][]int{}
	}
	ls.passed[fd] = append(ls.passed[fd], fds...)
	if ls.arrived != nil {
		close(ls.arrived)
		ls.arrived = nil
	}
}

// takePassed returns the first descriptor queued for socket fd, or -1,
// and a channel closed when another arrives.
func (ls *labStreams) takePassed(fd int) (int, <-chan struct{}) {
	ls.pmu.Lock()
	defer ls.pmu.Unlock()
	if q := ls.passed[fd]; len(q) > 0 {
		ls.passed[fd] = q[1:]
		// Received now: as a plain recvmsg() makes it, without
		// close-on-exec (it was set while it waited in the queue).
		unix.FcntlInt(uintptr(q[0]), unix.F_SETFD, 0)
		return q[0], nil
	}
	if ls.arrived == nil {
		ls.arrived = make(chan struct{})
	}
	return -1, ls.arrived
}

// dropPassed closes and forgets the descriptors queued for socket fd:
// it was closed, or a receive gave up waiting, and nothing would ever
// take them.
func (ls *labStreams) dropPassed(fd int) {
	ls.pmu.Lock()
	q := ls.passed[fd]
	delete(ls.passed, fd)
	ls.pmu.Unlock()
	closeFDs(q)
}

// recvWait bounds how long OpRecvFD waits for the reading stream of a
// socket to come upon the descriptor it was sent.
const recvWait = 2 * time.Second

// recvFD serves OpRecvFD: one descriptor from socket fd, kept without
// close-on-exec. When a reading stream runs on the socket, the stream
// takes whatever comes, descriptors included, so recvFD waits for it to
// hand one over; otherwise it calls recvmsg itself. Bytes waiting before
// the descriptor's are read and dropped on the way (a stream socket
// delivers them in order).
func (s *labServer) recvFD(fd int, rep *rawfork.Reply) {
	deadline := time.After(recvWait)
	for {
		got, arrived := s.streams.takePassed(fd)
		if got >= 0 {
			rep.Val = int64(got)
			return
		}
		if !s.streams.reading(fd) {
			// The stream may have kept one and ended (the sender's end
			// of file) since the look above: look once more, now that
			// nothing adds to the queue.
			if got, _ := s.streams.takePassed(fd); got >= 0 {
				rep.Val = int64(got)
				return
			}
			break
		}
		select {
		case <-arrived:
		case <-deadline:
			if got, _ := s.streams.takePassed(fd); got >= 0 {
				rep.Val = int64(got) // it came just as time ran out
				return
			}
			// One that comes later would wait for a receive nobody asked
			// for; the next receive asks again.
			s.streams.dropPassed(fd)
			rep.Errno = unix.EAGAIN
			return
		}
	}
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4*rawfork.MaxPassFDs))
	for range 16 {
		n, oobn, _, _, err := unix.Recvmsg(fd, buf, oob, unix.MSG_DONTWAIT)
		if err != nil {
			rep.Errno = errnoOf(err)
			return
		}
		if got := rawfork.ParseRights(oob[:oobn]); len(got) > 0 {
			closeFDs(got[1:])
			rep.Val = int64(got[0])
			return
		}
		if n == 0 {
			break
		}
	}
	rep.Errno = unix.ENOMSG
}
