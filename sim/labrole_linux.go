package sim

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/sim/rawfork"
)

// IsLabRole reports whether this process was started as the lab image:
// PROCTUI_LAB names a descriptor, and that descriptor is a SOCK_SEQPACKET
// socket (so a stray variable in a user's environment does not count).
func IsLabRole() bool {
	_, ok := labControlFD()
	return ok
}

func labControlFD() (int, bool) {
	fd, err := strconv.Atoi(os.Getenv(envLab))
	if err != nil || fd < 3 {
		return 0, false
	}
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	return fd, err == nil && typ == unix.SOCK_SEQPACKET
}

// RunLabRole plays the lab image until its control socket closes and
// returns the exit code.
//
// The lab image is a whole Go program, unlike a raw fork child: it spawns
// with syscall.ForkExec, forks for real with rawfork (a fork of the lab
// image is a copy of the lab image), and detaches a child with a goroutine
// blocked in wait4 for it. When the control socket reaches EOF, proctui is
// gone: the lab image kills every child it made, by pidfd, and exits 0.
func RunLabRole() int {
	fd, ok := labControlFD()
	if !ok {
		fmt.Fprintln(os.Stderr, "proctui: the lab role needs the control socket proctui passes in "+envLab)
		return 2
	}
	os.Unsetenv(envLab)
	// Keep the socket, and anything else, out of whatever this process
	// runs.
	cloexecInherited()
	s := &labServer{ctl: fd, kids: map[int]*labKid{}, exe: selfExe()}
	s.sig = startLabSignals(s)
	return s.serve()
}

type labKid struct {
	pidfd    int
	detached bool
}

// labServer is the lab image's side of the control protocol.
type labServer struct {
	ctl int
	exe string

	wmu sync.Mutex // one record written at a time (replies and notes)

	mu   sync.Mutex
	kids map[int]*labKid

	sig *labSignals // dispositions, blocking and caught counts

	streams labStreams // bytes moving on descriptors (OpStream)
	envSet  labEnvSet  // variables set or unset since exec (OpSetEnv)
}

func (s *labServer) serve() int {
	s.write(rawfork.Reply{Op: rawfork.OpHello, PID: int64(os.Getpid()), Val: int64(s.ctl)}, -1)
	buf := make([]byte, rawfork.RecordSize+rawfork.ExecBufSize)
	oob := make([]byte, unix.CmsgSpace(4*rawfork.MaxPassFDs))
	for {
		n, oobn, flags, _, err := unix.Recvmsg(s.ctl, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			break
		}
		fds := rawfork.ParseRights(oob[:oobn])
		req, payload, err := rawfork.ParseRequest(buf[:n])
		if err != nil || flags&unix.MSG_TRUNC != 0 {
			closeFDs(fds)
			s.write(rawfork.Reply{Op: req.Op, Seq: req.Seq, Errno: unix.E2BIG}, -1)
			continue
		}
		s.handle(req, payload, fds)
	}
	// proctui is gone (or hung up): end everything this process made.
	s.mu.Lock()
	for _, k := range s.kids {
		if k.pidfd >= 0 {
			unix.PidfdSendSignal(k.pidfd, unix.SIGKILL, nil, 0)
		}
	}
	s.mu.Unlock()
	return 0
}

func (s *labServer) write(rep rawfork.Reply, fd int) {
	var oob []byte
	if fd >= 0 {
		oob = unix.UnixRights(fd)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	for {
		err := unix.Sendmsg(s.ctl, rep.Append(nil), oob, nil, unix.MSG_NOSIGNAL)
		if err != unix.EINTR {
			return
		}
	}
}

func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return unix.EINVAL
}

