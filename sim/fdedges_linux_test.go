package sim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/sim/rawfork"
)

// TestCloseStopsStream: closing the descriptor a lab image streams on
// stops the stream (its entry says "closed", its count final); the next
// file to get the same number receives nothing from it.
func TestCloseStopsStream(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Run(l.Self(), nil)).PID
	fd, _ := strconv.Atoi(l.must(l.OpenFile(a, "")).Status)
	l.must(l.Stream(a, fd, true))
	eventually(t, "a line written", func() bool { return streamDir(l, a, fd, true).Bytes > 0 })
	l.must(l.CloseFD(a, fd))
	s := streamDir(l, a, fd, true)
	if s.Ended != "closed" || s.Bytes == 0 {
		t.Errorf("the stream after close(%d): %+v, want Ended \"closed\" and its count", fd, s)
	}
	path := filepath.Join(t.TempDir(), "next")
	g := l.must(l.OpenFile(a, path))
	if g.Status != strconv.Itoa(fd) {
		t.Fatalf("the next open got fd %s, not the freed fd %d", g.Status, fd)
	}
	// A writing stream writes once a second: give it more than two.
	time.Sleep(2*streamTick + streamTick/2)
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Errorf("the file opened after close(%d) received %q from the old stream", fd, b)
	}
	if s2 := streamDir(l, a, fd, true); s2.Bytes != s.Bytes {
		t.Errorf("the closed stream's count moved: %d -> %d", s.Bytes, s2.Bytes)
	}
	// A new stream on the number replaces the closed entry.
	l.must(l.Stream(a, fd, true))
	eventually(t, "the new stream's first line", func() bool { return streamDir(l, a, fd, true).Bytes > 0 })
	if s3 := streamDir(l, a, fd, true); s3.Ended != "" {
		t.Errorf("the new stream: %+v", s3)
	}
	l.must(l.Stream(a, fd, true))
}

// execStdioHole: the process closes its fds 0, 1 and 2 and execs. The
// descriptors sent with the request land exactly in those holes; the
// program must still start with fds 0 1 2 open on /dev/null.
func execStdioHole(t *testing.T, l *tlab, pid int) {
	t.Helper()
	for fd := range 3 {
		l.must(l.CloseFD(pid, fd))
	}
	r := l.must(l.Exec(pid, []string{"sleep", "300"}))
	if !strings.Contains(r.Text, "fds 0 1 2 at /dev/null") {
		t.Errorf("narration %q", r.Text)
	}
	eventually(t, "sleep running in "+strconv.Itoa(pid), func() bool { s, ok := readStat(pid); return ok && s.comm == "sleep" })
	for fd := range 3 {
		if got := fdTarget(pid, fd); got != os.DevNull {
			t.Errorf("fd %d of sleep is %q, want %s", fd, got, os.DevNull)
		}
	}
}

func TestExecStdioHoleLabImage(t *testing.T) {
	l := newTestLab(t, rawOpts())
	execStdioHole(t, l, l.must(l.Run(l.Self(), nil)).PID)
}

func TestExecStdioHoleForked(t *testing.T) {
	l := newTestLab(t, rawOpts())
	skipWithoutRawFork(t, l.Lab)
	execStdioHole(t, l, l.must(l.Fork(l.Self())).PID)
}

