package proctree

import "fmt"

// WaitStatus is a raw status word as wait(2) returns it and as the kernel
// keeps it for a zombie: the low 7 bits are the signal that killed the
// process (0 if it exited), bit 7 says a core was dumped, and bits 8-15 are
// the exit code passed to exit(2).
type WaitStatus uint32

// Exited reports whether the process ended by calling exit.
func (w WaitStatus) Exited() bool { return w&0x7f == 0 }

// ExitCode is the status passed to exit; valid when Exited.
func (w WaitStatus) ExitCode() int { return int(w>>8) & 0xff }

// Signaled reports whether a signal ended the process.
func (w WaitStatus) Signaled() bool { return w&0x7f != 0 && w&0x7f != 0x7f }

// Signal is the signal that ended the process; valid when Signaled.
func (w WaitStatus) Signal() int { return int(w & 0x7f) }

// CoreDumped reports whether the kernel wrote a core file.
func (w WaitStatus) CoreDumped() bool { return w.Signaled() && w&0x80 != 0 }

// String says it the way a person would: "exited 3", "killed by SIGTERM",
// "killed by SIGSEGV (core dumped)".
func (w WaitStatus) String() string {
	switch {
	case w.Exited():
		return fmt.Sprintf("exited %d", w.ExitCode())
	case w.Signaled():
		s := "killed by " + SignalName(w.Signal())
		if w.CoreDumped() {
			s += " (core dumped)"
		}
		return s
	}
	return fmt.Sprintf("status %#x", uint32(w))
}
