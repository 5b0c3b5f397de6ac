package model

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
	"github.com/proctui/proctui/ui"
)

// menuKind is which signal dialog is open.
type menuKind uint8

const (
	menuSend menuKind = iota + 1 // s: pick a signal to send
	menuDisp                     // i: change dispositions
)

// menuStep is where the send menu is: picking, or confirming a pick.
type menuStep uint8

const (
	stepPick    menuStep = iota // typing narrows, enter picks
	stepConfirm                 // outside the lab: y sends
	stepTypeIt                  // init, proctui, an ancestor: the name typed in full
)

// sigMenu is the open signal menu (s) or dispositions list (i).
type sigMenu struct {
	kind  menuKind
	pid   int
	name  string
	input textinput.Model
	items []int // the signals shown, narrowed by the input
	sel   int

	step  menuStep
	sig   int    // the signal picked, while it waits for confirmation
	why   string // why it needs confirming
	err   string
	forkd bool // menuDisp on a forked child: default and ignore only
}

// allSignals lists every signal of the platform that has a name.
func allSignals() []int {
	var out []int
	for sig := 1; sig <= 64; sig++ {
		if !strings.HasPrefix(proctree.SignalName(sig), "signal ") {
			out = append(out, sig)
		}
	}
	return out
}

// shortName is a signal's name without SIG: "TERM", "RTMIN+2".
func shortName(sig int) string { return strings.TrimPrefix(proctree.SignalName(sig), "SIG") }

// narrow lists the signals whose name contains q or whose number starts
// with it; an exact name or number comes first.
func narrow(q string) []int {
	q = strings.ToUpper(strings.TrimSpace(q))
	q = strings.TrimPrefix(q, "SIG")
	all := allSignals()
	if q == "" {
		return all
	}
	var exact, rest []int
	for _, sig := range all {
		name, num := shortName(sig), strconv.Itoa(sig)
		switch {
		case name == q || num == q:
			exact = append(exact, sig)
		case strings.Contains(name, q) || strings.HasPrefix(num, q):
			rest = append(rest, sig)
		}
	}
	return append(exact, rest...)
}

func newMenuInput(st *ui.Styles, placeholder string) textinput.Model {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = placeholder
	in.SetStyles(st.Input())
	in.SetWidth(16)
	in.Focus()
	return in
}

// signalKey opens the signal menu for the selected process.
func (m *Model) signalKey() tea.Cmd {
	if !m.labAvailable() {
		return nil
	}
	pid, name, ok := m.target()
	if !ok {
		return nil
	}
	m.menu = &sigMenu{kind: menuSend, pid: pid, name: name,
		input: newMenuInput(m.styles, "name or number"), items: allSignals()}
	return nil
}

// dispKey opens the dispositions list of the selected lab process.
func (m *Model) dispKey() tea.Cmd {
	if !m.labAvailable() {
		return nil
	}
	pid, name, ok := m.target()
	if !ok {
		return nil
	}
	mb, in := m.members[pid]
	switch {
	case !in:
		m.refuse(pid, name)
		return nil
	case mb.Kind == sim.KindSelf:
		m.setMsg("proctui's own signals belong to the Go runtime and the terminal: f forks a child, r runs the lab image; change theirs", true)
		return nil
	case mb.Kind == sim.KindProgram:
		m.setMsg(fmt.Sprintf("%d %s: %v", pid, name, sim.ErrNoControl), true)
		return nil
	case mb.Exited:
		m.setMsg(fmt.Sprintf("%d has exited: a zombie takes no more signals", pid), true)
		return nil
	}
	var items []int
	for sig := 1; sig <= 31; sig++ {
		items = append(items, sig)
	}
	m.menu = &sigMenu{kind: menuDisp, pid: pid, name: name, items: items,
		sel: int(syscall.SIGUSR1) - 1, forkd: mb.Kind == sim.KindForked}
	return nil
}

