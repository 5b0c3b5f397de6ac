package model

import (
	"time"

	"github.com/proctui/proctui/proctree"
)

// toldKey names an event the narration has already told.
type toldKey struct {
	pid  int
	kind proctree.EventKind
}

// toldFor is how long a lab action's narration covers the event the next
// polls will see: long enough for a paused screen to resume, short enough
// that a reused pid is narrated again.
const toldFor = 30 * time.Second

// expectTold records the event a successful lab action has just told in
// its own sentence (fork() returned 4316 …), so that the poll confirming it
// does not tell it a second time (4316 started …).
func (m *Model) expectTold(msg ActionDoneMsg) {
	if msg.Err != nil {
		return
	}
	var k toldKey
	switch msg.Action {
	case "fork", "run":
		k = toldKey{msg.Result.PID, proctree.Started}
	case "exit":
		k = toldKey{msg.PID, proctree.Exited}
	case "wait":
		if msg.Result.PID != msg.PID {
			return // a wait for any child: the poll names which one
		}
		k = toldKey{msg.PID, proctree.Reaped}
	default:
		return
	}
	if k.pid <= 0 {
		return
	}
	if m.told == nil {
		m.told = make(map[toldKey]time.Time)
	}
	m.told[k] = msg.Time
}

// alreadyTold reports whether ev was told by a lab action, and forgets it
// (and anything told too long ago).
func (m *Model) alreadyTold(ev proctree.Event) bool {
	if len(m.told) == 0 {
		return false
	}
	k := toldKey{ev.Proc.PID, ev.Kind}
	at, ok := m.told[k]
	delete(m.told, k)
	for key, t := range m.told {
		if ev.Time.Sub(t) > toldFor {
			delete(m.told, key)
		}
	}
	return ok && ev.Time.Sub(at) <= toldFor
}
