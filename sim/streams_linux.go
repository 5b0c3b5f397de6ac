package sim

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/sim/rawfork"
)

// stream starts (or, when one runs on fd in that direction, stops) lab
// image pid writing a line a second to fd (write) or reading whatever
// comes from it. Writing to a socket also starts reading it, unless a
// reading stream runs there already, so that what the other end sends
// is counted too; each direction stops on its own key.
func (st *state) stream(pid, fd int, write bool) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	m, err := st.commandable(pid, "move bytes")
	if err != nil {
		return Result{}, err
	}
	if m.Kind != KindLabImage {
		return Result{}, fmt.Errorf("%d is a forked child: it writes or reads once per key, not on its own", pid)
	}
	if err := m.keyFD(fd); err != nil {
		return Result{}, err
	}
	socket := strings.HasPrefix(fdLink(pid, fd), "socket:")
	verb := "read whatever comes from"
	if write {
		verb = "write a line every second to"
	}
	if st.streamRunning(m, fd, write) {
		return st.stopStream(m, fd, write)
	}
	if err := st.startStream(m, fd, write, socket); err != nil {
		return Result{}, fmt.Errorf("%d cannot %s fd %d: %w", pid, verb, fd, err)
	}
	call := fmt.Sprintf("read(%d)", fd)
	if write {
		call = fmt.Sprintf("write(%d)", fd)
	}
	text := fmt.Sprintf("%d will %s fd %d and report the bytes it moved; the counts show in its fd table", pid, verb, fd)
	if write && socket && !st.streamRunning(m, fd, false) {
		if err := st.startStream(m, fd, false, socket); err == nil {
			call += " + read(" + strconv.Itoa(fd) + ")"
			text = fmt.Sprintf("%d will write a line every second to socket fd %d and read whatever comes back from the other end; both counts show in its fd table", pid, fd)
		}
	}
	return Result{PID: pid, Syscall: call, Text: text}, nil
}

// streamRunning reports whether m has a stream on fd in that direction
// that has not ended.
func (st *state) streamRunning(m *member, fd int, write bool) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, s := range m.Streams {
		if s.FD == fd && s.Write == write && s.Ended == "" {
			return true
		}
	}
	return false
}

// startStream replaces what the table had for fd in that direction with a
// new stream and starts it. The table changes before the command goes
// out: the first report can arrive before the answer.
func (st *state) startStream(m *member, fd int, write, socket bool) error {
	mode := int64(rawfork.StreamRead)
	if write {
		mode = rawfork.StreamWrite
	}
	same := func(s FDStream) bool { return s.FD == fd && s.Write == write }
	st.mu.Lock()
	m.Streams = slices.DeleteFunc(m.Streams, same)
	m.Streams = append(m.Streams, FDStream{FD: fd, Write: write, Socket: socket, kind: fdKind(m.PID, fd)})
	st.mu.Unlock()
	if _, err := fdCall(m, rawfork.Request{Op: rawfork.OpStream, Arg0: int64(fd), Arg1: mode}, nil, nil); err != nil {
		st.mu.Lock()
		m.Streams = slices.DeleteFunc(m.Streams, same)
		st.mu.Unlock()
		return err
	}
	return nil
}

// stopStream stops m's stream on fd in that direction. The lab image
// answers once the stream has sent its last report, so the count the
// table keeps (Ended "stopped") is final.
func (st *state) stopStream(m *member, fd int, write bool) (Result, error) {
	flags := uint32(rawfork.StreamRead)
	what := "reading from"
	if write {
		flags, what = rawfork.StreamWrite, "writing to"
	}
	if _, err := fdCall(m, rawfork.Request{Op: rawfork.OpStream, Flags: flags, Arg0: int64(fd), Arg1: rawfork.StreamStop}, nil, nil); err != nil {
		return Result{}, fmt.Errorf("%d could not stop %s fd %d: %w", m.PID, what, fd, err)
	}
	// The count is the entry's whether or not it has ended: an end of
	// file or EPIPE reported between streamRunning and the stop ended it
	// already, with its final count (and keeps saying why).
	var n int64
	st.mu.Lock()
	for i := range m.Streams {
		s := &m.Streams[i]
		if s.FD == fd && s.Write == write {
			if s.Ended == "" {
				s.Ended = "stopped"
			}
			n = s.Bytes
		}
	}
	st.mu.Unlock()
	return Result{PID: m.PID, Text: fmt.Sprintf("%d stopped %s fd %d after %d bytes", m.PID, what, fd, n)}, nil
}

