package proctree

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// clockTicks is USER_HZ, the unit of the times in /proc/PID/stat. The
// kernel fixes it at 100 for user space on every architecture Go runs on,
// whatever the kernel's own HZ is.
const clockTicks = 100

// identityWindow is how long after its start a process's uid and command
// line are read again on every poll. Those are cached for the life of a
// process, but its first moments are when it changes them without an exec:
// a daemon drops privileges with setuid(), or rewrites its argv to set its
// title (sshd: alice@pts/3).
const identityWindow = 5 * time.Second

// maxEmptyCmdline is how many polls in a row a live, non-kernel process may
// show an empty cmdline before the reader stops asking. The kernel shows it
// empty for a moment around exec and exit (the memory is being swapped or
// torn down); a program that blanked its own argv stays empty for good.
const maxEmptyCmdline = 3

// ProcReader reads the process table straight from a /proc file system,
// reusing its buffers: in the steady state a Snapshot costs one open, one
// read and one close per process and no allocation beyond the Snapshot and
// its Procs. What rarely changes (uid, user name, cmdline) is cached per
// process, keyed by pid and start time, because a pid can be reused but the
// pair cannot.
//
// The root can be a fixture directory shaped like /proc, which is how the
// tests show kernel behaviour that is hard to cause on demand. A ProcReader
// is not safe for concurrent use.
type ProcReader struct {
	root     string
	rootPath []byte // root and a NUL, for openat
	live     bool   // root is this system's /proc
	self     int
	euid     int
	pageSize uint64

	boot     time.Time
	bootRead bool
	// youngFrom is the start time (in clock ticks since boot) from which
	// a process counts as young in this snapshot (see identityWindow); 0
	// when the boot time is unknown.
	youngFrom uint64

	dents []byte // getdents64 buffer
	pids  []int
	path  []byte // NUL-terminated path relative to the root fd
	buf   []byte // file contents
	stat  statLine
	fdNum []int // descriptor numbers for Details
	// fdListed counts the entries the last fd listing went through, to
	// test that proctui's own stops early.
	fdListed int

	cache map[int]*procEntry
	gen   uint64
	users userNames

	// keepOpen is how many stat files may stay open between polls (0 for
	// a fixture root, where files are replaced rather than regenerated).
	keepOpen int
	open     int // stat files open now
}

// keptFDBase is the lowest descriptor number a kept stat file is moved to,
// so that proctui's own fd table keeps its low numbers for what a person
// does with it (pipes, socket pairs) and shows the poller's files apart.
const keptFDBase = 4096

// procEntry is what the reader remembers about one process between polls.
type procEntry struct {
	start   uint64 // StartTicks: with the pid, the process's identity
	comm    string
	cmdline []string
	uid     int
	user    string
	// emptyTries counts polls that read an empty cmdline from a process
	// that should have one.
	emptyTries uint8
	gen        uint64 // the Snapshot that last saw the process
	// statFD is ROOT/PID/stat kept open between polls, or -1.
	statFD int
}

// NewProcReader returns a reader of the /proc tree at root: "/proc" for
// this system, or a directory shaped like it. An empty root means "/proc".
func NewProcReader(root string) *ProcReader {
	if root == "" {
		root = "/proc"
	}
	r := &ProcReader{
		root:     root,
		rootPath: append([]byte(root), 0),
		live:     filepath.Clean(root) == "/proc",
		euid:     os.Geteuid(),
		pageSize: uint64(os.Getpagesize()),
		dents:    make([]byte, 32<<10),
		path:     make([]byte, 0, 64),
		buf:      make([]byte, 4<<10),
		cache:    make(map[int]*procEntry),
	}
	if r.live {
		r.self = os.Getpid()
		r.keepOpen = keepOpenBudget()
	} else if target, err := os.Readlink(filepath.Join(root, "self")); err == nil {
		r.self, _ = strconv.Atoi(target)
	}
	return r
}

