package ui

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/proctui/proctui/proctree"
)

// DetailsInput is what the details pane shows about the selected process.
type DetailsInput struct {
	// Proc is the process as of the last poll; nil when nothing is
	// selected.
	Proc *proctree.Proc
	// ParentName names the parent ("" when it is not in the table).
	ParentName string
	// Ghost is set when the process is gone and only its ghost row is left.
	Ghost *Ghost
	// Details is the last on-demand read of this process; nil while the
	// first read is on its way. Err is a failure of the whole read.
	Details *proctree.Details
	Err     error
	Lab     LabTag
	// InLab is false when a lab exists and the process is not part of it.
	InLab bool
	// LabCmd is how a run lab process was started, when known.
	LabCmd string
	// ZombieSince is when the process was first seen as a zombie.
	ZombieSince time.Time
	// Now is the time of the last snapshot: ages are measured against it,
	// never against the wall clock, so a frame is a function of its data.
	Now     time.Time
	ShowEnv bool
	// FDNotes are words shown after a descriptor's row, by number: the
	// bytes a lab image moved on it ("wrote 120 B").
	FDNotes map[int]string
	// Plumbing are the descriptors of a lab image that are the lab's or
	// its Go runtime's own (its control socket, epoll, eventfd, cgroup
	// files), drawn dim and marked ◦: keys leave them alone.
	Plumbing map[int]bool
	// EnvChanges are variables a lab image set ("KEY=VALUE") or unset
	// ("KEY") since its exec, which /proc/PID/environ does not show.
	EnvChanges []string
	// Memory is the copy-on-write panel of a lab process (nil: none).
	Memory *MemoryPanel
	// Caught counts the signals a lab image caught.
	Caught []SignalCount
	// Cursor is set while the details pane has the keyboard: the fd rows
	// get a gutter and the row of descriptor FDCursor is drawn selected,
	// with a ▸ so that it shows without colour too.
	Cursor   bool
	FDCursor int
}

// FDRow is where a descriptor's row is among the details lines.
type FDRow struct {
	Num  int // the descriptor
	Line int // its index in DetailsView.Lines
	// Height is 2 when a note (the bytes a lab image moved) follows it.
	Height int
}

// DetailsView is the details pane drawn: its lines, and the line of each
// fd row, in the order of the table, for a cursor to move over.
type DetailsView struct {
	Lines  []string
	FDRows []FDRow
	// Memory, FDs, Signals and Env are where those parts are among
	// Lines, so that the pane can scroll to the part an action changed.
	Memory, FDs, Signals, Env Span
}

// Span is the lines [Start, End) of DetailsView.Lines; empty (End <=
// Start) when the pane does not have that part.
type Span struct{ Start, End int }

// Empty reports whether the span holds no line.
func (s Span) Empty() bool { return s.End <= s.Start }

// partErr says why a part of the details is missing, in a few words.
func partErr(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, proctree.ErrNoAccess):
		return "no access"
	case errors.Is(err, proctree.ErrGone):
		return "gone"
	case errors.Is(err, proctree.ErrUnsupported):
		return "not available on this platform"
	case errors.Is(err, proctree.ErrUnknown):
		return "unknown"
	}
	return Clean(err.Error())
}

// Ago says how long before now t was: "12s", "3m", "2h05m", "3d4h". Past
// the first minute it moves in whole minutes, so an idle screen does not
// change (and redraw) every second.
func Ago(now, t time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		return strconv.Itoa(h) + "h" + two(m) + "m"
	}
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	return strconv.Itoa(days) + "d" + strconv.Itoa(h) + "h"
}

func two(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// sigShort drops the SIG prefix: "INT", "USR1", "RTMIN+2".
func sigShort(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.TrimPrefix(n, "SIG")
	}
	return out
}

