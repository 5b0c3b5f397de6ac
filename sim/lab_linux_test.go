package sim

import (
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// tlab is a Lab under test: it remembers every process the test made, and
// at the end closes the lab and checks that none of them is left.
type tlab struct {
	*Lab
	t      *testing.T
	mu     sync.Mutex
	starts map[int]uint64
}

func newTestLab(t *testing.T, opts Options) *tlab {
	t.Helper()
	l, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	tl := &tlab{Lab: l, t: t, starts: map[int]uint64{}}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := l.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		tl.mu.Lock()
		defer tl.mu.Unlock()
		for pid, start := range tl.starts {
			st, ok := same(pid, start)
			if ok && st.state == 'Z' && st.ppid != os.Getpid() {
				// An orphan killed under init (no subreaper): init
				// reaps it in its own time.
				deadline := time.Now().Add(5 * time.Second)
				for ok && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
					st, ok = same(pid, start)
				}
			}
			if ok {
				t.Errorf("%d (%s, state %c, parent %d) is still there after Close", pid, st.comm, st.state, st.ppid)
			}
		}
	})
	return tl
}

// track remembers pid, to check after Close that it is gone.
func (tl *tlab) track(pid int) {
	if st, ok := readStat(pid); ok {
		tl.mu.Lock()
		tl.starts[pid] = st.start
		tl.mu.Unlock()
	}
}

// must fails the test on err and tracks the process the action made.
func (tl *tlab) must(r Result, err error) Result {
	tl.t.Helper()
	if err != nil {
		tl.t.Fatal(err)
	}
	tl.track(r.PID)
	return r
}

func rawOpts() Options {
	o := DefaultOptions()
	return o
}

// eventually polls cond for up to 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func mustStat(t *testing.T, pid int) procStat {
	t.Helper()
	st, ok := readStat(pid)
	if !ok {
		t.Fatalf("%d is not in /proc", pid)
	}
	return st
}

func gone(pid int) bool {
	_, ok := readStat(pid)
	return !ok
}

// nextNote waits for a note about pid.
func nextNote(t *testing.T, l *Lab, pid int) Note {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case n, ok := <-l.Notes():
			if !ok {
				t.Fatal("notes closed")
			}
			if n.PID == pid {
				return n
			}
		case <-timeout:
			t.Fatalf("no note about %d", pid)
		}
	}
}

// onlyStdio checks that a program the lab ran has fds 0 1 2 and nothing
// else. It polls: while it starts, the program itself opens and closes
// files (the dynamic loader reads ld.so.cache and libc at fd 3).
func onlyStdio(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		fds := fdList(pid)
		if slices.Equal(fds, []int{0, 1, 2}) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d has fds %v, want 0 1 2 only", pid, fds)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func skipWithoutRawFork(t *testing.T, l *Lab) {
	t.Helper()
	if l.ForkMode() != "real fork()" {
		t.Skipf("needs real fork(): %s", l.ForkMode())
	}
}

