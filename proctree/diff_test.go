package proctree

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// dp is a process for Diff tables: pid, ppid, start, state, comm, argv.
func dp(pid, ppid int, start uint64, state byte, comm string, argv ...string) Proc {
	return Proc{PID: pid, PPID: ppid, StartTicks: start, State: state, Comm: comm, Cmdline: argv}
}

// evs renders events compactly: "kind pid" plus what changed.
func evs(events []Event) []string {
	var out []string
	for _, e := range events {
		s := fmt.Sprintf("%s %d", e.Kind, e.Proc.PID)
		switch e.Kind {
		case StateChanged:
			s += fmt.Sprintf(" %c>%c", e.Old.State, e.Proc.State)
		case Reparented:
			s += fmt.Sprintf(" %d>%d", e.Old.PPID, e.Proc.PPID)
		case Execd:
			s += fmt.Sprintf(" %s>%s", e.Old.Comm, e.Proc.Comm)
		case Reaped, Started, Exited:
			s += fmt.Sprintf(" @%d", e.Proc.StartTicks)
		}
		out = append(out, s)
	}
	return out
}

func TestDiff(t *testing.T) {
	base := []Proc{
		dp(1, 0, 1, 'S', "init", "/sbin/init"),
		dp(10, 1, 5, 'S', "sh", "sh"),
		dp(11, 10, 6, 'R', "sleep", "sleep", "9"),
	}
	with := func(ps ...Proc) []Proc {
		out := slices.Clone(base)
		for _, p := range ps {
			i := slices.IndexFunc(out, func(q Proc) bool { return q.PID == p.PID })
			if i >= 0 {
				out[i] = p
			} else {
				out = append(out, p)
			}
		}
		slices.SortFunc(out, func(a, b Proc) int { return a.PID - b.PID })
		return out
	}
	without := func(pid int) []Proc {
		return slices.DeleteFunc(slices.Clone(base), func(p Proc) bool { return p.PID == pid })
	}

	tests := map[string]struct {
		prev, next []Proc
		want       []string
	}{
		"nothing changed": {base, base, nil},
		"started": {
			base, with(dp(12, 10, 9, 'S', "cat", "cat")),
			[]string{"started 12 @9"},
		},
		"started before the others in pid order": {
			with(dp(3, 1, 2, 'S', "a", "a")), with(dp(2, 1, 7, 'S', "b", "b"), dp(3, 1, 2, 'S', "a", "a")),
			[]string{"started 2 @7"},
		},
		"exited": {
			base, with(dp(11, 10, 6, 'Z', "sleep")),
			[]string{"exited 11 @6"},
		},
		"born and died between polls": {
			base, with(dp(12, 10, 9, 'Z', "true")),
			[]string{"started 12 @9", "exited 12 @9"},
		},
		"reaped": {
			with(dp(11, 10, 6, 'Z', "sleep")), without(11),
			[]string{"reaped 11 @6"},
		},
		"reaped without being seen as a zombie": {
			base, without(11),
			[]string{"reaped 11 @6"},
		},
		"last process reaped": {
			base, base[:2],
			[]string{"reaped 11 @6"},
		},
		"everything gone": {
			base, nil,
			[]string{"reaped 1 @1", "reaped 10 @5", "reaped 11 @6"},
		},
		"state changed": {
			base, with(dp(11, 10, 6, 'T', "sleep", "sleep", "9")),
			[]string{"state 11 R>T"},
		},
		"zombie to dead is a state change": {
			with(dp(11, 10, 6, 'Z', "sleep")), with(dp(11, 10, 6, 'X', "sleep")),
			[]string{"state 11 Z>X"},
		},
		"reparented": {
			base, with(dp(11, 1, 6, 'R', "sleep", "sleep", "9")),
			[]string{"reparented 11 10>1"},
		},
		"orphaned zombie": {
			base, with(dp(11, 1, 6, 'Z', "sleep")),
			[]string{"exited 11 @6", "reparented 11 10>1"},
		},
		"exec changes comm": {
			base, with(dp(11, 10, 6, 'R', "ls", "ls", "-l")),
			[]string{"exec 11 sleep>ls"},
		},
		"exec keeps comm, changes argv": {
			base, with(dp(11, 10, 6, 'R', "sleep", "sleep", "10")),
			[]string{"exec 11 sleep>sleep"},
		},
		"argv gone at exit is not exec": {
			base, with(dp(11, 10, 6, 'Z', "sleep")),
			[]string{"exited 11 @6"},
		},
		"argv unreadable is not exec": {
			base, with(dp(11, 10, 6, 'R', "sleep")),
			nil,
		},
		"a kernel thread renamed by its work queue is not exec": {
			[]Proc{{PID: 40, PPID: 2, StartTicks: 3, State: 'I', Comm: "kworker/1:2-events", Kernel: true, Cmdline: []string{}}},
			[]Proc{{PID: 40, PPID: 2, StartTicks: 3, State: 'I', Comm: "kworker/1:2-mm_percpu_wq", Kernel: true, Cmdline: []string{}}},
			nil,
		},
		"every change at once": {
			base, with(dp(11, 1, 6, 'S', "ls", "ls")),
			[]string{"state 11 R>S", "reparented 11 10>1", "exec 11 sleep>ls"},
		},
		"pid reused": {
			base, with(dp(11, 1, 40, 'S', "cron", "cron")),
			[]string{"reaped 11 @6", "started 11 @40"},
		},
		"pid reused by a process already dead": {
			base, with(dp(11, 1, 40, 'Z', "cron")),
			[]string{"reaped 11 @6", "started 11 @40", "exited 11 @40"},
		},
		"a cycle is only data": {
			[]Proc{dp(5, 6, 1, 'S', "a", "a"), dp(6, 5, 1, 'S', "b", "b")},
			[]Proc{dp(5, 6, 1, 'S', "a", "a"), dp(6, 7, 1, 'S', "b", "b"), dp(7, 5, 2, 'S', "c", "c")},
			[]string{"reparented 6 5>7", "started 7 @2"},
		},
		"from empty": {
			nil, base[:1],
			[]string{"started 1 @1"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			taken := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			got := Diff(&Snapshot{Procs: tc.prev}, &Snapshot{Procs: tc.next, Taken: taken})
			if !slices.Equal(evs(got), tc.want) {
				t.Errorf("Diff =\n  %q\nwant\n  %q", evs(got), tc.want)
			}
			for _, e := range got {
				if !e.Time.Equal(taken) {
					t.Errorf("%s %d: Time = %v, want next.Taken", e.Kind, e.Proc.PID, e.Time)
				}
			}
		})
	}
}

