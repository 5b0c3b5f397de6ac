//go:build linux && (amd64 || arm64)

package child

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Operations of the control protocol. Requests and replies are fixed
// 32-byte records on a SOCK_SEQPACKET socket; an exec request carries its
// payload after the header in the same record.
const (
	OpPing    = 1 // reply: PID = getpid(), Val = control fd
	OpExit    = 2 // exit_group(Arg0); no reply
	OpFork    = 3 // reply: PID = new child, its control socket attached
	OpWait    = 4 // wait4(Arg0, WNOHANG); reply: PID = what wait4 returned, Val = status
	OpSigchld = 5 // Arg0 = 1: SIGCHLD to SIG_IGN, 0: SIG_DFL
	OpExec    = 6 // execve of the payload; reply only if it failed

	// Descriptors: see rawfork.OpPipe and the ones after it.
	OpPipe        = 60 // pipe2(0); reply: PID = read end, Val = write end
	OpTakeFD      = 61 // install the received fd on Arg0 (dup3), or where it is (Arg0 < 0)
	OpCloseFD     = 62 // close(Arg0)
	OpWriteFD     = 63 // write(Arg0, payload); reply: Val = bytes written
	OpReadFD      = 64 // if poll says ready: read(Arg0, buf, Arg1); reply: Val = bytes read
	OpSocketPair  = 65 // socketpair(AF_UNIX, SOCK_STREAM); reply: PID, Val = the ends
	OpCloexec     = 67 // fcntl(Arg0, F_SETFD, Arg1 != 0 ? FD_CLOEXEC : 0)
	OpOpenFile    = 71 // openat(AT_FDCWD, payload, O_RDWR|O_CREAT, 0644); reply: Val = the fd
	PipePassRead  = 1
	PipePassWrite = 2

	// ExecKeepControl in Flags keeps the control socket open across execve
	// (the lab image continues the protocol on it).
	ExecKeepControl = 1
)

// OpSigDisp sets signal Arg0 to SIG_DFL (Arg1 = 0) or SIG_IGN (Arg1 = 1).
const OpSigDisp = 20

// Sizes.
const (
	RecordSize  = 32
	ExecBufSize = 32 << 10
	MaxKids     = 128
	MaxKeep     = 16
	MaxRecvFDs  = 4

	// ExitSetupFailed is the exit status of a child that could not prepare
	// itself (moving its control socket failed).
	ExitSetupFailed = 125
)

// Request is the header of a command, as it travels.
type Request struct {
	Op    uint32
	Flags uint32
	Seq   uint64
	Arg0  int64
	Arg1  int64
}

// Reply is an answer, as it travels.
type Reply struct {
	Op    uint32
	Errno uint32
	Seq   uint64
	PID   int64
	Val   int64
}

// Sigaction is the kernel's struct sigaction on amd64 and arm64.
type Sigaction struct {
	Handler  uintptr
	Flags    uint64
	Restorer uintptr
	Mask     uint64
}

type iovec struct {
	base   uintptr
	length uint64
}

type msghdr struct {
	name       uintptr
	namelen    uint32
	_          uint32
	iov        uintptr
	iovlen     uint64
	control    uintptr
	controllen uint64
	flags      int32
	_          int32
}

type kid struct {
	pid   int32
	pidfd int32
}

// Scratch is all the memory the child reads and writes. The parent fills
// the exported fields and calls Init before the fork; the child's copy of
// it (same address, copy-on-write) is then its only state. It holds no Go
// pointers: addresses are stored as uintptr, which the write barrier ignores.
type Scratch struct {
	// CtlFD is the child's end of its control socket pair in the parent.
	CtlFD int32
	// CtlTarget is the fixed descriptor number the child moves it to.
	CtlTarget int32
	// Keep lists, sorted, the descriptors the child keeps (CtlTarget among
	// them); every other descriptor is proctui's plumbing and is closed.
	Keep  [MaxKeep]int32
	NKeep int32
	// MaxFD bounds the close loop used when close_range(2) is missing.
	MaxFD int32

	// PIDFD receives the pidfd clone(CLONE_PIDFD) makes in the parent.
	PIDFD int32
	_     int32

	// Mem and MemLen are the buffer OpTouch writes to: memory the parent
	// mapped outside the Go heap and wrote before the fork, so the child
	// shares it copy-on-write. (Mem is the one pointer here; it points
	// outside the Go heap and the child only reads it.) PageSize is the
	// step of the writes.
	Mem      unsafe.Pointer
	MemLen   uint64
	PageSize uint64

	mask    uint64 // all signals
	none    uint64 // no signals
	oldMask uint64
	dfl     Sigaction
	ign     Sigaction

	req     Request
	rep     Reply
	recvIov [2]iovec
	recvMsg msghdr
	recvCtl [4]uint64
	sendIov iovec
	sendMsg msghdr
	sendCtl [3]uint64

	recvFDs  [MaxRecvFDs]int32
	nRecvFDs int32
	pair     [2]int32
	newPIDFD int32
	status   int32
	chldIgn  int32
	noReply  int32
	pass     int32
	i        int32
	j        int32
	saved    [3]int32 // fds 0-2 kept aside while an execve is tried, or -1
	fd       uintptr
	ret      uintptr
	errno    syscall.Errno

	kids  [MaxKids]kid
	nKids int32
	_     int32

	path uintptr
	argv uintptr
	envp uintptr

	// zeroTS is a struct timespec of zero: ppoll's "do not wait".
	zeroTS [2]int64

	// buf receives an exec payload; one spare word stays zero so a string
	// can never run past the end.
	buf [ExecBufSize/8 + 1]uint64
}

