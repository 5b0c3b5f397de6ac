package model

import (
	"errors"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
)

// fdMark is the process p (or o) marked as the first end of the next
// pipe (or socket pair).
type fdMark struct {
	pid  int
	name string
	kind string // "pipe" or "socket pair"
}

// commandable says whether pid is a lab process that takes commands
// (forked or lab image, alive), and if not, says why on the status line.
func (m *Model) commandable(pid int, name, what string) bool {
	if !m.labAvailable() {
		return false
	}
	if m.snap != nil && pid == m.snap.Self {
		m.setMsg("proctui's own descriptors are its plumbing: "+what+" in a forked child or lab image", true)
		return false
	}
	if !m.inLab(pid) {
		m.refuse(pid, name)
		return false
	}
	mb := m.members[pid]
	if mb.Kind == sim.KindProgram {
		m.setMsg(strconv.Itoa(pid)+" "+name+": "+sim.ErrNoControl.Error(), true)
		return false
	}
	if r := m.tree.selected(); r != nil && r.Proc.PID == pid && r.Proc.Zombie() {
		m.setMsg(strconv.Itoa(pid)+" "+name+" has exited: a zombie has no descriptors", true)
		return false
	}
	return true
}

// pairKey is p (kind "pipe") and o ("socket pair"): the first press
// marks the process that makes it (a pipe's writer), the second, on the
// other process or on the same one for both ends, makes it.
func (m *Model) pairKey(kind string) tea.Cmd {
	pid, name, ok := m.target()
	if !ok || !m.commandable(pid, name, "make a "+kind) {
		return nil
	}
	if m.pipeMark.pid == 0 || m.pipeMark.kind != kind || !m.inLab(m.pipeMark.pid) {
		m.pipeMark = fdMark{pid: pid, name: name, kind: kind}
		k, first := "p", "the write end"
		if kind != "pipe" {
			k, first = "o", "one end"
		}
		m.setMsg(kind+": "+strconv.Itoa(pid)+" "+name+" will hold "+first+"; press "+k+" on the other process ("+k+" here again: both ends in "+strconv.Itoa(pid)+")", false)
		m.syncKeys()
		return nil
	}
	a := m.pipeMark
	m.pipeMark = fdMark{}
	m.syncKeys()
	lab := m.cfg.Lab
	if kind == "pipe" {
		return act("pipe", a.pid, a.name, func() (sim.Result, error) { return lab.Pipe(a.pid, pid) })
	}
	return act("socket pair", a.pid, a.name, func() (sim.Result, error) { return lab.SocketPair(a.pid, pid) })
}

// fdPrompt asks which descriptor of the selected lab process c, > or <
// acts on, offering the likeliest one from its fd table.
func (m *Model) fdPrompt(kind promptKind) tea.Cmd {
	pid, name, ok := m.target()
	if !ok || !m.commandable(pid, name, kind.String()) {
		return nil
	}
	verb := map[promptKind]string{promptCloseFD: "close", promptWriteFD: "write a line to", promptReadFD: "read once from", promptCloexec: "toggle close-on-exec on"}[kind]
	m.prompt = newPrompt(kind, m.styles, m.width,
		verb+" which fd of "+strconv.Itoa(pid)+" "+name+"?",
		"tab picks from the fd table · enter "+strings.Fields(verb)[0]+"s · esc cancels", m.likelyFD(pid, kind), "fd")
	m.prompt.target, m.prompt.name = pid, name
	return nil
}

// likelyFD is the descriptor a prompt offers: the newest pipe end that
// fits (a write end to write to, a read end to read from), "" if none.
func (m *Model) likelyFD(pid int, kind promptKind) string {
	d := m.details.data
	if d == nil || d.PID != pid || d.FDErr != nil {
		return ""
	}
	ctl := m.members[pid].ControlFD
	best := ""
	for _, f := range d.FDs {
		if f.Type != proctree.FDPipe && f.Type != proctree.FDSocket || f.Num == ctl {
			continue
		}
		switch {
		case kind == promptWriteFD && !strings.Contains(f.Mode, "w"):
			continue
		case kind == promptReadFD && !strings.Contains(f.Mode, "r"):
			continue
		}
		best = strconv.Itoa(f.Num)
	}
	return best
}

// submitFD runs c, > or < on the typed descriptor.
func (m *Model) submitFD(p *prompt) tea.Cmd {
	fd, err := strconv.Atoi(strings.TrimSpace(p.input.Value()))
	if err != nil || fd < 0 {
		p.err = "a descriptor is a number: 0, 1, 3 …"
		return nil
	}
	if !m.actionableFD(p.target, fd, p.name) {
		p.err = "not that one"
		return nil
	}
	m.prompt = nil
	return m.runFD(p.kind, p.target, p.name, fd)
}

