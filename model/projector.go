package model

import (
	"time"

	"github.com/proctui/proctui/ui"
)

// projectorHold is how much longer a change stays marked in projector
// mode: a teacher explains a row while the room finds it.
const projectorHold = 3

// hold stretches how long a change stays visible in projector mode.
func (m *Model) hold(d time.Duration) time.Duration {
	if m.cfg.Projector {
		return d * projectorHold
	}
	return d
}

// adjustLayout takes the lines of the projector banner and the lesson pane
// from the panes.
func (m *Model) adjustLayout(l ui.Layout) ui.Layout {
	if l.Small() {
		return l
	}
	take := m.lessonLines()
	if m.cfg.Projector {
		take += ui.BannerLines
		// The banner shows the newest entry; the log keeps two before it.
		if l.LogH > 2 {
			take -= l.LogH - 2
			l.LogH = 2
		}
	}
	l.PaneH = max(4, l.PaneH-take)
	return l
}

// treeRows is how many process rows fit: half as many when rows are
// spaced out for a projector.
func (m *Model) treeRows() int {
	n := m.layout.TreeRows()
	if m.cfg.Projector {
		return (n + 1) / 2
	}
	return n
}

// rowAt turns a line of the tree pane (0: first row) into a row offset.
func (m *Model) rowAt(y int) int {
	if m.cfg.Projector {
		if y < 0 {
			return y
		}
		return y / 2
	}
	return y
}

// presenterFrame adds what projector mode, the timeline and the lesson
// pane draw to a frame.
func (m *Model) presenterFrame(f *ui.Frame) {
	if m.cfg.Projector {
		f.Spaced = true
		var last *ui.LogEntry
		if n := len(m.log); n > 0 {
			last = &m.log[n-1]
			f.Log = m.log[:n-1]
		}
		f.Banner = ui.Banner(m.styles, last, m.width)
	}
	if l := m.lessonView(); l != nil {
		f.Banner = append(l, f.Banner...)
	}
	if m.teach.tl != nil {
		f.Overlay, f.Bottom = m.timelineView()
	}
}
