package ui

import (
	"strconv"
	"testing"
	"time"

	"github.com/proctui/proctui/proctree"
)

// bigSnapshot is a deterministic 10,000-process machine, both wide and deep:
// every fourth process is the child of the one before it (long chains),
// the others hang under a pseudo-random earlier process (wide fans), and
// the last 1,000 form one single chain.
func bigSnapshot(n int) *proctree.Snapshot {
	procs := make([]proctree.Proc, n)
	for i := range procs {
		pid := i + 1
		ppid := 0
		switch {
		case pid == 1:
		case pid > n-1000:
			ppid = pid - 1
		case pid%4 == 0:
			ppid = pid - 1
		default:
			ppid = int((uint64(pid)*2654435761)>>7)%(pid-1) + 1
		}
		procs[i] = proctree.Proc{
			PID: pid, PPID: ppid, State: "SSSRSDSZTI"[pid%10], Comm: "worker-" + strconv.Itoa(pid%37),
			Cmdline: []string{"/usr/bin/worker", "--id", strconv.Itoa(pid), "--pool", "default"},
			UID:     pid % 3, User: "user" + strconv.Itoa(pid%3), Threads: 1 + pid%8,
			StartTicks: uint64(pid), Start: t0.Add(-time.Duration(n-pid) * time.Second),
			RSS: uint64(pid%500) << 20,
		}
		if procs[i].State == 'Z' {
			procs[i].HasExit, procs[i].Exit = true, proctree.WaitStatus(pid%256)<<8
		}
	}
	return &proctree.Snapshot{Procs: procs, Taken: t0, Self: n / 2}
}

func benchFrame(b *testing.B) (*Styles, *Frame) {
	s := bigSnapshot(10000)
	tr := proctree.BuildTree(s)
	rows := Flatten(nil, &FlattenInput{Snap: s, Tree: tr, All: true})
	st := NewStyles(ThemeDark)
	lay := NewLayout(120, 40)
	self := Index(rows, s.Self)
	sel := s.Get(s.Self)
	d := &proctree.Details{PID: s.Self, Cwd: "/srv", Exe: "/usr/bin/worker",
		FDs: []proctree.FD{{Num: 0, Mode: "r", Type: proctree.FDChar, Target: "/dev/null"},
			{Num: 1, Mode: "w", Type: proctree.FDPipe, Target: "pipe:[1234]"}},
		Env: []string{"A=1", "B=2"}}
	lines := DetailLines(st, &DetailsInput{Proc: sel, Details: d, Now: t0}, lay.DetailsInner())
	log := make([]LogEntry, 20)
	for i := range log {
		log[i] = LogEntry{Time: t0, Text: "4316 cat started: child of 4312 (proctui)"}
	}
	f := &Frame{
		Layout: lay, Status: Status{Scope: "all", Processes: len(s.Procs), Interval: time.Second},
		Cols: TreeColumns(lay.TreeW, 10000), Rows: rows,
		Offset: max(0, self-lay.TreeRows()/2), Cursor: self, TreeFocused: true,
		Details: lines[:min(len(lines), lay.PaneH)], Log: log, Now: t0,
		Bottom: " f fork  r run  x exit  w wait  d detach  a all  / search  ? help  q quit",
	}
	return st, f
}

// BenchmarkRender is one frame of the 10,000-process fixture at 120×40, as
// View draws it after every message.
func BenchmarkRender(b *testing.B) {
	st, f := benchFrame(b)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(Render(st, f))
	}
	b.ReportMetric(float64(n), "bytes/frame")
}

// BenchmarkRenderDeep is the same frame scrolled to the bottom of the
// 1,000-deep chain, where the links are cut.
func BenchmarkRenderDeep(b *testing.B) {
	st, f := benchFrame(b)
	f.Cursor = len(f.Rows) - 1
	f.Offset = len(f.Rows) - f.Layout.TreeRows()
	b.ReportAllocs()
	for b.Loop() {
		Render(st, f)
	}
}

// BenchmarkFlatten is the per-poll layout of 10,000 rows (reusing the row
// storage, as the model does).
func BenchmarkFlatten(b *testing.B) {
	s := bigSnapshot(10000)
	in := &FlattenInput{Snap: s, Tree: proctree.BuildTree(s), All: true}
	rows := Flatten(nil, in)
	b.ReportAllocs()
	for b.Loop() {
		rows = Flatten(rows[:0], in)
	}
}

// BenchmarkPollLayout is everything a poll costs after the read: the tree,
// the rows.
func BenchmarkPollLayout(b *testing.B) {
	s := bigSnapshot(10000)
	var rows []Row
	b.ReportAllocs()
	for b.Loop() {
		in := &FlattenInput{Snap: s, Tree: proctree.BuildTree(s), All: true}
		rows = Flatten(rows[:0], in)
	}
}

// BenchmarkSearch is one keystroke of a search over 10,000 processes.
func BenchmarkSearch(b *testing.B) {
	s := bigSnapshot(10000)
	tr := proctree.BuildTree(s)
	in := &FlattenInput{Snap: s, Tree: tr, All: true}
	rows := Flatten(nil, in)
	b.ReportAllocs()
	for b.Loop() {
		in.Keep, in.Match = Search(tr, s, nil, "worker-3")
		rows = Flatten(rows[:0], in)
	}
}
