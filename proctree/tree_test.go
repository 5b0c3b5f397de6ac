package proctree

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// p is a compact process for hand-made snapshots: pid, ppid, start ticks.
func tp(pid, ppid int, start uint64) Proc {
	return Proc{PID: pid, PPID: ppid, StartTicks: start, State: 'S', Comm: "p"}
}

func snap(procs ...Proc) *Snapshot {
	slices.SortFunc(procs, func(a, b Proc) int { return a.PID - b.PID })
	return &Snapshot{Procs: procs}
}

func TestBuildTreeShape(t *testing.T) {
	s := snap(
		tp(1, 0, 1),    // init
		tp(2, 0, 1),    // kthreadd
		tp(3, 2, 2),    // a kernel thread
		tp(100, 1, 50), // a shell
		tp(300, 100, 90),
		tp(200, 100, 80),  // older than 300
		tp(7, 100, 95),    // pid wrapped: lowest pid, youngest child
		tp(400, 200, 100), // grandchild
		tp(500, 999, 60),  // orphan whose parent is not in the snapshot
	)
	tr := BuildTree(s)
	if tr.Len() != 9 {
		t.Fatalf("Len = %d, want 9", tr.Len())
	}
	if got, want := tr.Roots(), []int{1, 2, 500}; !slices.Equal(got, want) {
		t.Errorf("Roots = %v, want %v", got, want)
	}
	if got, want := tr.Children(100), []int{200, 300, 7}; !slices.Equal(got, want) {
		t.Errorf("Children(100) = %v, want %v (by start time, not pid)", got, want)
	}
	if got := tr.Children(400); got != nil {
		t.Errorf("Children(400) = %v, want nil", got)
	}
	if got := tr.Children(12345); got != nil {
		t.Errorf("Children(unknown) = %v, want nil", got)
	}
	if pp, ok := tr.Parent(400); !ok || pp != 200 {
		t.Errorf("Parent(400) = %d, %v; want 200, true", pp, ok)
	}
	for _, root := range []int{1, 2, 500, 12345} {
		if pp, ok := tr.Parent(root); ok {
			t.Errorf("Parent(%d) = %d, true; want false", root, pp)
		}
	}
	if got, want := tr.Ancestors(400), []int{1, 100, 200}; !slices.Equal(got, want) {
		t.Errorf("Ancestors(400) = %v, want %v", got, want)
	}
	if got := tr.Ancestors(1); got != nil {
		t.Errorf("Ancestors(1) = %v, want nil", got)
	}
	if got, want := tr.Descendants(1), []int{100, 200, 400, 300, 7}; !slices.Equal(got, want) {
		t.Errorf("Descendants(1) = %v, want %v", got, want)
	}
	if got := tr.Descendants(400); got != nil {
		t.Errorf("Descendants(leaf) = %v, want nil", got)
	}
	if !tr.Has(7) || tr.Has(8) {
		t.Errorf("Has(7), Has(8) = %v, %v; want true, false", tr.Has(7), tr.Has(8))
	}

	type visit struct {
		pid, depth int
		last       bool
	}
	var got []visit
	tr.Walk(func(pid, depth int, last bool) bool {
		got = append(got, visit{pid, depth, last})
		return pid != 200 // collapse 200
	})
	want := []visit{
		{1, 0, false}, {100, 1, true}, {200, 2, false}, {300, 2, false}, {7, 2, true},
		{2, 0, false}, {3, 1, true},
		{500, 0, true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Walk =\n%v\nwant\n%v", got, want)
	}
}

func TestBuildTreePIDZero(t *testing.T) {
	// macOS lists the kernel as pid 0 with ppid 0, and launchd as pid 1
	// with ppid 0: both are roots.
	tr := BuildTree(snap(tp(0, 0, 0), tp(1, 0, 1), tp(90, 1, 5)))
	if got, want := tr.Roots(), []int{0, 1}; !slices.Equal(got, want) {
		t.Errorf("Roots = %v, want %v", got, want)
	}
	if got := tr.Children(0); got != nil {
		t.Errorf("Children(0) = %v, want nil", got)
	}
}

func TestBuildTreeSharedSlicesSafeToAppend(t *testing.T) {
	tr := BuildTree(snap(tp(1, 0, 1), tp(2, 1, 2), tp(3, 1, 3), tp(4, 0, 4), tp(5, 4, 5)))
	c := tr.Children(1)
	_ = append(c, 99) // must not overwrite the next group
	if got, want := tr.Children(4), []int{5}; !slices.Equal(got, want) {
		t.Errorf("Children(4) after append to Children(1) = %v, want %v", got, want)
	}
	if got, want := tr.Roots(), []int{1, 4}; !slices.Equal(got, want) {
		t.Errorf("Roots = %v, want %v", got, want)
	}
}

func TestBuildTreeCycles(t *testing.T) {
	s := snap(
		tp(1, 0, 1),
		tp(10, 11, 10), tp(11, 10, 11), // two-cycle
		tp(12, 11, 12),                                 // hangs off the cycle
		tp(13, 13, 13),                                 // its own parent
		tp(20, 22, 20), tp(21, 20, 21), tp(22, 21, 22), // three-cycle
		tp(23, 1, 23),
	)
	tr := BuildTree(s)
	if got, want := tr.Roots(), []int{1, 10, 11, 13, 20, 21, 22}; !slices.Equal(got, want) {
		t.Errorf("Roots = %v, want %v", got, want)
	}
	if got, want := tr.Children(11), []int{12}; !slices.Equal(got, want) {
		t.Errorf("Children(11) = %v, want %v", got, want)
	}
	if got, want := tr.Ancestors(12), []int{11}; !slices.Equal(got, want) {
		t.Errorf("Ancestors(12) = %v, want %v", got, want)
	}
	checkForest(t, s, tr)
}

func TestBuildTreeOddInput(t *testing.T) {
	if tr := BuildTree(nil); tr.Len() != 0 || tr.Roots() != nil || tr.Children(1) != nil {
		t.Errorf("BuildTree(nil) not empty")
	}
	BuildTree(nil).Walk(func(int, int, bool) bool { t.Error("Walk on empty tree called fn"); return true })
	if tr := BuildTree(&Snapshot{}); tr.Len() != 0 || tr.Roots() != nil || tr.Descendants(1) != nil {
		t.Errorf("BuildTree(empty) not empty")
	}

	// Not sorted by pid, against the Snapshot contract: still a correct tree.
	uns := &Snapshot{Procs: []Proc{tp(50, 1, 5), tp(1, 0, 1), tp(30, 50, 6), tp(20, 1, 2)}}
	tr := BuildTree(uns)
	if got, want := tr.Children(1), []int{20, 50}; !slices.Equal(got, want) {
		t.Errorf("unsorted: Children(1) = %v, want %v", got, want)
	}
	if got, want := tr.Ancestors(30), []int{1, 50}; !slices.Equal(got, want) {
		t.Errorf("unsorted: Ancestors(30) = %v, want %v", got, want)
	}
	checkForest(t, uns, tr)

	// A duplicated pid (a corrupt fixture) must not make a walk loop.
	dup := &Snapshot{Procs: []Proc{tp(1, 0, 1), tp(5, 1, 2), tp(5, 5, 3), tp(6, 5, 4)}}
	checkForest(t, dup, BuildTree(dup))
}

func TestBuildTreeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		n := r.IntN(60)
		procs := make([]Proc, 0, n)
		used := map[int]bool{}
		for len(procs) < n {
			pid := 1 + r.IntN(3*n+1)
			if used[pid] {
				continue
			}
			used[pid] = true
			// ppids point anywhere, including missing pids, 0 and
			// themselves, so cycles of every length occur.
			procs = append(procs, tp(pid, r.IntN(3*n+2), uint64(r.IntN(20))))
		}
		s := snap(procs...)
		tr := BuildTree(s)
		checkForest(t, s, tr)
		if t.Failed() {
			t.Fatalf("round %d: %+v", round, s.Procs)
		}
	}
}

