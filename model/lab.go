package model

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/proctui/proctui/sim"
	"github.com/proctui/proctui/ui"
)

// labTag turns what the lab knows of a member into what the screen shows.
func labTag(mb sim.Member) ui.LabTag {
	t := ui.LabTag{Detached: mb.Detached, Parent: mb.Parent}
	switch mb.Kind {
	case sim.KindSelf:
		t.Kind = ui.LabSelf
	case sim.KindForked:
		t.Kind = ui.LabForked
	case sim.KindLabImage:
		t.Kind = ui.LabImage
	case sim.KindProgram:
		t.Kind = ui.LabProgram
	default:
		t.Kind = ui.LabNone
	}
	return t
}

// inLab reports whether pid is proctui or one of its lab processes, as of
// the last poll (the lab's membership is read with every snapshot).
func (m *Model) inLab(pid int) bool {
	if m.snap != nil && pid == m.snap.Self {
		return true
	}
	_, ok := m.members[pid]
	return ok
}

// target is the process a lab key acts on: the selected row, or proctui
// when nothing is selected.
func (m *Model) target() (pid int, name string, ok bool) {
	if r := m.tree.selected(); r != nil {
		if r.Ghost != nil {
			m.setMsg(strconv.Itoa(r.Proc.PID)+" is gone", true)
			return 0, "", false
		}
		return r.Proc.PID, r.Proc.Name(), true
	}
	if m.snap != nil {
		if p := m.snap.Get(m.snap.Self); p != nil {
			return p.PID, p.Name(), true
		}
	}
	return 0, "", false
}

// labAvailable says why the lab keys cannot work, if they cannot.
func (m *Model) labAvailable() bool {
	if m.cfg.Lab != nil {
		return true
	}
	reason := "it did not start"
	if m.cfg.LabErr != nil {
		reason = m.cfg.LabErr.Error()
	}
	m.setMsg("the lab is not available: "+reason, true)
	return false
}

// refuse explains that a process outside the lab cannot be changed.
func (m *Model) refuse(pid int, name string) {
	m.setMsg(fmt.Sprintf("%d %s is %v", pid, name, sim.ErrNotInLab), true)
}

// labKey answers f r x w d.
func (m *Model) labKey(action string) tea.Cmd {
	if !m.labAvailable() {
		return nil
	}
	lab := m.cfg.Lab
	if action == "run" {
		return m.runPrompt()
	}
	pid, name, ok := m.target()
	if !ok {
		return nil
	}
	switch action {
	case "exit":
		if !m.inLab(pid) {
			m.refuse(pid, name)
			return nil
		}
		if m.snap != nil && pid == m.snap.Self {
			m.setMsg("proctui itself does not exit with x: q quits and ends the whole lab", true)
			return nil
		}
		if r := m.tree.selected(); r != nil && r.Proc.PID == pid && r.Proc.Zombie() {
			m.setMsg(strconv.Itoa(pid)+" "+name+" has already exited: w makes its parent reap it", true)
			return nil
		}
		m.prompt = newPrompt(promptExit, m.styles, m.width,
			"exit status for "+strconv.Itoa(pid)+" "+name+" (0–255):",
			"enter exits · esc cancels", "", "0")
		m.prompt.target, m.prompt.name = pid, name
		return nil
	}
	if !m.inLab(pid) {
		m.refuse(pid, name)
		return nil
	}
	switch action {
	case "fork":
		return act(action, pid, name, func() (sim.Result, error) { return lab.Fork(pid) })
	case "wait":
		return act(action, pid, name, func() (sim.Result, error) { return lab.Wait(pid) })
	case "detach":
		return act(action, pid, name, func() (sim.Result, error) { return lab.Detach(pid) })
	}
	return nil
}

// runPrompt asks for the command line r runs. A program runs under the
// selected lab process, or under proctui when the selection is outside the
// lab (or gone).
func (m *Model) runPrompt() tea.Cmd {
	if m.snap == nil {
		return nil
	}
	pid, name := m.snap.Self, m.selfName()
	if r := m.tree.selected(); r != nil && r.Ghost == nil && !r.Proc.Zombie() && m.inLab(r.Proc.PID) {
		pid, name = r.Proc.PID, r.Proc.Name()
	}
	m.prompt = newPrompt(promptRun, m.styles, m.width,
		"run under "+strconv.Itoa(pid)+" "+name+":",
		"enter runs · esc cancels", "", "empty or lab = the lab image; e.g. sleep 300 or yes | head -n 1")
	m.prompt.target, m.prompt.name = pid, name
	return nil
}

// act runs a lab call off the event loop; it blocks until the kernel has
// answered, and its ActionDoneMsg triggers an immediate poll.
func act(action string, pid int, name string, fn func() (sim.Result, error)) tea.Cmd {
	return func() tea.Msg {
		res, err := fn()
		return ActionDoneMsg{Action: action, PID: pid, Name: name, Result: res, Err: err, Time: time.Now()}
	}
}

// submitRun starts the command typed into the run prompt.
func (m *Model) submitRun(p *prompt) tea.Cmd {
	if cmd, done := m.submitPipeline(p); done {
		return cmd
	}
	argv, err := sim.SplitCommand(p.input.Value())
	if err != nil {
		// The reason can be long (it suggests sh -c); the status line
		// has room for it.
		p.err = "not run"
		m.setMsg(err.Error(), true)
		return nil
	}
	m.prompt = nil
	lab, parent := m.cfg.Lab, p.target
	return act("run", parent, p.name, func() (sim.Result, error) { return lab.Run(parent, argv) })
}

// submitExit makes the target exit with the typed status.
func (m *Model) submitExit(p *prompt) tea.Cmd {
	code, err := parseStatus(p.input.Value())
	if err != nil {
		p.err = err.Error()
		return nil
	}
	m.prompt = nil
	lab, pid := m.cfg.Lab, p.target
	return act("exit", pid, p.name, func() (sim.Result, error) { return lab.Exit(pid, code) })
}

// onAction logs the lab's answer and polls at once, so the screen shows
// the kernel's side of it.
func (m *Model) onAction(msg ActionDoneMsg) tea.Cmd {
	m.peers.Invalidate()
	m.onSignalDone(msg)
	if msg.Err != nil {
		text := actionError(msg)
		m.logf(msg.Time, ui.LogError, "%s", text)
		m.setMsg(text, true)
	} else {
		text := msg.Result.Text
		if text == "" {
			text = msg.Action + ": " + msg.Result.Syscall
		}
		m.logEntry(msg.Time, ui.LogAction, msg.PID, msg.Result.Syscall, text)
		m.expectTold(msg)
		m.cursorToNewFD(msg)
		if p := partOf(msg.Action); p != partNone {
			m.details.reveal = p
			m.refreshDetails()
		}
	}
	return m.startPoll()
}

// actionError says why an action failed, in a sentence.
func actionError(msg ActionDoneMsg) string {
	who := strconv.Itoa(msg.PID) + " " + msg.Name
	switch {
	case errors.Is(msg.Err, sim.ErrNotInLab):
		return who + " is " + sim.ErrNotInLab.Error()
	case errors.Is(msg.Err, sim.ErrLabFull):
		return msg.Action + " refused: " + msg.Err.Error() + " (x and w end lab processes)"
	case errors.Is(msg.Err, sim.ErrNotZombie):
		return who + " is not a zombie: it has no exit status to collect"
	}
	return msg.Action + " " + who + " failed: " + msg.Err.Error()
}

func (m *Model) selfName() string {
	if m.snap != nil {
		if p := m.snap.Get(m.snap.Self); p != nil {
			return p.Name()
		}
	}
	return "proctui"
}
