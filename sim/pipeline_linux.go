package sim

import (
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/sim/rawfork"
)

// runPipeline runs left | right under parent (proctui or a lab image):
// a pipe, left with its write end as fd 1, right with its read end as fd
// 0, the way a shell builds a pipeline.
func (st *state) runPipeline(parent int, left, right []string) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	var p *member
	if parent != st.self {
		var err error
		if p, err = st.commandable(parent, "run a pipeline"); err != nil {
			return Result{}, err
		}
		if p.Kind != KindLabImage {
			return Result{}, fmt.Errorf("%d is a forked child: run a pipeline under proctui or a lab image", parent)
		}
	}
	lpath, err := lookPath(left[0])
	if err != nil {
		return Result{}, err
	}
	rpath, err := lookPath(right[0])
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	var pfd [2]int
	if err := unix.Pipe2(pfd[:], unix.O_CLOEXEC); err != nil {
		return Result{}, fmt.Errorf("pipe(): %w", err)
	}
	// proctui's copies only carry the ends; a pipe whose reader is gone
	// must have no reader left here either, or the writer never sees
	// SIGPIPE.
	defer unix.Close(pfd[0])
	defer unix.Close(pfd[1])
	stdio, done, err := st.stdio()
	if err != nil {
		return Result{}, err
	}
	defer done()
	lw, err := st.spawnWithStdio(p, lpath, left, []int{stdio[0], pfd[1], stdio[2]})
	if err != nil {
		return Result{}, err
	}
	rr, err := st.spawnWithStdio(p, rpath, right, []int{pfd[0], stdio[1], stdio[2]})
	if err != nil {
		return Result{PID: lw}, fmt.Errorf("%s started as %d, but %s did not: %w", quoteArgs(left), lw, quoteArgs(right), err)
	}
	return Result{PID: rr, Syscall: "pipe() + fork() + dup2() + execve()", Took: time.Since(start),
		Text: fmt.Sprintf("pipe() in proctui, then %s started %d running %s with the write end dup2'd onto its fd 1, and %d running %s with the read end on its fd 0, as a shell builds %s | %s; proctui closed its copies, so once %d exits, %d's next write() gets SIGPIPE",
			st.name(parent), lw, quoteArgs(left), rr, quoteArgs(right), left[0], right[0], rr, lw)}, nil
}

// spawnWithStdio runs argv under p (nil: proctui) with fds as its 0 1 2.
func (st *state) spawnWithStdio(p *member, path string, argv []string, fds []int) (int, error) {
	if err := st.reserve(); err != nil {
		return 0, err
	}
	parent := st.self
	var pid int
	if p == nil {
		pidfd := -1
		var err error
		pid, err = syscall.ForkExec(path, argv, &syscall.ProcAttr{
			Env:   programEnv(),
			Files: []uintptr{uintptr(fds[0]), uintptr(fds[1]), uintptr(fds[2])},
			Sys:   &syscall.SysProcAttr{PidFD: &pidfd},
		})
		if err != nil {
			st.unreserve()
			return 0, fmt.Errorf("fork() + execve(%q): %w", path, err)
		}
		f, err := adoptPIDFD(pidfd, pid)
		if err != nil {
			reapOwn(pid)
			st.unreserve()
			return 0, fmt.Errorf("pidfd for %d: %w", pid, err)
		}
		st.add(st.newProgram(pid, f, parent, argv))
		return pid, nil
	}
	parent = p.PID
	payload, err := rawfork.EncodeExec(path, argv, programEnv())
	if err != nil {
		st.unreserve()
		return 0, err
	}
	msg, err := fdCall(p, rawfork.Request{Op: rawfork.OpSpawn}, payload, fds)
	if err != nil {
		st.unreserve()
		return 0, fmt.Errorf("fork() + execve() in %d: %w", parent, err)
	}
	pid = int(msg.rep.PID)
	f, err := openPIDFD(pid)
	if err != nil {
		st.unreserve()
		return 0, fmt.Errorf("pidfd for %d: %w", pid, err)
	}
	st.add(st.newProgram(pid, f, parent, argv))
	return pid, nil
}
