package sim

import (
	"errors"
	"time"
)

// Disposition is a change SetDisposition makes to how a process takes a
// signal.
type Disposition uint8

// Dispositions. Default, ignore and catch are the three choices a process
// has for each signal; block and unblock decide whether the signal is
// acted on now or left pending until later.
const (
	DispDefault Disposition = iota + 1 // SIG_DFL: the kernel's default action
	DispIgnore                         // SIG_IGN: the kernel discards it
	DispCatch                          // a handler runs
	DispBlock                          // held pending until unblocked
	DispUnblock                        // delivered again (and anything pending, now)
)

func (d Disposition) String() string {
	switch d {
	case DispDefault:
		return "default"
	case DispIgnore:
		return "ignore"
	case DispCatch:
		return "catch"
	case DispBlock:
		return "block"
	case DispUnblock:
		return "unblock"
	}
	return "unknown"
}

// SignalCount is how often a lab image caught one signal, and when last.
type SignalCount struct {
	Sig   int
	Count int64
	Last  time.Time
}

// Guard says what sending a signal to a process takes from the user.
type Guard uint8

const (
	// GuardNone: a lab process; the signal goes at once.
	GuardNone Guard = iota
	// GuardConfirm: a process outside the lab; the user confirms with y.
	GuardConfirm
	// GuardTypeName: pid 1, proctui itself or one of its ancestors; the
	// user types the signal's name in full.
	GuardTypeName
)

// Signal refusals.
var (
	// ErrUncatchable: SIGKILL and SIGSTOP.
	ErrUncatchable = errors.New("cannot be caught, ignored or blocked: the kernel always acts on SIGKILL and SIGSTOP itself")
	// ErrNoCatchInFork: a raw fork child has no handler to offer.
	ErrNoCatchInFork = errors.New("a forked child cannot catch signals: a handler would be Go code, and a raw fork() child must never enter the Go runtime again (its other threads, and the locks they held, did not survive the fork); it can ignore a signal or take the default. The lab image (r, enter) can catch")
	// ErrNotAGroup: proctui signals one process, never a group or everyone.
	ErrNotAGroup = errors.New("proctui sends a signal to one process only: a pid of 0 or less would mean a process group or every process (-1)")
)

// SignalGuard says what sending a signal to pid takes, with the reason in
// words ("" for a lab process).
func (l *Lab) SignalGuard(pid int) (Guard, string) { return l.st.signalGuard(pid) }

// Signal sends sig to pid with kill(2), to that one process: never to a
// process group or to -1. Result.Text says what the kernel did with it
// and why: ignored, caught, left pending, or the default action.
func (l *Lab) Signal(pid, sig int) (Result, error) { return l.st.signal(pid, sig) }

// SetDisposition changes how lab process pid takes sig. A forked child can
// take the default or ignore it; a lab image can also catch it (counted,
// see Member.Caught) and block it.
func (l *Lab) SetDisposition(pid, sig int, d Disposition) (Result, error) {
	return l.st.setDisposition(pid, sig, d)
}
