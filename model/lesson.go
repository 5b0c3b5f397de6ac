package model

import (
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/proctui/proctui/lesson"
	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/ui"
)

// lessonH is the height of the lesson pane: a title, three lines of text,
// what it waits for, and a hint.
const lessonH = 6

// hintAfter is how long a step waits before the pane shows its hint.
const hintAfter = 20 * time.Second

// lessonRun is the state of a running lesson.
type lessonRun struct {
	l    *lesson.Lesson
	step int
	// since is the snapshot time the step began; events and logFrom are
	// what the poll and the log said since.
	since   time.Time
	events  []proctree.Event
	logFrom int
	dirty   uint64 // Private_Dirty of the selection when the step began
	// answer is the digit the student pressed (-1: none yet); todo the
	// keys proctui still presses to reveal it.
	answer int
	todo   []string
	ok     bool // the step's checks hold
	done   bool // every step finished
}

// lessonDoMsg is the answer to a key a lesson pressed itself.
type lessonDoMsg struct{ msg tea.Msg }

// StartLesson makes the model run a lesson from its first step.
func (m *Model) startLesson(l *lesson.Lesson) {
	m.teach.lesson = &lessonRun{l: l}
	m.beginStep(0)
}

func (m *Model) beginStep(i int) {
	r := m.teach.lesson
	r.step, r.since, r.events, r.ok, r.answer, r.todo = i, m.now, nil, false, -1, nil
	r.logFrom = len(m.teach.entries)
	r.dirty = 0
	if d := m.details.data; d != nil && m.details.smaps && d.SmapsErr == nil {
		r.dirty = d.Smaps.PrivateDirty
	}
	m.evalLesson()
}

// lessonLines is the height of the lesson pane (0: no lesson).
func (m *Model) lessonLines() int {
	if m.teach.lesson == nil {
		return 0
	}
	return lessonH
}

func (m *Model) curStep() *lesson.Step {
	r := m.teach.lesson
	if r == nil || r.done || r.step >= len(r.l.Steps) {
		return nil
	}
	return &r.l.Steps[r.step]
}

// lessonState is what the step's checks look at.
func (m *Model) lessonState() *lesson.State {
	r := m.teach.lesson
	st := &lesson.State{Snap: m.snap, Events: r.events, StartDirty: r.dirty}
	for _, mb := range m.members {
		st.Members = append(st.Members, mb)
	}
	if row := m.tree.selected(); row != nil && row.Ghost == nil {
		st.Selected = row.Proc.PID
	}
	if d := m.details.data; d != nil && d.PID == st.Selected {
		st.Details = d
	}
	from := min(r.logFrom, len(m.teach.entries))
	for _, e := range m.teach.entries[from:] {
		// A refusal names the call it refused; it must not pass a step.
		if e.Kind != ui.LogError.String() && e.Kind != ui.LogHint.String() {
			st.Log = append(st.Log, e.Text)
		}
	}
	return st
}

// evalLesson checks the current step against the live state.
func (m *Model) evalLesson() {
	st := m.curStep()
	if st == nil {
		return
	}
	r := m.teach.lesson
	if len(st.Checks) == 0 {
		r.ok = st.Ask == "" || (r.answer >= 0 && len(r.todo) == 0)
		return
	}
	if st.Ask != "" && (r.answer < 0 || len(r.todo) > 0) {
		r.ok = false
		return
	}
	s := m.lessonState()
	if r.dirty == 0 && s.Details != nil && m.details.smaps && s.Details.SmapsErr == nil && len(r.events) == 0 {
		// The selection's memory was first read after the step began.
		r.dirty = s.Details.Smaps.PrivateDirty
		s.StartDirty = r.dirty
	}
	r.ok = true
	for _, c := range st.Checks {
		if !c.Holds(s) {
			r.ok = false
			return
		}
	}
}

// onLessonKey answers a question (a digit) and moves on (enter).
func (m *Model) onLessonKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	r := m.teach.lesson
	if r == nil {
		return nil, false
	}
	k := msg.String()
	if r.done {
		if k == "enter" {
			m.teach.lesson = nil
			m.resize(m.width, m.height)
			return nil, true
		}
		return nil, false
	}
	st := m.curStep()
	if st.Ask != "" && r.answer < 0 {
		if len(k) == 1 && k[0] >= '0' && k[0] <= '9' {
			r.answer = int(k[0] - '0')
			r.todo = append([]string(nil), st.Do...)
			return m.lessonNextDo(), true
		}
		return nil, false
	}
	if k == "enter" && m.prompt == nil && r.ok && len(r.todo) == 0 {
		if r.step+1 >= len(r.l.Steps) {
			r.done = true
		} else {
			m.beginStep(r.step + 1)
		}
		return nil, true
	}
	return nil, false
}

