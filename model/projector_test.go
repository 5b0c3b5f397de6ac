package model

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/proctui/proctui/lesson"
	"github.com/proctui/proctui/sim"
)

// TestProjectorView goldens presenter mode at 100×30: in colour (the
// contrast theme it picks) and plain, for a person to read.
func TestProjectorView(t *testing.T) {
	m := scenario(t, Config{Projector: true}, 100, 30)
	if m.styles.Theme.String() != "contrast" {
		t.Fatalf("projector theme = %s, want contrast", m.styles.Theme)
	}
	out := m.View().Content
	checkScreen(t, out, 100, 30)
	plain := ansi.Strip(out)
	for _, col := range []string{"USER", "RSS", "THR"} {
		if strings.Contains(strings.SplitN(plain, "\n", 3)[1], col) {
			t.Errorf("projector header shows %s:\n%s", col, plain)
		}
	}
	if !strings.Contains(plain, " NOW ") {
		t.Errorf("no narration banner:\n%s", plain)
	}
	t.Run("contrast", func(t *testing.T) { golden.RequireEqual(t, out) })
	t.Run("plain", func(t *testing.T) { golden.RequireEqual(t, plain) })
}

// TestProjectorSpacing: rows are drawn with a blank line between them, the
// tree holds half as many, and a click lands on the row drawn there.
func TestProjectorSpacing(t *testing.T) {
	m := scenario(t, Config{Projector: true, NoColor: true}, 100, 30)
	if got, want := m.tree.height, (m.layout.TreeRows()+1)/2; got != want {
		t.Fatalf("tree height %d, want %d", got, want)
	}
	lines := strings.Split(ansi.Strip(m.View().Content), "\n")
	if strings.TrimSpace(lines[3][:m.layout.TreeW]) != "" {
		t.Errorf("line 3 should be the blank between rows: %q", lines[3])
	}
	pids := rowPIDs(m)
	if len(pids) < 3 {
		t.Fatalf("rows %v", pids)
	}
	// Row 2 is drawn on screen line TreeTop+4.
	if got := m.rowAt(4); got != 2 {
		t.Errorf("rowAt(4) = %d, want 2", got)
	}
}

// TestProjectorHoldsMarksLonger: a mark that has expired in the normal
// mode is still shown in projector mode.
func TestProjectorHoldsMarksLonger(t *testing.T) {
	for _, proj := range []bool{false, true} {
		m := scenario(t, Config{Projector: proj, NoColor: true}, 100, 30)
		if len(m.marks) == 0 {
			t.Fatal("the scenario should mark changes")
		}
		m = feed(t, m, snapshot(t0.Add(markTTL+time.Second), baseProcs()), members())
		if got := len(m.marks) > 0; got != proj {
			t.Errorf("projector=%v: marks kept after %s = %v", proj, markTTL+time.Second, got)
		}
	}
}

func TestTimelineOpensScrollsSearchesCloses(t *testing.T) {
	m := scenario(t, Config{NoColor: true}, 100, 30)
	for i := 0; i < 40; i++ {
		m.logEntry(t0.Add(time.Duration(i)*time.Millisecond), 1, 5000+i, "", "fork(): proctui made child "+itoa(5000+i))
	}
	m.logEntry(t0, 3, 0, "", "wait refused: 4316 cat is not a zombie")
	m, _ = press(m, "L")
	if m.teach.tl == nil {
		t.Fatal("L did not open the timeline")
	}
	out := ansi.Strip(m.View().Content)
	checkScreen(t, m.View().Content, 100, 30)
	if !strings.Contains(out, "event timeline") || !strings.Contains(out, "not a zombie") {
		t.Fatalf("timeline view:\n%s", out)
	}
	// It opens at the newest entry; g goes to the oldest.
	if strings.Contains(out, "4315 exited") {
		t.Fatalf("opened at the top:\n%s", out)
	}
	m, _ = press(m, "g")
	if off := m.teach.tl.vp.YOffset(); off != 0 {
		t.Fatalf("g: offset %d", off)
	}
	if out := ansi.Strip(m.View().Content); !strings.Contains(out, "exited") {
		t.Fatalf("top of the timeline lacks the first events:\n%s", out)
	}
	m, _ = press(m, "pgdown")
	if m.teach.tl.vp.YOffset() == 0 {
		t.Fatal("pgdown did not scroll")
	}
	// Search narrows to matching entries, and the tree's keys do nothing.
	m, _ = press(m, "/")
	m = typeText(m, "5039")
	m, _ = press(m, "enter")
	if n := len(m.teach.tl.lines); n != 1 || !strings.Contains(ansi.Strip(m.teach.tl.lines[0]), "5039") {
		t.Fatalf("search 5039 kept %d lines: %q", n, m.teach.tl.lines)
	}
	if m.query != "" {
		t.Fatal("the timeline search leaked into the tree search")
	}
	m, _ = press(m, "/")
	m = typeText(m, "zzz")
	if out := ansi.Strip(m.View().Content); !strings.Contains(out, `no entry contains "5039zzz"`) {
		t.Fatalf("no-match view:\n%s", out)
	}
	m, _ = press(m, "esc") // clears the search
	m, _ = press(m, "esc") // closes
	if m.teach.tl != nil {
		t.Fatal("esc did not close the timeline")
	}
	// New entries arrive while it is open.
	m, _ = press(m, "L")
	n := len(m.teach.tl.lines)
	next, _ := m.Update(ActionDoneMsg{Action: "fork", PID: selfPID, Name: "proctui", Time: t0,
		Result: sim.Result{PID: 4400, Syscall: "fork()", Text: "fork(): proctui 4312 made child 4400"}})
	m = next.(Model)
	if len(m.teach.tl.lines) != n+1 {
		t.Fatalf("lines %d → %d after an action", n, len(m.teach.tl.lines))
	}
}

