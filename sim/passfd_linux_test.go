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

	"golang.org/x/sys/unix"
)

// sigSet reads a signal set line ("SigBlk:") of /proc/PID/status.
func sigSet(t *testing.T, pid int, key string) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	t.Fatalf("no %s in /proc/%d/status", key, pid)
	return 0
}

// TestExecLabImage: a lab image with both ends of a pipe marks the read
// end close-on-exec, blocks SIGUSR1, ignores SIGHUP and execs sleep: same
// pid and start time, new comm and cmdline, the read end gone, the write
// end still the same pipe; sleep starts with SIGUSR1 alone blocked (not
// the mask the lab image gates signals with) and SIGHUP ignored. Close
// ends and reaps it (newTestLab's cleanup checks).
func TestExecLabImage(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Run(l.Self(), nil)).PID
	p := l.must(l.Pipe(a, a))
	rfd := fdNum(t, p.Text, "returned fd ")
	wfd := fdNum(t, p.Text, "the read end, and fd ")
	pipe := fdTarget(a, wfd)
	l.must(l.ToggleCloexec(a, rfd))
	l.must(l.SetDisposition(a, int(unix.SIGUSR1), DispBlock))
	l.must(l.SetDisposition(a, int(unix.SIGHUP), DispIgnore))
	before := mustStat(t, a)
	r := l.must(l.Exec(a, []string{"sleep", "300"}))
	t.Logf("exec round trip in a lab image: %v", r.Took)
	want := fmt.Sprintf("kept 0 1 2 %d; closed %d (close-on-exec)", wfd, rfd)
	for _, w := range []string{want, "same pid", "SIGUSR1 blocked", "SIGHUP ignored"} {
		if !strings.Contains(r.Text, w) {
			t.Errorf("narration lacks %q: %q", w, r.Text)
		}
	}
	eventually(t, "sleep running in "+strconv.Itoa(a), func() bool { s, ok := readStat(a); return ok && s.comm == "sleep" })
	if after := mustStat(t, a); after.start != before.start || after.ppid != before.ppid {
		t.Errorf("exec changed the process: %+v -> %+v", before, after)
	}
	if cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(a) + "/cmdline"); string(cmd) != "sleep\x00300\x00" {
		t.Errorf("cmdline %q", cmd)
	}
	for fd := range 3 {
		if fdTarget(a, fd) != os.DevNull {
			t.Errorf("fd %d of sleep is %q, want %s: it must not get proctui's terminal", fd, fdTarget(a, fd), os.DevNull)
		}
	}
	if fdTarget(a, rfd) != "" || fdTarget(a, wfd) != pipe {
		t.Errorf("fd %d is %q (want closed), fd %d is %q (want %s)", rfd, fdTarget(a, rfd), wfd, fdTarget(a, wfd), pipe)
	}
	if got := sigSet(t, a, "SigBlk:"); got != sigBit(int(unix.SIGUSR1)) {
		t.Errorf("sleep starts with SigBlk %x, want SIGUSR1 alone (%x)", got, sigBit(int(unix.SIGUSR1)))
	}
	if got := sigSet(t, a, "SigIgn:"); got&sigBit(int(unix.SIGHUP)) == 0 {
		t.Errorf("sleep starts with SigIgn %x, want SIGHUP in it", got)
	}
	mb, _ := l.Member(a)
	if mb.Kind != KindProgram || mb.Argv[0] != "sleep" || mb.ControlFD != -1 || mb.Streams != nil {
		t.Errorf("member after exec: %+v", mb)
	}
	if _, err := l.Exec(a, []string{"sleep", "1"}); !errors.Is(err, ErrNoControl) {
		t.Errorf("exec in sleep: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := same(a, before.start); ok {
		t.Errorf("sleep %d is still there after Close", a)
	}
}

// TestExecLabImageFails: execve of a file the kernel cannot run fails
// with ENOEXEC; the lab image carries on and still takes commands.
func TestExecLabImageFails(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Run(l.Self(), nil)).PID
	bad := filepath.Join(t.TempDir(), "notaprogram")
	if err := os.WriteFile(bad, []byte("\x00\x01\x02 not a program"), 0o755); err != nil {
		t.Fatal(err)
	}
	stdio := []string{fdTarget(a, 0), fdTarget(a, 1), fdTarget(a, 2)}
	if _, err := l.Exec(a, []string{bad}); !errors.Is(err, syscall.ENOEXEC) {
		t.Errorf("exec of a non-program: %v, want ENOEXEC", err)
	}
	for fd, was := range stdio {
		if now := fdTarget(a, fd); now != was {
			t.Errorf("fd %d was %q before the failed exec, %q after", fd, was, now)
		}
	}
	if mb, _ := l.Member(a); mb.Kind != KindLabImage {
		t.Errorf("after a failed exec: %+v", mb)
	}
	l.must(l.Pipe(a, a)) // it still answers
	if s := mustStat(t, a); s.comm == "notaprogram" || s.state == 'Z' {
		t.Errorf("%d: %+v", a, s)
	}
}

