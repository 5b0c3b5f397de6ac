//go:build !linux || !(amd64 || arm64)

package rawfork

import (
	"fmt"
	"runtime"
)

// Supported reports whether this build can make a real fork(); it cannot
// here: the child path is written for Linux on amd64 and arm64.
func Supported() bool { return false }

// Unavailable says why this build cannot make a real fork().
func Unavailable() error {
	return fmt.Errorf("%w (%s/%s)", ErrUnsupported, runtime.GOOS, runtime.GOARCH)
}

// ChildCovered reports false: there is no child path on this platform.
func ChildCovered(func() float64) bool { return false }

// Fork reports ErrUnsupported on this platform.
func Fork(cfg Config) (*Child, error) { return nil, ErrUnsupported }
