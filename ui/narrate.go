package ui

import (
	"strconv"

	"github.com/proctui/proctui/proctree"
)

// Narrate tells one Diff event as one plain sentence for the event log, or
// returns "" for a change not worth a line (a process flickering between
// running and sleeping does so many times a second). name looks up the
// current name of a pid, "" when unknown.
func Narrate(ev proctree.Event, name func(pid int) string) string {
	p := &ev.Proc
	pid := strconv.Itoa(p.PID)
	who := pid + " " + Clean(p.Name())
	parent := func(ppid int) string {
		s := strconv.Itoa(ppid)
		if n := name(ppid); n != "" {
			s += " (" + Clean(n) + ")"
		}
		return s
	}
	switch ev.Kind {
	case proctree.Started:
		return who + " started: child of " + parent(p.PPID)
	case proctree.Exited:
		how := "exited"
		if p.HasExit {
			if p.Exit.Exited() {
				how = "exited with status " + strconv.Itoa(p.Exit.ExitCode())
			} else {
				how = "was " + p.Exit.String()
			}
		}
		return pid + " " + how + ": it is a zombie until " + parent(p.PPID) + " calls wait()"
	case proctree.Reaped:
		if p.State == 'Z' {
			if p.HasExit {
				return pid + " was reaped (" + p.Exit.String() + ")"
			}
			return pid + " was reaped"
		}
		return who + " is gone: it ended and was reaped between two looks"
	case proctree.Reparented:
		return who + " re-parented: " + strconv.Itoa(ev.Old.PPID) + " → " + parent(p.PPID)
	case proctree.Execd:
		return pid + " exec'd: now " + cut(Command(p), 60)
	case proctree.StateChanged:
		was, now := ev.Old.State, p.State
		switch {
		case now == 'T':
			return who + " stopped (T)"
		case now == 't':
			return who + " stopped by a debugger (t)"
		case now == 'X' || now == 'x':
			return who + " is dead (X)"
		case was == 'T' || was == 't':
			return who + " continued: now " + StateWords(now) + " (" + stateLetter(now) + ")"
		}
		return ""
	}
	return ""
}