// fdPos is the pos: line of /proc/PID/fdinfo/FD, the file offset.
func fdPos(t *testing.T, pid, fd int) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "pos:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no pos in fdinfo of %d fd %d", pid, fd)
	return 0
}

func fdIno(t *testing.T, pid, fd int) uint64 {
	t.Helper()
	fi, err := os.Stat("/proc/" + strconv.Itoa(pid) + "/fd/" + strconv.Itoa(fd))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// TestOpenFileForkedChild: a forked child opens a file in the raw loop;
// each write moves the offset, and the bytes land in the file.
func TestOpenFileForkedChild(t *testing.T) {
	l := newTestLab(t, rawOpts())
	skipWithoutRawFork(t, l.Lab)
	c := l.must(l.Fork(l.Self())).PID
	path := filepath.Join(t.TempDir(), "log")
	r := l.must(l.OpenFile(c, path))
	fd, err := strconv.Atoi(r.Status)
	if err != nil || !strings.Contains(r.Text, fmt.Sprintf("open(%q, O_RDWR|O_CREAT) in %d returned fd %d", path, c, fd)) {
		t.Fatalf("%q (status %q)", r.Text, r.Status)
	}
	if fdTarget(c, fd) != path {
		t.Fatalf("fd %d of %d is %q", fd, c, fdTarget(c, fd))
	}
	if on, _ := fdCloexec(c, fd); on {
		t.Error("open() in the child set close-on-exec")
	}
	line := "hello from " + strconv.Itoa(c) + "\n"
	l.must(l.WriteFD(c, fd))
	l.must(l.WriteFD(c, fd))
	if pos := fdPos(t, c, fd); pos != int64(2*len(line)) {
		t.Errorf("offset %d after two writes of %d bytes", pos, len(line))
	}
	if b, _ := os.ReadFile(path); string(b) != line+line {
		t.Errorf("file holds %q", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644&^umask() {
		t.Errorf("mode %v", fi.Mode())
	}
	if _, err := l.OpenFile(c, "/nonexistent-dir/x"); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("open in a missing directory: %v", err)
	}
	if _, err := l.OpenFile(l.Self(), ""); !errors.Is(err, ErrSelf) {
		t.Errorf("open in proctui: %v", err)
	}
}

func umask() os.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return os.FileMode(m)
}

// TestPassFDTo: with no socket between two lab images, PassFDTo says to
// make one. Over a socket pair, a scratch file opened in A reaches B as
// the same open file: same inode, and one offset that writes through
// either descriptor move. A pipe's write end passed the same way carries
// bytes from B to A's read end. With the recorded pair gone, a socket
// that came to B by SCM_RIGHTS is found through sock_diag.
func TestPassFDTo(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Run(l.Self(), nil)).PID
	b := l.must(l.Run(l.Self(), nil)).PID
	f := l.must(l.OpenFile(a, ""))
	fd, _ := strconv.Atoi(f.Status)
	path := fdTarget(a, fd)
	if filepath.Base(path) != "notes" || !strings.Contains(f.Text, "returned fd "+f.Status) {
		t.Fatalf("scratch file %q: %q", path, f.Text)
	}
	if _, err := l.PassFDTo(a, fd, b); err == nil || !strings.Contains(err.Error(), "with o first") {
		t.Fatalf("no socket: %v", err)
	}
	s := l.must(l.SocketPair(a, b))
	asock := fdNum(t, s.Text, ": "+strconv.Itoa(a)+"'s fd ")
	ma, _ := l.Member(a)
	if _, err := l.PassFDTo(a, ma.ControlFD, b); err == nil || !strings.Contains(err.Error(), "control socket") {
		t.Errorf("passing the control socket: %v", err)
	}
	r := l.must(l.PassFDTo(a, fd, b))
	got := fdNum(t, r.Text, "made it fd ")
	if fdIno(t, a, fd) != fdIno(t, b, got) || fdTarget(b, got) != path {
		t.Fatalf("%d fd %d is %s, %d fd %d is %s: not the same file", a, fd, path, b, got, fdTarget(b, got))
	}
	line := "hello from " + strconv.Itoa(a) + "\n"
	l.must(l.WriteFD(a, fd))
	pa, pb := fdPos(t, a, fd), fdPos(t, b, got)
	if pa != int64(len(line)) || pb != pa {
		t.Errorf("after a write through %d: offsets %d (%d) and %d (%d), want both %d", a, pa, a, pb, b, len(line))
	}
	l.must(l.WriteFD(b, got))
	pa2, pb2 := fdPos(t, a, fd), fdPos(t, b, got)
	if pb2 <= pb || pa2 != pb2 {
		t.Errorf("after a write through %d: offsets %d and %d, want one offset past %d", b, pa2, pb2, pb)
	}
	if data, _ := os.ReadFile(path); !strings.HasPrefix(string(data), line) || int64(len(data)) != pb2 {
		t.Errorf("the file holds %q: the second write should follow the first", data)
	}

	// A pipe's write end, passed to b, carries b's bytes to a's read end.
	p := l.must(l.Pipe(a, a))
	rfd := fdNum(t, p.Text, "returned fd ")
	wfd := fdNum(t, p.Text, "the read end, and fd ")
	r = l.must(l.PassFDTo(a, wfd, b))
	bw := fdNum(t, r.Text, "made it fd ")
	if fdTarget(b, bw) != fdTarget(a, wfd) {
		t.Fatalf("%d fd %d is %q, not the pipe %q", b, bw, fdTarget(b, bw), fdTarget(a, wfd))
	}
	l.must(l.WriteFD(b, bw))
	if rd := l.must(l.ReadFD(a, rfd)); rd.Status != strconv.Itoa(len("hello from "+strconv.Itoa(b)+"\n")) {
		t.Errorf("read %q", rd.Text)
	}

	// A second socket pair, both ends in a; one end goes to b. Then the
	// pair SocketPair recorded goes away: sock_diag finds the other.
	s2 := l.must(l.SocketPair(a, a))
	k1 := fdNum(t, s2.Text, "returned fds ")
	k2 := fdNum(t, s2.Text, fmt.Sprintf("returned fds %d and ", k1))
	l.must(l.PassFDTo(a, k2, b))
	l.must(l.CloseFD(a, k2))
	l.must(l.CloseFD(a, asock))
	r = l.must(l.PassFDTo(a, fd, b))
	if !strings.Contains(r.Text, fmt.Sprintf("over fd %d", k1)) {
		t.Errorf("passed over something other than fd %d: %q", k1, r.Text)
	}
	if got2 := fdNum(t, r.Text, "made it fd "); fdIno(t, b, got2) != fdIno(t, a, fd) {
		t.Errorf("fd %d of %d is not the file", got2, b)
	}

	// Close removes the scratch directory.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the scratch directory %s after Close: %v", filepath.Dir(path), err)
	}
}

