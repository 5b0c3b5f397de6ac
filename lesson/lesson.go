// Package lesson reads proctui's guided lessons and checks their steps
// against the live state of the process table and the lab.
//
// A lesson is a text file (the format is in docs/lessons.md): a name, a
// title, and steps. Each step says a few sentences, names the keys to
// press, and gives the checks that must hold on the live state before the
// lesson moves on. A step may instead ask a question, answered with a
// digit, before proctui presses the keys itself and reveals the answer.
package lesson

import (
	"bufio"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Lesson is one parsed lesson.
type Lesson struct {
	Name  string
	Title string
	Steps []Step
}

// Step is one stop of a lesson.
type Step struct {
	Line int      // where the step starts in its file
	Say  []string // sentences shown in the pane
	Keys []string // keys the student presses (a hint and what tests press)
	// Checks must all hold before the lesson moves on. A step with none
	// waits for enter.
	Checks []Check
	Wait   string // what the pane says it waits for
	Hint   string // shown when the step takes a while
	// Ask is a question; Answer the digit that answers it; Do the keys
	// proctui presses itself after the student answers; Reveal what it
	// says then.
	Ask    string
	Answer int
	Do     []string
	Reveal string
}

// Error is a mistake in a lesson file: where, and why.
type Error struct {
	File   string
	Line   int
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
}

// maxLine bounds a line of a lesson file; a step is read aloud, not pasted.
const maxLine = 4096

// Parse reads a lesson. file names it in errors. The first mistake is
// returned, as an *Error naming its line.
func Parse(file string, r io.Reader) (*Lesson, error) {
	l := &Lesson{}
	var st *Step
	errAt := func(n int, format string, args ...any) error {
		return &Error{File: file, Line: n, Reason: fmt.Sprintf(format, args...)}
	}
	// endStep checks a finished step.
	endStep := func() error {
		if st == nil {
			return nil
		}
		switch {
		case st.Ask == "" && len(st.Say) == 0:
			return errAt(st.Line, "step has nothing to say: add a say or ask line")
		case st.Ask != "" && st.Answer < 0:
			return errAt(st.Line, "step asks a question but has no answer line")
		case st.Ask != "" && len(st.Do) == 0:
			return errAt(st.Line, "step asks a question but has no do line: what should proctui do to reveal the answer?")
		case st.Ask == "" && (st.Answer >= 0 || len(st.Do) > 0 || st.Reveal != ""):
			return errAt(st.Line, "answer, do and reveal belong to a step with an ask line")
		case len(st.Keys) > 0 && len(st.Checks) == 0:
			return errAt(st.Line, "step names keys but has no check: how does it know they were pressed?")
		}
		l.Steps = append(l.Steps, *st)
		return nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		if word != "step" && rest == "" {
			return nil, errAt(n, "%s needs a value", word)
		}
		if word != "lesson" && word != "title" && word != "step" && st == nil {
			if isDirective(word) {
				return nil, errAt(n, "%s outside a step: start one with a line saying step", word)
			}
		}
		switch word {
		case "lesson":
			if l.Name != "" {
				return nil, errAt(n, "a second lesson line: one lesson per file")
			}
			if !validName(rest) {
				return nil, errAt(n, "lesson name %q: use lower-case letters, digits and dashes", rest)
			}
			l.Name = rest
		case "title":
			if l.Title != "" {
				return nil, errAt(n, "a second title line")
			}
			l.Title = rest
		case "step":
			if rest != "" {
				return nil, errAt(n, "step takes no value; put the text on a say line")
			}
			if err := endStep(); err != nil {
				return nil, err
			}
			st = &Step{Line: n, Answer: -1}
		case "say":
			st.Say = append(st.Say, rest)
		case "keys", "do":
			keys, err := parseKeys(rest)
			if err != nil {
				return nil, errAt(n, "%v", err)
			}
			if word == "keys" {
				st.Keys = append(st.Keys, keys...)
			} else {
				st.Do = append(st.Do, keys...)
			}
		case "check":
			c, err := ParseCheck(rest)
			if err != nil {
				return nil, errAt(n, "%v", err)
			}
			st.Checks = append(st.Checks, c)
		case "wait":
			st.Wait = rest
		case "hint":
			st.Hint = rest
		case "ask":
			st.Ask = rest
		case "answer":
			a, err := strconv.Atoi(rest)
			if err != nil || a < 0 || a > 9 {
				return nil, errAt(n, "answer %q: a single digit, 0 to 9, the key the student presses", rest)
			}
			st.Answer = a
		case "reveal":
			st.Reveal = rest
		default:
			return nil, errAt(n, "unknown line %q: want lesson, title, step, say, keys, check, wait, hint, ask, answer, do or reveal", word)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, errAt(n+1, "line longer than %d bytes", maxLine)
		}
		return nil, errAt(n, "%v", err)
	}
	if err := endStep(); err != nil {
		return nil, err
	}
	switch {
	case l.Name == "":
		return nil, errAt(1, "no lesson line: the first line names the lesson (lesson NAME)")
	case l.Title == "":
		return nil, errAt(1, "no title line")
	case len(l.Steps) == 0:
		return nil, errAt(n, "no steps")
	}
	return l, nil
}

func isDirective(w string) bool {
	switch w {
	case "say", "keys", "check", "wait", "hint", "ask", "answer", "do", "reveal":
		return true
	}
	return false
}

func validName(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// namedKeys are the keys a lesson may name by word.
var namedKeys = map[string]bool{"enter": true, "esc": true, "up": true, "down": true,
	"left": true, "right": true, "tab": true, "space": true, "pgup": true, "pgdown": true, "backspace": true}

// parseKeys splits a keys or do line: single characters, named keys
// (enter, esc, up …), and words in quotes, which are typed letter by letter.
func parseKeys(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Fields(s) {
		switch {
		case len([]rune(f)) == 1, namedKeys[f]:
			out = append(out, f)
		case len(f) > 2 && f[0] == '"' && f[len(f)-1] == '"':
			for _, r := range f[1 : len(f)-1] {
				out = append(out, string(r))
			}
		default:
			return nil, fmt.Errorf("key %q: a single character, a key name (enter, esc, up, down, left, right, tab, space, pgup, pgdown, backspace), or text in quotes", f)
		}
	}
	return out, nil
}

//go:embed lessons/*.lesson
var builtin embed.FS

// Builtin returns the lessons built into proctui, sorted in teaching order
// (the files are numbered).
func Builtin() ([]*Lesson, error) {
	names, err := fs.Glob(builtin, "lessons/*.lesson")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Lesson
	for _, n := range names {
		b, err := builtin.ReadFile(n)
		if err != nil {
			return nil, err
		}
		l, err := Parse(path.Base(n), strings.NewReader(string(b)))
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// Load finds a lesson: a built-in one by name, or a file when arg looks
// like a path (it contains a slash or ends in .lesson).
func Load(arg string) (*Lesson, error) {
	if strings.Contains(arg, "/") || strings.HasSuffix(arg, ".lesson") {
		f, err := os.Open(arg)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return Parse(arg, f)
	}
	all, err := Builtin()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, l := range all {
		if l.Name == arg {
			return l, nil
		}
		names = append(names, l.Name)
	}
	return nil, fmt.Errorf("no lesson %q; the lessons are: %s", arg, strings.Join(names, ", "))
}