// lessonNextDo presses the next key of a reveal, as the student would.
func (m *Model) lessonNextDo() tea.Cmd {
	r := m.teach.lesson
	if r == nil || len(r.todo) == 0 {
		m.evalLesson()
		return nil
	}
	k := r.todo[0]
	r.todo = r.todo[1:]
	cmd := m.onKey(lessonKeyMsg(k))
	if cmd == nil {
		return m.lessonNextDo()
	}
	return func() tea.Msg { return lessonDoMsg{msg: cmd()} }
}

// lessonKeyMsg is the key press a lesson names.
func lessonKeyMsg(k string) tea.KeyPressMsg {
	codes := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "tab": tea.KeyTab, "pgdown": tea.KeyPgDown,
		"pgup": tea.KeyPgUp, "backspace": tea.KeyBackspace,
	}
	if c, ok := codes[k]; ok {
		return tea.KeyPressMsg{Code: c}
	}
	if k == "space" {
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// lessonAfter follows every message: it collects the step's events,
// continues a reveal, and checks the step again.
func (m *Model) lessonAfter(msg tea.Msg) tea.Cmd {
	r := m.teach.lesson
	if r == nil {
		return nil
	}
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case SnapshotMsg:
		r.events = append(r.events, msg.Events...)
		if r.since.IsZero() {
			// The lesson began before the first poll dated anything.
			r.since = m.now
		}
	case lessonDoMsg:
		var inner tea.Cmd
		if b, ok := msg.msg.(tea.BatchMsg); ok {
			inner = tea.Batch(b...)
		} else if msg.msg != nil {
			inner = m.update(msg.msg)
			if c := m.lessonAfter(msg.msg); c != nil {
				inner = tea.Batch(inner, c)
			}
		}
		cmd = tea.Batch(inner, m.lessonNextDo())
	}
	m.evalLesson()
	return cmd
}

// lessonView draws the lesson pane.
func (m *Model) lessonView() []string {
	r := m.teach.lesson
	if r == nil {
		return nil
	}
	s, w := m.styles, m.width
	out := make([]string, 0, lessonH)
	add := func(line string) {
		if len(out) < lessonH {
			out = append(out, ui.PadLine(s, line, w))
		}
	}
	title := " LESSON " + r.l.Name + " · " + ui.Clean(r.l.Title)
	st := m.curStep()
	if st == nil {
		add(s.Selected.Render(title + " · complete "))
		add(s.Text.Render(" ✓ every step is done. enter closes this pane; L shows everything that happened."))
		for len(out) < lessonH {
			add("")
		}
		return out
	}
	add(s.Selected.Render(title + " · step " + strconv.Itoa(r.step+1) + "/" + strconv.Itoa(len(r.l.Steps)) + " "))
	text := strings.Join(st.Say, " ")
	if st.Ask != "" {
		text = strings.TrimSpace(text + " " + st.Ask)
	}
	status, hint := m.lessonStatus(st)
	room := lessonH - 2
	if hint != "" {
		room--
	}
	lines := strings.Split(ansi.Wordwrap(ui.Clean(text), max(20, w-2), ""), "\n")
	if len(lines) > room {
		lines = lines[:room]
		lines[room-1] = ansi.Truncate(lines[room-1], w-4, "") + " …"
	}
	for _, l := range lines {
		add(s.Text.Render(" " + l))
	}
	for len(out) < lessonH-1-boolInt(hint != "") {
		add("")
	}
	add(status)
	if hint != "" {
		add(s.Muted.Render(" hint: " + ui.Clean(hint)))
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// lessonStatus is the pane's line of what the step waits for, and the hint
// once the step has taken a while.
func (m *Model) lessonStatus(st *lesson.Step) (status, hint string) {
	r, s := m.teach.lesson, m.styles
	keys := ""
	if len(st.Keys) > 0 {
		keys = "press " + strings.Join(st.Keys, " ") + " · "
	}
	switch {
	case st.Ask != "" && r.answer < 0:
		return s.Section.Render(" ? answer with a digit key (0–9)"), ""
	case st.Ask != "" && len(r.todo) > 0:
		return s.Section.Render(" … proctui is pressing the keys"), ""
	case st.Ask != "" && r.ok:
		verdict := "✓ right: "
		if r.answer != st.Answer {
			verdict = "✗ you said " + strconv.Itoa(r.answer) + "; "
		}
		return s.Title.Render(" "+verdict+"the answer is "+strconv.Itoa(st.Answer)+". "+ui.Clean(st.Reveal)) + s.Muted.Render("  enter: next"), ""
	case r.ok:
		return s.Title.Render(" ✓ done") + s.Muted.Render(" · enter: next step"), ""
	}
	wait := st.Wait
	if wait == "" && len(st.Checks) > 0 {
		var parts []string
		for _, c := range st.Checks {
			parts = append(parts, c.Words())
		}
		wait = strings.Join(parts, "; ")
	}
	status = s.Section.Render(" " + keys + "waiting until " + ui.Clean(wait))
	if st.Hint != "" && !r.since.IsZero() && m.now.Sub(r.since) >= hintAfter {
		hint = st.Hint
	}
	return status, hint
}