func TestForkExitWait(t *testing.T) {
	l := newTestLab(t, rawOpts())
	skipWithoutRawFork(t, l.Lab)
	self := mustStat(t, l.Self())
	r := l.must(l.Fork(l.Self()))
	if r.Syscall != "fork()" || !strings.Contains(r.Text, "inherited fds 0 1 2") {
		t.Errorf("fork result: %+v", r)
	}
	st := mustStat(t, r.PID)
	if st.ppid != l.Self() || st.comm != self.comm || (st.state != 'S' && st.state != 'R') {
		t.Errorf("child %d: ppid %d comm %q state %c; want ppid %d comm %q state S", r.PID, st.ppid, st.comm, st.state, l.Self(), self.comm)
	}
	m, ok := l.Member(r.PID)
	if !ok || m.Kind != KindForked || m.Parent != l.Self() || m.ControlFD < 3 {
		t.Errorf("member: %+v %v", m, ok)
	}
	// Only 0 1 2 and the control socket: proctui's plumbing stayed behind.
	if got := fdList(r.PID); !slices.Equal(got, []int{0, 1, 2, m.ControlFD}) {
		t.Errorf("child fds %v, want 0 1 2 %d", got, m.ControlFD)
	}

	x, err := l.Exit(r.PID, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(x.Text, "exit(3)") || !strings.Contains(x.Text, "zombie") {
		t.Errorf("exit text: %q", x.Text)
	}
	st = mustStat(t, r.PID)
	if st.state != 'Z' || st.exit != 768 {
		t.Errorf("after exit(3): state %c field 52 = %d, want Z 768", st.state, st.exit)
	}
	if m, _ := l.Member(r.PID); !m.Exited || m.ExitedAt.IsZero() {
		t.Errorf("member after exit: %+v", m)
	}
	// The kernel keeps the status however long proctui takes to ask.
	time.Sleep(50 * time.Millisecond)
	w, err := l.Wait(r.PID)
	if err != nil {
		t.Fatal(err)
	}
	if w.Reaped != r.PID || w.Status != "exited 3" || !strings.Contains(w.Text, "wait4") {
		t.Errorf("wait: %+v", w)
	}
	if !gone(r.PID) {
		t.Errorf("%d still in /proc after wait", r.PID)
	}
	if l.Contains(r.PID) {
		t.Errorf("%d still in the lab after it was reaped", r.PID)
	}
}

// TestSeedWaitExample is the seed's example: two children exit at once;
// wait reaps one, and a while later wait still finds the other's status.
func TestSeedWaitExample(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Fork(l.Self())).PID
	b := l.must(l.Fork(l.Self())).PID
	for _, pid := range []int{a, b} {
		if _, err := l.Exit(pid, 1); err != nil {
			t.Fatal(err)
		}
	}
	first, err := l.Wait(l.Self())
	if err != nil || first.Reaped == 0 || first.Status != "exited 1" {
		t.Fatalf("first wait: %+v %v", first, err)
	}
	time.Sleep(300 * time.Millisecond)
	second, err := l.Wait(l.Self())
	if err != nil || second.Reaped == 0 || second.Reaped == first.Reaped || second.Status != "exited 1" {
		t.Fatalf("second wait: %+v %v", second, err)
	}
	third, err := l.Wait(l.Self())
	if err != nil || third.Reaped != 0 || !strings.Contains(third.Text, "no children") {
		t.Errorf("third wait: %+v %v", third, err)
	}
}

func TestGrandchildReapedByItsParent(t *testing.T) {
	l := newTestLab(t, rawOpts())
	skipWithoutRawFork(t, l.Lab)
	a := l.must(l.Fork(l.Self())).PID
	w, err := l.Wait(a)
	if err != nil || !strings.Contains(w.Text, "ECHILD") {
		t.Errorf("wait in a childless process: %+v %v", w, err)
	}
	b := l.must(l.Fork(a)).PID
	if st := mustStat(t, b); st.ppid != a {
		t.Errorf("grandchild %d has parent %d, want %d", b, st.ppid, a)
	}
	if m, _ := l.Member(b); m.Parent != a || m.Kind != KindForked {
		t.Errorf("grandchild member: %+v", m)
	}
	// a's plumbing (control socket, the pidfd of its child) sits above
	// the small numbers; b inherited 0 1 2 only.
	// (The socket pair a made for b is closed right after the answer,
	// so look until it is.)
	ma, _ := l.Member(a)
	eventually(t, "a's plumbing sits at its control fd and above", func() bool {
		for _, fd := range fdList(a) {
			if fd > 2 && fd < ma.ControlFD {
				return false
			}
		}
		return true
	})
	if mb, _ := l.Member(b); !slices.Equal(fdList(b), []int{0, 1, 2, mb.ControlFD}) {
		t.Errorf("grandchild fds %v", fdList(b))
	}
	w, err = l.Wait(a)
	if err != nil || !strings.Contains(w.Text, "no child has exited yet") {
		t.Errorf("wait before exit: %+v %v", w, err)
	}
	if _, err := l.Exit(b, 4); err != nil {
		t.Fatal(err)
	}
	if st := mustStat(t, b); st.state != 'Z' || st.ppid != a || st.exit != 4<<8 {
		t.Errorf("grandchild after exit(4): %+v", st)
	}
	w, err = l.Wait(b)
	if err != nil || w.Reaped != b || w.Status != "exited 4" || !strings.Contains(w.Text, "in "+strconv.Itoa(a)) {
		t.Fatalf("wait: %+v %v", w, err)
	}
	if !gone(b) {
		t.Errorf("%d still in /proc", b)
	}
	// A live process waiting for any child.
	c := l.must(l.Fork(a)).PID
	if _, err := l.Exit(c, 9); err != nil {
		t.Fatal(err)
	}
	w, err = l.Wait(a)
	if err != nil || w.Reaped != c || w.Status != "exited 9" {
		t.Errorf("wait for any child: %+v %v", w, err)
	}
}

