package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// The smallest screen proctui draws on; below it, TooSmall asks for more.
const (
	MinWidth  = 80
	MinHeight = 24
)

// Layout is where each part of the screen goes for one window size.
//
//	y = 0                  status line
//	y = 1 … PaneH          tree pane (header, then rows) │ details pane
//	next LogH lines        the event log
//	y = Height-1           key help, or the open prompt
type Layout struct {
	Width, Height int
	TreeW         int // tree pane width
	DetailsW      int // details pane width, after the separator
	PaneH         int // pane height, the header line included
	LogH          int
}

// NewLayout lays out a w×h screen. The tree gets a bit more than half the
// width; a taller window gives the log more lines.
func NewLayout(w, h int) Layout {
	l := Layout{Width: w, Height: h}
	l.TreeW = max(44, w*11/20)
	if w-l.TreeW-1 < 30 {
		l.TreeW = max(0, w-31)
	}
	l.DetailsW = max(0, w-l.TreeW-1)
	l.LogH = min(3+max(0, h-MinHeight)/5, 10)
	l.PaneH = max(0, h-2-l.LogH)
	return l
}

// Small reports whether the window is below the minimum size.
func (l Layout) Small() bool { return l.Width < MinWidth || l.Height < MinHeight }

// TreeRows is how many process rows the tree pane shows.
func (l Layout) TreeRows() int { return max(0, l.PaneH-1) }

// TreeTop is the screen line of the first process row.
func (l Layout) TreeTop() int { return 2 }

// DetailsInner is the width of the details text (one cell of margin).
func (l Layout) DetailsInner() int { return max(0, l.DetailsW-1) }

// Status is the content of the status line.
type Status struct {
	// Scope is "lab" (proctui's branch) or "all".
	Scope     string
	Processes int
	Interval  time.Duration
	Paused    bool
	// Search is the active search query, "" for none; Matches counts the
	// rows it matches.
	Search  string
	Matches int
	// Msg is a transient message: a refusal, an error, a platform note.
	Msg string
	Err bool
}

// LogKind says where a log line came from.
type LogKind uint8

const (
	LogEvent  LogKind = iota // a change Diff saw
	LogAction                // the answer to a key
	LogNote                  // something the lab reported by itself
	LogError                 // a refusal or a failure
	LogHint                  // what to do next, too long for the top line
)

// String names the log kind.
func (k LogKind) String() string {
	switch k {
	case LogEvent:
		return "event"
	case LogAction:
		return "action"
	case LogNote:
		return "note"
	case LogError:
		return "error"
	case LogHint:
		return "hint"
	}
	return "unknown"
}

// LogEntry is one line of the event log.
type LogEntry struct {
	Time time.Time
	Kind LogKind
	Text string
}

// Frame is everything one screen shows. The model fills it in; Render draws
// it without looking anywhere else.
type Frame struct {
	Layout Layout
	Status Status
	Cols   Columns
	Rows   []Row
	// Offset is the first row in the window, Cursor the selected row.
	Offset, Cursor int
	TreeFocused    bool
	// Details holds the visible lines of the details pane, each
	// Layout.DetailsInner cells wide.
	Details []string
	// Log is the recent event log, newest last; the tail that fits is shown.
	Log []LogEntry
	// Now is the time of the last snapshot; log lines newer than a few
	// seconds are drawn in bold.
	Now time.Time
	// Bottom is the last line: the key help or an open prompt, styled.
	Bottom string
	// Overlay, when not nil, replaces both panes (the full help).
	Overlay []string
	// Spaced leaves a blank line after each process row (projector mode);
	// the model gives the tree pane half as many rows.
	Spaced bool
	// Banner, when not nil, is drawn between the log and the bottom line;
	// the model takes its height from the panes.
	Banner []string
}

// freshFor is how long a log line stays bold.
const freshFor = 3 * time.Second

