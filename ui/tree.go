package ui

import (
	"strconv"
	"strings"

	"github.com/proctui/proctui/proctree"
)

// Columns is the tree pane's layout for one width: which optional columns
// fit, and how wide each is. Wider panes show more; COMMAND always keeps at
// least minCmd cells.
type Columns struct {
	Width   int
	PIDW    int
	User    bool
	Threads bool
	RSS     bool
	CmdW    int
	// Short shows a program by its file name, not its path (projector).
	Short bool
}

const (
	markW    = 2
	stateW   = 4
	userW    = 9
	threadsW = 5
	rssW     = 8
	minCmd   = 28
)

// TreeColumns lays out a tree pane of the given width for pids up to maxPID.
func TreeColumns(w, maxPID int) Columns {
	c := Columns{Width: w, PIDW: max(6, len(strconv.Itoa(maxPID))+1)}
	c.CmdW = w - markW - 2*c.PIDW - stateW
	if c.CmdW-rssW >= minCmd {
		c.RSS = true
		c.CmdW -= rssW
	}
	if c.CmdW-userW >= minCmd {
		c.User = true
		c.CmdW -= userW
	}
	if c.CmdW-threadsW >= minCmd {
		c.Threads = true
		c.CmdW -= threadsW
	}
	c.CmdW = max(c.CmdW, 1)
	return c
}

// TreeHeader is the column header line of the tree pane.
func TreeHeader(s *Styles, c Columns) string {
	l := newLine(s, c.Width)
	var b strings.Builder
	b.WriteString(spaces(markW))
	b.WriteString(fit("PID", c.PIDW))
	b.WriteString(fit("PPID", c.PIDW))
	b.WriteString(fit("S", stateW))
	if c.User {
		b.WriteString(fit("USER", userW))
	}
	if c.Threads {
		b.WriteString(fit("THR", threadsW))
	}
	if c.RSS {
		b.WriteString(fit("RSS", rssW))
	}
	b.WriteString("COMMAND")
	l.add(s.Header, b.String())
	return l.String()
}

// markGlyph is the first column: what changed lately, without colour.
func markGlyph(r *Row) string {
	if r.Ghost != nil {
		return "- "
	}
	switch r.Mark.Kind {
	case MarkNew:
		return "+ "
	case MarkExited:
		return "! "
	case MarkChanged:
		return "* "
	case MarkNone:
	}
	return "  "
}

// labGlyph is the lab marker after the command: ◆ for a lab process, ◇
// once detached (its parent reaps it by itself).
func labGlyph(t LabTag) string {
	if t.Kind == LabNone || t.Kind == LabSelf {
		return ""
	}
	g := "◆"
	if t.Detached {
		g = "◇"
	}
	switch t.Kind {
	case LabForked:
		return g + "fork"
	case LabImage:
		return g + "lab"
	case LabProgram:
		return g + "run"
	case LabNone, LabSelf:
	}
	return ""
}

// treePrefix draws the box-drawing links in front of row i's command, in
// two cells per level. Only the deepest levels that fit in max cells are
// drawn; deeper ones start with "…".
func treePrefix(rows []Row, i, maxW int) string {
	r := &rows[i]
	levels := int(r.Depth)
	if levels == 0 {
		return ""
	}
	show := levels
	cut := false
	if 2*show > maxW {
		show = max(1, (maxW-1)/2)
		cut = show < levels
	}
	var cells [128]string
	show = min(show, len(cells))
	if r.Last {
		cells[show-1] = "└ "
	} else {
		cells[show-1] = "├ "
	}
	p := r.Parent
	for k := show - 2; k >= 0 && p >= 0; k-- {
		if rows[p].Last {
			cells[k] = "  "
		} else {
			cells[k] = "│ "
		}
		p = rows[p].Parent
	}
	var b strings.Builder
	b.Grow(4*show + 3)
	if cut {
		b.WriteString("…")
	}
	for _, c := range cells[:show] {
		b.WriteString(c)
	}
	return b.String()
}

// annotations is what follows the command: how a zombie or ghost ended,
// the size of a collapsed branch, the lab marker. A narrow or deep row gets
// a shorter form: level 1 shortens the status ("✝ 3" for "✝ exited 3",
// "✝ reaped" for "✝ reaped (exited 3)"), level 2 also the lab marker ("◆").
func annotations(r *Row, level int) string {
	var parts []string
	p := r.Proc
	switch {
	case r.Ghost != nil && level == 0:
		parts = append(parts, "✝ "+r.Ghost.Status)
	case r.Ghost != nil && level == 1:
		word, _, _ := strings.Cut(r.Ghost.Status, " ")
		parts = append(parts, "✝ "+word)
	case r.Ghost != nil:
		parts = append(parts, "✝")
	case p.State == 'Z' && p.HasExit && level == 0:
		parts = append(parts, "✝ "+p.Exit.String())
	case p.State == 'Z' && p.HasExit && p.Exit.Exited():
		parts = append(parts, "✝ "+strconv.Itoa(p.Exit.ExitCode()))
	case p.State == 'Z' && p.HasExit:
		parts = append(parts, "✝ "+strings.TrimPrefix(proctree.SignalName(p.Exit.Signal()), "SIG"))
	case p.State == 'Z':
		parts = append(parts, "✝")
	}
	if r.Collapsed {
		parts = append(parts, "+"+strconv.Itoa(int(r.Kids)))
	}
	if g := labGlyph(r.Lab); g != "" {
		if level >= 2 {
			g = g[:len("◆")]
		}
		parts = append(parts, g)
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, " ")
}

