package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLessonsCommand(t *testing.T) {
	bin := proctuiBinary(t, "")
	r := runBinary(t, bin, nil, "lessons")
	if r.status != 0 {
		t.Fatalf("status %d, stderr %s", r.status, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) < 14 {
		t.Fatalf("%d lessons listed:\n%s", len(lines), r.stdout)
	}
	names := map[string]bool{}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 2 {
			t.Fatalf("line %q is not name then title", l)
		}
		names[f[0]] = true
	}
	for _, n := range []string{"pids", "fds", "environment", "fork", "cow", "wait", "detach", "signals",
		"pipes", "sockets", "spawn-exec", "wait-twice", "never-zombie", "passing"} {
		if !names[n] {
			t.Errorf("lesson %s not listed", n)
		}
	}
	if r := runBinary(t, bin, nil, "lessons", "extra"); r.status != 2 {
		t.Errorf("lessons extra: status %d, want 2", r.status)
	}
}

// TestLessonFlagErrors: a bad lesson is refused before the terminal is
// even looked at, with the file, the line and the reason.
func TestLessonFlagErrors(t *testing.T) {
	bin := proctuiBinary(t, "")
	bad := filepath.Join(t.TempDir(), "bad.lesson")
	if err := os.WriteFile(bad, []byte("lesson x\ntitle t\nstep\nsay hi\ncheck zombie maybe\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, bin, nil, "--lesson", bad)
	if want := "proctui: --lesson: " + bad + ":5: zombie \"maybe\""; r.status != 1 || !strings.HasPrefix(r.stderr, want) ||
		strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("status %d, stderr %q; want 1 and one line starting %q", r.status, r.stderr, want)
	}
	r = runBinary(t, bin, nil, "--lesson", "no-such-lesson")
	if r.status != 1 || !strings.Contains(r.stderr, "the lessons are: pids") {
		t.Errorf("unknown lesson: status %d, stderr %q", r.status, r.stderr)
	}
}
