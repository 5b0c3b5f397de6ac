package proctree

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startChild starts argv and makes sure the test ends and reaps it.
func startChild(t testing.TB, env []string, argv ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// waitFor reads snapshots with r until pid satisfies ok or 10 s pass.
func waitFor(t *testing.T, r Reader, pid int, ok func(*Proc) bool) (*Snapshot, *Proc) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := r.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		if p := s.Get(pid); p != nil && ok(p) {
			return s, p
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d never reached the wanted state; last seen %+v", pid, s.Get(pid))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestGopsutilSnapshot(t *testing.T) {
	r := NewGopsutilReader()
	if r.Name() != "gopsutil" {
		t.Errorf("Name = %q", r.Name())
	}
	child := startChild(t, nil, "sleep", "30")
	s, p := waitFor(t, r, child.Process.Pid, func(p *Proc) bool { return p.Comm == "sleep" && p.State == 'S' })

	if s.Source != "gopsutil" || s.Self != os.Getpid() || s.Taken.IsZero() {
		t.Errorf("Snapshot Source %q Self %d Taken %v", s.Source, s.Self, s.Taken)
	}
	if !slices.IsSortedFunc(s.Procs, func(a, b Proc) int { return a.PID - b.PID }) {
		t.Error("Procs not sorted by PID")
	}
	if p.PPID != os.Getpid() {
		t.Errorf("child PPID = %d, want %d", p.PPID, os.Getpid())
	}
	if !slices.Equal(p.Cmdline, []string{"sleep", "30"}) {
		t.Errorf("child Cmdline = %q", p.Cmdline)
	}
	if p.UID != os.Getuid() || p.User == "" {
		t.Errorf("child UID %d User %q, want uid %d", p.UID, p.User, os.Getuid())
	}
	if p.Threads < 1 || p.RSS == 0 || p.Kernel || p.HasExit {
		t.Errorf("child Threads %d RSS %d Kernel %v HasExit %v", p.Threads, p.RSS, p.Kernel, p.HasExit)
	}
	if d := time.Since(p.Start); d < 0 || d > time.Minute {
		t.Errorf("child Start = %v, %v ago", p.Start, d)
	}
	self := s.Get(os.Getpid())
	if self == nil || self.StartTicks >= p.StartTicks {
		t.Errorf("self %+v should have started before the child (%d)", self, p.StartTicks)
	}
	if runtime.GOOS == "linux" {
		if k := s.Get(2); k != nil && (!k.Kernel || k.Name() != "[kthreadd]") {
			t.Errorf("pid 2 = %+v, want kthreadd, a kernel thread", k)
		}
	}

	// A stopped child shows T; a dead, unreaped one shows Z.
	if err := child.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, child.Process.Pid, func(p *Proc) bool { return p.State == 'T' })
	zombie := startChild(t, nil, "sh", "-c", "exit 4")
	_, z := waitFor(t, r, zombie.Process.Pid, func(p *Proc) bool { return p.State == 'Z' })
	if z.HasExit {
		t.Errorf("zombie HasExit: gopsutil cannot know the status")
	}
	if len(z.Cmdline) != 0 {
		t.Errorf("zombie Cmdline = %q, want empty", z.Cmdline)
	}
}

