package sim

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/proctui/proctui/proctree"
)

// fdTarget is readlink(/proc/PID/fd/N).
func fdTarget(pid, fd int) string {
	s, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + strconv.Itoa(fd))
	return s
}

// pipeFDs finds the pipe descriptors of pid, by number.
func pipeFDs(pid int) map[int]string {
	out := map[int]string{}
	for _, fd := range fdList(pid) {
		if t := fdTarget(pid, fd); strings.HasPrefix(t, "pipe:[") {
			out[fd] = t
		}
	}
	return out
}

// newPipes is what is in after and not in before: the pipes an action
// made (the test's own stdout and stderr are pipes too, inherited).
func newPipes(before, after map[int]string) map[int]string {
	out := map[int]string{}
	for fd, tgt := range after {
		if before[fd] != tgt {
			out[fd] = tgt
		}
	}
	return out
}

// fdNum reads "fd N" after word in s.
func fdNum(t *testing.T, s, word string) int {
	t.Helper()
	i := strings.Index(s, word)
	if i < 0 {
		t.Fatalf("%q not in %q", word, s)
	}
	var n int
	if _, err := fmtSscan(s[i+len(word):], &n); err != nil {
		t.Fatalf("no number after %q in %q", word, s)
	}
	return n
}

func TestPipeBetweenLabImagesMovesBytes(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Run(l.Self(), nil)).PID
	b := l.must(l.Run(l.Self(), nil)).PID
	beforeA, beforeB := pipeFDs(a), pipeFDs(b)
	r := l.must(l.Pipe(a, b))
	if !strings.Contains(r.Text, "SCM_RIGHTS") {
		t.Errorf("narration %q", r.Text)
	}
	pa, pb := newPipes(beforeA, pipeFDs(a)), newPipes(beforeB, pipeFDs(b))
	if len(pa) != 1 || len(pb) != 1 {
		t.Fatalf("pipes: writer %v, reader %v; want one end each", pa, pb)
	}
	var wfd, rfd int
	var ino string
	for fd, tgt := range pa {
		wfd, ino = fd, tgt
	}
	for fd, tgt := range pb {
		rfd = fd
		if tgt != ino {
			t.Fatalf("writer has %s, reader %s: not the same pipe", ino, tgt)
		}
	}

	// The peers, as the fd table shows them.
	d, err := proctree.NewProcReader("").Details(a, proctree.WantFDs)
	if err != nil {
		t.Fatal(err)
	}
	proctree.LinkPeers(d, "", map[int]string{b: "proctui"})
	if p := d.Peers[wfd]; len(p) != 1 || p[0].PID != b || p[0].FD != rfd {
		t.Errorf("peers of %d fd %d: %+v, want %d fd %d", a, wfd, p, b, rfd)
	}

	// Nothing yet: a read would block.
	if r := l.must(l.ReadFD(b, rfd)); !strings.Contains(r.Text, "would block") {
		t.Errorf("empty read: %q", r.Text)
	}
	w := l.must(l.WriteFD(a, wfd))
	line := "hello from " + strconv.Itoa(a) + "\n"
	if !strings.Contains(w.Text, "returned "+strconv.Itoa(len(line))) {
		t.Errorf("write: %q", w.Text)
	}
	rd := l.must(l.ReadFD(b, rfd))
	if rd.Status != strconv.Itoa(len(line)) {
		t.Errorf("read returned %s, write wrote %d: %q", rd.Status, len(line), rd.Text)
	}

	// Close the only write end: the reader sees end of file.
	l.must(l.CloseFD(a, wfd))
	if _, ok := pipeFDs(a)[wfd]; ok {
		t.Errorf("fd %d still open in %d", wfd, a)
	}
	eof := l.must(l.ReadFD(b, rfd))
	if eof.Status != "0" || !strings.Contains(eof.Text, "returned 0: end of file") {
		t.Errorf("after close: %q (%s)", eof.Text, eof.Status)
	}
}

