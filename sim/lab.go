// Package sim is the lab: the real processes proctui creates and drives.
//
// The lab is proctui plus every process it created, directly or not. Each
// lab process that can take commands (a raw fork() child, or proctui
// re-executed in its hidden lab role, the "lab image") has a control
// socket: one end of a SOCK_SEQPACKET socket pair whose other end proctui
// holds. A lab process whose control socket reaches EOF kills the programs
// it ran and exits, so the lab ends with proctui even when proctui is
// killed with SIGKILL. (PR_SET_PDEATHSIG is not used: it fires when the
// thread that forked exits, and Go threads come and go.)
//
// Programs the user runs (sleep, sh …) cannot read a control socket, so
// their parent does it for them: a raw fork child or a lab image that reaches
// EOF kills the children it made before it exits. A program proctui itself
// ran has no such parent: Close kills it (and main calls Close on a panic),
// but if proctui is killed with SIGKILL it lives on, re-parented to init.
//
// Nothing is reaped behind the user's back. A lab process that exits stays a
// zombie, its status kept by the kernel, until Wait makes its parent call
// wait4, or until Detach told its parent to reap it on its own. proctui
// never lets os/exec or a SIGCHLD handler reap a lab process: it calls
// wait4 for one pid, and only when asked.
//
// Every method of Lab is safe for concurrent use and bounded in time: a
// lab process that does not answer its control socket within a few seconds
// makes the action fail rather than hang.
package sim

import (
	"errors"
	"os"
	"strings"
	"time"
)

// Options configure a Lab.
type Options struct {
	MaxLab    int    // at most this many lab processes besides proctui (default 64)
	Subreaper bool   // make proctui a child subreaper so orphans stay in view
	RawFork   bool   // real fork() where supported; false spawns the lab image instead
	Exe       string // the proctui binary re-executed as the lab image ("" = this binary)
	// CowMiB is the size of the buffer proctui writes before it forks, so
	// that its forked children share something visible copy-on-write
	// (--cow-mib); 0 turns it off.
	CowMiB int

	// Stdin, Stdout and Stderr become fds 0, 1 and 2 of the programs the
	// user runs (not of forked children or lab images, which inherit their
	// parent's). nil means /dev/null: a program must not read the keys
	// meant for proctui or draw over its screen.
	Stdin, Stdout, Stderr *os.File
}

// DefaultOptions are what proctui runs with unless told otherwise: real
// fork(), proctui a child subreaper, 64 lab processes at most.
func DefaultOptions() Options {
	return Options{MaxLab: DefaultMaxLab, Subreaper: true, RawFork: true, CowMiB: DefaultCowMiB}
}

// DefaultCowMiB is the default size of the copy-on-write buffer (--cow-mib).
const DefaultCowMiB = 32

// DefaultMaxLab is the default cap on lab processes (--max-lab).
const DefaultMaxLab = 64

// Kind says how a lab process came to be.
type Kind uint8

const (
	KindSelf     Kind = iota + 1 // proctui itself
	KindForked                   // a raw fork() child running the raw-syscall loop
	KindLabImage                 // proctui re-executed in its hidden lab role
	KindProgram                  // any other program the user ran
)

func (k Kind) String() string {
	switch k {
	case KindSelf:
		return "proctui"
	case KindForked:
		return "forked"
	case KindLabImage:
		return "lab image"
	case KindProgram:
		return "program"
	}
	return "unknown"
}

