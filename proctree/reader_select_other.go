//go:build !linux

package proctree

import (
	"errors"
	"runtime"
)

// defaultReader where there is no /proc is the portable gopsutil reader.
func defaultReader() Reader { return NewGopsutilReader() }

func newProcSource() (Reader, error) {
	return nil, errors.New("the proc reader needs Linux; use --source gopsutil")
}

func platformName() string { return runtime.GOOS }

func platformLimits() []string { return gopsutilLimits(runtime.GOOS) }
