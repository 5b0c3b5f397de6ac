package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binDir holds the proctui binary that TestMain builds once for every test
// that runs the real program. It is set before any test runs and never
// changed after.
var binDir string

func TestMain(m *testing.M) {
	if dir := os.Getenv(e2eWrapEnv); dir != "" {
		// This binary was started as the end-to-end tests' wrapper.
		os.Exit(runE2EWrapper(dir, os.Args[1:]))
	}
	dir, err := os.MkdirTemp("", "proctui-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proctuiBinary builds the program once (per ldflags) and returns its path.
func proctuiBinary(t *testing.T, ldflags string) string {
	t.Helper()
	name := "proctui"
	if ldflags != "" {
		name = fmt.Sprintf("proctui-%x", hashString(ldflags))
	}
	path := filepath.Join(binDir, name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	args := []string{"build", "-o", path}
	if ldflags != "" {
		args = append(args, "-ldflags", ldflags)
	}
	cmd := exec.Command("go", append(args, ".")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return path
}

func hashString(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

// result is what one run of the binary did.
type result struct {
	stdout, stderr string
	status         int
	pid            int
}

// runBinary runs the built program with args and extra files (fd 3 on),
// and waits for it.
func runBinary(t *testing.T, bin string, extra []*os.File, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.ExtraFiles = extra
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if cmd.Process != nil {
		r.pid = cmd.Process.Pid
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.status = ee.ExitCode()
	default:
		t.Fatalf("run %s %v: %v", bin, args, err)
	}
	return r
}

func TestFlagErrors(t *testing.T) {
	bin := proctuiBinary(t, "")
	cases := map[string]struct {
		args  []string
		msg   string // the one-line complaint
		usage string // a line only that usage has
	}{
		"unknown flag":          {[]string{"--bogus"}, "proctui: unknown flag --bogus", "--max-lab N"},
		"bad interval":          {[]string{"--interval", "soon"}, `proctui: bad value "soon" for --interval`, "--max-lab N"},
		"zero interval":         {[]string{"--interval=0s"}, "proctui: --interval must be more than 0", "--max-lab N"},
		"negative interval":     {[]string{"--interval=-1s"}, "proctui: --interval must be more than 0", "--max-lab N"},
		"bad theme":             {[]string{"--theme", "pink"}, `proctui: bad value "pink" for --theme: want one of dark, light, contrast, mono`, "--max-lab N"},
		"bad source":            {[]string{"--source=ps"}, `proctui: bad value "ps" for --source`, "--max-lab N"},
		"bad max-lab":           {[]string{"--max-lab=0"}, "proctui: --max-lab must be at least 1", "--max-lab N"},
		"stray argument":        {[]string{"frobnicate"}, `proctui: unexpected argument "frobnicate"`, "--max-lab N"},
		"snapshot unknown flag": {[]string{"snapshot", "--bogus"}, "proctui: unknown flag --bogus", "--pid N"},
		"snapshot bad pid":      {[]string{"snapshot", "--pid", "init"}, `proctui: bad value "init" for --pid: not a valid number`, "--pid N"},
		"snapshot missing pid":  {[]string{"snapshot", "--pid"}, "proctui: flag --pid needs a value", "--pid N"},
		"snapshot all and pid":  {[]string{"snapshot", "--all", "--pid", "1"}, "proctui: --all and --pid cannot be used together", "--pid N"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := runBinary(t, bin, nil, c.args...)
			if r.status != 2 {
				t.Errorf("exit status %d, want 2", r.status)
			}
			first, rest, _ := strings.Cut(r.stderr, "\n")
			if !strings.HasPrefix(first, c.msg) {
				t.Errorf("first line of stderr %q, want it to start with %q", first, c.msg)
			}
			if !strings.Contains(rest, "Usage:") || !strings.Contains(rest, c.usage) {
				t.Errorf("stderr after the complaint is not the usage:\n%s", rest)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	bin := proctuiBinary(t, "")
	cases := map[string]struct {
		args []string
		want string
	}{
		"--help":          {[]string{"--help"}, "--max-lab N"},
		"-h":              {[]string{"-h"}, "--max-lab N"},
		"help":            {[]string{"help"}, "--max-lab N"},
		"help snapshot":   {[]string{"help", "snapshot"}, "--pid N"},
		"snapshot --help": {[]string{"snapshot", "--help"}, "--pid N"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := runBinary(t, bin, nil, c.args...)
			if r.status != 0 {
				t.Errorf("exit status %d, want 0; stderr: %s", r.status, r.stderr)
			}
			if !strings.Contains(r.stdout, "Usage:") || !strings.Contains(r.stdout, c.want) {
				t.Errorf("stdout is not the usage with %q:\n%s", c.want, r.stdout)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	t.Run("dev build", func(t *testing.T) {
		r := runBinary(t, proctuiBinary(t, ""), nil, "--version")
		if r.status != 0 || !strings.HasPrefix(r.stdout, "proctui ") || strings.Count(r.stdout, "\n") != 1 {
			t.Errorf("--version: status %d, stdout %q; want 0 and one line \"proctui <version>\"", r.status, r.stdout)
		}
	})
	t.Run("release build", func(t *testing.T) {
		bin := proctuiBinary(t, "-X main.version=1.2.3 -X main.commit=abc1234 -X main.date=2026-01-02T03:04:05Z")
		r := runBinary(t, bin, nil, "--version")
		want := "proctui 1.2.3 (abc1234, 2026-01-02T03:04:05Z)\n"
		if r.status != 0 || r.stdout != want {
			t.Errorf("--version: status %d, stdout %q; want 0 and %q", r.status, r.stdout, want)
		}
	})
}

func TestNotATerminal(t *testing.T) {
	// The test's stdout is a buffer, not a terminal: proctui must refuse
	// and point to snapshot instead of drawing into a pipe.
	r := runBinary(t, proctuiBinary(t, ""), nil)
	if r.status != 1 || !strings.Contains(r.stderr, "not a terminal") || !strings.Contains(r.stderr, "proctui snapshot") {
		t.Errorf("status %d, stderr %q; want 1 and a hint to run proctui snapshot", r.status, r.stderr)
	}
}

// jsonOut is `proctui snapshot --json` read back, with every field kept raw
// enough to tell null from a value.
type jsonOut struct {
	Processes []jsonProcOut `json:"processes"`
}

// jsonProcOut is one process of jsonOut.
type jsonProcOut struct {
	PID        int       `json:"pid"`
	PPID       int       `json:"ppid"`
	State      string    `json:"state"`
	Comm       string    `json:"comm"`
	Cmdline    []string  `json:"cmdline"`
	UID        *int      `json:"uid"`
	User       *string   `json:"user"`
	Threads    int       `json:"threads"`
	StartTime  *string   `json:"start_time"`
	RSSBytes   *uint64   `json:"rss_bytes"`
	ExitStatus *string   `json:"exit_status"`
	FDs        *[]jsonFD `json:"fds"`
	Signals    *struct {
		Pending []string `json:"pending"`
		Blocked []string `json:"blocked"`
		Ignored []string `json:"ignored"`
		Caught  []string `json:"caught"`
	} `json:"signals"`
}

// find returns the process with the given pid. The output is in pid
// order, which is not the order of birth once pids wrap around.
func (o *jsonOut) find(t *testing.T, pid int) *jsonProcOut {
	t.Helper()
	for i := range o.Processes {
		if o.Processes[i].PID == pid {
			return &o.Processes[i]
		}
	}
	t.Fatalf("pid %d is not in the output", pid)
	return nil
}

func parseSnapshotJSON(t *testing.T, s string) jsonOut {
	t.Helper()
	var out jsonOut
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("snapshot --json is not the documented JSON: %v\n%s", err, s)
	}
	return out
}

// procStat reads ppid and the state letter from /proc/PID/stat. The
// command name is in parentheses and may itself hold spaces and ')', so
// the fields are counted from the last ')'.
func procStat(t *testing.T, pid int) (ppid int, state byte) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("read stat of %d: %v", pid, err)
	}
	rest := b[bytes.LastIndexByte(b, ')')+2:]
	f := strings.Fields(string(rest))
	ppid, err = strconv.Atoi(f[1])
	if err != nil {
		t.Fatalf("stat of %d: ppid %q: %v", pid, f[1], err)
	}
	return ppid, f[0][0]
}

func requireLinux(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc to check the output; /proc is Linux only")
	}
}

func TestSnapshotJSONOwnBranch(t *testing.T) {
	requireLinux(t)
	r := runBinary(t, proctuiBinary(t, ""), nil, "snapshot", "--json")
	if r.status != 0 {
		t.Fatalf("status %d, stderr %s", r.status, r.stderr)
	}
	out := parseSnapshotJSON(t, r.stdout)

	self := os.Getpid()
	wantPPID, _ := procStat(t, self)
	byPID := map[int]int{}
	for i, p := range out.Processes {
		byPID[p.PID] = i
	}
	// The default scope is the snapshot's own branch: its ancestors, this
	// test among them, down to itself.
	i, ok := byPID[self]
	if !ok {
		t.Fatalf("the test process %d is not in its child's branch: %s", self, r.stdout)
	}
	tp := out.Processes[i]
	if tp.PPID != wantPPID {
		t.Errorf("test process: ppid %d, /proc says %d", tp.PPID, wantPPID)
	}
	if _, ok := byPID[wantPPID]; !ok && wantPPID != 0 {
		t.Errorf("the test's parent %d is missing from the branch", wantPPID)
	}
	i, ok = byPID[r.pid]
	if !ok {
		t.Fatalf("the snapshot process %d is not in its own output", r.pid)
	}
	sp := out.Processes[i]
	if sp.PPID != self || (sp.State != "R" && sp.State != "S") || sp.Comm != filepath.Base(proctuiBinary(t, "")) {
		t.Errorf("snapshot process: ppid %d state %q comm %q; want %d, R or S (the main thread may sleep while another reads), proctui", sp.PPID, sp.State, sp.Comm, self)
	}
	if len(sp.Cmdline) != 3 || sp.Cmdline[1] != "snapshot" || sp.Cmdline[2] != "--json" {
		t.Errorf("snapshot process cmdline %q", sp.Cmdline)
	}
	if sp.UID == nil || *sp.UID != os.Getuid() || sp.User == nil || *sp.User == "" {
		t.Errorf("uid %v user %v, want %d and a name", sp.UID, sp.User, os.Getuid())
	}
	if sp.StartTime == nil {
		t.Error("start_time is null")
	} else if st, err := time.Parse(time.RFC3339, *sp.StartTime); err != nil || time.Since(st) > time.Minute || time.Until(st) > 2*time.Second {
		t.Errorf("start_time %q: not a recent RFC 3339 time (%v)", *sp.StartTime, err)
	}
	if sp.Threads < 1 || sp.RSSBytes == nil || *sp.RSSBytes == 0 {
		t.Errorf("threads %d rss %v", sp.Threads, sp.RSSBytes)
	}
	if sp.ExitStatus != nil {
		t.Errorf("exit_status %q for a live process, want null", *sp.ExitStatus)
	}
	if sp.FDs != nil || strings.Contains(r.stdout, `"fds"`) {
		t.Error(`"fds" is in the output without --fds`)
	}
	// A Go program catches SIGURG (goroutine preemption) and, in a
	// process started by os/exec, ignores nothing by default.
	if sp.Signals == nil || sp.Signals.Caught == nil || !contains(sp.Signals.Caught, "SIGURG") {
		t.Errorf("signals %+v: want caught to hold SIGURG", sp.Signals)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// startChild starts argv and ends and reaps it when the test ends.
func startChild(t *testing.T, argv ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", argv, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// waitState polls /proc until pid is in state.
func waitState(t *testing.T, pid int, state byte) {
	t.Helper()
	waitFor(t, fmt.Sprintf("process %d in state %c", pid, state), func() bool {
		_, s := procStat(t, pid)
		return s == state
	})
}

func TestSnapshotPIDBranch(t *testing.T) {
	requireLinux(t)
	bin := proctuiBinary(t, "")
	// sh sets SIGUSR1 to ignored and execs sleep: an ignored disposition
	// survives exec, a caught one would not.
	child := startChild(t, "sh", "-c", `trap "" USR1; exec sleep 300`)
	pid := child.Process.Pid
	waitComm(t, pid, "sleep")

	r := runBinary(t, bin, nil, "snapshot", "--pid", strconv.Itoa(pid))
	if r.status != 0 {
		t.Fatalf("status %d, stderr %s", r.status, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	last := lines[len(lines)-1]
	if want := fmt.Sprintf("└─ %d S sleep 300", pid); !strings.HasSuffix(last, want) {
		t.Errorf("last line %q, want it to end with %q\n%s", last, want, r.stdout)
	}
	if want := fmt.Sprintf("─ %d ", os.Getpid()); !strings.Contains(r.stdout, want) {
		t.Errorf("the child's parent (this test, %d) is not drawn above it:\n%s", os.Getpid(), r.stdout)
	}
	// The snapshot process itself is a sibling of the child, not on its
	// branch.
	if strings.Contains(r.stdout, fmt.Sprintf(" %d ", r.pid)) {
		t.Errorf("the snapshot process %d is outside --pid %d's branch but was printed:\n%s", r.pid, pid, r.stdout)
	}

	r = runBinary(t, bin, nil, "snapshot", "--json", "--pid", strconv.Itoa(pid))
	out := parseSnapshotJSON(t, r.stdout)
	p := out.find(t, pid)
	if p.PPID != os.Getpid() || p.Comm != "sleep" {
		t.Fatalf("child %d: ppid %d, comm %s; want %d, sleep", pid, p.PPID, p.Comm, os.Getpid())
	}
	if p.Signals == nil || !contains(p.Signals.Ignored, "SIGUSR1") || p.Signals.Pending == nil {
		t.Errorf("signals %+v: want SIGUSR1 ignored and a known pending set", p.Signals)
	}
}

// waitComm polls until pid's comm is comm (the exec has happened).
func waitComm(t *testing.T, pid int, comm string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("process %d named %s", pid, comm), func() bool {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		return strings.TrimSpace(string(b)) == comm
	})
}

func TestSnapshotZombie(t *testing.T) {
	requireLinux(t)
	child := startChild(t, "sh", "-c", "exit 3")
	pid := child.Process.Pid
	// Not waited for yet: the kernel keeps it as a zombie holding its
	// status until this test calls wait (the cleanup does).
	waitState(t, pid, 'Z')

	bin := proctuiBinary(t, "")
	r := runBinary(t, bin, nil, "snapshot", "--pid", strconv.Itoa(pid))
	if want := fmt.Sprintf("%d Z sh  <zombie: exited 3, not reaped>", pid); !strings.Contains(r.stdout, want) {
		t.Errorf("text output lacks %q:\n%s", want, r.stdout)
	}
	r = runBinary(t, bin, nil, "snapshot", "--json", "--pid", strconv.Itoa(pid))
	out := parseSnapshotJSON(t, r.stdout)
	p := out.find(t, pid)
	if p.State != "Z" || p.ExitStatus == nil || *p.ExitStatus != "exited 3" {
		t.Errorf("zombie: pid %d state %q exit_status %v; want %d Z \"exited 3\"", p.PID, p.State, p.ExitStatus, pid)
	}

	if err := child.Wait(); err == nil || child.ProcessState.ExitCode() != 3 {
		t.Errorf("wait: %v, want exit status 3", err)
	}
	r = runBinary(t, bin, nil, "snapshot", "--pid", strconv.Itoa(pid))
	if r.status != 1 || !strings.Contains(r.stderr, fmt.Sprintf("no process with pid %d", pid)) {
		t.Errorf("after reaping: status %d, stderr %q; want 1 and \"no process with pid %d\"", r.status, r.stderr, pid)
	}
}

func TestSnapshotMissingPID(t *testing.T) {
	requireLinux(t)
	// pid_max itself is never a pid: the kernel hands out pids below it.
	b, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		t.Fatal(err)
	}
	pid := strings.TrimSpace(string(b))
	r := runBinary(t, proctuiBinary(t, ""), nil, "snapshot", "--pid", pid)
	if r.status != 1 || r.stderr != "proctui snapshot: no process with pid "+pid+"\n" || r.stdout != "" {
		t.Errorf("status %d stdout %q stderr %q; want 1 and one clear line", r.status, r.stdout, r.stderr)
	}
}

func TestSnapshotFDs(t *testing.T) {
	requireLinux(t)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(pw.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	target := fmt.Sprintf("pipe:[%d]", st.Ino)
	bin := proctuiBinary(t, "")

	// The write end becomes fd 3 of the snapshot process, without
	// close-on-exec: so the pipe is in the table it reads of itself.
	r := runBinary(t, bin, []*os.File{pw}, "snapshot", "--fds", "--json")
	if r.status != 0 {
		t.Fatalf("status %d, stderr %s", r.status, r.stderr)
	}
	out := parseSnapshotJSON(t, r.stdout)
	var found bool
	for _, p := range out.Processes {
		if p.PID != r.pid {
			continue
		}
		if p.FDs == nil {
			t.Fatalf("fds of the snapshot process are null")
		}
		for _, fd := range *p.FDs {
			if fd.FD != 3 {
				continue
			}
			found = true
			if fd.Type != "pipe" || fd.Target != target || fd.Mode == nil || *fd.Mode != "w" ||
				fd.Cloexec == nil || *fd.Cloexec {
				t.Errorf("fd 3: %+v; want the write end of %s, not close-on-exec", fd, target)
			}
		}
	}
	if !found {
		t.Errorf("fd 3 (%s) not in the snapshot process's table:\n%s", target, r.stdout)
	}

	r = runBinary(t, bin, []*os.File{pw}, "snapshot", "--fds")
	if want := "fd 3   w  pipe   " + target; !strings.Contains(r.stdout, want) {
		t.Errorf("text output lacks %q:\n%s", want, r.stdout)
	}
}

func TestSnapshotAll(t *testing.T) {
	requireLinux(t)
	r := runBinary(t, proctuiBinary(t, ""), nil, "snapshot", "--all", "--json")
	out := parseSnapshotJSON(t, r.stdout)
	pids := map[int]bool{}
	for _, p := range out.Processes {
		pids[p.PID] = true
	}
	for _, pid := range []int{1, os.Getpid(), r.pid} {
		if !pids[pid] {
			t.Errorf("--all lacks pid %d", pid)
		}
	}
	r = runBinary(t, proctuiBinary(t, ""), nil, "snapshot", "--all")
	if !strings.HasPrefix(r.stdout, "1 ") {
		t.Errorf("--all text does not start at pid 1:\n%.300s", r.stdout)
	}
}

func TestSnapshotGopsutil(t *testing.T) {
	requireLinux(t)
	r := runBinary(t, proctuiBinary(t, ""), nil, "snapshot", "--source", "gopsutil", "--json")
	if r.status != 0 {
		t.Fatalf("status %d, stderr %s", r.status, r.stderr)
	}
	// The portable reader sees less, and says what.
	if !strings.Contains(r.stderr, "read through gopsutil") || !strings.Contains(r.stderr, "exit status of zombies") {
		t.Errorf("stderr does not say what gopsutil cannot show: %q", r.stderr)
	}
	out := parseSnapshotJSON(t, r.stdout)
	var found bool
	for _, p := range out.Processes {
		if p.PID == r.pid {
			found = true
			if p.PPID != os.Getpid() || p.Comm != "proctui" {
				t.Errorf("snapshot process: ppid %d comm %q; want %d proctui", p.PPID, p.Comm, os.Getpid())
			}
		}
	}
	if !found {
		t.Errorf("the snapshot process %d is not in its own output:\n%s", r.pid, r.stdout)
	}
}

func TestSnapshotControlCharacters(t *testing.T) {
	requireLinux(t)
	// An argument with a newline must not split the process over two
	// lines of the text output. sh blocks reading a pipe that this test
	// never writes to; the odd argument is its $0.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	cmd := exec.Command("sh", "-c", "read x", "\nforged 1 S line")
	cmd.Stdin = pr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	pid := cmd.Process.Pid
	waitState(t, pid, 'S')

	r := runBinary(t, proctuiBinary(t, ""), nil, "snapshot", "--pid", strconv.Itoa(pid))
	if want := fmt.Sprintf("%d S sh -c read x ?forged 1 S line\n", pid); !strings.HasSuffix(r.stdout, want) {
		t.Errorf("output does not end with %q:\n%s", want, r.stdout)
	}
}
