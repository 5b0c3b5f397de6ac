package sim

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim/rawfork"
)

// envLab marks the lab image: its value is the descriptor number of the
// control socket the process inherited. It is removed from the environment
// as soon as the lab image starts, so nothing it runs inherits it.
const envLab = "PROCTUI_LAB"

// fork makes pid fork.
func (st *state) fork(pid int) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	start := time.Now()
	if pid == st.self {
		if err := st.reserve(); err != nil {
			return Result{}, err
		}
		if !st.raw {
			m, err := st.spawnLabFromSelf(fmt.Sprintf("lab image spawned by proctui (%d) in place of a fork", st.self))
			if err != nil {
				return Result{}, err
			}
			return Result{
				PID: m.PID, Syscall: "fork() + execve()", Took: time.Since(start),
				Text: fmt.Sprintf("%s, so proctui (%d) spawned the lab image instead: fork() + execve() made %d, a fresh proctui that shares no memory with it",
					capitalize(st.rawWhy), st.self, m.PID),
			}, nil
		}
		c, err := rawfork.Fork(rawfork.Config{Keep: []int{0, 1, 2}, Mem: st.cow.b})
		if err != nil {
			st.unreserve()
			return Result{}, fmt.Errorf("fork(): %w", err)
		}
		pidfd, err := adoptPIDFD(c.PIDFD, c.PID)
		if err != nil {
			st.unreserve()
			c.Control.Close() // EOF: the child exits
			reapOwn(c.PID)
			return Result{}, fmt.Errorf("pidfd for %d: %w", c.PID, err)
		}
		m, err := st.adoptForked(c.PID, pidfd, c.Control, st.self)
		if err != nil {
			return Result{PID: c.PID}, err
		}
		return st.forkResult(st.self, m, start), nil
	}

	p, ps, err := st.lookup(pid)
	if err != nil {
		return Result{}, err
	}
	if err := p.canCommand(ps, "fork"); err != nil {
		return Result{}, err
	}
	if err := st.reserve(); err != nil {
		return Result{}, err
	}
	var raw int64
	if st.raw {
		raw = 1
	}
	msg, err := p.conn.call(rawfork.Request{Op: rawfork.OpFork, Arg0: raw}, nil, nil, false)
	if err == nil && msg.rep.Errno != 0 {
		err = msg.rep.Errno
	}
	if err == nil && len(msg.fds) != 1 {
		err = fmt.Errorf("no control socket came back for child %d", msg.rep.PID)
	}
	if err != nil {
		closeFDs(msg.fds)
		st.unreserve()
		return Result{}, fmt.Errorf("fork() in %d failed: %w", pid, err)
	}
	cpid := int(msg.rep.PID)
	ctl := os.NewFile(uintptr(msg.fds[0]), "control:"+strconv.Itoa(cpid))
	pidfd, err := openPIDFD(cpid)
	if err != nil {
		st.unreserve()
		ctl.Close()
		return Result{}, fmt.Errorf("pidfd for %d: %w", cpid, err)
	}
	if msg.rep.Val == rawfork.ForkedLabImage {
		m, err := st.adoptLabImage(cpid, pidfd, ctl, pid, fmt.Sprintf("lab image spawned by %d in place of a fork", pid))
		if err != nil {
			return Result{PID: cpid}, err
		}
		return Result{
			PID: cpid, Syscall: "fork() + execve()", Took: time.Since(start),
			Text: fmt.Sprintf("%s, so %d spawned the lab image instead: fork() + execve() made %d, a fresh proctui that shares no memory with it",
				capitalize(st.rawWhy), pid, m.PID),
		}, nil
	}
	m, err := st.adoptForked(cpid, pidfd, ctl, pid)
	if err != nil {
		return Result{PID: cpid}, err
	}
	return st.forkResult(pid, m, start), nil
}

// canCommand checks that m can be told to do something: it is alive and
// serves the control protocol. snap is m as lookup saw it.
func (m *member) canCommand(snap Member, what string) error {
	if snap.Exited {
		return fmt.Errorf("%d has exited: a zombie cannot %s", m.PID, what)
	}
	if m.conn == nil {
		return fmt.Errorf("%d %s: %w", m.PID, m.program(), ErrNoControl)
	}
	return nil
}

