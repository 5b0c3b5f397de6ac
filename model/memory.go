package model

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
	"github.com/proctui/proctui/ui"
)

// memoryWant is what the details read asks for about p: everything, plus
// smaps_rollup for a lab process (a page-table walk of the target, so never
// for processes outside the lab), and the parent whose smaps_rollup goes
// beside it when p is a forked child (0: none).
func (m *Model) memoryWant(p *proctree.Proc) (want proctree.Want, parent int) {
	want = proctree.WantAll
	if p.Zombie() || !m.inLab(p.PID) {
		return want, 0
	}
	want |= proctree.WantSmaps
	if mb, ok := m.members[p.PID]; ok && mb.Kind == sim.KindForked && m.inLab(p.PPID) {
		parent = p.PPID
	}
	return want, parent
}

// memoryPanel is the copy-on-write panel of the selected process, from the
// last details read; nil when it has none.
func (m *Model) memoryPanel(p *proctree.Proc, ghost bool) *ui.MemoryPanel {
	det := m.details.data
	if ghost || p.Zombie() || !m.inLab(p.PID) || det == nil || m.details.pid != p.PID || !m.details.smaps {
		return nil
	}
	panel := &ui.MemoryPanel{Sides: []ui.MemSide{{PID: p.PID, Role: "selected", Smaps: det.Smaps, Err: det.SmapsErr}}}
	if m.snap != nil && p.PID == m.snap.Self {
		panel.Sides[0].Role = "proctui"
	}
	if par := m.details.parent; par != nil && par.PID == p.PPID {
		panel.Sides = append(panel.Sides, ui.MemSide{PID: par.PID, Role: "parent", Smaps: par.Smaps, Err: par.SmapsErr})
	}
	// The buffer is proctui's: it and the children forked from it share
	// it. A lab image or a program was exec'd, which replaced that memory,
	// and a child forked from a lab image has the lab image's memory.
	if m.cfg.Lab != nil && m.snap != nil && (p.PID == m.snap.Self || m.members[p.PID].SharesBuffer) {
		panel.Buffer = m.cfg.Lab.CowBytes()
	}
	return panel
}

// memoryKey answers m: it asks how many MiB the selected process writes.
// Where there is nothing to ask (no buffer, a process that cannot write
// it) the lab's answer says why at once.
func (m *Model) memoryKey() tea.Cmd {
	if !m.labAvailable() {
		return nil
	}
	pid, name, ok := m.target()
	if !ok {
		return nil
	}
	if !m.inLab(pid) {
		m.refuse(pid, name)
		return nil
	}
	if r := m.tree.selected(); r != nil && r.Proc.PID == pid && r.Proc.Zombie() {
		m.setMsg(strconv.Itoa(pid)+" "+name+" has exited: a zombie has no memory left to write", true)
		return nil
	}
	lab := m.cfg.Lab
	size := lab.CowBytes() >> 20
	mb, member := m.members[pid]
	if size == 0 || (member && mb.Kind != sim.KindForked) {
		return act("memory", pid, name, func() (sim.Result, error) { return lab.WriteMemory(pid, 1<<20) })
	}
	m.prompt = newPrompt(promptMemory, m.styles, m.width,
		fmt.Sprintf("MiB for %d %s to write (from the start of the %d MiB buffer):", pid, name, size),
		"enter writes · esc cancels", "", strconv.FormatInt(max(1, size/4), 10))
	m.prompt.target, m.prompt.name = pid, name
	return nil
}

// submitMemory makes the target write the typed number of MiB.
func (m *Model) submitMemory(p *prompt) tea.Cmd {
	lab := m.cfg.Lab
	size := lab.CowBytes() >> 20
	n, err := parseMiB(p.input.Value(), size)
	if err != nil {
		p.err = err.Error()
		return nil
	}
	m.prompt = nil
	pid := p.target
	return act("memory", pid, p.name, func() (sim.Result, error) { return lab.WriteMemory(pid, n<<20) })
}

// parseMiB reads a size in MiB from 1 to size; empty means a quarter of it.
func parseMiB(s string, size int64) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return max(1, size/4), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > size {
		return 0, fmt.Errorf("a size in MiB from 1 to %d", size)
	}
	return n, nil
}
