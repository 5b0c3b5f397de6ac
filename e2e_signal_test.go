package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestE2ESignalStopContinue runs the lab image (r, enter), stops it with
// the signal menu (s, STOP, enter) and continues it (s, CONT, enter),
// checking /proc and the screen each time.
func TestE2ESignalStopContinue(t *testing.T) {
	p := startInTmux(t, 100, 30, proctuiBinary(t, ""))
	p.waitScreen("proctui's own row", func(s string) bool { return strings.Contains(s, fmt.Sprint(p.pid)) })

	p.keys("r")
	p.waitScreen("the run prompt", func(s string) bool { return strings.Contains(s, "run under") })
	p.keys("Enter")
	var lab int
	waitFor(t, "the lab image under proctui", func() bool {
		kids := childrenOf(t, p.pid)
		if len(kids) == 1 {
			lab = kids[0]
		}
		return lab != 0
	})
	row := func(state string) *regexp.Regexp {
		return regexp.MustCompile(fmt.Sprintf(`(?m)^[\s└├│─!+*-]*%d\s+%d\s+%s\b`, lab, p.pid, state))
	}
	p.waitScreen("the lab image's row", func(s string) bool { return row("[SR]").MatchString(s) })

	// The selection stayed on proctui; its only child is the next row.
	p.keys("j", "s")
	p.waitScreen("the signal menu", func(s string) bool { return strings.Contains(s, fmt.Sprintf("send a signal to %d", lab)) })
	p.keys("S", "T", "O", "P", "Enter")
	waitFor(t, fmt.Sprintf("%d stopped (T) in /proc", lab), func() bool { return statField(t, lab, 3) == "T" })
	p.waitScreen("the stopped row and the call", func(s string) bool {
		return row("T").MatchString(s) && strings.Contains(s, fmt.Sprintf("kill(%d, SIGSTOP) = 0", lab))
	})

	p.keys("s", "C", "O", "N", "T", "Enter")
	waitFor(t, fmt.Sprintf("%d running again in /proc", lab), func() bool {
		st := statField(t, lab, 3)
		return st == "S" || st == "R"
	})
	p.waitScreen("the row running again", func(s string) bool {
		return row("[SR]").MatchString(s) && strings.Contains(s, "continued")
	})

	p.keys("q")
	if status := p.waitExit(); status != "exited 0" {
		t.Errorf("after q: %s, want exited 0", status)
	}
	p.requireRestored()
}