// Init fills in the parts of s that hold its own addresses and the signal
// sets. The parent calls it once, before the fork.
//
//go:nosplit
//go:norace
//go:nocheckptr
func Init(s *Scratch) {
	s.mask = ^uint64(0)
	s.none = 0
	s.dfl.Handler = 0 // SIG_DFL
	s.ign.Handler = 1 // SIG_IGN
	s.recvIov[0].base = uintptr(unsafe.Pointer(&s.req))
	s.recvIov[0].length = RecordSize
	s.recvIov[1].base = uintptr(unsafe.Pointer(&s.buf))
	s.recvIov[1].length = ExecBufSize
	s.recvMsg.iov = uintptr(unsafe.Pointer(&s.recvIov))
	s.recvMsg.iovlen = 2
	s.sendIov.base = uintptr(unsafe.Pointer(&s.rep))
	s.sendIov.length = RecordSize
	s.sendMsg.iov = uintptr(unsafe.Pointer(&s.sendIov))
	s.sendMsg.iovlen = 1
	s.newPIDFD = -1
	s.PIDFD = -1
}

// The functions below keep their state in s rather than in locals, and
// enter the kernel only through sys: a build without optimisations
// (-gcflags=all=-N -l, as a debugger uses) gives every local and every
// call's temporaries a slot of their own, and the whole chain from Fork
// down to the system call must fit the linker's 792-byte limit for
// functions that cannot grow their stack.

// sys makes one system call and leaves its errno in s.errno.
//
//go:nosplit
//go:norace
//go:nocheckptr
func sys(s *Scratch, trap, a1, a2, a3, a4 uintptr) uintptr {
	r, _, e := syscall.RawSyscall6(trap, a1, a2, a3, a4, 0, 0)
	s.errno = e
	return r
}

// Fork blocks every signal on the calling thread, calls clone with flags
// (SIGCHLD, optionally CLONE_PIDFD into s.PIDFD) and restores the mask in
// the parent. In the child it never returns: it runs the command loop on
// the child's copy of s until its control socket reaches EOF. The caller
// must hold runtime.LockOSThread.
//
//go:nosplit
//go:norace
//go:nocheckptr
//go:noinline
func Fork(s *Scratch, flags uintptr) (pid uintptr, errno syscall.Errno) {
	sys(s, unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&s.mask)), uintptr(unsafe.Pointer(&s.oldMask)), 8)
	s.ret = sys(s, unix.SYS_CLONE, flags, 0, uintptr(unsafe.Pointer(&s.PIDFD)), 0)
	if s.errno == 0 && s.ret == 0 {
		serve(s)
	}
	pid, errno = s.ret, s.errno
	sys(s, unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&s.oldMask)), 0, 8)
	return pid, errno
}