// execFailsKeepsStdio: execve of a file the kernel cannot run fails with
// ENOEXEC, and the process has its fds 0 1 2 as before: the program's
// stdio (a file of the test's, so that it differs from whatever the test
// binary has) is put back, and a descriptor that was closed is closed
// again. No descriptor is left behind.
func execFailsKeepsStdio(t *testing.T, fork bool) {
	stdio, err := os.Create(filepath.Join(t.TempDir(), "stdio"))
	if err != nil {
		t.Fatal(err)
	}
	defer stdio.Close()
	o := rawOpts()
	o.Stdin, o.Stdout, o.Stderr = stdio, stdio, stdio
	l := newTestLab(t, o)
	var pid int
	if fork {
		skipWithoutRawFork(t, l.Lab)
		pid = l.must(l.Fork(l.Self())).PID
	} else {
		pid = l.must(l.Run(l.Self(), nil)).PID
	}
	bad := filepath.Join(t.TempDir(), "notaprogram")
	if err := os.WriteFile(bad, []byte("\x00\x01\x02 not a program"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, hole := range []bool{false, true} {
		if hole {
			l.must(l.CloseFD(pid, 0))
		}
		was := fdList(pid)
		stdioWas := []string{fdTarget(pid, 0), fdTarget(pid, 1), fdTarget(pid, 2)}
		if _, err := l.Exec(pid, []string{bad}); !errors.Is(err, syscall.ENOEXEC) {
			t.Fatalf("exec of a non-program: %v, want ENOEXEC", err)
		}
		for fd, w := range stdioWas {
			if now := fdTarget(pid, fd); now != w {
				t.Errorf("fd %d of %d was %q before the failed exec, %q after (hole %v)", fd, pid, w, now, hole)
			}
		}
		if now := fdList(pid); fmt.Sprint(now) != fmt.Sprint(was) {
			t.Errorf("fds %v before the failed exec, %v after (hole %v)", was, now, hole)
		}
	}
	l.must(l.Pipe(pid, pid)) // it still answers
}

func TestExecFailsKeepsStdioForked(t *testing.T)   { execFailsKeepsStdio(t, true) }
func TestExecFailsKeepsStdioLabImage(t *testing.T) { execFailsKeepsStdio(t, false) }

// TestRecvFDStreamEndsInBetween: recvFD looks for a descriptor the
// reading stream kept, finds none, and before it asks whether a stream
// still reads, the stream keeps one and ends (the sender's EOF). recvFD
// must take the kept descriptor, not fall back to recvmsg. The stream's
// lock is held while the descriptor arrives, so the order is certain.
func TestRecvFDStreamEndsInBetween(t *testing.T) {
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFDs(sp[:])
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[1])
	s := &labServer{}
	done := make(chan struct{})
	s.streams.run = map[streamKey]*labStream{{sp[0], false}: {stop: make(chan struct{}), done: done}}
	s.streams.mu.Lock() // reading() waits here
	got := make(chan rawfork.Reply, 1)
	go func() {
		var rep rawfork.Reply
		s.recvFD(sp[0], &rep)
		got <- rep
	}()
	eventually(t, "recvFD to find the queue empty", func() bool {
		s.streams.pmu.Lock()
		defer s.streams.pmu.Unlock()
		return s.streams.arrived != nil
	})
	s.streams.keepPassed(sp[0], []int{p[0]})
	close(done)
	s.streams.mu.Unlock()
	select {
	case rep := <-got:
		if rep.Errno != 0 || rep.Val != int64(p[0]) {
			unix.Close(p[0])
			t.Fatalf("recvFD: fd %d errno %v, want fd %d", rep.Val, rep.Errno, p[0])
		}
		unix.Close(p[0])
	case <-time.After(5 * time.Second):
		t.Fatal("recvFD did not answer")
	}
}

// TestClosingSocketDropsPassed: a descriptor sent to a lab image whose
// reading stream keeps it for a receive that never comes is closed when
// the socket it came over is.
func TestClosingSocketDropsPassed(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Run(l.Self(), nil)).PID
	b := l.must(l.Run(l.Self(), nil)).PID
	s := l.must(l.SocketPair(a, b))
	asock := fdNum(t, s.Text, ": "+strconv.Itoa(a)+"'s fd ")
	bsock := fdNum(t, s.Text, "as fd ")
	l.must(l.Stream(b, bsock, false))
	path := filepath.Join(t.TempDir(), "passed")
	fd, _ := strconv.Atoi(l.must(l.OpenFile(a, path)).Status)
	holds := func() bool {
		for _, n := range fdList(b) {
			if fdTarget(b, n) == path {
				return true
			}
		}
		return false
	}
	l.st.mu.Lock()
	ma := l.st.members[a]
	l.st.mu.Unlock()
	if _, err := fdCall(ma, rawfork.Request{Op: rawfork.OpSendFD, Arg0: int64(asock), Arg1: int64(fd)}, nil, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b's stream to keep the file", holds)
	// Queued, it is close-on-exec: an exec now must not hand it to the
	// new program.
	for _, n := range fdList(b) {
		if fdTarget(b, n) == path {
			if on, err := fdCloexec(b, n); err != nil || !on {
				t.Errorf("queued fd %d of %d: close-on-exec %v (%v), want set", n, b, on, err)
			}
		}
	}
	l.must(l.CloseFD(b, bsock))
	eventually(t, "b to close the file it kept", func() bool { return !holds() })
}

// TestStopAfterEOFKeepsCount: a stop that comes after the stream ended
// on its own (end of file reported between the check and the stop) tells
// the count the stream ended with, and keeps why it ended.
func TestStopAfterEOFKeepsCount(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Run(l.Self(), nil)).PID
	p := l.must(l.Pipe(a, a))
	rfd := fdNum(t, p.Text, "returned fd ")
	wfd := fdNum(t, p.Text, "the read end, and fd ")
	l.must(l.Stream(a, rfd, false))
	l.must(l.WriteFD(a, wfd))
	l.must(l.CloseFD(a, wfd))
	eventually(t, "end of file", func() bool { return streamDir(l, a, rfd, false).Ended == "end of file" })
	n := streamDir(l, a, rfd, false).Bytes
	l.st.mu.Lock()
	m := l.st.members[a]
	l.st.mu.Unlock()
	r, err := l.st.stopStream(m, rfd, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("after %d bytes", n); n == 0 || !strings.Contains(r.Text, want) {
		t.Errorf("stop: %q, want %q", r.Text, want)
	}
	if s := streamDir(l, a, rfd, false); s.Ended != "end of file" {
		t.Errorf("after the stop: %+v", s)
	}
}

// noteWith waits for a note about pid that contains word.
func noteWith(t *testing.T, l *Lab, pid int, word string) Note {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if n := nextNote(t, l, pid); strings.Contains(n.Text, word) {
			return n
		}
	}
	t.Fatalf("no note about %d with %q", pid, word)
	return Note{}
}