// Member is one process of the lab.
type Member struct {
	PID      int
	Parent   int // the lab parent that created it (current ppid may differ)
	Kind     Kind
	Detached bool
	Exited   bool // known to have exited (zombie or reaped)

	// Made says in words how it came to be: "forked from 4312",
	// "ran sleep 300 under 4312", "lab image spawned by 4312".
	Made string
	// Argv is the command line of a program the user ran.
	Argv []string
	// Created is when the lab made it; ExitedAt when it saw it exit (zero
	// while it runs), for "a zombie for 12 s".
	Created, ExitedAt time.Time
	// ControlFD is the descriptor number of its control socket in the
	// process (-1 for programs), so a fd table can label it.
	ControlFD int
	// SharesBuffer says it shares proctui's copy-on-write buffer, the one
	// m writes to: a raw fork of proctui, or of such a child.
	SharesBuffer bool
	// Plumbing is what a lab image had open above fd 2 when it joined
	// the lab, by descriptor (the link in /proc/PID/fd): its control
	// socket and its Go runtime's own files. Never changed after it
	// joined. See PlumbingFD.
	Plumbing map[int]string
	// IgnoresSIGCHLD: it set SIGCHLD to SIG_IGN (detach in a forked
	// child), so the kernel reaps every child of it the moment it exits.
	IgnoresSIGCHLD bool
	// Caught counts the signals a lab image caught (SIGCHLD always, and
	// every signal set to catch), by signal number.
	Caught []SignalCount
	// Streams are the descriptors a lab image moves bytes on (Stream),
	// with the counts it reported: at most one entry per descriptor and
	// direction, so a socket can have two, told apart by Write (see
	// FDStream). A stream that ended stays listed, with its final count
	// and why it ended, until one starts again on that descriptor in that
	// direction or CloseFD closes the descriptor.
	Streams []FDStream
	// EnvChanges are the variables a lab image set ("KEY=VALUE") or
	// unset ("KEY") since its exec: /proc/PID/environ does not show them.
	EnvChanges []string
}

// FDStream is a lab image writing a line every second to a descriptor, or
// reading whatever comes from it, and what it reported so far.
//
// The direction is Write: true counts the bytes the process wrote to FD
// (sent, on a socket), false the bytes it read from FD (received). On a
// socket pair between lab images A and B, A's writing entry and B's
// reading entry count the same bytes: once both have stopped, and B has
// read what was in flight, the two counts are equal, and the same holds
// for B's writing entry and A's reading entry.
type FDStream struct {
	FD    int
	Write bool  // direction: writing to FD (sending); false: reading from it (receiving)
	Bytes int64 // written or read so far
	// Socket: FD is a socket, so the bytes go to and come from the
	// process at the other end ("sent" and "received" rather than
	// "wrote" and "read").
	Socket bool
	// Ended says why it stopped: "end of file", "EPIPE", "stopped" (by
	// Stream), "closed" (CloseFD closed FD under it); "" while it runs.
	Ended string

	kind string // what FD was open on when the stream started (fdKind)
}

// Result is what an action did, for the status line and the narration.
type Result struct {
	PID     int    // the process acted on, or the one created
	Syscall string // e.g. "fork()", "wait4(4315, WNOHANG)"
	Text    string // one plain sentence for the event log
	// Reaped is the pid a wait reaped (0 if none), and Status what wait
	// returned for it, e.g. "exited 3" or "killed by SIGTERM".
	Reaped int
	Status string
	// Took is how long the action took, from the call to the kernel's
	// answer (for a fork: to the child's first reply on its control socket).
	Took time.Duration
}

// Note is something the lab reports on its own, not in answer to a key:
// a detached child was reaped, a lab process died.
type Note struct {
	Time time.Time
	PID  int
	Text string
}

// Refusals. The model turns them into status-line messages; the wrapped
// forms name the process ("4300 bash is not in the lab: …").
var (
	ErrNotInLab  = errors.New("not in the lab: proctui only forks, ends and reaps its own processes")
	ErrLabFull   = errors.New("the lab is full")
	ErrNotZombie = errors.New("not a zombie")
	ErrNoRawFork = errors.New("real fork() is not available here")
	// ErrNoControl: the process runs a program of its own (sleep, sh …),
	// which cannot be told to fork, exit or wait; it can be sent signals.
	ErrNoControl = errors.New("it runs a program of its own, which proctui cannot steer; send it a signal instead")
	// ErrSelf: proctui is not made to exit or detach from the lab's keys.
	ErrSelf = errors.New("that is proctui itself")
	// ErrClosed: the lab was closed.
	ErrClosed = errors.New("the lab is closed")
	// ErrUnsupported: the lab needs Linux.
	ErrUnsupported = errors.New("the lab needs Linux (pidfds, SOCK_SEQPACKET, child subreapers)")
)

// Lab is proctui plus every process it created. Its methods are safe for
// concurrent use; each blocks until the kernel has answered.
type Lab struct {
	st state
}

// New starts a lab around the calling process.
func New(opts Options) (*Lab, error) {
	l := new(Lab)
	if err := l.st.init(opts); err != nil {
		return nil, err
	}
	return l, nil
}

// Self is proctui's own pid.
func (l *Lab) Self() int { return l.st.self }

