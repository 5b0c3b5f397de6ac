package proctree

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// gopsutilLetter is the letter the gopsutil reader can show for a kernel
// state letter: gopsutil's words merge t into T and have none for X, P, K.
func gopsutilLetter(state byte) byte {
	switch state {
	case 't':
		return 'T'
	case 'X', 'x', 'P', 'K':
		return '?'
	}
	return state
}

// TestReadersAgree reads the process table three times: proc, gopsutil,
// proc. Every process that lived through all three reads with the same
// start time, and whose state and parent did not change between the two
// proc reads, must look the same to both readers: pid, ppid, state, comm,
// uid, kernel thread or not. Children started here (sleeping, stopped,
// zombie) make sure the check covers processes whose answer is known.
func TestReadersAgree(t *testing.T) {
	sleeper := startChild(t, nil, "sleep", "30")
	stopped := startChild(t, nil, "sleep", "31")
	if err := stopped.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	zombie := startChild(t, nil, "sh", "-c", "exit 7")
	// The kernel names a process after the file it executes, cut to 15
	// bytes. When comm fills all 15, gopsutil reports the longer name from
	// argv[0] instead, which the reader must cut back.
	sleepPath, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	longPath := filepath.Join(t.TempDir(), "abcdefghijklmnopqrstu")
	if err := os.Symlink(sleepPath, longPath); err != nil {
		t.Fatal(err)
	}
	long := startChild(t, nil, longPath, "32")

	pr := NewProcReader("/proc")
	gr := NewGopsutilReader()
	// Let every child settle: a program just started runs its loader
	// first and only then sleeps.
	waitFor(t, pr, sleeper.Process.Pid, func(p *Proc) bool { return p.State == 'S' })
	waitFor(t, pr, stopped.Process.Pid, func(p *Proc) bool { return p.State == 'T' })
	waitFor(t, pr, zombie.Process.Pid, func(p *Proc) bool { return p.State == 'Z' })
	waitFor(t, pr, long.Process.Pid, func(p *Proc) bool { return p.Comm == "abcdefghijklmno" && p.State == 'S' })

	var a, g, b *Snapshot
	if a, err = pr.Snapshot(); err != nil {
		t.Fatal(err)
	}
	if g, err = gr.Snapshot(); err != nil {
		t.Fatal(err)
	}
	if b, err = pr.Snapshot(); err != nil {
		t.Fatal(err)
	}

	compared, flips := 0, 0
	want := map[int]byte{
		sleeper.Process.Pid: 'S',
		stopped.Process.Pid: 'T',
		zombie.Process.Pid:  'Z',
		long.Process.Pid:    'S',
	}
	covered := map[int]bool{}
	for _, pa := range a.Procs {
		pb, pg := b.Get(pa.PID), g.Get(pa.PID)
		if pb == nil || pg == nil || pb.StartTicks != pa.StartTicks {
			continue // exited or replaced during the reads
		}
		if pg.StartTicks != pa.StartTicks {
			// The same process seen by both must have the same start;
			// a different one means the pid was reused in between,
			// which the proc reads would have shown.
			t.Errorf("pid %d: gopsutil start %d, proc start %d (both proc reads agree)", pa.PID, pg.StartTicks, pa.StartTicks)
			continue
		}
		if pb.State != pa.State || pb.PPID != pa.PPID || pb.Comm != pa.Comm {
			continue // changed while being read; either answer could be right
		}
		compared++
		if _, ok := want[pa.PID]; ok {
			covered[pa.PID] = true
		}
		if pg.PPID != pa.PPID {
			t.Errorf("pid %d: ppid gopsutil %d, proc %d", pa.PID, pg.PPID, pa.PPID)
		}
		if pg.State != gopsutilLetter(pa.State) && transient(pg.State) && transient(pa.State) {
			// Running, waiting and idle alternate many times a second
			// (this very process runs while it reads); two equal proc
			// reads cannot prove the state held in between.
			flips++
			t.Logf("pid %d (%s): state gopsutil %c, proc %c: a scheduling race", pa.PID, pa.Comm, pg.State, pa.State)
		} else if pg.State != gopsutilLetter(pa.State) {
			t.Errorf("pid %d (%s): state gopsutil %c, proc %c", pa.PID, pa.Comm, pg.State, pa.State)
		}
		if pg.Comm != pa.Comm && pa.Kernel && kworkerBase(pg.Comm) == kworkerBase(pa.Comm) {
			// A kworker is named after the work queue it last served,
			// which can change and change back between two reads.
			t.Logf("pid %d: kworker renamed %q, %q: a race", pa.PID, pg.Comm, pa.Comm)
		} else if pg.Comm != pa.Comm {
			t.Errorf("pid %d: comm gopsutil %q, proc %q", pa.PID, pg.Comm, pa.Comm)
		}
		if pg.UID != pa.UID {
			t.Errorf("pid %d (%s): uid gopsutil %d, proc %d", pa.PID, pa.Comm, pg.UID, pa.UID)
		}
		if pg.Kernel != pa.Kernel {
			t.Errorf("pid %d (%s): kernel thread gopsutil %v, proc %v", pa.PID, pa.Comm, pg.Kernel, pa.Kernel)
		}
		// Both add the start ticks to a boot time in whole seconds.
		if d := pg.Start.Sub(pa.Start); d < -time.Second || d > time.Second {
			t.Errorf("pid %d: start time gopsutil %v, proc %v", pa.PID, pg.Start, pa.Start)
		}
	}
	for pid, state := range want {
		if !covered[pid] {
			t.Errorf("child %d was not compared (expected state %c)", pid, state)
			continue
		}
		if p := g.Get(pid); p.State != state || p.PPID != os.Getpid() {
			t.Errorf("child %d: gopsutil says state %c ppid %d, want %c %d", pid, p.State, p.PPID, state, os.Getpid())
		}
	}
	if p := g.Get(long.Process.Pid); p != nil && !slices.Equal(p.Cmdline, []string{longPath, "32"}) {
		t.Errorf("renamed child: gopsutil cmdline %q", p.Cmdline)
	}
	// Most of the table must be stable over three reads on any machine;
	// a tiny overlap means one reader is missing processes.
	if compared < len(a.Procs)/2 {
		t.Errorf("compared %d of %d processes: the readers see different tables", compared, len(a.Procs))
	}
	if flips > 1+compared/10 {
		t.Errorf("%d of %d processes changed between running and waiting: too many for chance", flips, compared)
	}
	t.Logf("compared %d processes (proc saw %d, gopsutil %d)", compared, len(a.Procs), len(g.Procs))

	if err := stopped.Process.Signal(syscall.SIGCONT); err != nil {
		t.Error(err)
	}
}

// kworkerBase is a kworker's name without the work queue it last served:
// "kworker/1:2-events" gives "kworker/1:2".
func kworkerBase(comm string) string {
	if !strings.HasPrefix(comm, "kworker/") {
		return comm
	}
	if i := strings.IndexByte(comm, '-'); i >= 0 {
		return comm[:i]
	}
	return comm
}

// transient reports whether a state lasts only until the scheduler next
// looks: running, sleeping, in disk wait, idle.
func transient(state byte) bool {
	return state == 'R' || state == 'S' || state == 'D' || state == 'I'
}
