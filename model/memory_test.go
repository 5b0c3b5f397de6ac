package model

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
)

// readDetailsNow runs the details read of the selected process, as the
// Cmd the poll started would.
func readDetailsNow(t *testing.T, m Model) Model {
	t.Helper()
	m.details.busy = false
	cmd := m.readDetails()
	if cmd == nil {
		t.Fatal("no details read for the selection")
	}
	next, _ := m.Update(cmd())
	return next.(Model)
}

// TestMemoryKey: f, then m + enter on the child writes the default quarter
// of an 8 MiB buffer; the kernel copies those pages for the child, and the
// memory panel shows the child beside its parent. m again changes nothing.
func TestMemoryKey(t *testing.T) {
	lab, err := sim.New(sim.Options{MaxLab: 8, Subreaper: true, RawFork: true, CowMiB: 8})
	if err != nil {
		t.Fatalf("the lab did not start: %v", err)
	}
	t.Cleanup(func() { _ = lab.Close() })
	if lab.ForkMode() != "real fork()" {
		t.Skipf("needs real fork(): %s", lab.ForkMode())
	}
	m := New(Config{Reader: proctree.NewProcReader("/proc"), DetailReader: proctree.NewProcReader("/proc"), Lab: lab, Interval: time.Hour})
	m = pollNow(t, size(m, 120, 60))
	self := os.Getpid()

	m, f := do(t, m, "f")
	if f.Err != nil {
		t.Fatal(f.Err)
	}
	kid := f.Result.PID
	m.tree.selectPID(kid)
	m = readDetailsNow(t, m)
	before := m.details.data.Smaps
	if m.details.parent == nil || m.details.parent.PID != self {
		t.Fatalf("the parent's smaps_rollup was not read beside the child's: %+v", m.details.parent)
	}

	m, _ = press(m, "m")
	if m.prompt == nil || m.prompt.kind != promptMemory || m.prompt.input.Placeholder != "2" {
		t.Fatalf("m did not ask how many MiB with a default of 2 (a quarter of 8): %+v", m.prompt)
	}
	m = typeText(m, "9")
	if m, _ = press(m, "enter"); m.prompt == nil || !strings.Contains(m.prompt.err, "from 1 to 8") {
		t.Fatal("9 MiB of an 8 MiB buffer was not refused in the prompt")
	}
	m, _ = press(m, "backspace")
	m, done := do(t, m, "enter")
	if done.Err != nil {
		t.Fatal(done.Err)
	}
	if !strings.Contains(done.Result.Text, "copied 512 pages") {
		t.Errorf("narration: %q", done.Result.Text)
	}
	if !strings.Contains(logText(m), done.Result.Text) {
		t.Error("the write was not narrated in the log")
	}
	m = readDetailsNow(t, m)
	after := m.details.data.Smaps
	if grew := int64(after.PrivateDirty) - int64(before.PrivateDirty); grew*10 < 2<<20*9 {
		t.Errorf("Private_Dirty grew by %d bytes, want about 2 MiB", grew)
	}
	var screen strings.Builder
	for _, l := range m.details.lines {
		screen.WriteString(ansi.Strip(l) + "\n")
	}
	for _, want := range []string{"MEMORY", "Private_Dirty", "parent", strconv.Itoa(kid), strconv.Itoa(self)} {
		if !strings.Contains(screen.String(), want) {
			t.Errorf("the details pane lacks %q:\n%s", want, screen.String())
		}
	}

	m, _ = press(m, "m")
	m, again := do(t, m, "enter")
	if again.Err != nil || !strings.Contains(again.Result.Text, "copied no page") {
		t.Errorf("second m: %v %q", again.Err, again.Result.Text)
	}

	// Outside the lab m does nothing and says why.
	m.tree.selectPID(1)
	if m, cmd := press(m, "m"); cmd != nil || m.prompt != nil || !strings.Contains(m.msg, "not in the lab") {
		t.Errorf("m on pid 1: prompt %v, message %q", m.prompt != nil, m.msg)
	}
}
