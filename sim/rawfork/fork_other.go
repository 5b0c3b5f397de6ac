//go:build !linux || !(amd64 || arm64)

package rawfork

// Supported reports whether this build can make a real fork(); it cannot
// here: the child path is written for Linux on amd64 and arm64.
func Supported() bool { return false }

// Fork reports ErrUnsupported on this platform.
func Fork(cfg Config) (*Child, error) { return nil, ErrUnsupported }
