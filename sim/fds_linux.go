package sim

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim/rawfork"
)

// commandable finds lab process pid and checks that it takes commands.
func (st *state) commandable(pid int, what string) (*member, error) {
	if pid == st.self {
		return nil, fmt.Errorf("%w: its descriptors are its own plumbing; pick a lab process to %s", ErrSelf, what)
	}
	m, snap, err := st.lookup(pid)
	if err != nil {
		return nil, err
	}
	if err := m.canCommand(snap, what); err != nil {
		return nil, err
	}
	return m, nil
}

// settle waits until m has finished its last command: a process closes
// the descriptor it passed only after its reply has gone out, and the
// next poll should not catch it still holding it. The next command is
// read only once the last one is done, so one round trip is enough.
func settle(m *member) {
	m.conn.call(rawfork.Request{Op: rawfork.OpPing}, nil, nil, false)
}

// fdCall sends one descriptor command to m and turns a failed system call
// into an error.
func fdCall(m *member, req rawfork.Request, payload []byte, fds []int) (message, error) {
	msg, err := m.conn.call(req, payload, fds, false)
	if err == nil && msg.rep.Errno != 0 {
		err = msg.rep.Errno
	}
	if err != nil {
		closeFDs(msg.fds)
	}
	return msg, err
}

// pipe makes writer call pipe(). With reader == writer both ends stay in
// it; otherwise writer passes the read end to proctui over its control
// socket (SCM_RIGHTS) and closes its copy, and proctui passes it on to
// reader.
func (st *state) pipe(writer, reader int) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	w, err := st.commandable(writer, "make a pipe")
	if err != nil {
		return Result{}, err
	}
	r := w
	if reader != writer {
		if r, err = st.commandable(reader, "take a pipe end"); err != nil {
			return Result{}, err
		}
	}
	res := Result{PID: writer, Syscall: "pipe()"}
	if r == w {
		msg, err := fdCall(w, rawfork.Request{Op: rawfork.OpPipe}, nil, nil)
		if err != nil {
			return Result{}, fmt.Errorf("pipe() in %d: %w", writer, err)
		}
		rfd, wfd := msg.rep.PID, msg.rep.Val
		res.Text = fmt.Sprintf("pipe() in %d returned fd %d, the read end, and fd %d, the write end: bytes written to fd %d come out of fd %d. Fork it now (f) and the child inherits both ends",
			writer, rfd, wfd, wfd, rfd)
		return res, nil
	}
	msg, err := fdCall(w, rawfork.Request{Op: rawfork.OpPipe, Flags: rawfork.PipePassRead}, nil, nil)
	if err != nil {
		return Result{}, fmt.Errorf("pipe() in %d: %w", writer, err)
	}
	if len(msg.fds) != 1 {
		closeFDs(msg.fds)
		return Result{}, fmt.Errorf("pipe() in %d: the read end did not come back", writer)
	}
	rfd, wfd := msg.rep.PID, msg.rep.Val
	end := msg.fds[0]
	defer unix.Close(end) // proctui's copy: it only carried it
	settle(w)
	got, err := fdCall(r, rawfork.Request{Op: rawfork.OpTakeFD, Arg0: -1}, nil, []int{end})
	if err != nil {
		return Result{}, fmt.Errorf("%d made the pipe (write end fd %d), but %d could not take the read end: %w", writer, wfd, reader, err)
	}
	res.Syscall = "pipe() + sendmsg(SCM_RIGHTS)"
	res.Text = fmt.Sprintf("pipe() in %d returned fds %d (read end) and %d (write end); %d sent fd %d over its control socket with SCM_RIGHTS and closed it, and proctui passed it on to %d, where recvmsg() made it fd %d: what %d writes to fd %d, %d reads from fd %d",
		writer, rfd, wfd, writer, rfd, reader, got.rep.Val, writer, wfd, reader, got.rep.Val)
	return res, nil
}

// closeFD makes lab process pid close descriptor fd.
func (st *state) closeFD(pid, fd int) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	m, err := st.commandable(pid, "close a descriptor")
	if err != nil {
		return Result{}, err
	}
	if err := m.keyFD(fd); err != nil {
		return Result{}, err
	}
	call := fmt.Sprintf("close(%d)", fd)
	if _, err := fdCall(m, rawfork.Request{Op: rawfork.OpCloseFD, Arg0: int64(fd)}, nil, nil); err != nil {
		return Result{}, fmt.Errorf("%s in %d failed: %w", call, pid, err)
	}
	st.closedStreams(m, fd)
	return Result{PID: pid, Syscall: call,
		Text: fmt.Sprintf("%s in %d returned 0: fd %d is free again; once no process holds a pipe's write end, its reader's read() returns 0 (end of file)", call, pid, fd)}, nil
}