// streamDir is pid's stream on fd in one direction.
func streamDir(l *tlab, pid, fd int, write bool) FDStream {
	mb, _ := l.Member(pid)
	for _, s := range mb.Streams {
		if s.FD == fd && s.Write == write {
			return s
		}
	}
	return FDStream{FD: -1}
}

// TestSocketStreamsBothWays: two lab images write a line a second into
// the two ends of a socket pair, and each reads what the other sends.
// While they do, a file passes from a to b over the same socket (b's
// reading stream keeps it). Once the writers stop and the readers have
// caught up, each direction's counts agree: a sent what b received, and
// the other way.
func TestSocketStreamsBothWays(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Run(l.Self(), nil)).PID
	b := l.must(l.Run(l.Self(), nil)).PID
	s := l.must(l.SocketPair(a, b))
	asock := fdNum(t, s.Text, ": "+strconv.Itoa(a)+"'s fd ")
	bsock := fdNum(t, s.Text, "as fd ")
	r := l.must(l.Stream(a, asock, true))
	if !strings.Contains(r.Text, "read whatever comes back") {
		t.Errorf("writing to a socket did not start reading it: %q", r.Text)
	}
	l.must(l.Stream(b, bsock, true))
	for _, e := range []struct{ pid, fd int }{{a, asock}, {b, bsock}} {
		for _, w := range []bool{true, false} {
			if st := streamDir(l, e.pid, e.fd, w); st.FD != e.fd || !st.Socket || st.Ended != "" {
				t.Errorf("%d fd %d write=%v: %+v", e.pid, e.fd, w, st)
			}
		}
	}
	lineLen := int64(len("line 1 from " + strconv.Itoa(a) + "\n"))
	eventually(t, "a line each way", func() bool {
		return streamDir(l, b, bsock, false).Bytes >= lineLen && streamDir(l, a, asock, false).Bytes >= lineLen
	})

	f := l.must(l.OpenFile(a, ""))
	fd, _ := strconv.Atoi(f.Status)
	pr := l.must(l.PassFDTo(a, fd, b))
	if got := fdNum(t, pr.Text, "made it fd "); fdIno(t, b, got) != fdIno(t, a, fd) {
		t.Errorf("the file passed while b was reading the socket is not the same file in b")
	}

	eventually(t, "a second line each way", func() bool {
		return streamDir(l, a, asock, true).Bytes >= 2*lineLen && streamDir(l, b, bsock, true).Bytes >= 2*lineLen
	})
	l.must(l.Stream(a, asock, true))
	l.must(l.Stream(b, bsock, true))
	aSent, bSent := streamDir(l, a, asock, true), streamDir(l, b, bsock, true)
	if aSent.Ended != "stopped" || bSent.Ended != "stopped" {
		t.Errorf("writers after stop: %+v %+v", aSent, bSent)
	}
	if streamDir(l, a, asock, false).Ended != "" {
		t.Errorf("stopping a's writer stopped its reader: %+v", streamDir(l, a, asock, false))
	}
	defer func() {
		if !t.Failed() {
			return
		}
		t.Logf("a sent %+v recv %+v; b sent %+v recv %+v", streamDir(l, a, asock, true), streamDir(l, a, asock, false), streamDir(l, b, bsock, true), streamDir(l, b, bsock, false))
	}()
	eventually(t, "the readers to catch up", func() bool {
		return streamDir(l, b, bsock, false).Bytes == aSent.Bytes && streamDir(l, a, asock, false).Bytes == bSent.Bytes
	})
	l.must(l.Stream(a, asock, false))
	l.must(l.Stream(b, bsock, false))
	aRecv, bRecv := streamDir(l, a, asock, false), streamDir(l, b, bsock, false)
	if aRecv.Ended != "stopped" || bRecv.Ended != "stopped" {
		t.Errorf("readers after stop: %+v %+v", aRecv, bRecv)
	}
	if aSent.Bytes != bRecv.Bytes || bSent.Bytes != aRecv.Bytes {
		t.Errorf("a sent %d, b received %d; b sent %d, a received %d", aSent.Bytes, bRecv.Bytes, bSent.Bytes, aRecv.Bytes)
	}
	t.Logf("a -> b %d bytes, b -> a %d bytes", aSent.Bytes, bSent.Bytes)
}

