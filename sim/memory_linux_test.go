package sim

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/proctui/proctui/proctree"
)

const mebi = 1 << 20

func cowOpts(mib int) Options {
	o := DefaultOptions()
	o.CowMiB = mib
	return o
}

func mustRollup(t *testing.T, pid int) proctree.SmapsRollup {
	t.Helper()
	r, err := rollup(pid)
	if err != nil {
		t.Fatalf("smaps_rollup of %d: %v", pid, err)
	}
	return r
}

// atLeast fails unless got ≥ 90% of want: what the kernel counts besides
// the buffer (a stack page, the scratch) is noise around a few pages.
func atLeast(t *testing.T, what string, got, want int64) {
	t.Helper()
	if got*10 < want*9 {
		t.Errorf("%s: %.1f MiB, want at least 90%% of %.1f MiB", what, float64(got)/mebi, float64(want)/mebi)
	}
}

func fmib(v uint64) float64 { return float64(v) / mebi }

// bufferPrivate is Private_Dirty of the mapping that holds the lab's
// copy-on-write buffer in pid (the same address in every process forked
// from proctui), from /proc/PID/smaps. Unlike the rollup, it does not move
// when the Go runtime of the test process writes its own heap meanwhile
// (each such write hands a child the original of a page, privately).
func bufferPrivate(t *testing.T, l *tlab, pid int) int64 {
	t.Helper()
	addr := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(l.st.cow.b))))
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps")
	if err != nil {
		t.Fatal(err)
	}
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if lo, hi, ok := strings.Cut(f[0], "-"); ok && !strings.HasSuffix(f[0], ":") {
			start, err1 := strconv.ParseUint(lo, 16, 64)
			end, err2 := strconv.ParseUint(hi, 16, 64)
			in = err1 == nil && err2 == nil && start <= addr && addr < end
			continue
		}
		if in && f[0] == "Private_Dirty:" && len(f) >= 2 {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no mapping of the buffer at %#x in /proc/%d/smaps", addr, pid)
	return 0
}

func logRollup(t *testing.T, label string, r proctree.SmapsRollup) {
	t.Helper()
	t.Logf("%-28s Rss %5.1f  Pss %5.1f  Shared_Dirty %5.1f  Private_Dirty %5.1f MiB",
		label, fmib(r.Rss), fmib(r.Pss), fmib(r.SharedDirty), fmib(r.PrivateDirty))
}

// TestCowChild forks with a 32 MiB buffer and makes the child write half
// of it: the kernel copies those pages for the child, which then holds
// them privately, and the originals become its parent's alone.
func TestCowChild(t *testing.T) {
	l := newTestLab(t, cowOpts(32))
	skipWithoutRawFork(t, l.Lab)
	if got := l.CowBytes(); got != 32*mebi {
		t.Fatalf("CowBytes = %d, want 32 MiB", got)
	}
	kid := l.must(l.Fork(l.Self())).PID

	c0, p0 := mustRollup(t, kid), mustRollup(t, l.Self())
	logRollup(t, "child right after fork", c0)
	logRollup(t, "parent right after fork", p0)
	atLeast(t, "the child's Shared_Dirty right after fork", int64(c0.SharedDirty), 32*mebi)

	r, err := l.WriteMemory(kid, 16*mebi)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("took %v: %s", r.Took, r.Text)
	c1, p1 := mustRollup(t, kid), mustRollup(t, l.Self())
	logRollup(t, "child after m 16 MiB", c1)
	logRollup(t, "parent after m 16 MiB", p1)
	atLeast(t, "growth of the child's Private_Dirty", int64(c1.PrivateDirty)-int64(c0.PrivateDirty), 16*mebi)
	atLeast(t, "drop of the child's Shared_Dirty", int64(c0.SharedDirty)-int64(c1.SharedDirty), 16*mebi)
	atLeast(t, "drop of the parent's Shared_Dirty", int64(p0.SharedDirty)-int64(p1.SharedDirty), 16*mebi)
	if !strings.Contains(r.Text, "the kernel copied 4,") || !strings.Contains(r.Text, "still shared with proctui") {
		t.Errorf("narration %q does not report the copied pages and what is still shared", r.Text)
	}

	// The same range again: every page is the child's own already.
	b1 := bufferPrivate(t, l, kid)
	r, err = l.WriteMemory(kid, 16*mebi)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r.Text)
	c2 := mustRollup(t, kid)
	logRollup(t, "child after a second m 16 MiB", c2)
	if grew := bufferPrivate(t, l, kid) - b1; grew >= mebi {
		t.Errorf("a second write of the same range grew the buffer's Private_Dirty by %.1f MiB, want less than 1 MiB", float64(grew)/mebi)
	}
	t.Logf("the whole process's Private_Dirty moved by %.2f MiB meanwhile (the test process's own writes)",
		(float64(c2.PrivateDirty)-float64(c1.PrivateDirty))/mebi)
	if !strings.Contains(r.Text, "copied no page") || !strings.Contains(r.Text, "already "+strconv.Itoa(kid)+"'s own") {
		t.Errorf("narration of the second write %q does not say the pages were already private", r.Text)
	}
}

