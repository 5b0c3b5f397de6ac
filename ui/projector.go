package ui

import (
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/proctui/proctui/proctree"
)

// ProjectorColumns lays out the tree pane for a projector: PID, PPID,
// state and command only. A room reads four wide columns more easily than
// seven narrow ones, and the command gets the room the others leave.
func ProjectorColumns(w, maxPID int) Columns {
	c := Columns{Width: w, PIDW: max(7, len(strconv.Itoa(maxPID))+2)}
	c.CmdW = max(w-markW-2*c.PIDW-stateW, 1)
	c.Short = true
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
	// The label is drawn like the cursor row: the strongest block of
	// colour every theme has, mono included.
	text, label := s.LogFresh, s.Selected
	mark := " NOW "
	switch e.Kind {
	case LogError:
		text, mark = s.LogError, " NO  "
	case LogHint:
		mark = " NEXT"
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

// PadLine fills an already styled line to w cells, or cuts it.
func PadLine(s *Styles, str string, w int) string { return padStyled(s, str, w) }

// ShortCommand is a command line with the program named by its file name:
// "/tmp/x/proctui --projector" becomes "proctui --projector". Paths are
// noise to a room.
func ShortCommand(p *proctree.Proc) string {
	if p.Kernel || len(p.Cmdline) == 0 {
		return Clean(p.Name())
	}
	prog := p.Cmdline[0]
	// Only a real path is shortened: a program that rewrote its argv
	// ("sshd: alice@pts/3") keeps what it wrote.
	if strings.HasPrefix(prog, "/") || strings.HasPrefix(prog, "./") {
		if !strings.ContainsAny(prog, " :") {
			prog = path.Base(prog)
		}
	}
	args := append([]string{prog}, p.Cmdline[1:]...)
	return Clean(strings.Join(args, " "))
}
