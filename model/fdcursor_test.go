package model

import (
	"strconv"
	"strings"
	"testing"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
)

// cursorTo gives the details pane the keyboard and moves its cursor with
// g and j to descriptor fd of the selected process, its row on screen.
func cursorTo(t *testing.T, m Model, fd int) Model {
	t.Helper()
	if m.focus != focusDetails {
		m, _ = press(m, "tab")
	}
	m, _ = press(m, "g")
	pid := m.tree.sel
	for range 64 {
		if got, ok := m.cursorFD(pid); ok && got == fd && m.details.cursorShown() {
			return m
		}
		m, _ = press(m, "j")
	}
	t.Fatalf("the cursor never reached fd %d of %d:\n%s", fd, pid, detailsText(m))
	return m
}

// fdOf finds the descriptor of pid whose target satisfies match.
func fdOf(t *testing.T, m Model, match func(proctree.FD) bool) int {
	t.Helper()
	for _, f := range m.details.fdsOf(m.tree.sel) {
		if match(f) {
			return f.Num
		}
	}
	t.Fatalf("no such fd in %d's table:\n%s", m.tree.sel, detailsText(m))
	return -1
}

// TestFDCursorActs: in the fd table of a lab image, > acts on the socket
// under the cursor with no prompt, and the row shows both directions; the
// control socket and proctui's own descriptors are refused with a reason.
func TestFDCursorActs(t *testing.T) {
	m, lab := labModel(t)
	a := labImage(t, lab)
	b := labImage(t, lab)
	if _, err := lab.SocketPair(a.PID, b.PID); err != nil {
		t.Fatal(err)
	}
	m = pollNow(t, m)

	// proctui's own table: browsable, not actionable.
	m.tree.selectPID(lab.Self())
	m = readFDTableNow(t, m)
	m, _ = press(m, "tab")
	if m, cmd := press(m, "c"); cmd != nil || !strings.Contains(m.msg, "proctui's own descriptors") {
		t.Fatalf("c on proctui's own fd: %q", m.msg)
	}
	m, _ = press(m, "tab")

	for _, pid := range []int{a.PID, b.PID} {
		m.tree.selectPID(pid)
		m = readFDTableNow(t, m)
		ctl, _ := lab.Member(pid)
		m = cursorTo(t, m, ctl.ControlFD)
		if m2, cmd := press(m, "c"); cmd != nil || !strings.Contains(m2.msg, "control socket") {
			t.Fatalf("c on the control socket: %q", m2.msg)
		}
		sock := fdOf(t, m, func(f proctree.FD) bool { return f.Type == proctree.FDSocket && f.Num != ctl.ControlFD })
		m = cursorTo(t, m, sock)
		var st ActionDoneMsg
		m, st = do(t, m, ">")
		if st.Err != nil || st.Action != "stream" {
			t.Fatalf("> on socket fd %d of %d: %v %q", sock, pid, st.Err, st.Action)
		}
		if m.prompt != nil {
			t.Fatal("> in the fd table opened a prompt")
		}
		m, _ = press(m, "tab")
	}
	m = waitFor(t, m, func(Model) bool {
		mb, _ := lab.Member(a.PID)
		var sent, got int64
		for _, s := range mb.Streams {
			if s.Write {
				sent = s.Bytes
			} else {
				got = s.Bytes
			}
		}
		return sent > 0 && got > 0
	})
	m.tree.selectPID(a.PID)
	m = readFDTableNow(t, m)
	if out := detailsText(m); !strings.Contains(out, "↳ sent ") || !strings.Contains(out, " · received ") {
		t.Errorf("the socket's row lacks both directions:\n%s", out)
	}
}

