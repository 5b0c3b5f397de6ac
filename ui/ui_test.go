package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/proctui/proctui/proctree"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func p(pid, ppid int, state byte, comm string, argv ...string) proctree.Proc {
	return proctree.Proc{PID: pid, PPID: ppid, State: state, Comm: comm, Cmdline: argv,
		StartTicks: uint64(pid), Start: t0.Add(-time.Minute), UID: -1}
}

func snap(self int, procs ...proctree.Proc) *proctree.Snapshot {
	return &proctree.Snapshot{Procs: procs, Taken: t0, Self: self}
}

func pids(rows []Row) []int {
	out := make([]int, len(rows))
	for i := range rows {
		out[i] = rows[i].Proc.PID
	}
	return out
}

func TestStatesReadableWithoutColour(t *testing.T) {
	seen := map[string]byte{}
	for _, c := range []byte("RSDZTI") {
		sym := StateSymbol(c)
		if prev, ok := seen[sym]; ok {
			t.Errorf("%c and %c share the symbol %s", prev, c, sym)
		}
		seen[sym] = c
		if StateWords(c) == "unknown state" {
			t.Errorf("no words for %c", c)
		}
		if width(sym) != 1 {
			t.Errorf("symbol %q of %c is %d cells wide", sym, c, width(sym))
		}
	}
	if StateWords('S') != "sleeping" || StateWords('Z') != "zombie" || StateWords('T') != "stopped" {
		t.Error("state words are off")
	}
	if Class('t') != StateStopped || Class('X') != StateZombie || Class('?') != StateOther {
		t.Error("state classes are off")
	}
}

func TestNarrate(t *testing.T) {
	names := map[int]string{4312: "proctui", 4315: "proctui"}
	name := func(pid int) string { return names[pid] }
	zomb := p(4315, 4312, 'Z', "proctui")
	zomb.HasExit, zomb.Exit = true, 3<<8
	killed := zomb
	killed.Exit = 15
	old := p(4312, 4300, 'S', "proctui", "proctui")
	execd := p(4312, 4300, 'S', "sleep", "sleep", "300")
	stopped := p(4316, 4312, 'T', "cat", "cat")
	running := p(4316, 4312, 'R', "cat", "cat")
	sleeping := p(4316, 4312, 'S', "cat", "cat")
	moved := p(4317, 4312, 'S', "sleep", "sleep", "9")
	movedOld := moved
	movedOld.PPID = 4315
	cases := []struct {
		ev   proctree.Event
		want string
	}{
		{proctree.Event{Kind: proctree.Started, Proc: p(4316, 4312, 'S', "cat", "cat")},
			"4316 cat started: child of 4312 (proctui)"},
		{proctree.Event{Kind: proctree.Exited, Proc: zomb},
			"4315 exited with status 3: it is a zombie until 4312 (proctui) calls wait()"},
		{proctree.Event{Kind: proctree.Exited, Proc: killed},
			"4315 was killed by SIGTERM: it is a zombie until 4312 (proctui) calls wait()"},
		{proctree.Event{Kind: proctree.Reaped, Proc: zomb}, "4315 was reaped (exited 3)"},
		{proctree.Event{Kind: proctree.Reaped, Proc: sleeping},
			"4316 cat is gone: it ended and was reaped between two looks"},
		{proctree.Event{Kind: proctree.Reparented, Proc: moved, Old: movedOld},
			"4317 sleep re-parented: 4315 → 4312 (proctui)"},
		{proctree.Event{Kind: proctree.Execd, Proc: execd, Old: old}, "4312 exec'd: now sleep 300"},
		{proctree.Event{Kind: proctree.StateChanged, Proc: stopped, Old: sleeping}, "4316 cat stopped (T)"},
		{proctree.Event{Kind: proctree.StateChanged, Proc: sleeping, Old: stopped},
			"4316 cat continued: now sleeping (S)"},
		// Running ↔ sleeping flickers all the time: not worth a line.
		{proctree.Event{Kind: proctree.StateChanged, Proc: running, Old: sleeping}, ""},
	}
	for _, c := range cases {
		if got := Narrate(c.ev, name); got != c.want {
			t.Errorf("%v: got %q, want %q", c.ev.Kind, got, c.want)
		}
	}
}

