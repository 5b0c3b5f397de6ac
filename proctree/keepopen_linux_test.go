package proctree

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// keptStatFiles maps each descriptor of this process at or above
// keptFDBase to the path it names.
func keptStatFiles(t *testing.T) map[int]string {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil || n < keptFDBase {
			continue
		}
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil {
			out[n] = target
		}
	}
	return out
}

func hasTarget(m map[int]string, target string) bool {
	for _, v := range m {
		if v == target {
			return true
		}
	}
	return false
}

// TestKeptStatFiles checks that the live reader keeps one stat file per
// process open above keptFDBase, reads fresh state through it, closes it
// when the process is reaped, and closes them all on Close.
func TestKeptStatFiles(t *testing.T) {
	r := NewProcReader("/proc")
	if r.keepOpen == 0 {
		t.Skip("the descriptor limit leaves no room above keptFDBase to keep stat files open")
	}
	defer r.Close()
	child := liveStart(t, "sleep", "60")
	pid := child.Process.Pid
	target := fmt.Sprintf("/proc/%d/stat", pid)

	s := livePoll(t, r, "child sleeping", func(s *Snapshot) bool { return liveState(s, pid, 'S') })
	kept := keptStatFiles(t)
	if !hasTarget(kept, target) {
		t.Fatalf("no kept descriptor names %s", target)
	}
	if len(kept) < len(s.Procs)-5 {
		t.Errorf("%d kept stat files for %d processes", len(kept), len(s.Procs))
	}

	// The state read through the kept file is fresh, not the first read's.
	if err := child.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	livePoll(t, r, "child a zombie", func(s *Snapshot) bool { return liveState(s, pid, 'Z') })
	_ = child.Wait() // reaps it; the error only says it was interrupted
	livePoll(t, r, "child gone", func(s *Snapshot) bool { return s.Get(pid) == nil })
	if hasTarget(keptStatFiles(t), target) {
		t.Errorf("the stat file of reaped %d is still open", pid)
	}

	var mine []int
	for _, e := range r.cache {
		if e.statFD >= 0 {
			mine = append(mine, e.statFD)
		}
	}
	if len(mine) == 0 {
		t.Fatal("the reader holds no stat files")
	}
	r.Close()
	still := 0
	for _, fd := range mine {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
			still++
		}
	}
	if still != 0 {
		t.Errorf("%d of the reader's %d stat files are open after Close", still, len(mine))
	}
}

// TestSelfDetailsCountsKeptFiles checks proctui's own fd table: every
// descriptor below keptFDBase listed, those above counted, not listed,
// and the count right though the listing stops at the first of them.
func TestSelfDetailsCountsKeptFiles(t *testing.T) {
	r := NewProcReader("/proc")
	if r.keepOpen == 0 {
		t.Skip("the descriptor limit leaves no room above keptFDBase to keep stat files open")
	}
	defer r.Close()
	// A kept file for every process, these among them; the listing of
	// the table stops at the first one, the count comes from the
	// directory's size. 100 is more than one small getdents buffer holds.
	var sleeps []int
	for range 100 {
		sleeps = append(sleeps, liveStart(t, "sleep", "60").Process.Pid)
	}
	livePoll(t, r, "sleeps listed", func(s *Snapshot) bool {
		for _, pid := range sleeps {
			if s.Get(pid) == nil {
				return false
			}
		}
		return true
	})
	d, err := r.Details(os.Getpid(), WantFDs)
	if err != nil || d.FDErr != nil {
		t.Fatalf("Details(self): %v %v", err, d.FDErr)
	}
	kept := keptStatFiles(t)
	if d.PollerFDs != len(kept) || len(kept) < len(sleeps) {
		t.Errorf("PollerFDs = %d, /proc/self/fd has %d at or above %d", d.PollerFDs, len(kept), keptFDBase)
	}
	if r.fdListed >= len(d.FDs)+len(kept) {
		t.Errorf("the listing went through %d entries for %d descriptors: it did not stop at the kept files", r.fdListed, len(d.FDs)+len(kept))
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var want, got []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil && n < keptFDBase {
			want = append(want, n)
		}
	}
	for _, f := range d.FDs {
		got = append(got, f.Num)
	}
	// ReadDir's own descriptor was open while it listed.
	if len(got) < len(want)-1 || len(got) > len(want) {
		t.Errorf("listed fds %v, /proc/self/fd below %d has %v", got, keptFDBase, want)
	}
}
