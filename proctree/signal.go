package proctree

import (
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// SignalName names signal sig the way this platform does ("SIGTERM"). Linux
// real-time signals without a name of their own are "SIGRTMIN+n"; a number
// the platform does not know is "signal n".
func SignalName(sig int) string {
	if n := unix.SignalName(syscall.Signal(sig)); n != "" {
		return n
	}
	if rtmin := sigRTMin(); rtmin > 0 && sig >= rtmin && sig <= 64 {
		if sig == rtmin {
			return "SIGRTMIN"
		}
		return "SIGRTMIN+" + strconv.Itoa(sig-rtmin)
	}
	return "signal " + strconv.Itoa(sig)
}

// Names lists the signals in the set by name, lowest number first. It
// returns nil for an unknown set.
func (s SignalSet) Names() []string {
	if !s.Known || s.Mask == 0 {
		return nil
	}
	var names []string
	for sig := 1; sig <= 64; sig++ {
		if s.Has(sig) {
			names = append(names, SignalName(sig))
		}
	}
	return names
}