// TestStreamOnFile: a lab image's writing stream on a file it opened
// moves the offset by every byte it writes; a second open() of the same
// file is a new open file with its own offset at 0, and a reading stream
// on it reads all of it and then end of file.
func TestStreamOnFile(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Run(l.Self(), nil)).PID
	f := l.must(l.OpenFile(a, ""))
	wfd, _ := strconv.Atoi(f.Status)
	path := fdTarget(a, wfd)
	l.must(l.Stream(a, wfd, true))
	if st := streamDir(l, a, wfd, false); st.FD != -1 {
		t.Errorf("writing to a file started a reader: %+v", st)
	}
	eventually(t, "a line written", func() bool { return streamDir(l, a, wfd, true).Bytes > 0 })
	l.must(l.Stream(a, wfd, true))
	w := streamDir(l, a, wfd, true)
	if pos := fdPos(t, a, wfd); pos != w.Bytes || w.Ended != "stopped" || w.Socket {
		t.Errorf("offset %d after the stream wrote %d bytes (%+v)", pos, w.Bytes, w)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != w.Bytes {
		t.Errorf("the file: %v %v, want %d bytes", fi, err, w.Bytes)
	}
	g := l.must(l.OpenFile(a, path))
	rfd, _ := strconv.Atoi(g.Status)
	if fdIno(t, a, rfd) != fdIno(t, a, wfd) || fdPos(t, a, rfd) != 0 {
		t.Fatalf("second open: inode %d vs %d, offset %d", fdIno(t, a, rfd), fdIno(t, a, wfd), fdPos(t, a, rfd))
	}
	l.must(l.Stream(a, rfd, false))
	eventually(t, "end of file", func() bool { return streamDir(l, a, rfd, false).Ended == "end of file" })
	if r := streamDir(l, a, rfd, false); r.Bytes != w.Bytes || fdPos(t, a, rfd) != w.Bytes {
		t.Errorf("read %d bytes to offset %d; %d were written", r.Bytes, fdPos(t, a, rfd), w.Bytes)
	}
}
