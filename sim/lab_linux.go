package sim

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim/rawfork"
)

// EnvNoRawFork turns real fork() off when set to 1: Fork then spawns the
// lab image, as it does where real fork() is not supported.
const EnvNoRawFork = "PROCTUI_NO_RAWFORK"

// state is the lab on Linux.
type state struct {
	opts   Options
	self   int
	exe    string // the lab image's binary
	raw    bool   // real fork() in use
	rawWhy string // why not, when not
	maxLab int
	// unsetSubreaper: New made proctui a subreaper; Close undoes it.
	unsetSubreaper bool
	// cow is the copy-on-write buffer: see memory_linux.go.
	cow cowBuffer

	mu      sync.Mutex
	members map[int]*member
	pending int // slots reserved by actions in flight
	closed  bool
	// pairs are the socket pairs SocketPair split between two lab
	// processes, for PassFDTo (see passfd_linux.go).
	pairs []sockPair

	// files is the lab's own directory for scratch files (OpenFile with
	// no path), removed by Close.
	files scratchFiles

	// busy is held shared by every action, so that Close can let the
	// ones in flight finish before it ends the lab.
	busy sync.RWMutex

	closeOnce sync.Once
	closeErr  error

	notesMu     sync.Mutex
	notes       chan Note
	notesClosed bool

	watchers sync.WaitGroup
}

// member is a lab process and proctui's handles on it.
type member struct {
	Member
	start  uint64        // start time in ticks: (pid, start) is its identity
	pidfd  *os.File      // always open while it is a member
	conn   *conn         // nil for programs
	exited chan struct{} // closed when it has exited
	cow    bool          // it shares proctui's copy-on-write buffer (a raw fork of proctui or of such a child)
	expect bool          // its exit was asked for: no note
	gone   bool          // reaped and forgotten
}

func (st *state) init(opts Options) error {
	st.opts = opts
	st.self = os.Getpid()
	st.maxLab = opts.MaxLab
	if st.maxLab <= 0 {
		st.maxLab = DefaultMaxLab
	}
	st.exe = opts.Exe
	if st.exe == "" {
		st.exe = selfExe()
	}
	if _, err := os.Stat(st.exe); err != nil {
		return fmt.Errorf("the lab image %s: %w", st.exe, err)
	}
	switch {
	case !opts.RawFork:
		st.rawWhy = "real fork() is turned off"
	case os.Getenv(EnvNoRawFork) == "1":
		st.rawWhy = "real fork() is turned off (" + EnvNoRawFork + "=1)"
	case rawfork.Unavailable() != nil:
		st.rawWhy = rawfork.Unavailable().Error()
	default:
		st.raw = true
	}
	if opts.Subreaper {
		// A child subreaper adopts the orphans of its descendants, the way
		// init adopts everyone else's: a lab process whose parent dies
		// re-parents to proctui and stays in view (and in reach of wait).
		set, err := getSubreaper()
		if err != nil {
			return fmt.Errorf("prctl(PR_GET_CHILD_SUBREAPER): %w", err)
		}
		if !set {
			if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
				return fmt.Errorf("prctl(PR_SET_CHILD_SUBREAPER): %w", err)
			}
			st.unsetSubreaper = true
		}
	}
	cloexecInherited()
	if err := st.initCow(); err != nil {
		return err
	}
	st.members = map[int]*member{}
	st.notes = make(chan Note, 256)
	return nil
}

// cloexecInherited marks every descriptor above 2 close-on-exec. The ones
// Go opens are already; the ones proctui inherited by accident (a shell's
// fd 10 or 255) would otherwise leak into every program the lab runs.
func cloexecInherited() {
	for _, fd := range fdList(os.Getpid()) {
		if fd > 2 {
			unix.CloseOnExec(fd)
		}
	}
}

// getSubreaper reports whether this process is a child subreaper.
func getSubreaper() (bool, error) {
	var v int32
	_, _, errno := unix.Syscall6(unix.SYS_PRCTL, unix.PR_GET_CHILD_SUBREAPER, uintptr(unsafe.Pointer(&v)), 0, 0, 0, 0)
	if errno != 0 {
		return false, errno
	}
	return v != 0, nil
}

// selfExe is the path of proctui's binary. A real path rather than
// /proc/self/exe: the kernel names a process (its comm) after the last
// element of the path it was exec'd from, and "exe" would say nothing.
func selfExe() string {
	if p, err := os.Executable(); err == nil && !strings.HasSuffix(p, " (deleted)") {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "/proc/self/exe"
}

func (st *state) forkMode() string {
	if st.raw {
		return "real fork()"
	}
	return st.rawWhy + "; fork spawns the lab image"
}

// enter starts an action: it fails once the lab is closed, and otherwise
// holds busy (shared) until leave.
func (st *state) enter() error {
	if st.isClosed() {
		return ErrClosed
	}
	st.busy.RLock()
	if st.isClosed() {
		st.busy.RUnlock()
		return ErrClosed
	}
	return nil
}

func (st *state) leave() { st.busy.RUnlock() }

func (st *state) isClosed() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.closed
}