// TestOpenAndPass: O opens a scratch file (the cursor lands on it), the
// file's row shows its position, P marks it and P on the other lab image
// passes it over their socket pair; esc forgets a mark.
func TestOpenAndPass(t *testing.T) {
	m, lab := labModel(t)
	a := labImage(t, lab)
	b := labImage(t, lab)
	m = pollNow(t, m)
	m.tree.selectPID(a.PID)
	m = readFDTableNow(t, m)

	m, _ = press(m, "O")
	if m.prompt == nil || m.prompt.kind != promptOpen || !strings.Contains(m.prompt.label, "(empty: a scratch file)") {
		t.Fatalf("O: no open prompt (%q)", m.msg)
	}
	m, op := do(t, m, "enter")
	if op.Err != nil {
		t.Fatalf("open: %v", op.Err)
	}
	fd, _ := strconv.Atoi(op.Result.Status)
	m = readFDTableNow(t, m)
	m, _ = press(m, "tab")
	if got, ok := m.cursorFD(a.PID); !ok || got != fd {
		t.Fatalf("after O the cursor is on %d (%v), want the new fd %d", got, ok, fd)
	}
	if out := detailsText(m); !strings.Contains(out, "pos 0") {
		t.Errorf("the scratch file's row does not show its position:\n%s", out)
	}

	// P without a socket between them: marked, then refused with the way out.
	m, _ = press(m, "P")
	if m.passMark.fd != fd || !strings.Contains(m.msg, "pass fd "+strconv.Itoa(fd)+" of "+strconv.Itoa(a.PID)) {
		t.Fatalf("first P: mark %+v, %q", m.passMark, m.msg)
	}
	m, _ = press(m, "esc")
	if m.passMark.pid != 0 {
		t.Fatal("esc did not forget the mark")
	}
	m, _ = press(m, "P")
	m, _ = press(m, "tab")
	m.tree.selectPID(b.PID)
	m, fail := do(t, m, "P")
	if fail.Err == nil || !strings.Contains(fail.Err.Error(), "socket pair") {
		t.Fatalf("P with no socket between them: %v", fail.Err)
	}

	if _, err := lab.SocketPair(a.PID, b.PID); err != nil {
		t.Fatal(err)
	}
	m = pollNow(t, m)
	m.tree.selectPID(a.PID)
	m = readFDTableNow(t, m)
	m = cursorTo(t, m, fd)
	m, _ = press(m, "P")
	m, _ = press(m, "tab")
	m.tree.selectPID(b.PID)
	m, pass := do(t, m, "P")
	if pass.Err != nil {
		t.Fatalf("pass: %v", pass.Err)
	}
	if !strings.Contains(logText(m), "SCM_RIGHTS") {
		t.Errorf("the pass is not narrated:\n%s", logText(m))
	}
	m = readFDTableNow(t, m)
	path := ""
	m.tree.selectPID(a.PID)
	m = readFDTableNow(t, m)
	for _, f := range m.details.fdsOf(a.PID) {
		if f.Num == fd {
			path = f.Target
		}
	}
	m.tree.selectPID(b.PID)
	m = readFDTableNow(t, m)
	if path == "" || fdOf(t, m, func(f proctree.FD) bool { return f.Target == path }) < 0 {
		t.Errorf("%d's table lacks the passed file %q:\n%s", b.PID, path, detailsText(m))
	}
}

// TestFDPromptInTreeFocus: in the tree, c asks which fd, says that tab
// picks a row, and tab takes the typed fd to the table's cursor.
func TestFDPromptInTreeFocus(t *testing.T) {
	m, lab := labModel(t)
	a := labImage(t, lab)
	m = pollNow(t, m)
	m.tree.selectPID(a.PID)
	m = readFDTableNow(t, m)
	m, _ = press(m, "c")
	if m.prompt == nil || !strings.Contains(m.prompt.hint, "tab") {
		t.Fatalf("c in the tree: prompt %+v", m.prompt)
	}
	m.prompt.input.SetValue("1")
	m, _ = press(m, "tab")
	if m.prompt != nil || m.focus != focusDetails {
		t.Fatal("tab in the fd prompt did not go to the table")
	}
	if fd, ok := m.cursorFD(a.PID); !ok || fd != 1 {
		t.Fatalf("cursor on %d (%v), want the typed fd 1", fd, ok)
	}
}

// TestExecLabImage: e works on a lab image too, narrated with what exec
// kept and closed.
func TestExecLabImage(t *testing.T) {
	m, lab := labModel(t)
	a := labImage(t, lab)
	m = pollNow(t, m)
	m.tree.selectPID(a.PID)
	m, _ = press(m, "e")
	if m.prompt == nil || m.prompt.kind != promptExec {
		t.Fatalf("e on a lab image: no prompt (%q)", m.msg)
	}
	m = typeText(m, "sleep 300")
	m, ex := do(t, m, "enter")
	if ex.Err != nil || !strings.Contains(ex.Result.Text, "kept") {
		t.Fatalf("exec: %v %q", ex.Err, ex.Result.Text)
	}
	if mb, _ := lab.Member(a.PID); mb.Kind != sim.KindProgram {
		t.Errorf("after exec %d is %v, want a program", a.PID, mb.Kind)
	}
	if !strings.Contains(logText(m), "kept") {
		t.Errorf("exec not narrated:\n%s", logText(m))
	}
}

// TestOpenWriteMovesPos: a forked child opens a scratch file with O and
// writes a line to it with > under the cursor; the row's position moves
// from 0 to the bytes written.
func TestOpenWriteMovesPos(t *testing.T) {
	m, _ := labModel(t)
	m, _ = forkSelected(t, m)
	m, _ = press(m, "O")
	m, op := do(t, m, "enter")
	if op.Err != nil {
		t.Fatal(op.Err)
	}
	fd, _ := strconv.Atoi(op.Result.Status)
	m = readFDTableNow(t, m)
	m = cursorTo(t, m, fd)
	m, w := do(t, m, ">")
	if w.Err != nil || w.Action != "write" {
		t.Fatalf("> on the file: %v %q", w.Err, w.Action)
	}
	m = readFDTableNow(t, m)
	var pos int64 = -1
	for _, f := range m.details.fdsOf(m.tree.sel) {
		if f.Num == fd {
			pos = f.Offset
		}
	}
	if pos <= 0 || !strings.Contains(detailsText(m), "pos "+strconv.FormatInt(pos, 10)) {
		t.Errorf("after a write fd %d is at %d; row:\n%s", fd, pos, detailsText(m))
	}
}