func (m *member) program() string {
	if len(m.Argv) > 0 {
		return filepath.Base(m.Argv[0])
	}
	return m.Kind.String()
}

func (st *state) forkResult(parent int, m *member, start time.Time) Result {
	whose := fmt.Sprintf("%d's", parent)
	if parent == st.self {
		whose = "proctui's"
	}
	var fds []string
	for _, fd := range fdList(m.PID) {
		if fd != m.ControlFD {
			fds = append(fds, strconv.Itoa(fd))
		}
	}
	inherited := "inherited no descriptors"
	if len(fds) > 0 {
		inherited = "inherited fds " + strings.Join(fds, " ")
	}
	text := fmt.Sprintf("fork() returned %d in %s and 0 in the child; the child shares %s memory copy-on-write and %s",
		m.PID, st.name(parent), whose, inherited)
	snap := st.snap(m)
	if snap.IgnoresSIGCHLD {
		text += ", and SIGCHLD ignored like its parent"
	}
	if len(snap.EnvChanges) > 0 {
		text += fmt.Sprintf("; its environment is a copy too, with %s, which %d changed after its exec (so /proc/%d/environ shows neither)",
			strings.Join(snap.EnvChanges, " "), parent, m.PID)
	}
	return Result{PID: m.PID, Syscall: "fork()", Text: text, Took: time.Since(start)}
}

// adoptForked makes a raw fork child a member and waits for its first
// answer. On failure the child is killed but stays a member, so that its
// parent can still reap it and Close can end it.
func (st *state) adoptForked(pid int, pidfd, ctl *os.File, parent int) (*member, error) {
	m := &member{
		Member: Member{PID: pid, Parent: parent, Kind: KindForked, ControlFD: -1,
			Made: "forked from " + st.name(parent)},
		pidfd: pidfd,
		cow:   st.sharesCow(parent),
	}
	// The environment is in the memory the child got a copy of: what its
	// parent changed since its exec is the child's too.
	st.mu.Lock()
	if p := st.members[parent]; p != nil {
		m.EnvChanges = slices.Clone(p.EnvChanges)
	}
	st.mu.Unlock()
	c, err := newConn(ctl, nil)
	if err == nil {
		m.conn = c
		var msg message
		msg, err = c.call(rawfork.Request{Op: rawfork.OpPing}, nil, nil, false)
		if err == nil {
			m.ControlFD = int(msg.rep.Val)
		}
	}
	if err != nil {
		state := describe(pid)
		m.expect = true
		signalPIDFD(pidfd, unix.SIGKILL)
		err = fmt.Errorf("the new child %d did not answer (%v; it was %s); it was killed and waits to be reaped", pid, err, state)
	}
	st.add(m)
	return m, err
}

// describe says what a process that does not answer is doing, for an
// error message: its state letter, the system call it is blocked in and
// its descriptors.
func describe(pid int) string {
	ps, ok := readStat(pid)
	if !ok {
		return "gone"
	}
	sc, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/syscall")
	wchan, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/wchan")
	return fmt.Sprintf("in state %c, syscall %s, wchan %s, fds %v",
		ps.state, strings.TrimSpace(string(sc)), strings.TrimSpace(string(wchan)), fdList(pid))
}

// adoptLabImage makes a lab image a member and waits for its hello.
func (st *state) adoptLabImage(pid int, pidfd, ctl *os.File, parent int, made string) (*member, error) {
	m := &member{
		Member: Member{PID: pid, Parent: parent, Kind: KindLabImage, ControlFD: -1, Made: made},
		pidfd:  pidfd,
	}
	c, err := newConn(ctl, st.onNote(pid))
	if err == nil {
		m.conn = c
		var msg message
		msg, err = c.hello()
		if err == nil {
			m.ControlFD = int(msg.rep.Val)
		}
	}
	if err != nil {
		m.expect = true
		signalPIDFD(pidfd, unix.SIGKILL)
		err = fmt.Errorf("the lab image %d did not start (%v); it was killed and waits to be reaped", pid, err)
	}
	st.add(m)
	return m, err
}

// reapOwn kills and reaps a child of proctui that never became a member.
func reapOwn(pid int) {
	unix.Kill(pid, unix.SIGKILL)
	var ws unix.WaitStatus
	unix.Wait4(pid, &ws, 0, nil)
}

