package model

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
)

func visibleText(m Model) string {
	var b strings.Builder
	for _, l := range m.details.visible() {
		b.WriteString(ansi.Strip(l))
		b.WriteByte('\n')
	}
	return b.String()
}

// TestActionRevealsItsPart: in 80x24 a forked child's memory panel fills
// the details pane; a pipe made in it scrolls the pane to its fd table,
// which stays in view for the next process selected, until the person
// scrolls.
func TestActionRevealsItsPart(t *testing.T) {
	m, _ := labModel(t)
	m, _ = forkSelected(t, size(m, 80, 24))
	if strings.Contains(visibleText(m), "pipe:[") || !strings.Contains(detailsText(m), "MEMORY") {
		t.Fatalf("set-up: the child's pane should show its memory panel and no pipe yet:\n%s", visibleText(m))
	}

	m, _ = press(m, "p")
	m, done := do(t, m, "p") // both ends in the child
	if done.Err != nil {
		t.Fatal(done.Err)
	}
	m = readFDTableNow(t, m)
	if !strings.Contains(visibleText(m), "pipe:[") {
		t.Fatalf("after p p the fd table is not on screen:\n%s", visibleText(m))
	}
	if m.details.vp.YOffset() == 0 {
		t.Errorf("the pane did not scroll: the fd table fitted without it, and the test shows nothing")
	}

	// The next process selected shows its fd table too.
	m, _ = press(m, "k")
	m = readFDTableNow(t, m)
	if !strings.Contains(visibleText(m), "FDS") {
		t.Errorf("after k the fd table is not on screen:\n%s", visibleText(m))
	}

	// Scrolling by hand ends it.
	m, _ = press(m, "tab")
	m, _ = press(m, "g")
	m = readFDTableNow(t, m)
	if m.details.reveal != partNone || m.details.vp.YOffset() != 0 {
		t.Errorf("after g in the details pane: reveal %d, offset %d", m.details.reveal, m.details.vp.YOffset())
	}
}

// TestMemoryHintOnlyWhereMShares: the hint about m's buffer shows for a
// child forked from proctui, which shares it, not for a lab image, which
// was exec'd, nor for a child forked from the lab image.
func TestMemoryHintOnlyWhereMShares(t *testing.T) {
	lab, err := sim.New(sim.Options{MaxLab: 8, Subreaper: true, RawFork: true, CowMiB: 8})
	if err != nil {
		t.Fatalf("the lab did not start: %v", err)
	}
	t.Cleanup(func() { _ = lab.Close() })
	if lab.ForkMode() != "real fork()" {
		t.Skip(lab.ForkMode())
	}
	m := New(Config{Reader: proctree.NewProcReader("/proc"), DetailReader: proctree.NewProcReader("/proc"), Lab: lab, Interval: time.Hour})
	m = pollNow(t, size(m, 120, 80))
	m, f := do(t, m, "f")
	m, r := do(t, m, "r", "enter")
	if f.Err != nil || r.Err != nil {
		t.Fatalf("f: %v, r: %v", f.Err, r.Err)
	}
	m.tree.selectPID(r.Result.PID)
	m, g := do(t, m, "f")
	if g.Err != nil {
		t.Fatalf("f on the lab image: %v", g.Err)
	}
	for _, c := range []struct {
		pid  int
		what string
		hint bool
	}{{f.Result.PID, "forked child", true}, {r.Result.PID, "lab image", false}, {g.Result.PID, "child of the lab image", false}} {
		m.tree.selectPID(c.pid)
		m = readFDTableNow(t, m)
		text := detailsText(m)
		if !strings.Contains(text, "MEMORY") {
			t.Fatalf("%s %d: no memory panel:\n%s", c.what, c.pid, text)
		}
		if got := strings.Contains(text, "m writes"); got != c.hint {
			t.Errorf("%s %d: hint about m shown %v, want %v:\n%s", c.what, c.pid, got, c.hint, text)
		}
	}
}

// TestFDKeyWaitsForCursorInSight: with the pane scrolled up past the fd
// table, c does not close the descriptor under the (hidden) cursor; it
// brings the row into view, and the next c closes it.
func TestFDKeyWaitsForCursorInSight(t *testing.T) {
	m, _ := labModel(t)
	m, kid := forkSelected(t, size(m, 80, 24))
	m, _ = press(m, "tab") // the cursor on fd 0, scrolled into view
	if fd, ok := m.cursorFD(kid); !ok || fd != 0 {
		t.Fatalf("cursor on fd %d (%v), want 0", fd, ok)
	}
	m, _ = press(m, "g") // back to the top: the fd table is below the memory panel
	if m.details.cursorShown() {
		t.Fatalf("set-up: the fd rows should be out of sight after g:\n%s", visibleText(m))
	}
	m, cmd := press(m, "c")
	if cmd != nil || !strings.Contains(m.msg, "out of sight") || !m.details.cursorShown() {
		t.Fatalf("c with the cursor out of sight: cmd %v, msg %q, cursor shown %v", cmd != nil, m.msg, m.details.cursorShown())
	}
	if _, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/0", kid)); err != nil {
		t.Fatalf("fd 0 of %d closed by a key aimed at a row out of sight: %v", kid, err)
	}
	m, done := do(t, m, "c")
	if done.Err != nil || !strings.Contains(done.Result.Text, "close(0)") {
		t.Fatalf("second c: %v %q", done.Err, done.Result.Text)
	}
	if _, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/0", kid)); err == nil {
		t.Errorf("fd 0 of %d still open after c", kid)
	}
}

// TestPlumbingRowsMarked: in a lab image's fd table its control socket and
// its Go runtime's own descriptors are marked ◦ and explained, a pipe a
// key made is not, and c on a runtime descriptor is refused before it
// reaches the lab.
func TestPlumbingRowsMarked(t *testing.T) {
	m, lab := labModel(t)
	r := labImage(t, lab)
	img := r.PID
	if _, err := lab.Pipe(img, img); err != nil {
		t.Fatal(err)
	}
	m = pollNow(t, m)
	m.tree.selectPID(img)
	m = readFDTableNow(t, m)
	text := detailsText(m)
	if !strings.Contains(text, "◦ the lab's control socket") {
		t.Fatalf("no footnote for the marked rows:\n%s", text)
	}
	runtimeFD := -1
	for _, f := range m.details.fdsOf(img) {
		own := strings.Contains(text, "◦ "+f.Target[:min(len(f.Target), 12)])
		switch {
		case f.Type == proctree.FDPipe && own:
			t.Errorf("fd %d (%s), made by a key, is marked as plumbing", f.Num, f.Target)
		case strings.HasPrefix(f.Target, "anon_inode:"):
			runtimeFD = f.Num
			if !own {
				t.Errorf("fd %d (%s) is not marked", f.Num, f.Target)
			}
		}
	}
	if runtimeFD < 0 {
		t.Fatalf("no anonymous inode in %d's table:\n%s", img, text)
	}
	m = cursorTo(t, m, runtimeFD)
	m, cmd := press(m, "c")
	if cmd != nil || !strings.Contains(m.msg, "Go runtime's own") {
		t.Errorf("c on fd %d: cmd %v, msg %q", runtimeFD, cmd != nil, m.msg)
	}
}