// checkForest checks the invariants every tree must keep: a walk visits each
// process exactly once, Parent agrees with Children, siblings are ordered,
// Ancestors and Descendants agree with the walk, and roots have no parent.
func checkForest(t *testing.T, s *Snapshot, tr *Tree) {
	t.Helper()
	n := len(s.Procs)
	if tr.Len() != n {
		t.Errorf("Len = %d, want %d", tr.Len(), n)
	}
	seen := 0
	var stack []int // pids of the current path, for Ancestors
	tr.Walk(func(pid, depth int, last bool) bool {
		seen++
		if seen > n {
			t.Fatalf("Walk visits more than %d processes: it loops", n)
		}
		stack = append(stack[:depth], pid)
		pp, ok := tr.Parent(pid)
		if depth == 0 && ok {
			t.Errorf("root %d has parent %d", pid, pp)
		}
		if depth > 0 && !hasDup(s) && (!ok || pp != stack[depth-1]) {
			t.Errorf("Parent(%d) = %d, %v; walk says %d", pid, pp, ok, stack[depth-1])
		}
		// With duplicate pids the lookups below are ambiguous.
		if !hasDup(s) {
			if anc := tr.Ancestors(pid); !slices.Equal(anc, stack[:depth]) && (len(anc) != 0 || depth != 0) {
				t.Errorf("Ancestors(%d) = %v, walk path %v", pid, anc, stack[:depth])
			}
		}
		return true
	})
	if seen != n {
		t.Errorf("Walk visited %d of %d processes", seen, n)
	}
	if hasDup(s) {
		return
	}
	total := len(tr.Roots())
	for _, pr := range s.Procs {
		kids := tr.Children(pr.PID)
		total += len(kids)
		for i, k := range kids {
			if pp, ok := tr.Parent(k); !ok || pp != pr.PID {
				t.Errorf("child %d of %d: Parent = %d, %v", k, pr.PID, pp, ok)
			}
			if i > 0 {
				a, b := find(s, kids[i-1]), find(s, k)
				if a.StartTicks > b.StartTicks || (a.StartTicks == b.StartTicks && a.PID > b.PID) {
					t.Errorf("children of %d out of order: %v", pr.PID, kids)
				}
			}
		}
		if d := tr.Descendants(pr.PID); len(d) >= n {
			t.Errorf("Descendants(%d) has %d entries of %d processes", pr.PID, len(d), n)
		}
	}
	if total != n {
		t.Errorf("roots + children = %d, want %d", total, n)
	}
}