// TestOrphanComesToProctui kills a lab parent: its child re-parents to
// proctui, the child subreaper, and proctui can still reap it.
func TestOrphanComesToProctui(t *testing.T) {
	l := newTestLab(t, rawOpts())
	skipWithoutRawFork(t, l.Lab)
	a := l.must(l.Fork(l.Self())).PID
	b := l.must(l.Fork(a)).PID
	if err := unix.Kill(a, unix.SIGKILL); err != nil { // a is the test's own
		t.Fatal(err)
	}
	eventually(t, "the orphan re-parents to proctui", func() bool {
		st, ok := readStat(b)
		return ok && st.ppid == l.Self()
	})
	if st := mustStat(t, b); st.state == 'Z' {
		t.Errorf("the orphan died with its parent")
	}
	if n := nextNote(t, l.Lab, a); !strings.Contains(n.Text, "killed by SIGKILL") {
		t.Errorf("note: %q", n.Text)
	}
	w, err := l.Wait(a)
	if err != nil || w.Status != "killed by SIGKILL" {
		t.Errorf("wait for the killed parent: %+v %v", w, err)
	}
	if _, err := l.Exit(b, 5); err != nil {
		t.Fatal(err)
	}
	w, err = l.Wait(b)
	if err != nil || w.Reaped != b || w.Status != "exited 5" || !strings.Contains(w.Text, "proctui") {
		t.Errorf("wait for the orphan: %+v %v", w, err)
	}
	if !gone(b) {
		t.Errorf("%d still in /proc", b)
	}
}

func TestOrphanWithoutSubreaper(t *testing.T) {
	opts := rawOpts()
	opts.Subreaper = false
	if was, _ := getSubreaper(); was {
		t.Skip("the test process is a subreaper already")
	}
	l := newTestLab(t, opts)
	skipWithoutRawFork(t, l.Lab)
	a := l.must(l.Fork(l.Self())).PID
	b := l.must(l.Fork(a)).PID
	unix.Kill(a, unix.SIGKILL)
	eventually(t, "the orphan leaves proctui's branch", func() bool {
		st, ok := readStat(b)
		return ok && st.ppid != a
	})
	st := mustStat(t, b)
	if st.ppid == l.Self() {
		t.Errorf("the orphan came to proctui, which is not a subreaper")
	}
	t.Logf("the orphan %d went to %d %s", b, st.ppid, commOf(st.ppid))
	// Close still ends it: proctui kills it by pidfd and its control
	// socket closes (checked by newTestLab's cleanup).
}

