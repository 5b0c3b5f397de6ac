package ui

import (
	"strconv"
	"strings"
	"time"
)

// ProjectorColumns lays out the tree pane for a projector: PID, PPID,
// state and command only. A room reads four wide columns more easily than
// seven narrow ones, and the command gets the room the others leave.
func ProjectorColumns(w, maxPID int) Columns {
	c := Columns{Width: w, PIDW: max(7, len(strconv.Itoa(maxPID))+2)}
	c.CmdW = max(w-markW-2*c.PIDW-stateW, 1)
	return c
}

// BannerLines is the height of the narration banner of projector mode.
const BannerLines = 3

// Banner draws the newest narration as a block of its own, above the key
// bar: a blank line to set it apart, then the sentence in bold, wrapped to
// at most two lines so the back row reads it whole.
func Banner(s *Styles, e *LogEntry, w int) []string {
	out := []string{s.Base.Render(spaces(w))}
	if e == nil {
		for len(out) < BannerLines {
			out = append(out, s.Base.Render(spaces(w)))
		}
		return out
	}
	text, label := s.LogFresh, s.PromptLabel
	mark := " NOW "
	if e.Kind == LogError {
		text, label, mark = s.LogError, s.StatusErr, " NO  "
	}
	at := ""
	if !e.Time.IsZero() {
		at = e.Time.Format(time.TimeOnly) + " "
	}
	const indent = 6
	parts := wrapWords(strings.Fields(at+Clean(e.Text)), " ", indent, indent, w-1)
	if len(parts) > BannerLines-1 {
		parts = parts[:BannerLines-1]
		parts[len(parts)-1] = cut(parts[len(parts)-1]+" …", w-indent-1)
	}
	for i, p := range parts {
		l := newLine(s, w)
		if i == 0 {
			l.add(label, mark)
			l.add(s.Base, " ")
		} else {
			l.add(s.Base, spaces(indent))
		}
		l.add(text, p)
		out = append(out, l.String())
	}
	for len(out) < BannerLines {
		out = append(out, s.Base.Render(spaces(w)))
	}
	return out
}