// find looks pid up without relying on the snapshot being sorted.
func find(s *Snapshot, pid int) *Proc {
	for i := range s.Procs {
		if s.Procs[i].PID == pid {
			return &s.Procs[i]
		}
	}
	return nil
}

func hasDup(s *Snapshot) bool {
	for i := 1; i < len(s.Procs); i++ {
		if s.Procs[i].PID == s.Procs[i-1].PID {
			return true
		}
	}
	return false
}

// benchSnapshot makes a plausible process table of n processes: init and
// kthreadd, a third kernel threads, the rest user processes under earlier
// user processes (shells, services, their children), pids increasing with
// start time. With wrapped, one process in 50 started after the pid counter
// wrapped around: a low pid with a late start, so siblings must be sorted.
func benchSnapshot(n int, wrapped bool) *Snapshot {
	r := rand.New(rand.NewPCG(7, 11))
	procs := make([]Proc, 0, n)
	procs = append(procs, Proc{PID: 1, PPID: 0, State: 'S', Comm: "init", StartTicks: 1},
		Proc{PID: 2, PPID: 0, State: 'S', Comm: "kthreadd", StartTicks: 1, Kernel: true})
	pid := 2
	var users []int
	for len(procs) < n {
		pid += 1 + r.IntN(4)
		pr := Proc{PID: pid, State: 'S', Comm: "worker", StartTicks: uint64(pid), UID: 1000, Threads: 1}
		if len(procs) < n/3 {
			pr.PPID, pr.Kernel = 2, true
		} else {
			pr.PPID = 1
			if len(users) > 0 && r.IntN(4) != 0 {
				pr.PPID = users[r.IntN(len(users))]
			}
			pr.Cmdline = []string{"/usr/bin/worker", "--flag"}
			users = append(users, pid)
		}
		if wrapped && r.IntN(50) == 0 {
			pr.StartTicks += 1 << 20
		}
		procs = append(procs, pr)
	}
	return &Snapshot{Procs: procs}
}

func BenchmarkBuildTree(b *testing.B) {
	for _, wrapped := range []bool{false, true} {
		s := benchSnapshot(10000, wrapped)
		name := "ordered"
		if wrapped {
			name = "wrapped"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				BuildTree(s)
			}
		})
	}
}

func BenchmarkTreeWalk(b *testing.B) {
	tr := BuildTree(benchSnapshot(10000, true))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		tr.Walk(func(int, int, bool) bool { n++; return true })
	}
}
