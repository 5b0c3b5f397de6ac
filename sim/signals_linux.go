package sim

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim/rawfork"
)

// signalGuard classifies pid for the signal menu.
func (st *state) signalGuard(pid int) (Guard, string) {
	switch {
	case pid == 1:
		return GuardTypeName, "pid 1 is init: if it ends, the whole system goes down with it"
	case pid == st.self:
		return GuardTypeName, fmt.Sprintf("%d is proctui itself", pid)
	}
	for p, n := os.Getppid(), 0; p > 1 && n < 4096; n++ {
		if p == pid {
			return GuardTypeName, fmt.Sprintf("%d %s is an ancestor of proctui (the shell or terminal it runs in)", pid, commOf(pid))
		}
		ps, ok := readStat(p)
		if !ok {
			break
		}
		p = ps.ppid
	}
	if st.contains(pid) {
		return GuardNone, ""
	}
	return GuardConfirm, fmt.Sprintf("%d %s is not in the lab", pid, commOf(pid))
}

// readSignals reads the signal masks of pid from /proc/PID/status: the
// main thread's pending and blocked sets, the process's shared pending set
// and its dispositions.
func readSignals(pid int) (proctree.Signals, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return proctree.Signals{}, false
	}
	return proctree.ParseStatusSignals(b), true
}

// signal sends sig to pid with kill(2).
func (st *state) signal(pid, sig int) (Result, error) {
	if pid <= 0 {
		return Result{}, fmt.Errorf("kill(%d): %w", pid, ErrNotAGroup)
	}
	if sig < 0 || sig > 64 {
		return Result{}, fmt.Errorf("signal %d does not exist: signals are 1 to 64 (0 only checks)", sig)
	}
	name := proctree.SignalName(sig)
	if sig == 0 {
		name = "0"
	}
	call := fmt.Sprintf("kill(%d, %s)", pid, name)
	before, known := readSignals(pid)
	ps, ok := readStat(pid)
	wasZombie := ok && ps.state == 'Z'
	start := time.Now()
	if err := unix.Kill(pid, syscall.Signal(sig)); err != nil {
		var errno syscall.Errno
		if errors.As(err, &errno) {
			return Result{}, fmt.Errorf("%s = -1, %s: %s", call, unix.ErrnoName(errno), errno.Error())
		}
		return Result{}, fmt.Errorf("%s failed: %w", call, err)
	}
	res := Result{PID: pid, Syscall: call, Took: time.Since(start)}
	if wasZombie {
		res.Text = fmt.Sprintf("%s = 0: %d is a zombie, already dead: the signal changes nothing; only its parent's wait() removes it", call, pid)
		return res, nil
	}
	res.Text = call + " = 0: " + signalWhy(pid, sig, before, known)
	return res, nil
}

// signalWhy says which of its choices the process made for sig, as the
// masks read just before the signal was sent show it.
func signalWhy(pid, sig int, s proctree.Signals, known bool) string {
	name := proctree.SignalName(sig)
	act := proctree.DefaultAction(sig)
	switch {
	case sig == 0:
		return fmt.Sprintf("signal 0 is never delivered; the call only checks that %d exists and may be signalled", pid)
	case sig == int(unix.SIGKILL):
		return fmt.Sprintf("SIGKILL cannot be caught, ignored or blocked: the kernel ends %d", pid)
	case sig == int(unix.SIGSTOP):
		return fmt.Sprintf("SIGSTOP cannot be caught, ignored or blocked: the kernel stops %d (state T) until SIGCONT", pid)
	case !known:
		return fmt.Sprintf("the default action of %s is %s, unless %d chose otherwise", name, act, pid)
	}
	cont := ""
	if sig == int(unix.SIGCONT) {
		// SIGCONT resumes a stopped process when it is sent, whatever the
		// disposition and even while it is blocked.
		cont = fmt.Sprintf("it resumes %d if it was stopped, whatever its disposition; ", pid)
	}
	switch {
	case s.Blocked.Has(sig) && !s.Ignored.Has(sig):
		return cont + fmt.Sprintf("%d blocks %s, so it waits as pending until %d unblocks it", pid, name, pid)
	case s.Ignored.Has(sig):
		return cont + fmt.Sprintf("%d ignores %s (SIG_IGN), so the kernel discarded it: nothing happens", pid, name)
	case s.Caught.Has(sig):
		return cont + fmt.Sprintf("%d catches %s: the kernel interrupts it to run its handler, and it carries on", pid, name)
	}
	switch act {
	case proctree.ActTerminate:
		return cont + fmt.Sprintf("%d takes the default action for %s: terminate; it ends, killed by %s", pid, name, name)
	case proctree.ActCore:
		return cont + fmt.Sprintf("%d takes the default action for %s: it ends and may dump core", pid, name)
	case proctree.ActStop:
		return fmt.Sprintf("%d takes the default action for %s: stop; it is in state T until SIGCONT", pid, name)
	case proctree.ActContinue:
		return cont + "the default action does nothing more"
	}
	return fmt.Sprintf("the default action of %s is to ignore it: nothing happens", name)
}

