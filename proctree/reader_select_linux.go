package proctree

// defaultReader on Linux reads /proc directly: one read of stat per
// process per poll and no allocation in the steady state.
func defaultReader() Reader { return NewProcReader("/proc") }

func newProcSource() (Reader, error) { return NewProcReader("/proc"), nil }

func platformName() string { return "linux" }

// platformLimits is empty: /proc shows everything proctui can display.
func platformLimits() []string { return nil }
