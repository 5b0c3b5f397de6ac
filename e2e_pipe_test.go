package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// pipeEnds lists pid's pipe descriptors: fd -> "pipe:[inode]".
func pipeEnds(pid int) map[int]string {
	out := map[int]string{}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if tgt, err := os.Readlink(dir + "/" + e.Name()); err == nil && strings.HasPrefix(tgt, "pipe:[") {
			n, _ := strconv.Atoi(e.Name())
			out[n] = tgt
		}
	}
	return out
}

// runTwoLabImages presses r, enter twice and waits for both lab images on
// screen under proctui; it returns them older first, the order of their
// rows (j selects the older, j again the newer).
func (p *tmuxPane) runTwoLabImages() [2]int {
	t := p.t
	t.Helper()
	var kids []int
	for n := 1; n <= 2; n++ {
		p.keys("r")
		p.waitScreen("the run prompt", func(s string) bool { return strings.Contains(s, "run under") })
		p.keys("Enter")
		waitFor(t, fmt.Sprintf("lab image %d under proctui", n), func() bool {
			kids = childrenOf(t, p.pid)
			return len(kids) == n
		})
	}
	p.waitScreen("both lab images under proctui", func(s string) bool {
		return rowUnder(s, kids[0], p.pid) && rowUnder(s, kids[1], p.pid)
	})
	if startTicks(t, kids[1]) < startTicks(t, kids[0]) {
		kids[0], kids[1] = kids[1], kids[0]
	}
	return [2]int{kids[0], kids[1]}
}

// TestE2EPipe: r twice runs two lab images; p on one, p on the other makes
// a pipe between them, and each fd table on screen names the other end,
// as /proc says.
func TestE2EPipe(t *testing.T) {
	p := startInTmux(t, 160, 72, proctuiBinary(t, ""))
	p.waitOwnRow()

	kids := p.runTwoLabImages()
	writer, reader := kids[0], kids[1]
	p.keys("j", "p")
	p.waitScreen("the pipe mark", func(s string) bool { return strings.Contains(s, "will hold the write end") })
	p.keys("j", "p")
	waitFor(t, "the pipe in both tables", func() bool {
		for _, a := range pipeEnds(writer) {
			for _, b := range pipeEnds(reader) {
				if a == b {
					return true
				}
			}
		}
		return false
	})
	var wfd, rfd int
	var target string
	for fw, a := range pipeEnds(writer) {
		for fr, b := range pipeEnds(reader) {
			if a == b {
				wfd, rfd, target = fw, fr, a
			}
		}
	}
	// The reader is selected: its table (below the memory panel, hence
	// the tall pane) shows the read end and the writer.
	p.waitScreen(fmt.Sprintf("%s → %d fd %d in the reader's table", target, writer, wfd), func(s string) bool {
		return strings.Contains(s, fmt.Sprintf("%s → %d fd %d", target, writer, wfd))
	})
	p.keys("k")
	p.waitScreen(fmt.Sprintf("%s → %d fd %d in the writer's table", target, reader, rfd), func(s string) bool {
		return strings.Contains(s, fmt.Sprintf("%s → %d fd %d", target, reader, rfd))
	})

	p.quitEndsLab(kids[:]...)
}