func TestDetach(t *testing.T) {
	l := newTestLab(t, rawOpts())
	skipWithoutRawFork(t, l.Lab)

	// Child of proctui: proctui's waiter reaps it.
	a := l.must(l.Fork(l.Self())).PID
	d, err := l.Detach(a)
	if err != nil || !strings.Contains(d.Text, "wait4") {
		t.Fatalf("detach: %+v %v", d, err)
	}
	if m, _ := l.Member(a); !m.Detached {
		t.Errorf("member not marked detached: %+v", m)
	}
	if _, err := l.Exit(a, 6); err != nil {
		t.Fatal(err)
	}
	if n := nextNote(t, l.Lab, a); !strings.Contains(n.Text, "exited with status 6") || !strings.Contains(n.Text, "reaped") {
		t.Errorf("note: %q", n.Text)
	}
	eventually(t, "the detached child is gone", func() bool { return gone(a) })

	// Child of a forked child: the parent ignores SIGCHLD.
	p := l.must(l.Fork(l.Self())).PID
	c := l.must(l.Fork(p)).PID
	d, err = l.Detach(c)
	if err != nil || d.Syscall != "sigaction(SIGCHLD, SIG_IGN)" {
		t.Fatalf("detach under a forked child: %+v %v", d, err)
	}
	if m, _ := l.Member(p); !m.IgnoresSIGCHLD {
		t.Errorf("parent not marked as ignoring SIGCHLD: %+v", m)
	}
	if _, err := l.Exit(c, 1); err != nil {
		t.Fatal(err)
	}
	if n := nextNote(t, l.Lab, c); !strings.Contains(n.Text, "ignores SIGCHLD") {
		t.Errorf("note: %q", n.Text)
	}
	if !gone(c) {
		t.Errorf("%d left a zombie", c)
	}
	// Its next child inherits the disposition and is reaped the same way.
	c2 := l.must(l.Fork(p)).PID
	if m, _ := l.Member(c2); !m.IgnoresSIGCHLD || !m.Detached {
		t.Errorf("new child of an ignoring parent: %+v", m)
	}
	if _, err := l.Exit(c2, 0); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the second child is gone", func() bool { return gone(c2) })

	// Child of a lab image: a goroutine in the lab image reaps it.
	li := l.must(l.Run(l.Self(), nil)).PID
	k := l.must(l.Fork(li)).PID
	if st := mustStat(t, k); st.ppid != li {
		t.Fatalf("%d has parent %d, want the lab image %d", k, st.ppid, li)
	}
	if d, err = l.Detach(k); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Exit(k, 2); err != nil {
		t.Fatal(err)
	}
	if n := nextNote(t, l.Lab, k); !strings.Contains(n.Text, "exited with status 2") || !strings.Contains(n.Text, strconv.Itoa(li)) {
		t.Errorf("note: %q", n.Text)
	}
	eventually(t, "the lab image's child is gone", func() bool { return gone(k) })
}

// TestDetachZombie: detaching a child that already exited reaps it now.
func TestDetachZombie(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Fork(l.Self())).PID
	if _, err := l.Exit(a, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Detach(a); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the zombie is reaped", func() bool { return gone(a) })
}

func TestRun(t *testing.T) {
	l := newTestLab(t, rawOpts())
	self := mustStat(t, l.Self())

	li := l.must(l.Run(l.Self(), []string{"lab"}))
	m, _ := l.Member(li.PID)
	if m.Kind != KindLabImage || m.Parent != l.Self() || m.ControlFD != 3 {
		t.Errorf("lab image member: %+v", m)
	}
	if st := mustStat(t, li.PID); st.ppid != l.Self() || st.comm != self.comm {
		t.Errorf("lab image: %+v, want a child of %d named %q", st, l.Self(), self.comm)
	}

	sl := l.must(l.Run(l.Self(), []string{"sleep", "300"}))
	if st := mustStat(t, sl.PID); st.comm != "sleep" || st.ppid != l.Self() {
		t.Errorf("sleep: %+v", st)
	}
	if m, _ := l.Member(sl.PID); m.Kind != KindProgram || !slices.Equal(m.Argv, []string{"sleep", "300"}) {
		t.Errorf("sleep member: %+v", m)
	}
	onlyStdio(t, sl.PID)
	for _, fd := range []string{"0", "1", "2"} {
		if target, _ := os.Readlink("/proc/" + strconv.Itoa(sl.PID) + "/fd/" + fd); target != os.DevNull {
			t.Errorf("sleep fd %s is %s, want /dev/null", fd, target)
		}
	}
	if _, err := l.Exit(sl.PID, 0); !errors.Is(err, ErrNoControl) {
		t.Errorf("exit of a program: %v, want ErrNoControl", err)
	}
	if _, err := l.Fork(sl.PID); !errors.Is(err, ErrNoControl) {
		t.Errorf("fork of a program: %v, want ErrNoControl", err)
	}
	if _, err := l.Wait(sl.PID); !errors.Is(err, ErrNotZombie) {
		t.Errorf("wait on a live program: %v, want ErrNotZombie", err)
	}

	argv, err := SplitCommand("sh -c 'exit 7'")
	if err != nil {
		t.Fatal(err)
	}
	sh := l.must(l.Run(l.Self(), argv))
	if n := nextNote(t, l.Lab, sh.PID); !strings.Contains(n.Text, "exited with status 7") {
		t.Errorf("note: %q", n.Text)
	}
	if st := mustStat(t, sh.PID); st.state != 'Z' || st.exit != 7<<8 {
		t.Errorf("sh after exit 7: %+v", st)
	}
	w, err := l.Wait(sh.PID)
	if err != nil || w.Status != "exited 7" {
		t.Errorf("wait for sh: %+v %v", w, err)
	}

	// Under the lab image.
	s2 := l.must(l.Run(li.PID, []string{"sleep", "300"}))
	if st := mustStat(t, s2.PID); st.comm != "sleep" || st.ppid != li.PID {
		t.Errorf("sleep under the lab image: %+v", st)
	}
	if b, _ := os.ReadFile("/proc/" + strconv.Itoa(s2.PID) + "/environ"); strings.Contains(string(b), envLab+"=") {
		t.Errorf("a program the lab image ran inherited %s", envLab)
	}
	onlyStdio(t, s2.PID)
	l2 := l.must(l.Run(li.PID, nil))
	if m, _ := l.Member(l2.PID); m.Kind != KindLabImage || mustStat(t, l2.PID).ppid != li.PID {
		t.Errorf("lab image under the lab image: %+v", m)
	}

	// Under a forked child: it forks and its child execs.
	if l.ForkMode() == "real fork()" {
		a := l.must(l.Fork(l.Self())).PID
		s3 := l.must(l.Run(a, []string{"sleep", "300"}))
		if st := mustStat(t, s3.PID); st.comm != "sleep" || st.ppid != a {
			t.Errorf("sleep under a forked child: %+v", st)
		}
		onlyStdio(t, s3.PID)
		l3 := l.must(l.Run(a, []string{"lab"}))
		m, _ := l.Member(l3.PID)
		if m.Kind != KindLabImage || mustStat(t, l3.PID).ppid != a || mustStat(t, l3.PID).comm != self.comm {
			t.Errorf("lab image exec'd by a forked child: %+v", m)
		}
		// That lab image answers: it can fork.
		l.must(l.Fork(l3.PID))
		if _, err := l.Run(a, []string{"/nonexistent/program"}); err == nil {
			t.Error("running a missing program succeeded")
		}
	}
	if _, err := l.Run(l.Self(), []string{"no-such-command-here"}); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing command: %v", err)
	}
}

