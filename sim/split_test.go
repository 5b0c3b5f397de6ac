package sim

import (
	"slices"
	"testing"
)

func TestSplitCommand(t *testing.T) {
	good := map[string][]string{
		"":                            nil,
		"   ":                         nil,
		"sleep 300":                   {"sleep", "300"},
		"  sleep\t 300 ":              {"sleep", "300"},
		"sh -c 'echo hi'":             {"sh", "-c", "echo hi"},
		`sh -c 'exit 7'`:              {"sh", "-c", "exit 7"},
		`echo "a b" c`:                {"echo", "a b", "c"},
		`echo "say \"hi\" \\ \$x"`:    {"echo", `say "hi" \ $x`},
		`echo "a\nb"`:                 {"echo", `a\nb`},
		`echo a\ b`:                   {"echo", "a b"},
		`echo ''`:                     {"echo", ""},
		`echo ""`:                     {"echo", ""},
		`echo it'"s'`:                 {"echo", `it"s`},
		`sh -c 'sleep 1 | cat; x=$y'`: {"sh", "-c", "sleep 1 | cat; x=$y"},
		"echo a*b ~ #":                {"echo", "a*b", "~", "#"},
		"lab":                         {"lab"},
	}
	for line, want := range good {
		got, err := SplitCommand(line)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q", line, got, err, want)
		}
	}
	bad := []string{
		"echo 'open", `echo "open`, `echo \`, "sleep 300 &", "yes | head", "cat < f",
		"a; b", "echo $HOME", "echo `id`", `echo "$HOME"`, "(sleep 1)",
	}
	for _, line := range bad {
		if got, err := SplitCommand(line); err == nil {
			t.Errorf("SplitCommand(%q) = %q, want an error", line, got)
		}
	}
}

func FuzzSplitCommand(f *testing.F) {
	for _, s := range []string{"sleep 300", `sh -c 'echo hi'`, `"a\"b"`, `a\ b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		argv, err := SplitCommand(line)
		if err != nil {
			return
		}
		// Quoting every word again must give the same argv back.
		again, err := SplitCommand(quoteArgs(argv))
		if err != nil || !slices.Equal(again, argv) {
			t.Fatalf("%q → %q → %q → %q, %v", line, argv, quoteArgs(argv), again, err)
		}
	})
}
