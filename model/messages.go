package model

import (
	"time"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
)

// SnapshotMsg is the result of one poll: the snapshot, its tree, what
// changed since the previous one, and the lab's members at that moment.
type SnapshotMsg struct {
	Snap    *proctree.Snapshot
	Tree    *proctree.Tree
	Events  []proctree.Event
	Members []sim.Member
	Err     error
}

// ActionDoneMsg is the lab's answer to a key (f r x w d).
type ActionDoneMsg struct {
	Action string // "fork", "run", "exit", "wait", "detach"
	PID    int    // the process the key was pressed on
	Name   string // its name, for messages
	Result sim.Result
	Err    error
	Time   time.Time
}

// tickMsg asks for the next poll. Each armed tick carries an id; only the
// newest one counts, so ticks can never pile up or overlap a poll.
type tickMsg struct{ id uint64 }

// detailsMsg is an on-demand read of one process's details. seq tells a
// stale answer (the selection moved on) from the one still wanted.
type detailsMsg struct {
	seq     uint64
	pid     int
	details *proctree.Details
	err     error
	// smaps says smaps_rollup was asked for (the memory panel of a lab
	// process); parent is the smaps_rollup read of the parent of a
	// forked child, to show beside it (nil otherwise).
	smaps  bool
	parent *proctree.Details
}

// noteMsg is something the lab reported by itself.
type noteMsg struct{ note sim.Note }

// notesClosedMsg says the lab's note channel is closed.
type notesClosedMsg struct{}
