package lesson

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
)

// Check is one condition on the live state, from a fixed vocabulary:
//
//	child-of-self count>=N   proctui has N children or more (zombies count)
//	zombie exists|none|count>=N   lab processes that are zombies
//	lab count>=N             live lab processes, proctui not counted
//	detached exists          a lab process was detached
//	started|exited|reaped|execd [count>=N]   events seen since the step began
//	selected forked|lab|program|self|zombie   what the selected row is
//	state L                  the selected process is in state L (S, T, Z …)
//	fd pipe|socket|count>=N  the selected process's descriptors
//	private-dirty grew       the selected process's Private_Dirty grew
//	env NAME                 the selected process's environment has NAME
//	caught SIG               the selected lab image caught SIG
//	ignored SIG              the selected process ignores SIG
//	log WORDS                the narration since the step began says WORDS
type Check struct {
	Subject string
	Arg     string // the word after the subject
	Op      string // "", ">=", "<=", "=", ">" or "<" for counts
	N       int
}

// subjects and the arguments each takes ("#" is a count, "*" any word).
var subjects = map[string][]string{
	"child-of-self": {"#"},
	"zombie":        {"exists", "none", "#"},
	"lab":           {"#"},
	"detached":      {"exists"},
	"started":       {"", "#"},
	"exited":        {"", "#"},
	"reaped":        {"", "#"},
	"execd":         {"", "#"},
	"selected":      {"forked", "lab", "program", "self", "zombie"},
	"state":         {"*"},
	"fd":            {"pipe", "socket", "#"},
	"private-dirty": {"grew"},
	"env":           {"*"},
	"caught":        {"*"},
	"ignored":       {"*"},
	"log":           {"*"},
}

// ParseCheck reads a check line's value.
func ParseCheck(s string) (Check, error) {
	subj, arg, _ := strings.Cut(strings.TrimSpace(s), " ")
	arg = strings.TrimSpace(arg)
	allowed, ok := subjects[subj]
	if !ok {
		return Check{}, fmt.Errorf("unknown check %q (see docs/lessons.md for the list)", subj)
	}
	c := Check{Subject: subj, Arg: arg}
	for _, a := range allowed {
		switch {
		case a == "*" && arg != "":
			if subj == "state" && len(arg) != 1 {
				return Check{}, fmt.Errorf("state %q: one state letter, like S, T or Z", arg)
			}
			if (subj == "caught" || subj == "ignored") && signalNumber(arg) == 0 {
				return Check{}, fmt.Errorf("%s %q: not a signal name", subj, arg)
			}
			return c, nil
		case a == "#" && strings.HasPrefix(arg, "count"):
			op, n, err := parseCount(strings.TrimPrefix(arg, "count"))
			if err != nil {
				return Check{}, err
			}
			c.Arg, c.Op, c.N = "count", op, n
			return c, nil
		case a == arg:
			return c, nil
		}
	}
	var want []string
	for _, a := range allowed {
		switch a {
		case "#":
			want = append(want, "count>=N")
		case "*":
			want = append(want, "a value")
		case "":
			want = append(want, "nothing")
		default:
			want = append(want, a)
		}
	}
	return Check{}, fmt.Errorf("%s %q: want %s", subj, arg, strings.Join(want, " or "))
}

func parseCount(s string) (op string, n int, err error) {
	for _, o := range []string{">=", "<=", "=", ">", "<"} {
		if rest, ok := strings.CutPrefix(s, o); ok {
			n, err := strconv.Atoi(rest)
			if err != nil || n < 0 || n > 1000 {
				return "", 0, fmt.Errorf("count%s%s: want a number from 0 to 1000", o, rest)
			}
			return o, n, nil
		}
	}
	return "", 0, fmt.Errorf("count%s: want count>=N, count<=N, count=N, count>N or count<N", s)
}

// signalNumber reads "USR1", "SIGUSR1" or "10"; 0 if it is none of them.
func signalNumber(s string) int {
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 65 {
		return n
	}
	s = strings.TrimPrefix(strings.ToUpper(s), "SIG")
	for n := 1; n < 65; n++ {
		if strings.TrimPrefix(proctree.SignalName(n), "SIG") == s {
			return n
		}
	}
	return 0
}

// String is the check as a lesson file writes it.
func (c Check) String() string {
	switch {
	case c.Op != "":
		return c.Subject + " count" + c.Op + strconv.Itoa(c.N)
	case c.Arg != "":
		return c.Subject + " " + c.Arg
	}
	return c.Subject
}

// State is what checks look at: the latest poll and the selected process.
type State struct {
	Snap     *proctree.Snapshot
	Members  []sim.Member
	Selected int
	// Details are the selected process's, nil until read.
	Details *proctree.Details
	// Events and Log are what the poll saw and the log said since the
	// step began.
	Events []proctree.Event
	Log    []string
	// StartDirty is the selected process's Private_Dirty when the step
	// began (0: not read then).
	StartDirty uint64
}

func (s *State) member(pid int) (sim.Member, bool) {
	for _, m := range s.Members {
		if m.PID == pid {
			return m, true
		}
	}
	return sim.Member{}, false
}

