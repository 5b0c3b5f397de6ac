package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The end-to-end tests run the built binary in a real terminal: a private
// tmux server, driven with send-keys and read with capture-pane, and check
// what the screen says against /proc.

// tmuxPane is one detached tmux session whose single pane runs proctui
// under a small wrapper (this test binary, see runE2EWrapper).
//
// The wrapper, not tmux, is proctui's parent: tmux 3.3 sometimes leaves a
// multi-threaded child that exited as a zombie it never waits for, and
// then has no exit status to report. The wrapper waits for proctui and
// writes down exactly what wait() returned.
type tmuxPane struct {
	t      *testing.T
	socket string
	dir    string // where the wrapper writes proctui's pid and status
	pid    int    // proctui
	start  string // its start time, field 22 of stat: (pid, start) names it
}

// startInTmux runs bin with args in a width×height tmux pane. The pane is
// kept after it exits (remain-on-exit) so that its last screen can be
// read; the whole tmux server is killed when the test ends.
// waitOwnRow waits until the screen shows proctui's own row under its
// parent, both pids read from /proc.
func (p *tmuxPane) waitOwnRow() {
	p.t.Helper()
	ppid, err := strconv.Atoi(statField(p.t, p.pid, 4))
	if err != nil {
		p.t.Fatal(err)
	}
	p.waitScreen("proctui's own row", func(s string) bool { return rowUnder(s, p.pid, ppid) })
}

