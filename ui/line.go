package ui

import "strings"

// line assembles one screen line of exactly w cells from painted pieces of
// plain text. Text past the width is cut (ending in "…"); the rest of the
// line is filled with spaces in the base style, so that a theme with its own
// background (contrast) paints every cell.
type line struct {
	b    strings.Builder
	used int
	w    int
	base Paint
}

func newLine(s *Styles, w int) *line {
	l := &line{w: w, base: s.Base}
	l.b.Grow(w + 64)
	return l
}

// add paints text with p, cut to the room left.
func (l *line) add(p Paint, text string) {
	room := l.w - l.used
	if room <= 0 || text == "" {
		return
	}
	n := width(text)
	if n > room {
		text = cut(text, room)
		n = width(text)
	}
	p.write(&l.b, text)
	l.used += n
}

// pad paints text with p, cut or padded to exactly n cells (or the room left).
func (l *line) pad(p Paint, text string, n int) {
	n = min(n, l.w-l.used)
	if n <= 0 {
		return
	}
	p.write(&l.b, fit(text, n))
	l.used += n
}

// room is the number of cells still free.
func (l *line) room() int { return l.w - l.used }

// fill paints the rest of the line with p: a selected row is selected to
// the pane's edge.
func (l *line) fill(p Paint) {
	if l.used < l.w {
		p.write(&l.b, spaces(l.w-l.used))
		l.used = l.w
	}
}

// String fills the line to its width and returns it.
func (l *line) String() string {
	if l.used < l.w {
		l.base.write(&l.b, spaces(l.w-l.used))
		l.used = l.w
	}
	return l.b.String()
}
