package model

import (
	"errors"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
)

// t0 is the fixture's "now": every time in the fixtures is relative to it,
// so a frame is the same on every machine and every day.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

const (
	selfPID = 4312
	hz      = 100 // clock ticks per second in the fixture
)

// proc builds a fixture process that started ago before t0.
func proc(pid, ppid int, state byte, comm string, ago time.Duration, argv ...string) proctree.Proc {
	start := t0.Add(-ago)
	return proctree.Proc{
		PID: pid, PPID: ppid, State: state, Comm: comm, Cmdline: argv,
		UID: 0, User: "root", Threads: 1,
		StartTicks: uint64(start.Sub(t0.Add(-48*time.Hour)) / (time.Second / hz)),
		Start:      start,
		RSS:        uint64(pid%97+1) << 20,
	}
}

func kthread(pid, ppid int, state byte, comm string) proctree.Proc {
	p := proc(pid, ppid, state, comm, 47*time.Hour)
	p.Kernel, p.RSS, p.Cmdline = true, 0, nil
	return p
}

func zombie(p proctree.Proc, status proctree.WaitStatus) proctree.Proc {
	p.State, p.Cmdline, p.RSS, p.HasExit, p.Exit = 'Z', nil, 0, true, status
	return p
}

// baseProcs is a small machine: init, kernel threads, an ssh login whose
// bash runs proctui, and proctui's lab: a forked child that has exited with
// status 3 (a zombie), a cat it ran, and a sleep under that.
func baseProcs() []proctree.Proc {
	alice := func(p proctree.Proc) proctree.Proc { p.UID, p.User = 1000, "alice"; return p }
	return []proctree.Proc{
		proc(1, 0, 'S', "systemd", 47*time.Hour, "/sbin/init"),
		kthread(2, 0, 'S', "kthreadd"),
		kthread(3, 2, 'I', "rcu_gp"),
		kthread(14, 2, 'I', "kworker/0:1-events"),
		proc(480, 1, 'S', "sshd", 46*time.Hour, "sshd: /usr/sbin/sshd -D"),
		proc(612, 1, 'D', "jbd2", 46*time.Hour, "/usr/lib/jbd2-helper", "--flush"),
		proc(900, 1, 'T', "vim", 2*time.Hour, "vim", "notes.txt"),
		proc(1200, 1, 'R', "yes", time.Hour, "yes"),
		alice(proc(4200, 480, 'S', "sshd", 30*time.Minute, "sshd: alice@pts/3")),
		alice(proc(4300, 4200, 'S', "bash", 29*time.Minute, "-bash")),
		alice(proc(selfPID, 4300, 'S', "proctui", 5*time.Minute, "proctui", "--theme", "contrast")),
		alice(zombie(proc(4315, selfPID, 'S', "proctui", 4*time.Minute), 3<<8)),
		alice(proc(4316, selfPID, 'S', "cat", 3*time.Minute, "cat")),
		alice(proc(4318, 4316, 'S', "sleep", 2*time.Minute, "sleep", "300")),
	}
}

func snapshot(at time.Time, procs []proctree.Proc) *proctree.Snapshot {
	return &proctree.Snapshot{Procs: procs, Taken: at, Self: selfPID, Source: "fixture"}
}

func members() []sim.Member {
	return []sim.Member{
		{PID: selfPID, Kind: sim.KindSelf},
		{PID: 4315, Parent: selfPID, Kind: sim.KindForked, Exited: true},
		{PID: 4316, Parent: selfPID, Kind: sim.KindProgram},
		{PID: 4318, Parent: 4316, Kind: sim.KindProgram, Detached: true},
	}
}

// fixtureDetails is what the details reader returns for proctui.
func fixtureDetails(pid int) *proctree.Details {
	set := func(sigs ...int) proctree.SignalSet {
		s := proctree.SignalSet{Known: true}
		for _, n := range sigs {
			s.Mask |= 1 << (n - 1)
		}
		return s
	}
	return &proctree.Details{
		PID:   pid,
		Taken: t0,
		FDs: []proctree.FD{
			{Num: 0, Mode: "rw", Offset: -1, Type: proctree.FDChar, Target: "/dev/pts/3"},
			{Num: 1, Mode: "rw", Offset: -1, Type: proctree.FDChar, Target: "/dev/pts/3"},
			{Num: 2, Mode: "rw", Offset: -1, Type: proctree.FDChar, Target: "/dev/pts/3"},
			{Num: 3, Mode: "r", CloseOnExec: true, Offset: 1204, Type: proctree.FDFile, Target: "/etc/passwd"},
			{Num: 4, Mode: "w", Offset: 0, Type: proctree.FDPipe, Target: "pipe:[91234]", Inode: 91234},
		},
		Signals: proctree.Signals{
			Pending: set(), SharedPending: set(), Blocked: set(),
			Ignored: set(2, 3), Caught: set(10, 17, 28),
		},
		Cwd: "/home/alice", Exe: "/usr/local/bin/proctui",
		Env:    []string{"HOME=/home/alice", "LANG=C.UTF-8", "TERM=xterm-256color"},
		Memory: proctree.MemSummary{VmSize: 1 << 30, VmRSS: 12 << 20, RssAnon: 5 << 20, RssFile: 7 << 20},
	}
}

