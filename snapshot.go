package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/proctui/proctui/proctree"
)

// runSnapshot reads the process table once and prints the part o asks for:
// a pstree-like tree, or JSON for scripts.
//
// It is meant to be as cheap as ps: one Snapshot (one stat read per
// process, plus status and cmdline the first time a reader sees a
// process), and per-process details only where the output needs them:
// signal sets in JSON (one status read), descriptor tables with --fds.
func runSnapshot(o snapshotOptions, stdout, stderr io.Writer) error {
	r, err := proctree.NewReader(o.source)
	if err != nil {
		// A source this system does not have: a bad value, like any other.
		return usagef("%s", err)
	}
	snap, err := r.Snapshot()
	if err != nil {
		return err
	}
	if limits := readerLimits(r); len(limits) > 0 {
		goos, _ := proctree.Platform()
		fmt.Fprintf(stderr, "proctui snapshot: read through %s on %s; not available: %s\n",
			r.Name(), goos, strings.Join(limits, ", "))
	}

	tree := proctree.BuildTree(snap)
	var scope map[int]bool // nil: every process
	switch {
	case o.all:
	case o.pid != 0:
		if snap.Get(o.pid) == nil {
			return fmt.Errorf("no process with pid %d", o.pid)
		}
		scope = branch(tree, o.pid)
	default:
		if snap.Get(snap.Self) == nil {
			// The reader always sees the process that reads; if it does
			// not, the process table is not this system's.
			return fmt.Errorf("proctui's own process (pid %d) is not in the process table", snap.Self)
		}
		scope = branch(tree, snap.Self)
	}

	w := bufio.NewWriterSize(stdout, 64<<10)
	p := snapshotPrinter{w: w, snap: snap, tree: tree, scope: scope, reader: r, fds: o.fds, mem: o.mem}
	if o.fds {
		p.peers = systemPeers(snap)
	}
	if o.json {
		err = p.writeJSON()
	} else {
		err = p.writeText()
	}
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return err
}

// readerLimits lists what r cannot show on this system, if it says.
func readerLimits(r proctree.Reader) []string {
	if l, ok := r.(interface{ Limits() []string }); ok {
		return l.Limits()
	}
	return nil
}

// branch is the set of pids on pid's branch: its ancestors, itself and its
// descendants. It is closed upwards: the parent of every member is a
// member, so a walk from the roots can skip whatever is not in it.
func branch(t *proctree.Tree, pid int) map[int]bool {
	anc := t.Ancestors(pid)
	desc := t.Descendants(pid)
	set := make(map[int]bool, len(anc)+len(desc)+1)
	for _, a := range anc {
		set[a] = true
	}
	set[pid] = true
	for _, d := range desc {
		set[d] = true
	}
	return set
}

// snapshotPrinter writes one snapshot.
type snapshotPrinter struct {
	w      *bufio.Writer
	snap   *proctree.Snapshot
	tree   *proctree.Tree
	scope  map[int]bool
	reader proctree.Reader
	fds    bool
	mem    bool // smaps_rollup, read only when asked: it walks page tables
	// peers finds the other ends of pipes and sockets (with --fds).
	peers *proctree.PeerIndex

	line   []byte // reused for each line
	prefix []byte // the tree links drawn before the current depth
}

func (p *snapshotPrinter) in(pid int) bool { return p.scope == nil || p.scope[pid] }

// children returns the children of pid (or the roots) that are in scope.
// Unscoped, it is the tree's own slice, which is only read.
func (p *snapshotPrinter) children(pid int, roots bool) []int {
	var all []int
	if roots {
		all = p.tree.Roots()
	} else {
		all = p.tree.Children(pid)
	}
	if p.scope == nil {
		return all
	}
	var out []int
	for _, c := range all {
		if p.scope[c] {
			out = append(out, c)
		}
	}
	return out
}