// labArgv is the lab image's command line: "proctui lab".
func labArgv() []string {
	return []string{filepath.Base(os.Args[0]), "lab"}
}

// programEnv is proctui's environment without the lab marker.
func programEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envLab+"=") {
			env = append(env, kv)
		}
	}
	return env
}

// labEnv is the environment of a lab image whose control socket is fd.
func labEnv(fd int) []string {
	return append(programEnv(), envLab+"="+strconv.Itoa(fd))
}

// spawnLabFromSelf starts the lab image as a child of proctui: fork +
// execve of proctui's own binary, with the child's end of a new control
// socket as fd 3. The slot must be reserved.
func (st *state) spawnLabFromSelf(made string) (*member, error) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		st.unreserve()
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	pidfd := -1
	attr := &syscall.ProcAttr{
		Env:   labEnv(3),
		Files: []uintptr{0, 1, 2, uintptr(pair[1])},
		Sys:   &syscall.SysProcAttr{PidFD: &pidfd},
	}
	pid, err := syscall.ForkExec(st.exe, labArgv(), attr)
	unix.Close(pair[1])
	if err != nil {
		unix.Close(pair[0])
		st.unreserve()
		return nil, fmt.Errorf("fork() + execve(%q): %w", st.exe, err)
	}
	ctl := os.NewFile(uintptr(pair[0]), "control:"+strconv.Itoa(pid))
	f, err := adoptPIDFD(pidfd, pid)
	if err != nil {
		ctl.Close()
		reapOwn(pid)
		st.unreserve()
		return nil, fmt.Errorf("pidfd for %d: %w", pid, err)
	}
	return st.adoptLabImage(pid, f, ctl, st.self, made)
}

// stdio opens what becomes fds 0, 1 and 2 of a program the user runs.
func (st *state) stdio() (fds []int, done func(), err error) {
	var null *os.File
	var files [3]*os.File
	for i, f := range []*os.File{st.opts.Stdin, st.opts.Stdout, st.opts.Stderr} {
		if f == nil {
			if null == nil {
				if null, err = os.OpenFile(os.DevNull, os.O_RDWR, 0); err != nil {
					return nil, nil, err
				}
			}
			f = null
		}
		files[i] = f
	}
	for _, f := range files {
		fds = append(fds, int(f.Fd()))
	}
	return fds, func() {
		// The user's files stay open; they only had to live until the
		// descriptors were duplicated into the child or passed on.
		for _, f := range files[:] {
			runtimeKeepAlive(f)
		}
		if null != nil {
			null.Close()
		}
	}, nil
}

// lookPath finds the program the way a shell would, with a message a
// person can act on.
func lookPath(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err == nil {
		return p, nil
	}
	if errors.Is(err, exec.ErrDot) {
		return "", fmt.Errorf("%s: refusing to run a program from the current directory; write ./%s", name, name)
	}
	if strings.Contains(name, "/") {
		return "", fmt.Errorf("%s: not an executable file", name)
	}
	return "", fmt.Errorf("%s: command not found in $PATH", name)
}

// run spawns argv under parent.
func (st *state) run(parent int, argv []string) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	lab := len(argv) == 0 || (len(argv) == 1 && argv[0] == "lab")
	var path string
	if !lab {
		var err error
		if path, err = lookPath(argv[0]); err != nil {
			return Result{}, err
		}
		argv = append([]string(nil), argv...)
	}
	var p *member
	if parent != st.self {
		var err error
		var ps Member
		if p, ps, err = st.lookup(parent); err != nil {
			return Result{}, err
		}
		if err := p.canCommand(ps, "run anything"); err != nil {
			return Result{}, err
		}
	}
	if err := st.reserve(); err != nil {
		return Result{}, err
	}
	start := time.Now()
	cmd := "the lab image"
	if !lab {
		cmd = quoteArgs(argv)
	}

	var (
		m   *member
		err error
	)
	switch {
	case p == nil && lab:
		m, err = st.spawnLabFromSelf(fmt.Sprintf("lab image spawned by proctui (%d)", st.self))
	case p == nil:
		m, err = st.spawnProgramFromSelf(path, argv)
	case p.Kind == KindLabImage:
		m, err = st.spawnVia(p, lab, path, argv)
	default:
		m, err = st.forkExecVia(p, lab, path, argv)
	}
	if err != nil {
		if m != nil {
			return Result{PID: m.PID}, err
		}
		return Result{}, err
	}
	exe := path
	if lab {
		exe = st.exe
	}
	res := Result{PID: m.PID, Syscall: "fork() + execve()", Took: time.Since(start)}
	switch {
	case p != nil && p.Kind == KindForked:
		res.Text = fmt.Sprintf("%d called fork() and its child %d called execve(%q): %d now runs %s",
			p.PID, m.PID, exe, m.PID, cmd)
	default:
		res.Text = fmt.Sprintf("fork() + execve(%q) in %s made child %d, now running %s", exe, st.name(parent), m.PID, cmd)
	}
	if lab {
		res.Text += " (proctui in its lab role)"
	} else if st.opts.Stdin == nil && st.opts.Stdout == nil && st.opts.Stderr == nil {
		res.Text += "; its fds 0 1 2 are /dev/null, so it cannot take over the terminal"
	}
	return res, nil
}

