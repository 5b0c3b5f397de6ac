package model

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
	"github.com/proctui/proctui/ui"
)

// TestMain lets the test binary play the lab image when the lab re-executes
// it (r with an empty command line).
func TestMain(m *testing.M) {
	if sim.IsLabRole() {
		os.Exit(sim.RunLabRole())
	}
	os.Exit(m.Run())
}

// labModel is the real model on the live process table with a real lab.
func labModel(t *testing.T) (Model, *sim.Lab) {
	t.Helper()
	lab, err := sim.New(sim.Options{MaxLab: 8, Subreaper: true, RawFork: true})
	if err != nil {
		t.Fatalf("the lab did not start: %v", err)
	}
	t.Cleanup(func() { _ = lab.Close() })
	r := proctree.NewProcReader("/proc")
	m := New(Config{Reader: r, DetailReader: proctree.NewProcReader("/proc"), Lab: lab, Interval: time.Hour})
	m = size(m, 120, 40)
	return pollNow(t, m), lab
}

// pollNow runs one poll the way the poll Cmd does.
func pollNow(t *testing.T, m Model) Model {
	t.Helper()
	next, _ := m.Update(readSnapshot(m.cfg.Reader, m.snap, m.cfg.Lab))
	return next.(Model)
}

// do presses a lab key, runs the action it starts (the kernel answers
// before it returns), hands the answer back and polls, as the program
// would.
func do(t *testing.T, m Model, keys ...string) (Model, ActionDoneMsg) {
	t.Helper()
	var cmd tea.Cmd
	for _, k := range keys {
		m, cmd = press(m, k)
	}
	if cmd == nil {
		t.Fatalf("keys %q started no action; status %q", keys, m.msg)
	}
	done, ok := cmd().(ActionDoneMsg)
	if !ok {
		t.Fatalf("keys %q did not end in an ActionDoneMsg", keys)
	}
	next, poll := m.Update(done)
	m = next.(Model)
	if poll == nil {
		t.Fatal("an action did not trigger a poll")
	}
	next, _ = m.Update(poll())
	return next.(Model), done
}

func procStat(pid int) (state byte, ppid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ppid, _ = strconv.Atoi(f[1])
	return f[0][0], ppid, true
}

