package model

import (
	"errors"
	"image/color"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/ui"
)

func rowPIDs(m Model) []int {
	out := make([]int, len(m.tree.rows))
	for i := range m.tree.rows {
		out[i] = m.tree.rows[i].Proc.PID
	}
	return out
}

func rowOf(t *testing.T, m Model, pid int) *ui.Row {
	t.Helper()
	i := ui.Index(m.tree.rows, pid)
	if i < 0 {
		t.Fatalf("no row for %d; rows %v", pid, rowPIDs(m))
	}
	return &m.tree.rows[i]
}

func TestStartsOnOwnRow(t *testing.T) {
	m := scenario(t, Config{}, 120, 40)
	if m.tree.sel != selfPID {
		t.Fatalf("selected %d at start, want proctui's own %d", m.tree.sel, selfPID)
	}
	// The lab scope: ancestors (dimmed), proctui, its descendants and the
	// ghost of 4317, nothing else.
	want := []int{1, 480, 4200, 4300, selfPID, 4315, 4316, 4318, 4317}
	if got := rowPIDs(m); !slices.Equal(got, want) {
		t.Fatalf("lab scope rows %v, want %v", got, want)
	}
	for _, pid := range []int{1, 480, 4200, 4300} {
		if !rowOf(t, m, pid).Dim {
			t.Errorf("ancestor %d is not dimmed", pid)
		}
	}
	if rowOf(t, m, selfPID).Dim {
		t.Error("proctui's own row is dimmed")
	}
	if m.count != 4 {
		t.Errorf("status counts %d processes in the lab branch, want 4", m.count)
	}
}

func TestNavigation(t *testing.T) {
	m := scenario(t, Config{}, 120, 40)
	steps := []struct {
		key string
		sel int
	}{
		{"j", 4315}, {"down", 4316}, {"k", 4315}, {"up", selfPID},
		{"g", 1}, {"k", 1}, {"G", 4317}, {"j", 4317}, {"pgup", 1}, {"pgdown", 4317},
	}
	for _, s := range steps {
		var cmd tea.Cmd
		before := m.details.seq
		prev := m.tree.sel
		m, cmd = press(m, s.key)
		if m.tree.sel != s.sel {
			t.Fatalf("after %q selected %d, want %d", s.key, m.tree.sel, s.sel)
		}
		moved := prev != s.sel
		if moved && m.details.seq == before {
			t.Errorf("after %q the selection moved but no details read was asked for", s.key)
		}
		// One read runs at a time: a move either starts one or makes
		// the running one stale (its answer then starts the next).
		if moved && cmd == nil && !m.details.busy {
			t.Errorf("after %q no details read is running or started", s.key)
		}
	}
}

func TestNavigationScrollsWindow(t *testing.T) {
	m := scenario(t, Config{All: true}, 80, 24)
	// 14 processes + 1 ghost fit in 18 rows; fold nothing and make more.
	procs := baseProcs()
	for i := 0; i < 100; i++ {
		procs = append(procs, proc(5000+i, 1200, 'S', "worker", time.Minute, "worker"))
	}
	m = feed(t, m, snapshot(t0.Add(time.Second), procs), members())
	m, _ = press(m, "G")
	h := m.layout.TreeRows()
	if m.tree.cursor < m.tree.offset || m.tree.cursor >= m.tree.offset+h {
		t.Fatalf("cursor %d outside window [%d,%d)", m.tree.cursor, m.tree.offset, m.tree.offset+h)
	}
	if !strings.Contains(m.View().Content, "5099") {
		t.Fatal("the last row is not on screen after G")
	}
}

