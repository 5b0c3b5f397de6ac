package model

import (
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// readFDTableNow runs the details read the way the program would.
func readFDTableNow(t *testing.T, m Model) Model {
	t.Helper()
	m.details.seq++
	cmd := m.readDetails()
	if cmd == nil {
		t.Fatal("no details read started")
	}
	next, _ := m.Update(cmd())
	return next.(Model)
}

func detailsText(m Model) string {
	var b strings.Builder
	for _, l := range m.details.lines {
		b.WriteString(ansi.Strip(l))
		b.WriteByte('\n')
	}
	return b.String()
}

// TestPipeKeys: p on one forked child, p on another: a pipe between them,
// each fd table naming the other end; > and < move a line through it; c
// closes the write end and < then reads end of file.
func TestPipeKeys(t *testing.T) {
	m, lab := labModel(t)
	if lab.ForkMode() != "real fork()" {
		t.Skip(lab.ForkMode())
	}
	m, a := do(t, m, "f")
	m, b := do(t, m, "f")
	if a.Err != nil || b.Err != nil {
		t.Fatalf("fork: %v %v", a.Err, b.Err)
	}
	wpid, rpid := a.Result.PID, b.Result.PID

	m.tree.selectPID(wpid)
	m, cmd := press(m, "p")
	if cmd != nil || !strings.Contains(m.msg, "will hold the write end") {
		t.Fatalf("first p: %q", m.msg)
	}
	m.tree.selectPID(rpid)
	m, done := do(t, m, "p")
	if done.Err != nil {
		t.Fatalf("pipe: %v", done.Err)
	}
	if !strings.Contains(logText(m), "pipe() in "+strconv.Itoa(wpid)) {
		t.Errorf("not narrated: %s", logText(m))
	}
	// The reader got the read end as fd 3; the writer kept fd 4.
	m.tree.selectPID(wpid)
	m = readFDTableNow(t, m)
	if want := "→ " + strconv.Itoa(rpid) + " fd 3"; !strings.Contains(detailsText(m), want) {
		t.Errorf("writer's fd table lacks %q:\n%s", want, detailsText(m))
	}

	// > on the writer offers its write end, fd 4.
	m, _ = press(m, ">")
	if m.prompt == nil || m.prompt.input.Value() != "4" {
		t.Fatalf("> prompt: %+v", m.prompt)
	}
	m, w := do(t, m, "enter")
	if w.Err != nil || !strings.Contains(w.Result.Text, "returned") {
		t.Fatalf("write: %v %q", w.Err, w.Result.Text)
	}
	m.tree.selectPID(rpid)
	m = readFDTableNow(t, m)
	m, _ = press(m, "<")
	if m.prompt == nil || m.prompt.input.Value() != "3" {
		t.Fatalf("< prompt: %+v", m.prompt)
	}
	m, r := do(t, m, "enter")
	if want := strconv.Itoa(len("hello from " + strconv.Itoa(wpid) + "\n")); r.Err != nil || r.Result.Status != want {
		t.Fatalf("read: %v %q, want %s bytes", r.Err, r.Result.Text, want)
	}

	// c closes the writer's fd 4; the reader then reads end of file.
	m.tree.selectPID(wpid)
	m, _ = press(m, "c")
	m.prompt.input.SetValue("4")
	m, c := do(t, m, "enter")
	if c.Err != nil {
		t.Fatalf("close: %v", c.Err)
	}
	m.tree.selectPID(rpid)
	m, _ = press(m, "<")
	m.prompt.input.SetValue("3")
	_, eof := do(t, m, "enter")
	if !strings.Contains(eof.Result.Text, "read() returned 0") && !strings.Contains(eof.Result.Text, "returned 0: end of file") {
		t.Errorf("after close: %v %q", eof.Err, eof.Result.Text)
	}
}

// TestStreamKeys: between two lab images, > starts a line a second and <
// reads them; the fd rows show the byte counts the lab images report.
func TestStreamKeys(t *testing.T) {
	m, lab := labModel(t)
	a := labImage(t, lab)
	b := labImage(t, lab)
	p, err := lab.Pipe(a.PID, b.PID)
	if err != nil {
		t.Fatal(err)
	}
	m = pollNow(t, m)
	m.tree.selectPID(b.PID)
	m = readFDTableNow(t, m)
	m, _ = press(m, "<")
	if m.prompt == nil || m.prompt.input.Value() == "" {
		t.Fatalf("< offered no read end: %+v (%s)", m.prompt, p.Text)
	}
	rfd := m.prompt.input.Value()
	m, r := do(t, m, "enter")
	if r.Err != nil || r.Action != "stream" {
		t.Fatalf("< on a lab image: %v %q", r.Err, r.Action)
	}
	m.tree.selectPID(a.PID)
	m = readFDTableNow(t, m)
	m, _ = press(m, ">")
	wfd := m.prompt.input.Value()
	m, w := do(t, m, "enter")
	if w.Err != nil {
		t.Fatal(w.Err)
	}
	m = waitFor(t, m, func(m Model) bool {
		mb, _ := lab.Member(b.PID)
		return len(mb.Streams) == 1 && mb.Streams[0].Bytes > 0
	})
	m.tree.selectPID(b.PID)
	m = readFDTableNow(t, m)
	if !strings.Contains(detailsText(m), "read ") || !strings.Contains(detailsText(m), " B") {
		t.Errorf("reader's fd %s row lacks its count:\n%s", rfd, detailsText(m))
	}
	m.tree.selectPID(a.PID)
	m = readFDTableNow(t, m)
	if !strings.Contains(detailsText(m), "wrote ") {
		t.Errorf("writer's fd %s row lacks its count:\n%s", wfd, detailsText(m))
	}
}

// TestExecAndEnvKeys: * marks a descriptor close-on-exec and e execs a
// program, narrating what was kept and closed; V sets a variable in a lab
// image and its details say so.
func TestExecAndEnvKeys(t *testing.T) {
	m, lab := labModel(t)
	if lab.ForkMode() != "real fork()" {
		t.Skip(lab.ForkMode())
	}
	m, f := do(t, m, "f")
	c := f.Result.PID
	m.tree.selectPID(c)
	m, _ = press(m, "p")
	if m.msg == "" {
		t.Fatal("no mark message")
	}
	m, pipe := do(t, m, "p")
	if pipe.Err != nil {
		t.Fatal(pipe.Err)
	}
	m, _ = press(m, "*")
	m.prompt.input.SetValue("3")
	m, tg := do(t, m, "enter")
	if tg.Err != nil {
		t.Fatal(tg.Err)
	}
	m, _ = press(m, "e")
	if m.prompt == nil || m.prompt.kind != promptExec {
		t.Fatalf("e: no exec prompt (%q)", m.msg)
	}
	m = typeText(m, "sleep 300")
	m, ex := do(t, m, "enter")
	if ex.Err != nil || !strings.Contains(ex.Result.Text, "kept 0 1 2 4; closed 3 (close-on-exec)") {
		t.Errorf("exec: %v %q", ex.Err, ex.Result.Text)
	}

	img := labImage(t, lab)
	m = pollNow(t, m)
	m.tree.selectPID(img.PID)
	m, _ = press(m, "V")
	if m.prompt == nil || m.prompt.kind != promptSetEnv {
		t.Fatalf("V: no prompt (%q)", m.msg)
	}
	m = typeText(m, "LESSON=fds")
	m, env := do(t, m, "enter")
	if env.Err != nil {
		t.Fatal(env.Err)
	}
	m = readFDTableNow(t, m)
	if !strings.Contains(detailsText(m), "LESSON=fds") {
		t.Errorf("details lack the change:\n%s", detailsText(m))
	}
}
