package sim

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/sim/rawfork"
)

// Blocking a signal in a Go program.
//
// A signal sent with kill() is for the whole process: the kernel hands it
// to any one thread that does not block it, and only when every thread
// blocks it does it wait, pending, in the process's shared set (ShdPnd in
// /proc/PID/status). A Go program has many threads, made and masked by the
// runtime, and no call blocks a signal in all of them. What the runtime
// does guarantee is that every thread it starts keeps blocked the
// (blockable) signals that were blocked when the program was exec'd.
//
// So the lab image is exec'd with every signal of labBlockMask blocked (it
// re-execs itself once at start when they are not), and its main thread,
// to which its main goroutine is locked from init on, is the one thread
// that unblocks them: it is the gate. Blocking a signal closes the gate
// (rt_sigprocmask on the main thread), and then every thread blocks it and
// a signal sent waits in ShdPnd; unblocking opens it and the kernel
// delivers the pending one at once. /proc/PID/status shows the main
// thread's mask as SigBlk, which is exactly the set the lab image blocks.
// The runtime's os/signal thread unblocks what Notify asked for, so a
// caught signal is un-notified while it is blocked and notified again
// before the gate opens.
//
// A cost: programs the lab image runs inherit the exec-time mask (a
// blocked mask survives fork and execve), so they start with these
// signals blocked; /proc shows it, as it would for any program.

// sigBit is the bit of sig in a kernel signal mask.
func sigBit(sig int) uint64 {
	if sig < 1 || sig > 64 {
		return 0
	}
	return 1 << (sig - 1)
}

// labBlockMask is what a lab image can block: the signals the Go runtime
// leaves blocked on its threads when they were blocked at exec.
const labBlockMask = 1<<(unix.SIGUSR1-1) | 1<<(unix.SIGUSR2-1) | 1<<(unix.SIGALRM-1) |
	1<<(unix.SIGCONT-1) | 1<<(unix.SIGTSTP-1) | 1<<(unix.SIGTTIN-1) | 1<<(unix.SIGTTOU-1) |
	1<<(unix.SIGWINCH-1) | 1<<(unix.SIGVTALRM-1) | 1<<(unix.SIGIO-1) | 1<<(unix.SIGPWR-1)

// labChangeMask is what the lab image lets the user set to default,
// ignore or catch. It starts with each of them at the kernel's default
// (a Go program otherwise catches them all). The rest stay with the
// runtime: SIGSEGV and friends turn faults into panics, SIGURG preempts
// goroutines, SIGPROF profiles, SIGPIPE turns into EPIPE, SIGCHLD is
// counted.
const labChangeMask = labBlockMask | 1<<(unix.SIGHUP-1) | 1<<(unix.SIGINT-1) | 1<<(unix.SIGQUIT-1) |
	1<<(unix.SIGABRT-1) | 1<<(unix.SIGTERM-1) | 1<<(unix.SIGXCPU-1) | 1<<(unix.SIGXFSZ-1)

// envLabMasked marks the lab image's second exec, the one with the
// signals blocked; it is removed at once.
const envLabMasked = "PROCTUI_LAB_MASKED"

func init() {
	if !IsLabRole() {
		return
	}
	// Keep main on the main thread: it is the gate (see above).
	runtime.LockOSThread()
	var cur uint64
	sigprocmask(unix.SIG_BLOCK, nil, &cur)
	if cur&labBlockMask == labBlockMask || os.Getenv(envLabMasked) == "1" {
		os.Unsetenv(envLabMasked)
		return
	}
	set := uint64(labBlockMask)
	sigprocmask(unix.SIG_BLOCK, &set, nil)
	os.Setenv(envLabMasked, "1")
	err := syscall.Exec(selfExe(), os.Args, os.Environ())
	// Still here: carry on without blocking (labSignals.gated says so).
	os.Unsetenv(envLabMasked)
	fmt.Fprintln(os.Stderr, "proctui lab: re-exec with signals blocked failed:", err)
}

func sigprocmask(how int, set, old *uint64) {
	unix.RawSyscall6(unix.SYS_RT_SIGPROCMASK, uintptr(how), uintptr(unsafe.Pointer(set)), uintptr(unsafe.Pointer(old)), 8, 0, 0)
}

// kernelSigaction is struct sigaction as the kernel takes it on amd64 and
// arm64. The lab image only copies the runtime's own handler back in, and
// sets SIG_DFL or SIG_IGN.
type kernelSigaction struct {
	Handler  uintptr
	Flags    uint64
	Restorer uintptr
	Mask     uint64
}

func rtSigaction(sig int, act, old *kernelSigaction) syscall.Errno {
	_, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(act)), uintptr(unsafe.Pointer(old)), 8, 0, 0)
	return e
}