func TestScopeToggle(t *testing.T) {
	m := scenario(t, Config{}, 120, 40)
	m, _ = press(m, "j") // 4315
	m, _ = press(m, "a")
	if !m.all {
		t.Fatal("a did not switch to all processes")
	}
	if m.tree.sel != 4315 {
		t.Errorf("selection moved to %d on scope change, want it to stay on 4315", m.tree.sel)
	}
	for _, pid := range []int{612, 900, 1200, 2} {
		rowOf(t, m, pid)
	}
	if rowOf(t, m, 1).Dim {
		t.Error("ancestors stay dimmed in the all scope")
	}
	if i := ui.Index(m.tree.rows, 3); i >= 0 {
		t.Error("kernel threads under kthreadd are not folded by default")
	}
	if m.count != 14 {
		t.Errorf("all scope counts %d processes, want 14", m.count)
	}
	m, _ = press(m, "a")
	if m.all || ui.Index(m.tree.rows, 612) >= 0 {
		t.Fatal("a did not switch back to proctui's branch")
	}
}

func TestSearchKeepsAncestors(t *testing.T) {
	m := scenario(t, Config{All: true}, 120, 40)
	all := len(m.tree.rows)
	m, _ = press(m, "/")
	if m.prompt == nil || m.prompt.kind != promptSearch {
		t.Fatal("/ did not open the search prompt")
	}
	m = typeText(m, "SLEEP")
	// Matching is case-insensitive and live: sleep 300 and the ghost of
	// sleep 1, plus every ancestor of them.
	want := []int{1, 480, 4200, 4300, selfPID, 4316, 4318, 4317}
	if got := rowPIDs(m); !slices.Equal(got, want) {
		t.Fatalf("search rows %v, want %v", got, want)
	}
	if m.tree.sel != 4318 {
		t.Errorf("search selected %d, want the first match 4318", m.tree.sel)
	}
	if m.matches != 2 {
		t.Errorf("%d matches, want 2", m.matches)
	}
	if rowOf(t, m, 4300).Match || !rowOf(t, m, 4318).Match {
		t.Error("ancestors are marked as matches, or a match is not")
	}
	m, _ = press(m, "enter")
	if m.prompt != nil || m.query != "SLEEP" {
		t.Fatal("enter should close the prompt and keep the search")
	}
	m, _ = press(m, "n")
	if m.tree.sel != 4317 {
		t.Errorf("n went to %d, want 4317", m.tree.sel)
	}
	m, _ = press(m, "n")
	if m.tree.sel != 4318 {
		t.Errorf("n did not wrap around to 4318 (at %d)", m.tree.sel)
	}
	m, _ = press(m, "N")
	if m.tree.sel != 4317 {
		t.Errorf("N went to %d, want 4317", m.tree.sel)
	}

	// By pid: a number matches pids that start with it.
	m, _ = press(m, "/")
	for range len("SLEEP") {
		m, _ = press(m, "backspace")
	}
	m = typeText(m, "61")
	if got := rowPIDs(m); !slices.Equal(got, []int{1, 612}) {
		t.Fatalf("search 61 rows %v, want [1 612]", got)
	}
	m, _ = press(m, "esc")
	if m.query != "" || len(m.tree.rows) != all {
		t.Fatalf("esc did not clear the search: query %q, %d rows", m.query, len(m.tree.rows))
	}
	if m.tree.sel != 612 {
		t.Errorf("clearing the search lost the selection (at %d)", m.tree.sel)
	}
}

func TestSearchSurvivesPoll(t *testing.T) {
	m := scenario(t, Config{All: true}, 120, 40)
	m, _ = press(m, "/")
	m = typeText(m, "yes")
	m, _ = press(m, "enter")
	m = feed(t, m, snapshot(t0.Add(time.Second), baseProcs()), members())
	if got := rowPIDs(m); !slices.Equal(got, []int{1, 1200}) {
		t.Fatalf("after a poll the search shows %v, want [1 1200]", got)
	}
	m, _ = press(m, "esc")
	if m.query != "" {
		t.Fatal("esc outside the prompt did not clear the search")
	}
}

