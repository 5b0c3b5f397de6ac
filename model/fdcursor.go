package model

import (
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
)

// fdsOf is the fd table the details pane holds for pid: nil while it is
// being read, for another process, or unreadable.
func (d *detailsPane) fdsOf(pid int) []proctree.FD {
	if d.pid != pid || d.data == nil || d.data.PID != pid || d.data.FDErr != nil {
		return nil
	}
	return d.data.FDs
}

// follow puts the cursor back on its descriptor in a fresh fd table; when
// that one was closed, on the row now at its place (the next one).
func (d *detailsPane) follow(fds []proctree.FD) {
	if len(fds) == 0 {
		return
	}
	if d.hasCursor {
		for i := range fds {
			if fds[i].Num == d.cursorFD {
				d.cursorIdx, d.waitFD = i, 0
				return
			}
		}
		if d.waitFD > 0 {
			// A descriptor just made; the table is from before it.
			return
		}
	}
	i := 0
	if d.hasCursor {
		i = min(max(d.cursorIdx, 0), len(fds)-1)
	}
	d.cursorFD, d.cursorIdx, d.hasCursor = fds[i].Num, i, true
}

// resetCursor forgets the cursor: another process is selected, whose
// table starts with the cursor on its first row.
func (d *detailsPane) resetCursor() {
	d.hasCursor, d.cursorIdx, d.waitFD = false, 0, 0
}

// readDone counts a details read of pid toward waitFD: a read already
// running when the descriptor was made may not show it, the next one does.
func (d *detailsPane) readDone(pid int) {
	if d.waitFD > 0 && d.pid == pid {
		d.waitFD--
	}
}

// cursorRow is the index in fdRows of the row under the cursor, -1 when
// there is none.
func (d *detailsPane) cursorRow() int {
	if !d.hasCursor {
		return -1
	}
	for i, r := range d.fdRows {
		if r.Num == d.cursorFD {
			return i
		}
	}
	return -1
}

// lineShown reports where line is against the viewport: -1 above it, 0
// on screen, 1 below.
func (d *detailsPane) lineShown(line int) int {
	off := d.vp.YOffset()
	switch {
	case line < off:
		return -1
	case line >= off+d.vp.Height():
		return 1
	}
	return 0
}

// showLine scrolls the least that brings line on screen.
func (d *detailsPane) showLine(line int) {
	switch d.lineShown(line) {
	case -1:
		d.vp.SetYOffset(line)
	case 1:
		d.vp.SetYOffset(line - d.vp.Height() + 1)
	}
}

// moveCursor puts the cursor on fdRows[i].
func (d *detailsPane) moveCursor(i int) {
	d.cursorFD, d.cursorIdx, d.hasCursor = d.fdRows[i].Num, i, true
}

// showCursor scrolls the row under the cursor into view, with its note.
func (d *detailsPane) showCursor() {
	if i := d.cursorRow(); i >= 0 {
		r := d.fdRows[i]
		d.showLine(r.Line + max(r.Height, 1) - 1)
		d.showLine(r.Line)
	}
}

// cursorShown reports whether the row under the cursor is on screen.
func (d *detailsPane) cursorShown() bool {
	i := d.cursorRow()
	return i >= 0 && d.lineShown(d.fdRows[i].Line) == 0
}

// onDetailsKey moves the fd cursor while the details pane has the
// keyboard. On screen, ↑↓ move the cursor from row to row and scroll past
// the ends of the table, so the rest of the pane is still in reach; while
// the cursor's row is off screen they scroll. Pages and g/G scroll and
// take the cursor to a row on screen.
func (m *Model) onDetailsKey(msg tea.KeyPressMsg) {
	d, k := &m.details, &m.keys
	i := d.cursorRow()
	if i < 0 {
		if scrollViewport(&d.vp, msg, k) {
			d.reveal = partNone // the person scrolls now
		}
		return
	}
	last := len(d.fdRows) - 1
	shown := d.lineShown(d.fdRows[i].Line)
	switch {
	case key.Matches(msg, k.Down):
		if shown == 0 && i < last {
			d.moveCursor(i + 1)
			d.showCursor()
		} else {
			d.vp.ScrollDown(1)
		}
	case key.Matches(msg, k.Up):
		if shown == 0 && i > 0 {
			d.moveCursor(i - 1)
			d.showCursor()
		} else {
			d.vp.ScrollUp(1)
		}
	case key.Matches(msg, k.PageDown):
		scrollViewport(&d.vp, msg, k)
		d.cursorOnScreen(false, false)
	case key.Matches(msg, k.PageUp):
		scrollViewport(&d.vp, msg, k)
		d.cursorOnScreen(true, false)
	case key.Matches(msg, k.Bottom):
		scrollViewport(&d.vp, msg, k)
		d.cursorOnScreen(false, true)
	case key.Matches(msg, k.Top):
		scrollViewport(&d.vp, msg, k)
		d.cursorOnScreen(true, true)
	default:
		return
	}
	d.reveal = partNone // the person scrolls now
	m.drawDetails(false)
}

// cursorOnScreen moves the cursor, when its row went off screen (or
// always, with end), to the first fd row on screen (first) or the last.
func (d *detailsPane) cursorOnScreen(first, end bool) {
	if i := d.cursorRow(); !end && i >= 0 && d.lineShown(d.fdRows[i].Line) == 0 {
		return
	}
	pick := -1
	for i, r := range d.fdRows {
		if d.lineShown(r.Line) == 0 {
			pick = i
			if first {
				break
			}
		}
	}
	if pick >= 0 {
		d.moveCursor(pick)
	}
}

