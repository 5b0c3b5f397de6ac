package ui

import (
	"strconv"
	"strings"

	"github.com/proctui/proctui/proctree"
)

// MarkKind says why a row is marked as recently changed.
type MarkKind uint8

const (
	MarkNone    MarkKind = iota
	MarkNew              // the process started
	MarkExited           // it exited and is now a zombie
	MarkChanged          // stopped, continued, re-parented or exec'd
)

// String names the mark kind.
func (k MarkKind) String() string {
	switch k {
	case MarkNone:
		return "none"
	case MarkNew:
		return "new"
	case MarkExited:
		return "exited"
	case MarkChanged:
		return "changed"
	}
	return "unknown"
}

// Mark is a recent change on a row. Fresh is true for the first moments,
// when the mark is drawn strongest.
type Mark struct {
	Kind  MarkKind
	Fresh bool
}

// LabKind says how a lab process came to be; LabNone is a process outside
// the lab.
type LabKind uint8

const (
	LabNone    LabKind = iota
	LabSelf            // proctui itself
	LabForked          // a raw fork() child
	LabImage           // proctui re-executed as the lab image
	LabProgram         // another program the user ran
)

// String names the lab kind as the tree marker does.
func (k LabKind) String() string {
	switch k {
	case LabNone:
		return "none"
	case LabSelf:
		return "self"
	case LabForked:
		return "fork"
	case LabImage:
		return "image"
	case LabProgram:
		return "run"
	}
	return "unknown"
}

// LabTag is what the tree and the details pane show of lab membership.
type LabTag struct {
	Kind     LabKind
	Detached bool
	// Parent is the lab process that created this one (0 for proctui).
	Parent int
}

// Ghost is a process that is gone from the table but is still drawn for a
// moment, under its old parent, so that a short life is seen.
type Ghost struct {
	Proc proctree.Proc
	// Status says how it ended: "reaped (exited 3)", "gone".
	Status string
	// Old is true once the ghost has been on screen for a while; it is
	// then drawn fainter.
	Old bool
}

// Row is one line of the tree pane. Rows are built once per poll (and on
// collapse, scope or search changes) by Flatten; drawing a frame only reads
// the rows inside the window.
type Row struct {
	Proc *proctree.Proc
	// Parent is the index of the parent's row, -1 for a top-level row.
	Parent int32
	Depth  int32
	// Kids counts the children that would be shown under this row.
	Kids int32
	// Last is true when no later sibling follows (└ rather than ├).
	Last      bool
	Collapsed bool
	Dim       bool // proctui's ancestors in the lab scope
	Self      bool // proctui's own row
	Match     bool // matches the search
	Ghost     *Ghost
	Mark      Mark
	Lab       LabTag
}

// FlattenInput is everything that decides which rows the tree pane shows.
type FlattenInput struct {
	Snap *proctree.Snapshot
	Tree *proctree.Tree
	// All shows every process; otherwise only proctui's branch (its
	// ancestors, itself and its descendants) is shown.
	All bool
	// Collapsed branches hide their children. Ignored while searching, so
	// that a match is never hidden.
	Collapsed map[int]bool
	// Keep, when not nil, limits the rows to these pids (the search
	// matches and their ancestors); Match marks the matches themselves.
	Keep, Match map[int]bool
	Ghosts      []Ghost
	Marks       map[int]Mark
	Lab         map[int]LabTag
}

// frame is one level of Flatten's depth-first walk.
type frame struct {
	kids   []int // pids of real children, in order
	ghosts []int // indices into FlattenInput.Ghosts
	i      int
	parent int32
	depth  int32
}

func (f *frame) n() int { return len(f.kids) + len(f.ghosts) }

