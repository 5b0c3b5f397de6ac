package proctree

import (
	"os/exec"
	"testing"
	"time"
)

// Helpers for tests against the real kernel. Every process they start is
// killed and reaped when the test ends.

// liveStart starts name with args as a child of the test and ends it (kill,
// then wait) when the test is over. The caller may Wait first.
func liveStart(tb testing.TB, name string, args ...string) *exec.Cmd {
	tb.Helper()
	cmd := exec.Command(name, args...)
	liveStartCmd(tb, cmd)
	return cmd
}

// liveStartCmd starts a prepared command and ends it when the test is over.
func liveStartCmd(tb testing.TB, cmd *exec.Cmd) {
	tb.Helper()
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %v: %v", cmd.Args, err)
	}
	tb.Cleanup(func() { liveEnd(cmd) })
}

// liveEnd kills and reaps cmd unless it was reaped already.
func liveEnd(cmd *exec.Cmd) {
	if cmd.ProcessState != nil {
		return
	}
	_ = cmd.Process.Kill() // it may have exited already: it is a zombie until Wait
	_ = cmd.Wait()
}

// liveSleepers starts n "sleep 3600" children and ends them all when the
// test is over: all are killed first, then all are reaped, which is much
// faster than one at a time.
func liveSleepers(tb testing.TB, n int) []*exec.Cmd {
	tb.Helper()
	cmds := make([]*exec.Cmd, 0, n)
	tb.Cleanup(func() {
		for _, c := range cmds {
			_ = c.Process.Kill()
		}
		for _, c := range cmds {
			_ = c.Wait()
		}
	})
	for range n {
		c := exec.Command("sleep", "3600")
		if err := c.Start(); err != nil {
			tb.Fatalf("start sleeper %d of %d: %v", len(cmds)+1, n, err)
		}
		cmds = append(cmds, c)
	}
	return cmds
}

// livePoll takes snapshots with r until cond holds, and returns that
// snapshot. It fails the test after ten seconds, naming what it waited for.
func livePoll(tb testing.TB, r Reader, what string, cond func(*Snapshot) bool) *Snapshot {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := r.Snapshot()
		if err != nil {
			tb.Fatalf("snapshot: %v", err)
		}
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			tb.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// liveState reports whether pid is in s with the given state letter.
func liveState(s *Snapshot, pid int, state byte) bool {
	p := s.Get(pid)
	return p != nil && p.State == state
}