// runFD runs c, >, < or * on descriptor fd of lab process pid.
func (m *Model) runFD(kind promptKind, pid int, name string, fd int) tea.Cmd {
	lab := m.cfg.Lab
	if m.members[pid].Kind == sim.KindLabImage && (kind == promptWriteFD || kind == promptReadFD) {
		// A lab image streams: a line a second, or reading all that comes.
		write := kind == promptWriteFD
		return act("stream", pid, name, func() (sim.Result, error) { return lab.Stream(pid, fd, write) })
	}
	switch kind {
	case promptCloexec:
		return act("close-on-exec", pid, name, func() (sim.Result, error) { return lab.ToggleCloexec(pid, fd) })
	case promptCloseFD:
		return act("close", pid, name, func() (sim.Result, error) { return lab.CloseFD(pid, fd) })
	case promptWriteFD:
		return act("write", pid, name, func() (sim.Result, error) { return lab.WriteFD(pid, fd) })
	default:
		return act("read", pid, name, func() (sim.Result, error) { return lab.ReadFD(pid, fd) })
	}
}

// submitPipeline runs "yes | head -n 1" typed into the run prompt: the
// two programs joined by a pipe on their fds 1 and 0. done is false when
// the line has no | (an ordinary run).
func (m *Model) submitPipeline(p *prompt) (tea.Cmd, bool) {
	left, right, ok, err := sim.SplitPipeline(p.input.Value())
	if err != nil {
		p.err = "not run"
		m.setMsg(err.Error(), true)
		return nil, true
	}
	if !ok {
		return nil, false
	}
	m.prompt = nil
	lab, parent := m.cfg.Lab, p.target
	return act("run", parent, p.name, func() (sim.Result, error) { return lab.RunPipeline(parent, left, right) }), true
}

// streamNotes says, per descriptor, how many bytes a lab image moved on
// it: "wrote 120 B", "read 120 B · end of file"; on a socket, which goes
// both ways, each direction: "sent 120 B · received 96 B".
func streamNotes(mb sim.Member) map[int]string {
	if len(mb.Streams) == 0 {
		return nil
	}
	out := map[int]string{}
	// Writing first, then reading, whatever order the lab lists them in.
	for _, write := range []bool{true, false} {
		for _, s := range mb.Streams {
			if s.Write != write {
				continue
			}
			verb := "read "
			switch {
			case s.Write && s.Socket:
				verb = "sent "
			case s.Write:
				verb = "wrote "
			case s.Socket:
				verb = "received "
			}
			n := verb + strconv.FormatInt(s.Bytes, 10) + " B"
			if s.Ended != "" {
				n += " (" + s.Ended + ")"
			}
			if out[s.FD] != "" {
				n = out[s.FD] + " · " + n
			}
			out[s.FD] = n
		}
	}
	return out
}

// execPrompt asks for the program e makes the selected forked child or lab
// image exec.
func (m *Model) execPrompt() tea.Cmd {
	pid, name, ok := m.target()
	if !ok || !m.commandable(pid, name, "exec") {
		return nil
	}
	m.prompt = newPrompt(promptExec, m.styles, m.width,
		"exec in "+strconv.Itoa(pid)+" "+name+":", "enter execs · esc cancels", "", "e.g. sleep 300")
	m.prompt.target, m.prompt.name = pid, name
	return nil
}

// submitExec makes the target exec the typed command.
func (m *Model) submitExec(p *prompt) tea.Cmd {
	argv, err := sim.SplitCommand(p.input.Value())
	if err == nil && len(argv) == 0 {
		err = errEmptyExec
	}
	if err != nil {
		p.err = "not run"
		m.setMsg(err.Error(), true)
		return nil
	}
	m.prompt = nil
	lab, pid := m.cfg.Lab, p.target
	return act("exec", pid, p.name, func() (sim.Result, error) { return lab.Exec(pid, argv) })
}

var errEmptyExec = errors.New("exec needs a program to run, e.g. sleep 300")

// envPrompt asks for the variable V sets (KEY=VALUE) or unsets (KEY) in
// the selected lab image.
func (m *Model) envPrompt() tea.Cmd {
	pid, name, ok := m.target()
	if !ok || !m.commandable(pid, name, "change an environment") {
		return nil
	}
	if m.members[pid].Kind != sim.KindLabImage {
		m.setMsg(strconv.Itoa(pid)+" "+name+" is not a lab image: only a lab image changes its environment (r runs one)", true)
		return nil
	}
	m.prompt = newPrompt(promptSetEnv, m.styles, m.width,
		"in "+strconv.Itoa(pid)+" "+name+", set or unset:", "enter sets · esc cancels", "", "KEY=VALUE sets, KEY unsets")
	m.prompt.target, m.prompt.name = pid, name
	return nil
}

// submitEnv sets or unsets the typed variable.
func (m *Model) submitEnv(p *prompt) tea.Cmd {
	kv := strings.TrimSpace(p.input.Value())
	if kv == "" {
		p.err = "KEY=VALUE or KEY"
		return nil
	}
	m.prompt = nil
	lab, pid := m.cfg.Lab, p.target
	return act("environment", pid, p.name, func() (sim.Result, error) { return lab.SetEnv(pid, kv) })
}
