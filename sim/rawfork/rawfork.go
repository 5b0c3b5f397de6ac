package rawfork

import (
	"errors"
	"os"
)

// ErrUnsupported is returned by Fork where a real fork() is not available.
var ErrUnsupported = errors.New("real fork() is not available on this platform")

// Config says what the child keeps.
type Config struct {
	// Keep lists the descriptors the child inherits, typically 0 1 2. The
	// ones that are not open are left out; every descriptor not listed is
	// the parent's own plumbing (its netpoller, other children's control
	// sockets, pidfds) and is closed in the child.
	Keep []int
	// ControlFD is where the child's control socket lives in the child;
	// 0 means DefaultControlFD.
	ControlFD int
	// Mem is the buffer OpTouch writes to in the child (and in the
	// children it forks): memory mapped outside the Go heap, so that it
	// never moves, and written before the fork, so that parent and child
	// share its pages copy-on-write. Nil: OpTouch fails with ENOMEM.
	Mem []byte
}

// Child is a process Fork made.
type Child struct {
	PID int
	// PIDFD refers to the child for as long as it is open, even after the
	// pid is reused; -1 on kernels without pidfds.
	PIDFD int
	// Control is the parent's end of the child's control socket.
	Control *os.File
	// ControlFD is the descriptor number of the control socket in the child.
	ControlFD int
	// Inherited are the descriptors of Config.Keep the child really got.
	Inherited []int
}