// LabWords says how a lab process came to be.
func LabWords(t LabTag, cmd string) string {
	var s string
	switch t.Kind {
	case LabSelf:
		return "lab: proctui itself; every process it makes is in the lab"
	case LabForked:
		s = "lab: forked from " + strconv.Itoa(t.Parent) + " (a real fork(): shares memory copy-on-write)"
	case LabImage:
		s = "lab: the lab image, run by " + strconv.Itoa(t.Parent)
	case LabProgram:
		s = "lab: ran"
		if cmd != "" {
			s += " `" + cmd + "`"
		}
		s += " under " + strconv.Itoa(t.Parent)
	case LabNone:
		return ""
	}
	if t.Detached {
		s += " · detached: its parent reaps it when it exits"
	}
	return s
}

// details builds the pane line by line.
type details struct {
	s      *Styles
	w      int
	lines  []string
	fdRows []FDRow
	// Where the parts are: see DetailsView.
	memSpan, fdSpan, sigSpan, envSpan Span
}

// spanFrom is the lines pushed since line start.
func (d *details) spanFrom(start int) Span { return Span{Start: start, End: len(d.lines)} }

func (d *details) line() *line { return newLine(d.s, d.w) }

func (d *details) push(l *line) { d.lines = append(d.lines, l.String()) }

func (d *details) blank() { d.push(d.line()) }

// kv is a label and a value on one line, the value cut to fit.
func (d *details) kv(label, value string, p Paint) {
	l := d.line()
	l.pad(d.s.Label, label, 8)
	l.add(p, value)
	d.push(l)
}

// words wraps a list of words under a label.
func (d *details) words(label string, words []string, p Paint) {
	const lw = 9
	for i, text := range wrapWords(words, " ", lw, lw, d.w) {
		l := d.line()
		if i == 0 {
			l.pad(d.s.Label, label, lw)
		} else {
			l.pad(d.s.Label, "", lw)
		}
		l.add(p, text)
		d.push(l)
	}
}

// wrapped pushes text in paint p, wrapped to the pane, the lines after the
// first indented by hang cells.
func (d *details) wrapped(p Paint, text string, hang int) {
	for i, t := range wrapWords(strings.Fields(text), " ", 0, hang, d.w) {
		l := d.line()
		if i > 0 && hang > 0 {
			l.add(p, spaces(hang))
		}
		l.add(p, t)
		d.push(l)
	}
}

// sectionError is a part's title with why it could not be read.
func (d *details) sectionError(title, why string) {
	l := d.line()
	l.add(d.s.Section, title+" ")
	l.add(d.s.Error, why)
	d.push(l)
}

func (d *details) section(title string) {
	l := d.line()
	l.add(d.s.Section, title)
	d.push(l)
}

// DetailLines renders the details pane, w cells wide, as lines the caller
// scrolls through.
func DetailLines(s *Styles, in *DetailsInput, w int) []string {
	return RenderDetails(s, in, w).Lines
}

// RenderDetails renders the details pane, w cells wide, and says where its
// fd rows are.
func RenderDetails(s *Styles, in *DetailsInput, w int) DetailsView {
	d := &details{s: s, w: w}
	d.build(in)
	return DetailsView{Lines: d.lines, FDRows: d.fdRows, Memory: d.memSpan, FDs: d.fdSpan, Signals: d.sigSpan, Env: d.envSpan}
}

