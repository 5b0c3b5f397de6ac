//go:build !linux

package proctree

// sigRTMin is 0 where the platform has no real-time signals.
func sigRTMin() int { return 0 }