func (s *labServer) handle(req rawfork.Request, payload []byte, fds []int) {
	rep := rawfork.Reply{Op: req.Op, Seq: req.Seq}
	pass := -1
	defer func() {
		s.sig.afterRequest()
		s.write(rep, pass)
		if pass >= 0 {
			unix.Close(pass)
		}
		closeFDs(fds)
	}()
	if s.sig.handle(req, &rep) {
		return
	}
	if s.handleFD(req, payload, fds, &rep, &pass) {
		return
	}
	switch req.Op {
	case rawfork.OpPing:
		rep.PID, rep.Val = int64(os.Getpid()), int64(s.ctl)
	case rawfork.OpExit:
		os.Exit(int(req.Arg0) & 0xff)
	case rawfork.OpFork:
		// A fork of the lab image is a real fork() of it, made the same
		// raw way proctui forks itself: the child is a copy of this
		// process that shares its memory copy-on-write, which is what
		// the f key teaches. Spawning a fresh lab image instead would
		// be fork + exec under another name. Only where real fork() is
		// off does the lab image spawn one, and proctui says so.
		if req.Arg0 == 1 && rawfork.Supported() {
			c, err := rawfork.Fork(rawfork.Config{Keep: []int{0, 1, 2}})
			if err != nil {
				rep.Errno = errnoOf(err)
				return
			}
			s.addKid(c.PID, c.PIDFD)
			f, err := c.Control.SyscallConn()
			if err == nil {
				f.Control(func(fd uintptr) { pass, _ = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 3) })
			}
			c.Control.Close()
			rep.PID, rep.Val = int64(c.PID), rawfork.ForkedRaw
			return
		}
		pid, ctl, err := s.spawnLab()
		if err != nil {
			rep.Errno = errnoOf(err)
			return
		}
		rep.PID, rep.Val, pass = int64(pid), rawfork.ForkedLabImage, ctl
	case rawfork.OpSpawn:
		if req.Flags&rawfork.SpawnLab != 0 {
			pid, ctl, err := s.spawnLab()
			if err != nil {
				rep.Errno = errnoOf(err)
				return
			}
			rep.PID, pass = int64(pid), ctl
			return
		}
		path, argv, env, err := rawfork.DecodeExec(payload)
		if err != nil {
			rep.Errno = unix.EINVAL
			return
		}
		files := []uintptr{0, 1, 2}
		if len(fds) >= 3 {
			files = []uintptr{uintptr(fds[0]), uintptr(fds[1]), uintptr(fds[2])}
		}
		pidfd := -1
		env = s.envOverlay(env)
		pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{Env: env, Files: files, Sys: &syscall.SysProcAttr{PidFD: &pidfd}})
		if err != nil {
			rep.Errno = errnoOf(err)
			return
		}
		s.addKid(pid, pidfd)
		rep.PID = int64(pid)
	case rawfork.OpWait:
		s.wait(req.Arg0, &rep)
	case rawfork.OpExec:
		s.execve(payload, fds, &rep)
	case rawfork.OpDetach:
		pid := int(req.Arg0)
		s.mu.Lock()
		k := s.kids[pid]
		if k != nil {
			k.detached = true
		}
		s.mu.Unlock()
		if k == nil {
			rep.Errno = unix.ECHILD
			return
		}
		// A thread of its own, blocked in wait4 for this one child.
		go func() {
			var ws unix.WaitStatus
			var err error
			for {
				_, err = unix.Wait4(pid, &ws, 0, nil)
				if err != unix.EINTR {
					break
				}
			}
			s.dropKid(pid)
			note := rawfork.Reply{Op: rawfork.OpNote, PID: int64(pid), Val: int64(ws)}
			if err != nil {
				note.Errno = errnoOf(err)
			}
			s.write(note, -1)
		}()
	default:
		rep.Errno = unix.ENOSYS
	}
}

// wait is wait4(pid, WNOHANG). For "any child" (-1) with a detached child
// around, it asks about each other child by pid instead, so as not to take
// a status the detached child's waiter is blocked for.
func (s *labServer) wait(pid int64, rep *rawfork.Reply) {
	var ws unix.WaitStatus
	targets := []int{int(pid)}
	if pid == -1 {
		s.mu.Lock()
		detached := false
		var others []int
		for p, k := range s.kids {
			if k.detached {
				detached = true
			} else {
				others = append(others, p)
			}
		}
		s.mu.Unlock()
		if detached {
			targets = others
			if len(targets) == 0 {
				rep.Errno = unix.ECHILD
				return
			}
		}
	}
	for _, t := range targets {
		got, err := unix.Wait4(t, &ws, unix.WNOHANG, nil)
		if err != nil {
			rep.Errno = errnoOf(err)
			continue
		}
		rep.Errno = 0
		if got > 0 {
			rep.PID, rep.Val = int64(got), int64(ws)
			s.dropKid(got)
			return
		}
	}
}

func (s *labServer) addKid(pid, pidfd int) {
	if pidfd < 0 {
		pidfd, _ = unix.PidfdOpen(pid, 0)
	}
	s.mu.Lock()
	s.kids[pid] = &labKid{pidfd: pidfd}
	s.mu.Unlock()
}

func (s *labServer) dropKid(pid int) {
	s.mu.Lock()
	k := s.kids[pid]
	delete(s.kids, pid)
	s.mu.Unlock()
	if k != nil && k.pidfd >= 0 {
		unix.Close(k.pidfd)
	}
}

// spawnLab starts another lab image as a child of this one and returns
// the parent's end of its control socket, to pass to proctui.
func (s *labServer) spawnLab() (pid, ctl int, err error) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, -1, err
	}
	pidfd := -1
	pid, err = syscall.ForkExec(s.exe, labArgv(), &syscall.ProcAttr{
		Env:   labEnv(3),
		Files: []uintptr{0, 1, 2, uintptr(pair[1])},
		Sys:   &syscall.SysProcAttr{PidFD: &pidfd},
	})
	unix.Close(pair[1])
	if err != nil {
		unix.Close(pair[0])
		return 0, -1, err
	}
	s.addKid(pid, pidfd)
	return pid, pair[0], nil
}
