package model

import (
	"strconv"
	"testing"
	"time"

	"github.com/proctui/proctui/proctree"
)

// bigMachine is 10,000 processes around proctui: wide fans and long chains.
func bigMachine(n int, at time.Time) *proctree.Snapshot {
	procs := make([]proctree.Proc, 0, n)
	for pid := 1; pid <= n; pid++ {
		ppid := 0
		switch {
		case pid == 1:
		case pid%4 == 0:
			ppid = pid - 1
		default:
			ppid = int((uint64(pid)*2654435761)>>7)%(pid-1) + 1
		}
		p := proc(pid, ppid, "SSSRSDSSTI"[pid%10], "worker", time.Duration(n-pid)*time.Second,
			"/usr/bin/worker", "--id", strconv.Itoa(pid))
		procs = append(procs, p)
	}
	s := snapshot(at, procs)
	s.Self = n / 2
	return s
}

// BenchmarkView is one frame of the whole model on 10,000 processes at
// 120×40: what Bubble Tea calls after every message.
func BenchmarkView(b *testing.B) {
	m := New(Config{Reader: &fixtureReader{}, DetailReader: &fixtureReader{}, All: true})
	m = size(m, 120, 40)
	m = feed(b, m, bigMachine(10000, t0), nil)
	m = details(b, m)
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkPoll is what the model does with one poll of 10,000 processes
// once it is read: tree, diff, marks, rows, narration, details lines.
func BenchmarkPoll(b *testing.B) {
	m := New(Config{Reader: &fixtureReader{}, DetailReader: &fixtureReader{}, All: true})
	m = size(m, 120, 40)
	snaps := []*proctree.Snapshot{bigMachine(10000, t0), bigMachine(10000, t0.Add(time.Second))}
	m = feed(b, m, snaps[0], nil)
	b.ReportAllocs()
	i := 1
	for b.Loop() {
		m = feed(b, m, snaps[i%2], nil)
		i++
	}
}
