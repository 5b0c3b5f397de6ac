package sim

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/sim/rawfork"
)

// stream starts (or, when one runs on fd, stops) lab image pid writing a
// line a second to fd (write) or reading whatever comes from it.
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
	if fd == m.ControlFD {
		return Result{}, fmt.Errorf("fd %d of %d is its control socket", fd, pid)
	}
	running := false
	st.mu.Lock()
	for _, s := range m.Streams {
		if s.FD == fd && s.Ended == "" && s.Write == write {
			running = true
		}
	}
	st.mu.Unlock()
	mode := int64(rawfork.StreamRead)
	verb := "read whatever comes from"
	if write {
		mode, verb = rawfork.StreamWrite, "write a line every second to"
	}
	if running {
		mode = rawfork.StreamStop
	}
	// The table changes before the command goes out: the first report can
	// arrive before the answer.
	st.mu.Lock()
	kept := m.Streams[:0]
	for _, s := range m.Streams {
		if s.FD != fd {
			kept = append(kept, s)
		}
	}
	m.Streams = kept
	if !running {
		m.Streams = append(m.Streams, FDStream{FD: fd, Write: write})
	}
	st.mu.Unlock()
	if _, err := fdCall(m, rawfork.Request{Op: rawfork.OpStream, Arg0: int64(fd), Arg1: mode}, nil, nil); err != nil {
		st.mu.Lock()
		for i, s := range m.Streams {
			if s.FD == fd {
				m.Streams = append(m.Streams[:i], m.Streams[i+1:]...)
				break
			}
		}
		st.mu.Unlock()
		return Result{}, fmt.Errorf("%d cannot %s fd %d: %w", pid, verb, fd, err)
	}
	if running {
		return Result{PID: pid, Text: fmt.Sprintf("%d stopped moving bytes on fd %d", pid, fd)}, nil
	}
	call := fmt.Sprintf("read(%d)", fd)
	if write {
		call = fmt.Sprintf("write(%d)", fd)
	}
	return Result{PID: pid, Syscall: call,
		Text: fmt.Sprintf("%d will %s fd %d and report the bytes it moved; the counts show in its fd table", pid, verb, fd)}, nil
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
	if m != nil {
		for i := range m.Streams {
			s := &m.Streams[i]
			if s.FD != fd || s.Write != write {
				continue
			}
			s.Bytes = rep.Val
			switch {
			case rep.Op == rawfork.OpFDEOF:
				s.Ended = "end of file"
			case rep.Errno != 0:
				s.Ended = unix.ErrnoName(rep.Errno)
			}
			ended = s.Ended
		}
	}
	closed := st.closed
	st.mu.Unlock()
	if m == nil || closed || ended == "" {
		return true
	}
	switch {
	case rep.Op == rawfork.OpFDEOF:
		st.note(pid, "read(%d) in %d returned 0: end of file, after %d bytes; no process holds the write end any more", fd, pid, rep.Val)
	case rep.Errno == unix.EPIPE:
		st.note(pid, "write(%d) in %d failed with EPIPE after %d bytes: no process has the read end open (a lab image ignores SIGPIPE, so the write fails instead of killing it)", fd, pid, rep.Val)
	default:
		st.note(pid, "%d stopped moving bytes on fd %d after %d bytes: %v", pid, fd, rep.Val, rep.Errno)
	}
	return true
}