func TestLimits(t *testing.T) {
	opts := rawOpts()
	opts.MaxLab = 2
	l := newTestLab(t, opts)
	a := l.must(l.Fork(l.Self())).PID
	l.must(l.Fork(a))
	if _, err := l.Fork(l.Self()); !errors.Is(err, ErrLabFull) || !strings.Contains(err.Error(), "2 lab processes") {
		t.Errorf("third fork: %v, want ErrLabFull", err)
	}
	if _, err := l.Run(l.Self(), []string{"sleep", "1"}); !errors.Is(err, ErrLabFull) {
		t.Errorf("run past the limit: %v, want ErrLabFull", err)
	}
	if len(l.Members()) != 3 {
		t.Errorf("members: %+v", l.Members())
	}
	// A zombie still takes a slot; reaping it frees the slot.
	if _, err := l.Exit(a, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Fork(l.Self()); !errors.Is(err, ErrLabFull) {
		t.Errorf("fork with a zombie in the lab: %v, want ErrLabFull", err)
	}
	if _, err := l.Wait(a); err != nil {
		t.Fatal(err)
	}
	l.must(l.Fork(l.Self()))
}

func TestNotInLab(t *testing.T) {
	l := newTestLab(t, rawOpts())
	parent := os.Getppid()
	for name, act := range map[string]func(int) (Result, error){
		"fork":   l.Fork,
		"exit":   func(pid int) (Result, error) { return l.Exit(pid, 0) },
		"wait":   l.Wait,
		"detach": l.Detach,
		"run":    func(pid int) (Result, error) { return l.Run(pid, []string{"true"}) },
	} {
		_, err := act(parent)
		if !errors.Is(err, ErrNotInLab) {
			t.Errorf("%s on %d: %v, want ErrNotInLab", name, parent, err)
			continue
		}
		want := strconv.Itoa(parent) + " " + commOf(parent) + " is not in the lab"
		if !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %q, want it to start with %q", name, err, want)
		}
	}
	if l.Contains(parent) || !l.Contains(l.Self()) {
		t.Error("Contains is wrong")
	}
	if _, err := l.Exit(l.Self(), 0); !errors.Is(err, ErrSelf) {
		t.Errorf("exit of proctui: %v", err)
	}
	if _, err := l.Exit(l.Self(), 256); err == nil {
		t.Error("exit status 256 accepted")
	}
	if ms := l.Members(); len(ms) != 1 || ms[0].Kind != KindSelf || ms[0].PID != l.Self() {
		t.Errorf("members of an empty lab: %+v", ms)
	}
}