// labSignals is the lab image's side of dispositions, blocking and caught
// counts. handle and afterRequest run on the main thread.
type labSignals struct {
	srv *labServer
	ch  chan os.Signal
	// goHandler is the runtime's sigaction (the same for every signal it
	// handles), put back to catch a signal set to SIG_DFL or SIG_IGN
	// behind the runtime's back.
	goHandler kernelSigaction
	gated     bool // every other thread blocks labBlockMask

	disp    map[int]int // by signal: rawfork.SigDefault / SigIgnore / SigCatch
	blocked uint64

	mu     sync.Mutex
	counts map[int]int64
}

// startLabSignals sets every signal of labChangeMask to SIG_DFL, opens the
// gate, and starts counting SIGCHLD.
func startLabSignals(srv *labServer) *labSignals {
	ls := &labSignals{srv: srv, ch: make(chan os.Signal, 64), disp: map[int]int{}, counts: map[int]int64{}}
	rtSigaction(int(unix.SIGURG), nil, &ls.goHandler) // the runtime always handles SIGURG
	for sig := 1; sig <= 64; sig++ {
		if labChangeMask&sigBit(sig) != 0 {
			rtSigaction(sig, &kernelSigaction{Handler: 0}, nil)
			ls.disp[sig] = rawfork.SigDefault
		}
	}
	ls.gated = othersBlock(labBlockMask)
	ls.afterRequest()
	signal.Notify(ls.ch, unix.SIGCHLD)
	go ls.count()
	return ls
}

// othersBlock reports whether every thread but this one blocks mask.
func othersBlock(mask uint64) bool {
	self := strconv.Itoa(unix.Gettid())
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return false
	}
	for _, e := range ents {
		if e.Name() == self {
			continue
		}
		b, err := os.ReadFile("/proc/self/task/" + e.Name() + "/status")
		if err != nil {
			continue // the thread ended
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "SigBlk:"); ok {
				m, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
				if err != nil || m&mask != mask {
					return false
				}
			}
		}
	}
	return true
}

// count counts what the handler caught and reports each one to proctui.
func (ls *labSignals) count() {
	for s := range ls.ch {
		sig := int(s.(syscall.Signal))
		ls.mu.Lock()
		ls.counts[sig]++
		n := ls.counts[sig]
		ls.mu.Unlock()
		ls.srv.write(rawfork.Reply{Op: rawfork.OpSigCaught, PID: int64(sig), Val: n}, -1)
	}
}

// afterRequest sets the gate to the blocked set again: syscall.ForkExec
// on this thread restores the exec-time mask, which blocks them all.
func (ls *labSignals) afterRequest() {
	if ls == nil {
		return
	}
	open := uint64(labBlockMask) &^ ls.blocked
	closed := ls.blocked
	sigprocmask(unix.SIG_UNBLOCK, &open, nil)
	sigprocmask(unix.SIG_BLOCK, &closed, nil)
}

// handle serves the signal commands; it reports whether req was one.
func (ls *labSignals) handle(req rawfork.Request, rep *rawfork.Reply) bool {
	if ls == nil {
		return false
	}
	sig := int(req.Arg0)
	switch req.Op {
	case rawfork.OpSigDisp:
		rep.Errno = ls.setDisp(sig, int(req.Arg1))
	case rawfork.OpSigBlock:
		rep.Errno = ls.setBlock(sig, req.Arg1 != 0)
	default:
		return false
	}
	return true
}

func (ls *labSignals) setDisp(sig, d int) syscall.Errno {
	if labChangeMask&sigBit(sig) == 0 {
		return unix.EINVAL
	}
	s := syscall.Signal(sig)
	blocked := ls.blocked&sigBit(sig) != 0
	switch d {
	case rawfork.SigDefault, rawfork.SigIgnore:
		// Reset stops delivery to the channel; the runtime keeps its
		// handler installed, so the kernel's disposition is set here.
		signal.Reset(s)
		act := kernelSigaction{Handler: uintptr(d)} // 0 = SIG_DFL, 1 = SIG_IGN
		if e := rtSigaction(sig, &act, nil); e != 0 {
			return e
		}
	case rawfork.SigCatch:
		if ls.goHandler.Handler <= 1 {
			return unix.ENOTSUP
		}
		if !blocked {
			signal.Notify(ls.ch, s)
		}
		h := ls.goHandler
		if e := rtSigaction(sig, &h, nil); e != 0 {
			return e
		}
	default:
		return unix.EINVAL
	}
	ls.disp[sig] = d
	return 0
}

func (ls *labSignals) setBlock(sig int, block bool) syscall.Errno {
	bit := sigBit(sig)
	if labBlockMask&bit == 0 {
		return unix.EINVAL
	}
	if !ls.gated {
		return unix.ENOTSUP
	}
	s := syscall.Signal(sig)
	if block {
		ls.blocked |= bit
		ls.afterRequest()
		if ls.disp[sig] == rawfork.SigCatch {
			// The os/signal thread would still take it.
			signal.Reset(s)
		}
		return 0
	}
	ls.blocked &^= bit
	if ls.disp[sig] == rawfork.SigCatch {
		signal.Notify(ls.ch, s)
	}
	ls.afterRequest()
	return 0
}
