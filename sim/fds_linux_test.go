package sim

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

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
func fdNum(t testing.TB, s, word string) int {
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

// TestYesOnPipeKilledBySIGPIPE: yes | head -n 1, as a shell builds it;
// head reads one line and exits, and yes, SIGPIPE at its default, dies of
// it at its next write. Both stay zombies until waited for.
func TestYesOnPipeKilledBySIGPIPE(t *testing.T) {
	for _, under := range []string{"proctui", "lab image"} {
		t.Run(under, func(t *testing.T) {
			l := newTestLab(t, rawOpts())
			parent := l.Self()
			if under == "lab image" {
				parent = l.must(l.Run(l.Self(), nil)).PID
			}
			left, right, ok, err := SplitPipeline("yes | head -n 1")
			if err != nil || !ok {
				t.Fatal(ok, err)
			}
			r := l.must(l.RunPipeline(parent, left, right))
			head := r.PID
			var yes int
			for _, mb := range l.Members() {
				if len(mb.Argv) > 0 && mb.Argv[0] == "yes" {
					yes = mb.PID
				}
			}
			l.track(yes)
			if yes == 0 || !strings.Contains(r.Text, "SIGPIPE") {
				t.Fatalf("no yes among the members; %q", r.Text)
			}
			eventually(t, "yes and head to exit", func() bool {
				y, ok1 := readStat(yes)
				h, ok2 := readStat(head)
				return ok1 && ok2 && y.state == 'Z' && h.state == 'Z'
			})
			if ws := proctree.WaitStatus(mustStat(t, yes).exit); ws.String() != "killed by SIGPIPE" {
				t.Errorf("yes: %s, want killed by SIGPIPE", ws)
			}
			if ws := proctree.WaitStatus(mustStat(t, head).exit); !ws.Exited() || ws.ExitCode() != 0 {
				t.Errorf("head: %s, want exited 0", ws)
			}
			res := l.must(l.Wait(yes))
			if res.Status != "killed by SIGPIPE" {
				t.Errorf("wait: %q", res.Status)
			}
			l.must(l.Wait(head))
		})
	}
}

func TestSplitPipeline(t *testing.T) {
	l, r, ok, err := SplitPipeline(`yes 'a|b' | head -n 1`)
	if err != nil || !ok || len(l) != 2 || l[1] != "a|b" || len(r) != 3 {
		t.Errorf("%q %q %v %v", l, r, ok, err)
	}
	if _, _, ok, err := SplitPipeline(`sh -c 'yes | head'`); ok || err != nil {
		t.Errorf("quoted |: ok %v err %v", ok, err)
	}
	for _, bad := range []string{"a | b | c", "| b", "a |", "a || b"} {
		if _, _, _, err := SplitPipeline(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// stream returns what the lab knows of pid's stream on fd.
func streamOf(l *tlab, pid, fd int) FDStream {
	mb, _ := l.Member(pid)
	for _, s := range mb.Streams {
		if s.FD == fd {
			return s
		}
	}
	return FDStream{FD: -1}
}

// TestStreamsCountBytes: a lab image writes a line a second into a pipe,
// another reads; their counts agree. Closing the write end makes the
// reader report end of file; a writer whose reader is killed reports EPIPE.
func TestStreamsCountBytes(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Run(l.Self(), nil)).PID
	b := l.must(l.Run(l.Self(), nil)).PID
	r := l.must(l.Pipe(a, b))
	wfd := fdNum(t, r.Text, "(read end) and ")
	rfd := fdNum(t, r.Text, "where recvmsg() made it fd ")
	l.must(l.Stream(b, rfd, false))
	l.must(l.Stream(a, wfd, true))
	eventually(t, "two lines written and read", func() bool {
		w, rd := streamOf(l, a, wfd), streamOf(l, b, rfd)
		return w.Bytes > 0 && rd.Bytes == w.Bytes && w.Bytes >= int64(2*len("line 1 from "+strconv.Itoa(a)+"\n"))
	})
	// Stop the writer, then close its end: the reader sees end of file.
	l.must(l.Stream(a, wfd, true))
	written := streamOf(l, a, wfd).Bytes
	if s := streamOf(l, a, wfd); s.Ended != "stopped" || s.Bytes == 0 {
		t.Errorf("stopped stream: %+v, want its final count and Ended \"stopped\"", s)
	}
	l.must(l.CloseFD(a, wfd))
	eventually(t, "the reader's end of file", func() bool { return streamOf(l, b, rfd).Ended == "end of file" })
	if got := streamOf(l, b, rfd).Bytes; written > 0 && got < written {
		t.Errorf("read %d bytes, %d were written", got, written)
	}
	if n := nextNote(t, l.Lab, b); !strings.Contains(n.Text, "returned 0: end of file") {
		t.Errorf("note %q", n.Text)
	}

	// A new pipe; kill the reader: the writer reports EPIPE.
	c := l.must(l.Run(l.Self(), nil)).PID
	r = l.must(l.Pipe(a, c))
	wfd = fdNum(t, r.Text, "(read end) and ")
	if err := unix.Kill(c, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the reader to die", func() bool { s, ok := readStat(c); return ok && s.state == 'Z' })
	l.must(l.Stream(a, wfd, true))
	eventually(t, "EPIPE", func() bool { return streamOf(l, a, wfd).Ended == "EPIPE" })
	l.must(l.Wait(c))
}

// TestExecKeepsWhatIsNotCloseOnExec: a forked child with both ends of a
// pipe marks the read end close-on-exec and execs sleep: same pid and
// start time, the read end gone, the write end still there, same pipe.
func TestExecKeepsWhatIsNotCloseOnExec(t *testing.T) {
	l := newTestLab(t, rawOpts())
	skipWithoutRawFork(t, l.Lab)
	c := l.must(l.Fork(l.Self())).PID
	l.must(l.Pipe(c, c))
	pipe := fdTarget(c, 4)
	before := mustStat(t, c)
	tg := l.must(l.ToggleCloexec(c, 3))
	if !strings.Contains(tg.Syscall, "FD_CLOEXEC") {
		t.Errorf("toggle: %q", tg.Syscall)
	}
	r := l.must(l.Exec(c, []string{"sleep", "300"}))
	if !strings.Contains(r.Text, "kept 0 1 2 4; closed 3 (close-on-exec)") {
		t.Errorf("narration %q", r.Text)
	}
	eventually(t, "sleep running in "+strconv.Itoa(c), func() bool { s, ok := readStat(c); return ok && s.comm == "sleep" })
	after := mustStat(t, c)
	if after.start != before.start || after.pid != before.pid {
		t.Errorf("exec changed the process: %+v -> %+v", before, after)
	}
	eventually(t, "fd 3 closed, fd 4 kept", func() bool { return fdTarget(c, 3) == "" && fdTarget(c, 4) == pipe })
	if mb, _ := l.Member(c); mb.Kind != KindProgram || mb.Argv[0] != "sleep" {
		t.Errorf("member after exec: %+v", mb)
	}
}

// TestPassFDBetweenLabImages: a lab image sends the write end of a pipe
// over a socket pair with SCM_RIGHTS; the receiver's new descriptor is the
// same pipe, and bytes written through it reach the pipe's reader.
func TestPassFDBetweenLabImages(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Run(l.Self(), nil)).PID
	b := l.must(l.Run(l.Self(), nil)).PID
	r := l.must(l.SocketPair(a, b))
	asock := fdNum(t, r.Text, ": "+strconv.Itoa(a)+"'s fd ")
	bsock := fdNum(t, r.Text, "as fd ")
	p := l.must(l.Pipe(a, a))
	rfd := fdNum(t, p.Text, "returned fd ")
	wfd := fdNum(t, p.Text, "the read end, and fd ")
	res := l.must(l.PassFD(a, asock, wfd, b, bsock))
	got := fdNum(t, res.Text, "made it fd ")
	if fdTarget(b, got) != fdTarget(a, wfd) || fdTarget(b, got) == "" {
		t.Fatalf("%d fd %d is %q, %d fd %d is %q", b, got, fdTarget(b, got), a, wfd, fdTarget(a, wfd))
	}
	l.must(l.WriteFD(b, got))
	rd := l.must(l.ReadFD(a, rfd))
	if n := len("hello from " + strconv.Itoa(b) + "\n"); rd.Status != strconv.Itoa(n) {
		t.Errorf("read %q", rd.Text)
	}
	// A descriptor it does not have cannot be sent: EBADF.
	if _, err := l.PassFD(a, asock, 999, b, bsock); err == nil {
		t.Error("sending a closed descriptor did not fail")
	}
}

func environ(t *testing.T, pid int) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

func hasEnv(env []string, prefix string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, prefix) {
			return true
		}
	}
	return false
}

// TestSetEnvInherited: a variable set in a lab image is inherited by the
// lab image and the program it spawns afterwards, while its own
// /proc/PID/environ keeps the environment as of its exec; an unset
// variable is missing from what it spawns next.
func TestSetEnvInherited(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Run(l.Self(), nil)).PID
	r := l.must(l.SetEnv(a, "LESSON=pipes"))
	if !strings.Contains(r.Text, "as of its exec") {
		t.Errorf("narration %q", r.Text)
	}
	l.must(l.SetEnv(a, "HOME"))
	b := l.must(l.Run(a, nil)).PID
	s := l.must(l.Run(a, []string{"sleep", "300"})).PID
	eventually(t, "sleep to exec", func() bool { st, ok := readStat(s); return ok && st.comm == "sleep" })
	if hasEnv(environ(t, a), "LESSON=") {
		t.Errorf("%d's /proc environ shows LESSON: it should show the environment as of exec", a)
	}
	for _, pid := range []int{b, s} {
		env := environ(t, pid)
		if !hasEnv(env, "LESSON=pipes") || hasEnv(env, "HOME=") {
			t.Errorf("%d did not inherit the change: LESSON %v, HOME %v", pid, hasEnv(env, "LESSON=pipes"), hasEnv(env, "HOME="))
		}
	}
	if mb, _ := l.Member(a); strings.Join(mb.EnvChanges, ",") != "LESSON=pipes,HOME" {
		t.Errorf("EnvChanges %q", mb.EnvChanges)
	}
	if _, err := l.SetEnv(a, "=x"); err == nil {
		t.Error("an empty name was accepted")
	}
}

