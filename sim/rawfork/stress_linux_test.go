//go:build linux && (amd64 || arm64)

package rawfork

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// stressCycles is how many fork/act/exit/wait cycles TestForkStress runs:
// PROCTUI_FORK_STRESS, or a small default that keeps `go test ./...` quick.
func stressCycles(t *testing.T) int {
	v := os.Getenv("PROCTUI_FORK_STRESS")
	if v == "" {
		return 50
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("PROCTUI_FORK_STRESS=%q: want a positive number of cycles", v)
	}
	return n
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents) - 1 // the directory being read
}

// TestForkStress forks from two goroutines (one locked to its thread) while
// the garbage collector runs constantly, memory is churned, and signals
// arrive both at the process (caught through os/signal) and at the forking
// thread itself. Each cycle forks, makes the child do something (fork a
// grandchild and reap it, ignore SIGCHLD and let the kernel reap one, exec a
// program, or just answer), makes it exit with a known status and reaps it,
// every wait bounded by a pidfd poll. At the end no descriptor has leaked and
// no child is left, not even an orphaned grandchild: the test process is a
// child subreaper for the duration, so any orphan would come back to it.
func TestForkStress(t *testing.T) {
	requireRawFork(t)
	cycles := stressCycles(t)
	truePath := "/bin/true"
	if _, err := os.Stat(truePath); err != nil {
		truePath = "/usr/bin/true"
	}

	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	defer debug.SetGCPercent(debug.SetGCPercent(10))

	// Warm up once so that lazily created runtime descriptors (the
	// netpoller) exist before counting.
	stressCycle(t, 0, truePath)
	before := openFDs(t)

	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Add(4)
	go func() { // churn the heap
		defer bg.Done()
		keep := make([][]byte, 64)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			keep[i%len(keep)] = make([]byte, 1+(i*7919)%65536)
			if i%256 == 0 {
				runtime.Gosched()
			}
		}
	}()
	go func() { // collect all the time
		defer bg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				runtime.GC()
			}
		}
	}()
	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs, unix.SIGUSR1)
	defer signal.Stop(sigs)
	var caught atomic.Int64
	go func() {
		defer bg.Done()
		for {
			select {
			case <-stop:
				return
			case <-sigs:
				caught.Add(1)
			}
		}
	}()
	var lockedTID atomic.Int64
	go func() { // signals at the process and at the locked forking thread
		defer bg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(500 * time.Microsecond):
				unix.Kill(os.Getpid(), unix.SIGUSR1)
				if tid := lockedTID.Load(); tid != 0 {
					unix.Tgkill(os.Getpid(), int(tid), unix.SIGUSR1)
				}
			}
		}
	}()

	var done atomic.Int64
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if g == 0 {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				lockedTID.Store(int64(unix.Gettid()))
			}
			for i := g; i < cycles; i += 2 {
				if !stressCycle(t, i, truePath) {
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	close(stop)
	bg.Wait()

	if n := done.Load(); n != int64(cycles) {
		t.Errorf("%d of %d cycles passed", n, cycles)
	}
	if after := openFDs(t); after != before {
		t.Errorf("%d descriptors open after the cycles, %d before: a leak", after, before)
	}
	var info unix.Siginfo
	err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	if !errors.Is(err, unix.ECHILD) {
		t.Errorf("a child is left behind (waitid: %v)", err)
	}
	t.Logf("%d/%d cycles, %d signals caught meanwhile", done.Load(), cycles, caught.Load())
}

// stressCycle runs one cycle; it reports failures itself and returns false
// after one.
func stressCycle(t *testing.T, i int, truePath string) bool {
	c, err := Fork(Config{Keep: []int{0, 1, 2}})
	if err != nil {
		t.Errorf("cycle %d: %v", i, err)
		return false
	}
	fail := func(format string, args ...any) bool {
		t.Errorf("cycle %d (child %d): %s", i, c.PID, fmt.Sprintf(format, args...))
		reap(t, c)
		return false
	}
	seq := uint64(0)
	call := func(ctl *os.File, op Op, arg int64, payload []byte) (Reply, []int, error) {
		seq++
		return Call(ctl, Request{Op: op, Seq: seq, Arg0: arg}, payload, nil, testTimeout)
	}
	rep, _, err := call(c.Control, OpPing, 0, nil)
	if err != nil || int(rep.PID) != c.PID {
		return fail("ping: %+v %v", rep, err)
	}
	code := int64(i % 256)
	switch i % 4 {
	case 1: // fork a grandchild, make it exit, reap it from the child
		rep, fds, err := call(c.Control, OpFork, 0, nil)
		if err != nil || rep.Errno != 0 || len(fds) != 1 {
			return fail("fork: %+v %v %v", rep, fds, err)
		}
		gpid := int(rep.PID)
		g := os.NewFile(uintptr(fds[0]), "grandchild")
		defer g.Close()
		gfd, err := unix.PidfdOpen(gpid, 0)
		if err != nil {
			return fail("pidfd_open(%d): %v", gpid, err)
		}
		defer unix.Close(gfd)
		if rep, _, err := call(g, OpPing, 0, nil); err != nil || int(rep.PID) != gpid {
			return fail("ping grandchild: %+v %v", rep, err)
		}
		if err := Send(g, Request{Op: OpExit, Seq: 99, Arg0: 7}, nil, nil); err != nil {
			return fail("exit grandchild: %v", err)
		}
		waitExited(t, gfd, testTimeout)
		rep, _, err = call(c.Control, OpWait, int64(gpid), nil)
		if err != nil || int(rep.PID) != gpid || unix.WaitStatus(rep.Val).ExitStatus() != 7 {
			return fail("wait for grandchild %d: %+v %v", gpid, rep, err)
		}
	case 2: // ignore SIGCHLD: the kernel reaps the grandchild
		if rep, _, err := call(c.Control, OpSigchld, 1, nil); err != nil || rep.Errno != 0 {
			return fail("sigchld: %+v %v", rep, err)
		}
		rep, fds, err := call(c.Control, OpFork, 0, nil)
		if err != nil || rep.Errno != 0 || len(fds) != 1 {
			return fail("fork: %+v %v %v", rep, fds, err)
		}
		g := os.NewFile(uintptr(fds[0]), "grandchild")
		gfd, err := unix.PidfdOpen(int(rep.PID), 0)
		if err != nil {
			g.Close()
			return fail("pidfd_open: %v", err)
		}
		g.Close() // EOF: the grandchild exits on its own
		waitExited(t, gfd, testTimeout)
		unix.Close(gfd)
		deadline := time.Now().Add(testTimeout)
		for {
			rep, _, err := call(c.Control, OpWait, -1, nil)
			if err != nil {
				return fail("wait: %v", err)
			}
			if rep.Errno == unix.ECHILD {
				break // reaped by the kernel, nothing to wait for
			}
			if time.Now().After(deadline) {
				return fail("grandchild not reaped by the kernel: %+v", rep)
			}
			time.Sleep(time.Millisecond)
		}
	case 3: // exec a program; EOF on the control socket says it worked
		payload, err := EncodeExec(truePath, []string{"true"}, nil)
		if err != nil {
			return fail("%v", err)
		}
		if err := Send(c.Control, Request{Op: OpExec, Seq: 50}, payload, nil); err != nil {
			return fail("exec: %v", err)
		}
		if rep, _, err := Receive(c.Control, testTimeout); !errors.Is(err, io.EOF) {
			return fail("exec: %+v %v", rep, err)
		}
		code = 0 // true exits 0 on its own
	}
	if i%4 != 3 {
		if err := Send(c.Control, Request{Op: OpExit, Seq: 100, Arg0: code}, nil, nil); err != nil {
			return fail("exit: %v", err)
		}
	}
	waitExited(t, c.PIDFD, testTimeout)
	var ws unix.WaitStatus
	pid, err := unix.Wait4(c.PID, &ws, unix.WNOHANG, nil)
	if err != nil || pid != c.PID || !ws.Exited() || int64(ws.ExitStatus()) != code {
		return fail("wait4: %d %v %v, want exited %d", pid, ws, err, code)
	}
	unix.Close(c.PIDFD)
	c.Control.Close()
	return true
}
