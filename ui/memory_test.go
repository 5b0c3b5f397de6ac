package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/proctui/proctui/proctree"
)

func memInput(panel *MemoryPanel) *DetailsInput {
	proc := p(4316, 4312, 'S', "proctui", "proctui")
	return &DetailsInput{Proc: &proc, ParentName: "proctui", InLab: true, Now: t0,
		Lab:     LabTag{Kind: LabForked, Parent: 4312},
		Details: &proctree.Details{PID: 4316}, Memory: panel}
}

func plain(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(strings.TrimRight(ansi.Strip(l), " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// TestMemoryPanel draws a child after it wrote half the buffer, beside its
// parent, in every theme: the numbers, the roles, and bars whose shared
// and private parts differ by glyph, not only by colour.
func TestMemoryPanel(t *testing.T) {
	const mib = 1 << 20
	child := proctree.SmapsRollup{Rss: 33 * mib, Pss: 25 * mib, SharedDirty: 17 * mib, PrivateDirty: 16 * mib, Anonymous: 32 * mib}
	parent := proctree.SmapsRollup{Rss: 39 * mib, Pss: 29 * mib, SharedDirty: 17 * mib, PrivateDirty: 20 * mib, Anonymous: 36 * mib}
	panel := &MemoryPanel{Buffer: 32 * mib, Sides: []MemSide{
		{PID: 4316, Role: "selected", Smaps: child},
		{PID: 4312, Role: "parent", Smaps: parent},
	}}
	for _, th := range Themes() {
		for _, w := range []int{34, 60} {
			out := plain(DetailLines(NewStyles(th), memInput(panel), w))
			for _, want := range []string{"MEMORY", "Shared_Dirty", "Private_Dirty", "Shared_Clean", "Private_Clean", "Anonymous", "Swap", "Pss", "Rss",
				"4316", "4312", "parent", "17.0", "16.0", "20.0", "shared 17.0 · private 16.0", glyphShared, glyphPrivate} {
				if !strings.Contains(out, want) {
					t.Errorf("%s %d: no %q in\n%s", th, w, want, out)
				}
			}
			for _, l := range strings.Split(out, "\n") {
				if ansi.StringWidth(l) > w {
					t.Errorf("%s %d: line wider than the pane: %q", th, w, l)
				}
			}
			// The child's bar: 17 shared then 16 private on a 39 MiB scale.
			bar := strings.Count(out, glyphShared) / 4 // two rows each, two processes: per row
			if bar == 0 {
				t.Errorf("%s %d: no shared bar", th, w)
			}
		}
	}
}

// TestMemoryPanelUnsupported: where there is no smaps_rollup the panel
// says so rather than drawing zeros.
func TestMemoryPanelUnsupported(t *testing.T) {
	panel := &MemoryPanel{Sides: []MemSide{{PID: 4316, Err: proctree.ErrUnsupported}}}
	out := plain(DetailLines(NewStyles(ThemeMono), memInput(panel), 50))
	if !strings.Contains(out, "smaps_rollup is not available on this") || strings.Contains(out, "Shared_Dirty") {
		t.Errorf("panel without smaps_rollup:\n%s", out)
	}
}
