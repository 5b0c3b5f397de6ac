package sim

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim/rawfork"
)

// cowBuffer is memory proctui writes before it forks, so that a fork has
// something visible to share: after fork() parent and child map the same
// physical pages, and the kernel copies a page only when one of them
// writes to it.
//
// It is mapped with mmap(MAP_PRIVATE|MAP_ANONYMOUS) rather than allocated
// by Go: the garbage collector never moves or frees it, never writes to it
// behind the lesson's back, and the raw fork child can write to it without
// touching the Go heap. It is written once at start, so its pages exist
// (an anonymous page never written is not in memory at all, and a fork has
// nothing to share).
type cowBuffer struct {
	b    []byte     // read by actions only: Close unmaps it once they are over
	size int64      // len(b), set once by New, for anyone at any time
	mu   sync.Mutex // proctui's own writes, one at a time
}

// initCow maps and writes the buffer. Without real fork() there is no
// child to share it with, so there is no buffer either.
func (st *state) initCow() error {
	if st.opts.CowMiB < 0 {
		return fmt.Errorf("the copy-on-write buffer cannot be %d MiB", st.opts.CowMiB)
	}
	if st.opts.CowMiB == 0 || !st.raw {
		return nil
	}
	b, err := unix.Mmap(-1, 0, st.opts.CowMiB<<20, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return fmt.Errorf("mmap of the %d MiB copy-on-write buffer: %w", st.opts.CowMiB, err)
	}
	// Small pages only: a transparent huge page would be one 2 MiB unit,
	// and the lesson counts 4 KiB pages copied one by one.
	_ = unix.Madvise(b, unix.MADV_NOHUGEPAGE)
	ps := os.Getpagesize()
	for off := 0; off < len(b); off += ps {
		b[off] = 1
	}
	st.cow.b, st.cow.size = b, int64(len(b))
	return nil
}

// freeCow unmaps the buffer once the lab is over.
func (st *state) freeCow() {
	st.cow.mu.Lock()
	defer st.cow.mu.Unlock()
	if st.cow.b != nil {
		_ = unix.Munmap(st.cow.b)
		st.cow.b = nil
	}
}

func (st *state) cowBytes() int64 { return st.cow.size }

// sharesCow reports whether a raw fork child of parent gets the buffer:
// the children of proctui do, and so do theirs; a fork of a lab image is
// a copy of a fresh program that never had it.
func (st *state) sharesCow(parent int) bool {
	if st.cow.b == nil {
		return false
	}
	if parent == st.self {
		return true
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.members[parent]
	return p != nil && p.cow
}

// rollup reads /proc/PID/smaps_rollup.
func rollup(pid int) (proctree.SmapsRollup, error) {
	r := proctree.NewProcReader("")
	defer r.Close()
	d, err := r.Details(pid, proctree.WantSmaps)
	if err != nil {
		return proctree.SmapsRollup{}, err
	}
	return d.Smaps, d.SmapsErr
}

// writeMemory makes pid write one byte in each page of the first n bytes
// of the buffer.
//
// Always the first n bytes, never "the next n": the same m twice writes
// the same pages twice, and the second time the kernel has nothing left
// to copy, which is the point of the lesson. A larger n copies only the
// pages past the earlier write.
func (st *state) writeMemory(pid int, n int64) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	size := int64(len(st.cow.b))
	if size == 0 {
		if !st.raw {
			return Result{}, fmt.Errorf("there is no copy-on-write memory to write: %s, and a fresh lab image shares no memory with proctui", st.rawWhy)
		}
		return Result{}, errors.New("there is no copy-on-write buffer: proctui was started with --cow-mib 0")
	}
	if n <= 0 || n > size {
		return Result{}, fmt.Errorf("write between 1 and %d MiB: that is the size of the buffer (--cow-mib)", size>>20)
	}
	ps := int64(os.Getpagesize())
	n = (n + ps - 1) / ps * ps
	if n > size {
		n = size
	}

	var (
		m      *member
		sharer int // the process the writer shared the pages with, for the sentence
	)
	if pid != st.self {
		var snap Member
		var err error
		if m, snap, err = st.lookup(pid); err != nil {
			return Result{}, err
		}
		switch {
		case snap.Exited:
			return Result{}, fmt.Errorf("%d has exited: a zombie has no memory left to write", pid)
		case snap.Kind == KindLabImage:
			return Result{}, fmt.Errorf("%d is a lab image, a fresh program started by execve(): it shares no memory with proctui, so there is nothing copy-on-write to write; fork proctui with f and write in the child", pid)
		case snap.Kind == KindProgram || m.conn == nil:
			return Result{}, fmt.Errorf("%d %s: %w", pid, m.program(), ErrNoControl)
		case !m.cow:
			return Result{}, fmt.Errorf("%d was forked from a lab image, which never had proctui's buffer: m writes in processes forked from proctui", pid)
		}
		sharer = snap.Parent
		if stat, ok := same(pid, m.start); ok {
			sharer = stat.ppid
		}
	}

	start := time.Now()
	before, err := rollup(pid)
	if err != nil {
		return Result{}, fmt.Errorf("smaps_rollup of %d: %w", pid, err)
	}
	var sharerBefore proctree.SmapsRollup
	sharerErr := errors.New("none")
	if sharer != 0 {
		sharerBefore, sharerErr = rollup(sharer)
	}

	// The page faults of the writing thread, counted by the kernel
	// (minflt), tell exactly how many writes trapped; Private_Dirty tells
	// how many of those ended in a copy. Neither alone will do: a page
	// whose other sharers are gone still traps once (it is write-protected
	// since the fork) but is made writable in place, and Private_Dirty also
	// moves when another process writes its own copy of a shared page.
	var pages, faults int64
	if m == nil {
		st.cow.mu.Lock()
		runtime.LockOSThread()
		f0 := minflt("/proc/thread-self/stat")
		b := st.cow.b
		for off := int64(0); off < n; off += ps {
			b[off]++
		}
		faults = faultsSince(f0, minflt("/proc/thread-self/stat"))
		runtime.UnlockOSThread()
		st.cow.mu.Unlock()
		pages = n / ps
	} else {
		// A raw fork child is one thread that does nothing between
		// commands: its process-wide count is the write's.
		stat := "/proc/" + strconv.Itoa(pid) + "/stat"
		f0 := minflt(stat)
		msg, err := m.conn.call(rawfork.Request{Op: rawfork.OpTouch, Arg0: 0, Arg1: n}, nil, nil, false)
		if err == nil && msg.rep.Errno != 0 {
			err = msg.rep.Errno
		}
		if err != nil {
			return Result{}, fmt.Errorf("writing memory in %d: %w", pid, err)
		}
		faults = faultsSince(f0, minflt(stat))
		pages = msg.rep.Val
	}

	after, err := rollup(pid)
	if err != nil {
		return Result{}, fmt.Errorf("smaps_rollup of %d: %w", pid, err)
	}
	res := Result{PID: pid, Syscall: "copy-on-write fault", Took: time.Since(start)}
	var copied int64
	if after.PrivateDirty > before.PrivateDirty {
		copied = int64(after.PrivateDirty-before.PrivateDirty) / ps
	}
	copied = max(0, min(copied, faults, pages))
	res.Text = st.cowWords(pid, n, pages, faults, copied, after)
	if sharerErr == nil && copied*20 >= pages {
		if sharerAfter, err := rollup(sharer); err == nil && sharerBefore.SharedDirty > sharerAfter.SharedDirty+uint64(copied*ps/2) {
			res.Text += fmt.Sprintf("; the shared memory of %s fell by %s too: the originals of those pages are its alone now",
				st.name(sharer), mib(int64(sharerBefore.SharedDirty-sharerAfter.SharedDirty)))
		}
	}
	return res, nil
}

