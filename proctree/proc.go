// Package proctree reads the kernel's process table and turns it into data:
// a Snapshot of every process, the parent/child tree built from it, the
// per-process details a person asks for (descriptors, signal sets, memory,
// environment), and the events that separate one snapshot from the next.
//
// It knows nothing of the screen. On Linux it reads /proc directly; on every
// other system (and on request) it reads through gopsutil.
package proctree

import (
	"errors"
	"slices"
	"time"
)

// Proc is one process as the kernel described it at the moment of a Snapshot.
type Proc struct {
	PID  int
	PPID int
	// State is the state letter exactly as the kernel prints it in
	// /proc/PID/stat: R S D Z T t X I P W K …
	State byte
	// Comm is the kernel's short name for the process (at most 15 bytes on Linux).
	Comm string
	// Cmdline is argv. It is empty for kernel threads. A zombie's memory is
	// gone, so it keeps the last cmdline seen while it was alive. Nil when it
	// could not be read.
	Cmdline []string
	// Kernel is true for kernel threads (no user memory); they are shown as [comm].
	Kernel  bool
	UID     int // -1 when unknown
	User    string
	Threads int
	// StartTicks is the start time in clock ticks since boot (field 22 of stat).
	// With PID it identifies a process: pids are reused, (PID, StartTicks) is not.
	StartTicks uint64
	Start      time.Time
	RSS        uint64 // resident set size in bytes
	// Exit is the raw wait status the kernel keeps for a zombie (field 52 of
	// /proc/PID/stat). Valid only when State is 'Z' and HasExit is true.
	Exit    WaitStatus
	HasExit bool
}

// Zombie reports whether the process has exited and waits to be reaped.
func (p *Proc) Zombie() bool { return p.State == 'Z' }

// Name is what a person should read as the program's name: [comm] for a
// kernel thread, otherwise comm.
func (p *Proc) Name() string {
	if p.Kernel {
		return "[" + p.Comm + "]"
	}
	return p.Comm
}

// Snapshot is every process the reader could see at one moment, sorted by PID.
type Snapshot struct {
	Procs []Proc
	// Taken is when the read started.
	Taken time.Time
	// Self is the PID of the process that took the snapshot.
	Self int
	// Source names the reader: "proc" or "gopsutil".
	Source string
}

// Get returns the process with the given pid, or nil.
func (s *Snapshot) Get(pid int) *Proc {
	if s == nil {
		return nil
	}
	i, ok := slices.BinarySearchFunc(s.Procs, pid, func(p Proc, pid int) int { return p.PID - pid })
	if !ok {
		return nil
	}
	return &s.Procs[i]
}

// Reader produces snapshots and details. A Reader is not safe for concurrent
// use: the poll loop owns it (Details may use a second Reader).
type Reader interface {
	// Snapshot reads every process. A process that vanishes mid-read is left
	// out; only a failure to list processes at all is an error.
	Snapshot() (*Snapshot, error)
	// Details reads what want asks for about one process, now.
	Details(pid int, want Want) (*Details, error)
	// Name is "proc" or "gopsutil".
	Name() string
}

// Want selects the parts of Details to read.
type Want uint

const (
	WantFDs Want = 1 << iota
	WantSignals
	WantPaths // cwd and exe
	WantEnv
	WantMemory // summary from /proc/PID/status
	WantSmaps  // smaps_rollup: costly for the target, only on explicit request

	WantAll = WantFDs | WantSignals | WantPaths | WantEnv | WantMemory
)

// Errors a part of Details can carry instead of a value.
var (
	// ErrNoAccess: the kernel refused (another user's process, ptrace rules).
	ErrNoAccess = errors.New("no access")
	// ErrGone: the process exited before or while it was read.
	ErrGone = errors.New("process is gone")
	// ErrUnsupported: this platform or reader cannot tell.
	ErrUnsupported = errors.New("not available on this platform")
	// ErrUnknown: the kernel left the field out (some sandboxes omit Sig* lines).
	ErrUnknown = errors.New("unknown")
)

// Details is what was read about one process on demand. Each part has its
// own error: a process can show its signal masks and refuse its fd table.
type Details struct {
	PID   int
	Taken time.Time

	FDs   []FD
	FDErr error
	// Peers are the other ends of the pipes and unix sockets in FDs, by
	// descriptor number, filled in by LinkPeers (nil until linked; a
	// descriptor whose other end was not found has no entry).
	Peers map[int][]Peer
	// PollerFDs counts the descriptors, left out of FDs, that proctui's own
	// reader keeps open (one /proc/PID/stat per process, at fd 4096 and
	// up). Only set for the reading process itself.
	PollerFDs int

	Signals Signals
	SigErr  error

	Cwd, Exe       string
	CwdErr, ExeErr error
	Env            []string // KEY=VALUE, as of the last exec
	EnvErr         error
	Memory         MemSummary
	MemErr         error
	Smaps          SmapsRollup
	SmapsErr       error
}

// FDType is the kind of object a descriptor refers to.
type FDType uint8

const (
	FDUnknown FDType = iota
	FDFile
	FDDir
	FDChar
	FDBlock
	FDPipe
	FDSocket
	FDAnon // anon_inode: eventfd, epoll, timerfd, signalfd, pidfd …
	FDTTY  // a terminal: a pseudo-terminal, a virtual console, a serial line
)

func (t FDType) String() string {
	switch t {
	case FDFile:
		return "file"
	case FDDir:
		return "dir"
	case FDChar:
		return "chr"
	case FDBlock:
		return "blk"
	case FDPipe:
		return "pipe"
	case FDSocket:
		return "socket"
	case FDAnon:
		return "anon"
	case FDTTY:
		return "tty"
	case FDUnknown:
		return "unknown"
	}
	return "unknown"
}

// FD is one entry of a process's descriptor table.
type FD struct {
	Num int
	// Mode is "r", "w" or "rw" from the O_ACCMODE bits of fdinfo flags; "" if unknown.
	Mode        string
	CloseOnExec bool
	// Offset is the file position from fdinfo pos; -1 when unknown.
	Offset int64
	Type   FDType
	// Target is what readlink(/proc/PID/fd/N) says: a path, "pipe:[123]",
	// "socket:[456]", "anon_inode:[eventfd]", "/dev/pts/3".
	Target string
	// Inode is the pipe or socket inode from Target, 0 otherwise.
	Inode uint64
}

// SignalSet is a set of signals as a bit mask: bit n-1 is signal n, the way
// /proc/PID/status prints SigPnd, SigBlk, SigIgn and SigCgt.
type SignalSet struct {
	Mask  uint64
	Known bool // false when the kernel did not print the line
}

// Has reports whether signal sig (1-based) is in the set.
func (s SignalSet) Has(sig int) bool {
	return sig >= 1 && sig <= 64 && s.Mask&(1<<(sig-1)) != 0
}

// Signals are the signal sets of /proc/PID/status.
type Signals struct {
	Pending       SignalSet // SigPnd: pending for the thread that was read
	SharedPending SignalSet // ShdPnd: pending for the whole process
	Blocked       SignalSet // SigBlk
	Ignored       SignalSet // SigIgn
	Caught        SignalSet // SigCgt
}

// MemSummary is the cheap memory summary from /proc/PID/status, in bytes.
type MemSummary struct {
	VmSize, VmRSS, RssAnon, RssFile, RssShmem, VmSwap uint64
}

// SmapsRollup is /proc/PID/smaps_rollup, in bytes.
type SmapsRollup struct {
	Rss, Pss, SharedClean, SharedDirty, PrivateClean, PrivateDirty, Anonymous, Swap uint64
}
