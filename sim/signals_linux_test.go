package sim

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/proctree"
)

func mustSignals(t *testing.T, pid int) proctree.Signals {
	t.Helper()
	s, ok := readSignals(pid)
	if !ok {
		t.Fatalf("no /proc/%d/status", pid)
	}
	return s
}

func caughtCount(l *Lab, pid, sig int) int64 {
	m, _ := l.Member(pid)
	for _, c := range m.Caught {
		if c.Sig == sig {
			return c.Count
		}
	}
	return 0
}

// exitedAll: every thread of pid has exited (the leader shows Z as soon as
// it has, while the others may still be on their way out, and until they
// are gone wait4 has nothing to report).
func exitedAll(l *Lab, pid int) bool {
	m, _ := l.Member(pid)
	st, ok := readStat(pid)
	return m.Exited && ok && st.state == 'Z'
}

// threadsBlock reports whether every thread of pid blocks sig.
func threadsBlock(t *testing.T, pid, sig int) bool {
	t.Helper()
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		if !proctree.ParseStatusSignals(b).Blocked.Has(sig) {
			return false
		}
	}
	return true
}

// TestLabImageSignalMatrix sends each kind of signal to a lab image with
// each disposition and checks what /proc/PID/status and the state say.
func TestLabImageSignalMatrix(t *testing.T) {
	l := newTestLab(t, rawOpts())
	lab := l.must(l.Run(l.Self(), nil)).PID
	usr1, usr2, term := int(unix.SIGUSR1), int(unix.SIGUSR2), int(unix.SIGTERM)

	// Fresh: the signals the lab image lets a user change start at the
	// kernel's default, SIGCHLD is caught (counted).
	s := mustSignals(t, lab)
	if s.Caught.Has(usr1) || s.Ignored.Has(usr1) || s.Blocked.Has(usr1) || !s.Caught.Has(int(unix.SIGCHLD)) {
		t.Errorf("fresh lab image: caught %v ignored %v blocked %v", s.Caught.Names(), s.Ignored.Names(), s.Blocked.Names())
	}

	// Catch USR1, send it twice: counted twice, SigCgt has it.
	l.must(l.SetDisposition(lab, usr1, DispCatch))
	if !mustSignals(t, lab).Caught.Has(usr1) {
		t.Error("SigCgt lacks USR1 after catch")
	}
	for i := 0; i < 2; i++ {
		r := l.must(l.Signal(lab, usr1))
		if want := "kill(" + strconv.Itoa(lab) + ", SIGUSR1) = 0"; !strings.HasPrefix(r.Text, want) || !strings.Contains(r.Text, "catches") {
			t.Errorf("signal text %q", r.Text)
		}
		n := int64(i + 1)
		eventually(t, "USR1 counted "+strconv.FormatInt(n, 10)+" times", func() bool { return caughtCount(l.Lab, lab, usr1) == n })
	}
	if st := mustStat(t, lab); st.state == 'Z' {
		t.Fatal("the lab image died of a caught USR1")
	}

	// Ignore TERM, send it: still alive, SigIgn has it.
	l.must(l.SetDisposition(lab, term, DispIgnore))
	if !mustSignals(t, lab).Ignored.Has(term) {
		t.Error("SigIgn lacks TERM after ignore")
	}
	r := l.must(l.Signal(lab, term))
	if !strings.Contains(r.Text, "ignores SIGTERM") {
		t.Errorf("text %q", r.Text)
	}
	if _, err := l.Wait(lab); err != nil { // a no-op wait gives the signal time to land
		t.Fatal(err)
	}
	if st := mustStat(t, lab); st.state == 'Z' {
		t.Fatal("the lab image died of an ignored TERM")
	}

	// SIGCHLD: the lab image counts one when its child stops, one when
	// it dies.
	kid := l.must(l.Run(lab, []string{"sleep", "300"})).PID
	chld := int(unix.SIGCHLD)
	l.must(l.Signal(kid, int(unix.SIGSTOP)))
	eventually(t, "SIGCHLD for the stop", func() bool { return caughtCount(l.Lab, lab, chld) == 1 })
	l.must(l.Signal(kid, int(unix.SIGKILL)))
	eventually(t, "SIGCHLD for the death", func() bool { return caughtCount(l.Lab, lab, chld) == 2 })
	eventually(t, "the sleep a zombie", func() bool { return exitedAll(l.Lab, kid) })
	if w := l.must(l.Wait(kid)); w.Status != "killed by SIGKILL" {
		t.Errorf("wait for the sleep: %+v", w)
	}

	// STOP → T, CONT → running again.
	l.must(l.Signal(lab, int(unix.SIGSTOP)))
	eventually(t, "state T", func() bool { return mustStat(t, lab).state == 'T' })
	l.must(l.Signal(lab, int(unix.SIGCONT)))
	eventually(t, "state S or R", func() bool { st := mustStat(t, lab).state; return st == 'S' || st == 'R' })

	// Block USR2 (default action: terminate) and send it: it waits in
	// the shared pending set, blocked by every thread; the process lives.
	l.must(l.SetDisposition(lab, usr2, DispBlock))
	if !mustSignals(t, lab).Blocked.Has(usr2) || !threadsBlock(t, lab, usr2) {
		t.Error("USR2 not blocked on every thread")
	}
	r = l.must(l.Signal(lab, usr2))
	if !strings.Contains(r.Text, "pending") {
		t.Errorf("text %q", r.Text)
	}
	eventually(t, "USR2 pending", func() bool { s := mustSignals(t, lab); return s.SharedPending.Has(usr2) || s.Pending.Has(usr2) })
	if st := mustStat(t, lab); st.state == 'Z' {
		t.Fatal("a blocked USR2 was delivered")
	}
	// A caught signal blocked too: pending, not counted, until unblocked.
	l.must(l.SetDisposition(lab, usr1, DispBlock))
	l.must(l.Signal(lab, usr1))
	eventually(t, "USR1 pending", func() bool { return mustSignals(t, lab).SharedPending.Has(usr1) })
	if n := caughtCount(l.Lab, lab, usr1); n != 2 {
		t.Errorf("a blocked USR1 was counted: %d", n)
	}
	l.must(l.SetDisposition(lab, usr1, DispUnblock))
	eventually(t, "USR1 delivered on unblock", func() bool { return caughtCount(l.Lab, lab, usr1) == 3 })

	// Unblock USR2: delivered at once, and its default action ends it.
	l.must(l.SetDisposition(lab, usr2, DispUnblock))
	eventually(t, "killed by USR2", func() bool { return exitedAll(l.Lab, lab) })
	if ws := proctree.WaitStatus(mustStat(t, lab).exit); ws.String() != "killed by SIGUSR2" {
		t.Errorf("status %s", ws)
	}
	w := l.must(l.Wait(lab))
	if w.Status != "killed by SIGUSR2" {
		t.Errorf("wait: %+v", w)
	}
}

