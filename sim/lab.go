// Package sim is the lab: the real processes proctui creates and drives.
//
// SKELETON: the API below is the contract the model codes against. The sim
// owner replaces every body; signatures change only by agreement.
package sim

import (
	"errors"
	"time"
)

// Options configure a Lab.
type Options struct {
	MaxLab    int    // at most this many lab processes besides proctui (default 64)
	Subreaper bool   // make proctui a child subreaper so orphans stay in view
	RawFork   bool   // real fork() where supported; false spawns the lab image instead
	Exe       string // the proctui binary re-executed as the lab image ("" = os.Executable)
}

// Kind says how a lab process came to be.
type Kind uint8

const (
	KindSelf     Kind = iota + 1 // proctui itself
	KindForked                   // a raw fork() child running the raw-syscall loop
	KindLabImage                 // proctui re-executed in its hidden lab role
	KindProgram                  // any other program the user ran
)

// Member is one process of the lab.
type Member struct {
	PID      int
	Parent   int // the lab parent that created it (current ppid may differ)
	Kind     Kind
	Detached bool
	Exited   bool // known to have exited (zombie or reaped)
}

// Result is what an action did, for the status line and the narration.
type Result struct {
	PID     int    // the process acted on, or the one created
	Syscall string // e.g. "fork()", "wait4(4315, 0)"
	Text    string // one plain sentence for the event log
}

// Note is something the lab reports on its own, not in answer to a key:
// a detached child was reaped, a lab process died.
type Note struct {
	Time time.Time
	PID  int
	Text string
}

// Refusals. The model turns them into status-line messages.
var (
	ErrNotInLab  = errors.New("not in the lab: proctui only forks, ends and reaps its own processes")
	ErrLabFull   = errors.New("the lab is full")
	ErrNotZombie = errors.New("not a zombie")
	ErrNoRawFork = errors.New("real fork() is not available here")
)

// Lab is proctui plus every process it created. Its methods are safe for
// concurrent use; each blocks until the kernel has answered.
type Lab struct{}

// New starts a lab around the calling process.
func New(opts Options) (*Lab, error) { return nil, errors.New("sim: not implemented") }

// Self is proctui's own pid.
func (l *Lab) Self() int { return 0 }

// Contains reports whether pid is proctui or one of its lab processes.
func (l *Lab) Contains(pid int) bool { return false }

// Member returns what the lab knows of pid.
func (l *Lab) Member(pid int) (Member, bool) { return Member{}, false }

// Members lists the lab, proctui first.
func (l *Lab) Members() []Member { return nil }

// Fork makes pid fork: a real fork() of proctui or a lab process.
func (l *Lab) Fork(pid int) (Result, error) { return Result{}, errors.New("sim: not implemented") }

// Run spawns argv as a child of parent (fork + exec). Empty argv or
// ["lab"] runs the lab image.
func (l *Lab) Run(parent int, argv []string) (Result, error) {
	return Result{}, errors.New("sim: not implemented")
}

// Exit makes lab process pid call exit(code); it stays a zombie until waited for.
func (l *Lab) Exit(pid, code int) (Result, error) { return Result{}, errors.New("sim: not implemented") }

// Wait on a zombie makes its parent reap it; on a live lab process it waits
// for any child without blocking.
func (l *Lab) Wait(pid int) (Result, error) { return Result{}, errors.New("sim: not implemented") }

// Detach makes pid's parent reap it automatically when it exits.
func (l *Lab) Detach(pid int) (Result, error) { return Result{}, errors.New("sim: not implemented") }

// Notes delivers what the lab reports on its own.
func (l *Lab) Notes() <-chan Note { return nil }

// Close ends every lab process with SIGKILL and reaps them all.
func (l *Lab) Close() error { return nil }

// IsLabRole reports whether this process was started as the lab image.
func IsLabRole() bool { return false }

// RunLabRole plays the lab image until its control socket closes and
// returns the exit code.
func RunLabRole() int { return 0 }
