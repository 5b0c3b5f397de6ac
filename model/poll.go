package model

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
)

// readSnapshot is the work of one poll, run off the event loop: read the
// process table, build its tree, diff it against the previous snapshot.
func readSnapshot(r proctree.Reader, prev *proctree.Snapshot, lab *sim.Lab) SnapshotMsg {
	s, err := r.Snapshot()
	if err != nil {
		return SnapshotMsg{Err: err}
	}
	msg := SnapshotMsg{Snap: s, Tree: proctree.BuildTree(s), Events: proctree.Diff(prev, s)}
	if lab != nil {
		msg.Members = lab.Members()
	}
	return msg
}

// startPoll starts a poll unless one is already running, in which case
// another one follows it at once. Any armed tick becomes stale: the next
// tick is armed when this poll's result is in.
func (m *Model) startPoll() tea.Cmd {
	if m.cfg.Reader == nil {
		return nil
	}
	m.tickID++
	if m.polling {
		m.pollAgain = true
		return nil
	}
	m.polling = true
	r, prev, lab := m.cfg.Reader, m.snap, m.cfg.Lab
	return func() tea.Msg { return readSnapshot(r, prev, lab) }
}

// armTick schedules the next poll one interval from now.
func (m *Model) armTick() tea.Cmd {
	m.tickID++
	id := m.tickID
	return tea.Tick(m.cfg.Interval, func(time.Time) tea.Msg { return tickMsg{id: id} })
}

// onTick starts the poll a current tick asked for.
func (m *Model) onTick(t tickMsg) tea.Cmd {
	if t.id != m.tickID || m.paused || m.polling {
		return nil
	}
	return m.startPoll()
}

// onSnapshot takes a poll's result in and arms the next tick.
func (m *Model) onSnapshot(msg SnapshotMsg) tea.Cmd {
	m.polling = false
	var cmds []tea.Cmd
	if msg.Err != nil {
		m.setMsg("cannot read the process table: "+msg.Err.Error(), true)
	} else {
		m.apply(msg)
		cmds = append(cmds, m.requestDetails())
	}
	switch {
	case m.pollAgain:
		m.pollAgain = false
		cmds = append(cmds, m.startPoll())
	case !m.paused:
		cmds = append(cmds, m.armTick())
	}
	return tea.Batch(cmds...)
}

// requestDetails reads the selected process's details in a Cmd. Only one
// read runs at a time (the details reader is not safe for concurrent use);
// a request made meanwhile makes the running read stale, and its answer
// starts the read of whatever is selected by then.
func (m *Model) requestDetails() tea.Cmd {
	m.details.seq++
	if m.details.busy {
		return nil
	}
	return m.readDetails()
}

func (m *Model) readDetails() tea.Cmd {
	r := m.cfg.DetailReader
	row := m.tree.selected()
	if r == nil || row == nil || row.Ghost != nil {
		return nil
	}
	m.details.busy = true
	pid, seq := row.Proc.PID, m.details.seq
	want, parent := m.memoryWant(row.Proc)
	comm, sources, peers := row.Proc.Comm, m.peerSources(r), m.peers
	return func() tea.Msg {
		d, err := r.Details(pid, want)
		if err == nil {
			linkPeers(peers, d, comm, sources)
		}
		msg := detailsMsg{seq: seq, pid: pid, details: d, err: err, smaps: want&proctree.WantSmaps != 0}
		if parent > 0 && err == nil {
			msg.parent, _ = r.Details(parent, proctree.WantSmaps)
		}
		return msg
	}
}

func (m *Model) onDetails(msg detailsMsg) tea.Cmd {
	m.details.busy = false
	if msg.seq != m.details.seq {
		return m.readDetails()
	}
	m.details.pid, m.details.data, m.details.err = msg.pid, msg.details, msg.err
	m.details.smaps, m.details.parent = msg.smaps, msg.parent
	m.details.readDone(msg.pid)
	m.refreshDetails()
	return nil
}

// waitNote waits for the lab's next note (the "realtime" pattern: one Cmd
// per message, re-armed each time one arrives).
func waitNote(ch <-chan sim.Note) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		n, ok := <-ch
		if !ok {
			return notesClosedMsg{}
		}
		return noteMsg{note: n}
	}
}