func TestLabKeys(t *testing.T) {
	m, lab := labModel(t)
	self := os.Getpid()
	if m.tree.sel != self {
		t.Fatalf("not on proctui's row at start (on %d)", m.tree.sel)
	}

	// f twice on proctui: two children, the selection stays put.
	m, first := do(t, m, "f")
	if first.Err != nil {
		t.Fatalf("fork: %v", first.Err)
	}
	m, second := do(t, m, "f")
	if second.Err != nil {
		t.Fatalf("fork: %v", second.Err)
	}
	if m.tree.sel != self {
		t.Errorf("after f the selection moved to %d", m.tree.sel)
	}
	for _, res := range []ActionDoneMsg{first, second} {
		kid := res.Result.PID
		if _, ppid, ok := procStat(kid); !ok || ppid != self {
			t.Fatalf("fork child %d: in /proc %v, ppid %d (want %d)", kid, ok, ppid, self)
		}
		r := rowOf(t, m, kid)
		if r.Mark.Kind != ui.MarkNew || r.Lab.Kind != ui.LabForked || m.tree.rows[r.Parent].Proc.PID != self {
			t.Errorf("row of the new child %d: %+v", kid, *r)
		}
	}
	if !strings.Contains(logText(m), first.Result.Text) {
		t.Error("the fork was not narrated")
	}

	// x on the first child with status 3: a zombie that keeps it.
	kid := first.Result.PID
	m.tree.selectPID(kid)
	m, _ = press(m, "x")
	if m.prompt == nil || m.prompt.kind != promptExit {
		t.Fatal("x did not ask for a status")
	}
	m = typeText(m, "3")
	m, exit := do(t, m, "enter")
	if exit.Err != nil {
		t.Fatalf("exit: %v", exit.Err)
	}
	m = waitFor(t, m, func(m Model) bool {
		r := m.tree.rows[max(0, ui.Index(m.tree.rows, kid))]
		return r.Proc.PID == kid && r.Proc.State == 'Z'
	})
	r := rowOf(t, m, kid)
	if !r.Proc.HasExit || !r.Proc.Exit.Exited() || r.Proc.Exit.ExitCode() != 3 {
		t.Fatalf("the zombie's status is %v", r.Proc.Exit)
	}
	if st, _, _ := procStat(kid); st != 'Z' {
		t.Fatalf("/proc says %d is %c, not a zombie", kid, st)
	}
	// Told once, by the action; the poll that saw the zombie adds nothing.
	if log := logText(m); !strings.Contains(log, strconv.Itoa(kid)+" called exit(3)") ||
		strings.Contains(log, strconv.Itoa(kid)+" exited with status 3") {
		t.Errorf("the exit should be narrated once, by the action:\n%s", log)
	}

	// w: the parent reaps it; it stays a moment as a ghost.
	m, wait := do(t, m, "w")
	if wait.Err != nil {
		t.Fatalf("wait: %v", wait.Err)
	}
	if _, _, ok := procStat(kid); ok {
		t.Fatalf("%d is still in /proc after wait", kid)
	}
	if g := rowOf(t, m, kid); g.Ghost == nil || g.Ghost.Status != "reaped (exited 3)" {
		t.Fatalf("no ghost row for the reaped child: %+v", *g)
	}

	// d then x 0 on the second child: its parent reaps it by itself.
	kid2 := second.Result.PID
	m.tree.selectPID(kid2)
	m, det := do(t, m, "d")
	if det.Err != nil {
		t.Fatalf("detach: %v", det.Err)
	}
	if !rowOf(t, m, kid2).Lab.Detached {
		t.Error("the detached child is not marked")
	}
	m, _ = press(m, "x")
	m, exit = do(t, m, "enter")
	if exit.Err != nil {
		t.Fatalf("exit 0: %v", exit.Err)
	}
	m = waitFor(t, m, func(Model) bool { _, _, ok := procStat(kid2); return !ok })

	// r: run a program under proctui.
	m.tree.selectPID(self)
	m, _ = press(m, "r")
	if m.prompt == nil || m.prompt.kind != promptRun {
		t.Fatal("r did not ask for a command")
	}
	m = typeText(m, "sleep 300 ; cat")
	m, cmd := press(m, "enter")
	if cmd != nil || m.prompt == nil || !strings.Contains(m.msg, "sh -c") {
		t.Fatalf("a ; was not refused with a hint: prompt %v, message %q", m.prompt != nil, m.msg)
	}
	for range len(" ; cat") {
		m, _ = press(m, "backspace")
	}
	m, run := do(t, m, "enter")
	if run.Err != nil {
		t.Fatalf("run: %v", run.Err)
	}
	sleeper := run.Result.PID
	if _, ppid, ok := procStat(sleeper); !ok || ppid != self {
		t.Fatalf("sleep %d: in /proc %v, ppid %d", sleeper, ok, ppid)
	}
	if r := rowOf(t, m, sleeper); ui.Command(r.Proc) != "sleep 300" || r.Lab.Kind != ui.LabProgram {
		t.Errorf("row of the program: %q %v", ui.Command(r.Proc), r.Lab.Kind)
	}

	// Outside the lab nothing happens, and the status line says why.
	m, _ = press(m, "a")
	m.tree.selectPID(1)
	m, cmd = press(m, "f")
	if cmd != nil || !strings.Contains(m.msg, "is not in the lab") {
		t.Fatalf("f on pid 1: cmd %v, message %q", cmd != nil, m.msg)
	}

	// q ends the lab: every lab process killed and reaped, then quit.
	pids := []int{sleeper}
	for _, mb := range lab.Members() {
		if mb.PID != self {
			pids = append(pids, mb.PID)
		}
	}
	_, cmd = press(m, "q")
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q did not quit")
	}
	for _, pid := range pids {
		if _, _, ok := procStat(pid); ok {
			t.Errorf("lab process %d is still in /proc after quit", pid)
		}
	}
}

func TestLabRefusesProctuiExit(t *testing.T) {
	m, _ := labModel(t)
	m, cmd := press(m, "x")
	if cmd != nil || m.prompt != nil || !strings.Contains(m.msg, "q quits") {
		t.Fatalf("x on proctui: prompt %v, message %q", m.prompt != nil, m.msg)
	}
}

// waitFor polls until cond holds: the kernel does some things (a detached
// child's reaping) a moment after the call that caused them returns.
func waitFor(t *testing.T, m Model, cond func(Model) bool) Model {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond(m) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the kernel")
		}
		time.Sleep(20 * time.Millisecond)
		m = pollNow(t, m)
	}
	return m
}

func logText(m Model) string {
	var b strings.Builder
	for _, e := range m.log {
		b.WriteString(e.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// labImage runs the lab image under proctui, as r and enter do.
func labImage(t *testing.T, lab *sim.Lab) sim.Result {
	t.Helper()
	r, err := lab.Run(lab.Self(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// forkSelected forks proctui with f (skipping the test where real fork()
// is not available), selects the child and reads its details.
func forkSelected(t *testing.T, m Model) (Model, int) {
	t.Helper()
	if mode := m.cfg.Lab.ForkMode(); mode != "real fork()" {
		t.Skip(mode)
	}
	m, f := do(t, m, "f")
	if f.Err != nil {
		t.Fatal(f.Err)
	}
	m.tree.selectPID(f.Result.PID)
	return readFDTableNow(t, m), f.Result.PID
}