func (d *details) build(in *DetailsInput) {
	s, w := d.s, d.w
	p := in.Proc
	if p == nil || w <= 0 {
		l := d.line()
		l.add(s.Muted, "no process selected")
		d.push(l)
		return
	}

	// Header: "4315 proctui  child of 4312 (proctui)", on two lines when
	// the pane is narrow.
	name := Clean(p.Name())
	parent := "child of " + strconv.Itoa(p.PPID)
	if in.ParentName != "" {
		parent += " (" + Clean(in.ParentName) + ")"
	}
	if p.PPID == 0 {
		parent = "no parent: started by the kernel"
	}
	head := strconv.Itoa(p.PID) + " " + name
	l := d.line()
	l.add(s.Title, head)
	if width(head)+2+width(parent) <= w {
		l.add(s.Text, "  ")
		l.add(s.Muted, parent)
		d.push(l)
	} else {
		d.push(l)
		l = d.line()
		l.add(s.Muted, parent)
		d.push(l)
	}

	// State in words, with the zombie's story.
	l = d.line()
	if in.Ghost != nil {
		l.add(s.ExitNote, "✝")
	} else {
		l.add(s.State[Class(p.State)], stateLetter(p.State)+" "+StateSymbol(p.State))
	}
	l.add(s.Text, " ")
	switch {
	case in.Ghost != nil && in.Ghost.Status == "gone":
		l.add(s.Text, "gone: it ended and was reaped between two looks")
	case in.Ghost != nil:
		l.add(s.Text, "gone · "+in.Ghost.Status)
	case p.State == 'Z':
		var b strings.Builder
		b.WriteString("zombie · ")
		if p.HasExit {
			b.WriteString(p.Exit.String())
		} else {
			b.WriteString("exited")
		}
		b.WriteString(" · not reaped")
		if !in.ZombieSince.IsZero() && !in.Now.IsZero() {
			b.WriteString(" for " + Ago(in.Now, in.ZombieSince))
		}
		for i, t := range wrapWords(strings.Fields(b.String()), " ", l.used, 4, w) {
			if i > 0 {
				d.push(l)
				l = d.line()
				l.add(s.Text, spaces(4))
			}
			l.add(s.ExitNote, t)
		}
	default:
		l.add(s.Text, StateWords(p.State))
	}
	d.push(l)
	if p.State == 'Z' && in.Ghost == nil {
		// Why a zombie exists at all: the kernel keeps the status for
		// the parent, which has not asked for it yet.
		d.wrapped(s.Muted, "only its pid and exit status remain, kept by the kernel until "+
			strconv.Itoa(p.PPID)+" calls wait()", 0)
	}

	if lw := LabWords(in.Lab, in.LabCmd); lw != "" {
		d.wrapped(s.Lab, lw, 2)
	} else if !in.InLab && in.Ghost == nil {
		l = d.line()
		l.add(s.Muted, "not in the lab")
		d.push(l)
	}

	// Who, how many threads, since when, how much memory.
	var who []string
	if p.User != "" {
		who = append(who, "user "+Clean(p.User)+" ("+strconv.Itoa(p.UID)+")")
	} else if p.UID >= 0 {
		who = append(who, "uid "+strconv.Itoa(p.UID))
	}
	if p.Threads == 1 {
		who = append(who, "1 thread")
	} else if p.Threads > 1 {
		who = append(who, strconv.Itoa(p.Threads)+" threads")
	}
	if len(who) > 0 {
		l = d.line()
		l.add(s.Text, strings.Join(who, " · "))
		d.push(l)
	}
	if !p.Start.IsZero() && !in.Now.IsZero() {
		d.kv("started", Ago(in.Now, p.Start)+" ago", s.Text)
	}
	det := in.Details
	if det != nil && det.PID != p.PID {
		det = nil
	}
	gone := in.Ghost != nil
	mem := ""
	switch {
	case det != nil && det.MemErr == nil && det.Memory.VmRSS > 0:
		m := det.Memory
		mem = "rss " + Bytes(m.VmRSS) + " · anon " + Bytes(m.RssAnon) + " · file " + Bytes(m.RssFile)
		if m.RssShmem > 0 {
			mem += " · shmem " + Bytes(m.RssShmem)
		}
		if m.VmSwap > 0 {
			mem += " · swap " + Bytes(m.VmSwap)
		}
	case p.RSS > 0:
		mem = "rss " + Bytes(p.RSS)
	}
	if mem != "" {
		d.kv("memory", mem, s.Text)
	}

	// The parts read on demand.
	readErr := ""
	switch {
	case gone:
		readErr = "gone"
	case in.Err != nil:
		readErr = partErr(in.Err)
	case det == nil:
		readErr = "reading…"
	}
	part := func(err error) (string, bool) {
		if readErr != "" {
			return readErr, false
		}
		if err != nil {
			return partErr(err), false
		}
		return "", true
	}
	if v, ok := part(partError(det, partCwd)); ok {
		d.kv("cwd", Clean(det.Cwd), s.Text)
	} else {
		d.kv("cwd", v, s.Error)
	}
	if v, ok := part(partError(det, partExe)); ok {
		d.kv("exe", Clean(det.Exe), s.Text)
	} else {
		d.kv("exe", v, s.Error)
	}
	if !p.Kernel && len(p.Cmdline) > 0 {
		d.kv("cmd", Command(p), s.Text)
	}
	if in.Memory != nil && !gone {
		d.blank()
		start := len(d.lines)
		d.memory(in.Memory)
		d.memSpan = d.spanFrom(start)
	}

	d.blank()
	start := len(d.lines)
	if v, ok := part(partError(det, partFDs)); ok {
		cursor := -1
		if in.Cursor {
			cursor = in.FDCursor
		}
		d.fds(p.PID, det.FDs, det.Peers, in, p.State == 'Z', cursor)
		if det.PollerFDs > 0 {
			// proctui's own table: one kept stat file per process would
			// bury the descriptors a person made.
			d.wrapped(s.Muted, "+ "+strconv.Itoa(det.PollerFDs)+" from fd 4096 up: the /proc/PID/stat files proctui keeps open to poll, one per process", 2)
		}
	} else {
		d.sectionError("FDS", v)
	}
	d.fdSpan = d.spanFrom(start)

	d.blank()
	start = len(d.lines)
	if v, ok := part(partError(det, partSignals)); ok {
		d.section("SIGNALS")
		sig := det.Signals
		d.pending(sig)
		d.sigset("blocked", sig.Blocked)
		d.sigset("ignored", sig.Ignored)
		d.sigset("caught", sig.Caught)
		d.caughtCounts(in.Caught, in.Now)
	} else {
		d.sectionError("SIGNALS", v)
	}
	d.sigSpan = d.spanFrom(start)

	d.blank()
	start = len(d.lines)
	if v, ok := part(partError(det, partEnv)); ok {
		l = d.line()
		l.add(s.Section, "ENV ")
		n := len(det.Env)
		hint := strconv.Itoa(n) + " variables · v "
		if in.ShowEnv {
			hint += "hides them"
		} else {
			hint += "shows them"
		}
		if n == 0 {
			hint = "empty"
		}
		l.add(s.Muted, hint)
		d.push(l)
		if len(in.EnvChanges) > 0 {
			// /proc/PID/environ is a copy of what exec was given.
			var ch []string
			for _, kv := range in.EnvChanges {
				if strings.Contains(kv, "=") {
					ch = append(ch, Clean(kv))
				} else {
					ch = append(ch, "unset "+Clean(kv))
				}
			}
			d.words("changed", append(ch, "(since exec: not in /proc/PID/environ; children inherit it)"), s.Text)
		}
		if in.ShowEnv {
			for _, e := range det.Env {
				k, v, _ := strings.Cut(e, "=")
				l = d.line()
				l.add(s.Label, Clean(k))
				l.add(s.Muted, "=")
				l.add(s.Text, Clean(v))
				d.push(l)
			}
		}
	} else {
		d.sectionError("ENV", v)
	}
	d.envSpan = d.spanFrom(start)
}

