package ui

import (
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/proctui/proctui/proctree"
)

func fdInput(cursor bool, fd int) *DetailsInput {
	pr := p(4316, 4312, 'S', "proctui")
	d := &proctree.Details{PID: 4316, FDs: []proctree.FD{
		{Num: 0, Mode: "rw", Offset: -1, Type: proctree.FDChar, Target: "/dev/null"},
		{Num: 3, Mode: "rw", Offset: 12, Type: proctree.FDFile, Target: "/tmp/lab/scratch-1"},
		{Num: 4, Mode: "rw", Offset: 0, Type: proctree.FDFile, Target: "/tmp/lab/scratch-2"},
		{Num: 5, Mode: "w", CloseOnExec: true, Offset: 0, Type: proctree.FDPipe, Target: "pipe:[91]", Inode: 91},
	}}
	return &DetailsInput{Proc: &pr, Details: d, Now: t0, InLab: true, Cursor: cursor, FDCursor: fd,
		FDNotes: map[int]string{5: "wrote 12 B"}}
}

// TestFDCursor: with the cursor on, every fd row has a gutter and the one
// under the cursor a ▸ and the selection style (reverse video in mono, so
// it shows without colour); FDRows says where each row is.
func TestFDCursor(t *testing.T) {
	st := NewStyles(ThemeMono)
	v := RenderDetails(st, fdInput(true, 3), 50)
	if len(v.FDRows) != 4 {
		t.Fatalf("%d fd rows, want 4", len(v.FDRows))
	}
	for i, num := range []int{0, 3, 4, 5} {
		r := v.FDRows[i]
		if r.Num != num {
			t.Fatalf("fd row %d is fd %d, want %d", i, r.Num, num)
		}
		line := ansi.Strip(v.Lines[r.Line])
		want := " " + strconv.Itoa(num)
		if num == 3 {
			want = "▸3"
			if !strings.Contains(v.Lines[r.Line], ";7m") {
				t.Errorf("the cursor row is not in reverse video under mono: %q", v.Lines[r.Line])
			}
		}
		if !strings.HasPrefix(line, want) {
			t.Errorf("fd %d row %q does not start with %q", num, line, want)
		}
		if ansi.StringWidth(v.Lines[r.Line]) != 50 {
			t.Errorf("fd %d row is %d wide", num, ansi.StringWidth(v.Lines[r.Line]))
		}
	}
	out := ansi.Strip(strings.Join(v.Lines, "\n"))
	for _, want := range []string{" FD  MODE", "scratch-1 pos 12", "scratch-2 pos 0", "     ↳ wrote 12 B"} {
		if !strings.Contains(out, want) {
			t.Errorf("details lack %q:\n%s", want, out)
		}
	}

	// Without the cursor (tree focus): no gutter, no ▸, same rows.
	v = RenderDetails(st, fdInput(false, 3), 50)
	out = ansi.Strip(strings.Join(v.Lines, "\n"))
	if strings.Contains(out, "▸") || !strings.Contains(out, "\nFD   MODE") || !strings.Contains(out, "\n3    rw") {
		t.Errorf("table without a cursor:\n%s", out)
	}
	if len(v.FDRows) != 4 {
		t.Errorf("%d fd rows without a cursor", len(v.FDRows))
	}
}
