package main

import (
	"fmt"
	"io"
	"os"
)

// openRecord creates the file of --record ("" records nothing). It is
// truncated: one run, one handout.
func openRecord(path string) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--record: %w", err)
	}
	return f, nil
}

// recordWriter keeps a nil *os.File from becoming a non-nil io.Writer.
func recordWriter(f *os.File) io.Writer {
	if f == nil {
		return nil
	}
	return f
}