// The part accessors let DetailLines treat a nil *Details (still reading,
// or gone) like any other missing part.
type detailPart uint8

const (
	partCwd detailPart = iota
	partExe
	partFDs
	partSignals
	partEnv
)

func partError(d *proctree.Details, which detailPart) error {
	if d == nil {
		return proctree.ErrGone
	}
	switch which {
	case partCwd:
		return d.CwdErr
	case partExe:
		return d.ExeErr
	case partFDs:
		return d.FDErr
	case partSignals:
		return d.SigErr
	case partEnv:
		return d.EnvErr
	}
	return nil
}

func (d *details) sigset(label string, set proctree.SignalSet) {
	switch {
	case !set.Known:
		d.kvw(label, "unknown", d.s.Error)
	case set.Mask == 0:
		d.kvw(label, "none", d.s.Muted)
	default:
		d.words(label, sigShort(set.Names()), d.s.Text)
	}
}

func (d *details) kvw(label, value string, p Paint) {
	l := d.line()
	l.pad(d.s.Label, label, 9)
	l.add(p, value)
	d.push(l)
}

// fds draws the descriptor table: FD MODE TYPE TARGET. A "*" after the
// number marks close-on-exec (the descriptor will not survive an exec);
// "pos N" after a file is its offset, where the next read or write starts;
// "→ 4316 fd 0 (cat)" after a pipe or socket is who holds its other end.
// With gutter (the pane has the keyboard) every row starts with a cell for
// the ▸ of the row under the cursor (descriptor cursor, -1 for none).
func (d *details) fds(pid int, fds []proctree.FD, peers map[int][]proctree.Peer, in *DetailsInput, zombie bool, cursor int) {
	notes, gutter := in.FDNotes, in.Cursor
	s := d.s
	l := d.line()
	l.add(s.Section, "FDS ")
	if len(fds) == 0 {
		if zombie {
			l.add(s.Muted, "none: the kernel closed them when it exited")
		} else {
			l.add(s.Muted, "none open")
		}
		d.push(l)
		return
	}
	l.add(s.Muted, strconv.Itoa(len(fds))+" open")
	d.push(l)
	lead := ""
	if gutter {
		lead = " "
	}
	numW := 5
	for i := range fds {
		// The number, its "*", the gutter and one space.
		numW = max(numW, len(lead)+len(strconv.Itoa(fds[i].Num))+2)
	}
	l = d.line()
	l.add(s.Header, fit(lead+"FD", numW)+"MODE TYPE   TARGET")
	d.push(l)
	cloexec, plumbing := false, false
	for i := range fds {
		f := &fds[i]
		num := strconv.Itoa(f.Num)
		if f.CloseOnExec {
			num += "*"
			cloexec = true
		}
		mode := f.Mode
		if mode == "" {
			mode = "?"
		}
		target, pos := Clean(f.Target), ""
		if f.Offset >= 0 && (f.Type == proctree.FDFile || f.Type == proctree.FDBlock) {
			pos = " pos " + strconv.FormatInt(f.Offset, 10)
		}
		text, muted, mark := s.Text, s.Muted, lead
		own := in.Plumbing[f.Num]
		if own {
			text, plumbing = s.Muted, true
		}
		if gutter && f.Num == cursor {
			// The whole row selected, and a ▸: reverse video in mono.
			text, muted, mark = s.Selected, s.Selected, "▸"
		}
		l = d.line()
		d.fdRows = append(d.fdRows, FDRow{Num: f.Num, Line: len(d.lines), Height: 1})
		l.pad(text, mark+num, numW)
		l.pad(muted, mode, 5)
		l.pad(muted, f.Type.String(), 7)
		if own {
			// Dim, and marked: meaning never by colour alone.
			l.add(text, "◦ ")
		}
		if pos != "" {
			// The position matters more than the start of the path.
			target = cutLeft(target, max(l.room()-width(pos), 8)) + pos
		}
		l.add(text, target)
		if pl := peers[f.Num]; len(pl) > 0 {
			l.add(muted, " → ")
			l.add(text, Clean(proctree.PeerList(pid, pl, 2)))
		}
		if mark == "▸" {
			l.fill(s.Selected)
		}
		d.push(l)
		if n := notes[f.Num]; n != "" {
			// On a line of its own: the row is often cut at the pane's edge.
			l = d.line()
			l.add(s.Muted, spaces(numW)+"↳ ")
			l.add(s.Text, n)
			d.push(l)
			d.fdRows[len(d.fdRows)-1].Height = 2
		}
	}
	if cloexec {
		l = d.line()
		l.add(s.Muted, "* close-on-exec: closed by the next exec")
		d.push(l)
	}
	if plumbing {
		d.wrapped(s.Muted, "◦ the lab's control socket or its Go runtime's own (epoll, eventfd, cgroup files): keys leave them alone", 2)
	}
}
