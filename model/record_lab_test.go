package model

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
)

// TestRecordAfterRealFork presses f on the real lab with --record set, and
// reads the file back: every line valid JSON, one the fork with its system
// call, and one the kernel's side (the child seen started).
func TestRecordAfterRealFork(t *testing.T) {
	lab, err := sim.New(sim.Options{MaxLab: 4, Subreaper: true, RawFork: true})
	if err != nil {
		t.Fatalf("the lab did not start: %v", err)
	}
	t.Cleanup(func() { _ = lab.Close() })
	path := filepath.Join(t.TempDir(), "class.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := New(Config{Reader: proctree.NewProcReader("/proc"), DetailReader: proctree.NewProcReader("/proc"),
		Lab: lab, Interval: time.Hour, Record: f})
	m = size(m, 100, 30)
	m = pollNow(t, m)
	m, done := do(t, m, "f")
	if done.Err != nil {
		t.Fatal(done.Err)
	}
	child := done.Result.PID
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}

	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var sawFork, sawStart bool
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		var e TimelineEntry
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("line %d is not a timeline entry: %v: %s", n, err, sc.Text())
		}
		if e.Time.IsZero() || e.Kind == "" || e.Text == "" {
			t.Fatalf("line %d lacks a field: %s", n, sc.Text())
		}
		if e.Kind == "action" && strings.HasPrefix(e.Syscall, "fork") && e.PID == os.Getpid() &&
			strings.Contains(e.Text, strconv.Itoa(child)) {
			sawFork = true
		}
		if e.Kind == "event" && e.PID == child && strings.Contains(e.Text, "started") {
			sawStart = true
		}
	}
	if !sawFork || !sawStart {
		data, _ := os.ReadFile(path)
		t.Fatalf("fork entry %v, started entry %v for child %d in:\n%s", sawFork, sawStart, child, data)
	}
	if n != len(m.teach.entries) {
		t.Errorf("%d lines recorded, %d entries in the timeline", n, len(m.teach.entries))
	}
}