// Name is "proc".
func (r *ProcReader) Name() string { return "proc" }

// Snapshot reads every process under the root. Only a failure to list the
// root is an error; a process that exits between the listing and the read
// of its stat file is left out.
func (r *ProcReader) Snapshot() (*Snapshot, error) {
	taken := time.Now()
	dirfd, err := openat(unix.AT_FDCWD, r.rootPath, unix.O_RDONLY|unix.O_DIRECTORY, false)
	if err != nil {
		return nil, fmt.Errorf("proctree: open %s: %w", r.root, err)
	}
	defer unix.Close(dirfd)
	if !r.bootRead {
		r.readBootTime(dirfd)
	}
	if err := r.listPIDs(dirfd); err != nil {
		return nil, fmt.Errorf("proctree: list %s: %w", r.root, err)
	}
	r.youngFrom = 0
	if up := taken.Sub(r.boot) - identityWindow; !r.boot.IsZero() && up > 0 {
		r.youngFrom = uint64(up / (time.Second / clockTicks))
	}
	// /proc lists in pid order already; a fixture directory need not.
	slices.Sort(r.pids)

	snap := &Snapshot{
		Procs:  make([]Proc, 0, len(r.pids)),
		Taken:  taken,
		Self:   r.self,
		Source: "proc",
	}
	r.gen++
	for _, pid := range r.pids {
		snap.Procs = append(snap.Procs, Proc{})
		if !r.readProc(dirfd, pid, &snap.Procs[len(snap.Procs)-1]) {
			snap.Procs = snap.Procs[:len(snap.Procs)-1]
		}
	}
	for pid, e := range r.cache {
		if e.gen != r.gen {
			r.forget(pid, e)
		}
	}
	return snap, nil
}

// forget drops a process from the cache and closes its stat file.
func (r *ProcReader) forget(pid int, e *procEntry) {
	if e.statFD >= 0 {
		closeFD(e.statFD, true)
		r.open--
	}
	delete(r.cache, pid)
}

// Close closes the stat files the reader keeps open. The reader still
// works afterwards; it opens them again.
func (r *ProcReader) Close() error {
	for pid, e := range r.cache {
		r.forget(pid, e)
	}
	return nil
}

// keepOpenBudget is how many stat files a live reader may keep open: what
// the descriptor limit allows above keptFDBase, with room to spare, and no
// more than 1<<16.
//
// Keeping /proc/PID/stat open and reading it again with pread(2) at
// offset 0 makes the kernel print it afresh: one system call per process
// per poll instead of open, read and close, and no path lookup. When the
// process is reaped the read fails with ESRCH, which is also how a reused
// pid is noticed: the old file still names the old process.
func keepOpenBudget() int {
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) != nil {
		return 0
	}
	n := int64(lim.Cur) - keptFDBase - 1024
	if lim.Cur == unix.RLIM_INFINITY {
		n = 1 << 16
	}
	return int(max(0, min(n, 1<<16)))
}

// readStatOf reads ROOT/PID/stat through the file kept open for e, or
// opens it (and keeps it, while the budget allows). ok is false when the
// process is gone.
func (r *ProcReader) readStatOf(dirfd, pid int, e *procEntry) (b []byte, fd int, err error) {
	if e != nil && e.statFD >= 0 {
		b, err = r.preadStat(e.statFD)
		if err == nil && len(b) > 0 {
			return b, e.statFD, nil
		}
		// ESRCH: the process this file was opened for is gone; the pid
		// may already belong to a new one.
		closeFD(e.statFD, true)
		e.statFD = -1
		r.open--
	}
	path := r.setPIDPath(pid, "stat")
	if r.open >= r.keepOpen {
		b, err = r.readStat(dirfd, path)
		return b, -1, err
	}
	fd, err = openat(dirfd, path, unix.O_RDONLY, true)
	if err != nil {
		return nil, -1, err
	}
	// Move it out of the way of the descriptors a person works with.
	if hi, _, errno := unix.RawSyscall(unix.SYS_FCNTL, uintptr(fd), unix.F_DUPFD_CLOEXEC, keptFDBase); errno == 0 {
		closeFD(fd, true)
		fd = int(hi)
	} else {
		// The limit is lower than it looked: stop keeping files open.
		r.keepOpen = r.open
	}
	b, err = r.preadStat(fd)
	if err != nil || len(b) == 0 || r.keepOpen == r.open {
		closeFD(fd, true)
		return b, -1, err
	}
	r.open++
	return b, fd, nil
}

