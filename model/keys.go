package model

import "charm.land/bubbles/v2/key"

// KeyMap is every key proctui answers to, with the help text the help bar
// and the full help (?) show. Keys of features not built yet are not here:
// a key in the help must do something.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Collapse, Expand                        key.Binding
	Focus                                   key.Binding
	Search, Next, Prev, Clear               key.Binding
	Scope                                   key.Binding
	Env                                     key.Binding
	Fork, Run, Exit, Wait, Detach           key.Binding
	Signal, Disp                            key.Binding
	Memory                                  key.Binding
	Pipe, Socket, CloseFD, WriteFD          key.Binding
	ReadFD, Exec, Cloexec, SetEnv           key.Binding
	Pause, Help, Quit                       key.Binding
	Timeline                                key.Binding
	// Interrupt quits even from a prompt, where q is just a letter.
	Interrupt key.Binding
	// Accept and Cancel answer an open prompt.
	Accept, Cancel key.Binding
}

// DefaultKeyMap is the key map of DESIGN.md. v (show the environment) is
// proctui's own addition: no other key was free of meaning.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:    key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown:  key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Top:       key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:    key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		Collapse:  key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "collapse")),
		Expand:    key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "expand")),
		Focus:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "tree ↔ details")),
		Search:    key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		Next:      key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next match")),
		Prev:      key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),
		Clear:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear search")),
		Scope:     key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "all")),
		Env:       key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "show environment")),
		Fork:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "fork")),
		Run:       key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "run")),
		Exit:      key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "exit")),
		Wait:      key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "wait")),
		Detach:    key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "detach")),
		Signal:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "signal")),
		Disp:      key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "dispositions")),
		Memory:    key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "write memory")),
		Pipe:      key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pipe (mark, then p again)")),
		Socket:    key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "socket pair (like p)")),
		CloseFD:   key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "close an fd")),
		WriteFD:   key.NewBinding(key.WithKeys(">"), key.WithHelp(">", "write a line to an fd")),
		ReadFD:    key.NewBinding(key.WithKeys("<"), key.WithHelp("<", "read once from an fd")),
		Exec:      key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "exec")),
		Cloexec:   key.NewBinding(key.WithKeys("*"), key.WithHelp("*", "toggle close-on-exec")),
		SetEnv:    key.NewBinding(key.WithKeys("V"), key.WithHelp("V", "set/unset a variable")),
		Pause:     key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "pause")),
		Timeline:  key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "event timeline")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Interrupt: key.NewBinding(key.WithKeys("ctrl+c")),
		Accept:    key.NewBinding(key.WithKeys("enter")),
		Cancel:    key.NewBinding(key.WithKeys("esc")),
	}
}

// ShortHelp is the one-line help at the bottom of the screen; it fits in
// 80 columns. space (pause) is in the full help: the status line says when
// polling is paused.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Fork, k.Run, k.Exit, k.Wait, k.Detach, k.Signal, k.Scope, k.Search, k.Help, k.Quit}
}

// FullHelp is the help shown by ?, in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Collapse, k.Expand, k.Focus, k.Search, k.Next, k.Prev, k.Clear},
		{k.Fork, k.Run, k.Exit, k.Wait, k.Detach, k.Memory, k.Signal, k.Disp},
		{k.Scope, k.Env, k.Timeline, k.Pause, k.Help, k.Quit},
		{k.Pipe, k.Socket, k.CloseFD, k.WriteFD, k.ReadFD, k.Exec, k.Cloexec, k.SetEnv},
	}
}
