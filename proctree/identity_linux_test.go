package proctree

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// retitleEnv makes the test binary, run as a child, change who it is
// without an exec: see TestRetitleChild.
const retitleEnv = "PROCTREE_RETITLE_CHILD"

// nobody is the uid the child moves to when it runs as root.
const nobody = 65534

// TestRetitleChild is not a test: it is the child TestYoungProcessChanges
// starts. Half a second in, it rewrites its argv in place, as sshd sets
// its title (/proc/PID/cmdline reads the argv memory; comm stays), and, as
// root, drops to uid nobody as a daemon drops privileges. Then it waits to
// be killed.
func TestRetitleChild(t *testing.T) {
	if os.Getenv(retitleEnv) != "1" {
		t.Skip("the child of TestYoungProcessChanges")
	}
	time.Sleep(500 * time.Millisecond)
	// The runtime's os.Args[0] points at the argv the kernel set up.
	arg0 := unsafe.Slice(unsafe.StringData(os.Args[0]), len(os.Args[0]))
	title := "retitled"
	for i := range arg0 {
		arg0[i] = ' '
		if i < len(title) {
			arg0[i] = title[i]
		}
	}
	if os.Getuid() == 0 {
		if err := syscall.Setuid(nobody); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(time.Minute)
}

// TestYoungProcessChanges: the reader caches uid and command line for the
// life of a process, but reads them again while the process is young, so
// a title set or privileges dropped in its first seconds show.
func TestYoungProcessChanges(t *testing.T) {
	r := NewProcReader("/proc")
	defer r.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRetitleChild$")
	cmd.Env = append(os.Environ(), retitleEnv+"=1")
	liveStartCmd(t, cmd)
	pid := cmd.Process.Pid
	first := livePoll(t, r, "the child with its first command line", func(s *Snapshot) bool {
		p := s.Get(pid)
		return p != nil && len(p.Cmdline) > 0 && strings.HasSuffix(p.Cmdline[0], ".test")
	}).Get(pid)
	wantUID := os.Getuid()
	if wantUID == 0 {
		wantUID = nobody
	}
	last := livePoll(t, r, "the new title and uid", func(s *Snapshot) bool {
		p := s.Get(pid)
		return p != nil && len(p.Cmdline) > 0 && strings.HasPrefix(p.Cmdline[0], "retitled") && p.UID == wantUID
	}).Get(pid)
	if last.Comm != first.Comm {
		t.Errorf("comm went from %q to %q: the test meant a change without exec or PR_SET_NAME", first.Comm, last.Comm)
	}
}