// serve prepares a fresh child of a Go process, then answers commands
// until the control socket reaches EOF.
//
//go:nosplit
//go:norace
//go:nocheckptr
func serve(s *Scratch) {
	setup(s)
	for {
		receive(s)
		if s.ret == 0 {
			shutdown(s)
		}
		if s.errno != 0 {
			continue // interrupted, or a command that did not fit
		}
		s.rep.Op = s.req.Op
		s.rep.Errno = 0
		s.rep.Seq = s.req.Seq
		s.rep.PID = 0
		s.rep.Val = 0
		s.noReply = 0
		s.pass = -1
		if s.ret < RecordSize {
			s.rep.Errno = uint32(unix.EINVAL)
		} else {
			switch s.req.Op {
			case OpPing:
				s.rep.PID = int64(sys(s, unix.SYS_GETPID, 0, 0, 0, 0))
				s.rep.Val = int64(s.CtlTarget)
			case OpExit:
				exit(s, uintptr(s.req.Arg0)&0xff)
			case OpFork:
				if s.nKids >= MaxKids {
					reclaim(s)
				}
				fork(s)
			case OpWait:
				wait(s)
			case OpSigchld:
				sigchld(s)
			case OpExec:
				execve(s)
			case OpSigDisp:
				sigdisp(s)
			case OpPipe, OpSocketPair:
				pipeFDs(s)
			case OpTakeFD:
				takeFD(s)
			case OpCloseFD:
				closeOp(s)
			case OpCloexec:
				cloexecOp(s)
			case OpWriteFD:
				writeFD(s)
			case OpReadFD:
				readFD(s)
			case OpOpenFile:
				openFile(s)
			case OpTouch:
				touch(s)
			default:
				s.rep.Errno = uint32(unix.ENOSYS)
			}
		}
		closeReceived(s)
		if s.noReply != 0 {
			continue // the new child: its parent answers for it
		}
		send(s)
		if s.errno != 0 {
			shutdown(s)
		}
		closeFD(s, s.pass)
	}
}

// setup resets signals, moves the control socket and closes the parent's
// plumbing. Signals are still blocked throughout.
//
//go:nosplit
//go:norace
//go:nocheckptr
func setup(s *Scratch) {
	// Go's handlers must never run here: they would enter the runtime.
	for s.fd = 1; s.fd <= 64; s.fd++ {
		if s.fd != uintptr(unix.SIGKILL) && s.fd != uintptr(unix.SIGSTOP) {
			sys(s, unix.SYS_RT_SIGACTION, s.fd, uintptr(unsafe.Pointer(&s.dfl)), 0, 8)
		}
	}
	if s.CtlFD != s.CtlTarget {
		sys(s, unix.SYS_DUP3, uintptr(s.CtlFD), uintptr(s.CtlTarget), unix.O_CLOEXEC, 0)
		if s.errno != 0 {
			exit(s, ExitSetupFailed)
		}
	}
	// Close every descriptor not in Keep: the gaps between kept ones.
	s.fd = 0
	for s.i = 0; s.i <= s.NKeep && s.i <= MaxKeep; s.i++ {
		s.ret = uintptr(^uint32(0)) + 1 // past the last descriptor
		if s.i < s.NKeep && s.i < MaxKeep {
			s.ret = uintptr(*(*int32)(unsafe.Add(unsafe.Pointer(&s.Keep), uintptr(s.i)*4)))
		}
		if s.ret > s.fd {
			sys(s, unix.SYS_CLOSE_RANGE, s.fd, s.ret-1, 0, 0)
			if s.errno == unix.ENOSYS {
				// Before Linux 5.9: one at a time, up to the highest
				// descriptor the parent had open.
				for ; s.fd < s.ret && s.fd <= uintptr(s.MaxFD); s.fd++ {
					sys(s, unix.SYS_CLOSE, s.fd, 0, 0, 0)
				}
			}
		}
		s.fd = s.ret + 1
	}
	s.nKids = 0
	s.chldIgn = 0
	sys(s, unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&s.none)), 0, 8)
}

//go:nosplit
//go:norace
//go:nocheckptr
func exit(s *Scratch, code uintptr) {
	for {
		sys(s, unix.SYS_EXIT_GROUP, code, 0, 0, 0)
	}
}

//go:nosplit
//go:norace
//go:nocheckptr
func closeFD(s *Scratch, fd int32) {
	if fd >= 0 {
		sys(s, unix.SYS_CLOSE, uintptr(fd), 0, 0, 0)
	}
}

