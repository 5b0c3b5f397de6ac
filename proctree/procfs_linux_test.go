package proctree

import (
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fixtureBoot is the btime line of every fixture's stat file.
var fixtureBoot = time.Unix(1700000000, 0)

func fixtureStart(ticks uint64) time.Time {
	return fixtureBoot.Add(time.Duration(ticks) * 10 * time.Millisecond)
}

func fixtureRoot(name string) string { return filepath.Join("testdata", "proc", name) }

// snapshotFixture reads the fixture tree testdata/proc/name.
func snapshotFixture(t *testing.T, name string) *Snapshot {
	t.Helper()
	s, err := NewProcReader(fixtureRoot(name)).Snapshot()
	if err != nil {
		t.Fatalf("snapshot of fixture %s: %v", name, err)
	}
	return s
}

func pids(s *Snapshot) []int {
	var out []int
	for _, p := range s.Procs {
		out = append(out, p.PID)
	}
	return out
}

func mustGet(t *testing.T, s *Snapshot, pid int) *Proc {
	t.Helper()
	p := s.Get(pid)
	if p == nil {
		t.Fatalf("pid %d missing from snapshot; have %v", pid, pids(s))
	}
	return p
}

func TestFixtureZombie(t *testing.T) {
	s := snapshotFixture(t, "zombie")
	// 103 has no stat file and 104 an empty one: both vanished mid-read.
	if got, want := pids(s), []int{1, 100, 101, 102}; !slices.Equal(got, want) {
		t.Fatalf("pids = %v, want %v", got, want)
	}
	if s.Self != 100 {
		t.Errorf("Self = %d, want 100 (the self link)", s.Self)
	}
	if s.Source != "proc" {
		t.Errorf("Source = %q", s.Source)
	}
	page := uint64(os.Getpagesize())
	var users userNames

	sh := mustGet(t, s, 100)
	want := Proc{
		PID: 100, PPID: 1, State: 'S', Comm: "sh", Cmdline: []string{"sh", "-c", "exit 3"},
		UID: 1000, User: users.name(1000), Threads: 1, StartTicks: 5000, Start: fixtureStart(5000),
		RSS: 400 * page,
	}
	checkProc(t, sh, &want)

	exited := mustGet(t, s, 101)
	want = Proc{
		PID: 101, PPID: 100, State: 'Z', Comm: "sh", Cmdline: []string{},
		UID: 1000, User: users.name(1000), Threads: 1, StartTicks: 5100, Start: fixtureStart(5100),
		Exit: 768, HasExit: true,
	}
	checkProc(t, exited, &want)
	if got := exited.Exit.String(); got != "exited 3" {
		t.Errorf("101 exit = %q, want exited 3", got)
	}

	crashed := mustGet(t, s, 102)
	if !crashed.HasExit || crashed.Exit != 139 {
		t.Fatalf("102 exit = %d (HasExit %v), want 139", crashed.Exit, crashed.HasExit)
	}
	if got := crashed.Exit.String(); got != "killed by SIGSEGV (core dumped)" {
		t.Errorf("102 exit = %q", got)
	}
	if p := mustGet(t, s, 1); p.HasExit {
		t.Errorf("a live process has HasExit")
	}
}

func checkProc(t *testing.T, got, want *Proc) {
	t.Helper()
	if got.PID != want.PID || got.PPID != want.PPID || got.State != want.State ||
		got.Comm != want.Comm || got.Kernel != want.Kernel || got.UID != want.UID ||
		got.User != want.User || got.Threads != want.Threads || got.StartTicks != want.StartTicks ||
		!got.Start.Equal(want.Start) || got.RSS != want.RSS || got.Exit != want.Exit ||
		got.HasExit != want.HasExit {
		t.Errorf("pid %d:\n got %+v\nwant %+v", want.PID, *got, *want)
	}
	if !slices.Equal(got.Cmdline, want.Cmdline) || (got.Cmdline == nil) != (want.Cmdline == nil) {
		t.Errorf("pid %d cmdline = %q (nil %v), want %q (nil %v)", want.PID,
			got.Cmdline, got.Cmdline == nil, want.Cmdline, want.Cmdline == nil)
	}
}

func TestFixtureOldKernel(t *testing.T) {
	// Before Linux 3.5 stat stopped at field 44: no exit code to show.
	s := snapshotFixture(t, "oldkernel")
	z := mustGet(t, s, 700)
	if z.State != 'Z' || z.HasExit {
		t.Errorf("700: state %c HasExit %v, want Z without exit status", z.State, z.HasExit)
	}
	if s.Self != 0 {
		t.Errorf("Self = %d without a self link, want 0", s.Self)
	}
}

func TestFixtureKernelThreads(t *testing.T) {
	s := snapshotFixture(t, "kthread")
	cases := []struct {
		pid    int
		kernel bool
		name   string
	}{
		{1, false, "init"},
		{2, true, "[kthreadd]"}, // ppid 0, yet a kernel thread
		{3, true, "[kworker/0:0-events]"},
		{15, true, "[rcu_sched]"},
		{400, false, "notkernel"}, // ppid 2, yet a user process
	}
	for _, c := range cases {
		p := mustGet(t, s, c.pid)
		if p.Kernel != c.kernel || p.Name() != c.name {
			t.Errorf("pid %d: Kernel %v Name %q, want %v %q", c.pid, p.Kernel, p.Name(), c.kernel, c.name)
		}
		if p.Kernel && (p.Cmdline == nil || len(p.Cmdline) != 0) {
			t.Errorf("kernel thread %d cmdline = %#v, want empty", c.pid, p.Cmdline)
		}
	}
	if p := mustGet(t, s, 3); p.State != 'I' || p.PPID != 2 {
		t.Errorf("kworker: state %c ppid %d", p.State, p.PPID)
	}
	if got := mustGet(t, s, 400).Cmdline; !slices.Equal(got, []string{"notkernel", "--flag"}) {
		t.Errorf("400 cmdline = %q", got)
	}
}

func TestFixtureComm(t *testing.T) {
	s := snapshotFixture(t, "comm")
	cases := []struct {
		pid     int
		comm    string
		state   byte
		cmdline []string
	}{
		{300, "a b) (c", 'S', []string{"./a b) (c"}},
		{301, ")", 'R', []string{"paren"}},
		{302, "(", 'S', []string{"open"}},
		{303, "x y", 'S', []string{"x", "", "y"}},
	}
	for _, c := range cases {
		p := mustGet(t, s, c.pid)
		if p.Comm != c.comm || p.State != c.state || p.PPID != 1 || p.Threads != 1 {
			t.Errorf("pid %d: comm %q state %c ppid %d threads %d, want %q %c 1 1",
				c.pid, p.Comm, p.State, p.PPID, p.Threads, c.comm, c.state)
		}
		if !slices.Equal(p.Cmdline, c.cmdline) {
			t.Errorf("pid %d cmdline = %q, want %q", c.pid, p.Cmdline, c.cmdline)
		}
	}
}

func TestSnapshotBadRoot(t *testing.T) {
	_, err := NewProcReader(filepath.Join(t.TempDir(), "missing")).Snapshot()
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("snapshot of a missing root: err = %v, want one naming the path", err)
	}
}