// Holds evaluates the check.
func (c Check) Holds(s *State) bool {
	if s.Snap == nil {
		return false
	}
	self := s.Snap.Self
	sel := s.Snap.Get(s.Selected)
	var d *proctree.Details
	if s.Details != nil && s.Details.PID == s.Selected {
		d = s.Details
	}
	switch c.Subject {
	case "child-of-self":
		n := 0
		for i := range s.Snap.Procs {
			if s.Snap.Procs[i].PPID == self {
				n++
			}
		}
		return c.count(n)
	case "zombie":
		n := 0
		for _, m := range s.Members {
			if p := s.Snap.Get(m.PID); p != nil && p.Zombie() {
				n++
			}
		}
		switch c.Arg {
		case "exists":
			return n > 0
		case "none":
			return n == 0
		}
		return c.count(n)
	case "lab":
		n := 0
		for _, m := range s.Members {
			if p := s.Snap.Get(m.PID); p != nil && !p.Zombie() && m.PID != self {
				n++
			}
		}
		return c.count(n)
	case "detached":
		for _, m := range s.Members {
			if m.Detached {
				return true
			}
		}
		return false
	case "started", "exited", "reaped", "execd":
		kind := map[string]proctree.EventKind{"started": proctree.Started, "exited": proctree.Exited,
			"reaped": proctree.Reaped, "execd": proctree.Execd}[c.Subject]
		n := 0
		for _, ev := range s.Events {
			if ev.Kind == kind {
				n++
			}
		}
		if c.Op == "" {
			return n > 0
		}
		return c.count(n)
	case "selected":
		if sel == nil {
			return false
		}
		m, in := s.member(sel.PID)
		switch c.Arg {
		case "self":
			return sel.PID == self
		case "zombie":
			return sel.Zombie()
		case "forked":
			return in && m.Kind == sim.KindForked
		case "lab":
			return in && m.Kind == sim.KindLabImage
		case "program":
			return in && m.Kind == sim.KindProgram
		}
	case "state":
		return sel != nil && string(sel.State) == c.Arg
	case "fd":
		if d == nil {
			return false
		}
		if c.Op != "" {
			return c.count(len(d.FDs))
		}
		want := proctree.FDPipe
		if c.Arg == "socket" {
			want = proctree.FDSocket
		}
		for _, f := range d.FDs {
			if f.Type == want {
				return true
			}
		}
	case "private-dirty":
		return d != nil && d.SmapsErr == nil && s.StartDirty > 0 && d.Smaps.PrivateDirty > s.StartDirty
	case "env":
		if d != nil {
			for _, kv := range d.Env {
				if k, _, _ := strings.Cut(kv, "="); k == c.Arg {
					return true
				}
			}
		}
		if m, ok := s.member(s.Selected); ok {
			for _, kv := range m.EnvChanges {
				if k, _, _ := strings.Cut(kv, "="); k == c.Arg && strings.Contains(kv, "=") {
					return true
				}
			}
		}
	case "caught":
		sig := signalNumber(c.Arg)
		if m, ok := s.member(s.Selected); ok {
			for _, sc := range m.Caught {
				if sc.Sig == sig && sc.Count > 0 {
					return true
				}
			}
		}
	case "ignored":
		return d != nil && d.SigErr == nil && d.Signals.Ignored.Has(signalNumber(c.Arg))
	case "log":
		want := strings.ToLower(c.Arg)
		for _, l := range s.Log {
			if strings.Contains(strings.ToLower(l), want) {
				return true
			}
		}
	}
	return false
}

func (c Check) count(n int) bool {
	switch c.Op {
	case ">=":
		return n >= c.N
	case "<=":
		return n <= c.N
	case "=":
		return n == c.N
	case ">":
		return n > c.N
	case "<":
		return n < c.N
	}
	return false
}

// Words says what a check waits for, for the pane.
func (c Check) Words() string {
	switch c.Subject {
	case "child-of-self":
		return fmt.Sprintf("proctui has %s children", countWords(c))
	case "zombie":
		switch c.Arg {
		case "exists":
			return "a lab process is a zombie"
		case "none":
			return "no lab process is a zombie"
		}
		return fmt.Sprintf("%s zombies", countWords(c))
	case "lab":
		return fmt.Sprintf("%s live lab processes", countWords(c))
	case "detached":
		return "a lab process is detached"
	case "started", "exited", "reaped", "execd":
		if c.Op == "" {
			return "a process " + map[string]string{"started": "starts", "exited": "exits",
				"reaped": "is reaped", "execd": "calls exec"}[c.Subject]
		}
		return fmt.Sprintf("%s processes %s", countWords(c), c.Subject)
	case "selected":
		return "the selected row is " + map[string]string{"self": "proctui itself", "zombie": "a zombie",
			"forked": "a forked child", "lab": "a lab image", "program": "a program proctui ran"}[c.Arg]
	case "state":
		return "the selected process is in state " + c.Arg
	case "fd":
		if c.Op != "" {
			return fmt.Sprintf("the selected process has %s descriptors", countWords(c))
		}
		return "the selected process holds a " + c.Arg
	case "private-dirty":
		return "the selected process's Private_Dirty grows"
	case "env":
		return "the selected process's environment has " + c.Arg
	case "caught":
		return "the selected process catches " + c.Arg
	case "ignored":
		return "the selected process ignores " + c.Arg
	case "log":
		return "the narration says " + strconv.Quote(c.Arg)
	}
	return c.String()
}

func countWords(c Check) string {
	n := strconv.Itoa(c.N)
	switch c.Op {
	case ">=":
		return n + " or more"
	case "<=":
		return n + " or fewer"
	case ">":
		return "more than " + n
	case "<":
		return "fewer than " + n
	}
	return "exactly " + n
}
