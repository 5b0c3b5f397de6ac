package model

import (
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/proctui/proctui/sim"
	"github.com/proctui/proctui/ui"
)

// checkScreen asserts the frame is exactly w×h cells: every line as wide as
// the window, no line more, no stray newline.
func checkScreen(t *testing.T, out string, w, h int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Fatalf("frame has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n != w {
			t.Fatalf("line %d is %d cells wide, want %d: %q", i, n, w, ansi.Strip(l))
		}
	}
}

// TestView goldens the whole screen for every theme at the minimum size and
// at 120×40. Theme goldens keep their escape sequences (lipgloss always
// writes true-colour SGR, so they are deterministic); the plain goldens are
// the mono theme with escapes stripped, for a person to read.
func TestView(t *testing.T) {
	sizes := []struct{ w, h int }{{80, 24}, {120, 40}}
	for _, th := range ui.Themes() {
		for _, sz := range sizes {
			name := th.String() + "-" + itoa(sz.w) + "x" + itoa(sz.h)
			t.Run(name, func(t *testing.T) {
				m := scenario(t, Config{Theme: th.String()}, sz.w, sz.h)
				out := m.View().Content
				checkScreen(t, out, sz.w, sz.h)
				golden.RequireEqual(t, out)
			})
		}
	}
	for _, sz := range sizes {
		t.Run("plain-"+itoa(sz.w)+"x"+itoa(sz.h), func(t *testing.T) {
			m := scenario(t, Config{NoColor: true}, sz.w, sz.h)
			golden.RequireEqual(t, ansi.Strip(m.View().Content))
		})
	}
	t.Run("too-small", func(t *testing.T) {
		m := scenario(t, Config{NoColor: true}, 60, 20)
		out := m.View().Content
		checkScreen(t, out, 60, 20)
		golden.RequireEqual(t, out)
	})
	t.Run("too-small-contrast", func(t *testing.T) {
		m := scenario(t, Config{Theme: "contrast"}, 79, 24)
		out := m.View().Content
		checkScreen(t, out, 79, 24)
		golden.RequireEqual(t, out)
	})
}

// TestViewStates goldens (plain) the screens that differ from the default
// one: the zombie's details, the whole machine, a search, the help, the
// prompts.
func TestViewStates(t *testing.T) {
	cases := map[string]func(t *testing.T, m Model) Model{
		"zombie-details": func(t *testing.T, m Model) Model {
			m, _ = press(m, "j")
			return details(t, m)
		},
		"all-scope": func(t *testing.T, m Model) Model {
			m, _ = press(m, "a")
			return details(t, m)
		},
		"all-expanded": func(t *testing.T, m Model) Model {
			m, _ = press(m, "a")
			m.tree.selectPID(2)
			m, _ = press(m, "l")
			return details(t, m)
		},
		"search": func(t *testing.T, m Model) Model {
			m, _ = press(m, "a")
			m, _ = press(m, "/")
			m = typeText(m, "sleep")
			m, _ = press(m, "enter")
			return details(t, m)
		},
		"help": func(t *testing.T, m Model) Model {
			m, _ = press(m, "?")
			return m
		},
		"help-search": func(t *testing.T, m Model) Model {
			// n, N and esc join the help while a search is on.
			m, _ = press(m, "/")
			m = typeText(m, "cat")
			m, _ = press(m, "enter")
			m, _ = press(m, "?")
			return m
		},
		"fd-cursor": func(t *testing.T, m Model) Model {
			m, _ = press(m, "tab")
			m, _ = press(m, "j")
			m, _ = press(m, "j")
			m, _ = press(m, "j")
			return m
		},
		"env-shown": func(t *testing.T, m Model) Model {
			m, _ = press(m, "v")
			m, _ = press(m, "tab")
			m, _ = press(m, "G")
			return m
		},
		"exit-prompt-error": func(t *testing.T, m Model) Model {
			// The lab is not running here, so drive the prompt directly.
			m.prompt = newPrompt(promptExit, m.styles, m.width, "exit status for 4316 cat (0–255):",
				"enter exits · esc cancels", "", "0")
			m = typeText(m, "300")
			m, _ = press(m, "enter")
			return m
		},
		"long-narration": func(t *testing.T, m Model) Model {
			next, _ := m.Update(ActionDoneMsg{Action: "fork", PID: selfPID, Name: "proctui", Time: t0,
				Result: sim.Result{PID: 4319, Syscall: "fork()", Text: "fork() returned 4319 in proctui (4312) " +
					"and 0 in the child; the child shares proctui's memory copy-on-write and inherited fds 0 1 2"}})
			return next.(Model)
		},
		"no-access": func(t *testing.T, m Model) Model {
			m, _ = press(m, "a")
			m.tree.selectPID(480)
			m.refreshDetails()
			return details(t, m)
		},
	}
	for name, fn := range cases {
		for _, sz := range []struct{ w, h int }{{80, 24}, {120, 40}} {
			t.Run(name+"-"+itoa(sz.w)+"x"+itoa(sz.h), func(t *testing.T) {
				m := scenario(t, Config{NoColor: true}, sz.w, sz.h)
				m = fn(t, m)
				out := m.View().Content
				checkScreen(t, out, sz.w, sz.h)
				golden.RequireEqual(t, ansi.Strip(out))
			})
		}
	}
}

func itoa(n int) string {
	return strconv.Itoa(n)
}