// receive reads one command into s.req (and s.buf). s.ret is its length,
// 0 at EOF or when proctui is gone; s.errno is set when there is nothing
// to do this time.
//
//go:nosplit
//go:norace
//go:nocheckptr
func receive(s *Scratch) {
	s.recvMsg.control = uintptr(unsafe.Pointer(&s.recvCtl))
	s.recvMsg.controllen = uint64(unsafe.Sizeof(s.recvCtl))
	s.recvMsg.flags = 0
	s.nRecvFDs = 0
	s.ret = sys(s, unix.SYS_RECVMSG, uintptr(s.CtlTarget), uintptr(unsafe.Pointer(&s.recvMsg)), unix.MSG_CMSG_CLOEXEC, 0)
	if s.errno == unix.EINTR {
		s.ret = 1
		return
	}
	if s.errno != 0 || s.ret == 0 {
		s.ret = 0
		return
	}
	// At most one SCM_RIGHTS message with up to MaxRecvFDs descriptors:
	// struct cmsghdr { len uint64; level, type int32 } then the ints.
	if s.recvMsg.controllen >= 16 &&
		*(*int32)(unsafe.Add(unsafe.Pointer(&s.recvCtl), 8)) == unix.SOL_SOCKET &&
		*(*int32)(unsafe.Add(unsafe.Pointer(&s.recvCtl), 12)) == unix.SCM_RIGHTS &&
		s.recvCtl[0] >= 16 && s.recvCtl[0] <= uint64(unsafe.Sizeof(s.recvCtl)) {
		for s.i = 0; s.i < int32((s.recvCtl[0]-16)>>2) && s.i < MaxRecvFDs; s.i++ {
			*(*int32)(unsafe.Add(unsafe.Pointer(&s.recvFDs), uintptr(s.i)*4)) =
				*(*int32)(unsafe.Add(unsafe.Pointer(&s.recvCtl), 16+uintptr(s.i)*4))
			s.nRecvFDs = s.i + 1
		}
	}
	if s.recvMsg.flags&unix.MSG_TRUNC != 0 {
		closeReceived(s)
		s.rep.Op = s.req.Op
		s.rep.Errno = uint32(unix.E2BIG)
		s.rep.Seq = s.req.Seq
		s.rep.PID = 0
		s.rep.Val = 0
		s.pass = -1
		send(s)
		s.ret = 1
		if s.errno != 0 {
			s.ret = 0
		}
		s.errno = unix.E2BIG
	}
}

//go:nosplit
//go:norace
//go:nocheckptr
func recvFD(s *Scratch, i int32) int32 {
	if i < 0 || i >= s.nRecvFDs || i >= MaxRecvFDs {
		return -1
	}
	return *(*int32)(unsafe.Add(unsafe.Pointer(&s.recvFDs), uintptr(i)*4))
}

//go:nosplit
//go:norace
//go:nocheckptr
func closeReceived(s *Scratch) {
	for s.nRecvFDs > 0 {
		s.nRecvFDs--
		if s.nRecvFDs < MaxRecvFDs {
			sys(s, unix.SYS_CLOSE, uintptr(*(*int32)(unsafe.Add(unsafe.Pointer(&s.recvFDs), uintptr(s.nRecvFDs)*4))), 0, 0, 0)
		}
	}
}

// send writes s.rep, passing s.pass along when it is not -1; sendmsg's
// errno is left in s.errno.
//
//go:nosplit
//go:norace
//go:nocheckptr
func send(s *Scratch) {
	s.sendMsg.control = 0
	s.sendMsg.controllen = 0
	if s.pass >= 0 {
		s.sendCtl[0] = 20 // cmsg_len: the 16-byte header and one int
		*(*int32)(unsafe.Add(unsafe.Pointer(&s.sendCtl), 8)) = unix.SOL_SOCKET
		*(*int32)(unsafe.Add(unsafe.Pointer(&s.sendCtl), 12)) = unix.SCM_RIGHTS
		*(*int32)(unsafe.Add(unsafe.Pointer(&s.sendCtl), 16)) = s.pass
		s.sendMsg.control = uintptr(unsafe.Pointer(&s.sendCtl))
		s.sendMsg.controllen = 24
	}
	for {
		sys(s, unix.SYS_SENDMSG, uintptr(s.CtlTarget), uintptr(unsafe.Pointer(&s.sendMsg)), unix.MSG_NOSIGNAL, 0)
		if s.errno != unix.EINTR {
			return
		}
	}
}