func TestPipeReaderGone(t *testing.T) {
	l := newTestLab(t, rawOpts())
	skipWithoutRawFork(t, l.Lab)
	// A lab image writer gets EPIPE (Go ignores SIGPIPE on such fds) ...
	a := l.must(l.Run(l.Self(), nil)).PID
	b := l.must(l.Run(l.Self(), nil)).PID
	r := l.must(l.Pipe(a, b))
	wfd := fdNum(t, r.Text, "(read end) and ")
	rfd := fdNum(t, r.Text, "where recvmsg() made it fd ")
	l.must(l.CloseFD(b, rfd))
	w := l.must(l.WriteFD(a, wfd))
	if !strings.Contains(w.Text, "EPIPE") {
		t.Errorf("lab image writer: %q", w.Text)
	}

	// ... a forked child, SIGPIPE at its default, is killed by it.
	c := l.must(l.Fork(l.Self())).PID
	r = l.must(l.Pipe(c, b))
	wfd = fdNum(t, r.Text, "(read end) and ")
	rfd = fdNum(t, r.Text, "where recvmsg() made it fd ")
	l.must(l.CloseFD(b, rfd))
	w = l.must(l.WriteFD(c, wfd))
	if !strings.Contains(w.Text, "killed by SIGPIPE") {
		t.Errorf("forked writer: %q", w.Text)
	}
	if st := mustStat(t, c); st.state != 'Z' || proctree.WaitStatus(st.exit).String() != "killed by SIGPIPE" {
		t.Errorf("%d: state %c, %s", c, st.state, proctree.WaitStatus(st.exit))
	}
	l.must(l.Wait(c))
}

func TestPipeBothEndsInheritedOverFork(t *testing.T) {
	l := newTestLab(t, rawOpts())
	skipWithoutRawFork(t, l.Lab)
	c := l.must(l.Fork(l.Self())).PID
	r := l.must(l.Pipe(c, c))
	if !strings.Contains(r.Text, "returned fd 3, the read end, and fd 4, the write end") {
		t.Errorf("narration %q", r.Text)
	}
	g := l.must(l.Fork(c)).PID
	pc, pg := pipeFDs(c), pipeFDs(g)
	if pc[3] == "" || pc[3] != pc[4] || pg[3] != pc[3] || pg[4] != pc[4] {
		t.Errorf("parent pipes %v, child pipes %v: want fds 3 and 4 on one pipe in both", pc, pg)
	}
	// The child writes, the parent reads what it wrote.
	w := l.must(l.WriteFD(g, 4))
	rd := l.must(l.ReadFD(c, 3))
	if n := len("hello from " + strconv.Itoa(g) + "\n"); rd.Status != strconv.Itoa(n) {
		t.Errorf("write %q, read %q", w.Text, rd.Text)
	}
}

func fmtSscan(s string, n *int) (int, error) { return fmt.Sscan(s, n) }

func TestSocketPairBothWays(t *testing.T) {
	l := newTestLab(t, rawOpts())
	skipWithoutRawFork(t, l.Lab)
	a := l.must(l.Fork(l.Self())).PID // a forked child: the raw loop
	b := l.must(l.Run(l.Self(), nil)).PID
	r := l.must(l.SocketPair(a, b))
	afd := fdNum(t, r.Text, ": "+strconv.Itoa(a)+"'s fd ")
	bfd := fdNum(t, r.Text, "as fd ")
	if !strings.HasPrefix(fdTarget(a, afd), "socket:[") || !strings.HasPrefix(fdTarget(b, bfd), "socket:[") {
		t.Fatalf("%d fd %d is %s, %d fd %d is %s", a, afd, fdTarget(a, afd), b, bfd, fdTarget(b, bfd))
	}
	d, err := proctree.NewProcReader("").Details(a, proctree.WantFDs)
	if err != nil {
		t.Fatal(err)
	}
	proctree.LinkPeers(d, "", map[int]string{b: "proctui"})
	if p := d.Peers[afd]; len(p) != 1 || p[0].PID != b || p[0].FD != bfd {
		t.Errorf("peers of %d fd %d: %+v, want %d fd %d", a, afd, p, b, bfd)
	}
	for _, dir := range [][2][2]int{{{a, afd}, {b, bfd}}, {{b, bfd}, {a, afd}}} {
		from, to := dir[0], dir[1]
		l.must(l.WriteFD(from[0], from[1]))
		rd := l.must(l.ReadFD(to[0], to[1]))
		if n := len("hello from " + strconv.Itoa(from[0]) + "\n"); rd.Status != strconv.Itoa(n) {
			t.Errorf("%d -> %d: read %q", from[0], to[0], rd.Text)
		}
	}
}
