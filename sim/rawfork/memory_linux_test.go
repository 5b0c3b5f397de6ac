//go:build linux && (amd64 || arm64)

package rawfork

import (
	"testing"

	"github.com/proctui/proctui/sim/rawfork/internal/child"
)

// TestTouchOp keeps the copy-on-write opcode the same on both sides.
func TestTouchOp(t *testing.T) {
	if int(OpTouch) != child.OpTouch {
		t.Errorf("OpTouch is %d here and %d in the child", OpTouch, child.OpTouch)
	}
	if OpTouch.String() != "touch" {
		t.Errorf("OpTouch.String() = %q", OpTouch.String())
	}
}