func startInTmux(t *testing.T, width, height int, bin string, args ...string) *tmuxPane {
	t.Helper()
	requireLinux(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed; the end-to-end tests need a real terminal (apt-get install tmux)")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The server's socket lives in the test's own directory, so that
	// nothing is left in tmux's shared one.
	p := &tmuxPane{t: t, socket: filepath.Join(dir, "tmux"), dir: dir}
	t.Cleanup(func() {
		// Ends the server, and with it (SIGHUP) a pane still running.
		_ = exec.Command("tmux", "-S", p.socket, "kill-server").Run()
		if p.pid != 0 {
			p.requireGone()
		}
	})
	command := "exec env " + e2eWrapEnv + "=" + shellQuote(p.dir) + " " + shellQuote(self) + " " + shellQuote(bin)
	for _, a := range args {
		command += " " + shellQuote(a)
	}
	// One tmux invocation: the option is set before the pane can exit.
	p.tmux("-f", "/dev/null", "new-session", "-d", "-s", "e2e",
		"-x", strconv.Itoa(width), "-y", strconv.Itoa(height), command,
		";", "set-option", "-t", "e2e", "remain-on-exit", "on")

	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(p.dir, "pid"))
		if err == nil {
			p.pid, err = strconv.Atoi(string(b))
			if err != nil {
				t.Fatalf("pid file: %v", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("proctui did not start in tmux:\n%s", p.screen())
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.start = statField(t, p.pid, 22)
	return p
}

// e2eWrapEnv names the directory where the wrapper role of this test
// binary writes proctui's pid and exit status.
const e2eWrapEnv = "PROCTUI_E2E_WRAP"

// runE2EWrapper is the wrapper role: run argv with this terminal, write
// its pid, wait for it, write how it ended, exit.
func runE2EWrapper(dir string, argv []string) int {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, e2eWrapEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	writeFile := func(name, s string) {
		// Written whole, then renamed: the test never reads half a file.
		tmp := filepath.Join(dir, name+".tmp")
		if os.WriteFile(tmp, []byte(s), 0o644) == nil {
			_ = os.Rename(tmp, filepath.Join(dir, name))
		}
	}
	writeFile("pid", strconv.Itoa(cmd.Process.Pid))
	_ = cmd.Wait()
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case ws.Signaled():
		writeFile("status", "signal "+strconv.Itoa(int(ws.Signal())))
	default:
		writeFile("status", "exited "+strconv.Itoa(ws.ExitStatus()))
	}
	return 0
}

func (p *tmuxPane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", p.socket}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// format expands a tmux format for the pane, like #{pane_pid}.
func (p *tmuxPane) format(f string) string {
	p.t.Helper()
	return strings.TrimSpace(p.tmux("display-message", "-p", "-t", "e2e", f))
}

func (p *tmuxPane) screen() string {
	p.t.Helper()
	return p.tmux("capture-pane", "-p", "-t", "e2e")
}

func (p *tmuxPane) keys(keys ...string) {
	p.t.Helper()
	p.tmux(append([]string{"send-keys", "-t", "e2e"}, keys...)...)
}

// waitScreen polls the screen until ok accepts it.
func (p *tmuxPane) waitScreen(what string, ok func(screen string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := p.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the screen never showed %s:\n%s", what, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// quitEndsLab presses q and checks that proctui exited 0 and that none of
// the lab processes kids outlived it.
func (p *tmuxPane) quitEndsLab(kids ...int) {
	p.t.Helper()
	p.keys("q")
	if status := p.waitExit(); status != "exited 0" {
		p.t.Errorf("after q: %s, want exited 0", status)
	}
	for _, k := range kids {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", k)); err == nil {
			p.t.Errorf("lab process %d outlived proctui", k)
		}
	}
}

// waitExit waits until proctui has exited and been reaped, and returns
// what wait() said: "exited N" or "signal N".
func (p *tmuxPane) waitExit() string {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(filepath.Join(p.dir, "status")); err == nil {
			p.requireGone()
			return string(b)
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("proctui (%d) did not exit:\n%s", p.pid, p.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// requireGone checks that proctui's process is gone from /proc: exited
// and reaped.
func (p *tmuxPane) requireGone() {
	p.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
		if err != nil || statFieldOf(string(b), 22) != p.start {
			return // gone, or the pid already belongs to a newcomer
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("proctui %d is still in /proc: %s", p.pid, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// requireRestored checks that proctui left the alternate screen: the pane
// is back on its normal screen and none of proctui's frame is left on it.
func (p *tmuxPane) requireRestored() {
	p.t.Helper()
	// The wrapper exits right after proctui; then the pane is dead and
	// its screen final.
	deadline := time.Now().Add(10 * time.Second)
	for p.format("#{pane_dead}") != "1" {
		if time.Now().After(deadline) {
			p.t.Fatal("the pane did not end after proctui exited")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if alt := p.format("#{alternate_on}"); alt != "0" {
		p.t.Errorf("the pane is still on the alternate screen (alternate_on=%s)", alt)
	}
	if s := p.screen(); strings.Contains(s, "q quit") || strings.Contains(s, "PPID") {
		p.t.Errorf("proctui's frame is still on the normal screen:\n%s", s)
	}
}

// statField returns field n (1-based, as proc(5) counts) of /proc/PID/stat.
func statField(t *testing.T, pid, n int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("read stat of %d: %v", pid, err)
	}
	return statFieldOf(string(b), n)
}

func statFieldOf(stat string, n int) string {
	// Field 2, the command, is in parentheses and may hold spaces.
	i := strings.LastIndexByte(stat, ')')
	f := strings.Fields(stat[i+1:])
	if n < 3 || n-3 >= len(f) {
		return ""
	}
	return f[n-3]
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// rowUnder reports whether screen has a row for pid with ppid in the PPID
// column, and above it a row for ppid itself.
func rowUnder(screen string, pid, ppid int) bool {
	row := regexp.MustCompile(fmt.Sprintf(`(?m)^[\s└├│─]*%d\s+%d\s+[A-Za-z]\b`, pid, ppid))
	parent := regexp.MustCompile(fmt.Sprintf(`(?m)^[\s└├│─]*%d\s+\d+\s+[A-Za-z]\b`, ppid))
	r, p := row.FindStringIndex(screen), parent.FindStringIndex(screen)
	return r != nil && p != nil && p[0] < r[0]
}

func TestE2EQuit(t *testing.T) {
	p := startInTmux(t, 100, 30, proctuiBinary(t, ""))
	ppid, err := strconv.Atoi(statField(t, p.pid, 4))
	if err != nil {
		t.Fatal(err)
	}
	p.waitScreen(fmt.Sprintf("proctui's own row (%d) under its parent (%d)", p.pid, ppid), func(s string) bool {
		return rowUnder(s, p.pid, ppid)
	})
	if alt := p.format("#{alternate_on}"); alt != "1" {
		t.Errorf("proctui runs outside the alternate screen (alternate_on=%s)", alt)
	}

	p.keys("q")
	if status := p.waitExit(); status != "exited 0" {
		t.Errorf("after q: %s, want exited 0", status)
	}
	p.requireRestored()
}

func TestE2ESIGTERM(t *testing.T) {
	p := startInTmux(t, 100, 30, proctuiBinary(t, ""))
	p.waitScreen("proctui's own row", func(s string) bool {
		return regexp.MustCompile(fmt.Sprintf(`(?m)^[\s└├│─]*%d\s`, p.pid)).MatchString(s)
	})
	// A lab process, which must not outlive proctui.
	p.keys("f")
	var kids []int
	waitFor(t, "a child of proctui in /proc", func() bool {
		kids = childrenOf(t, p.pid)
		return len(kids) == 1
	})

	// Signal the process this test started (through tmux), by pid.
	if err := syscall.Kill(p.pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// proctui restores the terminal, ends its lab, and dies of the same
	// signal, so its parent learns what ended it.
	if status, want := p.waitExit(), fmt.Sprintf("signal %d", syscall.SIGTERM); status != want {
		t.Errorf("after SIGTERM: %s, want %s", status, want)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", kids[0])); err == nil {
		t.Errorf("lab process %d outlived proctui", kids[0])
	}
	p.requireRestored()
}

// childrenOf lists the pids whose parent is ppid, from every
// /proc/PID/stat: a process may fork from any of its threads, so one
// thread's children file is not enough.
func childrenOf(t *testing.T, ppid int) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var kids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		if statFieldOf(string(b), 4) == strconv.Itoa(ppid) {
			kids = append(kids, pid)
		}
	}
	return kids
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestE2ELab(t *testing.T) {
	p := startInTmux(t, 100, 30, proctuiBinary(t, ""))
	p.waitOwnRow()

	// f twice on proctui: two real children, each drawn under proctui.
	var kids []int
	for n := 1; n <= 2; n++ {
		p.keys("f")
		waitFor(t, fmt.Sprintf("child %d of proctui in /proc", n), func() bool {
			kids = childrenOf(t, p.pid)
			return len(kids) == n
		})
	}
	for _, k := range kids {
		if comm := strings.TrimSpace(readFile(t, fmt.Sprintf("/proc/%d/comm", k))); comm != "proctui" {
			t.Errorf("child %d runs %q; a fork runs the parent's program, proctui", k, comm)
		}
	}
	p.waitScreen("both children under proctui", func(s string) bool {
		return rowUnder(s, kids[0], p.pid) && rowUnder(s, kids[1], p.pid)
	})

	// The selection stayed on proctui; the older child is the next row.
	child := kids[0]
	if startTicks(t, kids[1]) < startTicks(t, child) {
		child = kids[1]
	}
	p.keys("j", "x")
	p.waitScreen(fmt.Sprintf("the exit prompt for %d", child), func(s string) bool {
		return strings.Contains(s, fmt.Sprintf("exit status for %d", child))
	})
	p.keys("BSpace", "BSpace", "BSpace", "3", "Enter")
	waitFor(t, fmt.Sprintf("%d to become a zombie", child), func() bool {
		return statField(t, child, 3) == "Z"
	})
	// Field 52 is the status the kernel keeps for the parent's wait:
	// exit code 3 in bits 8-15.
	if st := statField(t, child, 52); st != strconv.Itoa(3<<8) {
		t.Errorf("zombie %d keeps status %s, want %d (exited 3)", child, st, 3<<8)
	}
	p.waitScreen("the zombie row", func(s string) bool {
		return regexp.MustCompile(fmt.Sprintf(`(?m)^[\s└├│─!+-]*%d\s+%d\s+Z\b`, child, p.pid)).MatchString(s)
	})

	// w: proctui waits for it, and the kernel forgets it.
	p.keys("w")
	waitFor(t, fmt.Sprintf("%d to be reaped", child), func() bool {
		_, err := os.Stat(fmt.Sprintf("/proc/%d", child))
		return err != nil
	})
	p.waitScreen("the reaped ghost", func(s string) bool {
		return strings.Contains(s, "reaped")
	})

	// q ends the rest of the lab and reaps it.
	p.quitEndsLab(kids...)
	p.requireRestored()
}

func startTicks(t *testing.T, pid int) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(statField(t, pid, 22), 10, 64)
	if err != nil {
		t.Fatalf("start time of %d: %v", pid, err)
	}
	return n
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
