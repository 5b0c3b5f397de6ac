package model

import (
	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
	"github.com/proctui/proctui/ui"
)

// apply takes in one poll: the new snapshot, what changed, the lab's
// membership. It updates marks and ghosts, flattens the rows again, and
// narrates the events in scope.
func (m *Model) apply(msg SnapshotMsg) {
	prevBranch := m.branch
	first := m.snap == nil
	m.snap, m.ptree, m.now = msg.Snap, msg.Tree, msg.Snap.Taken

	m.members = make(map[int]sim.Member, len(msg.Members))
	m.labTags = make(map[int]ui.LabTag, len(msg.Members))
	for _, mb := range msg.Members {
		m.members[mb.PID] = mb
		m.labTags[mb.PID] = labTag(mb)
	}
	m.branch = m.branchOf(m.ptree)
	if !m.foldedKThreads {
		// Kernel threads all hang under kthreadd (pid 2); folded, they
		// take one row instead of a hundred.
		m.foldedKThreads = true
		if p := m.snap.Get(2); p != nil && p.Kernel && p.Comm == "kthreadd" {
			m.tree.collapsed[2] = true
		}
	}

	for _, ev := range msg.Events {
		m.track(ev, prevBranch)
	}
	m.expire()
	m.countProcs()
	m.setColumns()
	m.computeSearch()
	m.reflatten()
	if first {
		// At start the selection is on proctui's own row.
		m.tree.selectPID(m.snap.Self)
	}
	m.narrate(msg.Events, prevBranch)

	if m.msg != "" {
		if m.msgAt.IsZero() {
			m.msgAt = m.now
		} else if m.now.Sub(m.msgAt) >= msgTTL {
			m.msg = ""
		}
	}
	m.refreshDetails()
}

// branchOf is proctui's branch of a tree: itself, its ancestors and its
// descendants.
func (m *Model) branchOf(t *proctree.Tree) map[int]bool {
	self := m.snap.Self
	desc := t.Descendants(self)
	anc := t.Ancestors(self)
	b := make(map[int]bool, 1+len(desc)+len(anc))
	b[self] = true
	for _, p := range desc {
		b[p] = true
	}
	for _, p := range anc {
		b[p] = true
	}
	return b
}

// track turns one event into marks, ghosts and zombie ages.
func (m *Model) track(ev proctree.Event, prevBranch map[int]bool) {
	pid := ev.Proc.PID
	switch ev.Kind {
	case proctree.Started:
		m.marks[pid] = mark{kind: ui.MarkNew, since: ev.Time}
		delete(m.zombieSince, pid)
	case proctree.Exited:
		m.marks[pid] = mark{kind: ui.MarkExited, since: ev.Time}
		m.zombieSince[pid] = ev.Time
	case proctree.StateChanged:
		if ui.Narrate(ev, func(int) string { return "" }) != "" {
			m.marks[pid] = mark{kind: ui.MarkChanged, since: ev.Time}
		}
	case proctree.Reparented, proctree.Execd:
		m.marks[pid] = mark{kind: ui.MarkChanged, since: ev.Time}
	case proctree.Reaped:
		delete(m.marks, pid)
		delete(m.zombieSince, pid)
		status := "gone"
		if ev.Proc.State == 'Z' {
			status = "reaped"
			if ev.Proc.HasExit {
				status += " (" + ev.Proc.Exit.String() + ")"
			}
		}
		_, member := m.members[pid]
		m.ghosts = append(m.ghosts, ghost{
			g:        ui.Ghost{Proc: ev.Proc, Status: status},
			since:    ev.Time,
			inBranch: prevBranch[pid] || member,
		})
	}
}

// expire drops marks and ghosts whose time is up, by snapshot time.
func (m *Model) expire() {
	for pid, mk := range m.marks {
		if m.now.Sub(mk.since) >= m.hold(markTTL) {
			delete(m.marks, pid)
		}
	}
	kept := m.ghosts[:0]
	for _, g := range m.ghosts {
		age := m.now.Sub(g.since)
		if age >= m.hold(ghostTTL) {
			continue
		}
		g.g.Old = age >= m.hold(ghostOld)
		kept = append(kept, g)
	}
	clear(m.ghosts[len(kept):])
	m.ghosts = kept
	for pid := range m.zombieSince {
		if p := m.snap.Get(pid); p == nil || !p.Zombie() {
			delete(m.zombieSince, pid)
		}
	}
}

// ghostList is the ghosts the current scope shows.
func (m *Model) ghostList() []ui.Ghost {
	if len(m.ghosts) == 0 {
		return nil
	}
	out := make([]ui.Ghost, 0, len(m.ghosts))
	for _, g := range m.ghosts {
		if m.all || g.inBranch {
			out = append(out, g.g)
		}
	}
	return out
}