func TestRecordWritesJSONLines(t *testing.T) {
	var buf bytes.Buffer
	m := scenario(t, Config{NoColor: true, Record: &buf}, 100, 30)
	next, _ := m.Update(ActionDoneMsg{Action: "wait", PID: 4315, Name: "proctui", Time: t0,
		Result: sim.Result{PID: 4315, Syscall: "wait4(4315, 0)", Text: "4312 reaped 4315 with wait4(): status 3"}})
	m = next.(Model)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(m.teach.entries) || len(lines) < 2 {
		t.Fatalf("%d lines recorded, %d entries", len(lines), len(m.teach.entries))
	}
	var last TimelineEntry
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatal(err)
	}
	if last.Kind != "action" || last.PID != 4315 || last.Syscall != "wait4(4315, 0)" || !last.Time.Equal(t0) {
		t.Fatalf("last entry %+v", last)
	}
	var ev TimelineEntry
	if err := json.Unmarshal([]byte(lines[0]), &ev); err != nil || ev.Kind != "event" || ev.PID == 0 {
		t.Fatalf("first entry %+v (%v)", ev, err)
	}
}

func TestTimelineTextParsing(t *testing.T) {
	cases := []struct {
		text    string
		pid     int
		syscall string
	}{
		{"4315 exited with status 3: it is a zombie until 4312 (proctui) calls wait()", 4315, "wait()"},
		{"fork(): proctui 4312 made child 4316", 4312, "fork()"},
		{"all processes: the log narrates only the rows on screen", 0, ""},
		{"(odd) 12( x", 0, ""},
	}
	for _, c := range cases {
		if got := leadingPID(c.text); got != c.pid {
			t.Errorf("leadingPID(%q) = %d, want %d", c.text, got, c.pid)
		}
		if got := firstSyscall(c.text); got != c.syscall {
			t.Errorf("firstSyscall(%q) = %q, want %q", c.text, got, c.syscall)
		}
	}
}

// TestProjectorLessonView goldens a lesson step in projector mode at
// 100×30, the screen a class sees.
func TestProjectorLessonView(t *testing.T) {
	l, err := lesson.Load("fork")
	if err != nil {
		t.Fatal(err)
	}
	m := scenario(t, Config{Projector: true, Lesson: l}, 100, 30)
	// The fixture's changes came after the lesson began; start the step
	// again to show it waiting.
	m.beginStep(0)
	out := m.View().Content
	checkScreen(t, out, 100, 30)
	plain := ansi.Strip(out)
	for _, want := range []string{"LESSON fork", "step 1/3", "press f · waiting until a process starts", " NOW "} {
		if !strings.Contains(plain, want) {
			t.Errorf("no %q on screen:\n%s", want, plain)
		}
	}
	t.Run("contrast", func(t *testing.T) { golden.RequireEqual(t, out) })
	t.Run("plain", func(t *testing.T) { golden.RequireEqual(t, plain) })
}

// TestLessonPaneTakesRoomAndGivesItBack: a reading step moves on with
// enter; at the end enter closes the pane and the panes grow back.
func TestLessonPaneTakesRoomAndGivesItBack(t *testing.T) {
	l, err := lesson.Parse("r.lesson", strings.NewReader("lesson r\ntitle reading\nstep\nsay one\nstep\nsay two\n"))
	if err != nil {
		t.Fatal(err)
	}
	plain := scenario(t, Config{NoColor: true}, 100, 30)
	m := scenario(t, Config{NoColor: true, Lesson: l}, 100, 30)
	if m.layout.PaneH != plain.layout.PaneH-lessonH {
		t.Fatalf("pane height %d with a lesson, %d without", m.layout.PaneH, plain.layout.PaneH)
	}
	checkScreen(t, m.View().Content, 100, 30)
	for i, want := range []string{"step 2/2", "complete"} {
		m, _ = press(m, "enter")
		if out := ansi.Strip(m.View().Content); !strings.Contains(out, want) {
			t.Fatalf("enter %d: no %q:\n%s", i+1, want, out)
		}
	}
	m, _ = press(m, "enter")
	if m.teach.lesson != nil || m.layout.PaneH != plain.layout.PaneH {
		t.Fatalf("after the last enter: lesson %v, pane height %d", m.teach.lesson != nil, m.layout.PaneH)
	}
	checkScreen(t, m.View().Content, 100, 30)
}