// Contains reports whether pid is proctui or one of its lab processes.
func (l *Lab) Contains(pid int) bool { return l.st.contains(pid) }

// Member returns what the lab knows of pid.
func (l *Lab) Member(pid int) (Member, bool) { return l.st.get(pid) }

// Members lists the lab, proctui first, then by pid.
func (l *Lab) Members() []Member { return l.st.list() }

// ForkMode says how Fork makes a child here, for a label on screen:
// "real fork()" or why the lab image is spawned instead.
func (l *Lab) ForkMode() string { return l.st.forkMode() }

// Fork makes pid fork: a real fork() of proctui or a lab process. Where
// real fork() is off or unsupported it spawns the lab image instead, and
// Result.Text says so.
func (l *Lab) Fork(pid int) (Result, error) { return l.st.fork(pid) }

// Run spawns argv as a child of parent (fork + exec). Empty argv or
// ["lab"] runs the lab image.
func (l *Lab) Run(parent int, argv []string) (Result, error) { return l.st.run(parent, argv) }

// Exit makes lab process pid call exit(code); it stays a zombie until waited for.
func (l *Lab) Exit(pid, code int) (Result, error) { return l.st.exit(pid, code) }

// Wait on a zombie makes its parent reap it; on a live lab process it waits
// for any child without blocking.
func (l *Lab) Wait(pid int) (Result, error) { return l.st.wait(pid) }

// Detach makes pid's parent reap it automatically when it exits.
func (l *Lab) Detach(pid int) (Result, error) { return l.st.detach(pid) }

// CowBytes is the size of the copy-on-write buffer in bytes: 0 when it is
// off or real fork() is not in use.
func (l *Lab) CowBytes() int64 { return l.st.cowBytes() }

// WriteMemory makes pid write one byte in each page of the first n bytes
// of the copy-on-write buffer: a forked child in its raw loop, or proctui
// itself. Result.Text says what the kernel copied, from smaps_rollup.
func (l *Lab) WriteMemory(pid int, n int64) (Result, error) { return l.st.writeMemory(pid, n) }

// Pipe makes a pipe whose write end is in lab process writer and whose
// read end is in lab process reader: writer calls pipe() and passes the
// read end on with SCM_RIGHTS. With writer == reader both ends stay in
// that process, so that its next fork shows both inherited.
func (l *Lab) Pipe(writer, reader int) (Result, error) { return l.st.pipe(writer, reader) }

// SocketPair is Pipe for a unix socket pair (socketpair(AF_UNIX,
// SOCK_STREAM)): a keeps one end, b gets the other, and bytes go both ways.
func (l *Lab) SocketPair(a, b int) (Result, error) { return l.st.socketPair(a, b) }

// RunPipeline runs left | right under parent (proctui or a lab image):
// left's fd 1 is the write end of a new pipe, right's fd 0 its read end,
// as a shell builds a pipeline (see SplitPipeline).
func (l *Lab) RunPipeline(parent int, left, right []string) (Result, error) {
	return l.st.runPipeline(parent, left, right)
}

// Stream makes lab image pid write a short line to fd every second
// (write) or read whatever comes from fd, reporting the bytes it moved in
// Member.Streams; called again for the same fd and direction, it stops
// that direction only (its entry stays, Ended "stopped", its count final).
// Writing to a socket also starts reading it, unless a reading stream
// runs there already, so that both directions are counted; the reading
// one stops with Stream(pid, fd, false). A descriptor passed over a socket
// while it is being read is kept for PassFD / PassFDTo, and the one byte
// that carried it is not counted. End of file and EPIPE come as notes.
func (l *Lab) Stream(pid, fd int, write bool) (Result, error) { return l.st.stream(pid, fd, write) }

// Exec makes forked child or lab image pid replace its program with argv
// (execve): the pid stays, descriptors marked close-on-exec close and the
// rest stay. Result.Text lists both ("kept 0 1 2 4; closed 3
// (close-on-exec)"), and the signals the new program starts with blocked
// or ignored, which execve keeps. Just before execve, fds 0, 1 and 2 are
// pointed (dup2) at what Options gives the programs the user runs,
// /dev/null by default, so the program cannot take over the terminal. A
// lab image execs with only the signals the user blocked in it still
// blocked (not the mask it gates signals with), and with its environment
// changes applied. Either way the member becomes KindProgram, its
// ControlFD -1, and Caught, Streams and EnvChanges empty (its handlers,
// stream threads and environ are gone); Result.Took is the round trip to
// the EOF that says execve succeeded.
func (l *Lab) Exec(pid int, argv []string) (Result, error) { return l.st.exec(pid, argv) }

