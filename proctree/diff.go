package proctree

import "slices"

// Diff lists what changed between two snapshots of the same system, taken in
// that order. Both must be sorted by PID, as every Reader returns them; Diff
// walks them side by side once, in O(len(prev)+len(next)), and allocates
// nothing when nothing changed.
//
// A process is identified by its pid and start time together, because the
// kernel hands a freed pid to the next process that asks for one. So the
// same pid with a different start time is two events: the old process was
// Reaped and a new one Started.
//
// A process that was born and died between the two snapshots, and is still
// a zombie in the second, is reported as Started and then Exited. One that
// was born, died and was reaped in between was never seen and has no event.
//
// Diff(nil, next) returns nil: the first poll shows the processes that
// exist, it does not say they all just started.
//
// Events come ordered by pid. For one pid, the events of a process that went
// away come before those of the process that took its pid; the events of one
// process come in EventKind order (Started, Exited, StateChanged,
// Reparented, Execd). Every Event.Time is next.Taken.
func Diff(prev, next *Snapshot) []Event {
	if prev == nil || next == nil {
		return nil
	}
	var out []Event
	a, b := prev.Procs, next.Procs
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i].PID < b[j].PID):
			out = append(out, Event{Kind: Reaped, Time: next.Taken, Proc: a[i]})
			i++
		case i == len(a) || b[j].PID < a[i].PID:
			out = appendStarted(out, next, &b[j])
			j++
		default:
			out = appendSame(out, next, &a[i], &b[j])
			i++
			j++
		}
	}
	return out
}

// appendStarted adds the events of a process first seen in next.
func appendStarted(out []Event, next *Snapshot, p *Proc) []Event {
	out = append(out, Event{Kind: Started, Time: next.Taken, Proc: *p})
	if p.State == 'Z' {
		out = append(out, Event{Kind: Exited, Time: next.Taken, Proc: *p})
	}
	return out
}

// appendSame adds the events of a pid present in both snapshots.
func appendSame(out []Event, next *Snapshot, old, p *Proc) []Event {
	if old.StartTicks != p.StartTicks {
		out = append(out, Event{Kind: Reaped, Time: next.Taken, Proc: *old})
		return appendStarted(out, next, p)
	}
	ev := func(k EventKind) Event { return Event{Kind: k, Time: next.Taken, Proc: *p, Old: *old} }
	switch {
	case p.State == old.State:
	case p.State == 'Z':
		out = append(out, ev(Exited))
	default:
		out = append(out, ev(StateChanged))
	}
	if p.PPID != old.PPID {
		out = append(out, ev(Reparented))
	}
	if execd(old, p) {
		out = append(out, ev(Execd))
	}
	return out
}

// execd reports whether the same process (pid and start time) now runs
// another program: its comm or its argv changed.
//
// Exit is not exec: a zombie's memory, and with it its cmdline, is gone
// while comm stays. An empty or unread cmdline says nothing either: the
// kernel shows it empty for a moment while exec swaps the memory. A
// program may also rewrite its own argv or comm (setproctitle, prctl
// PR_SET_NAME); that shows as exec too, since the kernel cannot tell them
// apart from outside. Kernel threads never exec: a kworker's name changes
// with the work queue it last served ("kworker/1:2-events").
func execd(old, p *Proc) bool {
	if old.Zombie() || p.Zombie() || (old.Kernel && p.Kernel) {
		return false
	}
	if old.Comm != p.Comm {
		return true
	}
	if len(old.Cmdline) == 0 || len(p.Cmdline) == 0 {
		return false
	}
	return !slices.Equal(old.Cmdline, p.Cmdline)
}