// TestRuntimeFDsOfLabImageRefused: the Go runtime's own descriptors in a
// lab image (its epoll, its eventfd) cannot be closed, read or streamed
// on from a key; they stay open and the lab image keeps answering.
func TestRuntimeFDsOfLabImageRefused(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Run(l.Self(), nil)).PID
	runtimeFD := -1
	for _, fd := range fdList(a) {
		if strings.HasPrefix(fdLink(a, fd), "anon_inode:") {
			runtimeFD = fd
			break
		}
	}
	if runtimeFD < 0 {
		t.Fatalf("lab image %d has no anonymous inode open; /proc says %v", a, fdList(a))
	}
	target := fdLink(a, runtimeFD)
	for what, call := range map[string]func() (Result, error){
		"close":   func() (Result, error) { return l.CloseFD(a, runtimeFD) },
		"read":    func() (Result, error) { return l.ReadFD(a, runtimeFD) },
		"stream":  func() (Result, error) { return l.Stream(a, runtimeFD, false) },
		"write":   func() (Result, error) { return l.WriteFD(a, runtimeFD) },
		"cloexec": func() (Result, error) { return l.ToggleCloexec(a, runtimeFD) },
	} {
		if _, err := call(); err == nil || !strings.Contains(err.Error(), "Go runtime's own") {
			t.Errorf("%s on fd %d (%s): err %v, want a refusal", what, runtimeFD, target, err)
		}
	}
	if got := fdLink(a, runtimeFD); got != target {
		t.Errorf("fd %d of %d is now %q, was %q", runtimeFD, a, got, target)
	}
	// A descriptor a key made is still fine.
	l.must(l.Pipe(a, a))
	if _, err := l.Fork(a); err != nil {
		t.Errorf("the lab image stopped answering: %v", err)
	}
}