func TestNoRawFork(t *testing.T) {
	t.Setenv(EnvNoRawFork, "1")
	l := newTestLab(t, rawOpts())
	if !strings.Contains(l.ForkMode(), EnvNoRawFork) {
		t.Errorf("fork mode: %q", l.ForkMode())
	}
	r := l.must(l.Fork(l.Self()))
	if !strings.Contains(r.Text, "spawned the lab image instead") || !strings.Contains(r.Text, EnvNoRawFork) {
		t.Errorf("fork text: %q", r.Text)
	}
	if m, _ := l.Member(r.PID); m.Kind != KindLabImage {
		t.Errorf("member: %+v", m)
	}
	// Fork of that lab image spawns a lab image under it too.
	r2 := l.must(l.Fork(r.PID))
	if m, _ := l.Member(r2.PID); m.Kind != KindLabImage || mustStat(t, r2.PID).ppid != r.PID {
		t.Errorf("fork of a lab image: %+v", m)
	}
	if _, err := l.Exit(r2.PID, 3); err != nil {
		t.Fatal(err)
	}
	if st := mustStat(t, r2.PID); st.state != 'Z' || st.exit != 768 {
		t.Errorf("lab image after exit(3): %+v", st)
	}
	w, err := l.Wait(r2.PID)
	if err != nil || w.Status != "exited 3" {
		t.Errorf("wait: %+v %v", w, err)
	}
	w, err = l.Wait(r.PID)
	if err != nil || !strings.Contains(w.Text, "ECHILD") {
		t.Errorf("wait in a childless lab image: %+v %v", w, err)
	}
}

// TestCloseLeavesNothing builds a lab with every kind of process, plus a
// process the lab never heard of (the child of a shell it ran), and checks
// that Close ends and reaps them all.
func TestCloseLeavesNothing(t *testing.T) {
	l := newTestLab(t, rawOpts())
	a := l.must(l.Fork(l.Self())).PID
	l.must(l.Fork(a))
	li := l.must(l.Run(l.Self(), nil)).PID
	l.must(l.Fork(li))
	l.must(l.Run(li, []string{"sleep", "300"}))
	sh := l.must(l.Run(l.Self(), []string{"sh", "-c", "sleep 300 & wait"})).PID
	l.must(l.Run(a, []string{"sleep", "300"}))
	zombie := l.must(l.Fork(l.Self())).PID
	if _, err := l.Exit(zombie, 1); err != nil {
		t.Fatal(err)
	}
	// The sleep the shell started is nobody the lab made directly.
	var hidden int
	eventually(t, "the shell starts its sleep", func() bool {
		for pid, st := range scanProcs() {
			if st.ppid == sh {
				hidden = pid
				return true
			}
		}
		return false
	})
	l.track(hidden)
	start := time.Now()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("Close took %v", time.Since(start).Round(time.Millisecond))
	if _, err := l.Fork(l.Self()); !errors.Is(err, ErrClosed) {
		t.Errorf("fork after Close: %v", err)
	}
	if _, ok := <-l.Notes(); ok {
		// Drain: notes may have been queued; the channel must end.
		for range l.Notes() {
		}
	}
	// newTestLab's cleanup checks that every pid above is gone.
}

func TestConcurrentActions(t *testing.T) {
	l := newTestLab(t, rawOpts())
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := l.Fork(l.Self())
			if err != nil {
				errs <- err
				return
			}
			l.track(r.PID)
			l.Members()
			if _, err := l.Exit(r.PID, 2); err != nil {
				errs <- err
				return
			}
			if w, err := l.Wait(r.PID); err != nil || w.Status != "exited 2" {
				errs <- errors.Join(err, errors.New(w.Text))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(l.Members()); n != 1 {
		t.Errorf("%d members left, want proctui alone", n)
	}
}
