package proctree

import "time"

// EventKind is what Diff saw change between two snapshots.
type EventKind uint8

const (
	// Started: a pid (with a new start time) appeared.
	Started EventKind = iota + 1
	// Exited: a process became a zombie; Proc.Exit holds its status.
	Exited
	// Reaped: a process is gone from the table (its parent waited for it,
	// or it was never seen as a zombie between two polls).
	Reaped
	// StateChanged: the state letter changed (other than into Z).
	StateChanged
	// Reparented: the ppid changed; the old parent died or detached it.
	Reparented
	// Execd: same pid and start time, new comm or cmdline.
	Execd
)

func (k EventKind) String() string {
	switch k {
	case Started:
		return "started"
	case Exited:
		return "exited"
	case Reaped:
		return "reaped"
	case StateChanged:
		return "state"
	case Reparented:
		return "reparented"
	case Execd:
		return "exec"
	}
	return "unknown"
}

// Event is one change Diff found. Proc is the process as last seen (the new
// snapshot's copy, or the old one's for Reaped). Old carries the previous
// copy for StateChanged, Reparented and Execd.
type Event struct {
	Kind EventKind
	Time time.Time
	Proc Proc
	Old  Proc
}