// copyTree copies a fixture, symbolic links included, so a test can change it.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "proc")
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCache changes a copied fixture between snapshots to show what the
// reader reads again and what it takes from its cache.
func TestCache(t *testing.T) {
	root := copyTree(t, fixtureRoot("zombie"))
	r := NewProcReader(root)
	snap := func() *Snapshot {
		t.Helper()
		s, err := r.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	statOf := func(comm string, start int) string {
		return "100 (" + comm + ") S 1 100 100 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 " +
			strconv.Itoa(start) + " 8540160 400 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	}
	dir := filepath.Join(root, "100")
	snap()

	// Same comm, same start: cmdline and uid come from the cache.
	writeFile(t, filepath.Join(dir, "cmdline"), "changed\x00")
	writeFile(t, filepath.Join(dir, "status"), "Uid:\t7\t7\t7\t7\n")
	if got := snap().Get(100); got.Cmdline[0] != "sh" || got.UID != 1000 {
		t.Errorf("cached: cmdline %q uid %d, want the first reading", got.Cmdline, got.UID)
	}

	// New comm, same start: exec. Cmdline and uid are read again.
	writeFile(t, filepath.Join(dir, "stat"), statOf("sleep", 5000))
	writeFile(t, filepath.Join(dir, "cmdline"), "sleep\x0060\x00")
	if got := snap().Get(100); !slices.Equal(got.Cmdline, []string{"sleep", "60"}) || got.UID != 7 || got.Comm != "sleep" {
		t.Errorf("after exec: comm %q cmdline %q uid %d", got.Comm, got.Cmdline, got.UID)
	}

	// New start time: the pid was reused by another process.
	writeFile(t, filepath.Join(dir, "stat"), statOf("sleep", 9000))
	writeFile(t, filepath.Join(dir, "cmdline"), "sleep\x0099\x00")
	writeFile(t, filepath.Join(dir, "status"), "Uid:\t8\t8\t8\t8\n")
	if got := snap().Get(100); !slices.Equal(got.Cmdline, []string{"sleep", "99"}) || got.UID != 8 {
		t.Errorf("after pid reuse: cmdline %q uid %d", got.Cmdline, got.UID)
	}

	// An empty cmdline of a live process is read again for a few polls
	// (it may be caught mid-exec), then the reader gives up.
	writeFile(t, filepath.Join(dir, "stat"), statOf("blank", 9500))
	writeFile(t, filepath.Join(dir, "cmdline"), "")
	for i := range maxEmptyCmdline {
		if got := snap().Get(100).Cmdline; got == nil || len(got) != 0 {
			t.Fatalf("poll %d: cmdline %q, want empty", i, got)
		}
	}
	writeFile(t, filepath.Join(dir, "cmdline"), "late\x00")
	if got := snap().Get(100).Cmdline; len(got) != 0 {
		t.Errorf("after %d empty polls the cmdline was read again: %q", maxEmptyCmdline, got)
	}
	writeFile(t, filepath.Join(dir, "stat"), statOf("blank2", 9600))
	writeFile(t, filepath.Join(dir, "cmdline"), "")
	snap()
	writeFile(t, filepath.Join(dir, "cmdline"), "late\x00")
	if got := snap().Get(100).Cmdline; !slices.Equal(got, []string{"late"}) {
		t.Errorf("cmdline that arrives on the next poll = %q, want [late]", got)
	}

	// An unreadable cmdline is nil, not empty.
	if err := os.Remove(filepath.Join(dir, "cmdline")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "stat"), statOf("nocmd", 9700))
	if got := snap().Get(100).Cmdline; got != nil {
		t.Errorf("missing cmdline file: %q, want nil", got)
	}

	// A process that left is forgotten.
	if _, ok := r.cache[101]; !ok {
		t.Fatal("101 not cached")
	}
	if err := os.RemoveAll(filepath.Join(root, "101")); err != nil {
		t.Fatal(err)
	}
	if s := snap(); s.Get(101) != nil {
		t.Error("101 still listed")
	}
	if _, ok := r.cache[101]; ok {
		t.Error("101 still cached after it left")
	}
}

// TestSnapshotAllocs checks the steady state of the fixture trees: the
// only allocations are the Snapshot and its Procs.
func TestSnapshotAllocs(t *testing.T) {
	for _, name := range []string{"zombie", "kthread", "comm", "details"} {
		r := NewProcReader(fixtureRoot(name))
		if _, err := r.Snapshot(); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(50, func() {
			if _, err := r.Snapshot(); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 2 {
			t.Errorf("%s: %.1f allocations per steady Snapshot, want 2", name, allocs)
		}
	}
}

func TestLiveSnapshot(t *testing.T) {
	r := NewProcReader("/proc")
	before := time.Now()
	cmds := liveSleepers(t, 3)
	after := time.Now()
	s := livePoll(t, r, "three sleeping sleeps", func(s *Snapshot) bool {
		for _, c := range cmds {
			if p := s.Get(c.Process.Pid); p == nil || p.Comm != "sleep" || p.State != 'S' {
				return false
			}
		}
		return true
	})
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		p := s.Get(c.Process.Pid)
		if p.PPID != os.Getpid() {
			t.Errorf("sleep %d: ppid %d, want %d", p.PID, p.PPID, os.Getpid())
		}
		if !slices.Equal(p.Cmdline, []string{"sleep", "3600"}) {
			t.Errorf("sleep %d: cmdline %q", p.PID, p.Cmdline)
		}
		if p.UID != os.Getuid() || p.User != me.Username {
			t.Errorf("sleep %d: uid %d user %q, want %d %q", p.PID, p.UID, p.User, os.Getuid(), me.Username)
		}
		if p.Threads != 1 || p.Kernel || p.RSS == 0 || p.HasExit {
			t.Errorf("sleep %d: threads %d kernel %v rss %d hasExit %v", p.PID, p.Threads, p.Kernel, p.RSS, p.HasExit)
		}
		// btime has whole seconds, start times have 10ms ticks.
		if p.Start.Before(before.Add(-1100*time.Millisecond)) || p.Start.After(after.Add(100*time.Millisecond)) {
			t.Errorf("sleep %d: start %v, started between %v and %v", p.PID, p.Start, before, after)
		}
	}
	if s.Self != os.Getpid() {
		t.Errorf("Self = %d, want %d", s.Self, os.Getpid())
	}
	self := mustGet(t, s, os.Getpid())
	// The state letter is the main thread's, which may be asleep while
	// another thread reads; a Go program always has several threads.
	if self.Threads < 2 || self.Kernel || len(self.Cmdline) == 0 {
		t.Errorf("self: threads %d kernel %v cmdline %q", self.Threads, self.Kernel, self.Cmdline)
	}
	if !slices.IsSortedFunc(s.Procs, func(a, b Proc) int { return a.PID - b.PID }) {
		t.Error("Procs not sorted by PID")
	}
	for _, p := range s.Procs {
		if p.Comm == "kthreadd" && !p.Kernel {
			t.Errorf("kthreadd (pid %d) not marked as a kernel thread", p.PID)
		}
		if p.Kernel && len(p.Cmdline) != 0 {
			t.Errorf("kernel thread %d has cmdline %q", p.PID, p.Cmdline)
		}
	}
}

func TestLiveZombie(t *testing.T) {
	r := NewProcReader("/proc")
	cmd := liveStart(t, "sh", "-c", "exit 3")
	pid := cmd.Process.Pid
	s := livePoll(t, r, "the child to become a zombie", func(s *Snapshot) bool { return liveState(s, pid, 'Z') })
	p := s.Get(pid)
	if !p.HasExit || p.Exit.String() != "exited 3" {
		t.Errorf("zombie exit %q (HasExit %v), want exited 3", p.Exit, p.HasExit)
	}
	if p.RSS != 0 || p.PPID != os.Getpid() {
		t.Errorf("zombie rss %d ppid %d", p.RSS, p.PPID)
	}
	// Reap it: it leaves the table and the cache.
	if err := cmd.Wait(); err == nil || cmd.ProcessState.ExitCode() != 3 {
		t.Fatalf("wait: %v, code %d", err, cmd.ProcessState.ExitCode())
	}
	if s, _ := r.Snapshot(); s.Get(pid) != nil {
		t.Errorf("reaped pid %d still listed", pid)
	}
	if _, ok := r.cache[pid]; ok {
		t.Errorf("reaped pid %d still cached", pid)
	}
}

func TestLiveKilled(t *testing.T) {
	r := NewProcReader("/proc")
	cmd := liveStart(t, "sleep", "3600")
	pid := cmd.Process.Pid
	livePoll(t, r, "sleep to run", func(s *Snapshot) bool {
		p := s.Get(pid)
		return p != nil && p.Comm == "sleep" && p.State == 'S'
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s := livePoll(t, r, "the killed child to become a zombie", func(s *Snapshot) bool { return liveState(s, pid, 'Z') })
	p := s.Get(pid)
	if got := p.Exit.String(); !p.HasExit || got != "killed by SIGKILL" {
		t.Errorf("exit %q (HasExit %v), want killed by SIGKILL", got, p.HasExit)
	}
	// The zombie keeps the argv read while it was alive.
	if !slices.Equal(p.Cmdline, []string{"sleep", "3600"}) {
		t.Errorf("zombie cmdline %q, want the last one seen", p.Cmdline)
	}
}

// TestLiveExec watches one process change its program: same pid and start
// time, new comm, and the reader fetches the new argv.
func TestLiveExec(t *testing.T) {
	r := NewProcReader("/proc")
	cmd := exec.Command("sh", "-c", "read line; exec sleep 3600")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	liveStartCmd(t, cmd)
	pid := cmd.Process.Pid
	s := livePoll(t, r, "sh to wait in read", func(s *Snapshot) bool {
		p := s.Get(pid)
		return p != nil && p.Comm == "sh" && p.State == 'S'
	})
	before := *s.Get(pid)
	if !slices.Equal(before.Cmdline, []string{"sh", "-c", "read line; exec sleep 3600"}) {
		t.Errorf("before exec: cmdline %q", before.Cmdline)
	}
	if _, err := stdin.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	// exec sets the new comm before the program's loader has recorded
	// where argv lives, so for a moment cmdline reads empty; the reader
	// reads it again on the next poll.
	s = livePoll(t, r, "the exec of sleep", func(s *Snapshot) bool {
		p := s.Get(pid)
		return p != nil && p.Comm == "sleep" && len(p.Cmdline) > 0
	})
	after := s.Get(pid)
	if !slices.Equal(after.Cmdline, []string{"sleep", "3600"}) {
		t.Errorf("after exec: cmdline %q", after.Cmdline)
	}
	if after.StartTicks != before.StartTicks {
		t.Errorf("exec changed the start time: %d → %d", before.StartTicks, after.StartTicks)
	}
}
