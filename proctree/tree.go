package proctree

import (
	"cmp"
	"slices"
)

// Tree is the parent/child structure of one Snapshot. Every process of the
// snapshot appears exactly once: under its parent when the parent is in the
// snapshot, otherwise as a root.
//
// The kernel records only the parent of each process (ppid); the children
// lists are derived here. Siblings, and roots, are ordered by start time and
// then pid, so a child forked later always sits below its older siblings even
// after the pid counter wraps.
//
// A Tree is read-only once built and is safe for concurrent readers. Slices it
// returns from Roots and Children share its storage and must not be modified.
type Tree struct {
	procs []Proc
	// pids holds every pid in ascending order, packed so that a lookup's
	// binary search stays in cache instead of striding over whole Procs.
	pids []int32
	// byPID maps an index of pids to a position in procs; nil when procs
	// is already sorted by pid, which the Snapshot contract promises.
	byPID []int32
	// parent[i] is the position of process i's parent in procs, -1 for a root.
	parent []int32
	// off, kidx and kids are a compressed sparse row layout: the children
	// of the process at position i are kidx[off[i]:off[i+1]] as positions
	// and the same range of kids as pids. The roots are stored as the
	// children of a virtual node at position len(procs), so each holds
	// exactly one entry per process.
	off  []int32
	kidx []int32
	kids []int
}

// BuildTree derives the tree of s in one pass over its processes plus a
// sort of each sibling group. A process whose parent is missing from the
// snapshot is a root, and so is every process with ppid 0: on Linux init
// and kthreadd, which the kernel itself started; on macOS launchd, even
// though the kernel_task shows up as pid 0.
//
// A ppid cycle cannot come from a live kernel, but it can come from a
// corrupt fixture or from a read that raced with re-parenting. Every member
// of such a cycle becomes a root; processes hanging off the cycle stay under
// their parents. So the tree is always a forest and every walk ends.
func BuildTree(s *Snapshot) *Tree {
	t := &Tree{}
	if s == nil {
		return t
	}
	procs := s.Procs
	n := len(procs)
	t.procs = procs

	// One allocation for the int32 arrays: pids (n), parent (n), off (n+2)
	// and kidx (n). Pids fit: Linux caps them at 2^22, macOS at 99999. (A
	// corrupt pid that does not fit can be mistaken for another in
	// lookups, but never makes a walk loop: walks follow positions.)
	buf := make([]int32, 4*n+2)
	pids := buf[:n:n]
	parent := buf[n : 2*n : 2*n]
	off := buf[2*n : 3*n+2 : 3*n+2]
	kidx := buf[3*n+2:]
	// kids ends up holding the children as pids; until then it holds each
	// process's start time, by position, for the sort.
	kids := make([]int, n)
	t.pids, t.parent, t.off, t.kidx = pids, parent, off, kidx

	// The only pass over the Procs themselves: at ~150 bytes each, 10,000
	// of them do not fit in cache, so everything after this works on the
	// packed copies. parent holds the ppid until it is resolved below.
	sorted, wide := true, false
	for i := range procs {
		pr := &procs[i]
		pids[i] = int32(pr.PID)
		if i > 0 && pids[i] < pids[i-1] {
			sorted = false
		}
		if int(pids[i]) != pr.PID {
			wide = true // a corrupt pid; no kernel makes one this big
		}
		pp := int32(pr.PPID)
		if int(pp) != pr.PPID {
			pp = 0 // not a pid: no parent
		}
		parent[i] = pp
		kids[i] = int(pr.StartTicks)
	}
	posPID := pids // pid by position
	if !sorted {
		// Against the Snapshot contract, but cheap to survive: search a
		// sorted copy and map back to positions.
		t.byPID = make([]int32, n)
		for i := range t.byPID {
			t.byPID[i] = int32(i)
		}
		slices.SortStableFunc(t.byPID, func(a, b int32) int { return cmp.Compare(posPID[a], posPID[b]) })
		t.pids = make([]int32, n)
		for r, i := range t.byPID {
			t.pids[r] = posPID[i]
		}
	}

	// Parent positions. Siblings are often adjacent in pid order, so the
	// previous lookup is reused before searching again.
	lastPPID, lastIdx := int32(-1), -1
	for i, pp := range parent {
		if pp != lastPPID {
			lastPPID, lastIdx = pp, -1
			if pp != 0 {
				lastIdx = t.index(int(pp))
			}
		}
		parent[i] = int32(lastIdx)
	}

	breakCycles(parent, off[:n])

	// Count children per node (roots under the virtual node n) into
	// off[p+1]; the running sum then makes off[p] the start of p's group.
	clear(off)
	for i := range n {
		p := parent[i]
		if p < 0 {
			p = int32(n)
		}
		off[p+1]++
	}
	for i := 1; i < len(off); i++ {
		off[i] += off[i-1]
	}
	// off[p] is now the start of p's group. Fill using off[p] as a cursor;
	// afterwards off[p] has moved to the start of p+1's group, so shifting
	// right by one restores the starts.
	for i := range n {
		p := parent[i]
		if p < 0 {
			p = int32(n)
		}
		kidx[off[p]] = int32(i)
		off[p]++
	}
	copy(off[1:], off[:len(off)-1])
	off[0] = 0

	// Sort each group by start time, then pid. Groups were filled in pid
	// order, which is start order too until the pid counter wraps, so
	// most groups need only the check.
	byStart := func(a, b int32) int {
		if c := cmp.Compare(uint64(kids[a]), uint64(kids[b])); c != 0 {
			return c
		}
		return cmp.Compare(posPID[a], posPID[b])
	}
	for p := 0; p <= n; p++ {
		if g := kidx[off[p]:off[p+1]]; len(g) > 1 && !slices.IsSortedFunc(g, byStart) {
			slices.SortFunc(g, byStart)
		}
	}
	for j, i := range kidx {
		kids[j] = int(posPID[i])
		if wide {
			kids[j] = procs[i].PID
		}
	}
	t.kids = kids
	return t
}