// fork makes a child that continues this loop with a control socket of its
// own. In the parent, s.pass is proctui's end of that socket, to pass back.
//
//go:nosplit
//go:norace
//go:nocheckptr
func fork(s *Scratch) {
	sys(s, unix.SYS_SOCKETPAIR, unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0, uintptr(unsafe.Pointer(&s.pair)))
	if s.errno != 0 {
		s.rep.Errno = uint32(s.errno)
		return
	}
	s.newPIDFD = -1
	s.ret = sys(s, unix.SYS_CLONE, uintptr(unix.SIGCHLD)|unix.CLONE_PIDFD, 0, uintptr(unsafe.Pointer(&s.newPIDFD)), 0)
	if s.errno != 0 {
		s.rep.Errno = uint32(s.errno)
		closeFD(s, s.pair[0])
		closeFD(s, s.pair[1])
		return
	}
	if s.ret == 0 {
		// The new child: its own control socket takes the same number
		// (dup3 closes the inherited one atomically); the pidfds of its
		// parent's children are its parent's plumbing.
		sys(s, unix.SYS_DUP3, uintptr(s.pair[1]), uintptr(s.CtlTarget), unix.O_CLOEXEC, 0)
		if s.errno != 0 {
			exit(s, ExitSetupFailed)
		}
		closeFD(s, s.pair[0])
		closeFD(s, s.pair[1])
		for s.nKids > 0 && s.nKids <= MaxKids {
			s.nKids--
			closeFD(s, kidAt(s, s.nKids).pidfd)
		}
		s.nKids = 0
		s.noReply = 1
		return
	}
	closeFD(s, s.pair[1])
	s.rep.PID = int64(s.ret)
	s.pass = s.pair[0]
	// The pidfd is this process's plumbing: move it above the control
	// socket, out of the small numbers a lesson hands out (pipe() in
	// this process should still get 3 and 4).
	if s.newPIDFD >= 0 {
		s.fd = sys(s, unix.SYS_FCNTL, uintptr(s.newPIDFD), unix.F_DUPFD_CLOEXEC, uintptr(s.CtlTarget)+1, 0)
		if s.errno == 0 {
			closeFD(s, s.newPIDFD)
			s.newPIDFD = int32(s.fd)
		}
	}
	// Remember the child and its pidfd, so that it can be killed when this
	// process learns that proctui is gone.
	if s.nKids < 0 || s.nKids >= MaxKids {
		closeFD(s, s.newPIDFD)
		return
	}
	kidAt(s, s.nKids).pid = int32(s.ret)
	kidAt(s, s.nKids).pidfd = s.newPIDFD
	s.nKids++
}

//go:nosplit
//go:norace
//go:nocheckptr
func kidAt(s *Scratch, i int32) *kid {
	return (*kid)(unsafe.Add(unsafe.Pointer(&s.kids), uintptr(i)*8))
}

// reclaim makes room in the table of children: it forgets the ones that
// no longer exist (signal 0 only checks). dropKid is written out here to
// keep the call chain short.
//
//go:nosplit
//go:norace
//go:nocheckptr
func reclaim(s *Scratch) {
	for s.i = 0; s.i < s.nKids && s.i < MaxKids; {
		sys(s, unix.SYS_PIDFD_SEND_SIGNAL, uintptr(kidAt(s, s.i).pidfd), 0, 0, 0)
		if s.errno != unix.ESRCH {
			s.i++
			continue
		}
		sys(s, unix.SYS_CLOSE, uintptr(kidAt(s, s.i).pidfd), 0, 0, 0)
		kidAt(s, s.i).pid = kidAt(s, s.nKids-1).pid
		kidAt(s, s.i).pidfd = kidAt(s, s.nKids-1).pidfd
		s.nKids--
	}
}

// dropKid forgets child number i, closing its pidfd.
//
//go:nosplit
//go:norace
//go:nocheckptr
func dropKid(s *Scratch, i int32) {
	if i < 0 || i >= s.nKids || i >= MaxKids {
		return
	}
	sys(s, unix.SYS_CLOSE, uintptr(kidAt(s, i).pidfd), 0, 0, 0)
	kidAt(s, i).pid = kidAt(s, s.nKids-1).pid
	kidAt(s, i).pidfd = kidAt(s, s.nKids-1).pidfd
	s.nKids--
}

// shutdown ends the process after proctui went away. Its children go
// first, by pidfd (a pid could have been reused; a pidfd cannot): a program
// it ran cannot notice on its own that the lab is over.
//
//go:nosplit
//go:norace
//go:nocheckptr
func shutdown(s *Scratch) {
	for s.i = 0; s.i < s.nKids && s.i < MaxKids; s.i++ {
		sys(s, unix.SYS_PIDFD_SEND_SIGNAL, uintptr(kidAt(s, s.i).pidfd), uintptr(unix.SIGKILL), 0, 0)
	}
	exit(s, 0)
}

//go:nosplit
//go:norace
//go:nocheckptr
func wait(s *Scratch) {
	s.status = 0
	s.ret = sys(s, unix.SYS_WAIT4, uintptr(s.req.Arg0), uintptr(unsafe.Pointer(&s.status)), unix.WNOHANG, 0)
	if s.errno != 0 {
		s.rep.Errno = uint32(s.errno)
		return
	}
	s.rep.PID = int64(int32(s.ret))
	s.rep.Val = int64(s.status)
	if int32(s.ret) <= 0 {
		return
	}
	for s.i = 0; s.i < s.nKids && s.i < MaxKids; s.i++ {
		if kidAt(s, s.i).pid == int32(s.ret) {
			dropKid(s, s.i)
			return
		}
	}
}