func TestSelectionFollowsPID(t *testing.T) {
	m := scenario(t, Config{All: true}, 120, 40)
	m.tree.selectPID(4316)
	before := m.tree.cursor

	// A new process sorts above the selection: the cursor row must move,
	// the selected pid must not.
	procs := baseProcs()
	procs = append(procs[:5], append([]proctree.Proc{proc(500, 480, 'S', "sshd", 40*time.Minute, "sshd: bob")}, procs[5:]...)...)
	m = feed(t, m, snapshot(t0.Add(time.Second), procs), members())
	if m.tree.sel != 4316 || m.tree.cursor != before+1 {
		t.Fatalf("selection %d at row %d, want 4316 at row %d", m.tree.sel, m.tree.cursor, before+1)
	}

	// 4316 ends; its child re-parents to proctui. The selection stays on
	// its ghost while the ghost is shown...
	var next []proctree.Proc
	for _, p := range procs {
		switch p.PID {
		case 4316:
			continue
		case 4318:
			p.PPID = selfPID
		}
		next = append(next, p)
	}
	m = feed(t, m, snapshot(t0.Add(2*time.Second), next), members())
	r := m.tree.selected()
	if r == nil || r.Proc.PID != 4316 || r.Ghost == nil {
		t.Fatalf("selection should stay on 4316's ghost, is on %v", r)
	}
	if !strings.Contains(m.View().Content, "re-parented: 4316 → 4312") {
		t.Error("the re-parenting of 4318 was not narrated")
	}
	// ...and moves to its nearest remaining ancestor when the ghost goes.
	m = feed(t, m, snapshot(t0.Add(5*time.Second), next), members())
	if m.tree.sel != selfPID {
		t.Fatalf("after the ghost expired the selection is %d, want the parent %d", m.tree.sel, selfPID)
	}
}

func TestCollapseExpand(t *testing.T) {
	m := scenario(t, Config{}, 120, 40)
	n := len(m.tree.rows)
	m, _ = press(m, "h")
	r := m.tree.selected()
	if r.Proc.PID != selfPID || !r.Collapsed || r.Kids != 3 {
		t.Fatalf("h on proctui: row %+v, want it collapsed with 3 children", *r)
	}
	if len(m.tree.rows) != n-4 {
		t.Fatalf("collapsed: %d rows, want %d", len(m.tree.rows), n-4)
	}
	if !strings.Contains(m.View().Content, "+3") {
		t.Error("a collapsed row does not show its child count")
	}
	m, _ = press(m, "l")
	if len(m.tree.rows) != n || m.tree.selected().Collapsed {
		t.Fatal("l did not expand proctui's branch")
	}
	m, _ = press(m, "l") // on an expanded row: to its first child
	if m.tree.sel != 4315 {
		t.Fatalf("l on an expanded row went to %d, want its first child 4315", m.tree.sel)
	}
	m, _ = press(m, "h") // on a leaf: to its parent
	if m.tree.sel != selfPID {
		t.Fatalf("h on a leaf went to %d, want its parent", m.tree.sel)
	}
	// A fold survives polls.
	m.tree.selectPID(4316)
	m, _ = press(m, "left")
	m = feed(t, m, snapshot(t0.Add(time.Second), baseProcs()), members())
	if ui.Index(m.tree.rows, 4318) >= 0 {
		t.Fatal("a collapsed branch opened again after a poll")
	}
}

func TestGhostRowsAppearAndExpire(t *testing.T) {
	m := scenario(t, Config{}, 120, 40)
	g := rowOf(t, m, 4317)
	if g.Ghost == nil || g.Ghost.Status != "reaped (exited 0)" || g.Ghost.Old {
		t.Fatalf("4317 should be a fresh ghost reaped with status 0, is %+v", g)
	}
	if g.Parent < 0 || m.tree.rows[g.Parent].Proc.PID != selfPID {
		t.Fatal("the ghost is not drawn under its old parent")
	}
	if !strings.Contains(m.View().Content, "4317 was reaped (exited 0)") {
		t.Error("the reaping was not narrated")
	}
	m = feed(t, m, snapshot(t0.Add(time.Second), baseProcs()), members())
	if g := rowOf(t, m, 4317); g.Ghost == nil || g.Ghost.Old {
		t.Fatal("after 1s the ghost should still be shown, not yet faded")
	}
	m = feed(t, m, snapshot(t0.Add(2*time.Second), baseProcs()), members())
	if g := rowOf(t, m, 4317); g.Ghost == nil || !g.Ghost.Old {
		t.Fatal("after 2s the ghost should be shown faded")
	}
	m = feed(t, m, snapshot(t0.Add(3*time.Second), baseProcs()), members())
	if ui.Index(m.tree.rows, 4317) >= 0 {
		t.Fatal("after 3s the ghost should be gone")
	}
}

