//go:build linux && (amd64 || arm64)

package rawfork

import (
	"fmt"
	"os"
	"testing"
)

// TestMain turns real fork() off for the whole test binary when the child
// path carries coverage counters (go test -coverpkg naming it): a child
// would run them, and under -race they call into the race runtime.
func TestMain(m *testing.M) {
	if testing.CoverMode() != "" && ChildCovered(testing.Coverage) {
		os.Setenv("PROCTUI_NO_RAWFORK", "1")
		fmt.Fprintln(os.Stderr, "rawfork: the fork child is instrumented for coverage in this test binary (never name it in -coverpkg); tests that fork for real are skipped")
	}
	os.Exit(m.Run())
}