// spawnProgramFromSelf runs a program as a child of proctui. It uses
// syscall.ForkExec, not os/exec: os/exec would want to Wait for it, and
// the lab reaps only when asked. The slot must be reserved.
func (st *state) spawnProgramFromSelf(path string, argv []string) (*member, error) {
	stdio, done, err := st.stdio()
	if err != nil {
		st.unreserve()
		return nil, err
	}
	pidfd := -1
	attr := &syscall.ProcAttr{
		Env:   programEnv(),
		Files: []uintptr{uintptr(stdio[0]), uintptr(stdio[1]), uintptr(stdio[2])},
		Sys:   &syscall.SysProcAttr{PidFD: &pidfd},
	}
	pid, err := syscall.ForkExec(path, argv, attr)
	done()
	if err != nil {
		st.unreserve()
		return nil, fmt.Errorf("fork() + execve(%q): %w", path, err)
	}
	f, err := adoptPIDFD(pidfd, pid)
	if err != nil {
		reapOwn(pid)
		st.unreserve()
		return nil, fmt.Errorf("pidfd for %d: %w", pid, err)
	}
	m := st.newProgram(pid, f, st.self, argv)
	st.add(m)
	return m, nil
}

func (st *state) newProgram(pid int, pidfd *os.File, parent int, argv []string) *member {
	return &member{
		Member: Member{PID: pid, Parent: parent, Kind: KindProgram, Argv: argv, ControlFD: -1,
			Made: fmt.Sprintf("ran %s under %s", quoteArgs(argv), st.name(parent))},
		pidfd: pidfd,
	}
}

// spawnVia asks lab image p to spawn (fork + exec, in Go) the lab image or
// a program. The slot must be reserved.
func (st *state) spawnVia(p *member, lab bool, path string, argv []string) (*member, error) {
	req := rawfork.Request{Op: rawfork.OpSpawn}
	var (
		payload []byte
		fds     []int
		done    = func() {}
		err     error
	)
	if lab {
		req.Flags = rawfork.SpawnLab
	} else {
		if payload, err = rawfork.EncodeExec(path, argv, programEnv()); err != nil {
			st.unreserve()
			return nil, err
		}
		if fds, done, err = st.stdio(); err != nil {
			st.unreserve()
			return nil, err
		}
	}
	msg, err := p.conn.call(req, payload, fds, false)
	done()
	if err == nil && msg.rep.Errno != 0 {
		err = msg.rep.Errno
	}
	if err == nil && lab && len(msg.fds) != 1 {
		err = errors.New("no control socket came back")
	}
	if err != nil {
		closeFDs(msg.fds)
		st.unreserve()
		return nil, fmt.Errorf("fork() + execve() in %d: %w", p.PID, err)
	}
	pid := int(msg.rep.PID)
	pidfd, err := openPIDFD(pid)
	if err != nil {
		closeFDs(msg.fds)
		st.unreserve()
		return nil, fmt.Errorf("pidfd for %d: %w", pid, err)
	}
	if lab {
		ctl := os.NewFile(uintptr(msg.fds[0]), "control:"+strconv.Itoa(pid))
		return st.adoptLabImage(pid, pidfd, ctl, p.PID, fmt.Sprintf("lab image spawned by %d", p.PID))
	}
	m := st.newProgram(pid, pidfd, p.PID, argv)
	st.add(m)
	return m, nil
}

