package sim

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/sim/rawfork"
)

// envController makes the test binary play a proctui that builds a lab
// and then waits to be killed (TestLabDiesWithController).
const envController = "PROCTUI_TEST_CONTROLLER"

// TestMain lets the test binary serve as the lab image, as main.go does
// for proctui, and as the controller of TestLabDiesWithController.
func TestMain(m *testing.M) {
	if IsLabRole() {
		os.Exit(RunLabRole())
	}
	if os.Getenv(envController) == "1" {
		os.Exit(runController())
	}
	// A fork child that carries coverage counters (go test -coverpkg
	// naming it) would run them, and under -race they call into the race
	// runtime: such a test binary spawns the lab image instead.
	if testing.CoverMode() != "" && rawfork.ChildCovered(testing.Coverage) {
		os.Setenv(EnvNoRawFork, "1")
		fmt.Fprintln(os.Stderr, "sim: the fork child is instrumented for coverage in this test binary (never name it in -coverpkg); real fork() is off")
	}
	os.Exit(m.Run())
}

// runController builds a lab of every kind of process, prints their pids
// on one line and waits to be killed.
func runController() int {
	l, err := New(DefaultOptions())
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	var pids []int
	step := func(r Result, err error) int {
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		pids = append(pids, r.PID)
		return r.PID
	}
	a := step(l.Fork(l.Self()))                       // forked child
	step(l.Fork(a))                                   // forked grandchild
	step(l.Run(a, []string{"sleep", "300"}))          // a program under a forked child
	lab := step(l.Run(l.Self(), nil))                 // lab image
	step(l.Fork(lab))                                 // a real fork of the lab image
	step(l.Run(lab, []string{"sleep", "300"}))        // a program under the lab image
	step(l.Run(lab, []string{"lab"}))                 // a lab image under the lab image
	step(l.Run(a, []string{"lab"}))                   // a lab image exec'd by a forked child
	fmt.Println(strings.Trim(fmt.Sprint(pids), "[]")) // the test reads this line
	for {
		time.Sleep(time.Hour)
	}
}

// TestLabDiesWithController runs a proctui (the test binary as controller)
// that builds a lab, kills it with SIGKILL, and checks that every lab
// process ends within two seconds: each one sees EOF on its control socket,
// kills the children it made and exits. The orphans re-parent to this test
// process, a child subreaper for the duration, which reaps them.
func TestLabDiesWithController(t *testing.T) {
	setSubreaper(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envController+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- line
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("the controller did not report its lab")
	}
	var pids []int
	for _, f := range strings.Fields(line) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("controller: %s", line)
		}
		pids = append(pids, pid)
	}
	starts := map[int]uint64{}
	for _, pid := range pids {
		st, ok := readStat(pid)
		if !ok || st.state == 'Z' {
			t.Errorf("lab process %d is not running before the kill", pid)
		}
		starts[pid] = st.start
	}
	cmd.Process.Kill() // SIGKILL: no chance to clean up
	cmd.Wait()
	killed := time.Now()

	deadline := killed.Add(2 * time.Second)
	for {
		var alive []int
		for _, pid := range pids {
			if st, ok := same(pid, starts[pid]); ok && st.state != 'Z' {
				alive = append(alive, pid)
			}
		}
		if len(alive) == 0 {
			t.Logf("all %d lab processes ended %v after the controller was killed", len(pids), time.Since(killed).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("still running 2 s after the controller died: %v", alive)
			for _, pid := range alive {
				unix.Kill(pid, unix.SIGKILL) // ours: the test started them
			}
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Reap the orphans that came to this process.
	reapDeadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for {
			st, ok := same(pid, starts[pid])
			if !ok {
				break
			}
			if st.state == 'Z' && st.ppid == os.Getpid() {
				var ws unix.WaitStatus
				unix.Wait4(pid, &ws, unix.WNOHANG, nil)
				continue
			}
			if time.Now().After(reapDeadline) {
				t.Errorf("lab process %d (state %c, parent %d) is still there", pid, st.state, st.ppid)
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// setSubreaper makes the test process a child subreaper until the test ends.
func setSubreaper(t *testing.T) {
	t.Helper()
	was, err := getSubreaper()
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	if !was {
		t.Cleanup(func() { unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) })
	}
}