func (st *state) contains(pid int) bool {
	if pid == st.self {
		return true
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	_, ok := st.members[pid]
	return ok
}

func (st *state) selfMember() Member {
	return Member{PID: st.self, Parent: os.Getppid(), Kind: KindSelf, Made: "proctui itself", ControlFD: -1}
}

func (st *state) get(pid int) (Member, bool) {
	if pid == st.self {
		return st.selfMember(), true
	}
	st.prune()
	st.mu.Lock()
	defer st.mu.Unlock()
	m, ok := st.members[pid]
	if !ok {
		return Member{}, false
	}
	return m.snapshot(), true
}

func (m *member) snapshot() Member {
	c := m.Member
	c.SharesBuffer = m.cow
	c.Argv = slices.Clone(m.Argv)
	c.Caught = slices.Clone(m.Caught)
	c.Streams = slices.Clone(m.Streams)
	c.EnvChanges = slices.Clone(m.EnvChanges)
	return c
}

func (st *state) list() []Member {
	st.prune()
	out := []Member{st.selfMember()}
	st.mu.Lock()
	for _, m := range st.members {
		out = append(out, m.snapshot())
	}
	st.mu.Unlock()
	slices.SortFunc(out[1:], func(a, b Member) int { return a.PID - b.PID })
	return out
}

// prune forgets members that exited and were reaped by someone the lab did
// not ask: init, for an orphan when proctui is not a subreaper.
func (st *state) prune() {
	st.mu.Lock()
	var exited []*member
	for _, m := range st.members {
		if m.Exited {
			exited = append(exited, m)
		}
	}
	st.mu.Unlock()
	for _, m := range exited {
		if _, ok := same(m.PID, m.start); !ok {
			st.forget(m)
		}
	}
}

// lookup finds a lab process other than proctui, with a snapshot of what
// the lab knows of it (the fields that change are read under the lock).
func (st *state) lookup(pid int) (*member, Member, error) {
	st.mu.Lock()
	m, ok := st.members[pid]
	var snap Member
	if ok {
		snap = m.snapshot()
	}
	st.mu.Unlock()
	if !ok {
		return nil, Member{}, notInLab(pid)
	}
	return m, snap, nil
}

// snap is a snapshot of m.
func (st *state) snap(m *member) Member {
	st.mu.Lock()
	defer st.mu.Unlock()
	return m.snapshot()
}

func notInLab(pid int) error {
	if comm := commOf(pid); comm != "" {
		return fmt.Errorf("%d %s is %w", pid, comm, ErrNotInLab)
	}
	return fmt.Errorf("%d is %w", pid, ErrNotInLab)
}

// name is how a sentence names a lab process: "proctui (4312)", "4316".
func (st *state) name(pid int) string {
	if pid == st.self {
		return fmt.Sprintf("proctui (%d)", pid)
	}
	return fmt.Sprint(pid)
}

// reserve takes a slot for a process about to be made.
func (st *state) reserve() error {
	st.prune()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return ErrClosed
	}
	if len(st.members)+st.pending >= st.maxLab {
		return fmt.Errorf("%w: %d lab processes is the limit (--max-lab); wait for or end some first", ErrLabFull, st.maxLab)
	}
	st.pending++
	return nil
}

func (st *state) unreserve() {
	st.mu.Lock()
	st.pending--
	st.mu.Unlock()
}

// add makes m a member, taking the slot reserve took, and starts watching
// for its exit.
func (st *state) add(m *member) {
	m.exited = make(chan struct{})
	if m.Created.IsZero() {
		m.Created = time.Now()
	}
	if s, ok := readStat(m.PID); ok {
		m.start = s.start
	}
	if m.Kind == KindLabImage && m.conn != nil {
		m.Plumbing = openAtStart(m.PID)
	}
	st.mu.Lock()
	st.pending--
	if p := st.members[m.Parent]; p != nil && p.IgnoresSIGCHLD {
		// The kernel reaps this one the moment it exits: its parent
		// ignores SIGCHLD. A fork copies the disposition, so a forked
		// child ignores it too (execve resets it, as the exec path does).
		m.Detached = true
		if m.Kind == KindForked {
			m.IgnoresSIGCHLD = true
		}
	}
	st.members[m.PID] = m
	st.mu.Unlock()
	st.watchers.Add(1)
	go st.watch(m)
}