// forkExecVia makes raw fork child p fork, and the new child execve the
// lab image or a program. The new child keeps p's control socket number;
// a program loses the socket at execve (it is close-on-exec), which is how
// proctui learns that execve succeeded. The slot must be reserved.
func (st *state) forkExecVia(p *member, lab bool, path string, argv []string) (*member, error) {
	msg, err := p.conn.call(rawfork.Request{Op: rawfork.OpFork}, nil, nil, false)
	if err == nil && msg.rep.Errno != 0 {
		err = msg.rep.Errno
	}
	if err == nil && len(msg.fds) != 1 {
		err = errors.New("no control socket came back")
	}
	if err != nil {
		closeFDs(msg.fds)
		st.unreserve()
		return nil, fmt.Errorf("fork() in %d: %w", p.PID, err)
	}
	pid := int(msg.rep.PID)
	ctl := os.NewFile(uintptr(msg.fds[0]), "control:"+strconv.Itoa(pid))
	pidfd, err := openPIDFD(pid)
	if err != nil {
		ctl.Close() // EOF: it exits, a zombie under p
		st.unreserve()
		return nil, fmt.Errorf("pidfd for %d: %w", pid, err)
	}
	var onNote func(rawfork.Reply)
	if lab {
		onNote = st.onNote(pid)
	}
	c, err := newConn(ctl, onNote)
	if err != nil {
		signalPIDFD(pidfd, unix.SIGKILL)
		m := &member{Member: Member{PID: pid, Parent: p.PID, Kind: KindForked, ControlFD: -1, Made: "forked from " + st.name(p.PID)}, pidfd: pidfd, expect: true}
		st.add(m)
		return m, err
	}

	req := rawfork.Request{Op: rawfork.OpExec}
	var (
		payload []byte
		fds     []int
		done    = func() {}
	)
	if lab {
		req.Flags = rawfork.ExecKeepControl
		payload, err = rawfork.EncodeExec(st.exe, labArgv(), withEnv(labEnv(p.ControlFD), st.envChanges(p)))
	} else {
		payload, err = rawfork.EncodeExec(path, argv, withEnv(programEnv(), st.envChanges(p)))
		if err == nil {
			fds, done, err = st.stdio()
		}
	}
	var got message
	if err == nil {
		got, err = c.call(req, payload, fds, lab)
		done()
	}
	switch {
	case !lab && errors.Is(err, errEOF):
		c.close()
		m := st.newProgram(pid, pidfd, p.PID, argv)
		st.add(m)
		return m, nil
	case lab && err == nil && got.rep.Op == rawfork.OpHello:
		m := &member{
			Member: Member{PID: pid, Parent: p.PID, Kind: KindLabImage, ControlFD: int(got.rep.Val),
				Made: fmt.Sprintf("forked from %d, then exec'd the lab image", p.PID)},
			pidfd: pidfd, conn: c,
		}
		st.add(m)
		return m, nil
	case err == nil:
		err = fmt.Errorf("execve(%q) failed in %d: %w", path, pid, got.rep.Errno)
	}
	// execve failed: the child is still a raw fork child. End it and have
	// its parent reap it, so that nothing is left behind.
	c.send(rawfork.Request{Op: rawfork.OpExit, Arg0: 127})
	c.close()
	m := &member{Member: Member{PID: pid, Parent: p.PID, Kind: KindForked, ControlFD: -1, Made: "forked from " + st.name(p.PID)}, pidfd: pidfd, expect: true}
	st.add(m)
	select {
	case <-m.exited:
		if rep, e := p.conn.call(rawfork.Request{Op: rawfork.OpWait, Arg0: int64(pid)}, nil, nil, false); e == nil && int(rep.rep.PID) == pid {
			st.forget(m)
		}
	case <-time.After(replyTimeout):
	}
	return nil, err
}

