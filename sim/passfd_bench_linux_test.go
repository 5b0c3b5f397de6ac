package sim

import (
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// benchExec measures Exec alone: from the call to the EOF on the control
// socket that says execve succeeded. Making the process, and ending and
// reaping the program afterwards, are outside the timer.
func benchExec(b *testing.B, make func(l *Lab) (Result, error)) {
	l, err := New(DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	argv := []string{"sleep", "300"}
	for b.Loop() {
		b.StopTimer()
		r, err := make(l)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := l.Exec(r.PID, argv); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		unix.Kill(r.PID, unix.SIGKILL) // the lab's own process
		deadline := time.Now().Add(5 * time.Second)
		for {
			if st, ok := readStat(r.PID); !ok || st.state == 'Z' || time.Now().After(deadline) {
				break
			}
			time.Sleep(time.Millisecond)
		}
		if _, err := l.Wait(r.PID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

func BenchmarkExecLabImage(b *testing.B) {
	benchExec(b, func(l *Lab) (Result, error) { return l.Run(l.Self(), nil) })
}

func BenchmarkExecForked(b *testing.B) {
	benchExec(b, func(l *Lab) (Result, error) { return l.Fork(l.Self()) })
}

// BenchmarkPassFDTo passes a file from one lab image to another over a
// socket pair (sendmsg in one, recvmsg in the other: two round trips on
// the control sockets), then has the receiver close it outside the timer.
func BenchmarkPassFDTo(b *testing.B) {
	l, err := New(DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	must := func(r Result, err error) Result {
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	a := must(l.Run(l.Self(), nil)).PID
	c := must(l.Run(l.Self(), nil)).PID
	must(l.SocketPair(a, c))
	fd, _ := strconv.Atoi(must(l.OpenFile(a, "")).Status)
	for b.Loop() {
		r := must(l.PassFDTo(a, fd, c))
		b.StopTimer()
		must(l.CloseFD(c, fdNum(b, r.Text, "made it fd ")))
		b.StartTimer()
	}
}
