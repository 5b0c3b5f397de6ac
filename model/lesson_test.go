package model

import (
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/proctui/proctui/lesson"
	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
)

// settle runs cmd and everything the answers start, feeding each message
// to the model, until nothing is left running. The model is paused, so
// no tick is ever armed and every command returns promptly.
func settle(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	msgs := make(chan tea.Msg, 64)
	pending := 0
	run := func(c tea.Cmd) {
		if c == nil {
			return
		}
		pending++
		go func() { msgs <- c() }()
	}
	run(cmd)
	deadline := time.After(8 * time.Second)
	for pending > 0 {
		select {
		case msg := <-msgs:
			pending--
			switch msg := msg.(type) {
			case nil:
			case tea.BatchMsg:
				for _, c := range msg {
					run(c)
				}
			case tickMsg:
				t.Fatal("a tick was armed while paused")
			default:
				next, c := m.Update(msg)
				m = next.(Model)
				run(c)
			}
		case <-deadline:
			t.Fatalf("commands still running after 8s (%d)", pending)
		}
	}
	return m
}

// lessonModel is the real model, paused, with a real lab, running l.
func lessonModel(t *testing.T, l *lesson.Lesson) Model {
	t.Helper()
	lab, err := sim.New(sim.Options{MaxLab: 16, Subreaper: true, RawFork: true, CowMiB: 8})
	if err != nil {
		t.Fatalf("the lab did not start: %v", err)
	}
	t.Cleanup(func() { _ = lab.Close() })
	m := New(Config{Reader: proctree.NewProcReader("/proc"), DetailReader: proctree.NewProcReader("/proc"),
		Lab: lab, Interval: time.Hour, Lesson: l, NoColor: true})
	m = size(m, 100, 30)
	m, _ = press(m, "space") // pause: polls only when asked, as after each action
	m = settle(t, m, m.firstPoll())
	return settle(t, m, m.requestDetails())
}

// pollUntil polls (as the tick would) until the step's checks hold.
func pollUntil(t *testing.T, m Model, what string) Model {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !m.teach.lesson.ok {
		if time.Now().After(deadline) {
			st, _ := m.lessonStatus(m.curStep())
			t.Fatalf("%s: never held: %s\n%s", what, ansi.Strip(st), ansi.Strip(m.View().Content))
		}
		time.Sleep(50 * time.Millisecond)
		m = settle(t, m, m.startPoll())
		m.details.busy = false
		m = settle(t, m, m.requestDetails())
	}
	return m
}

// TestBuiltinLessonsRunOnTheKernel drives every built-in lesson to its end:
// for each step it presses the keys the step names (or answers its
// question), checks the step's condition became true on the live process
// table, and moves on with enter. Lab.Close in Cleanup ends and reaps
// every process the lesson made; the test checks none is left.
func TestBuiltinLessonsRunOnTheKernel(t *testing.T) {
	all, err := lesson.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 13 {
		t.Fatalf("%d built-in lessons, want at least 13", len(all))
	}
	for _, l := range all {
		t.Run(l.Name, func(t *testing.T) {
			var lab *sim.Lab
			t.Cleanup(func() {
				if lab == nil {
					return
				}
				_ = lab.Close()
				for _, mb := range lab.Members() {
					if mb.PID != os.Getpid() && procAlive(mb.PID) {
						t.Errorf("lab process %d left behind", mb.PID)
					}
				}
			})
			m := lessonModel(t, l)
			lab = m.cfg.Lab
			for i, st := range l.Steps {
				what := l.Name + " step " + itoa(i+1)
				if m.teach.lesson.step != i {
					t.Fatalf("%s: the lesson is at step %d", what, m.teach.lesson.step+1)
				}
				if !strings.Contains(ansi.Strip(m.View().Content), "step "+itoa(i+1)+"/") {
					t.Fatalf("%s: the pane does not show it:\n%s", what, ansi.Strip(m.View().Content))
				}
				keys := st.Keys
				if st.Ask != "" {
					keys = []string{string(rune('0' + st.Answer))}
				}
				for _, k := range keys {
					var cmd tea.Cmd
					next, cmd := m.Update(lessonKeyMsg(k))
					m = settle(t, next.(Model), cmd)
				}
				m = pollUntil(t, m, what)
				if st.Ask != "" {
					if s, _ := m.lessonStatus(&st); !strings.Contains(ansi.Strip(s), "✓ right") {
						t.Fatalf("%s: reveal %q", what, ansi.Strip(s))
					}
				}
				for _, e := range m.teach.entries {
					if e.Kind == "error" {
						t.Fatalf("%s: the lab refused: %s", what, e.Text)
					}
				}
				m, _ = press(m, "enter")
			}
			if !m.teach.lesson.done {
				t.Fatalf("the lesson did not end")
			}
			if !strings.Contains(ansi.Strip(m.View().Content), "complete") {
				t.Fatalf("no completion shown:\n%s", ansi.Strip(m.View().Content))
			}
		})
	}
}

// procAlive reports whether pid still exists, zombie or not.
func procAlive(pid int) bool {
	_, err := os.Stat("/proc/" + itoa(pid))
	return err == nil
}

// TestLessonWaitsForItsCheck: keys that do not make the check true leave
// the step waiting, enter does not skip it, and the pane says what it
// waits for; a wrong prediction is told as wrong.
func TestLessonWaitsForItsCheck(t *testing.T) {
	l, err := lesson.Parse("t.lesson", strings.NewReader(`lesson t
title test
step
say fork, then wait for a zombie that never comes
keys f
check zombie exists
hint make it exit with x
step
ask how many?
answer 2
do k f
check child-of-self count>=2
reveal two
`))
	if err != nil {
		t.Fatal(err)
	}
	m := lessonModel(t, l)
	next, cmd := m.Update(lessonKeyMsg("f"))
	m = settle(t, next.(Model), cmd)
	m = settle(t, m, m.startPoll())
	if m.teach.lesson.ok {
		t.Fatal("zombie exists holds after a fork alone")
	}
	m, _ = press(m, "enter")
	if m.teach.lesson.step != 0 {
		t.Fatal("enter skipped a step whose check does not hold")
	}
	out := ansi.Strip(m.View().Content)
	if !strings.Contains(out, "waiting until a lab process is a zombie") || strings.Contains(out, "hint:") {
		t.Fatalf("pane:\n%s", out)
	}
	m.teach.lesson.since = m.now.Add(-hintAfter)
	if out := ansi.Strip(m.View().Content); !strings.Contains(out, "hint: make it exit with x") {
		t.Fatalf("no hint after %s:\n%s", hintAfter, out)
	}
	// Make it true by hand: select the child, exit it.
	m, _ = press(m, "j")
	next, cmd = m.Update(lessonKeyMsg("x"))
	m = settle(t, next.(Model), cmd)
	next, cmd = m.Update(lessonKeyMsg("enter"))
	m = settle(t, next.(Model), cmd)
	m = pollUntil(t, m, "zombie")
	m, _ = press(m, "enter")
	if m.teach.lesson.step != 1 {
		t.Fatalf("at step %d after enter", m.teach.lesson.step+1)
	}
	// A wrong answer: proctui still performs the reveal and says so.
	next, cmd = m.Update(lessonKeyMsg("7"))
	m = settle(t, next.(Model), cmd)
	m = pollUntil(t, m, "reveal")
	if s, _ := m.lessonStatus(m.curStep()); !strings.Contains(ansi.Strip(s), "you said 7; the answer is 2") {
		t.Fatalf("reveal %q", ansi.Strip(s))
	}
}