// preadStat reads a kept stat file from offset 0 into the reused buffer.
// A stat line fits in a page; the buffer is at least that.
func (r *ProcReader) preadStat(fd int) ([]byte, error) {
	for {
		n, _, errno := unix.RawSyscall6(unix.SYS_PREAD64, uintptr(fd),
			uintptr(unsafe.Pointer(&r.buf[0])), uintptr(len(r.buf)), 0, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return nil, errno
		}
		return r.buf[:n], nil
	}
}

// readBootTime reads btime, the boot time in seconds since the epoch, from
// ROOT/stat. Start times in /proc/PID/stat count clock ticks from boot.
func (r *ProcReader) readBootTime(dirfd int) {
	r.bootRead = true
	b, err := r.readAt(dirfd, r.setPath("stat"))
	if err != nil {
		return
	}
	if secs, ok := parseBootTime(b); ok {
		r.boot = time.Unix(secs, 0)
	}
}

// listPIDs fills r.pids with the numeric entries of the root directory,
// read with getdents64 into a reused buffer.
func (r *ProcReader) listPIDs(dirfd int) error {
	r.pids = r.pids[:0]
	return getdentsNumbers(dirfd, r.dents, func(n int) bool { r.pids = append(r.pids, n); return true })
}

// getdentsNumbers calls fn for every entry of the open directory whose name
// is a non-negative decimal number, without allocating, until fn returns
// false.
func getdentsNumbers(dirfd int, buf []byte, fn func(int) bool) error {
	for {
		n, err := unix.Getdents(dirfd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n <= 0 {
			return nil
		}
		// struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen;
		// u8 d_type; char d_name[]; }, d_name NUL-terminated and padded.
		for off := 0; off+19 < n; {
			reclen := int(binary.NativeEndian.Uint16(buf[off+16:]))
			if reclen < 19 || off+reclen > n {
				return fmt.Errorf("getdents64: bad record length %d", reclen)
			}
			name := buf[off+19 : off+reclen]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			if num, ok := parseFDName(name); ok && !fn(num) {
				return nil
			}
			off += reclen
		}
	}
}

// parseFDName accepts "0" as well as the names parsePIDName accepts:
// descriptor 0 exists, pid 0 is never listed.
func parseFDName(b []byte) (int, bool) {
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	return parsePIDName(b)
}

// setPath stores name, NUL-terminated, in the reused path buffer.
func (r *ProcReader) setPath(name string) []byte {
	p := append(r.path[:0], name...)
	r.path = append(p, 0)
	return r.path
}

// setPIDPath stores "PID/name", NUL-terminated, in the reused path buffer.
func (r *ProcReader) setPIDPath(pid int, name string) []byte {
	p := strconv.AppendInt(r.path[:0], int64(pid), 10)
	p = append(p, '/')
	p = append(p, name...)
	r.path = append(p, 0)
	return r.path
}

// readAt reads the file at path (NUL-terminated, relative to dirfd) into
// the reused buffer. The result is valid until the next read.
//
// One read(2) is enough for a /proc file: the kernel builds the whole text
// and copies out as much as the buffer holds. A read that fills the buffer
// grows it and goes on; a short one is the end.
func (r *ProcReader) readAt(dirfd int, path []byte) ([]byte, error) {
	return r.readFile(dirfd, path, false)
}

// readStat is readAt for the one file read for every process on every
// poll. It makes its three system calls with RawSyscall6: opening and
// reading /proc/PID/stat never sleeps for long, and skipping the runtime's
// enter/exit-syscall bookkeeping (and the sysmon wake-ups it causes) is
// most of what separates a poll from a bare loop over /proc in C.
// cmdline, status and the rest go through the ordinary path: reading
// another process's memory can wait on its locks.
func (r *ProcReader) readStat(dirfd int, path []byte) ([]byte, error) {
	return r.readFile(dirfd, path, true)
}

func (r *ProcReader) readFile(dirfd int, path []byte, raw bool) ([]byte, error) {
	fd, err := openat(dirfd, path, unix.O_RDONLY, raw)
	if err != nil {
		return nil, err
	}
	defer closeFD(fd, raw)
	n := 0
	for {
		if n == len(r.buf) {
			r.buf = slices.Grow(r.buf[:n], n)[:2*n]
		}
		m, err := readFD(fd, r.buf[n:], raw)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		n += m
		if m == 0 || n < len(r.buf) {
			return r.buf[:n], nil
		}
	}
}

// syscall6 is unix.Syscall6, or unix.RawSyscall6 when raw.
func syscall6(raw bool, trap, a1, a2, a3, a4, a5, a6 uintptr) (uintptr, unix.Errno) {
	if raw {
		r, _, e := unix.RawSyscall6(trap, a1, a2, a3, a4, a5, a6)
		return r, e
	}
	r, _, e := unix.Syscall6(trap, a1, a2, a3, a4, a5, a6)
	return r, e
}

func readFD(fd int, b []byte, raw bool) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, errno := syscall6(raw, unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

func closeFD(fd int, raw bool) {
	syscall6(raw, unix.SYS_CLOSE, uintptr(fd), 0, 0, 0, 0, 0)
}

// openat opens a NUL-terminated path relative to dirfd with the raw system
// call: unix.Openat would copy the path into a new C string on every call.
func openat(dirfd int, path []byte, flags int, raw bool) (int, error) {
	if len(path) == 0 || path[len(path)-1] != 0 {
		return -1, unix.EINVAL
	}
	for {
		fd, errno := syscall6(raw, unix.SYS_OPENAT, uintptr(dirfd),
			uintptr(unsafe.Pointer(&path[0])), uintptr(flags|unix.O_CLOEXEC), 0, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return -1, errno
		}
		return int(fd), nil
	}
}

// readProc reads ROOT/PID/stat into p, and the cached parts from the
// cache. It reports false when the process vanished.
func (r *ProcReader) readProc(dirfd, pid int, p *Proc) bool {
	e := r.cache[pid]
	b, statFD, err := r.readStatOf(dirfd, pid, e)
	if err != nil || len(b) == 0 {
		// ENOENT or ESRCH: the process was reaped after the listing. An
		// empty read is the same race seen from the other side.
		return false
	}
	st := &r.stat
	if !parseStat(b, st) {
		if statFD >= 0 && (e == nil || e.statFD != statFD) {
			closeFD(statFD, true)
			r.open--
		}
		return false
	}
	kernel := st.Flags&pfKthread != 0
	zombie := st.State == 'Z' || st.State == 'X'

	readIdentity := false
	switch {
	case e == nil:
		e = &procEntry{start: st.StartTicks, comm: string(st.Comm)}
		r.cache[pid] = e
		readIdentity = true
	case e.start != st.StartTicks:
		// The pid was reused by a new process. readStatOf already closed
		// the old process's stat file when its read failed.
		*e = procEntry{start: st.StartTicks, comm: string(st.Comm)}
		readIdentity = true
	case string(st.Comm) != e.comm:
		// Same process, new name: it called exec (or prctl PR_SET_NAME).
		// Its argv and maybe its uid (a set-uid program) changed with it.
		e.comm = string(st.Comm)
		e.emptyTries = 0
		readIdentity = true
	}
	young := !readIdentity && !kernel && !zombie && r.youngFrom > 0 && st.StartTicks >= r.youngFrom
	e.gen = r.gen
	e.statFD = statFD

	// Copy what is needed from st before the buffer is reused: st.Comm
	// aliases it.
	p.PID = pid
	p.PPID = st.PPID
	p.State = st.State
	p.Comm = e.comm
	p.Kernel = kernel
	p.Threads = st.Threads
	p.StartTicks = st.StartTicks
	if !r.boot.IsZero() {
		p.Start = r.boot.Add(time.Duration(st.StartTicks) * (time.Second / clockTicks))
	}
	p.RSS = st.RSSPages * r.pageSize
	exit, hasExit := st.Exit, st.HasExit && zombie

	switch {
	case readIdentity:
		r.readUID(dirfd, pid, e)
	case young:
		r.refreshIdentity(dirfd, pid, e)
	}
	if readIdentity || (!young && r.cmdlineStale(e, kernel, zombie)) {
		r.readCmdline(dirfd, pid, e, kernel, zombie)
	}
	p.Cmdline = e.cmdline
	p.UID = e.uid
	p.User = e.user

	// The kernel prints field 52 only to a reader that may ptrace the
	// process; anyone else reads 0, which would look like "exited 0".
	if hasExit && r.live && r.euid != 0 && e.uid != r.euid {
		hasExit = false
	}
	if hasExit {
		p.Exit, p.HasExit = WaitStatus(exit), true
	}
	return true
}

// readUID reads the real uid from ROOT/PID/status.
func (r *ProcReader) readUID(dirfd, pid int, e *procEntry) {
	e.uid, e.user = -1, ""
	b, err := r.readAt(dirfd, r.setPIDPath(pid, "status"))
	if err != nil {
		return
	}
	if uid, ok := parseStatusUID(b); ok {
		e.uid = uid
		e.user = r.users.name(uid)
	}
}

// refreshIdentity reads the uid and the command line of a young process
// again (see identityWindow), keeping what is cached when a read fails or
// comes back empty: a process that is exiting has already lost its memory
// and may be gone, and its argv as last seen alive is the one to keep.
func (r *ProcReader) refreshIdentity(dirfd, pid int, e *procEntry) {
	if b, err := r.readAt(dirfd, r.setPIDPath(pid, "status")); err == nil {
		if uid, ok := parseStatusUID(b); ok && uid != e.uid {
			e.uid, e.user = uid, r.users.name(uid)
		}
	}
	if b, err := r.readAt(dirfd, r.setPIDPath(pid, "cmdline")); err == nil && len(b) > 0 {
		e.cmdline = splitNUL(b)
		e.emptyTries = 0
	}
}

// cmdlineStale reports whether a cached empty cmdline is worth reading
// again: the process is alive, has user memory, and has not been empty for
// too many polls.
func (r *ProcReader) cmdlineStale(e *procEntry, kernel, zombie bool) bool {
	return e.cmdline != nil && len(e.cmdline) == 0 && !kernel && !zombie &&
		e.emptyTries < maxEmptyCmdline
}

// readCmdline reads ROOT/PID/cmdline into the cache entry. Reading it
// takes the target's memory-map lock, another reason to do it once per
// process and not once per poll.
func (r *ProcReader) readCmdline(dirfd, pid int, e *procEntry, kernel, zombie bool) {
	if kernel {
		// A kernel thread has no user memory, so no argv.
		e.cmdline = []string{}
		return
	}
	b, err := r.readAt(dirfd, r.setPIDPath(pid, "cmdline"))
	switch {
	case err != nil:
		e.cmdline = nil
	case len(b) == 0:
		// A zombie's memory is gone; keep the argv it had when alive.
		if !zombie || e.cmdline == nil {
			e.cmdline = []string{}
		}
		if !zombie {
			e.emptyTries++
		}
	default:
		e.cmdline = splitNUL(b)
		e.emptyTries = 0
	}
}