// exit makes pid call exit(code).
func (st *state) exit(pid, code int) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	if code < 0 || code > 255 {
		return Result{}, fmt.Errorf("exit status %d is out of range: it must be 0 to 255", code)
	}
	if pid == st.self {
		return Result{}, fmt.Errorf("%w: quit with q, which also ends the lab", ErrSelf)
	}
	m, snap, err := st.lookup(pid)
	if err != nil {
		return Result{}, err
	}
	if snap.Exited {
		return Result{}, fmt.Errorf("%d has already exited", pid)
	}
	if m.conn == nil {
		return Result{}, fmt.Errorf("%d %s: %w", pid, m.program(), ErrNoControl)
	}
	start := time.Now()
	st.mu.Lock()
	m.expect = true
	detached := m.Detached
	st.mu.Unlock()
	if err := m.conn.send(rawfork.Request{Op: rawfork.OpExit, Arg0: int64(code)}); err != nil {
		return Result{}, fmt.Errorf("exit(%d) in %d: %w", code, pid, err)
	}
	select {
	case <-m.exited:
	case <-time.After(replyTimeout):
		return Result{}, fmt.Errorf("%d was told to call exit(%d) but has not exited after %v (it is %s)", pid, code, replyTimeout, describe(pid))
	}
	res := Result{PID: pid, Syscall: fmt.Sprintf("exit(%d)", code), Took: time.Since(start)}
	ps, ok := same(pid, m.start)
	switch {
	case detached:
		res.Text = fmt.Sprintf("%d called exit(%d); it was detached, so its parent reaps it at once and it leaves no zombie", pid, code)
	case !ok:
		res.Text = fmt.Sprintf("%d called exit(%d) and was reaped at once: its parent ignores SIGCHLD, so the kernel does it", pid, code)
	default:
		res.Text = fmt.Sprintf("%d called exit(%d): it is a zombie now, its status kept by the kernel until its parent %s calls wait()",
			pid, code, st.name(ps.ppid))
	}
	return res, nil
}

// wait makes the parent of zombie pid reap it, or makes live pid wait for
// any child without blocking.
func (st *state) wait(pid int) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	if pid == st.self {
		return st.selfWaitAny(), nil
	}
	m, snap, err := st.lookup(pid)
	if err != nil {
		return Result{}, err
	}
	ps, ok := same(pid, m.start)
	if !ok {
		st.forget(m)
		return Result{}, fmt.Errorf("%d is already gone: its parent reaped it", pid)
	}
	if ps.state == 'Z' && snap.Detached {
		return Result{}, fmt.Errorf("%d is detached: its parent reaps it on its own", pid)
	}
	if ps.state == 'Z' {
		return st.reapZombie(m, ps)
	}
	if m.conn == nil {
		return Result{}, fmt.Errorf("%d %s is %w, and proctui cannot make a program it ran call wait()", pid, m.program(), ErrNotZombie)
	}
	msg, err := m.conn.call(rawfork.Request{Op: rawfork.OpWait, Arg0: -1}, nil, nil, false)
	if err != nil {
		return Result{}, fmt.Errorf("wait4() in %d: %w", pid, err)
	}
	res := Result{PID: pid, Syscall: "wait4(-1, WNOHANG)"}
	switch {
	case msg.rep.Errno == unix.ECHILD:
		res.Text = fmt.Sprintf("wait4(-1, WNOHANG) in %d failed with ECHILD: it has no children to wait for", pid)
		if snap.IgnoresSIGCHLD {
			res.Text += " (it ignores SIGCHLD, so the kernel reaps them as they exit)"
		}
	case msg.rep.Errno != 0:
		return Result{}, fmt.Errorf("wait4() in %d failed: %w", pid, msg.rep.Errno)
	case msg.rep.PID == 0:
		res.Text = fmt.Sprintf("wait4(-1, WNOHANG) in %d returned 0: no child has exited yet", pid)
	default:
		kid := int(msg.rep.PID)
		ws := proctree.WaitStatus(msg.rep.Val)
		st.forgetPID(kid)
		res.Reaped, res.Status = kid, ws.String()
		res.Text = fmt.Sprintf("wait4(-1, WNOHANG) in %d returned %d: %s; the zombie is gone", pid, kid, ws)
	}
	return res, nil
}

func (st *state) forgetPID(pid int) {
	st.mu.Lock()
	m := st.members[pid]
	st.mu.Unlock()
	if m != nil {
		st.forget(m)
	}
}