// Flatten lays the tree out as rows in display order, reusing dst's storage.
// It walks the tree once, iteratively (a chain of 10,000 processes must not
// cost 10,000 stack frames of recursion), and allocates only when a search
// or ghosts are active.
func Flatten(dst []Row, in *FlattenInput) []Row {
	rows := dst[:0]
	if in.Snap == nil || in.Tree == nil {
		return rows
	}
	t, s := in.Tree, in.Snap
	get := newLookup(s)
	self := s.Self
	all := in.All
	if !all && !t.Has(self) {
		// Without proctui in the table there is no branch to show.
		all = true
	}
	collapsed := in.Collapsed
	if in.Keep != nil {
		collapsed = nil
	}

	// Ghosts hang under their old parent when it is still shown (as a
	// process or as a ghost itself); the others at the top level, or under
	// proctui in its own branch.
	var byParent map[int][]int
	var orphans []int
	var ghostPIDs map[int]bool
	if len(in.Ghosts) > 0 {
		byParent = make(map[int][]int)
		ghostPIDs = make(map[int]bool, len(in.Ghosts))
		kept := func(i int) bool { return in.Keep == nil || in.Keep[in.Ghosts[i].Proc.PID] }
		for i := range in.Ghosts {
			if kept(i) {
				ghostPIDs[in.Ghosts[i].Proc.PID] = true
			}
		}
		for i := range in.Ghosts {
			g := &in.Ghosts[i].Proc
			if !kept(i) {
				continue
			}
			pp := g.PPID
			switch {
			case pp != g.PID && (t.Has(pp) || ghostPIDs[pp]):
				byParent[pp] = append(byParent[pp], i)
			case !all:
				byParent[self] = append(byParent[self], i)
			default:
				orphans = append(orphans, i)
			}
		}
	}
	emitted := make([]bool, len(in.Ghosts))

	kidsOf := func(pid int, real bool) ([]int, []int) {
		var kids []int
		if real {
			kids = t.Children(pid)
			if in.Keep != nil && len(kids) > 0 {
				kept := make([]int, 0, len(kids))
				for _, k := range kids {
					if in.Keep[k] {
						kept = append(kept, k)
					}
				}
				kids = kept
			}
		}
		var gs []int
		for _, g := range byParent[pid] {
			if !emitted[g] {
				gs = append(gs, g)
			}
		}
		return kids, gs
	}

	var stack []frame
	emit := func(p *proctree.Proc, ghost int, parent, depth int32, last, real bool) {
		r := Row{Proc: p, Parent: parent, Depth: depth, Last: last, Self: real && p.PID == self}
		if ghost >= 0 {
			r.Ghost = &in.Ghosts[ghost]
			emitted[ghost] = true
		}
		if in.Match != nil && in.Match[p.PID] {
			r.Match = true
		}
		if in.Marks != nil && real {
			r.Mark = in.Marks[p.PID]
		}
		if in.Lab != nil {
			r.Lab = in.Lab[p.PID]
		}
		kids, gs := kidsOf(p.PID, real)
		r.Kids = int32(len(kids) + len(gs))
		r.Collapsed = r.Kids > 0 && collapsed[p.PID]
		rows = append(rows, r)
		if r.Kids > 0 && !r.Collapsed {
			stack = append(stack, frame{kids: kids, ghosts: gs, parent: int32(len(rows) - 1), depth: depth + 1})
		}
	}

	if all {
		roots := t.Roots()
		if in.Keep != nil {
			kept := make([]int, 0, len(roots))
			for _, r := range roots {
				if in.Keep[r] {
					kept = append(kept, r)
				}
			}
			roots = kept
		}
		stack = append(stack, frame{kids: roots, ghosts: orphans, parent: -1})
	} else {
		// The ancestors, one per level, each with only the next one shown.
		parent := int32(-1)
		var depth int32
		for _, a := range t.Ancestors(self) {
			rows = append(rows, Row{
				Proc: get(a), Parent: parent, Depth: depth, Last: true, Dim: true,
				Kids: int32(len(t.Children(a))), Mark: in.Marks[a], Lab: in.Lab[a],
				Match: in.Match != nil && in.Match[a],
			})
			parent = int32(len(rows) - 1)
			depth++
		}
		emit(get(self), -1, parent, depth, true, true)
	}

	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.i >= f.n() {
			stack = stack[:len(stack)-1]
			continue
		}
		i := f.i
		f.i++
		last := f.i == f.n()
		parent, depth := f.parent, f.depth
		if i < len(f.kids) {
			p := get(f.kids[i])
			if p == nil {
				continue
			}
			emit(p, -1, parent, depth, last, true)
		} else {
			g := f.ghosts[i-len(f.kids)]
			if emitted[g] {
				continue
			}
			emit(&in.Ghosts[g].Proc, g, parent, depth, last, false)
		}
	}
	return rows
}

