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
	PassFD, OpenFile                        key.Binding
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
		PassFD:    key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "pass an fd (like p)")),
		OpenFile:  key.NewBinding(key.WithKeys("O"), key.WithHelp("O", "open a file")),
		Pause:     key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "pause")),
		Timeline:  key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "event timeline")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Interrupt: key.NewBinding(key.WithKeys("ctrl+c")),
		Accept:    key.NewBinding(key.WithKeys("enter")),
		Cancel:    key.NewBinding(key.WithKeys("esc")),
	}
}

// ShortHelp is the one-line help at the bottom of the screen, the line of
// DESIGN's screen; it fits in 80 columns (a test checks), with q quit
// last. Detach, search, pause and the rest are in the full help.
func (k KeyMap) ShortHelp() []key.Binding {
	short := func(b key.Binding, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
	}
	return []key.Binding{k.Fork, k.Run, k.Exit, k.Wait, k.Signal, short(k.Pipe, "pipe"), k.Exec, k.Scope, k.Help, k.Quit}
}

// DetailsHelp is the one-line help while the details pane has the
// keyboard: the keys that act on the descriptor under the cursor. It fits
// in 80 columns; ? is in the status line.
func (k KeyMap) DetailsHelp() []key.Binding {
	short := func(b key.Binding, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
	}
	return []key.Binding{
		key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑↓", "fd row")),
		short(k.CloseFD, "close"), short(k.WriteFD, "write"), short(k.ReadFD, "read"),
		short(k.Cloexec, "cloexec"), short(k.PassFD, "pass"), short(k.OpenFile, "open"),
		short(k.Focus, "tree"),
	}
}

// FullHelp is the help shown by ?, in three columns that fit 80×24: the
// moves share lines ("↑↓ j k move"), as in the README's table.
func (k KeyMap) FullHelp() [][]key.Binding {
	both := func(a, b key.Binding, keys, desc string) key.Binding {
		bd := key.NewBinding(key.WithKeys(append(a.Keys(), b.Keys()...)...), key.WithHelp(keys, desc))
		bd.SetEnabled(a.Enabled() || b.Enabled())
		return bd
	}
	return [][]key.Binding{
		{
			both(k.Up, k.Down, "↑↓ j k", "move"),
			both(k.PageUp, k.PageDown, "pgup/dn", "page"),
			both(k.Top, k.Bottom, "g G", "top, bottom"),
			both(k.Collapse, k.Expand, "←→ h l", "fold, unfold"),
			k.Focus, k.Search,
			both(k.Next, k.Prev, "n N", "next, previous"),
			k.Clear, k.Scope, k.Env, k.Timeline,
		},
		{k.Fork, k.Run, k.Exec, k.Exit, k.Wait, k.Detach, k.Signal, k.Disp, k.Memory, k.Pause, k.Quit},
		{k.Pipe, k.Socket, k.CloseFD, k.WriteFD, k.ReadFD, k.Cloexec, k.OpenFile, k.PassFD, k.SetEnv},
	}
}
