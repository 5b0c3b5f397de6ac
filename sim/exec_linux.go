package sim

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/proctui/proctui/proctree"
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
	if err := m.keyFD(fd); err != nil {
		return Result{}, err
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

// exec makes forked child or lab image pid execve argv. Its pid stays;
// descriptors marked close-on-exec close, the others stay open in the new
// program.
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
	path, err := lookPath(argv[0])
	if err != nil {
		return Result{}, err
	}
	// A lab image applies its own changes (V) itself; a forked child's
	// are its parent's, which only proctui knows.
	env := programEnv()
	if m.Kind == KindForked {
		env = withEnv(env, st.envChanges(m))
	}
	payload, err := rawfork.EncodeExec(path, argv, env)
	if err != nil {
		return Result{}, err
	}
	lab := m.Kind == KindLabImage
	start := time.Now()
	var kept, closed []string
	for _, fd := range fdList(pid) {
		if fd == m.ControlFD || (lab && m.labPlumbing(fd)) {
			continue
		}
		if on, err := fdCloexec(pid, fd); err == nil && on {
			closed = append(closed, strconv.Itoa(fd))
		} else {
			kept = append(kept, strconv.Itoa(fd))
		}
	}
	// The new program is one the user runs: its fds 0, 1 and 2 become
	// what Options gives such programs (/dev/null by default), dup2'd in
	// just before execve as a shell does for a redirection, so that it
	// cannot read proctui's keys or draw over its screen.
	stdio, done, err := st.stdio()
	if err != nil {
		return Result{}, err
	}
	msg, err := m.conn.call(rawfork.Request{Op: rawfork.OpExec}, payload, stdio, false)
	done()
	switch {
	case errors.Is(err, errEOF):
		// The control socket is close-on-exec: EOF is execve succeeding.
	case err != nil:
		return Result{}, fmt.Errorf("execve(%q) in %d: %w", path, pid, err)
	default:
		// It closes the descriptors that came with the request after its
		// reply: the next poll should see its fds as they were.
		settle(m)
		return Result{}, fmt.Errorf("execve(%q) in %d failed: %w", path, pid, msg.rep.Errno)
	}
	took := time.Since(start)
	st.mu.Lock()
	c := m.conn
	m.conn = nil
	m.Kind = KindProgram
	m.Argv = append([]string(nil), argv...)
	m.Made += fmt.Sprintf(", then exec'd %s", quoteArgs(argv))
	// What the lab image's Go code did is gone with it: its handlers
	// (execve resets caught signals to SIG_DFL), its streams (their
	// threads) and its environment changes, which /proc/PID/environ now
	// shows as the new program's environment. Ignoring SIGCHLD was reset
	// by the raw child itself before execve.
	m.Caught, m.Streams, m.EnvChanges = nil, nil, nil
	m.IgnoresSIGCHLD = false
	m.ControlFD = -1 // closed by the exec; the number is free for the program
	// Nothing reaps its children on its own any more: the lab image's
	// waiting threads are gone, and SIGCHLD is back at its default.
	for _, k := range st.members {
		if k.Parent == pid {
			k.Detached = false
		}
	}
	st.mu.Unlock()
	st.forgetPairs(pid)
	c.close()
	text := fmt.Sprintf("execve(%q) in %d: same pid, new program %s; kept %s", path, pid, quoteArgs(argv), words(kept, "no descriptors"))
	if len(closed) > 0 {
		text += "; closed " + strings.Join(closed, " ") + " (close-on-exec)"
	}
	if st.opts.Stdin == nil && st.opts.Stdout == nil && st.opts.Stderr == nil {
		text += "; just before execve, dup2() pointed fds 0 1 2 at /dev/null, so it cannot take over the terminal"
	}
	text += inheritedSignals(pid)
	return Result{PID: pid, Syscall: fmt.Sprintf("execve(%q)", path), Text: text, Took: took}, nil
}

// labPlumbing reports whether fd of lab image m is the lab's or its Go
// runtime's own, from /proc now (see Member.PlumbingFD).
func (m *member) labPlumbing(fd int) bool {
	return m.PlumbingFD(fd, fdLink(m.PID, fd))
}

