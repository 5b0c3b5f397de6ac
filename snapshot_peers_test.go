package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestSnapshotPeers: `snapshot --fds --json` names the other end of a pipe
// between two processes, both ways.
func TestSnapshotPeers(t *testing.T) {
	requireLinux(t)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	start := func(stdin, stdout *os.File) int {
		cmd := exec.Command("sleep", "60")
		cmd.Stdin, cmd.Stdout = stdin, stdout
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
		waitComm(t, cmd.Process.Pid, "sleep")
		return cmd.Process.Pid
	}
	writer := start(nil, pw)
	reader := start(pr, nil)
	pr.Close()
	pw.Close()

	bin := proctuiBinary(t, "")
	r := runBinary(t, bin, nil, "snapshot", "--all", "--fds", "--json")
	if r.status != 0 {
		t.Fatalf("status %d, stderr %s", r.status, r.stderr)
	}
	out := parseSnapshotJSON(t, r.stdout)
	peerOf := func(pid, fd int) string {
		p := out.find(t, pid)
		if p.FDs == nil {
			t.Fatalf("fds of %d are null", pid)
		}
		for _, f := range *p.FDs {
			if f.FD == fd {
				if f.Peers == nil {
					t.Fatalf("fd %d of %d (%s) has no peers field", fd, pid, f.Target)
				}
				var s []string
				for _, pe := range *f.Peers {
					s = append(s, fmt.Sprintf("%d/%d/%s", pe.PID, pe.FD, pe.Comm))
				}
				return strings.Join(s, " ")
			}
		}
		t.Fatalf("%d has no fd %d", pid, fd)
		return ""
	}
	if got, want := peerOf(writer, 1), fmt.Sprintf("%d/0/sleep", reader); got != want {
		t.Errorf("peers of the write end: %q, want %q", got, want)
	}
	if got, want := peerOf(reader, 0), fmt.Sprintf("%d/1/sleep", writer); got != want {
		t.Errorf("peers of the read end: %q, want %q", got, want)
	}

	r = runBinary(t, bin, nil, "snapshot", "--all", "--fds")
	if want := fmt.Sprintf("→ %d fd 0 (sleep)", reader); !strings.Contains(r.stdout, want) {
		t.Errorf("text output lacks %q", want)
	}
}