// fixtureTree: 1 → {10 → {11, 12 → {13}}, 20 → {21}}, self is 12.
func fixtureTree() (*proctree.Snapshot, *proctree.Tree) {
	s := snap(12,
		p(1, 0, 'S', "init"), p(10, 1, 'S', "sh"), p(11, 10, 'S', "a"), p(12, 10, 'S', "me"),
		p(13, 12, 'S', "kid"), p(20, 1, 'S', "other"), p(21, 20, 'S', "sleep"),
	)
	return s, proctree.BuildTree(s)
}

func TestFlattenScopes(t *testing.T) {
	s, tr := fixtureTree()
	rows := Flatten(nil, &FlattenInput{Snap: s, Tree: tr})
	if got := pids(rows); !slices.Equal(got, []int{1, 10, 12, 13}) {
		t.Fatalf("lab scope %v", got)
	}
	if !rows[0].Dim || !rows[1].Dim || rows[2].Dim || !rows[2].Self {
		t.Error("ancestors must be dim, proctui not")
	}
	rows = Flatten(rows, &FlattenInput{Snap: s, Tree: tr, All: true})
	if got := pids(rows); !slices.Equal(got, []int{1, 10, 11, 12, 13, 20, 21}) {
		t.Fatalf("all scope %v", got)
	}
	var prefixes []string
	for i := range rows {
		prefixes = append(prefixes, treePrefix(rows, i, 40))
	}
	want := []string{"", "├ ", "│ ├ ", "│ └ ", "│   └ ", "└ ", "  └ "}
	if !slices.Equal(prefixes, want) {
		t.Fatalf("links %q, want %q", prefixes, want)
	}
	rows = Flatten(rows, &FlattenInput{Snap: s, Tree: tr, All: true, Collapsed: map[int]bool{10: true}})
	if got := pids(rows); !slices.Equal(got, []int{1, 10, 20, 21}) || !rows[1].Collapsed || rows[1].Kids != 2 {
		t.Fatalf("collapsed %v", got)
	}
}

func TestFlattenSearchAndGhosts(t *testing.T) {
	s, tr := fixtureTree()
	ghosts := []Ghost{
		{Proc: p(14, 12, 'Z', "sleep"), Status: "reaped"},
		{Proc: p(15, 14, 'S', "grandchild"), Status: "gone"}, // under another ghost
		{Proc: p(99, 98, 'S', "orphan"), Status: "gone"},     // its parent is unknown
	}
	rows := Flatten(nil, &FlattenInput{Snap: s, Tree: tr, All: true, Ghosts: ghosts})
	if got := pids(rows); !slices.Equal(got, []int{1, 10, 11, 12, 13, 14, 15, 20, 21, 99}) {
		t.Fatalf("ghost placement %v", got)
	}
	if rows[5].Ghost == nil || rows[6].Depth != rows[5].Depth+1 {
		t.Fatal("a ghost's ghost child is not drawn under it")
	}
	// In the lab scope a ghost without a shown parent hangs under proctui.
	rows = Flatten(rows, &FlattenInput{Snap: s, Tree: tr, Ghosts: ghosts})
	if got := pids(rows); !slices.Equal(got, []int{1, 10, 12, 13, 14, 15, 99}) {
		t.Fatalf("lab scope ghosts %v", got)
	}

	keep, match := Search(tr, s, ghosts, "SLE")
	rows = Flatten(rows, &FlattenInput{Snap: s, Tree: tr, All: true, Ghosts: ghosts, Keep: keep, Match: match,
		Collapsed: map[int]bool{12: true}})
	if got := pids(rows); !slices.Equal(got, []int{1, 10, 12, 14, 20, 21}) {
		t.Fatalf("search rows %v (a fold must not hide a match)", got)
	}
	for i := range rows {
		if rows[i].Match != (rows[i].Proc.PID == 14 || rows[i].Proc.PID == 21) {
			t.Errorf("row %d match=%v", rows[i].Proc.PID, rows[i].Match)
		}
	}
	keep, _ = Search(tr, s, nil, "1")
	if !keep[1] || !keep[10] || !keep[11] || !keep[12] || keep[20] {
		t.Errorf("pid search keeps %v", keep)
	}
}