// closedStreams updates m's streams on fd once fd is closed. Those that
// had ended are forgotten: the number is free, and the next file to get
// it is another one. Those that ran were stopped by the lab image before
// close() (a stream must not go on under a number that can be reused);
// they stay listed, Ended "closed", with their final counts.
func (st *state) closedStreams(m *member, fd int) {
	st.mu.Lock()
	m.Streams = slices.DeleteFunc(m.Streams, func(s FDStream) bool { return s.FD == fd && s.Ended != "" })
	for i := range m.Streams {
		if m.Streams[i].FD == fd {
			m.Streams[i].Ended = "closed"
		}
	}
	st.mu.Unlock()
}

// regularFD reports whether fd of pid is open on a regular file.
func regularFD(pid, fd int) bool {
	fi, err := os.Stat("/proc/" + strconv.Itoa(pid) + "/fd/" + strconv.Itoa(fd))
	return err == nil && fi.Mode().IsRegular()
}

// fdKind is "file", "pipe" or "socket" for what fd of pid is open on,
// "" for anything else (a terminal, /dev/null …).
func fdKind(pid, fd int) string {
	t := fdLink(pid, fd)
	switch {
	case strings.HasPrefix(t, "pipe:"):
		return "pipe"
	case strings.HasPrefix(t, "socket:"):
		return "socket"
	case regularFD(pid, fd):
		return "file"
	}
	return ""
}

// onFDReport takes a lab image's report on a stream. It reports whether
// rep was one.
func (st *state) onFDReport(pid int, rep rawfork.Reply) bool {
	if rep.Op != rawfork.OpFDBytes && rep.Op != rawfork.OpFDEOF {
		return false
	}
	fd, write := int(rep.PID), rep.Seq == rawfork.StreamWrite
	st.mu.Lock()
	m := st.members[pid]
	var ended string
	var kind string
	if m != nil {
		for i := range m.Streams {
			s := &m.Streams[i]
			if s.FD != fd || s.Write != write || s.Ended != "" {
				continue // another stream, or one that has ended
			}
			s.Bytes = rep.Val
			switch {
			case rep.Op == rawfork.OpFDEOF:
				s.Ended = "end of file"
			case rep.Errno != 0:
				s.Ended = unix.ErrnoName(rep.Errno)
			}
			ended, kind = s.Ended, s.kind
		}
	}
	closed := st.closed
	st.mu.Unlock()
	if m == nil || closed || ended == "" {
		return true
	}
	switch {
	case rep.Op == rawfork.OpFDEOF && kind == "file":
		// A file has no writer to wait for: read() returns 0 at the end
		// of its data even while another descriptor may still append.
		st.note(pid, "read(%d) in %d returned 0: end of file, after %d bytes; it reached the end of the file's data (a file has no writer to wait for)", fd, pid, rep.Val)
	case rep.Op == rawfork.OpFDEOF && kind == "pipe":
		st.note(pid, "read(%d) in %d returned 0: end of file, after %d bytes; no process holds the write end any more", fd, pid, rep.Val)
	case rep.Op == rawfork.OpFDEOF && kind == "socket":
		st.note(pid, "read(%d) in %d returned 0: end of file, after %d bytes; no process holds the other end of the socket any more", fd, pid, rep.Val)
	case rep.Op == rawfork.OpFDEOF:
		st.note(pid, "read(%d) in %d returned 0: end of file, after %d bytes", fd, pid, rep.Val)
	case rep.Errno == unix.EPIPE:
		st.note(pid, "write(%d) in %d failed with EPIPE after %d bytes: no process has the read end open (a lab image ignores SIGPIPE, so the write fails instead of killing it)", fd, pid, rep.Val)
	default:
		st.note(pid, "%d stopped moving bytes on fd %d after %d bytes: %v", pid, fd, rep.Val, rep.Errno)
	}
	return true
}
