package sim

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/proctui/proctui/sim/rawfork"
)

// fdCloexec reads whether fd of pid is close-on-exec, from its fdinfo.
func fdCloexec(pid, fd int) (bool, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		return false, fmt.Errorf("%d has no fd %d", pid, fd)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "flags:"); ok {
			flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			if err != nil {
				break
			}
			return flags&0o2000000 != 0, nil // O_CLOEXEC, as fdinfo shows it
		}
	}
	return false, fmt.Errorf("fdinfo of %d fd %d has no flags", pid, fd)
}

// toggleCloexec flips close-on-exec on fd of lab process pid.
func (st *state) toggleCloexec(pid, fd int) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	m, err := st.commandable(pid, "change a descriptor")
	if err != nil {
		return Result{}, err
	}
	if fd == m.ControlFD {
		return Result{}, fmt.Errorf("fd %d of %d is its control socket", fd, pid)
	}
	on, err := fdCloexec(pid, fd)
	if err != nil {
		return Result{}, err
	}
	var set int64
	call := fmt.Sprintf("fcntl(%d, F_SETFD, FD_CLOEXEC)", fd)
	text := "the next exec closes it"
	if !on {
		set = 1
	} else {
		call = fmt.Sprintf("fcntl(%d, F_SETFD, 0)", fd)
		text = "it survives the next exec"
	}
	if _, err := fdCall(m, rawfork.Request{Op: rawfork.OpCloexec, Arg0: int64(fd), Arg1: set}, nil, nil); err != nil {
		return Result{}, fmt.Errorf("%s in %d: %w", call, pid, err)
	}
	return Result{PID: pid, Syscall: call, Text: fmt.Sprintf("%s in %d returned 0: %s", call, pid, text)}, nil
}

// exec makes forked child pid execve argv. Its pid stays; descriptors
// marked close-on-exec close, the others stay open in the new program.
func (st *state) exec(pid int, argv []string) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	if len(argv) == 0 {
		return Result{}, errors.New("exec needs a program to run")
	}
	m, err := st.commandable(pid, "exec")
	if err != nil {
		return Result{}, err
	}
	if m.Kind != KindForked {
		return Result{}, fmt.Errorf("%d is a lab image: e replaces the program of a forked child (fork one with f)", pid)
	}
	path, err := lookPath(argv[0])
	if err != nil {
		return Result{}, err
	}
	payload, err := rawfork.EncodeExec(path, argv, programEnv())
	if err != nil {
		return Result{}, err
	}
	var kept, closed []string
	for _, fd := range fdList(pid) {
		if fd == m.ControlFD {
			continue
		}
		if on, err := fdCloexec(pid, fd); err == nil && on {
			closed = append(closed, strconv.Itoa(fd))
		} else {
			kept = append(kept, strconv.Itoa(fd))
		}
	}
	msg, err := m.conn.call(rawfork.Request{Op: rawfork.OpExec}, payload, nil, false)
	switch {
	case errors.Is(err, errEOF):
		// The control socket is close-on-exec: EOF is execve succeeding.
	case err != nil:
		return Result{}, fmt.Errorf("execve(%q) in %d: %w", path, pid, err)
	default:
		return Result{}, fmt.Errorf("execve(%q) in %d failed: %w", path, pid, msg.rep.Errno)
	}
	st.mu.Lock()
	c := m.conn
	m.conn = nil
	m.Kind = KindProgram
	m.Argv = append([]string(nil), argv...)
	m.Made += fmt.Sprintf(", then exec'd %s", quoteArgs(argv))
	st.mu.Unlock()
	c.close()
	text := fmt.Sprintf("execve(%q) in %d: same pid, new program %s; kept %s", path, pid, quoteArgs(argv), words(kept, "no descriptors"))
	if len(closed) > 0 {
		text += "; closed " + strings.Join(closed, " ") + " (close-on-exec)"
	}
	return Result{PID: pid, Syscall: fmt.Sprintf("execve(%q)", path), Text: text}, nil
}

func words(list []string, none string) string {
	if len(list) == 0 {
		return none
	}
	return strings.Join(list, " ")
}

// passFD makes lab image from send its descriptor fd over its socket
// fromSock with SCM_RIGHTS, and lab image to receive it from its socket
// toSock (the other end of the same connection, made with SocketPair).
func (st *state) passFD(from, fromSock, fd, to, toSock int) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	a, err := st.commandable(from, "send a descriptor")
	if err != nil {
		return Result{}, err
	}
	b, err := st.commandable(to, "receive a descriptor")
	if err != nil {
		return Result{}, err
	}
	if a.Kind != KindLabImage || b.Kind != KindLabImage {
		return Result{}, errors.New("passing a descriptor over a socket takes two lab images")
	}
	if _, err := fdCall(a, rawfork.Request{Op: rawfork.OpSendFD, Arg0: int64(fromSock), Arg1: int64(fd)}, nil, nil); err != nil {
		return Result{}, fmt.Errorf("sendmsg(%d, SCM_RIGHTS fd %d) in %d: %w", fromSock, fd, from, err)
	}
	msg, err := fdCall(b, rawfork.Request{Op: rawfork.OpRecvFD, Arg0: int64(toSock)}, nil, nil)
	if err != nil {
		return Result{}, fmt.Errorf("%d sent fd %d, but recvmsg(%d) in %d: %w", from, fd, toSock, to, err)
	}
	return Result{PID: to, Syscall: "sendmsg(SCM_RIGHTS) + recvmsg()",
		Text: fmt.Sprintf("%d sent its fd %d over fd %d with sendmsg(SCM_RIGHTS); recvmsg() on fd %d in %d made it fd %d: a new descriptor for the same open file, sharing its offset",
			from, fd, fromSock, toSock, to, msg.rep.Val)}, nil
}
