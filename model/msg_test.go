package model

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/proctui/proctui/ui"
)

// TestLongMessageGoesToNarration: the first p's instruction is longer than
// the top line of an 80-column screen has room for, so the narration gets
// all of it; on a wide screen the top line holds it and the narration
// stays as it was.
func TestLongMessageGoesToNarration(t *testing.T) {
	for _, c := range []struct {
		w      int
		logged bool
	}{{80, true}, {240, false}} {
		m, lab := labModel(t)
		if lab.ForkMode() != "real fork()" {
			t.Skip(lab.ForkMode())
		}
		m = size(m, c.w, 30)
		m, f := do(t, m, "f")
		if f.Err != nil {
			t.Fatal(f.Err)
		}
		m.tree.selectPID(f.Result.PID)
		before := len(m.log)
		m, _ = press(m, "p")
		if !strings.Contains(m.msg, "will hold the write end") {
			t.Fatalf("%d columns: p said %q", c.w, m.msg)
		}
		var hint *ui.LogEntry
		for i := before; i < len(m.log); i++ {
			if m.log[i].Kind == ui.LogHint {
				hint = &m.log[i]
			}
		}
		if got := hint != nil; got != c.logged {
			t.Fatalf("%d columns: hint in the narration %v, want %v (%q)", c.w, got, c.logged, m.msg)
		}
		if hint != nil && hint.Text != m.msg {
			t.Errorf("%d columns: narration %q, message %q", c.w, hint.Text, m.msg)
		}
		// Pressed again, the same instruction is not repeated.
		m.pipeMark = fdMark{}
		n := len(m.log)
		m, _ = press(m, "p")
		if len(m.log) != n {
			t.Errorf("%d columns: the same hint logged twice", c.w)
		}
	}
}

// TestShortHelpFits80: the one-line help fits in 80 columns whole, q quit
// included.
func TestShortHelpFits80(t *testing.T) {
	m := size(New(Config{}), 80, 24)
	line := ansi.Strip(m.helpLine)
	if !strings.Contains(line, "q quit") || strings.Contains(line, "…") || ansi.StringWidth(line) > 80 {
		t.Errorf("help line at 80 columns (%d wide): %q", ansi.StringWidth(line), line)
	}
}

// TestShortHelpFits80AllScope: in the all scope, where a says "lab", too.
func TestShortHelpFits80AllScope(t *testing.T) {
	m := size(New(Config{All: true}), 80, 24)
	line := ansi.Strip(m.helpLine)
	if !strings.Contains(line, "a lab") || !strings.Contains(line, "q quit") || strings.Contains(line, "…") {
		t.Errorf("help line at 80 columns, all scope: %q", line)
	}
}
