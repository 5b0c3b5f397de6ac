package model

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/proctui/proctui/ui"
)

// treePane is the process tree: the flattened rows, the cursor and the
// scroll window. The selection is remembered by pid, not by row number, so
// it follows its process when rows come and go above it.
type treePane struct {
	rows           []ui.Row
	cursor, offset int
	height         int
	sel            int   // selected pid, 0 before the first rows
	selAnc         []int // its ancestors' pids, nearest first
	collapsed      map[int]bool
}

// setRows installs freshly flattened rows and puts the cursor back on the
// selected pid; if that process is gone, on its nearest ancestor still
// shown; failing that, on the same row number.
func (t *treePane) setRows(rows []ui.Row) {
	t.rows = rows
	if len(rows) == 0 {
		t.cursor, t.offset = 0, 0
		return
	}
	i := -1
	if t.sel != 0 {
		i = ui.Index(rows, t.sel)
		for _, a := range t.selAnc {
			if i >= 0 {
				break
			}
			i = ui.Index(rows, a)
		}
	}
	if i < 0 {
		i = min(t.cursor, len(rows)-1)
	}
	t.selectRow(i)
}

// selectRow moves the cursor to row i and remembers its pid and ancestry.
func (t *treePane) selectRow(i int) {
	if len(t.rows) == 0 {
		return
	}
	i = max(0, min(i, len(t.rows)-1))
	t.cursor = i
	r := &t.rows[i]
	t.sel = r.Proc.PID
	t.selAnc = t.selAnc[:0]
	for p := r.Parent; p >= 0; p = t.rows[p].Parent {
		t.selAnc = append(t.selAnc, t.rows[p].Proc.PID)
	}
	t.scrollToCursor()
}

// selectPID moves the cursor to pid's row, reporting whether it exists.
func (t *treePane) selectPID(pid int) bool {
	i := ui.Index(t.rows, pid)
	if i < 0 {
		return false
	}
	t.selectRow(i)
	return true
}

func (t *treePane) scrollToCursor() {
	h := max(1, t.height)
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
	t.clampOffset()
}

func (t *treePane) clampOffset() {
	h := max(1, t.height)
	t.offset = max(0, min(t.offset, len(t.rows)-h))
}

func (t *treePane) setHeight(h int) {
	t.height = h
	t.scrollToCursor()
}

// selected is the row under the cursor, or nil.
func (t *treePane) selected() *ui.Row {
	if t.cursor < 0 || t.cursor >= len(t.rows) {
		return nil
	}
	return &t.rows[t.cursor]
}

// scroll moves the window by n rows (the mouse wheel), dragging the cursor
// along when it would leave the window.
func (t *treePane) scroll(n int) {
	t.offset += n
	t.clampOffset()
	h := max(1, t.height)
	c := max(t.offset, min(t.cursor, t.offset+h-1))
	t.selectRow(c)
}

// update handles the navigation keys. It reports whether the key was one of
// them and whether the rows must be flattened again (a branch was folded or
// unfolded).
func (t *treePane) update(msg tea.KeyPressMsg, k *KeyMap) (handled, reflatten bool) {
	page := max(1, t.height-1)
	switch {
	case key.Matches(msg, k.Up):
		t.selectRow(t.cursor - 1)
	case key.Matches(msg, k.Down):
		t.selectRow(t.cursor + 1)
	case key.Matches(msg, k.PageUp):
		t.selectRow(t.cursor - page)
	case key.Matches(msg, k.PageDown):
		t.selectRow(t.cursor + page)
	case key.Matches(msg, k.Top):
		t.selectRow(0)
	case key.Matches(msg, k.Bottom):
		t.selectRow(len(t.rows) - 1)
	case key.Matches(msg, k.Collapse):
		r := t.selected()
		switch {
		case r == nil:
		case r.Kids > 0 && !r.Collapsed && !r.Dim && r.Ghost == nil:
			t.collapsed[r.Proc.PID] = true
			return true, true
		case r.Parent >= 0:
			t.selectRow(int(r.Parent))
		}
	case key.Matches(msg, k.Expand):
		r := t.selected()
		switch {
		case r == nil:
		case r.Collapsed:
			delete(t.collapsed, r.Proc.PID)
			return true, true
		case r.Kids > 0 && t.cursor+1 < len(t.rows):
			t.selectRow(t.cursor + 1)
		}
	default:
		return false, false
	}
	return true, false
}

// findMatch returns the next (dir 1) or previous (dir -1) matching row
// after the cursor, wrapping around, or -1.
func (t *treePane) findMatch(dir int, includeCursor bool) int {
	n := len(t.rows)
	if n == 0 {
		return -1
	}
	start := 1
	if includeCursor {
		start = 0
	}
	for k := start; k <= n; k++ {
		i := ((t.cursor+dir*k)%n + n) % n
		if t.rows[i].Match {
			return i
		}
	}
	return -1
}
