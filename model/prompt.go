package model

import (
	"errors"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/proctui/proctui/ui"
)

// promptKind is what an open prompt asks for.
type promptKind uint8

const (
	promptSearch  promptKind = iota + 1 // a search query, applied as it is typed
	promptRun                           // a command line to spawn
	promptExit                          // an exit status
	promptMemory                        // how many MiB to write (copy-on-write)
	promptCloseFD                       // a descriptor to close
	promptWriteFD                       // a descriptor to write a line to
	promptReadFD                        // a descriptor to read from
	promptCloexec                       // a descriptor to toggle close-on-exec on
	promptExec                          // a command line to exec
	promptSetEnv                        // KEY=VALUE to set, KEY to unset
	promptOpen                          // a path to open ("": a scratch file)
)

// String names the prompt kind.
func (k promptKind) String() string {
	switch k {
	case promptSearch:
		return "search"
	case promptRun:
		return "run"
	case promptExit:
		return "exit"
	case promptMemory:
		return "memory"
	case promptCloseFD:
		return "close"
	case promptWriteFD:
		return "write"
	case promptReadFD:
		return "read"
	case promptCloexec:
		return "close-on-exec"
	case promptExec:
		return "exec"
	case promptSetEnv:
		return "environment"
	case promptOpen:
		return "open"
	}
	return "unknown"
}

// prompt is a one-line dialog at the bottom of the screen.
type prompt struct {
	kind  promptKind
	input textinput.Model
	label string
	hint  string
	err   string
	// target is the process the prompt acts on (run: the parent; exit:
	// the process that exits).
	target int
	name   string
}

func newPrompt(kind promptKind, st *ui.Styles, w int, label, hint, value, placeholder string) *prompt {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = placeholder
	in.SetStyles(st.Input())
	in.SetValue(value)
	in.CursorEnd()
	in.Focus()
	p := &prompt{kind: kind, input: in, label: label, hint: hint}
	p.setWidth(w)
	return p
}

// setWidth sizes the input for a screen w cells wide. The input scrolls
// horizontally beyond its width; the rest of the line is left for the label
// and the hint or error.
func (p *prompt) setWidth(w int) {
	switch p.kind {
	case promptExit, promptMemory, promptCloseFD, promptWriteFD, promptReadFD, promptCloexec:
		p.input.SetWidth(4)
	case promptSearch:
		p.input.SetWidth(min(24, w/3))
	case promptRun, promptExec, promptSetEnv, promptOpen:
		p.input.SetWidth(max(12, w-ansiWidth(p.label)-28))
	}
}

// fdKind says the prompt asks for a descriptor of the fd table.
func (p *prompt) fdKind() bool {
	switch p.kind {
	case promptCloseFD, promptWriteFD, promptReadFD, promptCloexec:
		return true
	}
	return false
}

// update passes a key to the input; an edit clears a shown error.
func (p *prompt) update(msg tea.Msg) tea.Cmd {
	before := p.input.Value()
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	if p.input.Value() != before {
		p.err = ""
	}
	return cmd
}

func (p *prompt) view(st *ui.Styles, w int) string {
	return ui.PromptLine(st, p.label, p.input.View(), p.hint, p.err, w)
}

// parseStatus reads an exit status: empty means 0.
func parseStatus(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 255 {
		return 0, errors.New("a status is a number from 0 to 255")
	}
	return n, nil
}

func ansiWidth(s string) int { return ansi.StringWidth(s) }