// TestEndOfFileWords: end of file on a file is the end of its data; on a
// pipe it is the last writer gone, on a socket the other end. Passing a file shares its offset;
// passing a pipe is one more descriptor on the same pipe.
func TestEndOfFileWords(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Run(l.Self(), nil)).PID
	b := l.must(l.Run(l.Self(), nil)).PID
	fd, _ := strconv.Atoi(l.must(l.OpenFile(a, "")).Status)
	l.must(l.Stream(a, fd, false))
	n := noteWith(t, l.Lab, a, "returned 0")
	if !strings.Contains(n.Text, "end of the file's data") || strings.Contains(n.Text, "write end") {
		t.Errorf("end of file on a file: %q", n.Text)
	}
	p := l.must(l.Pipe(a, a))
	rfd := fdNum(t, p.Text, "returned fd ")
	wfd := fdNum(t, p.Text, "the read end, and fd ")
	l.must(l.Stream(a, rfd, false))
	l.must(l.CloseFD(a, wfd))
	if n := noteWith(t, l.Lab, a, "returned 0"); !strings.Contains(n.Text, "write end") {
		t.Errorf("end of file on a pipe: %q", n.Text)
	}

	sp := l.must(l.SocketPair(a, b))
	asock := fdNum(t, sp.Text, ": "+strconv.Itoa(a)+"'s fd ")
	bsock := fdNum(t, sp.Text, "as fd ")
	r := l.must(l.PassFDTo(a, fd, b))
	if !strings.Contains(r.Text, "sharing its offset") {
		t.Errorf("passing a file: %q", r.Text)
	}
	p = l.must(l.Pipe(a, a))
	wfd = fdNum(t, p.Text, "the read end, and fd ")
	r = l.must(l.PassFDTo(a, wfd, b))
	if strings.Contains(r.Text, "offset") || !strings.Contains(r.Text, "the same pipe") {
		t.Errorf("passing a pipe: %q", r.Text)
	}

	l.must(l.Stream(b, bsock, false))
	l.must(l.CloseFD(a, asock))
	if n := noteWith(t, l.Lab, b, "returned 0"); !strings.Contains(n.Text, "other end of the socket") {
		t.Errorf("end of file on a socket: %q", n.Text)
	}
}

// TestPassThroughReadingStream: a descriptor passed to a lab image whose
// stream reads the socket it comes over is queued by the stream and
// handed to the receive; it then looks as a plain recvmsg() makes it, not
// close-on-exec, so an exec keeps it.
func TestPassThroughReadingStream(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Run(l.Self(), nil)).PID
	b := l.must(l.Run(l.Self(), nil)).PID
	s := l.must(l.SocketPair(a, b))
	bsock := fdNum(t, s.Text, "as fd ")
	l.must(l.Stream(b, bsock, false))
	path := filepath.Join(t.TempDir(), "passed")
	fd, _ := strconv.Atoi(l.must(l.OpenFile(a, path)).Status)
	r := l.must(l.PassFDTo(a, fd, b))
	got := fdNum(t, r.Text, "made it fd ")
	if fdTarget(b, got) != path {
		t.Fatalf("fd %d of %d is %q, want %s", got, b, fdTarget(b, got), path)
	}
	if on, err := fdCloexec(b, got); err != nil || on {
		t.Errorf("received fd %d of %d: close-on-exec %v (%v), want clear", got, b, on, err)
	}
}