// OpenFile makes lab image or forked child pid call open(path,
// O_RDWR|O_CREAT) with mode 0644, without close-on-exec. path "" is a new
// scratch file (notes, notes-2 …) in the lab's own temporary directory,
// which Close removes. Result.Text names the new descriptor ("…
// returned fd 5"), and Result.Status is it alone ("5"). WriteFD, ReadFD
// and Stream work on it and move its offset.
func (l *Lab) OpenFile(pid int, path string) (Result, error) { return l.st.openFile(pid, path) }

// PassFDTo makes lab image from send its descriptor fd to lab image to
// with SCM_RIGHTS over a unix socket that joins the two: one SocketPair
// split between them, or any socket whose peer (sock_diag) the other one
// holds. The new descriptor in to shares the open file, offset included.
// With no such socket the error says to make a socket pair with o first;
// the control socket cannot be passed.
func (l *Lab) PassFDTo(from, fd, to int) (Result, error) { return l.st.passFDTo(from, fd, to) }

// ToggleCloexec sets close-on-exec on fd of lab process pid, or clears it
// when set.
func (l *Lab) ToggleCloexec(pid, fd int) (Result, error) { return l.st.toggleCloexec(pid, fd) }

// PassFD makes lab image from send its descriptor fd over its unix socket
// fromSock with SCM_RIGHTS, and lab image to receive it on toSock, the
// other end of the connection (see SocketPair).
func (l *Lab) PassFD(from, fromSock, fd, to, toSock int) (Result, error) {
	return l.st.passFD(from, fromSock, fd, to, toSock)
}

// SetEnv sets "KEY=VALUE", or unsets "KEY", in lab image pid; what it
// runs or spawns afterwards inherits the change. /proc/PID/environ keeps
// showing the environment as of exec; Member.EnvChanges lists the changes.
func (l *Lab) SetEnv(pid int, kv string) (Result, error) { return l.st.setEnv(pid, kv) }

// CloseFD makes lab process pid close descriptor fd. A lab image first
// stops the streams on fd (their entries stay, Ended "closed"), so that
// none goes on under a number the next open() may reuse.
func (l *Lab) CloseFD(pid, fd int) (Result, error) { return l.st.closeFD(pid, fd) }

// WriteFD makes lab process pid write one short line to fd with one
// write(). Result.Text gives write()'s return value, EPIPE, or the
// SIGPIPE that killed it.
func (l *Lab) WriteFD(pid, fd int) (Result, error) { return l.st.writeFD(pid, fd) }

// ReadFD makes lab process pid read once from fd, when a read would not
// block; Result.Status is what read() returned ("0" is end of file).
func (l *Lab) ReadFD(pid, fd int) (Result, error) { return l.st.readFD(pid, fd) }

// Notes delivers what the lab reports on its own. It is closed by Close.
// Notes that nobody reads are dropped once 256 are waiting.
func (l *Lab) Notes() <-chan Note { return l.st.notes }

// Close ends every lab process with SIGKILL and reaps them all, including
// the children and orphans of lab processes. It returns when none is left
// (or after a few seconds, with an error naming the survivors). A second
// call returns the first one's result.
func (l *Lab) Close() error { return l.st.close() }

// PlumbingFD reports whether descriptor fd of lab image m, whose link in
// /proc/PID/fd is now target, is the lab's or its Go runtime's own rather
// than one a key made: its control socket, a file it had open when it
// joined the lab and still the same one (the runtime keeps its cgroup CPU
// files open), or an anonymous inode (the runtime's epoll and eventfd, the
// pidfds of its children), which no key makes. Keys leave them alone, and
// a lesson about what exec closes is not about them.
func (m Member) PlumbingFD(fd int, target string) bool {
	if m.Kind != KindLabImage || target == "" {
		return false
	}
	if fd == m.ControlFD {
		return true
	}
	if was, ok := m.Plumbing[fd]; ok && was == target {
		return true
	}
	return strings.HasPrefix(target, "anon_inode:")
}
