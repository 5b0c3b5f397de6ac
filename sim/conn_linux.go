package sim

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/sim/rawfork"
)

// replyTimeout bounds every wait for a lab process's answer. It is
// generous: on a busy two-CPU machine starting the lab image can take a
// good fraction of a second.
const replyTimeout = 5 * time.Second

// message is one record from a lab process, with any descriptors it passed.
type message struct {
	rep rawfork.Reply
	fds []int
}

// conn is proctui's end of one lab process's control socket. A reader
// goroutine takes every record off the socket: answers go to the caller
// waiting for them, notes (a lab image reaped a detached child) go to
// onNote. One request is in flight at a time.
type conn struct {
	uc     *net.UnixConn
	onNote func(rawfork.Reply)

	mu  sync.Mutex // one request at a time
	seq uint64

	in   chan message
	eof  chan struct{} // closed when the other end is gone
	done chan struct{} // closed when the reader has returned
}

// newConn takes over f (proctui's end of a control socket) and starts its
// reader.
func newConn(f *os.File, onNote func(rawfork.Reply)) (*conn, error) {
	nc, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	uc, ok := nc.(*net.UnixConn)
	if !ok {
		nc.Close()
		return nil, errors.New("control socket: not a unix socket")
	}
	c := &conn{
		uc:     uc,
		onNote: onNote,
		in:     make(chan message, 8),
		eof:    make(chan struct{}),
		done:   make(chan struct{}),
	}
	go c.read()
	return c, nil
}

func (c *conn) read() {
	defer close(c.done)
	defer close(c.eof)
	buf := make([]byte, 256)
	oob := make([]byte, unix.CmsgSpace(4*rawfork.MaxPassFDs))
	for {
		n, oobn, _, _, err := c.uc.ReadMsgUnix(buf, oob)
		if err != nil {
			return
		}
		fds := rawfork.ParseRights(oob[:oobn])
		rep, err := rawfork.ParseReply(buf[:n])
		if err != nil {
			closeFDs(fds)
			continue
		}
		if rep.Op >= rawfork.OpNote { // every op from OpNote up is an unasked report
			closeFDs(fds)
			if c.onNote != nil {
				c.onNote(rep)
			}
			continue
		}
		select {
		case c.in <- message{rep, fds}:
		default:
			closeFDs(fds) // nobody is waiting for this one
		}
	}
}

// errEOF means the lab process closed its control socket: it exited, or
// exec'd a program (which is how a successful execve shows).
var errEOF = io.EOF

// call sends req and waits for its answer (or, with hello, for the lab
// image's unasked OpHello after an exec). Descriptors in fds are passed
// along; the ones that come back belong to the caller.
func (c *conn) call(req rawfork.Request, payload []byte, fds []int, hello bool) (message, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drain()
	c.seq++
	req.Seq = c.seq
	if err := c.write(req, payload, fds); err != nil {
		return message{}, err
	}
	return c.await(func(r rawfork.Reply) bool {
		return (r.Seq == req.Seq && r.Op == req.Op) || (hello && r.Op == rawfork.OpHello)
	})
}

// send writes req without waiting for an answer (exit has none).
func (c *conn) send(req rawfork.Request) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	req.Seq = c.seq
	return c.write(req, nil, nil)
}

// hello waits for a new lab image's first record.
func (c *conn) hello() (message, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.await(func(r rawfork.Reply) bool { return r.Op == rawfork.OpHello })
}

func (c *conn) write(req rawfork.Request, payload []byte, fds []int) error {
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	c.uc.SetWriteDeadline(time.Now().Add(replyTimeout))
	if _, _, err := c.uc.WriteMsgUnix(req.Append(nil, payload), oob, nil); err != nil {
		select {
		case <-c.eof:
			return errEOF
		default:
		}
		return fmt.Errorf("control socket: %w", err)
	}
	return nil
}

func (c *conn) await(want func(rawfork.Reply) bool) (message, error) {
	timer := time.NewTimer(replyTimeout)
	defer timer.Stop()
	for {
		select {
		case m := <-c.in:
			if want(m.rep) {
				return m, nil
			}
			closeFDs(m.fds)
		case <-c.eof:
			// The reader queues what came before the EOF first.
			select {
			case m := <-c.in:
				if want(m.rep) {
					return m, nil
				}
				closeFDs(m.fds)
				continue
			default:
			}
			return message{}, errEOF
		case <-timer.C:
			return message{}, fmt.Errorf("no answer on the control socket within %v", replyTimeout)
		}
	}
}

// drain drops answers nobody waited for (a call that timed out).
func (c *conn) drain() {
	for {
		select {
		case m := <-c.in:
			closeFDs(m.fds)
		default:
			return
		}
	}
}

// close hangs up: the lab process sees EOF.
func (c *conn) close() {
	c.uc.Close()
}

func closeFDs(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
