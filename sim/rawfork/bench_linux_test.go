//go:build linux && (amd64 || arm64)

package rawfork

import (
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkForkFirstReply measures a raw fork from the call to the child's
// first answer on its control socket, then ends and reaps the child outside
// the timed part. It reports the median.
func BenchmarkForkFirstReply(b *testing.B) {
	requireRawFork(b)
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		c, err := Fork(Config{Keep: []int{0, 1, 2}})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := Call(c.Control, Request{Op: OpPing, Seq: 1}, nil, nil, testTimeout); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
		b.StopTimer()
		c.Control.Close() // EOF: the child exits
		pfd := []unix.PollFd{{Fd: int32(c.PIDFD), Events: unix.POLLIN}}
		unix.Poll(pfd, int(testTimeout/time.Millisecond))
		var ws unix.WaitStatus
		unix.Wait4(c.PID, &ws, 0, nil)
		unix.Close(c.PIDFD)
		b.StartTimer()
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms-median")
}
