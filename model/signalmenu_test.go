package model

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/proctui/proctui/sim"
)

func TestNarrow(t *testing.T) {
	for q, first := range map[string]int{"TERM": 15, "term": 15, "15": 15, "SIGUSR1": 10, "usr2": 12, "9": 9, "STOP": 19} {
		got := narrow(q)
		if len(got) == 0 || got[0] != first {
			t.Errorf("narrow(%q) = %v, want %d first", q, got, first)
		}
	}
	if got := narrow("usr"); len(got) != 2 {
		t.Errorf("narrow(usr) = %v", got)
	}
	if got := narrow("nosuchsignal"); len(got) != 0 {
		t.Errorf("narrow(nosuchsignal) = %v", got)
	}
}

// TestSignalOutsideTheLabNeedsConfirmation: a sleep the test started (not
// a lab process) receives nothing until the user presses y.
func TestSignalOutsideTheLabNeedsConfirmation(t *testing.T) {
	m, _ := labModel(t)
	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	m = pollNow(t, m)
	if !m.tree.selectPID(pid) {
		t.Fatalf("the sleep %d is not on screen", pid)
	}
	alive := func() {
		t.Helper()
		time.Sleep(50 * time.Millisecond)
		if st, _, ok := procStat(pid); !ok || st != 'S' {
			t.Fatalf("sleep %d: state %c, in /proc %v; want S", pid, st, ok)
		}
	}
	// Any key but y cancels; esc cancels.
	for _, answer := range []string{"n", "esc", "enter"} {
		m, _ = press(m, "s")
		m = typeText(m, "TERM")
		var c1, c2 tea.Cmd
		m, c1 = press(m, "enter")
		if m.menu == nil || m.menu.step != stepConfirm || !strings.Contains(m.menu.why, "not in the lab") {
			t.Fatalf("no confirmation asked: %+v", m.menu)
		}
		m.render()
		m, c2 = press(m, answer)
		if c1 != nil || c2 != nil {
			t.Fatalf("%q started an action", answer)
		}
		if m.menu != nil || !strings.Contains(m.msg, "not sent") {
			t.Errorf("after %q: menu %v, status %q", answer, m.menu, m.msg)
		}
		m.render()
		alive()
	}
	// y sends it.
	m, _ = press(m, "s")
	m = typeText(m, "CONT")
	m, _ = press(m, "enter")
	m, done := do(t, m, "y")
	if done.Err != nil || !strings.HasPrefix(done.Result.Text, "kill(") {
		t.Fatalf("y: %+v", done)
	}
	alive()
}

// TestSignalNeedsNameForProctui: proctui itself needs the name in full;
// anything else typed sends nothing.
func TestSignalNeedsNameForProctui(t *testing.T) {
	m, lab := labModel(t)
	m.tree.selectPID(lab.Self())
	m, _ = press(m, "s")
	m = typeText(m, "usr1")
	m, _ = press(m, "enter")
	if m.menu == nil || m.menu.step != stepTypeIt {
		t.Fatalf("no typed confirmation: %+v", m.menu)
	}
	m = typeText(m, "USR")
	m, cmd := press(m, "enter")
	if cmd != nil || m.menu == nil || m.menu.err == "" {
		t.Fatalf("a partial name sent it: %+v", m.menu)
	}
	m.render()
	m, _ = press(m, "esc")
	if m.menu != nil {
		t.Fatal("esc did not close the menu")
	}
}

// TestSignalStopContinueAndDispositions drives a lab image with keys: STOP,
// CONT, catch USR1 and count it, ignore TERM.
func TestSignalStopContinueAndDispositions(t *testing.T) {
	m, lab := labModel(t)
	m, run := do(t, m, "r", "enter")
	if run.Err != nil {
		t.Fatal(run.Err)
	}
	pid := run.Result.PID
	m.tree.selectPID(pid)
	send := func(name string) ActionDoneMsg {
		t.Helper()
		var done ActionDoneMsg
		m, _ = press(m, "s")
		m = typeText(m, name)
		m.render()
		m, done = do(t, m, "enter")
		if done.Err != nil {
			t.Fatalf("%s: %v", name, done.Err)
		}
		return done
	}
	done := send("STOP")
	if !strings.Contains(m.msg, "kill(") || !strings.Contains(m.msg, "SIGSTOP) = 0") {
		t.Errorf("status %q", m.msg)
	}
	if !strings.Contains(logText(m), done.Result.Text) {
		t.Error("not narrated")
	}
	waitState(t, pid, "T")
	send("CONT")
	waitState(t, pid, "SR")

	// i: catch USR1 (the list opens on USR1), then send it.
	m, _ = press(m, "i")
	if m.menu == nil || m.menu.kind != menuDisp || m.menu.items[m.menu.sel] != int(syscall.SIGUSR1) {
		t.Fatalf("dispositions list: %+v", m.menu)
	}
	m.render()
	m, d := do(t, m, "c")
	if d.Err != nil {
		t.Fatal(d.Err)
	}
	m, _ = press(m, "esc")
	send("USR1")
	deadline := time.Now().Add(5 * time.Second)
	for {
		m = pollNow(t, m)
		if mb, ok := lab.Member(pid); ok && len(mb.Caught) > 0 && caughtOf(mb, int(syscall.SIGUSR1)) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("USR1 was not counted")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// KILL cannot be caught: the UI says so.
	m, _ = press(m, "i")
	m.menu.sel = int(syscall.SIGKILL) - 1
	m, d = do(t, m, "i")
	if d.Err == nil || !strings.Contains(m.msg, "cannot be caught") {
		t.Errorf("ignore KILL: %v, status %q", d.Err, m.msg)
	}
}

// TestDispositionsForkedChild: default and ignore only; c says why not.
func TestDispositionsForkedChild(t *testing.T) {
	m, lab := labModel(t)
	if lab.ForkMode() != "real fork()" {
		t.Skip(lab.ForkMode())
	}
	m, f := do(t, m, "f")
	if f.Err != nil {
		t.Fatal(f.Err)
	}
	m.tree.selectPID(f.Result.PID)
	m, _ = press(m, "i")
	if m.menu == nil || !m.menu.forkd {
		t.Fatalf("menu %+v", m.menu)
	}
	m.menu.sel = int(syscall.SIGINT) - 1
	m, cmd := press(m, "c")
	if cmd != nil || !strings.Contains(m.msg, "Go runtime") {
		t.Errorf("catch in a forked child: status %q", m.msg)
	}
	m, d := do(t, m, "i")
	if d.Err != nil || !strings.Contains(d.Result.Text, "SIG_IGN") {
		t.Fatalf("ignore INT: %+v", d)
	}
}

func caughtOf(mb sim.Member, sig int) int64 {
	for _, c := range mb.Caught {
		if c.Sig == sig {
			return c.Count
		}
	}
	return 0
}

func waitState(t *testing.T, pid int, states string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, _, ok := procStat(pid)
		if ok && strings.IndexByte(states, st) >= 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d: state %c, want one of %s", pid, st, states)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