//go:nosplit
//go:norace
//go:nocheckptr
func sigchld(s *Scratch) {
	s.fd = uintptr(unsafe.Pointer(&s.dfl))
	if s.req.Arg0 != 0 {
		s.fd = uintptr(unsafe.Pointer(&s.ign))
	}
	sys(s, unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), s.fd, 0, 8)
	if s.errno != 0 {
		s.rep.Errno = uint32(s.errno)
		return
	}
	s.chldIgn = 0
	if s.req.Arg0 != 0 {
		s.chldIgn = 1
	}
}

// sigdisp sets one signal to SIG_DFL or SIG_IGN. Only these two: a
// handler would be Go code, and this process must never enter the Go
// runtime again. The kernel refuses SIGKILL and SIGSTOP (EINVAL), and
// SIGCHLD is left to OpSigchld, which keeps chldIgn in step.
//
//go:nosplit
//go:norace
//go:nocheckptr
func sigdisp(s *Scratch) {
	if s.req.Arg0 == int64(unix.SIGCHLD) {
		s.rep.Errno = uint32(unix.EINVAL)
		return
	}
	s.fd = uintptr(unsafe.Pointer(&s.dfl))
	if s.req.Arg1 != 0 {
		s.fd = uintptr(unsafe.Pointer(&s.ign))
	}
	sys(s, unix.SYS_RT_SIGACTION, uintptr(s.req.Arg0), s.fd, 0, 8)
	if s.errno != 0 {
		s.rep.Errno = uint32(s.errno)
	}
}

// pipeFDs calls pipe2 (or socketpair) and, when asked, passes one end back to proctui
// (serve closes s.pass after the reply has carried it).
//
//go:nosplit
//go:norace
//go:nocheckptr
func pipeFDs(s *Scratch) {
	if s.req.Op == OpSocketPair {
		sys(s, unix.SYS_SOCKETPAIR, unix.AF_UNIX, unix.SOCK_STREAM, 0, uintptr(unsafe.Pointer(&s.pair)))
	} else {
		sys(s, unix.SYS_PIPE2, uintptr(unsafe.Pointer(&s.pair)), 0, 0, 0)
	}
	if s.errno != 0 {
		s.rep.Errno = uint32(s.errno)
		return
	}
	s.rep.PID = int64(s.pair[0])
	s.rep.Val = int64(s.pair[1])
	if s.req.Flags&PipePassRead != 0 {
		s.pass = s.pair[0]
	} else if s.req.Flags&PipePassWrite != 0 {
		s.pass = s.pair[1]
	}
}

// takeFD installs the one descriptor that came with the request.
//
//go:nosplit
//go:norace
//go:nocheckptr
func takeFD(s *Scratch) {
	if s.nRecvFDs != 1 {
		s.rep.Errno = uint32(unix.EINVAL)
		return
	}
	s.fd = uintptr(recvFD(s, 0))
	if s.req.Arg0 >= 0 {
		if s.req.Arg0 == int64(s.CtlTarget) {
			s.rep.Errno = uint32(unix.EBUSY)
			return
		}
		sys(s, unix.SYS_DUP3, s.fd, uintptr(s.req.Arg0), 0, 0)
		if s.errno != 0 {
			s.rep.Errno = uint32(s.errno)
			return
		}
		s.rep.Val = s.req.Arg0
		return // serve closes the received copy
	}
	// Keep it where recvmsg put it: clear close-on-exec and take it off
	// the list serve closes.
	sys(s, unix.SYS_FCNTL, s.fd, unix.F_SETFD, 0, 0)
	s.rep.Val = int64(s.fd)
	s.nRecvFDs = 0
}

// closeOp closes descriptor Arg0, never the control socket.
//
//go:nosplit
//go:norace
//go:nocheckptr
func closeOp(s *Scratch) {
	if s.req.Arg0 == int64(s.CtlTarget) || s.req.Arg0 < 0 {
		s.rep.Errno = uint32(unix.EBUSY)
		return
	}
	sys(s, unix.SYS_CLOSE, uintptr(s.req.Arg0), 0, 0, 0)
	s.rep.Errno = uint32(s.errno)
}

// cloexecOp sets or clears close-on-exec on Arg0, never on the control
// socket (which must close at an exec proctui did not ask to keep it for).
//
//go:nosplit
//go:norace
//go:nocheckptr
func cloexecOp(s *Scratch) {
	if s.req.Arg0 == int64(s.CtlTarget) || s.req.Arg0 < 0 {
		s.rep.Errno = uint32(unix.EBUSY)
		return
	}
	s.fd = 0
	if s.req.Arg1 != 0 {
		s.fd = unix.FD_CLOEXEC
	}
	sys(s, unix.SYS_FCNTL, uintptr(s.req.Arg0), unix.F_SETFD, s.fd, 0)
	s.rep.Errno = uint32(s.errno)
}