func TestMarksExpire(t *testing.T) {
	m := scenario(t, Config{}, 120, 40)
	if k := rowOf(t, m, 4316).Mark.Kind; k != ui.MarkNew {
		t.Fatalf("4316 just started but is marked %v", k)
	}
	if k := rowOf(t, m, 4315).Mark.Kind; k != ui.MarkExited {
		t.Fatalf("4315 just exited but is marked %v", k)
	}
	m = feed(t, m, snapshot(t0.Add(4*time.Second), baseProcs()), members())
	if k := rowOf(t, m, 4316).Mark.Kind; k != ui.MarkNone {
		t.Fatalf("after 4s 4316 is still marked %v", k)
	}
	// A stop is a change worth marking and telling.
	procs := baseProcs()
	for i := range procs {
		if procs[i].PID == 4318 {
			procs[i].State = 'T'
		}
	}
	m = feed(t, m, snapshot(t0.Add(5*time.Second), procs), members())
	if k := rowOf(t, m, 4318).Mark.Kind; k != ui.MarkChanged {
		t.Fatalf("4318 stopped but is marked %v", k)
	}
	if !strings.Contains(m.View().Content, "4318 sleep stopped (T)") {
		t.Error("the stop was not narrated")
	}
}

func TestZombieAge(t *testing.T) {
	m := scenario(t, Config{}, 120, 40)
	m.tree.selectPID(4315)
	m = feed(t, m, snapshot(t0.Add(12*time.Second), baseProcs()), members())
	m = details(t, m)
	if !strings.Contains(m.View().Content, "not reaped for 12s") {
		t.Fatal("the details do not say how long the zombie has waited")
	}
}

func TestNarrationInAllScopeIsLimited(t *testing.T) {
	m := scenario(t, Config{All: true}, 80, 24)
	// A process far below the window starts; one on screen stops.
	procs := baseProcs()
	for i := 0; i < 40; i++ {
		procs = append(procs, proc(6000+i, 2, 'I', "kworker", time.Minute))
	}
	m = feed(t, m, snapshot(t0.Add(time.Second), procs), members())
	procs = append(slices.Clone(procs), proc(7000, 2, 'S', "kworker", 0, "offscreen"))
	for i := range procs {
		if procs[i].PID == 900 {
			procs[i].State = 'S'
		}
	}
	m = feed(t, m, snapshot(t0.Add(2*time.Second), procs), members())
	var log []string
	for _, e := range m.log {
		log = append(log, e.Text)
	}
	all := strings.Join(log, "\n")
	if strings.Contains(all, "7000") {
		t.Error("a process off screen and outside the lab was narrated in the all scope")
	}
	if !strings.Contains(all, "900 vim continued") {
		t.Errorf("a change on screen was not narrated; log:\n%s", all)
	}
}