// focusOnDetails gives the details pane the keyboard, with the cursor's row
// on screen.
func (m *Model) focusOnDetails() {
	m.focus = focusDetails
	m.buildHelpLine()
	m.refreshDetails()
	m.details.showCursor()
}

// focusOnTree gives the tree the keyboard back.
func (m *Model) focusOnTree() {
	m.focus = focusTree
	m.buildHelpLine()
	m.refreshDetails()
}

// clickDetails puts the cursor on the fd row clicked at screen line y.
func (m *Model) clickDetails(y int) {
	line := m.details.vp.YOffset() + y - 1
	for i, r := range m.details.fdRows {
		if r.Line == line {
			m.details.moveCursor(i)
			m.drawDetails(false)
			return
		}
	}
}

// cursorFD is the descriptor under the cursor of pid's fd table: only
// while the details pane has the keyboard and shows that table.
func (m *Model) cursorFD(pid int) (int, bool) {
	d := &m.details
	if m.focus != focusDetails || !d.hasCursor || d.fdsOf(pid) == nil || d.cursorRow() < 0 {
		return 0, false
	}
	return d.cursorFD, true
}

// actionableFD says whether fd of lab process pid may be acted on, and if
// not, says why: the control socket is proctui's line to the process, and
// the Go runtime of a lab image needs its own descriptors.
func (m *Model) actionableFD(pid, fd int, name string) bool {
	mb, ok := m.members[pid]
	switch {
	case !ok:
	case mb.ControlFD >= 0 && fd == mb.ControlFD:
		m.setMsg("fd "+strconv.Itoa(fd)+" of "+strconv.Itoa(pid)+" "+name+
			" is its control socket, proctui's line to it: pick another row", true)
		return false
	case plumbingFDs(mb, m.details.data)[fd] && m.details.pid == pid:
		m.setMsg("fd "+strconv.Itoa(fd)+" of "+strconv.Itoa(pid)+" "+name+
			" (◦) is its Go runtime's own, which it needs to keep running: pick a descriptor a key made", true)
		return false
	}
	return true
}

// plumbingFDs are the descriptors in d (the fd table of lab process mb)
// that are the lab's or its Go runtime's own; nil when there are none.
func plumbingFDs(mb sim.Member, d *proctree.Details) map[int]bool {
	if d == nil || d.PID != mb.PID || mb.Kind != sim.KindLabImage {
		return nil
	}
	var out map[int]bool
	for _, f := range d.FDs {
		if mb.PlumbingFD(f.Num, f.Target) {
			if out == nil {
				out = map[int]bool{}
			}
			out[f.Num] = true
		}
	}
	return out
}

// fdKey is c, >, < and *: on the row under the cursor when the details
// pane has the keyboard, otherwise through a prompt that asks which fd.
func (m *Model) fdKey(kind promptKind) tea.Cmd {
	if m.focus != focusDetails {
		return m.fdPrompt(kind)
	}
	pid, name, ok := m.target()
	if !ok || !m.commandable(pid, name, kind.String()) {
		return nil
	}
	fd, ok := m.cursorFD(pid)
	if !ok {
		m.setMsg("no descriptor under the cursor: wait for the fd table, or tab back to the tree", true)
		return nil
	}
	if !m.cursorInSight(fd) || !m.actionableFD(pid, fd, name) {
		return nil
	}
	return m.runFD(kind, pid, name, fd)
}

// cursorInSight reports whether the cursor's row (descriptor fd) is on
// screen. When the pane was scrolled away from it, a key must not act on
// a descriptor the person cannot see: the row comes back into view and
// the key waits to be pressed again.
func (m *Model) cursorInSight(fd int) bool {
	if m.details.cursorShown() {
		return true
	}
	m.details.showCursor()
	m.drawDetails(false)
	m.setMsg("the cursor is on fd "+strconv.Itoa(fd)+", out of sight until now: press the key again to act on it", false)
	return false
}

// promptToTable is tab in an fd prompt: the prompt closes and the details
// pane takes the keyboard, the cursor on the typed descriptor if it is in
// the table.
func (m *Model) promptToTable(p *prompt) {
	m.prompt = nil
	if fd, err := strconv.Atoi(p.input.Value()); err == nil {
		for i, f := range m.details.fdsOf(p.target) {
			if f.Num == fd {
				m.details.cursorFD, m.details.cursorIdx, m.details.hasCursor = fd, i, true
			}
		}
	}
	m.focusOnDetails()
	m.setMsg("↑↓ pick a descriptor, then the key again: c close · > write · < read · * close-on-exec", false)
}

// cursorToNewFD puts the fd cursor on the descriptor O just opened, when
// its process is selected: the next key acts on it.
func (m *Model) cursorToNewFD(msg ActionDoneMsg) {
	if msg.Action != "open" {
		return
	}
	fd, err := strconv.Atoi(msg.Result.Status)
	if r := m.tree.selected(); err != nil || r == nil || r.Proc.PID != msg.PID {
		return
	}
	d := &m.details
	d.cursorFD, d.hasCursor, d.waitFD = fd, true, 2
	// Where it lands in the table is known after the next read.
	d.cursorIdx = len(d.fdsOf(msg.PID))
}