func TestGopsutilDetails(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("descriptor tables and signal masks come from /proc: Linux only")
	}
	r := NewGopsutilReader()

	// sh ignores USR1 and execs sleep: an ignored disposition survives
	// exec, so sleep's SigIgn has USR1.
	child := startChild(t, []string{"PROCTUI_TEST=gopsutil"}, "sh", "-c", "trap '' USR1; exec sleep 30")
	pid := child.Process.Pid
	waitFor(t, r, pid, func(p *Proc) bool { return p.Comm == "sleep" })

	d, err := r.Details(pid, WantAll|WantSmaps)
	if err != nil {
		t.Fatal(err)
	}
	if d.PID != pid || d.Taken.IsZero() {
		t.Errorf("Details PID %d Taken %v", d.PID, d.Taken)
	}
	if d.FDErr != nil || len(d.FDs) < 3 {
		t.Errorf("FDs = %+v, %v; want at least 0, 1, 2", d.FDs, d.FDErr)
	}
	for _, fd := range d.FDs {
		if fd.Target == "" || fd.Offset != -1 {
			t.Errorf("fd %+v: want a target and an unknown offset", fd)
		}
	}
	if d.SigErr != nil || !d.Signals.Ignored.Has(int(syscall.SIGUSR1)) {
		t.Errorf("Signals = %+v, %v; want USR1 ignored", d.Signals, d.SigErr)
	}
	wd, _ := os.Getwd()
	if d.CwdErr != nil || d.Cwd != wd {
		t.Errorf("Cwd = %q, %v; want %q", d.Cwd, d.CwdErr, wd)
	}
	if d.ExeErr != nil || d.Exe == "" {
		t.Errorf("Exe = %q, %v", d.Exe, d.ExeErr)
	}
	if d.EnvErr != nil || !slices.Contains(d.Env, "PROCTUI_TEST=gopsutil") || slices.Contains(d.Env, "") {
		t.Errorf("Env has %d entries, err %v; want PROCTUI_TEST=gopsutil and no empty entry", len(d.Env), d.EnvErr)
	}
	if d.MemErr != nil || d.Memory.VmRSS == 0 || d.Memory.VmSize < d.Memory.VmRSS {
		t.Errorf("Memory = %+v, %v", d.Memory, d.MemErr)
	}
	if d.SmapsErr != nil || d.Smaps.Rss == 0 {
		t.Errorf("Smaps = %+v, %v", d.Smaps, d.SmapsErr)
	}

	// Descriptors this process holds: a pipe, a file, a directory.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	dir, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	d, err = r.Details(os.Getpid(), WantFDs)
	if err != nil || d.FDErr != nil {
		t.Fatal(err, d.FDErr)
	}
	types := map[int]FDType{}
	for _, fd := range d.FDs {
		types[fd.Num] = fd.Type
		if fd.Num == int(pr.Fd()) && fd.Inode == 0 {
			t.Errorf("pipe fd %+v: want its inode", fd)
		}
	}
	if types[int(pr.Fd())] != FDPipe || types[int(pw.Fd())] != FDPipe || types[int(dir.Fd())] != FDDir {
		t.Errorf("fd types %v: want pipe %d %d, dir %d", types, pr.Fd(), pw.Fd(), dir.Fd())
	}

	// A zombie still exists but has nothing left to show.
	zombie := startChild(t, nil, "sh", "-c", "exit 0")
	waitFor(t, r, zombie.Process.Pid, func(p *Proc) bool { return p.State == 'Z' })
	d, err = r.Details(zombie.Process.Pid, WantPaths|WantMemory)
	if err != nil {
		t.Fatalf("Details of a zombie: %v", err)
	}
	if !errors.Is(d.CwdErr, ErrUnknown) || !errors.Is(d.MemErr, ErrUnknown) {
		t.Errorf("zombie CwdErr %v MemErr %v, want ErrUnknown", d.CwdErr, d.MemErr)
	}

	// After the reap the pid is gone.
	zombie.Wait()
	if _, err := r.Details(zombie.Process.Pid, WantAll); !errors.Is(err, ErrGone) {
		t.Errorf("Details of a reaped pid: %v, want ErrGone", err)
	}
}