// setDisposition changes how lab process pid takes sig.
func (st *state) setDisposition(pid, sig int, d Disposition) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	if sig < 1 || sig > 64 {
		return Result{}, fmt.Errorf("signal %d does not exist: signals are 1 to 64", sig)
	}
	name := proctree.SignalName(sig)
	if sig == int(unix.SIGKILL) || sig == int(unix.SIGSTOP) {
		return Result{}, fmt.Errorf("%s %w", name, ErrUncatchable)
	}
	if pid == st.self {
		return Result{}, fmt.Errorf("proctui's own signals belong to the Go runtime and the terminal: change them in a lab process (f forks one, r runs the lab image)")
	}
	m, snap, err := st.lookup(pid)
	if err != nil {
		return Result{}, err
	}
	if err := m.canCommand(snap, "change its signals"); err != nil {
		return Result{}, err
	}
	if sig == int(unix.SIGCHLD) {
		if snap.Kind == KindLabImage {
			return Result{}, fmt.Errorf("%d catches SIGCHLD to count its children's stops and exits; it waits for them with wait4(), which ignoring SIGCHLD would take away", pid)
		}
		return Result{}, fmt.Errorf("SIGCHLD set to SIG_IGN makes the kernel reap every child of %d: d (detach) on one of its children does that and keeps the lab in step", pid)
	}
	start := time.Now()
	switch snap.Kind {
	case KindForked:
		return st.forkedDisposition(m, sig, d, start)
	case KindLabImage:
		return st.labImageDisposition(m, sig, d, start)
	}
	return Result{}, fmt.Errorf("%d %s: %w", pid, m.program(), ErrNoControl)
}

func (st *state) forkedDisposition(m *member, sig int, d Disposition, start time.Time) (Result, error) {
	name := proctree.SignalName(sig)
	var arg int64
	switch d {
	case DispDefault:
		arg = rawfork.SigDefault
	case DispIgnore:
		arg = rawfork.SigIgnore
	case DispCatch:
		return Result{}, fmt.Errorf("%d: %w", m.PID, ErrNoCatchInFork)
	default:
		return Result{}, fmt.Errorf("a forked child offers default and ignore here; the lab image (r, enter) shows blocking")
	}
	handler := map[int64]string{rawfork.SigDefault: "SIG_DFL", rawfork.SigIgnore: "SIG_IGN"}[arg]
	call := fmt.Sprintf("sigaction(%s, %s)", name, handler)
	msg, err := m.conn.call(rawfork.Request{Op: rawfork.OpSigDisp, Arg0: int64(sig), Arg1: arg}, nil, nil, false)
	if err == nil && msg.rep.Errno != 0 {
		err = msg.rep.Errno
	}
	if err != nil {
		return Result{}, fmt.Errorf("%s in %d: %w", call, m.PID, err)
	}
	res := Result{PID: m.PID, Syscall: call, Took: time.Since(start)}
	if d == DispIgnore {
		res.Text = fmt.Sprintf("%d called %s: from now on the kernel discards %s sent to it", m.PID, call, name)
	} else {
		res.Text = fmt.Sprintf("%d called %s: %s takes its default action again: %s", m.PID, call, name, proctree.DefaultAction(sig))
	}
	return res, nil
}

// labImageBlockable is what a lab image can block: the Go runtime
// unblocks the others on every thread it starts (it must be able to die
// on SIGTERM, SIGINT and SIGHUP, crash on SIGSEGV, preempt with SIGURG).
func labImageBlockable(sig int) bool { return labBlockMask&sigBit(sig) != 0 }