// reapZombie makes the current parent of zombie m reap it.
func (st *state) reapZombie(m *member, ps procStat) (Result, error) {
	res := Result{PID: m.PID, Syscall: fmt.Sprintf("wait4(%d, WNOHANG)", m.PID)}
	var ws proctree.WaitStatus
	switch {
	case ps.ppid == st.self:
		var uws unix.WaitStatus
		got, err := unix.Wait4(m.PID, &uws, unix.WNOHANG, nil)
		if err != nil {
			return Result{}, fmt.Errorf("wait4(%d) in proctui failed: %w", m.PID, err)
		}
		if got != m.PID {
			return Result{}, fmt.Errorf("wait4(%d) in proctui returned %d: it has not exited after all", m.PID, got)
		}
		ws = proctree.WaitStatus(uws)
	default:
		st.mu.Lock()
		p := st.members[ps.ppid]
		st.mu.Unlock()
		if p == nil {
			return Result{}, fmt.Errorf("the parent of %d is now %d %s, which is %w", m.PID, ps.ppid, commOf(ps.ppid), ErrNotInLab)
		}
		if p.conn == nil {
			return Result{}, fmt.Errorf("the parent of %d is %d %s: %w", m.PID, p.PID, p.program(), ErrNoControl)
		}
		msg, err := p.conn.call(rawfork.Request{Op: rawfork.OpWait, Arg0: int64(m.PID)}, nil, nil, false)
		if err == nil && msg.rep.Errno != 0 {
			err = msg.rep.Errno
		}
		if err != nil {
			return Result{}, fmt.Errorf("wait4(%d) in %d failed: %w", m.PID, p.PID, err)
		}
		if int(msg.rep.PID) != m.PID {
			return Result{}, fmt.Errorf("wait4(%d) in %d returned %d: it has not exited after all", m.PID, p.PID, msg.rep.PID)
		}
		ws = proctree.WaitStatus(msg.rep.Val)
	}
	st.forget(m)
	res.Reaped, res.Status = m.PID, ws.String()
	res.Text = fmt.Sprintf("wait4(%d) in %s returned %d: %s; the zombie is gone", m.PID, st.name(ps.ppid), m.PID, ws)
	return res, nil
}

// selfWaitAny is wait for proctui itself: it reaps one of its lab children
// that has exited, if any. proctui asks wait4 about each of them by pid
// rather than wait4(-1): -1 could reap a child that is not the lab's.
func (st *state) selfWaitAny() Result {
	type kid struct {
		m    *member
		snap Member
	}
	st.mu.Lock()
	var kids []kid
	for _, m := range st.members {
		if !m.Detached {
			kids = append(kids, kid{m, m.snapshot()})
		}
	}
	st.mu.Unlock()
	// Those known to have exited first, oldest exit first.
	var mine []*member
	slices.SortFunc(kids, func(a, b kid) int { return cmp.Compare(exitOrder(a.snap), exitOrder(b.snap)) })
	for _, k := range kids {
		if ps, ok := same(k.m.PID, k.m.start); ok && ps.ppid == st.self {
			mine = append(mine, k.m)
		}
	}
	res := Result{PID: st.self, Syscall: "wait4(pid, WNOHANG)"}
	for _, m := range mine {
		var ws unix.WaitStatus
		if got, err := unix.Wait4(m.PID, &ws, unix.WNOHANG, nil); err == nil && got == m.PID {
			st.forget(m)
			res.Syscall = fmt.Sprintf("wait4(%d, WNOHANG)", m.PID)
			res.Reaped, res.Status = m.PID, proctree.WaitStatus(ws).String()
			res.Text = fmt.Sprintf("wait4(%d, WNOHANG) in proctui (%d) returned %d: %s; the zombie is gone",
				m.PID, st.self, m.PID, res.Status)
			return res
		}
	}
	if len(mine) == 0 {
		res.Text = fmt.Sprintf("proctui (%d) has no children in the lab to wait for: wait4() would fail with ECHILD", st.self)
	} else {
		res.Text = fmt.Sprintf("wait4(WNOHANG) in proctui (%d) returned 0 for each of its %d children: none has exited yet",
			st.self, len(mine))
	}
	return res
}

// exitOrder sorts members by when they exited, those still running last.
func exitOrder(m Member) int64 {
	if !m.Exited {
		return math.MaxInt64
	}
	return m.ExitedAt.UnixNano()
}

