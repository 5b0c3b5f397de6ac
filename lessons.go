package main

import (
	"fmt"
	"io"

	"github.com/proctui/proctui/lesson"
)

// runLessons prints the built-in lessons, one a line: name, then title.
func runLessons(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "proctui lessons: unexpected argument %q\n\n", args[0])
		fmt.Fprint(stderr, tuiUsage)
		return exitUsage
	}
	all, err := lesson.Builtin()
	if err != nil {
		fmt.Fprintln(stderr, "proctui lessons:", err)
		return exitFail
	}
	w := 0
	for _, l := range all {
		w = max(w, len(l.Name))
	}
	for _, l := range all {
		fmt.Fprintf(stdout, "%-*s  %s\n", w, l.Name, l.Title)
	}
	return exitOK
}

// loadLesson reads --lesson: nil when none was asked for.
func loadLesson(arg string) (*lesson.Lesson, error) {
	if arg == "" {
		return nil, nil
	}
	return lesson.Load(arg)
}
