package sim

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkSignal is one s + enter on a lab image: kill() plus the
// /proc/PID/status and stat reads that explain what happened.
func BenchmarkSignal(b *testing.B) {
	l, err := New(DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	r, err := l.Run(l.Self(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := l.Signal(r.PID, int(unix.SIGWINCH)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCaughtReport is a caught signal's round trip: kill(), the lab
// image's handler, its report on the control socket, the count in
// proctui's Member.
func BenchmarkCaughtReport(b *testing.B) {
	l, err := New(DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	r, err := l.Run(l.Self(), nil)
	if err != nil {
		b.Fatal(err)
	}
	usr1 := int(unix.SIGUSR1)
	if _, err := l.SetDisposition(r.PID, usr1, DispCatch); err != nil {
		b.Fatal(err)
	}
	var n int64
	b.ResetTimer()
	for b.Loop() {
		n++
		if err := unix.Kill(r.PID, unix.SIGUSR1); err != nil {
			b.Fatal(err)
		}
		for caughtCount(l, r.PID, usr1) < n {
			runtime.Gosched() // the report comes back within a millisecond or so
		}
	}
}
