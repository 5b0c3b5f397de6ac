package proctree

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func fixtureDetails(t *testing.T, name string, pid int, want Want) *Details {
	t.Helper()
	d, err := NewProcReader(fixtureRoot(name)).Details(pid, want)
	if err != nil {
		t.Fatalf("details of %s/%d: %v", name, pid, err)
	}
	return d
}

func TestFixtureDetailsFDs(t *testing.T) {
	d := fixtureDetails(t, "details", 600, WantFDs)
	if d.FDErr != nil {
		t.Fatalf("FDErr = %v", d.FDErr)
	}
	want := []FD{
		{Num: 0, Mode: "r", Offset: 0, Type: FDChar, Target: "/dev/null"},
		{Num: 1, Mode: "w", Offset: 0, Type: FDPipe, Target: "pipe:[4242]", Inode: 4242},
		{Num: 2, Mode: "rw", CloseOnExec: true, Offset: 0, Type: FDSocket, Target: "socket:[5151]", Inode: 5151},
		{Num: 3, Mode: "rw", CloseOnExec: true, Offset: 0, Type: FDAnon, Target: "anon_inode:[eventfd]"},
		{Num: 4, Mode: "r", CloseOnExec: true, Offset: 0, Type: FDDir, Target: "/"},
		{Num: 5, Mode: "rw", CloseOnExec: true, Offset: 123, Type: FDFile, Target: "/etc/passwd"},
		// fd 6 has a link but no fdinfo: it was closed mid-read.
		{Num: 7, Mode: "r", CloseOnExec: true, Offset: 0, Type: FDPipe, Target: "pipe:[4242]", Inode: 4242},
		{Num: 10, Mode: "", Offset: 0, Type: FDChar, Target: "/dev/null"}, // O_PATH
	}
	if !slices.Equal(d.FDs, want) {
		t.Errorf("FDs:\n got %+v\nwant %+v", d.FDs, want)
	}
	// Only what was asked for is read.
	if d.Env != nil || d.Cwd != "" || d.Signals.Ignored.Known || d.Memory.VmRSS != 0 {
		t.Errorf("read parts that were not wanted: %+v", d)
	}
}

func TestFixtureDetailsRest(t *testing.T) {
	d := fixtureDetails(t, "details", 600, WantAll|WantSmaps)
	for name, err := range map[string]error{"fd": d.FDErr, "sig": d.SigErr, "cwd": d.CwdErr,
		"exe": d.ExeErr, "env": d.EnvErr, "mem": d.MemErr, "smaps": d.SmapsErr} {
		if err != nil {
			t.Errorf("%s error: %v", name, err)
		}
	}
	if d.PID != 600 || d.Taken.IsZero() {
		t.Errorf("PID %d Taken %v", d.PID, d.Taken)
	}
	sig := d.Signals
	checks := []struct {
		name string
		set  SignalSet
		want []string
	}{
		{"pending", sig.Pending, nil},
		{"shared pending", sig.SharedPending, []string{"SIGKILL"}},
		{"blocked", sig.Blocked, []string{"SIGINT"}},
		{"ignored", sig.Ignored, []string{"SIGHUP", "SIGUSR1"}},
		{"caught", sig.Caught, []string{"SIGTERM", "signal 32", "signal 33"}},
	}
	for _, c := range checks {
		if !c.set.Known || !slices.Equal(c.set.Names(), c.want) {
			t.Errorf("%s: known %v names %q, want %q", c.name, c.set.Known, c.set.Names(), c.want)
		}
	}
	if d.Cwd != "/tmp" || d.Exe != "/usr/bin/sleep" {
		t.Errorf("cwd %q exe %q", d.Cwd, d.Exe)
	}
	if want := []string{"HOME=/root", "LANG=C.UTF-8", "EMPTY="}; !slices.Equal(d.Env, want) {
		t.Errorf("env %q, want %q", d.Env, want)
	}
	const k = 1024
	if want := (MemSummary{VmSize: 8340 * k, VmRSS: 2000 * k, RssAnon: 120 * k, RssFile: 1860 * k,
		RssShmem: 20 * k, VmSwap: 16 * k}); d.Memory != want {
		t.Errorf("memory %+v, want %+v", d.Memory, want)
	}
	if want := (SmapsRollup{Rss: 1748 * k, Pss: 317 * k, SharedClean: 1596 * k, SharedDirty: 4 * k,
		PrivateClean: 40 * k, PrivateDirty: 108 * k, Anonymous: 112 * k, Swap: 8 * k}); d.Smaps != want {
		t.Errorf("smaps %+v, want %+v", d.Smaps, want)
	}
}