func TestDiffOldCopy(t *testing.T) {
	prev := &Snapshot{Procs: []Proc{dp(4, 1, 3, 'S', "a", "a")}}
	next := &Snapshot{Procs: []Proc{dp(4, 2, 3, 'S', "b", "b")}}
	got := Diff(prev, next)
	if len(got) != 2 {
		t.Fatalf("Diff = %q, want reparented and exec", evs(got))
	}
	for _, e := range got {
		if e.Old.PPID != 1 || e.Old.Comm != "a" || e.Proc.PPID != 2 || e.Proc.Comm != "b" {
			t.Errorf("%s: Proc %+v Old %+v: want the new and the old copy", e.Kind, e.Proc, e.Old)
		}
	}
}

func TestDiffFirstPoll(t *testing.T) {
	next := &Snapshot{Procs: []Proc{dp(1, 0, 1, 'S', "init")}}
	if got := Diff(nil, next); got != nil {
		t.Errorf("Diff(nil, next) = %q, want nil", evs(got))
	}
	if got := Diff(next, nil); got != nil {
		t.Errorf("Diff(prev, nil) = %q, want nil", evs(got))
	}
}

// TestDiffLive watches a real child through each real reader: it is
// started, exits with status 3 and stays a zombie until this test waits
// for it.
func TestDiffLive(t *testing.T) {
	for _, source := range []string{"", SourceGopsutil} {
		r, err := NewReader(source)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(r.Name(), func(t *testing.T) { diffLive(t, r) })
	}
}

func diffLive(t *testing.T, r Reader) {
	prev, err := r.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", "sleep 0.3; exit 3")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := false
	defer func() {
		if !waited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	pid := cmd.Process.Pid

	var seen []Event // events of the child, in order
	poll := func() {
		t.Helper()
		next, err := r.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range Diff(prev, next) {
			if e.Proc.PID == pid {
				seen = append(seen, e)
			}
		}
		prev = next
	}
	has := func(k EventKind) *Event {
		for i := range seen {
			if seen[i].Kind == k {
				return &seen[i]
			}
		}
		return nil
	}

	deadline := time.Now().Add(10 * time.Second)
	for has(Exited) == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		poll()
	}
	st, ex := has(Started), has(Exited)
	if st == nil || ex == nil {
		t.Fatalf("events for %d: %q; want started and exited", pid, evs(seen))
	}
	if st.Proc.PPID != os.Getpid() {
		t.Errorf("started: PPID = %d, want %d", st.Proc.PPID, os.Getpid())
	}
	if ex.Proc.State != 'Z' {
		t.Errorf("exited: State = %c, want Z", ex.Proc.State)
	}
	if ex.Proc.HasExit {
		if !ex.Proc.Exit.Exited() || ex.Proc.Exit.ExitCode() != 3 {
			t.Errorf("exited: Exit = %v, want exited 3", ex.Proc.Exit)
		}
	} else if r.Name() == SourceProc {
		t.Errorf("exited: the proc reader gave no exit status")
	}
	if has(Reaped) != nil {
		t.Fatalf("reaped before wait: %q", evs(seen))
	}

	err = cmd.Wait()
	waited = true
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Fatalf("Wait = %v, want exit status 3", err)
	}
	poll()
	if has(Reaped) == nil {
		t.Errorf("events for %d after wait: %q; want reaped", pid, evs(seen))
	}
	order := strings.Join(evs(seen), ", ")
	t.Logf("%s reader saw: %s", r.Name(), order)
}

func BenchmarkDiff(b *testing.B) {
	prev := benchSnapshot(10000, true)
	next := &Snapshot{Procs: slices.Clone(prev.Procs)}
	// A busy second: a few exits, reaps, state changes and new processes.
	next.Procs[5000].State = 'Z'
	next.Procs[6000].State = 'R'
	next.Procs = slices.Delete(next.Procs, 7000, 7003)
	last := next.Procs[len(next.Procs)-1]
	next.Procs = append(next.Procs, Proc{PID: last.PID + 1, PPID: 1, StartTicks: last.StartTicks + 1, State: 'S', Comm: "new"})
	b.Run("busy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Diff(prev, next)
		}
	})
	same := &Snapshot{Procs: slices.Clone(prev.Procs)}
	b.Run("quiet", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Diff(prev, same)
		}
	})
}