// fixtureReader is a proctree.Reader that plays back fixture snapshots: the
// screen must be deterministic, which the live kernel is not. The poll path
// around it (BuildTree, Diff, the model) is the real one.
type fixtureReader struct {
	snaps []*proctree.Snapshot
	i     int
}

func (r *fixtureReader) Snapshot() (*proctree.Snapshot, error) {
	if len(r.snaps) == 0 {
		return nil, errors.New("no fixture snapshot")
	}
	s := r.snaps[min(r.i, len(r.snaps)-1)]
	r.i++
	return s, nil
}

func (r *fixtureReader) Details(pid int, _ proctree.Want) (*proctree.Details, error) {
	if pid == 4315 {
		// A zombie's files and memory are already released.
		d := &proctree.Details{PID: pid, FDErr: proctree.ErrGone, SigErr: nil, EnvErr: proctree.ErrNoAccess,
			CwdErr: proctree.ErrGone, ExeErr: proctree.ErrGone, MemErr: proctree.ErrGone}
		d.Signals.Ignored.Known = false
		return d, nil
	}
	if pid == 480 {
		return nil, proctree.ErrNoAccess
	}
	return fixtureDetails(pid), nil
}

func (r *fixtureReader) Name() string { return "fixture" }

// feed hands the model one poll of s, exactly as the poll Cmd would.
func feed(t testing.TB, m Model, s *proctree.Snapshot, mbs []sim.Member) Model {
	t.Helper()
	msg := readSnapshot(&fixtureReader{snaps: []*proctree.Snapshot{s}}, m.snap, nil)
	msg.Members = mbs
	next, _ := m.Update(msg)
	return next.(Model)
}

// details completes the details read the model asked for last.
func details(t testing.TB, m Model) Model {
	t.Helper()
	r := m.tree.selected()
	if r == nil {
		return m
	}
	d, err := (&fixtureReader{}).Details(r.Proc.PID, proctree.WantAll)
	next, _ := m.Update(detailsMsg{seq: m.details.seq, pid: r.Proc.PID, details: d, err: err})
	return next.(Model)
}

func size(m Model, w, h int) Model {
	next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return next.(Model)
}

// press sends one key: a name ("enter", "esc", "up", "space", "tab",
// "pgdown") or a single printable character.
func press(m Model, k string) (Model, tea.Cmd) {
	next, cmd := m.Update(keyMsg(k))
	return next.(Model), cmd
}

// keyMsg is the key press named k: what a lesson can name, and ctrl+c.
func keyMsg(k string) tea.KeyPressMsg {
	if k == "ctrl+c" {
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	return lessonKeyMsg(k)
}

func typeText(m Model, s string) Model {
	for _, r := range s {
		m, _ = press(m, string(r))
	}
	return m
}

// scenario is the model after two polls of the fixture machine: between
// them 4315 exited (a zombie now), 4316 started cat and 4317 came and went.
func scenario(t testing.TB, cfg Config, w, h int) Model {
	t.Helper()
	cfg.Reader = &fixtureReader{}
	cfg.DetailReader = &fixtureReader{}
	m := New(cfg)
	m = size(m, w, h)

	first := baseProcs()
	// In the first snapshot 4315 still runs, 4316 has not started, and
	// 4317 (a short-lived sleep) is still there.
	var procs []proctree.Proc
	for _, p := range first {
		switch p.PID {
		case 4315:
			p = proc(4315, selfPID, 'S', "proctui", 4*time.Minute, "proctui")
			p.UID, p.User = 1000, "alice"
		case 4316, 4318:
			continue
		}
		procs = append(procs, p)
	}
	gone := proc(4317, selfPID, 'S', "sleep", 10*time.Second, "sleep", "1")
	gone = zombie(gone, 0)
	procs = append(procs, gone)
	m = feed(t, m, snapshot(t0.Add(-time.Second), procs), members()[:2])
	m = feed(t, m, snapshot(t0, baseProcs()), members())
	return details(t, m)
}