func TestGopsutilMappings(t *testing.T) {
	letters := map[string]byte{
		"running": 'R', "sleep": 'S', "blocked": 'D', "idle": 'I', "lock": 'L',
		"stop": 'T', "wait": 'W', "zombie": 'Z', "": '?', "bogus": '?',
	}
	for word, want := range letters {
		if got := gopsStateLetter(word); got != want {
			t.Errorf("gopsStateLetter(%q) = %c, want %c", word, got, want)
		}
	}
	comms := []struct {
		name string
		argv []string
		goos string
		want string
	}{
		{"systemd-journald", []string{"/usr/lib/systemd/systemd-journald"}, "linux", "systemd-journal"},
		{"com.apple.WebKit.Networking", []string{"/System/com.apple.WebKit.Networking", "-x"}, "darwin", "com.apple.WebKit"},
		{"sh", []string{"sh"}, "linux", "sh"},
		// A kernel thread's long name is the kernel's own.
		{"kworker/1:1-events", []string{}, "linux", "kworker/1:1-events"},
		// A long name that is not argv[0] did not come from gopsutil's
		// substitution.
		{"kworker/1:1-events", []string{"other"}, "linux", "kworker/1:1-events"},
	}
	for _, c := range comms {
		if got := gopsComm(c.name, c.argv, c.goos); got != c.want {
			t.Errorf("gopsComm(%q, %q, %s) = %q, want %q", c.name, c.argv, c.goos, got, c.want)
		}
	}
	modes := map[fs.FileMode]FDType{
		0o644: FDFile, fs.ModeDir: FDDir, fs.ModeDevice | fs.ModeCharDevice: FDChar,
		fs.ModeDevice: FDBlock, fs.ModeNamedPipe: FDPipe, fs.ModeSocket: FDSocket, fs.ModeIrregular: FDUnknown,
	}
	for m, want := range modes {
		if got := gopsFDType(m); got != want {
			t.Errorf("gopsFDType(%v) = %v, want %v", m, got, want)
		}
	}
	errs := map[error]error{
		nil:                                 nil,
		fs.ErrPermission:                    ErrNoAccess,
		&fs.PathError{Err: syscall.EACCES}:  ErrNoAccess,
		&fs.PathError{Err: syscall.ENOENT}:  ErrGone,
		errors.New("not implemented yet"):   ErrUnsupported,
		errors.New("operation not allowed"): nil, // passes through
	}
	for in, want := range errs {
		got := gopsErr(in)
		if want == nil && in != nil {
			want = in
		}
		if !errors.Is(got, want) {
			t.Errorf("gopsErr(%v) = %v, want %v", in, got, want)
		}
	}
	for _, goos := range []string{"linux", "darwin"} {
		if len(gopsutilLimits(goos)) == 0 {
			t.Errorf("gopsutilLimits(%s) is empty", goos)
		}
	}
}

func TestParsePSStates(t *testing.T) {
	// ps -axo pid=,stat= as macOS prints it.
	out := []byte("    0 Rs\n    1 Ss\n  312 S\n 4410 U+\n 4411 Z\n 4412 T\nbogus\n 77\n")
	got := parsePSStates(out)
	want := map[int]byte{0: 'R', 1: 'S', 312: 'S', 4410: 'U', 4411: 'Z', 4412: 'T'}
	if len(got) != len(want) {
		t.Errorf("parsePSStates = %v, want %v", got, want)
	}
	for pid, l := range want {
		if got[pid] != l {
			t.Errorf("pid %d: %c, want %c", pid, got[pid], l)
		}
	}
}

func TestNewReader(t *testing.T) {
	def, err := NewReader("")
	if err != nil {
		t.Fatal(err)
	}
	osName, limits := Platform()
	if osName != runtime.GOOS {
		t.Errorf("Platform os = %q, want %q", osName, runtime.GOOS)
	}
	g, err := NewReader("gopsutil")
	if err != nil || g.Name() != "gopsutil" {
		t.Fatalf("NewReader(gopsutil) = %v, %v", g, err)
	}
	if len(Limits(g)) == 0 {
		t.Error("Limits(gopsutil reader) is empty")
	}
	p, err := NewReader("proc")
	if runtime.GOOS == "linux" {
		if err != nil || p.Name() != "proc" || def.Name() != "proc" || len(limits) != 0 {
			t.Errorf("on Linux: NewReader(proc) = %v, %v; default %q; limits %q", p, err, def.Name(), limits)
		}
	} else {
		if err == nil || !strings.Contains(err.Error(), "needs Linux") || def.Name() != "gopsutil" || len(limits) == 0 {
			t.Errorf("off Linux: NewReader(proc) err %v; default %q; limits %q", err, def.Name(), limits)
		}
	}
	if _, err := NewReader("ps"); err == nil || err.Error() != `unknown source "ps": want proc or gopsutil` {
		t.Errorf("NewReader(ps) err = %v", err)
	}
	s, err := def.Snapshot()
	if err != nil || s.Get(os.Getpid()) == nil {
		t.Errorf("default reader does not see this process: %v", err)
	}
}

func BenchmarkGopsutilSnapshot(b *testing.B) {
	r := NewGopsutilReader()
	s, err := r.Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(s.Procs)), "procs")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Snapshot(); err != nil {
			b.Fatal(err)
		}
	}
}
