package ui

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// width is the number of terminal cells s takes.
func width(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return ansi.StringWidth(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// fit cuts plain text s to at most w cells (ending in "…" when cut) and pads
// it with spaces to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := width(s)
	if n == w {
		return s
	}
	if n < w {
		return s + spaces(w-n)
	}
	if isASCII(s) {
		return s[:w-1] + "…"
	}
	s = ansi.Truncate(s, w, "…")
	if n = ansi.StringWidth(s); n < w {
		s += spaces(w - n)
	}
	return s
}

// cut shortens plain text s to at most w cells, ending in "…" when cut.
func cut(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if width(s) <= w {
		return s
	}
	if isASCII(s) {
		return s[:w-1] + "…"
	}
	return ansi.Truncate(s, w, "…")
}

// cutLeft shortens plain text s to at most w cells by dropping its start:
// "…/passwd", where the end says more than the beginning (a path).
func cutLeft(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := width(s)
	if n <= w {
		return s
	}
	if w == 1 {
		return "…"
	}
	return "…" + ansi.TruncateLeft(s, n-w+1, "")
}

// padLeft right-aligns plain text s in w cells.
func padLeft(s string, w int) string {
	n := width(s)
	if n >= w {
		return cut(s, w)
	}
	return spaces(w-n) + s
}

const blanks = "                                                                                                                                "

// spaces returns n spaces, without allocating for the common widths.
func spaces(n int) string {
	if n <= 0 {
		return ""
	}
	if n <= len(blanks) {
		return blanks[:n]
	}
	return strings.Repeat(" ", n)
}

// Clean makes text from the kernel safe to print. A command line, a file name
// or an environment value can hold any byte but NUL, including newlines and
// escape sequences that would move the cursor or change colours; each
// control character becomes "·" and invalid UTF-8 becomes U+FFFD.
func Clean(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c >= utf8.RuneSelf {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			b.WriteString("·")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// wrapWords breaks words into lines of at most w cells; the first line
// starts after a label of first cells, later lines are indented by indent.
func wrapWords(words []string, sep string, first, indent, w int) []string {
	var lines []string
	var b strings.Builder
	used := first
	for i, word := range words {
		ww := width(word)
		if i > 0 {
			if used+width(sep)+ww > w {
				lines = append(lines, b.String())
				b.Reset()
				used = indent
			} else {
				b.WriteString(sep)
				used += width(sep)
			}
		}
		b.WriteString(word)
		used += ww
	}
	return append(lines, b.String())
}
