package model

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/proctui/proctui/proctree"
)

// TestProgramShowsItself runs the real model in a Bubble Tea program
// against the live process table: the test process is proctui here, so its
// own row (pid and parent pid, as the kernel says) must appear, selected,
// and q must end the program.
func TestProgramShowsItself(t *testing.T) {
	r, err := proctree.NewReader("")
	if err != nil {
		t.Fatal(err)
	}
	d, err := proctree.NewReader("")
	if err != nil {
		t.Fatal(err)
	}
	m := New(Config{Reader: r, DetailReader: d, Theme: "mono", Interval: 100 * time.Millisecond})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))

	self := strconv.Itoa(os.Getpid())
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte(self))
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))

	tm.Type("q")
	final, ok := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(Model)
	if !ok {
		t.Fatal("the final model is not a Model")
	}
	if final.snap == nil || final.snap.Self != os.Getpid() {
		t.Fatalf("the snapshot's Self is not this process")
	}
	if final.tree.sel != os.Getpid() {
		t.Errorf("selected %d, want proctui's own row %s", final.tree.sel, self)
	}
	screen := ansi.Strip(final.View().Content)
	row := regexp.MustCompile(`(?m)^\s*` + self + `\s+` + strconv.Itoa(os.Getppid()) + `\s+[A-Z] `)
	if !row.MatchString(screen) {
		t.Fatalf("no row %s under its parent %d on screen:\n%s", self, os.Getppid(), screen)
	}
}