func TestFixtureDetailsZombie(t *testing.T) {
	d := fixtureDetails(t, "details", 601, WantAll|WantSmaps)
	if d.FDErr != nil || len(d.FDs) != 0 {
		t.Errorf("zombie fds %v err %v, want none: they were closed at exit", d.FDs, d.FDErr)
	}
	if d.SigErr != nil || !d.Signals.Caught.Known {
		t.Errorf("zombie signals %+v err %v: the kernel still prints them", d.Signals, d.SigErr)
	}
	for name, err := range map[string]error{"cwd": d.CwdErr, "exe": d.ExeErr, "env": d.EnvErr,
		"mem": d.MemErr, "smaps": d.SmapsErr} {
		if !errors.Is(err, ErrGone) {
			t.Errorf("zombie %s error %v, want ErrGone", name, err)
		}
	}
}

func TestFixtureDetailsKernelThread(t *testing.T) {
	d := fixtureDetails(t, "details", 602, WantAll|WantSmaps)
	if d.Cwd != "/" || d.CwdErr != nil {
		t.Errorf("cwd %q err %v", d.Cwd, d.CwdErr)
	}
	if !errors.Is(d.ExeErr, ErrUnknown) {
		t.Errorf("exe err %v, want ErrUnknown: a kernel thread runs no program file", d.ExeErr)
	}
	if d.EnvErr != nil || d.Env == nil || len(d.Env) != 0 || d.MemErr != nil || d.SmapsErr != nil {
		t.Errorf("env %q/%v mem %v smaps %v: a kernel thread has no user memory, which is no error",
			d.Env, d.EnvErr, d.MemErr, d.SmapsErr)
	}
}

func TestFixtureDetailsSignalsMissing(t *testing.T) {
	d := fixtureDetails(t, "nosig", 500, WantSignals)
	if !errors.Is(d.SigErr, ErrUnknown) || d.Signals.anyKnown() {
		t.Errorf("no Sig lines: err %v signals %+v, want ErrUnknown", d.SigErr, d.Signals)
	}
	d = fixtureDetails(t, "nosig", 501, WantSignals)
	if d.SigErr != nil {
		t.Errorf("one Sig line missing: err %v, want nil", d.SigErr)
	}
	s := d.Signals
	if s.Ignored.Known || !s.Blocked.Known || !s.Caught.Known || !s.Pending.Known || !s.SharedPending.Known {
		t.Errorf("known sets %+v, want all but Ignored", s)
	}
	if s.Ignored.Names() != nil || !slices.Equal(s.Blocked.Names(), []string{"SIGCHLD"}) ||
		!slices.Equal(s.Caught.Names(), []string{"SIGUSR1"}) {
		t.Errorf("ignored %q blocked %q caught %q", s.Ignored.Names(), s.Blocked.Names(), s.Caught.Names())
	}
}

func TestDetailsGone(t *testing.T) {
	r := NewProcReader(fixtureRoot("details"))
	for _, pid := range []int{999, 0, -1} {
		d, err := r.Details(pid, WantAll)
		if !errors.Is(err, ErrGone) || d != nil {
			t.Errorf("Details(%d) = %v, %v; want ErrGone", pid, d, err)
		}
	}
	// A pid that really existed, then was reaped.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if _, err := NewProcReader("/proc").Details(cmd.Process.Pid, WantAll); !errors.Is(err, ErrGone) {
		t.Errorf("reaped child %d: err %v, want ErrGone", cmd.Process.Pid, err)
	}
}

func fdByNum(t *testing.T, fds []FD, num uintptr) FD {
	t.Helper()
	for _, fd := range fds {
		if fd.Num == int(num) {
			return fd
		}
	}
	t.Fatalf("fd %d not in table %+v", num, fds)
	return FD{}
}