// TestCowGrandchild: the same one generation down. The grandchild's copies
// leave the originals shared by its parent and proctui, so its parent's
// Shared_Dirty stays, but its parent's proportional share (Pss) grows.
func TestCowGrandchild(t *testing.T) {
	l := newTestLab(t, cowOpts(32))
	skipWithoutRawFork(t, l.Lab)
	kid := l.must(l.Fork(l.Self())).PID
	grand := l.must(l.Fork(kid)).PID

	g0, k0 := mustRollup(t, grand), mustRollup(t, kid)
	logRollup(t, "grandchild right after fork", g0)
	atLeast(t, "the grandchild's Shared_Dirty right after fork", int64(g0.SharedDirty), 32*mebi)

	r, err := l.WriteMemory(grand, 16*mebi)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r.Text)
	g1, k1 := mustRollup(t, grand), mustRollup(t, kid)
	logRollup(t, "grandchild after m 16 MiB", g1)
	logRollup(t, "its parent after", k1)
	atLeast(t, "growth of the grandchild's Private_Dirty", int64(g1.PrivateDirty)-int64(g0.PrivateDirty), 16*mebi)
	atLeast(t, "drop of the grandchild's Shared_Dirty", int64(g0.SharedDirty)-int64(g1.SharedDirty), 16*mebi)
	// 16 MiB went from shared by three to shared by two: a third more each.
	atLeast(t, "growth of the parent's Pss", int64(k1.Pss)-int64(k0.Pss), 16*mebi/6)

	b1 := bufferPrivate(t, l, grand)
	r, err = l.WriteMemory(grand, 16*mebi)
	if err != nil {
		t.Fatal(err)
	}
	if grew := bufferPrivate(t, l, grand) - b1; grew >= mebi {
		t.Errorf("a second write of the same range grew the buffer's Private_Dirty by %.1f MiB", float64(grew)/mebi)
	}
	if !strings.Contains(r.Text, "copied no page") {
		t.Errorf("narration of the second write: %q", r.Text)
	}
}

// TestCowSelf: m on proctui itself writes in the parent: the parent gets
// the copies, and the child is left holding the originals alone.
func TestCowSelf(t *testing.T) {
	l := newTestLab(t, cowOpts(32))
	skipWithoutRawFork(t, l.Lab)
	kid := l.must(l.Fork(l.Self())).PID
	p0, c0 := mustRollup(t, l.Self()), mustRollup(t, kid)
	r, err := l.WriteMemory(l.Self(), 8*mebi)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r.Text)
	p1, c1 := mustRollup(t, l.Self()), mustRollup(t, kid)
	logRollup(t, "parent after m 8 MiB in itself", p1)
	logRollup(t, "child after", c1)
	atLeast(t, "growth of the parent's Private_Dirty", int64(p1.PrivateDirty)-int64(p0.PrivateDirty), 8*mebi)
	atLeast(t, "drop of the child's Shared_Dirty", int64(c0.SharedDirty)-int64(c1.SharedDirty), 8*mebi)

	// Now the child writes the same pages: nobody else maps its
	// originals any more, so each write traps once (the page is still
	// write-protected from the fork) and the kernel lets it write in place.
	b1 := bufferPrivate(t, l, kid)
	r, err = l.WriteMemory(kid, 8*mebi)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r.Text)
	if grew := bufferPrivate(t, l, kid) - b1; grew >= mebi {
		t.Errorf("the buffer's Private_Dirty in the child grew by %.1f MiB writing pages that were its alone", float64(grew)/mebi)
	}
	if !strings.Contains(r.Text, "writable in place") {
		t.Errorf("narration %q does not say the pages were made writable in place", r.Text)
	}
}

// TestCowRefusals: what m cannot write, and why.
func TestCowRefusals(t *testing.T) {
	l := newTestLab(t, cowOpts(4))
	skipWithoutRawFork(t, l.Lab)
	prog := l.must(l.Run(l.Self(), []string{"sleep", "300"})).PID
	if _, err := l.WriteMemory(prog, mebi); !errors.Is(err, ErrNoControl) {
		t.Errorf("m on a program: %v, want ErrNoControl", err)
	}
	img := l.must(l.Run(l.Self(), nil)).PID
	if _, err := l.WriteMemory(img, mebi); err == nil || !strings.Contains(err.Error(), "shares no memory") {
		t.Errorf("m on a lab image: %v", err)
	}
	if _, err := l.WriteMemory(l.Self(), 5*mebi); err == nil || !strings.Contains(err.Error(), "between 1 and 4 MiB") {
		t.Errorf("m past the buffer: %v", err)
	}
	if _, err := l.WriteMemory(1, mebi); !errors.Is(err, ErrNotInLab) {
		t.Errorf("m on pid 1: %v, want ErrNotInLab", err)
	}

	off := newTestLab(t, cowOpts(0))
	if off.CowBytes() != 0 {
		t.Errorf("CowBytes with --cow-mib 0 = %d", off.CowBytes())
	}
	if _, err := off.WriteMemory(off.Self(), mebi); err == nil || !strings.Contains(err.Error(), "--cow-mib 0") {
		t.Errorf("m without a buffer: %v", err)
	}
}

// BenchmarkRollup is the cost of one smaps_rollup read of a Go process
// with a 32 MiB buffer: what the memory panel pays per poll, per side.
func BenchmarkRollup(b *testing.B) {
	l, err := New(cowOpts(32))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	for b.Loop() {
		if _, err := rollup(l.Self()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCowFault is the cost of m 8 MiB in a fresh child: 2,048
// copy-on-write faults, with the smaps_rollup reads around them.
func BenchmarkCowFault(b *testing.B) {
	l, err := New(cowOpts(32))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	for b.Loop() {
		b.StopTimer()
		r, err := l.Fork(l.Self())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := l.WriteMemory(r.PID, 8*mebi); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if _, err := l.Exit(r.PID, 0); err != nil {
			b.Fatal(err)
		}
		if _, err := l.Wait(r.PID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
