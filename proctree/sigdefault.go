package proctree

import "strings"

// SignalAction is what the kernel does with a signal whose disposition is
// the default (SIG_DFL).
type SignalAction uint8

// Default actions, as signal(7) lists them.
const (
	ActTerminate SignalAction = iota + 1 // the process ends
	ActCore                              // the process ends and may dump core
	ActIgnore                            // nothing happens
	ActStop                              // the process stops (state T)
	ActContinue                          // a stopped process continues
)

func (a SignalAction) String() string {
	switch a {
	case ActTerminate:
		return "terminate"
	case ActCore:
		return "core"
	case ActIgnore:
		return "ignore"
	case ActStop:
		return "stop"
	case ActContinue:
		return "continue"
	}
	return "unknown"
}

// DefaultAction is the default action of signal sig on this platform. It
// goes by name, since numbers differ between Linux and macOS; real-time and
// unnamed signals terminate.
func DefaultAction(sig int) SignalAction {
	switch strings.TrimPrefix(SignalName(sig), "SIG") {
	case "QUIT", "ILL", "TRAP", "ABRT", "IOT", "BUS", "FPE", "SEGV", "XCPU", "XFSZ", "SYS", "EMT":
		return ActCore
	case "CHLD", "CLD", "URG", "WINCH", "INFO":
		return ActIgnore
	case "STOP", "TSTP", "TTIN", "TTOU":
		return ActStop
	case "CONT":
		return ActContinue
	}
	return ActTerminate
}

// ParseStatusSignals reads the signal masks of a /proc/PID/status text.
func ParseStatusSignals(b []byte) Signals { return parseStatusSignals(b) }