// TreeRow draws row i of rows. selected is the cursor row; focused says
// whether the tree pane has the keyboard.
func TreeRow(s *Styles, rows []Row, i int, c Columns, selected, focused bool) string {
	r := &rows[i]
	p := r.Proc
	l := newLine(s, c.Width)

	// The command cell: links, collapse marker, command, annotations.
	prefix := treePrefix(rows, i, c.CmdW/2)
	marker := ""
	if r.Collapsed {
		marker = "▸ "
	}
	cmd := Command(p)
	if c.Short {
		cmd = ShortCommand(p)
	}
	fixed := width(prefix) + width(marker)
	var ann string
	for level := 0; level <= 2; level++ {
		ann = annotations(r, level)
		if fixed+min(width(cmd), 8)+width(ann) <= c.CmdW {
			break
		}
	}
	avail := c.CmdW - fixed - width(ann)
	cmd = cut(cmd, max(avail, min(8, width(cmd))))

	state := stateLetter(p.State) + " " + StateSymbol(p.State)

	// A row drawn in a single style: the cursor, proctui's ancestors,
	// ghosts. The others get a style per column.
	var whole *Paint
	switch {
	case selected && focused:
		whole = &s.Selected
	case selected:
		whole = &s.SelectedBlur
	case r.Ghost != nil && r.Ghost.Old:
		whole = &s.GhostOld
	case r.Ghost != nil:
		whole = &s.Ghost
	case r.Dim:
		whole = &s.Dim
	}
	if whole != nil {
		var b strings.Builder
		b.Grow(c.Width + 32)
		b.WriteString(markGlyph(r))
		b.WriteString(fit(strconv.Itoa(p.PID), c.PIDW))
		b.WriteString(fit(strconv.Itoa(p.PPID), c.PIDW))
		b.WriteString(fit(state, stateW))
		writeExtra(&b, r, c)
		b.WriteString(prefix)
		b.WriteString(marker)
		b.WriteString(cmd)
		b.WriteString(ann)
		l.pad(*whole, b.String(), c.Width)
		return l.String()
	}

	switch r.Mark.Kind {
	case MarkNew:
		l.pad(s.MarkNew, "+", 1)
	case MarkExited:
		l.pad(s.MarkExited, "!", 1)
	case MarkChanged:
		l.pad(s.MarkChanged, "*", 1)
	case MarkNone:
		l.pad(s.Text, "", 1)
	}
	l.pad(s.Text, "", 1)
	pidStyle := s.Text
	if r.Self {
		pidStyle = s.Self
	}
	l.pad(pidStyle, strconv.Itoa(p.PID), c.PIDW)
	l.pad(s.Muted, strconv.Itoa(p.PPID), c.PIDW)
	l.pad(s.State[Class(p.State)], state, stateW)
	if c.User || c.Threads || c.RSS {
		var b strings.Builder
		writeExtra(&b, r, c)
		l.add(s.Muted, b.String())
	}
	l.add(s.Lines, prefix)
	l.add(s.Collapsed, marker)
	cmdStyle := s.Text
	switch {
	case r.Match:
		cmdStyle = s.Match
	case r.Self:
		cmdStyle = s.Self
	}
	l.add(cmdStyle, cmd)
	if ann != "" {
		if p.State == 'Z' {
			l.add(s.ExitNote, ann)
		} else {
			l.add(s.Lab, ann)
		}
	}
	return l.String()
}

// writeExtra writes the optional USER, THR and RSS cells.
func writeExtra(b *strings.Builder, r *Row, c Columns) {
	p := r.Proc
	if c.User {
		u := p.User
		if u == "" && p.UID >= 0 {
			u = strconv.Itoa(p.UID)
		}
		b.WriteString(fit(Clean(u), userW-1))
		b.WriteByte(' ')
	}
	if c.Threads {
		t := ""
		if p.Threads > 0 {
			t = strconv.Itoa(p.Threads)
		}
		b.WriteString(fit(t, threadsW))
	}
	if c.RSS {
		rss := ""
		if p.RSS > 0 {
			rss = Bytes(p.RSS)
		}
		b.WriteString(fit(rss, rssW))
	}
}

// Bytes says a size the way a person reads it: 512B, 4.0K, 12M, 1.5G.
func Bytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatUint(n, 10) + "B"
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	suffix := string("KMGTP"[exp])
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 1, 64) + suffix
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + suffix
}