// reflatten lays the rows out again: after a poll, a fold, a scope or a
// search change. Never from View.
func (m *Model) reflatten() {
	if m.snap == nil {
		return
	}
	var marks map[int]ui.Mark
	if len(m.marks) > 0 {
		marks = make(map[int]ui.Mark, len(m.marks))
		for pid, mk := range m.marks {
			marks[pid] = ui.Mark{Kind: mk.kind, Fresh: m.now.Sub(mk.since) < m.hold(markFresh)}
		}
	}
	in := ui.FlattenInput{
		Snap:      m.snap,
		Tree:      m.ptree,
		All:       m.all,
		Collapsed: m.tree.collapsed,
		Keep:      m.keep,
		Match:     m.match,
		Ghosts:    m.ghostList(),
		Marks:     marks,
		Lab:       m.labTags,
	}
	// The row storage is reused: Update and View run on one goroutine,
	// and nothing keeps rows across a flatten.
	m.tree.setRows(ui.Flatten(m.tree.rows[:0], &in))
	m.matches = 0
	if m.match != nil {
		for i := range m.tree.rows {
			if m.tree.rows[i].Match {
				m.matches++
			}
		}
	}
}

// narrate writes the events worth a sentence into the log. In the lab
// scope those are the events of proctui's branch and the lab; in the all
// scope also those of the rows on screen, so that a busy machine does not
// flood the log.
func (m *Model) narrate(events []proctree.Event, prevBranch map[int]bool) {
	if len(events) == 0 {
		return
	}
	var onScreen map[int]bool
	if m.all {
		onScreen = make(map[int]bool, m.tree.height)
		end := min(m.tree.offset+m.tree.height, len(m.tree.rows))
		for i := m.tree.offset; i < end; i++ {
			onScreen[m.tree.rows[i].Proc.PID] = true
		}
	}
	name := func(pid int) string {
		if p := m.snap.Get(pid); p != nil {
			return p.Name()
		}
		return ""
	}
	for _, ev := range events {
		pid := ev.Proc.PID
		_, member := m.members[pid]
		if !(m.branch[pid] || prevBranch[pid] || member || onScreen[pid]) {
			continue
		}
		if m.alreadyTold(ev) {
			// The log told it with the action; the timeline keeps the
			// kernel's side too.
			if text := ui.Narrate(ev, name); text != "" {
				m.addTimeline(ev.Time, ui.LogEvent, pid, "", text)
			}
			continue
		}
		if text := ui.Narrate(ev, name); text != "" {
			m.logEntry(ev.Time, ui.LogEvent, pid, "", text)
		}
	}
}

// refreshDetails rebuilds the details pane's lines from what is known of
// the selected process.
func (m *Model) refreshDetails() { m.drawDetails(true) }

// drawDetails is refreshDetails; follow says a cursor on screen is kept on
// screen, as the table changes under it (not when a key scrolled it).
func (m *Model) drawDetails(follow bool) {
	if m.styles == nil || m.layout.DetailsInner() <= 0 {
		return
	}
	in := ui.DetailsInput{Now: m.now, ShowEnv: m.details.showEnv, InLab: m.cfg.Lab == nil}
	if r := m.tree.selected(); r != nil {
		p := r.Proc
		in.Proc = p
		in.Ghost = r.Ghost
		if pp := m.snap.Get(p.PPID); pp != nil {
			in.ParentName = pp.Name()
		}
		if m.details.pid == p.PID {
			in.Details, in.Err = m.details.data, m.details.err
		}
		if r.Ghost == nil && m.cfg.DetailReader == nil {
			in.Err = proctree.ErrUnsupported
		}
		if mb, ok := m.members[p.PID]; ok {
			in.InLab = true
			in.Lab = labTag(mb)
			in.Caught = caughtCounts(mb)
			in.FDNotes = streamNotes(mb)
			in.Plumbing = plumbingFDs(mb, in.Details)
			in.EnvChanges = mb.EnvChanges
			if in.Lab.Kind == ui.LabProgram {
				in.LabCmd = ui.Command(p)
			}
		}
		in.ZombieSince = m.zombieSince[p.PID]
		in.Memory = m.memoryPanel(p, r.Ghost != nil)
		if r.Ghost == nil {
			m.details.follow(m.details.fdsOf(p.PID))
		}
	}
	in.Cursor = m.focus == focusDetails && m.details.hasCursor
	in.FDCursor = m.details.cursorFD
	// A cursor on screen stays there, its note too, when the table
	// changes under it; one scrolled away is not brought back.
	keep := follow && in.Cursor && m.details.cursorShown()
	m.details.setLines(ui.RenderDetails(m.styles, &in, m.layout.DetailsInner()))
	m.details.showPart()
	if keep {
		m.details.showCursor()
	}
}