// onMenuKey drives the open signal dialog.
func (m *Model) onMenuKey(msg tea.KeyPressMsg) tea.Cmd {
	mn := m.menu
	if key.Matches(msg, m.keys.Cancel) {
		m.menu = nil
		if mn.kind == menuSend && mn.step != stepPick {
			m.setMsg(proctree.SignalName(mn.sig)+" not sent", false)
		}
		return nil
	}
	if mn.kind == menuDisp {
		return m.onDispKey(msg)
	}
	switch mn.step {
	case stepConfirm:
		m.menu = nil
		if msg.String() == "y" || msg.String() == "Y" {
			return m.sendSignal(mn.pid, mn.name, mn.sig)
		}
		m.setMsg(proctree.SignalName(mn.sig)+" not sent: only y sends it", false)
		return nil
	case stepTypeIt:
		if key.Matches(msg, m.keys.Accept) {
			typed := strings.ToUpper(strings.TrimSpace(mn.input.Value()))
			if typed == proctree.SignalName(mn.sig) || typed == shortName(mn.sig) {
				m.menu = nil
				return m.sendSignal(mn.pid, mn.name, mn.sig)
			}
			mn.err = "type " + proctree.SignalName(mn.sig) + " in full, or esc"
			return nil
		}
		var cmd tea.Cmd
		mn.input, cmd = mn.input.Update(msg)
		mn.err = ""
		return cmd
	}
	switch msg.String() {
	case "up":
		mn.sel = max(0, mn.sel-1)
		return nil
	case "down":
		mn.sel = min(len(mn.items)-1, mn.sel+1)
		return nil
	}
	if key.Matches(msg, m.keys.Accept) {
		if len(mn.items) == 0 {
			mn.err = "no signal matches"
			return nil
		}
		return m.pickSignal(mn.items[mn.sel])
	}
	before := mn.input.Value()
	var cmd tea.Cmd
	mn.input, cmd = mn.input.Update(msg)
	if mn.input.Value() != before {
		mn.items, mn.sel, mn.err = narrow(mn.input.Value()), 0, ""
	}
	return cmd
}

// pickSignal sends sig at once to a lab process, or asks first.
func (m *Model) pickSignal(sig int) tea.Cmd {
	mn := m.menu
	guard, why := m.cfg.Lab.SignalGuard(mn.pid)
	switch guard {
	case sim.GuardNone:
		m.menu = nil
		return m.sendSignal(mn.pid, mn.name, sig)
	case sim.GuardConfirm:
		mn.step, mn.sig, mn.why = stepConfirm, sig, why
	default:
		mn.step, mn.sig, mn.why = stepTypeIt, sig, why
		mn.input = newMenuInput(m.styles, "")
	}
	return nil
}

func (m *Model) sendSignal(pid int, name string, sig int) tea.Cmd {
	lab := m.cfg.Lab
	return act("signal", pid, name, func() (sim.Result, error) { return lab.Signal(pid, sig) })
}

// onDispKey changes the selected signal's disposition: d default, i
// ignore, c catch, b block or unblock.
func (m *Model) onDispKey(msg tea.KeyPressMsg) tea.Cmd {
	mn := m.menu
	switch {
	case key.Matches(msg, m.keys.Up):
		mn.sel = max(0, mn.sel-1)
		return nil
	case key.Matches(msg, m.keys.Down):
		mn.sel = min(len(mn.items)-1, mn.sel+1)
		return nil
	}
	sig := mn.items[mn.sel]
	var d sim.Disposition
	switch msg.String() {
	case "d":
		d = sim.DispDefault
	case "i":
		d = sim.DispIgnore
	case "c":
		if mn.forkd {
			mn.err = fmt.Sprintf("%d: %v", mn.pid, sim.ErrNoCatchInFork)
			m.setMsg(mn.err, true)
			return nil
		}
		d = sim.DispCatch
	case "b":
		if mn.forkd {
			m.setMsg("a forked child offers default and ignore here; the lab image (r, enter) shows blocking", true)
			return nil
		}
		d = sim.DispBlock
		if s, ok := m.menuSignals(); ok && s.Blocked.Has(sig) {
			d = sim.DispUnblock
		}
	default:
		return nil
	}
	mn.err = ""
	lab, pid := m.cfg.Lab, mn.pid
	return act("disposition", pid, mn.name, func() (sim.Result, error) { return lab.SetDisposition(pid, sig, d) })
}

