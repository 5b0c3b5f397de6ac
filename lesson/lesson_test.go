package lesson

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuiltinLessonsParse(t *testing.T) {
	all, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"pids", "fds", "environment", "fork", "cow", "wait", "detach", "signals",
		"pipes", "sockets", "spawn-exec", "wait-twice", "never-zombie", "passing"}
	var got []string
	asks := 0
	for _, l := range all {
		got = append(got, l.Name)
		for _, s := range l.Steps {
			if s.Ask != "" {
				asks++
			}
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("lessons %v, want %v", got, want)
	}
	if asks < 3 {
		t.Errorf("%d predict-then-reveal steps, want at least 3", asks)
	}
}

const good = `# a comment
lesson mine
title My lesson

step
say Press f.
keys f
check child-of-self count>=1
wait a child

step
ask How many?
answer 2
do f "ab" enter
check zombie none
reveal two
`

func TestParseGood(t *testing.T) {
	l, err := Parse("mine.lesson", strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if l.Name != "mine" || l.Title != "My lesson" || len(l.Steps) != 2 {
		t.Fatalf("%+v", l)
	}
	s := l.Steps[1]
	if s.Line != 11 || s.Answer != 2 || strings.Join(s.Do, ",") != "f,a,b,enter" || s.Checks[0].String() != "zombie none" {
		t.Fatalf("step 2: %+v", s)
	}
	if c := l.Steps[0].Checks[0]; c.Op != ">=" || c.N != 1 {
		t.Fatalf("check %+v", c)
	}
}

// TestParseErrors: each broken file gives one error naming its line and
// saying why.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		text string
		line int
		why  string
	}{
		{"lesson a\ntitle t\nstep\nsay x\ncheck zombie maybe\n", 5, `zombie "maybe": want exists or none or count>=N`},
		{"lesson a\ntitle t\nstep\nsay x\ncheck teleported\n", 5, `unknown check "teleported"`},
		{"lesson a\ntitle t\nstep\nsay x\nfrobnicate now\n", 5, `unknown line "frobnicate"`},
		{"lesson a\ntitle t\nsay x\n", 3, "say outside a step"},
		{"lesson a\ntitle t\nstep\nsay x\nkeys f\n", 3, "names keys but has no check"},
		{"lesson a\ntitle t\nstep\nask how many?\ndo f\ncheck lab count>=1\n", 3, "no answer line"},
		{"lesson a\ntitle t\nstep\nask q\nanswer 12\n", 5, "a single digit"},
		{"lesson A B\n", 1, "lower-case"},
		{"lesson a\ntitle t\nstep\nsay x\nkeys ctrl+z\ncheck lab count>=1\n", 5, `key "ctrl+z"`},
		{"lesson a\ntitle t\nstep\nsay x\ncheck lab count>=x\n", 5, "want a number"},
		{"lesson a\ntitle t\nstep\nsay x\ncheck caught WINDY\n", 5, "not a signal name"},
		{"lesson a\ntitle t\n", 2, "no steps"},
		{"title t\nstep\nsay x\n", 1, "no lesson line"},
		{"lesson a\ntitle t\nstep\nsay\n", 4, "say needs a value"},
		{"lesson a\ntitle t\nstep\nsay " + strings.Repeat("x", maxLine) + "\n", 4, "longer than"},
	}
	for _, c := range cases {
		_, err := Parse("bad.lesson", strings.NewReader(c.text))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%q: error %v, want an *Error", c.text, err)
			continue
		}
		if e.Line != c.line || !strings.Contains(e.Reason, c.why) || !strings.HasPrefix(err.Error(), "bad.lesson:") {
			t.Errorf("%q: got %q (line %d), want line %d saying %q", c.text, err, e.Line, c.line, c.why)
		}
	}
}

func TestLoad(t *testing.T) {
	l, err := Load("fork")
	if err != nil || l.Name != "fork" {
		t.Fatalf("Load(fork) = %v, %v", l, err)
	}
	if _, err := Load("nope"); err == nil || !strings.Contains(err.Error(), "pids, fds") {
		t.Fatalf("Load(nope): %v", err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "my.lesson")
	if err := os.WriteFile(p, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	if l, err := Load(p); err != nil || l.Name != "mine" {
		t.Fatalf("Load(%s) = %v, %v", p, l, err)
	}
	bad := filepath.Join(dir, "bad.lesson")
	if err := os.WriteFile(bad, []byte("lesson x\ntitle t\nstep\nsay s\ncheck nothing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.HasPrefix(err.Error(), bad+":5: ") {
		t.Fatalf("Load(bad) = %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.lesson")); err == nil {
		t.Fatal("a missing file loaded")
	}
}

// FuzzParse: any input either parses into a lesson that satisfies the
// parser's own rules, or fails with one *Error whose line is in the file.
func FuzzParse(f *testing.F) {
	f.Add(good)
	for _, name := range []string{"01-pids", "12-wait-twice", "13-never-zombie"} {
		b, err := builtin.ReadFile("lessons/" + name + ".lesson")
		if err == nil {
			f.Add(string(b))
		}
	}
	f.Add("lesson a\ntitle t\nstep\nask q\nanswer 1\ndo \"\"\n")
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Parse("f.lesson", strings.NewReader(s))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if lines := strings.Count(s, "\n") + 2; e.Line < 1 || e.Line > lines {
				t.Fatalf("error line %d outside 1..%d", e.Line, lines)
			}
			return
		}
		if l.Name == "" || l.Title == "" || len(l.Steps) == 0 {
			t.Fatalf("parsed an incomplete lesson: %+v", l)
		}
		for _, st := range l.Steps {
			if st.Ask != "" && (st.Answer < 0 || st.Answer > 9 || len(st.Do) == 0) {
				t.Fatalf("ask step without a usable answer: %+v", st)
			}
			if len(st.Keys) > 0 && len(st.Checks) == 0 {
				t.Fatalf("keys without a check: %+v", st)
			}
			for _, c := range st.Checks {
				if _, err := ParseCheck(c.String()); err != nil {
					t.Fatalf("check %q does not read back: %v", c, err)
				}
			}
		}
	})
}

func TestCheckWords(t *testing.T) {
	for subj := range subjects {
		for _, arg := range []string{"count>=2", "exists", "none", "pipe", "grew", "forked", "T", "USR1", "PATH", ""} {
			c, err := ParseCheck(strings.TrimSpace(subj + " " + arg))
			if err != nil {
				continue
			}
			if w := c.Words(); w == "" || w == c.String() && subj != "log" {
				t.Errorf("%s: words %q", c, w)
			}
		}
	}
}