// writeFD makes lab process pid write one short line to fd with one
// write().
func (st *state) writeFD(pid, fd int) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	m, err := st.commandable(pid, "write")
	if err != nil {
		return Result{}, err
	}
	if err := m.keyFD(fd); err != nil {
		return Result{}, err
	}
	line := fmt.Sprintf("hello from %d\n", pid)
	call := fmt.Sprintf("write(%d, %q, %d)", fd, line, len(line))
	res := Result{PID: pid, Syscall: call}
	msg, err := fdCall(m, rawfork.Request{Op: rawfork.OpWriteFD, Arg0: int64(fd)}, []byte(line), nil)
	switch {
	case err == nil:
		res.Text = fmt.Sprintf("%s in %d returned %d: the bytes wait in the kernel until someone reads them", call, pid, msg.rep.Val)
	case errors.Is(err, unix.EPIPE):
		res.Text = fmt.Sprintf("%s in %d failed with EPIPE: no process has the read end open any more (it ignores or never sees SIGPIPE, so write() reports the error instead)", call, pid)
	case errors.Is(err, errEOF):
		// It died in the write: the kernel sent SIGPIPE.
		select {
		case <-m.exited:
		case <-timeAfter():
		}
		ps, ok := same(pid, m.start)
		if ok && ps.state == 'Z' {
			st.mu.Lock()
			m.expect = true
			st.mu.Unlock()
			res.Text = fmt.Sprintf("%s in %d never returned: no process has the read end open, so the kernel sent it SIGPIPE, whose default action ends it; it %s", call, pid, exitWords(proctree.WaitStatus(ps.exit)))
			return res, nil
		}
		return Result{}, fmt.Errorf("%s in %d: it died", call, pid)
	default:
		return Result{}, fmt.Errorf("%s in %d failed: %w", call, pid, err)
	}
	return res, nil
}

// readFD makes lab process pid read once from fd, if that would not block.
func (st *state) readFD(pid, fd int) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	m, err := st.commandable(pid, "read")
	if err != nil {
		return Result{}, err
	}
	if err := m.keyFD(fd); err != nil {
		return Result{}, err
	}
	const size = 4096
	call := fmt.Sprintf("read(%d, buf, %d)", fd, size)
	res := Result{PID: pid, Syscall: call}
	msg, err := fdCall(m, rawfork.Request{Op: rawfork.OpReadFD, Arg0: int64(fd), Arg1: size}, nil, nil)
	switch {
	case errors.Is(err, unix.EAGAIN):
		res.Syscall = fmt.Sprintf("poll(fd %d)", fd)
		res.Text = fmt.Sprintf("poll() in %d says read(%d) would block: nothing is waiting, and some process still holds a write end", pid, fd)
	case err != nil:
		return Result{}, fmt.Errorf("%s in %d failed: %w", call, pid, err)
	case msg.rep.Val == 0:
		res.Text = fmt.Sprintf("%s in %d returned 0: end of file; every write end of the pipe is closed", call, pid)
	default:
		res.Text = fmt.Sprintf("%s in %d returned %d: %d bytes came out of the pipe", call, pid, msg.rep.Val, msg.rep.Val)
	}
	res.Status = strconv.FormatInt(msg.rep.Val, 10)
	return res, nil
}

func timeAfter() <-chan time.Time { return time.After(replyTimeout) }

// socketPair makes a call socketpair(); with b == a both ends stay in a,
// otherwise a passes one end to b as pipe does.
func (st *state) socketPair(a, b int) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	ma, err := st.commandable(a, "make a socket pair")
	if err != nil {
		return Result{}, err
	}
	mb := ma
	if b != a {
		if mb, err = st.commandable(b, "take a socket"); err != nil {
			return Result{}, err
		}
	}
	res := Result{PID: a, Syscall: "socketpair(AF_UNIX, SOCK_STREAM)"}
	if mb == ma {
		msg, err := fdCall(ma, rawfork.Request{Op: rawfork.OpSocketPair}, nil, nil)
		if err != nil {
			return Result{}, fmt.Errorf("socketpair() in %d: %w", a, err)
		}
		res.Text = fmt.Sprintf("socketpair() in %d returned fds %d and %d, two connected sockets: unlike a pipe, bytes go both ways, each written at one end and read at the other",
			a, msg.rep.PID, msg.rep.Val)
		return res, nil
	}
	msg, err := fdCall(ma, rawfork.Request{Op: rawfork.OpSocketPair, Flags: rawfork.PipePassRead}, nil, nil)
	if err != nil {
		return Result{}, fmt.Errorf("socketpair() in %d: %w", a, err)
	}
	if len(msg.fds) != 1 {
		closeFDs(msg.fds)
		return Result{}, fmt.Errorf("socketpair() in %d: the other end did not come back", a)
	}
	end := msg.fds[0]
	defer unix.Close(end)
	settle(ma)
	got, err := fdCall(mb, rawfork.Request{Op: rawfork.OpTakeFD, Arg0: -1}, nil, []int{end})
	if err != nil {
		return Result{}, fmt.Errorf("%d made the socket pair (keeping fd %d), but %d could not take the other end: %w", a, msg.rep.Val, b, err)
	}
	st.addPair(a, int(msg.rep.Val), b, int(got.rep.Val))
	res.Syscall += " + sendmsg(SCM_RIGHTS)"
	res.Text = fmt.Sprintf("socketpair() in %d returned fds %d and %d; %d sent fd %d with SCM_RIGHTS and closed it, and proctui passed it on to %d as fd %d: %d's fd %d and %d's fd %d are connected both ways",
		a, msg.rep.PID, msg.rep.Val, a, msg.rep.PID, b, got.rep.Val, a, msg.rep.Val, b, got.rep.Val)
	return res, nil
}
