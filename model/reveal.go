package model

import "github.com/proctui/proctui/ui"

// detailsPart is a part of the details pane an action changes.
type detailsPart uint8

const (
	partNone detailsPart = iota
	partMemory
	partFDs
	partSignals
	partEnv
)

// partOf is the part of the details pane where action's effect shows.
func partOf(action string) detailsPart {
	switch action {
	case "pipe", "socket pair", "close", "close-on-exec", "write", "read", "stream", "open", "pass", "exec":
		return partFDs
	case "memory":
		return partMemory
	case "signal", "disposition":
		return partSignals
	case "environment":
		return partEnv
	}
	return partNone
}

// showPart scrolls the least that brings d.reveal on screen: all of it
// when it fits, else its first lines. On a projector or in 80x24 the
// memory panel alone can fill the pane, and a pipe just made would sit
// under it, out of sight.
func (d *detailsPane) showPart() {
	var s ui.Span
	switch d.reveal {
	case partMemory:
		s = d.spans.Memory
	case partFDs:
		s = d.spans.FDs
	case partSignals:
		s = d.spans.Signals
	case partEnv:
		s = d.spans.Env
	}
	if s.Empty() || d.vp.Height() <= 0 {
		return
	}
	d.showLine(min(s.End, s.Start+d.vp.Height()) - 1)
	d.showLine(s.Start)
}