// breakCycles makes every member of a parent cycle a root. mark is scratch
// space as long as parent; it is left dirty. Every walk up the parents stops
// at the first process an earlier walk marked, so each process is visited
// at most twice: O(n).
func breakCycles(parent, mark []int32) {
	clear(mark)
	for i := range parent {
		if mark[i] != 0 {
			continue
		}
		walk := int32(i + 1)
		j := int32(i)
		for j >= 0 && mark[j] == 0 {
			mark[j] = walk
			j = parent[j]
		}
		if j < 0 || mark[j] != walk {
			// Reached a root or a chain already known to end in one.
			continue
		}
		// j is on a cycle found by this walk: cut every link of it.
		k := j
		for {
			next := parent[k]
			parent[k] = -1
			if next == j || next < 0 {
				break
			}
			k = next
		}
	}
}

// index returns the position of pid in the snapshot, or -1.
func (t *Tree) index(pid int) int {
	if pid != int(int32(pid)) {
		return -1
	}
	r := searchPID(t.pids, int32(pid))
	if r < 0 {
		return -1
	}
	if t.byPID == nil {
		return r
	}
	return int(t.byPID[r])
}

// searchPID returns the index of pid in the ascending slice a, or -1. The
// loop body has no data-dependent branch (the compiler emits a conditional
// move), which matters when it runs for every process of every poll.
func searchPID(a []int32, pid int32) int {
	n := len(a)
	if n == 0 {
		return -1
	}
	base := 0
	for n > 1 {
		half := n / 2
		if a[base+half] <= pid {
			base += half
		}
		n -= half
	}
	if a[base] != pid {
		return -1
	}
	return base
}

// group returns the pids stored for node p (n is the virtual root node),
// capped so that an append by the caller cannot overwrite a neighbour.
func (t *Tree) group(p int) []int {
	lo, hi := t.off[p], t.off[p+1]
	if lo == hi {
		return nil
	}
	return t.kids[lo:hi:hi]
}

// Len is the number of processes in the tree.
func (t *Tree) Len() int { return len(t.procs) }

// Has reports whether pid is in the tree.
func (t *Tree) Has(pid int) bool { return t.index(pid) >= 0 }

// Roots returns the pids of the processes without a parent in the tree,
// oldest first. The slice is shared: do not modify it.
func (t *Tree) Roots() []int {
	if len(t.off) == 0 {
		return nil
	}
	return t.group(len(t.procs))
}

// Children returns the pids of pid's children, oldest first, or nil when it
// has none or is not in the tree. The slice is shared: do not modify it.
func (t *Tree) Children(pid int) []int {
	i := t.index(pid)
	if i < 0 {
		return nil
	}
	return t.group(i)
}

// Parent returns the pid of pid's parent within the tree. It reports false
// for a root and for a pid that is not in the tree. For a root the kernel's
// ppid is still in Proc.PPID; it is simply not in the snapshot (or ppid 0,
// or a broken cycle).
func (t *Tree) Parent(pid int) (int, bool) {
	i := t.index(pid)
	if i < 0 || t.parent[i] < 0 {
		return 0, false
	}
	return t.procs[t.parent[i]].PID, true
}

// Ancestors returns the pids from pid's root down to pid's parent (pid
// itself excluded), or nil for a root or an unknown pid.
func (t *Tree) Ancestors(pid int) []int {
	i := t.index(pid)
	if i < 0 {
		return nil
	}
	depth := 0
	// The tree has no cycles, but the bound keeps this loop finite even if
	// that were ever broken.
	for j := t.parent[i]; j >= 0 && depth < len(t.procs); j = t.parent[j] {
		depth++
	}
	if depth == 0 {
		return nil
	}
	out := make([]int, depth)
	j := t.parent[i]
	for k := depth - 1; k >= 0; k-- {
		out[k] = t.procs[j].PID
		j = t.parent[j]
	}
	return out
}

// Descendants returns every process below pid in preorder (a child, then
// that child's subtree, then the next child), pid itself excluded.
func (t *Tree) Descendants(pid int) []int {
	i := t.index(pid)
	if i < 0 {
		return nil
	}
	var out []int
	t.walk(i, 0, func(pid, _ int, _ bool) bool {
		out = append(out, pid)
		return true
	})
	return out
}

// Walk visits every process in preorder: each root, then its subtree, roots
// and siblings oldest first. depth is 0 for a root; last reports that the
// process is the youngest of its siblings (what a tree drawing needs to pick
// └ over ├). When fn returns false the subtree below that process is
// skipped, which is how a collapsed branch is drawn.
func (t *Tree) Walk(fn func(pid, depth int, last bool) bool) {
	if len(t.off) == 0 {
		return
	}
	t.walk(len(t.procs), 0, fn)
}

// walk visits the children of node p (n for the virtual root) at depth.
func (t *Tree) walk(p, depth int, fn func(pid, depth int, last bool) bool) {
	// Positions, not pids, lead the way down, so even a snapshot with a
	// duplicated pid cannot send the walk back up.
	lo, hi := int(t.off[p]), int(t.off[p+1])
	for k := lo; k < hi; k++ {
		if !fn(t.kids[k], depth, k == hi-1) {
			continue
		}
		if c := t.kidx[k]; t.off[c] != t.off[c+1] {
			t.walk(int(c), depth+1, fn)
		}
	}
}
