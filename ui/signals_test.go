package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/proctui/proctui/proctree"
)

func TestDetailSignals(t *testing.T) {
	st := NewStyles(ThemeMono)
	pr := p(4316, 4312, 'S', "proctui")
	set := func(sigs ...int) proctree.SignalSet {
		s := proctree.SignalSet{Known: true}
		for _, sig := range sigs {
			s.Mask |= 1 << (sig - 1)
		}
		return s
	}
	d := &proctree.Details{PID: 4316, Signals: proctree.Signals{
		Pending: set(10), SharedPending: set(12), Blocked: set(12), Ignored: set(15), Caught: set(10, 17),
	}}
	in := &DetailsInput{Proc: &pr, Details: d, Now: t0, InLab: true,
		Caught: []SignalCount{{Sig: 10, Count: 3, Last: t0.Add(-2 * time.Second)}, {Sig: 17, Count: 1}}}
	out := ansi.Strip(strings.Join(DetailLines(st, in, 60), "\n"))
	for _, want := range []string{
		"pending  process: USR2; thread: USR1",
		"blocked  USR2",
		"ignored  TERM",
		"caught   USR1 CHLD",
		"counted  USR1 ×3, last 2s ago; CHLD ×1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("details lack %q:\n%s", want, out)
		}
	}
}

func TestSignalMenuFits(t *testing.T) {
	st := NewStyles(ThemeMono)
	items := []SignalItem{{Sig: 1}, {Sig: 9}, {Sig: 10}, {Sig: 15}, {Sig: 19}}
	for _, w := range []int{80, 120} {
		lines := SignalMenu(st, "send a signal to 4316 proctui", []string{"Type a name or number."}, items, 3, w, 6)
		if len(lines) != 6 {
			t.Fatalf("w=%d: %d lines, want 6", w, len(lines))
		}
		for _, l := range lines {
			if ansi.StringWidth(l) != w {
				t.Errorf("line %q is %d wide, want %d", ansi.Strip(l), ansi.StringWidth(l), w)
			}
		}
		if got := ansi.Strip(lines[5]); !strings.Contains(got, "▸ SIGTERM") || !strings.Contains(got, "15") || !strings.Contains(got, "terminate") {
			t.Errorf("selected row %q", got)
		}
	}
	if got := ansi.Strip(strings.Join(SignalMenu(st, "x", nil, nil, 0, 80, 10), "\n")); !strings.Contains(got, "no signal matches") {
		t.Errorf("empty menu: %q", got)
	}
}
