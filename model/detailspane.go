package model

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/ui"
)

// detailsPane is the details of the selected process, in a viewport that
// scrolls when the pane has the keyboard.
type detailsPane struct {
	vp    viewport.Model
	lines []string
	// pid is the process the data below was read from.
	pid  int
	data *proctree.Details
	err  error
	// smaps says data holds smaps_rollup; parent is the parent's when a
	// forked child is selected: the memory panel.
	smaps  bool
	parent *proctree.Details
	// seq numbers requests; busy says a read is running.
	seq     uint64
	busy    bool
	showEnv bool

	// fdRows is where the fd rows are among lines. The cursor is on
	// descriptor cursorFD (when hasCursor), found at fdRows[cursorIdx] by
	// the last render: it follows the number across polls, and when that
	// descriptor is gone it stays at the same place in the table.
	fdRows    []ui.FDRow
	cursorFD  int
	cursorIdx int
	hasCursor bool
	// waitFD counts the details reads to wait for cursorFD to show up
	// (a descriptor an action just made) before the cursor gives up on it.
	waitFD int

	// reveal is the part the last action changed. It stays on screen,
	// for whichever process is selected, until a key or the mouse
	// scrolls the pane; spans says where the parts are.
	reveal detailsPart
	spans  ui.DetailsView
}

func newDetailsPane() detailsPane {
	vp := viewport.New()
	vp.MouseWheelDelta = 3
	return detailsPane{vp: vp}
}

func (d *detailsPane) setLines(v ui.DetailsView) {
	d.lines, d.fdRows = v.Lines, v.FDRows
	d.spans = ui.DetailsView{Memory: v.Memory, FDs: v.FDs, Signals: v.Signals, Env: v.Env}
	d.vp.SetContentLines(v.Lines)
}

// visible is the part of the content the viewport shows.
func (d *detailsPane) visible() []string {
	off := min(d.vp.YOffset(), len(d.lines))
	end := min(off+d.vp.Height(), len(d.lines))
	return d.lines[off:end]
}

// scrollViewport moves vp by one of the navigation keys; it reports false
// for any other key. The details pane and the timeline share it.
func scrollViewport(vp *viewport.Model, msg tea.KeyPressMsg, k *KeyMap) bool {
	switch {
	case key.Matches(msg, k.Up):
		vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		vp.PageUp()
	case key.Matches(msg, k.PageDown):
		vp.PageDown()
	case key.Matches(msg, k.Top):
		vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		vp.GotoBottom()
	default:
		return false
	}
	return true
}