func (st *state) labImageDisposition(m *member, sig int, d Disposition, start time.Time) (Result, error) {
	name := proctree.SignalName(sig)
	if labChangeMask&sigBit(sig) == 0 {
		return Result{}, fmt.Errorf("the lab image leaves %s to the Go runtime, which needs it to work (crashes, preemption, profiling, pipes); try USR1, USR2, TERM, INT or HUP", name)
	}
	req := rawfork.Request{Op: rawfork.OpSigDisp, Arg0: int64(sig)}
	var call, text string
	switch d {
	case DispDefault:
		req.Arg1 = rawfork.SigDefault
		call = fmt.Sprintf("sigaction(%s, SIG_DFL)", name)
		text = fmt.Sprintf("%d called %s: %s now takes its default action: %s", m.PID, call, name, proctree.DefaultAction(sig))
	case DispIgnore:
		req.Arg1 = rawfork.SigIgnore
		call = fmt.Sprintf("sigaction(%s, SIG_IGN)", name)
		text = fmt.Sprintf("%d called %s: from now on the kernel discards %s sent to it", m.PID, call, name)
	case DispCatch:
		req.Arg1 = rawfork.SigCatch
		call = fmt.Sprintf("sigaction(%s, handler)", name)
		text = fmt.Sprintf("%d installed a handler for %s (os/signal.Notify): each delivery interrupts it, runs the handler, and is counted", m.PID, name)
	case DispBlock, DispUnblock:
		if !labImageBlockable(sig) {
			return Result{}, fmt.Errorf("the Go runtime unblocks %s on every thread it starts, so a Go process cannot keep it blocked; a lab image can block USR1, USR2, ALRM, CONT, TSTP, TTIN, TTOU, WINCH, VTALRM, IO and PWR", name)
		}
		req.Op = rawfork.OpSigBlock
		if d == DispBlock {
			req.Arg1 = 1
			call = fmt.Sprintf("sigprocmask(SIG_BLOCK, %s)", name)
			text = fmt.Sprintf("%d blocked %s: sent now, it waits as pending (ShdPnd) until unblocked", m.PID, name)
		} else {
			call = fmt.Sprintf("sigprocmask(SIG_UNBLOCK, %s)", name)
			text = fmt.Sprintf("%d unblocked %s: a pending one is delivered now", m.PID, name)
		}
	default:
		return Result{}, fmt.Errorf("unknown disposition %d", d)
	}
	pending := false
	if s, ok := readSignals(m.PID); ok && d == DispUnblock {
		pending = s.SharedPending.Has(sig) || s.Pending.Has(sig)
	}
	msg, err := m.conn.call(req, nil, nil, false)
	if err == nil && msg.rep.Errno != 0 {
		err = msg.rep.Errno
	}
	if err != nil && d == DispUnblock && pending && errors.Is(err, errEOF) {
		// The pending signal was delivered the moment it was unblocked,
		// and its default action ended the process before it answered.
		select {
		case <-m.exited:
		case <-time.After(replyTimeout):
		}
		if ps, ok := same(m.PID, m.start); ok && ps.state == 'Z' {
			return Result{PID: m.PID, Syscall: call, Took: time.Since(start),
				Text: fmt.Sprintf("%d unblocked %s: the pending one was delivered at once, and its default action ended %d: %s",
					m.PID, name, m.PID, proctree.WaitStatus(ps.exit))}, nil
		}
	}
	if err != nil {
		return Result{}, fmt.Errorf("%s in %d: %w", call, m.PID, err)
	}
	if d == DispUnblock && !pending {
		text = fmt.Sprintf("%d unblocked %s: none was pending; the next one is delivered at once", m.PID, name)
	}
	return Result{PID: m.PID, Syscall: call, Text: text, Took: time.Since(start)}, nil
}

// onSignalReport takes a lab image's report of a caught signal. It
// reports whether rep was one.
func (st *state) onSignalReport(pid int, rep rawfork.Reply) bool {
	if rep.Op != rawfork.OpSigCaught {
		return false
	}
	sig := int(rep.PID)
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.members[pid]
	if m == nil {
		return true
	}
	now := time.Now()
	for i := range m.Caught {
		if m.Caught[i].Sig == sig {
			m.Caught[i].Count, m.Caught[i].Last = rep.Val, now
			return true
		}
	}
	m.Caught = append(m.Caught, SignalCount{Sig: sig, Count: rep.Val, Last: now})
	return true
}