// writeFD writes the payload to Arg0 with one write(). SIGPIPE is at its
// default here: writing to a pipe nobody reads kills this process, as it
// would any program.
//
//go:nosplit
//go:norace
//go:nocheckptr
func writeFD(s *Scratch) {
	s.ret -= RecordSize // payload length
	if s.ret > ExecBufSize {
		s.rep.Errno = uint32(unix.EINVAL)
		return
	}
	s.ret = sys(s, unix.SYS_WRITE, uintptr(s.req.Arg0), uintptr(unsafe.Pointer(&s.buf)), s.ret, 0)
	s.rep.Errno = uint32(s.errno)
	s.rep.Val = int64(s.ret)
}

// readFD reads once from Arg0 into the scratch buffer, when ppoll() with a
// zero timeout says a read would not block (data, end of file or an error
// is waiting). ppoll, not poll: arm64 has only the former.
//
//go:nosplit
//go:norace
//go:nocheckptr
func readFD(s *Scratch) {
	s.recvCtl[0] = uint64(uint32(s.req.Arg0)) | uint64(unix.POLLIN)<<32 // struct pollfd {fd; events; revents}
	s.ret = sys(s, unix.SYS_PPOLL, uintptr(unsafe.Pointer(&s.recvCtl)), 1, uintptr(unsafe.Pointer(&s.zeroTS)), 0)
	if s.errno != 0 {
		s.rep.Errno = uint32(s.errno)
		return
	}
	if s.ret == 0 {
		s.rep.Errno = uint32(unix.EAGAIN)
		return
	}
	if s.req.Arg1 <= 0 || s.req.Arg1 > ExecBufSize {
		s.req.Arg1 = ExecBufSize
	}
	s.ret = sys(s, unix.SYS_READ, uintptr(s.req.Arg0), uintptr(unsafe.Pointer(&s.buf)), uintptr(s.req.Arg1), 0)
	s.rep.Errno = uint32(s.errno)
	s.rep.Val = int64(s.ret)
}

// openFile opens the path in the payload with openat(AT_FDCWD, path,
// O_RDWR|O_CREAT, 0644), without O_CLOEXEC, as open() in a C program
// does: the new descriptor survives an exec. A NUL is written after the
// payload, so the path always ends inside s.buf (which has a spare word
// past ExecBufSize).
//
//go:nosplit
//go:norace
//go:nocheckptr
func openFile(s *Scratch) {
	s.ret -= RecordSize // payload length
	if s.ret < 1 || s.ret > ExecBufSize {
		s.rep.Errno = uint32(unix.EINVAL)
		return
	}
	*(*byte)(unsafe.Add(unsafe.Pointer(&s.buf), s.ret)) = 0
	s.ret = sys(s, unix.SYS_OPENAT, ^uintptr(-unix.AT_FDCWD-1), uintptr(unsafe.Pointer(&s.buf)), unix.O_RDWR|unix.O_CREAT, 0o644)
	s.rep.Errno = uint32(s.errno)
	s.rep.Val = int64(s.ret)
}