// menuSignals is the last read of the dialog's process's signal masks.
func (m *Model) menuSignals() (proctree.Signals, bool) {
	if m.menu == nil || m.details.pid != m.menu.pid || m.details.data == nil {
		return proctree.Signals{}, false
	}
	return m.details.data.Signals, m.details.data.SigErr == nil
}

// dispWords says what a process does with sig now.
func dispWords(s proctree.Signals, sig int) string {
	w := "default"
	switch {
	case s.Ignored.Has(sig):
		w = "ignore"
	case s.Caught.Has(sig):
		w = "catch"
	}
	if s.Blocked.Has(sig) {
		w += " · blocked"
	}
	if s.Pending.Has(sig) || s.SharedPending.Has(sig) {
		w += " · pending"
	}
	return w
}

// menuView draws the open dialog in place of both panes, and its bottom
// line.
func (m *Model) menuView() (panes []string, bottom string) {
	mn := m.menu
	h := m.layout.PaneH
	who := strconv.Itoa(mn.pid) + " " + ui.Clean(mn.name)
	if mn.kind == menuDisp {
		var items []ui.SignalItem
		s, ok := m.menuSignals()
		for _, sig := range mn.items {
			it := ui.SignalItem{Sig: sig, Disp: "…"}
			if ok {
				it.Disp = dispWords(s, sig)
			}
			items = append(items, it)
		}
		intro := []string{"Each signal: take the default action, ignore it, or catch it with a handler; blocked ones wait as pending until unblocked. SIGKILL and SIGSTOP cannot be caught, ignored or blocked."}
		keys := "d default · i ignore · c catch · b block/unblock · ↑↓ move · esc closes"
		if mn.forkd {
			intro = append(intro, "A forked child can take the default or ignore (sigaction with SIG_DFL or SIG_IGN). It cannot catch: a handler would be Go code, and a raw fork() child must never run the Go runtime again.")
			keys = "d default · i ignore · ↑↓ move · esc closes"
		}
		panes = ui.SignalMenu(m.styles, "signal dispositions of "+who, intro, items, mn.sel, m.width, h)
		return panes, ui.PromptLine(m.styles, "dispositions", "", keys, mn.err, m.width)
	}
	var items []ui.SignalItem
	for _, sig := range mn.items {
		items = append(items, ui.SignalItem{Sig: sig})
	}
	intro := []string{"Type a name or number to narrow the list; enter sends the selected signal with kill() to this one process."}
	name := proctree.SignalName(mn.sig)
	switch mn.step {
	case stepConfirm:
		intro = []string{mn.why + ". Press y to send " + name + " to it; any other key cancels."}
	case stepTypeIt:
		intro = []string{mn.why + ". To send " + name + " to it, type the signal's name in full and press enter; esc cancels."}
	}
	panes = ui.SignalMenu(m.styles, "send a signal to "+who, intro, items, min(mn.sel, max(0, len(items)-1)), m.width, h)
	switch mn.step {
	case stepConfirm:
		bottom = ui.PromptLine(m.styles, "send "+name+" to "+who+"?", "", "y sends · any other key cancels", "", m.width)
	case stepTypeIt:
		bottom = ui.PromptLine(m.styles, "type "+name+" to send it:", mn.input.View(), "enter sends · esc cancels", mn.err, m.width)
	default:
		bottom = ui.PromptLine(m.styles, "signal", mn.input.View(), "↑↓ choose · enter sends · esc cancels", mn.err, m.width)
	}
	return panes, bottom
}

// onSignalDone puts a signal's or disposition's system call in the status
// line: "kill(4316, SIGUSR1) = 0".
func (m *Model) onSignalDone(msg ActionDoneMsg) {
	if msg.Action != "signal" && msg.Action != "disposition" {
		return
	}
	if msg.Err != nil {
		return // onAction says why, on the status line and in the narration
	}
	text := msg.Result.Syscall
	if msg.Action == "signal" {
		text += " = 0"
	}
	m.setMsg(text, false)
}

// caughtCounts turns a lab image's counts into what the details show.
func caughtCounts(mb sim.Member) []ui.SignalCount {
	var out []ui.SignalCount
	for _, c := range mb.Caught {
		out = append(out, ui.SignalCount{Sig: c.Sig, Count: c.Count, Last: c.Last})
	}
	return out
}
