package model

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// TestSignalMenuView goldens (plain) the signal dialogs, opened directly:
// there is no lab in the fixture.
func TestSignalMenuView(t *testing.T) {
	cases := map[string]func(m Model) Model{
		"narrowed": func(m Model) Model {
			m.menu = &sigMenu{kind: menuSend, pid: 4316, name: "cat", input: newMenuInput(m.styles, "name or number"), items: allSignals()}
			return typeText(m, "usr")
		},
		"confirm": func(m Model) Model {
			m.menu = &sigMenu{kind: menuSend, pid: 4300, name: "bash", input: newMenuInput(m.styles, ""),
				items: narrow("TERM"), step: stepConfirm, sig: 15, why: "4300 bash is not in the lab"}
			return m
		},
		"type-it": func(m Model) Model {
			m.menu = &sigMenu{kind: menuSend, pid: 1, name: "init", input: newMenuInput(m.styles, ""),
				items: narrow("TERM"), step: stepTypeIt, sig: 15, why: "pid 1 is init: if it ends, the whole system goes down with it"}
			return m
		},
		"dispositions-forked": func(m Model) Model {
			m.menu = &sigMenu{kind: menuDisp, pid: 4316, name: "cat", items: narrow("")[:31], sel: 9, forkd: true}
			return m
		},
	}
	for name, fn := range cases {
		for _, sz := range []struct{ w, h int }{{80, 24}, {120, 40}} {
			t.Run(name+"-"+itoa(sz.w)+"x"+itoa(sz.h), func(t *testing.T) {
				m := scenario(t, Config{NoColor: true}, sz.w, sz.h)
				m = fn(m)
				out := m.View().Content
				checkScreen(t, out, sz.w, sz.h)
				golden.RequireEqual(t, ansi.Strip(out))
			})
		}
	}
}