// detach makes pid's parent reap it on its own when it exits.
func (st *state) detach(pid int) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	if pid == st.self {
		pp := os.Getppid()
		return Result{}, fmt.Errorf("%w: its parent %d %s is not in the lab", ErrSelf, pp, commOf(pp))
	}
	m, snap, err := st.lookup(pid)
	if err != nil {
		return Result{}, err
	}
	res := Result{PID: pid}
	if snap.Detached {
		res.Text = fmt.Sprintf("%d is already detached: its parent reaps it when it exits", pid)
		return res, nil
	}
	ps, ok := same(pid, m.start)
	if !ok {
		st.forget(m)
		return Result{}, fmt.Errorf("%d is already gone: its parent reaped it", pid)
	}
	if ps.ppid == st.self {
		res.Syscall = "wait4()"
		st.mu.Lock()
		m.Detached = true
		exited := m.Exited
		st.mu.Unlock()
		if exited {
			st.reapDetached(m)
			res.Text = fmt.Sprintf("%d had already exited, so proctui (%d) reaped it at once with wait4()", pid, st.self)
			return res, nil
		}
		res.Text = fmt.Sprintf("proctui (%d) will reap %d the moment it exits: it watches the child's pidfd and calls wait4() at once, so %d never stays a zombie",
			st.self, pid, pid)
		return res, nil
	}
	st.mu.Lock()
	p := st.members[ps.ppid]
	var psnap Member
	if p != nil {
		psnap = p.snapshot()
	}
	st.mu.Unlock()
	if p == nil {
		return Result{}, fmt.Errorf("the parent of %d is %d %s, which is %w", pid, ps.ppid, commOf(ps.ppid), ErrNotInLab)
	}
	if err := p.canCommand(psnap, "reap its children"); err != nil {
		return Result{}, err
	}
	if p.Kind == KindLabImage {
		msg, err := p.conn.call(rawfork.Request{Op: rawfork.OpDetach, Arg0: int64(pid)}, nil, nil, false)
		if err == nil && msg.rep.Errno != 0 {
			err = msg.rep.Errno
		}
		if err != nil {
			return Result{}, fmt.Errorf("detach in %d: %w", p.PID, err)
		}
		st.mu.Lock()
		m.Detached = true
		st.mu.Unlock()
		res.Syscall = fmt.Sprintf("wait4(%d, 0)", pid)
		res.Text = fmt.Sprintf("%d started a thread that blocks in wait4(%d): it reaps %d the moment it exits, so %d never stays a zombie",
			p.PID, pid, pid, pid)
		return res, nil
	}
	// A raw fork child has no threads to spare: it asks the kernel.
	msg, err := p.conn.call(rawfork.Request{Op: rawfork.OpSigchld, Arg0: 1}, nil, nil, false)
	if err == nil && msg.rep.Errno != 0 {
		err = msg.rep.Errno
	}
	if err != nil {
		return Result{}, fmt.Errorf("sigaction(SIGCHLD, SIG_IGN) in %d: %w", p.PID, err)
	}
	st.mu.Lock()
	p.IgnoresSIGCHLD = true
	var zombie bool
	for _, k := range st.members {
		if k.Parent == p.PID {
			k.Detached = true
		}
	}
	m.Detached = true
	st.mu.Unlock()
	res.Syscall = "sigaction(SIGCHLD, SIG_IGN)"
	res.Text = fmt.Sprintf("%d set SIGCHLD to SIG_IGN with sigaction(): now the kernel reaps every child of %d the moment it exits, %d included, and none of them becomes a zombie",
		p.PID, p.PID, pid)
	// Ignoring SIGCHLD does not reap a child that is already a zombie.
	if ps2, ok := same(pid, m.start); ok && ps2.state == 'Z' {
		zombie = true
	}
	if zombie {
		if msg, err := p.conn.call(rawfork.Request{Op: rawfork.OpWait, Arg0: int64(pid)}, nil, nil, false); err == nil && int(msg.rep.PID) == pid {
			st.forget(m)
			res.Text += fmt.Sprintf("; %d was a zombie already, so %d reaped it with wait4(): %s", pid, p.PID, proctree.WaitStatus(msg.rep.Val))
		}
	}
	return res, nil
}

func runtimeKeepAlive(f *os.File) { runtime.KeepAlive(f) }

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
