package proctree

import "fmt"

// Reader sources a person can choose with --source.
const (
	// SourceProc reads /proc directly; Linux only, and the default there.
	SourceProc = "proc"
	// SourceGopsutil reads through gopsutil; it works on every supported
	// system and is the default where there is no /proc.
	SourceGopsutil = "gopsutil"
)

// NewReader returns the Reader for source: "proc", "gopsutil", or "" for
// the best one this platform has.
func NewReader(source string) (Reader, error) {
	switch source {
	case "":
		return defaultReader(), nil
	case SourceProc:
		return newProcSource()
	case SourceGopsutil:
		return NewGopsutilReader(), nil
	}
	return nil, fmt.Errorf("unknown source %q: want %s or %s", source, SourceProc, SourceGopsutil)
}

// Platform names this operating system and lists, in words for a person,
// what the default reader cannot show here ("exit status of zombies",
// "signal masks" …). The list is empty on Linux, where /proc shows it all.
func Platform() (os string, limits []string) {
	return platformName(), platformLimits()
}

// Limits lists, in words for a person, what reader r cannot show on this
// system: nil for a reader that sees everything proctui displays.
func Limits(r Reader) []string {
	if l, ok := r.(interface{ Limits() []string }); ok {
		return l.Limits()
	}
	return nil
}