// TestFlattenDeepChain checks a 20,000-deep chain: the walk must not
// recurse, and the drawn links are cut to the room there is.
func TestFlattenDeepChain(t *testing.T) {
	const n = 20000
	procs := make([]proctree.Proc, n)
	for i := range procs {
		procs[i] = p(i+1, i, 'S', "deep")
	}
	s := snap(1, procs...)
	rows := Flatten(nil, &FlattenInput{Snap: s, Tree: proctree.BuildTree(s), All: true})
	if len(rows) != n || rows[n-1].Depth != n-1 {
		t.Fatalf("%d rows, last depth %d", len(rows), rows[n-1].Depth)
	}
	pre := treePrefix(rows, n-1, 20)
	if width(pre) > 20 || !strings.HasPrefix(pre, "…") || !strings.HasSuffix(pre, "└ ") {
		t.Fatalf("deep prefix %q", pre)
	}
}

func TestTreeRowFitsItsWidth(t *testing.T) {
	s, tr := fixtureTree()
	long := p(11, 10, 'Z', "a")
	long.HasExit, long.Exit = true, 9 // killed by SIGKILL
	s.Procs[2] = long
	s.Procs[6].Cmdline = []string{"sleep", strings.Repeat("x", 300), "\x1b[31mred\n"}
	rows := Flatten(nil, &FlattenInput{Snap: s, Tree: tr, All: true,
		Lab: map[int]LabTag{11: {Kind: LabForked}}, Marks: map[int]Mark{13: {Kind: MarkNew}}})
	for _, th := range Themes() {
		st := NewStyles(th)
		for _, w := range []int{44, 66, 120} {
			c := TreeColumns(w, 99)
			for i := range rows {
				out := TreeRow(st, rows, i, c, i == 1, true)
				if ansi.StringWidth(out) != w {
					t.Fatalf("%v w=%d row %d is %d wide: %q", th, w, i, ansi.StringWidth(out), ansi.Strip(out))
				}
				if strings.Contains(ansi.Strip(out), "\x1b") || strings.Contains(out, "\n") {
					t.Fatalf("row %d lets a control character through: %q", i, out)
				}
			}
		}
	}
	c := TreeColumns(120, 99)
	row := ansi.Strip(TreeRow(NewStyles(ThemeMono), rows, 2, c, false, true))
	if !strings.Contains(row, "Z ✝") || !strings.Contains(row, "✝ killed by SIGKILL") || !strings.Contains(row, "◆fork") {
		t.Fatalf("zombie row %q", row)
	}
	if !c.User || !c.RSS {
		t.Error("a wide pane should show USER and RSS")
	}
	if c := TreeColumns(44, 99); c.User || c.RSS || c.Threads {
		t.Error("a narrow pane should show no optional column")
	}
}