// cowWords is the sentence for a write of n bytes (pages pages) by pid
// that trapped faults times and made the kernel copy copied pages; after
// is its smaps_rollup after the write.
func (st *state) cowWords(pid int, n, pages, faults, copied int64, after proctree.SmapsRollup) string {
	who := strconv.Itoa(pid)
	if pid == st.self {
		who = st.name(pid)
	}
	s := fmt.Sprintf("%s wrote %s (a byte in each of %s pages from the start of the buffer): ", who, mib(n), thousands(pages))
	inPlace := faults - copied
	switch {
	case faults == 0:
		s += "the kernel copied no page: each was already " + strconv.Itoa(pid) +
			"'s own, copied by an earlier write, so the write went in place without a fault"
	case copied*20 < pages:
		s += "the kernel copied " + countWord(copied, "no page", "page") + ": " + thousands(inPlace) +
			" write faults found pages no other process maps any more, so it made them writable in place"
	default:
		s += "the kernel copied " + countWord(copied, "no page", "page")
		if inPlace*20 >= pages {
			s += ", and made " + thousands(inPlace) + " no longer shared writable in place"
		}
	}
	shared := int64(after.SharedDirty)
	switch {
	case shared < 1<<20:
		s += "; nothing is shared any more"
	case pid == st.self:
		s += fmt.Sprintf("; %s are still shared with its forked children", mib(shared))
	default:
		parent := 0
		if p, ok := readStat(pid); ok {
			parent = p.ppid
		}
		s += fmt.Sprintf("; %s are still shared with %s", mib(shared), st.name(parent))
	}
	return s
}

// countWord says n things: "no page", "1 page", "2,048 pages".
func countWord(n int64, none, one string) string {
	switch n {
	case 0:
		return none
	case 1:
		return "1 " + one
	}
	return thousands(n) + " " + one + "s"
}

// faultsSince is the number of faults between two minflt readings, or
// the most there can have been when either could not be read.
func faultsSince(before, after int64) int64 {
	if before < 0 || after < before {
		return math.MaxInt64
	}
	return after - before
}

// minflt is field 10 of a stat file: the minor page faults so far, each a
// trap the kernel served without I/O (a copy-on-write copy among them).
// -1 when it cannot be read.
func minflt(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return -1
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 8 {
		return -1
	}
	n, err := strconv.ParseInt(string(f[7]), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// mib formats a byte count in MiB: "8 MiB", "24.3 MiB".
func mib(b int64) string {
	if b%(1<<20) == 0 {
		return strconv.FormatInt(b>>20, 10) + " MiB"
	}
	return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB"
}

// thousands writes n with commas: 2,048.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
