package model

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/proctui/proctui/ui"
)

// timelineKeep bounds the timeline: a class hour of forks fits many times.
const timelineKeep = 20000

// TimelineEntry is one line of the event timeline, as --record writes it.
type TimelineEntry struct {
	Time    time.Time `json:"time"`
	Kind    string    `json:"kind"`
	PID     int       `json:"pid,omitempty"`
	Text    string    `json:"text"`
	Syscall string    `json:"syscall,omitempty"`
}

// teaching is the state of the presenter features: the timeline, its
// recording, and the running lesson.
type teaching struct {
	entries  []TimelineEntry
	tl       *timeline
	recorded bool // a write to Record failed once: recording stopped
	lesson   *lessonRun
}

// timeline is the open full event log (L): a viewport, and a search that
// keeps only the entries containing the query.
type timeline struct {
	vp     viewport.Model
	search *prompt
	query  string
	lines  []string
}

// addTimeline keeps an entry and writes it to the record file.
func (m *Model) addTimeline(t time.Time, kind ui.LogKind, pid int, syscall, text string) {
	if pid == 0 {
		pid = leadingPID(text)
	}
	if syscall == "" {
		syscall = firstSyscall(text)
	}
	e := TimelineEntry{Time: t, Kind: kind.String(), PID: pid, Text: text, Syscall: syscall}
	m.teach.entries = append(m.teach.entries, e)
	if len(m.teach.entries) > timelineKeep {
		m.teach.entries = append(m.teach.entries[:0], m.teach.entries[len(m.teach.entries)-timelineKeep:]...)
	}
	if m.cfg.Record != nil && !m.teach.recorded {
		b, err := json.Marshal(e)
		if err == nil {
			_, err = m.cfg.Record.Write(append(b, '\n'))
		}
		if err != nil {
			m.teach.recorded = true
			m.setMsg("recording stopped: "+err.Error(), true)
		}
	}
	if m.teach.tl != nil {
		m.fillTimeline()
	}
}

// leadingPID is the process a sentence names first: the events start with
// it ("4315 exited …"), the lab's answers name the process acted on first
// ("fork(): proctui 4312 made …").
func leadingPID(text string) int {
	for _, w := range strings.Fields(text) {
		w = strings.TrimRight(w, ":,.")
		if n, err := strconv.Atoi(w); err == nil && n > 0 {
			return n
		}
	}
	return 0
}

// firstSyscall finds the first "name(…)" in a sentence: the narration
// names the system call that did the work that way.
func firstSyscall(text string) string {
	for i := 0; i < len(text); i++ {
		if text[i] != '(' || i == 0 {
			continue
		}
		j := i
		for j > 0 && isIdent(text[j-1]) {
			j--
		}
		if j == i || (text[j] >= '0' && text[j] <= '9') {
			continue
		}
		end := strings.IndexByte(text[i:], ')')
		if end < 0 {
			return ""
		}
		return text[j : i+end+1]
	}
	return ""
}

func isIdent(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
}

// openTimeline shows the full event log, newest at the bottom.
func (m *Model) openTimeline() {
	vp := viewport.New()
	vp.MouseWheelDelta = 3
	m.teach.tl = &timeline{vp: vp}
	m.fillTimeline()
	m.teach.tl.vp.GotoBottom()
}

// fillTimeline lays out the entries that match the query.
func (m *Model) fillTimeline() {
	tl := m.teach.tl
	w := max(20, m.width)
	tl.vp.SetWidth(w)
	tl.vp.SetHeight(max(1, m.layout.PaneH-2))
	q := strings.ToLower(tl.query)
	tl.lines = tl.lines[:0]
	s := m.styles
	for _, e := range m.teach.entries {
		if q != "" && !strings.Contains(strings.ToLower(e.Text), q) && !strings.Contains(strings.ToLower(e.Syscall), q) {
			continue
		}
		head := fmt.Sprintf(" %s %-6s ", e.Time.Format("15:04:05.000"), e.Kind)
		p := s.Text
		if e.Kind == ui.LogError.String() {
			p = s.LogError
		}
		body := ui.Clean(e.Text)
		wrapped := strings.Split(ansi.Wordwrap(body, max(10, w-len(head)-1), ""), "\n")
		for i, part := range wrapped {
			lead := s.Muted.Render(head)
			if i > 0 {
				lead = s.Base.Render(strings.Repeat(" ", len(head)))
			}
			tl.lines = append(tl.lines, ui.PadLine(s, lead+p.Render(part), w))
		}
	}
	if len(tl.lines) == 0 {
		msg := " nothing has happened yet"
		if q != "" {
			msg = " no entry contains " + strconv.Quote(tl.query)
		}
		tl.lines = append(tl.lines, ui.PadLine(s, s.Muted.Render(msg), w))
	}
	tl.vp.SetContentLines(tl.lines)
}

// onTimelineKey scrolls, searches, or closes the timeline.
func (m *Model) onTimelineKey(msg tea.KeyPressMsg) tea.Cmd {
	tl, k := m.teach.tl, &m.keys
	if tl.search != nil {
		switch {
		case key.Matches(msg, k.Cancel):
			tl.search, tl.query = nil, ""
			m.fillTimeline()
			tl.vp.GotoBottom()
			return nil
		case key.Matches(msg, k.Accept):
			tl.search = nil
			return nil
		}
		cmd := tl.search.update(msg)
		if v := tl.search.input.Value(); v != tl.query {
			tl.query = v
			m.fillTimeline()
			tl.vp.GotoTop()
		}
		return cmd
	}
	switch {
	case key.Matches(msg, k.Cancel), key.Matches(msg, k.Timeline):
		m.teach.tl = nil
	case key.Matches(msg, k.Search):
		tl.search = newPrompt(promptSearch, m.styles, m.width, "/", "enter keeps · esc clears", tl.query, "text or syscall")
	default:
		scrollViewport(&tl.vp, msg, k)
	}
	return nil
}

// timelineView draws the timeline over the panes and the log.
func (m *Model) timelineView() (overlay []string, bottom string) {
	tl, s, w := m.teach.tl, m.styles, m.width
	title := fmt.Sprintf(" event timeline · %d entries", len(m.teach.entries))
	if tl.query != "" {
		title += " · /" + ui.Clean(tl.query)
	}
	overlay = append(overlay, ui.PadLine(s, s.Title.Render(title), w), ui.PadLine(s, "", w))
	off := min(tl.vp.YOffset(), len(tl.lines))
	end := min(off+tl.vp.Height(), len(tl.lines))
	overlay = append(overlay, tl.lines[off:end]...)
	if tl.search != nil {
		return overlay, tl.search.view(s, w)
	}
	return overlay, ui.PadLine(s, s.HelpKey.Render(" ↑↓ pgup pgdn g G")+s.HelpDesc.Render(" scroll  ")+
		s.HelpKey.Render("/")+s.HelpDesc.Render(" search  ")+s.HelpKey.Render("esc L")+s.HelpDesc.Render(" close"), w)
}