// execve runs the program described by the payload in s.buf: word 0 is the
// offset of the path, then argv offsets ending in 0, then envp offsets
// ending in 0, then the NUL-terminated strings. Offsets become addresses
// here, in place. Up to three received descriptors become fds 0, 1 and 2
// first; if execve fails, the fds 0-2 from before are put back.
//
//go:nosplit
//go:norace
//go:nocheckptr
func execve(s *Scratch) {
	s.ret -= RecordSize // payload length
	if s.ret < 24 || s.ret > ExecBufSize || s.buf[0] == 0 || s.buf[0] >= uint64(s.ret) {
		s.rep.Errno = uint32(unix.EINVAL)
		return
	}
	s.path = uintptr(unsafe.Pointer(&s.buf)) + uintptr(s.buf[0])
	s.argv = uintptr(unsafe.Pointer(&s.buf)) + 8
	s.envp = 0
	s.i = 0 // zero words seen
	for s.fd = 1; s.fd < s.ret>>3 && s.i < 2; s.fd++ {
		if *(*uint64)(unsafe.Add(unsafe.Pointer(&s.buf), s.fd*8)) == 0 {
			s.i++
			if s.i == 1 {
				s.envp = uintptr(unsafe.Pointer(&s.buf)) + (s.fd+1)*8
			}
			continue
		}
		if *(*uint64)(unsafe.Add(unsafe.Pointer(&s.buf), s.fd*8)) >= uint64(s.ret) {
			s.rep.Errno = uint32(unix.EINVAL)
			return
		}
		*(*uint64)(unsafe.Add(unsafe.Pointer(&s.buf), s.fd*8)) += uint64(uintptr(unsafe.Pointer(&s.buf)))
	}
	if s.i < 2 {
		s.rep.Errno = uint32(unix.EINVAL)
		return
	}
	saveStdio(s)
	for s.i = 0; s.i < 3 && s.i < s.nRecvFDs; s.i++ {
		if recvFD(s, s.i) == s.i {
			// recvmsg put it in a hole at its own number: dup3(i, i)
			// fails with EINVAL, and the close-on-exec recvmsg set would
			// have execve close it. Clear the flag instead.
			sys(s, unix.SYS_FCNTL, uintptr(s.i), unix.F_SETFD, 0, 0)
		} else {
			sys(s, unix.SYS_DUP3, uintptr(recvFD(s, s.i)), uintptr(s.i), 0, 0)
		}
	}
	if s.req.Flags&ExecKeepControl != 0 {
		sys(s, unix.SYS_FCNTL, uintptr(s.CtlTarget), unix.F_SETFD, 0, 0)
	}
	// execve keeps SIG_IGN dispositions; the new program starts with
	// SIGCHLD at its default like any other.
	if s.chldIgn != 0 {
		sys(s, unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), uintptr(unsafe.Pointer(&s.dfl)), 0, 8)
	}
	sys(s, unix.SYS_EXECVE, s.path, s.argv, s.envp, 0)
	// Still here: execve failed and this process carries on, with the
	// fds 0-2 it had.
	s.rep.Errno = uint32(s.errno)
	restoreStdio(s)
	if s.chldIgn != 0 {
		sys(s, unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), uintptr(unsafe.Pointer(&s.ign)), 0, 8)
	}
	if s.req.Flags&ExecKeepControl != 0 {
		sys(s, unix.SYS_FCNTL, uintptr(s.CtlTarget), unix.F_SETFD, unix.FD_CLOEXEC, 0)
	}
}

// saveStdio keeps a copy of each of fds 0-2 that an exec request's
// descriptors will replace (F_DUPFD_CLOEXEC above 10, out of the way of
// the numbers a lesson hands out; execve closes them), in s.saved, -1 for
// one that was not open. recvmsg put the received descriptors at the
// lowest free numbers, so a hole in 0-2 now holds one of them: that one
// counts as not open.
//
//go:nosplit
//go:norace
//go:nocheckptr
func saveStdio(s *Scratch) {
	for s.i = 0; s.i < 3; s.i++ {
		*(*int32)(unsafe.Add(unsafe.Pointer(&s.saved), uintptr(s.i)*4)) = -1
		if s.i >= s.nRecvFDs {
			continue // not replaced
		}
		for s.j = 0; s.j < s.nRecvFDs && s.j < MaxRecvFDs; s.j++ {
			if recvFD(s, s.j) == s.i {
				break
			}
		}
		if s.j < s.nRecvFDs && s.j < MaxRecvFDs {
			continue // a hole that a received descriptor filled
		}
		s.ret = sys(s, unix.SYS_FCNTL, uintptr(s.i), unix.F_DUPFD_CLOEXEC, 10, 0)
		if s.errno == 0 {
			*(*int32)(unsafe.Add(unsafe.Pointer(&s.saved), uintptr(s.i)*4)) = int32(s.ret)
		}
	}
}

// restoreStdio puts back the fds 0-2 saveStdio kept after a failed
// execve, and closes again one that was not open (serve's closeReceived
// then finds the received copy there gone, which is harmless: nothing
// else runs in this process to take the number in between).
//
//go:nosplit
//go:norace
//go:nocheckptr
func restoreStdio(s *Scratch) {
	for s.i = 0; s.i < 3 && s.i < s.nRecvFDs; s.i++ {
		s.j = *(*int32)(unsafe.Add(unsafe.Pointer(&s.saved), uintptr(s.i)*4))
		if s.j >= 0 {
			sys(s, unix.SYS_DUP3, uintptr(s.j), uintptr(s.i), 0, 0)
			sys(s, unix.SYS_CLOSE, uintptr(s.j), 0, 0, 0)
		} else {
			sys(s, unix.SYS_CLOSE, uintptr(s.i), 0, 0, 0)
		}
	}
}

// Probe does one store and nothing else. It runs only in the parent, once,
// when a test binary asks whether the child path carries coverage counters
// (see rawfork.ChildCovered): if it does, running Probe raises the
// coverage figure.
//
//go:nosplit
//go:norace
//go:nocheckptr
//go:noinline
func Probe(x *uint64) {
	*x = 1
}