// writeText prints the tree the way pstree and tree do: one process per
// line, "├─ " before a child that has younger siblings, "└─ " before the
// youngest, and "│  " carrying a parent's line down past its children.
func (p *snapshotPrinter) writeText() error {
	for _, pid := range p.children(0, true) {
		if err := p.textNode(pid, true, true); err != nil {
			return err
		}
	}
	return nil
}

func (p *snapshotPrinter) textNode(pid int, last, root bool) error {
	proc := p.snap.Get(pid)
	if proc == nil {
		return nil
	}
	mark := len(p.prefix)
	b := append(p.line[:0], p.prefix...)
	if !root {
		if last {
			b = append(b, "└─ "...)
		} else {
			b = append(b, "├─ "...)
		}
	}
	b = appendProcText(b, proc)
	b = append(b, '\n')
	p.line = b
	if _, err := p.w.Write(b); err != nil {
		return err
	}

	if !root {
		if last {
			p.prefix = append(p.prefix, "   "...)
		} else {
			p.prefix = append(p.prefix, "│  "...)
		}
	}
	kids := p.children(pid, false)
	if p.fds {
		p.textFDs(pid, len(kids) > 0)
	}
	if p.mem {
		p.textMem(pid, len(kids) > 0)
	}
	for i, c := range kids {
		if err := p.textNode(c, i == len(kids)-1, false); err != nil {
			return err
		}
	}
	p.prefix = p.prefix[:mark]
	return nil
}

// appendProcText appends "PID S command", and for a zombie its status.
func appendProcText(b []byte, proc *proctree.Proc) []byte {
	b = strconv.AppendInt(b, int64(proc.PID), 10)
	b = append(b, ' ')
	b = append(b, stateLetter(proc.State)...)
	b = append(b, ' ')
	b = appendCommand(b, proc)
	if proc.Zombie() {
		b = append(b, "  <zombie"...)
		if proc.HasExit {
			b = append(b, ": "...)
			b = append(b, proc.Exit.String()...)
		}
		b = append(b, ", not reaped>"...)
	}
	return b
}

// stateLetter is the kernel's state letter, "?" when the reader had none.
func stateLetter(s byte) string {
	if s == 0 {
		return "?"
	}
	return string(rune(s))
}

// appendCommand appends what ps shows as the command: argv joined by
// spaces, [comm] for a kernel thread, and the comm alone when argv is
// empty (a zombie, whose memory is gone) or unreadable. A control
// character (a newline in an argument) becomes '?', as ps prints it, so
// that one process stays one line.
func appendCommand(b []byte, proc *proctree.Proc) []byte {
	start := len(b)
	if proc.Kernel || len(proc.Cmdline) == 0 {
		b = append(b, proc.Name()...)
	} else {
		for i, a := range proc.Cmdline {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, a...)
		}
	}
	for i := start; i < len(b); i++ {
		if b[i] < 0x20 || b[i] == 0x7f {
			b[i] = '?'
		}
	}
	return b
}

// textFDs prints pid's descriptor table below its line, indented past the
// tree links; more says whether the process has children below, whose
// link must be carried through.
func (p *snapshotPrinter) textFDs(pid int, more bool) {
	lead := string(p.prefix)
	if more {
		lead += "│    "
	} else {
		lead += "     "
	}
	d, err := p.reader.Details(pid, proctree.WantFDs)
	if err == nil {
		err = d.FDErr
	}
	if err != nil {
		fmt.Fprintf(p.w, "%sfds: %s\n", lead, fdError(err))
		return
	}
	p.link(d)
	for _, fd := range d.FDs {
		mode := fd.Mode
		if mode == "" {
			mode = "?"
		}
		fmt.Fprintf(p.w, "%sfd %-3d %-2s %-6s %s", lead, fd.Num, mode, fd.Type, fd.Target)
		if fd.CloseOnExec {
			p.w.WriteString("  cloexec")
		}
		if fd.Offset > 0 {
			fmt.Fprintf(p.w, "  offset %d", fd.Offset)
		}
		if peers := d.Peers[fd.Num]; len(peers) > 0 {
			p.w.WriteString("  → " + proctree.PeerList(pid, peers, 0))
		}
		p.w.WriteByte('\n')
	}
}