func TestText(t *testing.T) {
	if got := Clean("a\x1b[2Jb\nc\x7f"); got != "a·[2Jb·c·" {
		t.Errorf("Clean = %q", got)
	}
	if got := fit("hello", 3); got != "he…" {
		t.Errorf("fit cut = %q", got)
	}
	if got := fit("hé", 4); got != "hé  " {
		t.Errorf("fit pad = %q", got)
	}
	if got := fit("日本語", 4); ansi.StringWidth(got) != 4 {
		t.Errorf("fit wide = %q (%d cells)", got, ansi.StringWidth(got))
	}
	for n, want := range map[uint64]string{512: "512B", 4096: "4.0K", 12 << 20: "12M", 3 << 29: "1.5G"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{
		5 * time.Second: "5s", 3*time.Minute + 4*time.Second: "3m",
		2*time.Hour + 5*time.Minute: "2h05m", 75 * time.Hour: "3d3h",
	} {
		if got := Ago(t0, t0.Add(-d)); got != want {
			t.Errorf("Ago(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestLayout(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		l := NewLayout(sz[0], sz[1])
		if l.TreeW+1+l.DetailsW != sz[0] || 1+l.PaneH+l.LogH+1 != sz[1] {
			t.Errorf("%v: layout %+v does not add up", sz, l)
		}
		if l.Small() {
			t.Errorf("%v counts as small", sz)
		}
	}
	if l := NewLayout(120, 40); l.LogH <= NewLayout(80, 24).LogH {
		t.Error("a taller window should give the log more lines")
	}
	if !NewLayout(79, 30).Small() || !NewLayout(100, 23).Small() {
		t.Error("below 80×24 is small")
	}
	out := TooSmall(NewStyles(ThemeMono), 30, 5)
	if lines := strings.Split(out, "\n"); len(lines) != 5 || ansi.StringWidth(lines[0]) != 30 {
		t.Fatalf("too-small screen has the wrong shape:\n%s", out)
	}
}

func TestDetailLinesParts(t *testing.T) {
	st := NewStyles(ThemeMono)
	pr := p(42, 1, 'S', "cat", "cat")
	d := &proctree.Details{PID: 42, FDErr: proctree.ErrNoAccess, CwdErr: proctree.ErrUnsupported,
		Signals: proctree.Signals{Caught: proctree.SignalSet{Known: true, Mask: 1 << 9}}}
	out := ansi.Strip(strings.Join(DetailLines(st, &DetailsInput{Proc: &pr, Details: d, Now: t0, InLab: true}, 60), "\n"))
	for _, want := range []string{"42 cat", "S ● sleeping", "cwd     not available on this platform",
		"FDS no access", "pending  unknown", "caught   USR1", "ENV empty"} {
		if !strings.Contains(out, want) {
			t.Errorf("details lack %q:\n%s", want, out)
		}
	}
	for _, l := range DetailLines(st, &DetailsInput{Proc: &pr, Details: d, Now: t0}, 33) {
		if ansi.StringWidth(l) != 33 {
			t.Fatalf("detail line %q is not 33 wide", ansi.Strip(l))
		}
	}
	out = ansi.Strip(strings.Join(DetailLines(st, &DetailsInput{Proc: &pr, Now: t0}, 60), "\n"))
	if !strings.Contains(out, "reading…") || !strings.Contains(out, "not in the lab") {
		t.Errorf("details before the first read:\n%s", out)
	}
}

func TestLogWraps(t *testing.T) {
	st := NewStyles(ThemeMono)
	long := strings.Repeat("word ", 30)
	entries := []LogEntry{{Text: "old one"}, {Text: "short"}, {Text: long}}
	lines := logLines(st, entries, t0, 80, 3)
	if len(lines) != 3 {
		t.Fatalf("%d lines, want the long entry (2 lines) and the short one", len(lines))
	}
	if got := ansi.Strip(lines[0]); !strings.HasPrefix(got, " ▸ short") {
		t.Errorf("first line %q", got)
	}
	if got := ansi.Strip(lines[2]); !strings.HasPrefix(got, "   word") {
		t.Errorf("continuation %q", got)
	}
	for _, l := range lines {
		if ansi.StringWidth(l) != 80 {
			t.Fatalf("log line %q is not 80 wide", ansi.Strip(l))
		}
	}
	if lines = logLines(st, entries[2:], t0, 30, 2); len(lines) != 2 {
		t.Fatalf("an entry taller than the log is not cut to it: %d lines", len(lines))
	}
}

func TestShortCommand(t *testing.T) {
	cases := map[string][]string{
		"proctui --projector": {"/tmp/x/proctui", "--projector"},
		"sshd: alice@pts/3":   {"sshd: alice@pts/3"},
		"cat":                 {"./bin/cat"},
		"sleep 300":           {"sleep", "300"},
	}
	for want, argv := range cases {
		p := proctree.Proc{PID: 9, Comm: "x", Cmdline: argv}
		if got := ShortCommand(&p); got != want {
			t.Errorf("ShortCommand(%q) = %q, want %q", argv, got, want)
		}
	}
}
