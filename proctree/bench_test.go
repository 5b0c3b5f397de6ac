//go:build linux

package proctree

import (
	"os"
	"runtime"
	"strconv"
	"testing"
)

// benchSleepers is how many extra processes BenchmarkSnapshot keeps alive,
// so that the per-process cost dominates; PROCTREE_BENCH_PROCS overrides it.
const benchSleepers = 1000

// BenchmarkSnapshot compares the two readers on the live /proc with a
// thousand extra sleeping processes. Besides ns/op and allocs/op it reports
// ns/proc and allocs/proc: the cost of one process in one snapshot.
func BenchmarkSnapshot(b *testing.B) {
	n := benchSleepers
	if s := os.Getenv("PROCTREE_BENCH_PROCS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			b.Fatalf("PROCTREE_BENCH_PROCS=%q: want a count of processes", s)
		}
		n = v
	}
	liveSleepers(b, n)

	readers := []struct {
		name string
		new  func() Reader
	}{
		{"proc", func() Reader { return NewProcReader("/proc") }},
		// proc-reopen opens, reads and closes every stat file on every
		// poll, as a reader without kept files does.
		{"proc-reopen", func() Reader { r := NewProcReader("/proc"); r.keepOpen = 0; return r }},
		{"gopsutil", func() Reader { return NewGopsutilReader() }},
	}
	for _, rd := range readers {
		b.Run(rd.name, func(b *testing.B) {
			r := rd.new()
			// The first snapshot fills the caches; the steady state is what
			// a poll every second costs.
			if _, err := r.Snapshot(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			mallocs := ms.Mallocs
			procs := 0
			for b.Loop() {
				s, err := r.Snapshot()
				if err != nil {
					b.Fatal(err)
				}
				procs += len(s.Procs)
			}
			runtime.ReadMemStats(&ms)
			if procs > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(procs), "ns/proc")
				b.ReportMetric(float64(ms.Mallocs-mallocs)/float64(procs), "allocs/proc")
			}
		})
	}
}

// BenchmarkDetails reads everything about the benchmark process itself.
func BenchmarkDetails(b *testing.B) {
	r := NewProcReader("/proc")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Details(os.Getpid(), WantAll); err != nil {
			b.Fatal(err)
		}
	}
}