// forget drops a member that was reaped, closing proctui's handles on it.
func (st *state) forget(m *member) {
	st.mu.Lock()
	if m.gone {
		st.mu.Unlock()
		return
	}
	m.gone = true
	if st.members[m.PID] == m {
		delete(st.members, m.PID)
	}
	st.mu.Unlock()
	m.pidfd.Close()
	if m.conn != nil {
		m.conn.close()
	}
	st.forgetPairs(m.PID)
}

// note reports something that happened on its own.
func (st *state) note(pid int, format string, args ...any) {
	st.notesMu.Lock()
	defer st.notesMu.Unlock()
	if st.notesClosed {
		return
	}
	select {
	case st.notes <- Note{Time: time.Now(), PID: pid, Text: fmt.Sprintf(format, args...)}:
	default: // nobody reads: drop rather than block the lab
	}
}

// watch waits, in the netpoller, for m to exit. Waiting for a pidfd to
// become readable is not wait(): the process stays a zombie.
func (st *state) watch(m *member) {
	defer st.watchers.Done()
	if waitExit(m.pidfd) != nil {
		return // forgotten before it exited
	}
	now := time.Now()
	st.mu.Lock()
	m.Exited = true
	m.ExitedAt = now
	close(m.exited)
	detached, expect, closed := m.Detached, m.expect, st.closed
	st.mu.Unlock()
	if closed {
		return
	}
	if detached {
		st.reapDetached(m)
		return
	}
	if expect {
		return
	}
	ps, ok := same(m.PID, m.start)
	switch {
	case !ok:
		st.note(m.PID, "%d ended and is already gone", m.PID)
	case ps.state == 'Z':
		st.note(m.PID, "%d %s %s: a zombie until its parent %s calls wait()",
			m.PID, ps.comm, exitWords(proctree.WaitStatus(ps.exit)), st.name(ps.ppid))
	}
}

// exitWords says how a process ended: "exited with status 3", "was killed by SIGTERM".
func exitWords(ws proctree.WaitStatus) string {
	if ws.Exited() {
		return fmt.Sprintf("exited with status %d", ws.ExitCode())
	}
	return "was " + ws.String()
}