// TestForkedChildKeepsEnvChanges: a child forked from a lab image after
// it set a variable has the variable too (its memory is a copy); the
// parent unsetting it afterwards does not touch the child's; the child's
// exec passes it on, so the new program's /proc/PID/environ shows it, as
// does a program the child starts.
func TestForkedChildKeepsEnvChanges(t *testing.T) {
	l := newTestLab(t, rawOpts())
	skipWithoutRawFork(t, l.Lab)
	a := l.must(l.Run(l.Self(), nil)).PID
	l.must(l.SetEnv(a, "GREETING=hello"))
	l.must(l.SetEnv(a, "HOME"))
	f := l.must(l.Fork(a))
	c := f.PID
	if !strings.Contains(f.Text, "GREETING=hello") {
		t.Errorf("fork narration does not name the inherited change: %q", f.Text)
	}
	l.must(l.SetEnv(a, "GREETING"))
	if mb, _ := l.Member(c); strings.Join(mb.EnvChanges, ",") != "GREETING=hello,HOME" {
		t.Errorf("child's EnvChanges %q, want GREETING=hello,HOME", mb.EnvChanges)
	}
	s := l.must(l.Run(c, []string{"sleep", "300"})).PID
	l.must(l.Exec(c, []string{"sleep", "301"}))
	for _, pid := range []int{s, c} {
		eventually(t, "sleep to exec", func() bool { st, ok := readStat(pid); return ok && st.comm == "sleep" })
		env := environ(t, pid)
		if !hasEnv(env, "GREETING=hello") || hasEnv(env, "HOME=") {
			t.Errorf("%d: GREETING=hello %v, HOME %v in its environ; want the child's changes", pid, hasEnv(env, "GREETING=hello"), hasEnv(env, "HOME="))
		}
	}
}

// TestControlFDRefused: no key writes into, reads from, closes or changes a
// lab process's control socket (a line written there would be read by
// proctui as a protocol message); the process keeps answering.
func TestControlFDRefused(t *testing.T) {
	l := newTestLab(t, rawOpts())
	kids := []int{l.must(l.Run(l.Self(), nil)).PID}
	if l.ForkMode() == "real fork()" {
		kids = append(kids, l.must(l.Fork(l.Self())).PID)
	}
	for _, pid := range kids {
		mb, _ := l.Member(pid)
		ctl := mb.ControlFD
		for what, call := range map[string]func() (Result, error){
			"close":   func() (Result, error) { return l.CloseFD(pid, ctl) },
			"write":   func() (Result, error) { return l.WriteFD(pid, ctl) },
			"read":    func() (Result, error) { return l.ReadFD(pid, ctl) },
			"cloexec": func() (Result, error) { return l.ToggleCloexec(pid, ctl) },
		} {
			if _, err := call(); err == nil || !strings.Contains(err.Error(), "control socket") {
				t.Errorf("%s on control fd %d of %s %d: err %v, want a refusal", what, ctl, mb.Kind, pid, err)
			}
		}
		if _, err := l.Fork(pid); err != nil {
			t.Errorf("%s %d stopped answering: %v", mb.Kind, pid, err)
		}
	}
}