func TestLabImageKillAndRefusals(t *testing.T) {
	l := newTestLab(t, rawOpts())
	lab := l.must(l.Run(l.Self(), nil)).PID
	for _, sig := range []int{int(unix.SIGKILL), int(unix.SIGSTOP)} {
		for _, d := range []Disposition{DispIgnore, DispCatch, DispBlock} {
			if _, err := l.SetDisposition(lab, sig, d); !errors.Is(err, ErrUncatchable) {
				t.Errorf("%s %v: %v", proctree.SignalName(sig), d, err)
			}
		}
	}
	if _, err := l.SetDisposition(lab, int(unix.SIGTERM), DispBlock); err == nil || !strings.Contains(err.Error(), "Go runtime") {
		t.Errorf("block TERM: %v", err)
	}
	if _, err := l.Signal(-1, int(unix.SIGTERM)); !errors.Is(err, ErrNotAGroup) {
		t.Errorf("kill(-1): %v", err)
	}
	if _, err := l.Signal(0, int(unix.SIGTERM)); !errors.Is(err, ErrNotAGroup) {
		t.Errorf("kill(0): %v", err)
	}
	r := l.must(l.Signal(lab, int(unix.SIGKILL)))
	if !strings.Contains(r.Text, "cannot be caught") {
		t.Errorf("text %q", r.Text)
	}
	eventually(t, "zombie", func() bool { return exitedAll(l.Lab, lab) })
	w := l.must(l.Wait(lab))
	if w.Status != "killed by SIGKILL" {
		t.Errorf("wait: %+v", w)
	}
}

// TestForkedIgnoreThenDefault: a forked child ignores INT and lives; back
// at the default, INT kills it.
func TestForkedIgnoreThenDefault(t *testing.T) {
	l := newTestLab(t, rawOpts())
	skipWithoutRawFork(t, l.Lab)
	pid := l.must(l.Fork(l.Self())).PID
	sigint := int(unix.SIGINT)
	if _, err := l.SetDisposition(pid, sigint, DispCatch); !errors.Is(err, ErrNoCatchInFork) {
		t.Errorf("catch in a forked child: %v", err)
	}
	l.must(l.SetDisposition(pid, sigint, DispIgnore))
	if !mustSignals(t, pid).Ignored.Has(sigint) {
		t.Error("SigIgn lacks INT")
	}
	l.must(l.Signal(pid, sigint))
	// The child answers a ping only once INT has come and gone.
	if _, err := l.Wait(pid); err != nil {
		t.Fatal(err)
	}
	if st := mustStat(t, pid); st.state == 'Z' {
		t.Fatal("an ignored INT killed the child")
	}
	l.must(l.SetDisposition(pid, sigint, DispDefault))
	if mustSignals(t, pid).Ignored.Has(sigint) {
		t.Error("SigIgn still has INT")
	}
	l.must(l.Signal(pid, sigint))
	eventually(t, "zombie", func() bool { return exitedAll(l.Lab, pid) })
	if ws := proctree.WaitStatus(mustStat(t, pid).exit); ws.String() != "killed by SIGINT" {
		t.Errorf("status %s", ws)
	}
	if w := l.must(l.Wait(pid)); w.Status != "killed by SIGINT" {
		t.Errorf("wait: %+v", w)
	}
}

// TestSignalGuard: outside the lab needs a confirmation, proctui and its
// ancestors and init the name typed in full; a lab process neither.
func TestSignalGuard(t *testing.T) {
	l := newTestLab(t, rawOpts())
	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if g, why := l.SignalGuard(cmd.Process.Pid); g != GuardConfirm || !strings.Contains(why, "not in the lab") {
		t.Errorf("sleep outside the lab: %v %q", g, why)
	}
	for _, pid := range []int{1, l.Self(), os.Getppid()} {
		if g, _ := l.SignalGuard(pid); g != GuardTypeName {
			t.Errorf("%d: guard %v, want the name typed", pid, g)
		}
	}
	lab := l.must(l.Run(l.Self(), []string{"sleep", "300"})).PID
	if g, _ := l.SignalGuard(lab); g != GuardNone {
		t.Errorf("lab process: guard %v", g)
	}
}