// keyFD refuses to let a key close, read, write, stream on or change a
// descriptor of m that is the lab's own: its control socket (proctui's
// line to it, close-on-exec so that an exec shows as EOF), or in a lab
// image one its Go runtime keeps for itself (see labPlumbing): with its
// epoll or eventfd gone or drained the lab image would stop answering,
// and a file reused under the number of a cgroup file the runtime
// re-reads would be read by the runtime.
func (m *member) keyFD(fd int) error {
	switch {
	case fd == m.ControlFD:
		return fmt.Errorf("fd %d of %d is its control socket, proctui's line to it: pick a descriptor a key made", fd, m.PID)
	case m.Kind == KindLabImage && m.labPlumbing(fd):
		return fmt.Errorf("fd %d of %d (%s) is the Go runtime's own, which the lab image needs to keep running: pick a descriptor a key made", fd, m.PID, fdLink(m.PID, fd))
	}
	return nil
}

// openAtStart lists what pid has open above fd 2, by descriptor.
func openAtStart(pid int) map[int]string {
	out := map[int]string{}
	for _, fd := range fdList(pid) {
		if fd > 2 {
			if t := fdLink(pid, fd); t != "" {
				out[fd] = t
			}
		}
	}
	return out
}

// inheritedSignals says which signals the new program of pid starts with
// blocked or ignored, from /proc/PID/status: execve keeps both the mask
// and SIG_IGN dispositions. "" when there are none.
func inheritedSignals(pid int) string {
	sigs, ok := readSignals(pid)
	if !ok {
		return ""
	}
	var parts []string
	for _, f := range []struct {
		set  proctree.SignalSet
		what string
	}{
		{sigs.Blocked, "blocked (execve keeps the signal mask)"},
		{sigs.Ignored, "ignored (execve keeps SIG_IGN)"},
	} {
		if f.set.Known && f.set.Mask != 0 {
			parts = append(parts, strings.Join(f.set.Names(), " ")+" "+f.what)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "; it starts with " + strings.Join(parts, ", and ")
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
	a, b, err := st.passEnds(from, fd, to)
	if err != nil {
		return Result{}, err
	}
	return st.passFDOver(a, fromSock, fd, b, toSock)
}

// passEnds finds the lab images a descriptor passes between and checks
// that from may send its fd: both must be lab images (a forked child's
// raw loop does not pass descriptors on its own), and fd must be open and
// not from's control socket.
func (st *state) passEnds(from, fd, to int) (a, b *member, err error) {
	if a, err = st.commandable(from, "send a descriptor"); err != nil {
		return nil, nil, err
	}
	if b, err = st.commandable(to, "receive a descriptor"); err != nil {
		return nil, nil, err
	}
	if a.Kind != KindLabImage || b.Kind != KindLabImage {
		return nil, nil, errors.New("passing a descriptor over a socket takes two lab images (start them with r, or fork proctui with real fork() off)")
	}
	if fd == a.ControlFD {
		return nil, nil, fmt.Errorf("fd %d of %d is its control socket, proctui's line to it; it cannot be passed", fd, from)
	}
	if fdLink(from, fd) == "" {
		return nil, nil, fmt.Errorf("%d has no fd %d", from, fd)
	}
	return a, b, nil
}

// passFDOver is passFD once both lab images are found.
func (st *state) passFDOver(a *member, fromSock, fd int, b *member, toSock int) (Result, error) {
	from, to := a.PID, b.PID
	// What the new descriptor shares depends on what it is open on: a
	// file's open file description carries the offset both now move; a
	// pipe or a socket has no offset, only one more descriptor on it.
	same := "a new descriptor for the same open file"
	switch k := fdKind(from, fd); k {
	case "pipe", "socket":
		same = "the same " + k + ", one more descriptor open on it"
	case "file":
		same += ", sharing its offset"
	}
	if _, err := fdCall(a, rawfork.Request{Op: rawfork.OpSendFD, Arg0: int64(fromSock), Arg1: int64(fd)}, nil, nil); err != nil {
		return Result{}, fmt.Errorf("sendmsg(%d, SCM_RIGHTS fd %d) in %d: %w", fromSock, fd, from, err)
	}
	msg, err := fdCall(b, rawfork.Request{Op: rawfork.OpRecvFD, Arg0: int64(toSock)}, nil, nil)
	if err != nil {
		return Result{}, fmt.Errorf("%d sent fd %d, but recvmsg(%d) in %d: %w", from, fd, toSock, to, err)
	}
	return Result{PID: to, Syscall: "sendmsg(SCM_RIGHTS) + recvmsg()",
		Text: fmt.Sprintf("%d sent its fd %d over fd %d with sendmsg(SCM_RIGHTS); recvmsg() on fd %d in %d made it fd %d: %s",
			from, fd, fromSock, toSock, to, msg.rep.Val, same)}, nil
}
