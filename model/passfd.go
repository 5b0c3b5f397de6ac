package model

import (
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/proctui/proctui/sim"
)

// passMark is a descriptor P marked to pass: descriptor fd of lab image
// pid, sent to the next lab image P is pressed on.
type passMark struct {
	pid, fd int
	name    string
}

// passKey is P. In the fd table of a lab image (details focus), the first
// press marks the descriptor under the cursor; the next press, on another
// lab image, makes the first send it over a unix socket that joins them
// (SCM_RIGHTS) and the second receive it as a descriptor of its own.
func (m *Model) passKey() tea.Cmd {
	pid, name, ok := m.target()
	if !ok || !m.commandable(pid, name, "pass a descriptor") {
		return nil
	}
	mk := m.passMark
	if mk.pid != 0 && !m.inLab(mk.pid) {
		mk = passMark{}
		m.passMark = mk
	}
	if mk.pid != 0 && pid != mk.pid {
		if m.members[pid].Kind != sim.KindLabImage {
			m.setMsg(strconv.Itoa(pid)+" "+name+" is not a lab image: only a lab image receives a descriptor (recvmsg); r runs one", true)
			return nil
		}
		m.passMark = passMark{}
		m.syncKeys()
		lab, to := m.cfg.Lab, pid
		return act("pass", mk.pid, mk.name, func() (sim.Result, error) { return lab.PassFDTo(mk.pid, mk.fd, to) })
	}
	if m.members[pid].Kind != sim.KindLabImage {
		m.setMsg(strconv.Itoa(pid)+" "+name+" is not a lab image: only a lab image passes descriptors (sendmsg); r runs one", true)
		return nil
	}
	fd, ok := m.cursorFD(pid)
	if !ok && mk.pid == pid {
		m.setMsg("fd "+strconv.Itoa(mk.fd)+" of "+strconv.Itoa(pid)+" is marked: select the receiving lab image and press P (esc forgets)", false)
		return nil
	}
	if !ok {
		m.setMsg("P passes the descriptor under the cursor: tab to the fd table, pick a row with ↑↓, then P", true)
		return nil
	}
	if !m.cursorInSight(fd) || !m.actionableFD(pid, fd, name) {
		return nil
	}
	m.passMark = passMark{pid: pid, fd: fd, name: name}
	m.syncKeys()
	m.setMsg("pass fd "+strconv.Itoa(fd)+" of "+strconv.Itoa(pid)+": select the receiving lab image and press P (esc forgets)", false)
	return nil
}

// clearMarks forgets the marks of p, o and P; it reports whether there
// were any.
func (m *Model) clearMarks() bool {
	if m.pipeMark.pid == 0 && m.passMark.pid == 0 {
		return false
	}
	m.pipeMark, m.passMark = fdMark{}, passMark{}
	m.syncKeys()
	m.setMsg("mark cleared", false)
	return true
}

// openPrompt asks which file O makes the selected lab process open.
func (m *Model) openPrompt() tea.Cmd {
	pid, name, ok := m.target()
	if !ok || !m.commandable(pid, name, "open a file") {
		return nil
	}
	m.prompt = newPrompt(promptOpen, m.styles, m.width,
		"open which file in "+strconv.Itoa(pid)+"? (empty: a scratch file)", "enter opens · esc cancels", "", "path")
	m.prompt.target, m.prompt.name = pid, name
	return nil
}

// submitOpen opens the typed path (O_RDWR|O_CREAT) in the target.
func (m *Model) submitOpen(p *prompt) tea.Cmd {
	path := strings.TrimSpace(p.input.Value())
	m.prompt = nil
	lab, pid := m.cfg.Lab, p.target
	return act("open", pid, p.name, func() (sim.Result, error) { return lab.OpenFile(pid, path) })
}