// fdError says why a table could not be read, in words.
func fdError(err error) string {
	switch {
	case errors.Is(err, proctree.ErrNoAccess):
		return "no access"
	case errors.Is(err, proctree.ErrGone):
		return "gone"
	case errors.Is(err, proctree.ErrUnsupported):
		return "not available on this platform"
	}
	return err.Error()
}

// The JSON shape of `proctui snapshot --json`. A field the reader could not
// read is null; "fds" is present only with --fds.
type (
	jsonProc struct {
		PID        int      `json:"pid"`
		PPID       int      `json:"ppid"`
		State      string   `json:"state"`
		Comm       string   `json:"comm"`
		Cmdline    []string `json:"cmdline"`
		UID        *int     `json:"uid"`
		User       *string  `json:"user"`
		Threads    int      `json:"threads"`
		StartTime  *string  `json:"start_time"`
		RSSBytes   uint64   `json:"rss_bytes"`
		ExitStatus *string  `json:"exit_status"`
		// FDs is raw so that it can be absent (no --fds), null (no access)
		// or a list.
		FDs     json.RawMessage `json:"fds,omitempty"`
		Signals *jsonSignals    `json:"signals"`
		// Memory, like FDs: absent without --mem, null when unreadable.
		Memory json.RawMessage `json:"memory,omitempty"`
	}
	jsonFD struct {
		FD      int     `json:"fd"`
		Mode    *string `json:"mode"`
		Type    string  `json:"type"`
		Target  string  `json:"target"`
		Cloexec *bool   `json:"cloexec"`
		Offset  *int64  `json:"offset"`
		// Peers are the other ends of a pipe or unix socket (as `lsof
		// +E` lists them), present for pipes and sockets only.
		Peers *[]jsonPeer `json:"peers,omitempty"`
	}
	jsonPeer struct {
		PID  int    `json:"pid"`
		FD   int    `json:"fd"`
		Comm string `json:"comm"`
	}
	jsonSignals struct {
		Pending []string `json:"pending"`
		Blocked []string `json:"blocked"`
		Ignored []string `json:"ignored"`
		Caught  []string `json:"caught"`
	}
)

// writeJSON prints the processes in scope in pid order, one per line, so
// that the output is both valid JSON and easy to grep.
func (p *snapshotPrinter) writeJSON() error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	want := proctree.WantSignals
	if p.fds {
		want |= proctree.WantFDs
	}
	if p.mem {
		want |= proctree.WantSmaps
	}
	p.w.WriteString(`{"processes":[`)
	first := true
	for i := range p.snap.Procs {
		proc := &p.snap.Procs[i]
		if !p.in(proc.PID) {
			continue
		}
		jp := toJSONProc(proc)
		d, err := p.reader.Details(proc.PID, want)
		if err != nil {
			// Gone since the snapshot: what was read stays, the rest is null.
			d = nil
		}
		jp.Signals = toJSONSignals(d)
		if p.fds {
			p.link(d)
			fds, err := toJSONFDs(d)
			if err != nil {
				return err
			}
			jp.FDs = fds
		}
		if p.mem {
			mem, err := toJSONMemory(d)
			if err != nil {
				return err
			}
			jp.Memory = mem
		}
		buf.Reset()
		if err := enc.Encode(jp); err != nil {
			return err
		}
		if !first {
			p.w.WriteByte(',')
		}
		first = false
		p.w.WriteByte('\n')
		p.w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	_, err := p.w.WriteString("\n]}\n")
	return err
}