// Render draws the whole screen: Layout.Height lines of Layout.Width cells.
func Render(s *Styles, f *Frame) string {
	lay := f.Layout
	if lay.Small() {
		return TooSmall(s, lay.Width, lay.Height)
	}
	var b strings.Builder
	b.Grow(lay.Height * (lay.Width + 96))

	b.WriteString(StatusLine(s, &f.Status, lay.Width))
	b.WriteByte('\n')

	// The separator is heavier when the details pane has the keyboard.
	sep := s.Sep.Render("│")
	if !f.TreeFocused {
		sep = s.Collapsed.Render("┃")
	}
	margin := s.Base.Render(" ")
	emptyDetail := s.Base.Render(spaces(lay.DetailsInner()))
	for y := 0; y < lay.PaneH; y++ {
		switch {
		case f.Overlay != nil:
			if y < len(f.Overlay) {
				b.WriteString(f.Overlay[y])
			} else {
				b.WriteString(s.Base.Render(spaces(lay.Width)))
			}
			b.WriteByte('\n')
			continue
		case y == 0:
			b.WriteString(TreeHeader(s, f.Cols))
		default:
			i := f.Offset + y - 1
			if f.Spaced {
				i = f.Offset + (y-1)/2
				if (y-1)%2 == 1 {
					i = -1
				}
			}
			if i >= 0 && i < len(f.Rows) {
				b.WriteString(TreeRow(s, f.Rows, i, f.Cols, i == f.Cursor, f.TreeFocused))
			} else {
				b.WriteString(s.Base.Render(spaces(f.Cols.Width)))
			}
		}
		b.WriteString(sep)
		b.WriteString(margin)
		if y < len(f.Details) {
			b.WriteString(f.Details[y])
		} else {
			b.WriteString(emptyDetail)
		}
		b.WriteByte('\n')
	}

	logs := logLines(s, f.Log, f.Now, lay.Width, lay.LogH)
	for i := 0; i < lay.LogH; i++ {
		if i < len(logs) {
			b.WriteString(logs[i])
		} else {
			b.WriteString(s.Base.Render(spaces(lay.Width)))
		}
		b.WriteByte('\n')
	}
	for _, l := range f.Banner {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	b.WriteString(padStyled(s, f.Bottom, lay.Width))
	return b.String()
}

// padStyled fills an already styled line to w cells, or cuts it.
func padStyled(s *Styles, str string, w int) string {
	n := ansi.StringWidth(str)
	switch {
	case n < w:
		return str + s.Base.Render(spaces(w-n))
	case n > w:
		return ansi.Truncate(str, w, "…")
	}
	return str
}

// logLines draws the newest log entries that fit in h lines, oldest
// first. An entry is wrapped, not cut: the narration is what a class reads.
// Only the newest entry is ever cut, when it alone is taller than the log.
func logLines(s *Styles, entries []LogEntry, now time.Time, w, h int) []string {
	var out []string
	for i := len(entries) - 1; i >= 0 && len(out) < h; i-- {
		lines := logEntry(s, &entries[i], now, w)
		if len(out)+len(lines) > h {
			if len(out) > 0 {
				break
			}
			lines = lines[:h]
		}
		out = append(lines, out...)
	}
	return out
}

func logEntry(s *Styles, e *LogEntry, now time.Time, w int) []string {
	text, bullet, mark := s.LogText, s.LogBullet, " ▸ "
	if !now.IsZero() && !e.Time.IsZero() && now.Sub(e.Time) < freshFor {
		text = s.LogFresh
	}
	switch e.Kind {
	case LogError:
		text, bullet, mark = s.LogError, s.LogError, " ✗ "
	case LogHint:
		text, mark = s.Muted, " › "
	}
	const indent = 3
	var out []string
	for i, part := range wrapWords(strings.Fields(Clean(e.Text)), " ", indent, indent, w) {
		l := newLine(s, w)
		if i == 0 {
			l.add(bullet, mark)
		} else {
			l.add(s.Base, spaces(indent))
		}
		l.add(text, part)
		out = append(out, l.String())
	}
	return out
}

// Interval says a poll interval briefly: "1.0s", "250ms".
func Interval(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
}

// StatusMsgFits reports whether message msg fits whole in the top line of
// a screen w cells wide, scope being what it shows ("lab", "all").
func StatusMsgFits(scope, msg string, w int) bool {
	const right = "? help "
	return width(" proctui · "+scope+" · ")+width(Clean(msg))+len(right)+1 <= w
}

// StatusLine draws the top line: what is shown, how often it is read, and
// the latest message.
func StatusLine(s *Styles, st *Status, w int) string {
	l := newLine(s, w)
	const right = "? help "
	l.add(s.StatusName, " proctui")
	parts := " · " + st.Scope + " · " + strconv.Itoa(st.Processes) + " process"
	if st.Processes != 1 {
		parts += "es"
	}
	if st.Search != "" {
		parts += " · /" + Clean(st.Search) + " " + strconv.Itoa(st.Matches) + " match"
		if st.Matches != 1 {
			parts += "es"
		}
	}
	if !st.Paused {
		parts += " · " + Interval(st.Interval)
	}
	room := w - l.used - len(right) - 1
	msg := ""
	if st.Msg != "" {
		msg = " · " + Clean(st.Msg)
		if width(parts)+width(msg) > room {
			// The message matters more than the counts, which stay
			// visible in the panes below.
			parts = " · " + st.Scope
		}
	}
	l.add(s.StatusBar, parts)
	if st.Paused {
		l.add(s.StatusBar, " ")
		l.add(s.StatusPaused, " paused ")
	}
	if msg != "" {
		p := s.StatusMsg
		if st.Err {
			p = s.StatusErr
		}
		l.add(p, cut(msg, w-l.used-len(right)-1))
	}
	if rest := w - l.used - len(right); rest > 0 {
		l.add(s.StatusBar, spaces(rest))
	}
	l.add(s.StatusBar, right)
	return l.String()
}

// TooSmall is the whole screen when the window is below 80×24: a clear
// request instead of a broken layout.
func TooSmall(s *Styles, w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	msg := []string{
		"make the window larger",
		"(now " + strconv.Itoa(w) + "×" + strconv.Itoa(h) + ", need " +
			strconv.Itoa(MinWidth) + "×" + strconv.Itoa(MinHeight) + ")",
		"q quits",
	}
	top := max(0, (h-len(msg))/2)
	var b strings.Builder
	for y := 0; y < h; y++ {
		if y > 0 {
			b.WriteByte('\n')
		}
		l := newLine(s, w)
		if i := y - top; i >= 0 && i < len(msg) {
			text := cut(msg[i], w)
			l.add(s.Base, spaces((w-width(text))/2))
			p := s.Text
			if i == 0 {
				p = s.Title
			}
			l.add(p, text)
		}
		b.WriteString(l.String())
	}
	return b.String()
}

// PromptLine is the bottom line while a prompt is open: a label, the input
// (already drawn by the text input), then an error or a hint.
func PromptLine(s *Styles, label, input, hint, errText string, w int) string {
	var b strings.Builder
	b.WriteString(s.PromptLabel.Render(" " + Clean(label) + " "))
	b.WriteString(input)
	used := width(" "+label+" ") + ansi.StringWidth(input)
	tail := ""
	p := s.Muted
	if errText != "" {
		tail, p = "  "+errText, s.PromptError
	} else if hint != "" {
		tail = "  " + hint
	}
	if tail != "" && used < w {
		b.WriteString(p.Render(cut(Clean(tail), w-used)))
	}
	return padStyled(s, b.String(), w)
}

// Legend explains the symbols of the tree, for the full help.
func Legend(s *Styles, w int) []string {
	states := []string{"R ▶ running", "S ● sleeping", "D ◆ I/O wait", "Z ✝ zombie",
		"T ■ stopped", "I ○ idle"}
	marks := []string{"+ new", "! exited", "* changed", "- gone (ghost)", "▸ +N collapsed"}
	lab := []string{"◆fork forked", "◆lab lab image", "◆run program", "◇ detached: its parent reaps it"}
	var out []string
	for _, row := range []struct {
		label string
		items []string
	}{{"states", states}, {"marks", marks}, {"lab", lab}} {
		for i, text := range wrapWords(row.items, " · ", 9, 9, w-1) {
			l := newLine(s, w)
			if i == 0 {
				l.pad(s.Section, " "+row.label, 9)
			} else {
				l.pad(s.Base, "", 9)
			}
			l.add(s.Text, text)
			out = append(out, l.String())
		}
	}
	return out
}

// Overlay frames a block of styled lines (the full help) for the pane
// area: a title, the lines padded to the width, then the legend.
func Overlay(s *Styles, title string, block string, w int) []string {
	var out []string
	l := newLine(s, w)
	l.add(s.Title, " "+title)
	out = append(out, l.String(), s.Base.Render(spaces(w)))
	for _, ln := range strings.Split(block, "\n") {
		out = append(out, padStyled(s, s.Base.Render(" ")+ln, w))
	}
	out = append(out, s.Base.Render(spaces(w)))
	return append(out, Legend(s, w)...)
}