// newLookup returns a function from pid to the snapshot's process. It
// searches a dense copy of the pids rather than the Procs themselves: a
// Proc is large, and a binary search over 10,000 of them misses the cache
// on every probe, which made Snapshot.Get most of Flatten's cost.
func newLookup(s *proctree.Snapshot) func(pid int) *proctree.Proc {
	pids := make([]int32, len(s.Procs))
	sorted := true
	for i := range s.Procs {
		pids[i] = int32(s.Procs[i].PID)
		if i > 0 && pids[i] <= pids[i-1] {
			sorted = false
		}
	}
	if !sorted {
		return s.Get
	}
	return func(pid int) *proctree.Proc {
		lo, hi := 0, len(pids)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if int(pids[m]) < pid {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if lo < len(pids) && int(pids[lo]) == pid {
			return &s.Procs[lo]
		}
		return nil
	}
}

// Index returns the row of pid, preferring a live process over a ghost of
// the same pid, or -1.
func Index(rows []Row, pid int) int {
	ghost := -1
	for i := range rows {
		if rows[i].Proc.PID == pid {
			if rows[i].Ghost == nil {
				return i
			}
			if ghost < 0 {
				ghost = i
			}
		}
	}
	return ghost
}

// Command is what the tree shows as a process's command: its argv joined
// by spaces, or [comm] for a kernel thread, or comm when argv is gone (a
// zombie) or unreadable. The result is safe to print.
func Command(p *proctree.Proc) string {
	if p.Kernel || len(p.Cmdline) == 0 {
		return Clean(p.Name())
	}
	if len(p.Cmdline) == 1 {
		return Clean(p.Cmdline[0])
	}
	return Clean(strings.Join(p.Cmdline, " "))
}

// Matches reports whether a process matches a search query: by pid when
// the query is a number that starts the pid, and by a case-insensitive
// substring of its name or command line otherwise. lower is the query in
// lower case.
func Matches(p *proctree.Proc, lower string) bool {
	if lower == "" {
		return false
	}
	if isDigits(lower) {
		var buf [20]byte
		if strings.HasPrefix(string(strconv.AppendInt(buf[:0], int64(p.PID), 10)), lower) {
			return true
		}
	}
	if containsFold(p.Comm, lower) {
		return true
	}
	for _, a := range p.Cmdline {
		if containsFold(a, lower) {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// containsFold reports whether s contains lower (already in lower case),
// ignoring case, without allocating for ASCII text.
func containsFold(s, lower string) bool {
	if !isASCII(s) {
		return strings.Contains(strings.ToLower(s), lower)
	}
	n := len(lower)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lower[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}

// Search finds the processes (and ghosts) matching query and returns the
// pids to keep, the matches plus all their ancestors so the path from the
// root stays visible, and the matches alone.
func Search(t *proctree.Tree, s *proctree.Snapshot, ghosts []Ghost, query string) (keep, match map[int]bool) {
	lower := strings.ToLower(strings.TrimSpace(query))
	keep, match = make(map[int]bool), make(map[int]bool)
	if lower == "" || s == nil {
		return keep, match
	}
	add := func(pid int) {
		match[pid] = true
		for p, ok := pid, true; ok && !keep[p]; p, ok = t.Parent(p) {
			keep[p] = true
		}
	}
	for i := range s.Procs {
		if Matches(&s.Procs[i], lower) {
			add(s.Procs[i].PID)
		}
	}
	for i := range ghosts {
		g := &ghosts[i].Proc
		if Matches(g, lower) {
			match[g.PID] = true
			keep[g.PID] = true
			for p, ok := g.PPID, t.Has(g.PPID); ok && !keep[p]; p, ok = t.Parent(p) {
				keep[p] = true
			}
		}
	}
	return keep, match
}
