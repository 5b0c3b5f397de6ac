//go:build linux && (amd64 || arm64)

package rawfork

import (
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/sim/rawfork/internal/child"
)

const testTimeout = 5 * time.Second

// stat reads state, ppid and the exit status field (52) of /proc/PID/stat.
func stat(t *testing.T, pid int) (state byte, ppid int, exit int, ok bool) {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, 0, false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ppid, _ = strconv.Atoi(f[1])
	exit, _ = strconv.Atoi(f[len(f)-1])
	return f[0][0], ppid, exit, true
}

// waitExited polls the pidfd until the process has exited.
func waitExited(t *testing.T, pidfd int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		pfd := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, int(time.Until(deadline)/time.Millisecond)+1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			t.Fatalf("poll pidfd: %v", err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process did not exit within %v", timeout)
		}
	}
}

// reap kills (if needed) and reaps a child of the test, bounded in time.
func reap(t *testing.T, c *Child) unix.WaitStatus {
	t.Helper()
	unix.PidfdSendSignal(c.PIDFD, unix.SIGKILL, nil, 0)
	waitExited(t, c.PIDFD, testTimeout)
	var ws unix.WaitStatus
	if _, err := unix.Wait4(c.PID, &ws, unix.WNOHANG, nil); err != nil {
		t.Fatalf("wait4(%d): %v", c.PID, err)
	}
	unix.Close(c.PIDFD)
	c.Control.Close()
	return ws
}

func TestLayoutMatchesChild(t *testing.T) {
	var req child.Request
	var rep child.Reply
	if unsafe.Sizeof(req) != RecordSize || unsafe.Sizeof(rep) != RecordSize {
		t.Fatalf("record sizes %d %d, want %d", unsafe.Sizeof(req), unsafe.Sizeof(rep), RecordSize)
	}
	if unsafe.Offsetof(req.Arg0) != 16 || unsafe.Offsetof(rep.PID) != 16 || unsafe.Offsetof(rep.Val) != 24 {
		t.Fatal("record layout differs from the wire format")
	}
	// Every operation the child serves, with the number it knows it by.
	ops := map[Op]int{OpPing: child.OpPing, OpExit: child.OpExit, OpFork: child.OpFork,
		OpWait: child.OpWait, OpSigchld: child.OpSigchld, OpExec: child.OpExec,
		OpSigDisp: child.OpSigDisp, OpTouch: child.OpTouch,
		OpPipe: child.OpPipe, OpTakeFD: child.OpTakeFD, OpCloseFD: child.OpCloseFD,
		OpWriteFD: child.OpWriteFD, OpReadFD: child.OpReadFD, OpSocketPair: child.OpSocketPair,
		OpCloexec: child.OpCloexec, OpOpenFile: child.OpOpenFile}
	for op, c := range ops {
		if int(op) != c {
			t.Errorf("%v is %d here and %d in the child", op, op, c)
		}
	}
	if ExecKeepControl != child.ExecKeepControl || ExecBufSize != child.ExecBufSize || MaxPassFDs != child.MaxRecvFDs ||
		PipePassRead != child.PipePassRead || PipePassWrite != child.PipePassWrite {
		t.Error("flags or sizes differ from the child's")
	}
}

func TestForkPingExitWait(t *testing.T) {
	requireRawFork(t)
	c, err := Fork(Config{Keep: []int{0, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	rep, _, err := Call(c.Control, Request{Op: OpPing, Seq: 1}, nil, nil, testTimeout)
	if err != nil {
		reap(t, c)
		t.Fatal(err)
	}
	if int(rep.PID) != c.PID || int(rep.Val) != c.ControlFD {
		t.Errorf("ping: %+v, want pid %d control fd %d", rep, c.PID, c.ControlFD)
	}
	state, ppid, _, ok := stat(t, c.PID)
	if !ok || ppid != os.Getpid() || (state != 'S' && state != 'R') {
		t.Errorf("child %d: state %c ppid %d, want S under %d", c.PID, state, ppid, os.Getpid())
	}
	// The child kept 0 1 2 and its control socket, nothing else.
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(c.PID) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	want := []string{}
	for _, fd := range c.Inherited {
		want = append(want, strconv.Itoa(fd))
	}
	want = append(want, strconv.Itoa(c.ControlFD))
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("child fds %v, want %v", got, want)
	}
	if err := Send(c.Control, Request{Op: OpExit, Seq: 2, Arg0: 3}, nil, nil); err != nil {
		t.Fatal(err)
	}
	waitExited(t, c.PIDFD, testTimeout)
	state, _, exit, _ := stat(t, c.PID)
	if state != 'Z' || exit != 3<<8 {
		t.Errorf("after exit(3): state %c status %d, want Z 768", state, exit)
	}
	if _, _, err := Receive(c.Control, testTimeout); !errors.Is(err, io.EOF) {
		t.Errorf("control after exit: %v, want EOF", err)
	}
	ws := reap(t, c)
	if !ws.Exited() || ws.ExitStatus() != 3 {
		t.Errorf("wait status %v, want exited 3", ws)
	}
	if _, _, _, ok := stat(t, c.PID); ok {
		t.Errorf("%d still in /proc after wait", c.PID)
	}
}