// reapDetached finishes a detached member that exited: its parent reaps it
// on its own. proctui does it here for its own children; the kernel has
// done it already when the parent ignores SIGCHLD; a lab image reaps its
// own and reports with a note (see onNote).
func (st *state) reapDetached(m *member) {
	ps, ok := same(m.PID, m.start)
	parent := m.Parent
	if ok {
		parent = ps.ppid
	}
	switch {
	case ok && parent == st.self:
		var ws unix.WaitStatus
		pid, err := unix.Wait4(m.PID, &ws, unix.WNOHANG, nil)
		if err != nil || pid != m.PID {
			return
		}
		st.forget(m)
		st.note(m.PID, "%d %s and proctui reaped it at once with wait4(): it was detached",
			m.PID, exitWords(proctree.WaitStatus(ws)))
	case st.ignoresSIGCHLD(parent):
		// The kernel reaps in the exit path itself; give it a moment.
		for range 50 {
			if _, ok := same(m.PID, m.start); !ok {
				st.forget(m)
				st.note(m.PID, "%d exited and the kernel reaped it at once: its parent %d ignores SIGCHLD", m.PID, parent)
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
}

func (st *state) ignoresSIGCHLD(pid int) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	p, ok := st.members[pid]
	return ok && p.IgnoresSIGCHLD
}

// onNote handles what a lab image reports on its own: it reaped a
// detached child.
func (st *state) onNote(parent int) func(rawfork.Reply) {
	return func(rep rawfork.Reply) {
		if st.onSignalReport(parent, rep) {
			return
		}
		if st.onFDReport(parent, rep) {
			return
		}
		pid := int(rep.PID)
		st.mu.Lock()
		m := st.members[pid]
		closed := st.closed
		st.mu.Unlock()
		if closed {
			return
		}
		if m != nil {
			st.forget(m)
		}
		if rep.Errno != 0 {
			st.note(pid, "%d could not reap %d: wait4() failed with %v", parent, pid, rep.Errno)
			return
		}
		st.note(pid, "%d %s and its parent %d reaped it at once with wait4(): it was detached",
			pid, exitWords(proctree.WaitStatus(rep.Val)), parent)
	}
}

// closeTimeout bounds Close.
const closeTimeout = 5 * time.Second

func (st *state) close() error {
	st.closeOnce.Do(func() { st.closeErr = st.shutdown() })
	return st.closeErr
}

// shutdown ends the lab: every lab process and everything below it.
//
// First it freezes them with SIGSTOP, rescanning /proc until no new
// descendant appears (a stopped process cannot fork, so the set stops
// growing), then SIGKILLs them all and hangs up every control socket.
// proctui then reaps its own children, orphans included: with proctui a
// subreaper, the children of a killed lab process come to it. Orphans
// that went to init are reaped by init.
func (st *state) shutdown() error {
	st.mu.Lock()
	st.closed = true
	st.mu.Unlock()

	// Let actions in flight finish (they are bounded by replyTimeout),
	// but never wait for them longer than that.
	locked := make(chan struct{})
	go func() {
		st.busy.Lock()
		close(locked)
	}()
	select {
	case <-locked:
		st.busy.Unlock()
	case <-time.After(2 * replyTimeout):
		go func() {
			<-locked
			st.busy.Unlock()
		}()
	}

	deadline := time.Now().Add(closeTimeout)
	st.mu.Lock()
	var ms []*member
	for _, m := range st.members {
		ms = append(ms, m)
	}
	st.mu.Unlock()

	type target struct {
		pid   int
		start uint64
		pidfd *os.File
		own   bool // a pidfd opened here, to close
	}
	targets := map[int]*target{}
	for _, m := range ms {
		targets[m.PID] = &target{pid: m.PID, start: m.start, pidfd: m.pidfd}
	}
	// Freeze, until the set of descendants stops growing.
	for round := 0; round < 10 && time.Now().Before(deadline); round++ {
		all := scanProcs()
		var roots []int
		for pid := range targets {
			roots = append(roots, pid)
		}
		grew := false
		for _, pid := range descendants(all, roots) {
			if _, ok := targets[pid]; ok {
				continue
			}
			f, err := openPIDFD(pid)
			if err != nil {
				continue // gone already
			}
			// The pidfd pins the process; make sure it is the one the
			// scan saw, not a new one that reused the pid.
			if _, ok := same(pid, all[pid].start); !ok {
				f.Close()
				continue
			}
			targets[pid] = &target{pid: pid, start: all[pid].start, pidfd: f, own: true}
			grew = true
		}
		for _, t := range targets {
			signalPIDFD(t.pidfd, unix.SIGSTOP)
		}
		if !grew && round > 0 {
			break
		}
		// Let the stops land before looking for new children.
		for wait := 0; wait < 20; wait++ {
			stopped := true
			for _, t := range targets {
				if ps, ok := same(t.pid, t.start); ok && ps.state != 'T' && ps.state != 't' && ps.state != 'Z' && ps.state != 'X' {
					stopped = false
					break
				}
			}
			if stopped {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	for _, t := range targets {
		signalPIDFD(t.pidfd, unix.SIGKILL)
	}
	for _, m := range ms {
		if m.conn != nil {
			m.conn.close()
		}
	}

	// Reap.
	var left []int
	for {
		left = left[:0]
		for _, t := range targets {
			ps, ok := same(t.pid, t.start)
			if !ok {
				continue
			}
			if ps.state == 'Z' && ps.ppid == st.self {
				var ws unix.WaitStatus
				if pid, _ := unix.Wait4(t.pid, &ws, unix.WNOHANG, nil); pid == t.pid {
					continue
				}
			}
			if ps.state == 'Z' && targets[ps.ppid] == nil && ps.ppid != st.self {
				// Dead, and its parent is init or another subreaper
				// outside the lab: reaping it is that parent's job.
				continue
			}
			left = append(left, t.pid)
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}

	for _, t := range targets {
		if t.own {
			t.pidfd.Close()
		}
	}
	st.mu.Lock()
	for _, m := range ms {
		m.gone = true
		delete(st.members, m.PID)
	}
	st.mu.Unlock()
	for _, m := range ms {
		m.pidfd.Close()
	}
	waited := make(chan struct{})
	go func() {
		st.watchers.Wait()
		close(waited)
	}()
	select {
	case <-waited:
	case <-time.After(time.Second):
	}
	st.notesMu.Lock()
	st.notesClosed = true
	close(st.notes)
	st.notesMu.Unlock()

	st.freeCow()
	var errs []error
	if err := st.files.remove(); err != nil {
		errs = append(errs, err)
	}
	if st.unsetSubreaper {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0); err != nil {
			errs = append(errs, fmt.Errorf("prctl(PR_SET_CHILD_SUBREAPER, 0): %w", err))
		}
	}
	if len(left) > 0 {
		slices.Sort(left)
		errs = append(errs, fmt.Errorf("%d lab processes did not end within %v: %v", len(left), closeTimeout, left))
	}
	return errors.Join(errs...)
}