func TestExitPromptValidation(t *testing.T) {
	for in, want := range map[string]int{"": 0, "0": 0, "3": 3, " 255 ": 255} {
		if got, err := parseStatus(in); err != nil || got != want {
			t.Errorf("parseStatus(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"256", "-1", "abc", "3.5", "0x10"} {
		if _, err := parseStatus(in); err == nil {
			t.Errorf("parseStatus(%q) accepted a bad status", in)
		}
	}

	m := scenario(t, Config{}, 120, 40)
	m.prompt = newPrompt(promptExit, m.styles, m.width, "exit status for 4316 cat (0–255):", "", "", "0")
	m.prompt.target = 4316
	m = typeText(m, "300")
	m, cmd := press(m, "enter")
	if m.prompt == nil || cmd != nil {
		t.Fatal("an invalid status closed the prompt or started an action")
	}
	if m.prompt.err == "" || !strings.Contains(m.View().Content, "0 to 255") {
		t.Fatal("an invalid status shows no error")
	}
	m, _ = press(m, "backspace")
	if m.prompt.err != "" {
		t.Fatal("editing the status did not clear the error")
	}
	m, _ = press(m, "esc")
	if m.prompt != nil {
		t.Fatal("esc did not close the prompt")
	}
}

func TestLabUnavailable(t *testing.T) {
	m := scenario(t, Config{LabErr: errors.New("this system cannot fork from Go")}, 120, 40)
	for _, k := range []string{"f", "r", "x", "w", "d"} {
		m.msg = ""
		var cmd tea.Cmd
		m, cmd = press(m, k)
		if cmd != nil || m.prompt != nil {
			t.Fatalf("%s did something without a lab", k)
		}
		if m.msg != "the lab is not available: this system cannot fork from Go" {
			t.Fatalf("%s says %q", k, m.msg)
		}
	}
}

func TestPollingNeverOverlaps(t *testing.T) {
	m := New(Config{Reader: &fixtureReader{snaps: []*proctree.Snapshot{snapshot(t0, baseProcs())}}})
	if !m.polling {
		t.Fatal("the first poll (from Init) is not counted as running")
	}
	// While it runs, nothing starts another.
	if cmd := m.startPoll(); cmd != nil || !m.pollAgain {
		t.Fatal("a second poll started while one was running")
	}
	next, cmd := m.Update(readSnapshot(m.cfg.Reader, nil, nil))
	m = next.(Model)
	if m.polling != true || cmd == nil {
		t.Fatal("the wanted poll did not follow the first one at once")
	}
	// Its result arms a tick; stale ticks are dropped.
	next, _ = m.Update(readSnapshot(m.cfg.Reader, m.snap, nil))
	m = next.(Model)
	if m.polling {
		t.Fatal("polling still set after the result")
	}
	id := m.tickID
	if cmd := m.onTick(tickMsg{id: id - 1}); cmd != nil || m.polling {
		t.Fatal("a stale tick started a poll")
	}
	if cmd := m.onTick(tickMsg{id: id}); cmd == nil || !m.polling {
		t.Fatal("the current tick did not start a poll")
	}
}

func TestPause(t *testing.T) {
	m := scenario(t, Config{}, 120, 40)
	m.polling = false
	m, cmd := press(m, "space")
	if !m.paused || cmd != nil {
		t.Fatal("space did not pause")
	}
	if !strings.Contains(m.View().Content, "paused") {
		t.Error("the status line does not say paused")
	}
	if cmd := m.onTick(tickMsg{id: m.tickID}); cmd != nil {
		t.Fatal("a tick polled while paused")
	}
	m, cmd = press(m, "space")
	if m.paused || cmd == nil || !m.polling {
		t.Fatal("space did not resume with a poll")
	}
}

func TestTooSmallAndBack(t *testing.T) {
	m := scenario(t, Config{NoColor: true}, 120, 40)
	m = size(m, 70, 20)
	out := m.View().Content
	if !strings.Contains(out, "make the window larger") || !strings.Contains(out, "now 70×20, need 80×24") {
		t.Fatalf("too-small screen:\n%s", out)
	}
	m = size(m, 80, 24)
	checkScreen(t, m.View().Content, 80, 24)
	if !strings.Contains(ansi.Strip(m.View().Content), "proctui · lab") {
		t.Fatal("the screen did not come back after the resize")
	}
}

func TestMouse(t *testing.T) {
	m := scenario(t, Config{}, 120, 40)
	// Row 0 is on screen line TreeTop: click the third row (4200).
	next, cmd := m.Update(tea.MouseClickMsg{X: 10, Y: m.layout.TreeTop() + 2, Button: tea.MouseLeft})
	m = next.(Model)
	if m.tree.sel != 4200 || cmd == nil {
		t.Fatalf("click selected %d, want 4200 and a details read", m.tree.sel)
	}
	next, _ = m.Update(tea.MouseClickMsg{X: m.layout.TreeW + 5, Y: 5, Button: tea.MouseLeft})
	m = next.(Model)
	if m.focus != focusDetails {
		t.Fatal("a click in the details pane did not focus it")
	}
	m = scenario(t, Config{All: true}, 80, 24)
	procs := baseProcs()
	for i := 0; i < 60; i++ {
		procs = append(procs, proc(5000+i, 1200, 'S', "worker", time.Minute, "worker"))
	}
	m = feed(t, m, snapshot(t0.Add(time.Second), procs), members())
	m.tree.selectRow(0)
	next, _ = m.Update(tea.MouseWheelMsg{X: 10, Y: 10, Button: tea.MouseWheelDown})
	m = next.(Model)
	if m.tree.offset != 3 || m.tree.cursor < 3 {
		t.Fatalf("wheel down: offset %d cursor %d, want offset 3 and the cursor dragged along", m.tree.offset, m.tree.cursor)
	}
}

func TestQuitWithoutLab(t *testing.T) {
	m := scenario(t, Config{}, 120, 40)
	_, cmd := press(m, "q")
	if cmd == nil {
		t.Fatal("q returned no Cmd")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q does not quit")
	}
	// ctrl+c quits even from a prompt; q there is just a letter.
	m, _ = press(m, "/")
	m, cmd = press(m, "q")
	if cmd != nil {
		if _, ok := cmd().(tea.QuitMsg); ok {
			t.Fatal("q in the search prompt quit")
		}
	}
	if _, cmd = press(m, "ctrl+c"); cmd == nil {
		t.Fatal("ctrl+c in a prompt did not quit")
	}
}

type bg struct{ dark bool }

func (b bg) RGBA() (r, g, bl, a uint32) {
	if b.dark {
		return 0, 0, 0, 0xffff
	}
	return 0xffff, 0xffff, 0xffff, 0xffff
}

var _ color.Color = bg{}

func TestThemeFollowsBackground(t *testing.T) {
	m := New(Config{})
	next, _ := m.Update(tea.BackgroundColorMsg{Color: bg{dark: false}})
	if th := next.(Model).styles.Theme; th != ui.ThemeLight {
		t.Fatalf("light background gave theme %v", th)
	}
	next, _ = next.Update(tea.BackgroundColorMsg{Color: bg{dark: true}})
	if th := next.(Model).styles.Theme; th != ui.ThemeDark {
		t.Fatalf("dark background gave theme %v", th)
	}
	m = New(Config{Theme: "contrast"})
	next, _ = m.Update(tea.BackgroundColorMsg{Color: bg{dark: true}})
	if th := next.(Model).styles.Theme; th != ui.ThemeContrast {
		t.Fatal("the background overrode --theme")
	}
	if th := New(Config{Theme: "contrast", NoColor: true}).styles.Theme; th != ui.ThemeMono {
		t.Fatal("NO_COLOR did not force mono")
	}
	m = New(Config{Theme: "neon"})
	if !strings.Contains(m.msg, "unknown theme") {
		t.Fatal("an unknown theme is not reported")
	}
}

// TestDetailsFocusCursor: tab gives the details pane the keyboard and a
// cursor on the fd rows; j/k move it, past the table they scroll; the
// cursor follows its descriptor across reads, not its row.
func TestDetailsFocusCursor(t *testing.T) {
	m := scenario(t, Config{}, 80, 24)
	m, _ = press(m, "tab")
	if m.focus != focusDetails {
		t.Fatal("tab did not focus the details")
	}
	if fd, ok := m.cursorFD(selfPID); !ok || fd != 0 {
		t.Fatalf("cursor on fd %d (%v), want the first row, fd 0", fd, ok)
	}
	if !strings.Contains(m.View().Content, "▸0") {
		t.Fatal("the cursor row is not drawn with ▸")
	}
	if !strings.Contains(ansi.Strip(m.helpLine), "c close") {
		t.Errorf("the help line does not say what c does here: %q", ansi.Strip(m.helpLine))
	}
	sel := m.tree.sel
	m, _ = press(m, "j")
	if fd, _ := m.cursorFD(selfPID); m.tree.sel != sel || fd != 1 {
		t.Fatalf("j in the details moved the tree (%d) or the cursor went to fd %d, want 1", m.tree.sel, fd)
	}
	m, _ = press(m, "G")
	if fd, _ := m.cursorFD(selfPID); fd != 4 {
		t.Errorf("G: cursor on fd %d, want the last row 4", fd)
	}
	// Past the last row j scrolls the rest of the pane into view.
	m, _ = press(m, "g")
	for range 5 {
		m, _ = press(m, "j")
	}
	off := m.details.vp.YOffset()
	m, _ = press(m, "j")
	if fd, _ := m.cursorFD(selfPID); fd != 4 || m.details.vp.YOffset() != off+1 {
		t.Errorf("j on the last row: cursor %d, offset %d → %d; want it to scroll", fd, off, m.details.vp.YOffset())
	}
	for range 30 {
		m, _ = press(m, "j")
	}
	if !strings.Contains(ansi.Strip(m.View().Content), "ENV") {
		t.Error("scrolling on did not reach the end of the pane")
	}
	m, _ = press(m, "k")
	for i := 0; i < 40; i++ {
		m, _ = press(m, "k")
	}
	if fd, _ := m.cursorFD(selfPID); fd != 0 {
		t.Errorf("k back up: cursor on %d, want 0", fd)
	}

	// It follows the number: fd 3 moves up a row when fd 1 closes...
	m.details.cursorFD = 3
	m.refreshDetails()
	read := func(drop ...int) Model {
		d := fixtureDetails(selfPID)
		d.FDs = slices.DeleteFunc(d.FDs, func(f proctree.FD) bool { return slices.Contains(drop, f.Num) })
		next, _ := m.Update(detailsMsg{seq: m.details.seq, pid: selfPID, details: d})
		return next.(Model)
	}
	m = read(1)
	if fd, _ := m.cursorFD(selfPID); fd != 3 {
		t.Fatalf("after fd 1 closed the cursor is on %d, want it to stay on 3", fd)
	}
	// ...and when fd 3 itself closes, it takes the row at its place.
	m = read(1, 3)
	if fd, _ := m.cursorFD(selfPID); fd != 4 {
		t.Fatalf("after fd 3 closed the cursor is on %d, want the next row, fd 4", fd)
	}

	// A click on a row puts the cursor there.
	row := m.details.fdRows[0]
	next, _ := m.Update(tea.MouseClickMsg{X: m.layout.TreeW + 5, Y: row.Line - m.details.vp.YOffset() + 1, Button: tea.MouseLeft})
	m = next.(Model)
	if fd, _ := m.cursorFD(selfPID); fd != row.Num {
		t.Errorf("a click on fd %d's row put the cursor on %d", row.Num, fd)
	}
	m, _ = press(m, "G")

	m, _ = press(m, "tab")
	if strings.Contains(m.View().Content, "▸4") {
		t.Error("the cursor is drawn while the tree has the keyboard")
	}
	m, _ = press(m, "j")
	if m.tree.sel == sel {
		t.Fatal("after tab back, j does not move the tree")
	}
}

func TestStaleDetailsDropped(t *testing.T) {
	m := scenario(t, Config{}, 120, 40)
	m.details.busy = false
	m, _ = press(m, "j") // asks for 4315
	old := m.details.seq
	m, _ = press(m, "j") // and now 4316, while 4315's read runs
	m.details.busy = true
	next, cmd := m.Update(detailsMsg{seq: old, pid: 4315, details: fixtureDetails(4315)})
	m = next.(Model)
	if m.details.pid == 4315 {
		t.Fatal("a stale details answer was applied")
	}
	if cmd == nil {
		t.Fatal("a stale answer did not start the read of the current selection")
	}
	msg := cmd().(detailsMsg)
	if msg.pid != 4316 {
		t.Fatalf("the follow-up read is for %d, want 4316", msg.pid)
	}
}
