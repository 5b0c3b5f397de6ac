package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// panelPrivate reads the selected process's Private_Dirty, in MiB, from
// the memory panel on screen: the first number after the label.
func panelPrivate(screen string) (float64, bool) {
	m := regexp.MustCompile(`Private_Dirty\s+([0-9]+\.[0-9])`).FindStringSubmatch(screen)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

// smapsField reads one field of /proc/PID/smaps_rollup, in MiB.
func smapsField(t *testing.T, pid int, field string) float64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				t.Fatalf("%s of %d: %q", field, pid, rest)
			}
			return kb / 1024
		}
	}
	t.Fatalf("no %s in /proc/%d/smaps_rollup", field, pid)
	return 0
}

// TestE2EMemory: f, select the child, m + enter. The child writes the
// default quarter of the 32 MiB buffer, and the panel's private figure
// grows on screen by that much and agrees with the kernel's.
func TestE2EMemory(t *testing.T) {
	p := startInTmux(t, 120, 50, proctuiBinary(t, ""))
	p.waitOwnRow()

	p.keys("f")
	var kids []int
	waitFor(t, "a child of proctui in /proc", func() bool {
		kids = childrenOf(t, p.pid)
		return len(kids) == 1
	})
	kid := kids[0]
	p.waitScreen("the child under proctui", func(s string) bool { return rowUnder(s, kid, p.pid) })
	p.keys("j")
	var before float64
	p.waitScreen(fmt.Sprintf("the memory panel of %d beside its parent", kid), func(s string) bool {
		var ok bool
		before, ok = panelPrivate(s)
		return ok && strings.Contains(s, "MEMORY") && regexp.MustCompile(fmt.Sprintf(`\s%d\s+%d\s*$`, kid, p.pid)).MatchString(firstLineWith(s, "MEMORY", 1))
	})
	t.Logf("before m: Private_Dirty %.1f MiB on screen, %.1f MiB in /proc; Shared_Dirty %.1f MiB",
		before, smapsField(t, kid, "Private_Dirty"), smapsField(t, kid, "Shared_Dirty"))

	p.keys("m")
	p.waitScreen("the memory prompt", func(s string) bool { return strings.Contains(s, "MiB for "+strconv.Itoa(kid)) })
	p.keys("Enter")
	var after float64
	screen := p.waitScreen("Private_Dirty grown by 8 MiB", func(s string) bool {
		after, _ = panelPrivate(s)
		return after-before >= 0.9*8
	})
	kernel := smapsField(t, kid, "Private_Dirty")
	t.Logf("after m: Private_Dirty %.1f MiB on screen, %.1f MiB in /proc; Shared_Dirty %.1f MiB",
		after, kernel, smapsField(t, kid, "Shared_Dirty"))
	if math.Abs(after-kernel) > 0.05*kernel {
		t.Errorf("the panel says %.1f MiB private, the kernel %.1f MiB: more than 5%% apart", after, kernel)
	}
	if !strings.Contains(screen, "the kernel copied") {
		t.Errorf("the narration of the write is not on screen:\n%s", screen)
	}
	t.Logf("the screen after m:\n%s", screen)

	p.quitEndsLab(kid)
}

// firstLineWith returns the line n lines below the first one containing
// s ("" if none).
func firstLineWith(screen, s string, n int) string {
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		if strings.Contains(l, s) && i+n < len(lines) {
			return lines[i+n]
		}
	}
	return ""
}