// TestLiveFDs opens descriptors of every kind in the test process and reads
// its own fd table.
func TestLiveFDs(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	if _, err := pw.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(pr, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("pipe moved %q, %v", buf, err)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "data")
	file, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if _, err := file.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	dirf, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer dirf.Close()
	sp, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(sp[0])
	defer syscall.Close(sp[1])
	// dup clears close-on-exec: the copy would survive an exec.
	dup, err := syscall.Dup(int(pw.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(dup)

	d, err := NewProcReader("/proc").Details(os.Getpid(), WantFDs)
	if err != nil || d.FDErr != nil {
		t.Fatalf("details: %v / %v", err, d.FDErr)
	}
	if !slices.IsSortedFunc(d.FDs, func(a, b FD) int { return a.Num - b.Num }) {
		t.Error("fd table not sorted")
	}

	r, w := fdByNum(t, d.FDs, pr.Fd()), fdByNum(t, d.FDs, pw.Fd())
	if r.Type != FDPipe || w.Type != FDPipe || r.Inode == 0 || r.Inode != w.Inode {
		t.Errorf("pipe ends %+v and %+v: want one pipe inode", r, w)
	}
	if r.Mode != "r" || w.Mode != "w" || !r.CloseOnExec || !w.CloseOnExec {
		t.Errorf("pipe ends modes %q/%q cloexec %v/%v", r.Mode, w.Mode, r.CloseOnExec, w.CloseOnExec)
	}
	if want := "pipe:[" + strconv.FormatUint(r.Inode, 10) + "]"; r.Target != want {
		t.Errorf("pipe target %q, want %q", r.Target, want)
	}
	if c := fdByNum(t, d.FDs, uintptr(dup)); c.Inode != w.Inode || c.CloseOnExec || c.Mode != "w" {
		t.Errorf("dup of the write end %+v", c)
	}

	f := fdByNum(t, d.FDs, file.Fd())
	if f.Type != FDFile || f.Target != path || f.Offset != 5 || f.Mode != "rw" {
		t.Errorf("file %+v, want %s at offset 5, rw", f, path)
	}
	if n := fdByNum(t, d.FDs, null.Fd()); n.Type != FDChar || n.Mode != "w" || n.Target != os.DevNull {
		t.Errorf("/dev/null %+v", n)
	}
	if n := fdByNum(t, d.FDs, dirf.Fd()); n.Type != FDDir || n.Target != dir {
		t.Errorf("dir %+v", n)
	}
	s0, s1 := fdByNum(t, d.FDs, uintptr(sp[0])), fdByNum(t, d.FDs, uintptr(sp[1]))
	if s0.Type != FDSocket || s1.Type != FDSocket || s0.Inode == 0 || s1.Inode == 0 || s0.Inode == s1.Inode {
		t.Errorf("socket pair %+v %+v: two sockets, two inodes", s0, s1)
	}

	// A deleted file is still open, and still a file.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	d, err = NewProcReader("/proc").Details(os.Getpid(), WantFDs)
	if err != nil {
		t.Fatal(err)
	}
	if f := fdByNum(t, d.FDs, file.Fd()); f.Type != FDFile || f.Target != path+" (deleted)" {
		t.Errorf("deleted file %+v", f)
	}
}

// TestLiveBlockDevice needs a block device it can open.
func TestLiveBlockDevice(t *testing.T) {
	entries, _ := os.ReadDir("/dev")
	for _, e := range entries {
		if e.Type()&fs.ModeDevice == 0 || e.Type()&fs.ModeCharDevice != 0 {
			continue
		}
		path := filepath.Join("/dev", e.Name())
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		defer f.Close()
		d, err := NewProcReader("/proc").Details(os.Getpid(), WantFDs)
		if err != nil {
			t.Fatal(err)
		}
		if got := fdByNum(t, d.FDs, f.Fd()); got.Type != FDBlock || got.Target != path {
			t.Errorf("%s: %+v, want a block device", path, got)
		}
		return
	}
	t.Skip("no block device under /dev that this user can open")
}

func TestLiveSignals(t *testing.T) {
	cmd := exec.Command("sh", "-c", `trap "" USR1; trap "exit 7" USR2; read line`)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	liveStartCmd(t, cmd)
	defer stdin.Close()
	r := NewProcReader("/proc")
	var d *Details
	livePoll(t, r, "the traps to be set", func(*Snapshot) bool {
		d, err = r.Details(cmd.Process.Pid, WantSignals)
		if err != nil {
			t.Fatal(err)
		}
		return d.Signals.Ignored.Has(int(syscall.SIGUSR1)) && d.Signals.Caught.Has(int(syscall.SIGUSR2))
	})
	if d.SigErr != nil || !d.Signals.Blocked.Known || !d.Signals.Pending.Known {
		t.Errorf("signals %+v err %v", d.Signals, d.SigErr)
	}
	if d.Signals.Ignored.Has(int(syscall.SIGUSR2)) || d.Signals.Caught.Has(int(syscall.SIGUSR1)) {
		t.Errorf("USR1 and USR2 mixed up: %+v", d.Signals)
	}
	if !slices.Contains(d.Signals.Ignored.Names(), "SIGUSR1") {
		t.Errorf("ignored names %q", d.Signals.Ignored.Names())
	}
}

func TestLivePathsEnvMemory(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sleep", "3600")
	cmd.Dir = dir
	cmd.Env = []string{"PROCTUI_TEST=42", "LANG=C", "EMPTY="}
	liveStartCmd(t, cmd)
	pid := cmd.Process.Pid
	r := NewProcReader("/proc")
	livePoll(t, r, "sleep to start", func(s *Snapshot) bool {
		p := s.Get(pid)
		return p != nil && p.Comm == "sleep"
	})
	d, err := r.Details(pid, WantAll|WantSmaps)
	if err != nil {
		t.Fatal(err)
	}
	exe, err := exec.LookPath("sleep")
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		t.Fatal(err)
	}
	if d.Cwd != dir || d.Exe != exe || d.CwdErr != nil || d.ExeErr != nil {
		t.Errorf("cwd %q (%v) exe %q (%v), want %q %q", d.Cwd, d.CwdErr, d.Exe, d.ExeErr, dir, exe)
	}
	if !slices.Equal(d.Env, cmd.Env) || d.EnvErr != nil {
		t.Errorf("env %q (%v), want %q", d.Env, d.EnvErr, cmd.Env)
	}
	m := d.Memory
	if d.MemErr != nil || m.VmRSS == 0 || m.VmSize < m.VmRSS || m.RssAnon+m.RssFile+m.RssShmem != m.VmRSS {
		t.Errorf("memory %+v (%v)", m, d.MemErr)
	}
	sm := d.Smaps
	if d.SmapsErr != nil || sm.Rss == 0 || sm.Pss == 0 || sm.Pss > sm.Rss ||
		sm.SharedClean+sm.SharedDirty+sm.PrivateClean+sm.PrivateDirty != sm.Rss {
		t.Errorf("smaps %+v (%v)", sm, d.SmapsErr)
	}
	// exec.Cmd gives a child without Stdin/Stdout/Stderr /dev/null. (It
	// may have more: descriptors the test process inherited without
	// close-on-exec pass through every exec.)
	for i, mode := range []string{"r", "w", "w"} {
		if fd := fdByNum(t, d.FDs, uintptr(i)); fd.Type != FDChar || fd.Target != os.DevNull || fd.Mode != mode {
			t.Errorf("sleep fd %+v, want /dev/null %s", fd, mode)
		}
	}
}

func TestLiveDetailsZombie(t *testing.T) {
	r := NewProcReader("/proc")
	cmd := liveStart(t, "sh", "-c", "exit 3")
	pid := cmd.Process.Pid
	livePoll(t, r, "a zombie", func(s *Snapshot) bool { return liveState(s, pid, 'Z') })
	d, err := r.Details(pid, WantAll|WantSmaps)
	if err != nil {
		t.Fatalf("a zombie exists: %v", err)
	}
	if len(d.FDs) != 0 || d.FDErr != nil || d.SigErr != nil || !d.Signals.Caught.Known {
		t.Errorf("fds %v (%v) signals %+v (%v)", d.FDs, d.FDErr, d.Signals, d.SigErr)
	}
	for name, err := range map[string]error{"cwd": d.CwdErr, "exe": d.ExeErr, "env": d.EnvErr,
		"mem": d.MemErr, "smaps": d.SmapsErr} {
		if !errors.Is(err, ErrGone) {
			t.Errorf("zombie %s: %v, want ErrGone", name, err)
		}
	}
}

func TestLiveDetailsKernelThread(t *testing.T) {
	r := NewProcReader("/proc")
	s, err := r.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var kthreadd *Proc
	for i := range s.Procs {
		if s.Procs[i].Kernel && s.Procs[i].Comm == "kthreadd" {
			kthreadd = &s.Procs[i]
		}
	}
	if kthreadd == nil {
		t.Skip("no kthreadd visible: a container's /proc shows no kernel threads")
	}
	d, err := r.Details(kthreadd.PID, WantAll|WantSmaps)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(d.ExeErr, ErrUnknown) || d.EnvErr != nil || d.MemErr != nil || d.SmapsErr != nil || d.SigErr != nil {
		t.Errorf("kthreadd: exe %v env %v mem %v smaps %v sig %v", d.ExeErr, d.EnvErr, d.MemErr, d.SmapsErr, d.SigErr)
	}
}

// noAccessEnv carries the pids TestDetailsNoAccess asks its unprivileged
// child to read.
const noAccessEnv = "PROCTREE_NOACCESS_PIDS"

// TestDetailsNoAccess reads a root-owned process as another user. As root
// it runs this test binary again as nobody (uid 65534); as any other user
// it reads pid 1.
func TestDetailsNoAccess(t *testing.T) {
	if os.Geteuid() != 0 {
		d, err := NewProcReader("/proc").Details(1, WantFDs|WantEnv|WantPaths)
		if err != nil {
			t.Skipf("pid 1 not visible: %v", err)
		}
		s, _ := NewProcReader("/proc").Snapshot()
		if p := s.Get(1); p == nil || p.UID == os.Getuid() {
			t.Skip("pid 1 is this user's own process")
		}
		if !errors.Is(d.FDErr, ErrNoAccess) || !errors.Is(d.EnvErr, ErrNoAccess) || !errors.Is(d.ExeErr, ErrNoAccess) {
			t.Errorf("pid 1: fd %v env %v exe %v, want no access", d.FDErr, d.EnvErr, d.ExeErr)
		}
		return
	}

	target := liveStart(t, "sleep", "3600")
	zombie := liveStart(t, "sh", "-c", "exit 3")
	r := NewProcReader("/proc")
	livePoll(t, r, "the targets", func(s *Snapshot) bool {
		p := s.Get(target.Process.Pid)
		return p != nil && p.Comm == "sleep" && liveState(s, zombie.Process.Pid, 'Z')
	})

	// The test binary sits in a private build directory; nobody needs a
	// copy it can execute.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "proctree-noaccess")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "proctree.test")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}

	child := exec.Command(bin, "-test.run=^TestDetailsNoAccessChild$", "-test.count=1", "-test.v")
	child.Dir = dir
	child.Env = []string{fmt.Sprintf("%s=%d %d", noAccessEnv, target.Process.Pid, zombie.Process.Pid)}
	child.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := child.CombinedOutput()
	if err != nil {
		t.Fatalf("child as nobody: %v\n%s", err, out)
	}
	got := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "RESULT "), "="); ok && strings.HasPrefix(sc.Text(), "RESULT ") {
			got[k] = v
		}
	}
	want := map[string]string{
		"fd": "no access", "env": "no access", "cwd": "no access", "exe": "no access",
		"sig": "<nil>", // status is world-readable
		// The kernel hides a zombie's exit code from readers that may not
		// ptrace it, printing 0; the reader must not call that "exited 0".
		"zombie.raw52": "0", "zombie.hasexit": "false", "zombie.state": "Z",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("child saw %s=%q, want %q\n%s", k, got[k], v, out)
		}
	}
}

// TestDetailsNoAccessChild is the unprivileged side of TestDetailsNoAccess.
func TestDetailsNoAccessChild(t *testing.T) {
	env := os.Getenv(noAccessEnv)
	if env == "" {
		t.Skip("runs only as the child of TestDetailsNoAccess")
	}
	var target, zombie int
	if _, err := fmt.Sscan(env, &target, &zombie); err != nil {
		t.Fatal(err)
	}
	r := NewProcReader("/proc")
	d, err := r.Details(target, WantFDs|WantEnv|WantPaths|WantSignals)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("RESULT fd=%v\nRESULT env=%v\nRESULT cwd=%v\nRESULT exe=%v\nRESULT sig=%v\n",
		d.FDErr, d.EnvErr, d.CwdErr, d.ExeErr, d.SigErr)
	s, err := r.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if p := s.Get(zombie); p != nil {
		fmt.Printf("RESULT zombie.state=%c\nRESULT zombie.hasexit=%v\n", p.State, p.HasExit)
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", zombie))
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(raw))
	fmt.Printf("RESULT zombie.raw52=%s\n", fields[len(fields)-1])
}
