package sim

import (
	"slices"
	"testing"
	"time"
)

// benchFork measures Lab.Fork of proctui from the call to the child's
// first answer on its control socket (Result.Took), by real fork() or by
// spawning the lab image. Ending and reaping the child is not timed.
func benchFork(b *testing.B, raw bool, cowMiB int) {
	opts := DefaultOptions()
	opts.RawFork = raw
	opts.CowMiB = cowMiB
	l, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	if raw && l.ForkMode() != "real fork()" {
		b.Skip(l.ForkMode())
	}
	var took []time.Duration
	for b.Loop() {
		r, err := l.Fork(l.Self())
		if err != nil {
			b.Fatal(err)
		}
		took = append(took, r.Took)
		b.StopTimer()
		if _, err := l.Exit(r.PID, 0); err != nil {
			b.Fatal(err)
		}
		if _, err := l.Wait(r.PID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	slices.Sort(took)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(took[len(took)/2]), "ms-median")
	b.ReportMetric(ms(took[len(took)*95/100]), "ms-p95")
}

func BenchmarkForkRaw(b *testing.B)      { benchFork(b, true, DefaultCowMiB) }
func BenchmarkForkLabImage(b *testing.B) { benchFork(b, false, DefaultCowMiB) }

// BenchmarkForkRawNoCow is BenchmarkForkRaw without the copy-on-write
// buffer (--cow-mib 0): what the buffer adds to each fork.
func BenchmarkForkRawNoCow(b *testing.B) { benchFork(b, true, 0) }