func toJSONProc(proc *proctree.Proc) jsonProc {
	jp := jsonProc{
		PID:      proc.PID,
		PPID:     proc.PPID,
		State:    stateLetter(proc.State),
		Comm:     proc.Comm,
		Cmdline:  proc.Cmdline,
		Threads:  proc.Threads,
		RSSBytes: proc.RSS,
	}
	if proc.UID >= 0 {
		uid := proc.UID
		jp.UID = &uid
	}
	if proc.User != "" {
		user := proc.User
		jp.User = &user
	}
	if !proc.Start.IsZero() {
		s := proc.Start.Format(time.RFC3339)
		jp.StartTime = &s
	}
	if proc.Zombie() && proc.HasExit {
		s := proc.Exit.String()
		jp.ExitStatus = &s
	}
	return jp
}

// toJSONSignals turns the signal sets into names. A set the kernel did not
// print is null; a known empty set is [].
func toJSONSignals(d *proctree.Details) *jsonSignals {
	if d == nil || d.SigErr != nil {
		return nil
	}
	s := d.Signals
	// What a process has pending is the union of the signals sent to the
	// thread that was read (SigPnd) and those sent to the whole process
	// (ShdPnd): either can be delivered next.
	pending := proctree.SignalSet{
		Mask:  s.Pending.Mask | s.SharedPending.Mask,
		Known: s.Pending.Known || s.SharedPending.Known,
	}
	return &jsonSignals{
		Pending: signalNames(pending),
		Blocked: signalNames(s.Blocked),
		Ignored: signalNames(s.Ignored),
		Caught:  signalNames(s.Caught),
	}
}

func signalNames(set proctree.SignalSet) []string {
	if !set.Known {
		return nil
	}
	names := set.Names()
	if names == nil {
		names = []string{}
	}
	return names
}

// toJSONFDs encodes a descriptor table, or null when it was unreadable.
func toJSONFDs(d *proctree.Details) (json.RawMessage, error) {
	if d == nil || d.FDErr != nil {
		return json.RawMessage("null"), nil
	}
	out := make([]jsonFD, 0, len(d.FDs))
	for _, fd := range d.FDs {
		jf := jsonFD{FD: fd.Num, Type: fd.Type.String(), Target: fd.Target}
		// Mode, close-on-exec and offset all come from fdinfo; a reader
		// that could not see it leaves Mode empty.
		if fd.Mode != "" {
			mode, cloexec := fd.Mode, fd.CloseOnExec
			jf.Mode, jf.Cloexec = &mode, &cloexec
		}
		if fd.Offset >= 0 {
			off := fd.Offset
			jf.Offset = &off
		}
		if fd.Inode != 0 && (fd.Type == proctree.FDPipe || fd.Type == proctree.FDSocket) {
			peers := []jsonPeer{}
			for _, pr := range d.Peers[fd.Num] {
				peers = append(peers, jsonPeer{PID: pr.PID, FD: pr.FD, Comm: pr.Comm})
			}
			jf.Peers = &peers
		}
		out = append(out, jf)
	}
	return json.Marshal(out)
}

// systemPeers indexes the pipes and sockets of every process in snap, so
// that a descriptor's other end is found wherever it is, as `lsof +E`
// finds it, and asks sock_diag once which unix socket is connected to
// which.
func systemPeers(snap *proctree.Snapshot) *proctree.PeerIndex {
	x := proctree.NewPeerIndex()
	for i := range snap.Procs {
		x.AddPID(snap.Procs[i].PID, snap.Procs[i].Comm)
	}
	if socks, err := proctree.UnixSocketPeers(); err == nil {
		for a, b := range socks {
			x.SetSocketPeer(a, b)
		}
	}
	return x
}

// link fills in the peers of d's pipes and sockets.
func (p *snapshotPrinter) link(d *proctree.Details) {
	if p.peers != nil && d != nil && d.FDErr == nil {
		d.Peers = p.peers.Link(d.PID, d.FDs)
	}
}
