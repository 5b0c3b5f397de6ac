// Package model is proctui's Bubble Tea model: the state of the screen, the
// messages that change it, the key map, and the routing of keys to the pane
// or prompt that owns them.
//
// All I/O runs in tea.Cmds. A re-armed tick polls the process table
// (Reader.Snapshot, BuildTree, Diff) and delivers a SnapshotMsg; the next
// tick is armed only when that result is in, so polls never overlap. The
// selected process's details are read by a second reader after each poll
// and whenever the selection moves. Lab keys call the sim API in a Cmd,
// come back as an ActionDoneMsg, and trigger a poll at once.
package model

import (
	"fmt"
	"io"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/proctui/proctui/lesson"
	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
	"github.com/proctui/proctui/ui"
)

// Config is what main hands the model.
type Config struct {
	Reader       proctree.Reader // owned by the poll loop
	DetailReader proctree.Reader // a second reader for on-demand details (readers are not concurrency-safe)
	Lab          *sim.Lab        // may be nil (then lab keys say the lab is unavailable)
	// LabErr is why Lab is nil, for the message the lab keys show.
	LabErr   error
	Interval time.Duration // poll interval, default 1s
	Theme    string        // "", "dark", "light", "contrast", "mono"; "" follows the terminal background
	NoColor  bool          // NO_COLOR set: force mono
	All      bool          // start in all-processes scope
	Version  string
	Platform []string // details unavailable on this OS, shown once in the status line
	// Projector is presenter mode: contrast theme, four columns, spaced
	// rows, the newest narration as a banner, changes marked longer.
	Projector bool
	// Record, when not nil, gets every log entry as one JSON line.
	Record io.Writer
	// Lesson, when not nil, runs in a pane of its own.
	Lesson *lesson.Lesson
}

// How long changes stay visible, measured in snapshot time.
const (
	markTTL   = 4 * time.Second         // a row stays marked new/exited/changed
	markFresh = 1500 * time.Millisecond // drawn strongest at first
	ghostTTL  = 3 * time.Second         // a vanished process stays as a ghost row
	ghostOld  = 2 * time.Second         // then fades
	msgTTL    = 6 * time.Second         // a status-line message
	logKeep   = 200                     // lines of event log kept
)

type focus uint8

const (
	focusTree focus = iota
	focusDetails
)

// mark is a recent change on a pid, dated by the snapshot that saw it.
type mark struct {
	kind  ui.MarkKind
	since time.Time
}

// ghost is a process gone from the table, kept on screen for a moment.
type ghost struct {
	g     ui.Ghost
	since time.Time
	// inBranch: it was in proctui's branch, so the lab scope shows it.
	inBranch bool
}

// Model is proctui's screen. It implements tea.Model.
type Model struct {
	cfg    Config
	told   map[toldKey]time.Time // events a lab action already narrated (told.go)
	keys   KeyMap
	styles *ui.Styles
	help   help.Model
	width  int
	height int
	layout ui.Layout
	cols   ui.Columns

	// Polling.
	tickID    uint64
	polling   bool
	pollAgain bool
	paused    bool

	// The latest poll.
	snap    *proctree.Snapshot
	tree    treePane
	ptree   *proctree.Tree
	now     time.Time
	count   int
	members map[int]sim.Member
	labTags map[int]ui.LabTag
	branch  map[int]bool // proctui, its ancestors and descendants

	marks          map[int]mark
	ghosts         []ghost
	zombieSince    map[int]time.Time
	foldedKThreads bool

	all   bool
	focus focus

	// The active search: query, and the rows it keeps and matches.
	query       string
	keep, match map[int]bool
	matches     int // rows that match, in the current scope

	details detailsPane
	// peers remembers other processes' fd tables between refreshes of
	// the details (see proctree.PeerCache); a lab action invalidates it.
	peers *proctree.PeerCache

	log []ui.LogEntry
	// pipeMark is the process p marked as a pipe's writer (0: none).
	pipeMark fdMark
	// passMark is the descriptor P marked to pass (pid 0: none).
	passMark passMark

	msg    string
	msgErr bool
	msgAt  time.Time

	prompt   *prompt
	menu     *sigMenu // the signal menu (s) or dispositions list (i)
	showHelp bool
	overlay  []string
	helpLine string
	quitting bool

	// teach is the timeline (L), its recording, and the lesson.
	teach teaching
}

// New builds the model. Nothing is read until Init's first poll.
func New(cfg Config) Model {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Projector && cfg.Theme == "" {
		cfg.Theme = ui.ThemeContrast.String()
	}
	m := Model{
		cfg:         cfg,
		keys:        DefaultKeyMap(),
		help:        help.New(),
		all:         cfg.All,
		members:     map[int]sim.Member{},
		labTags:     map[int]ui.LabTag{},
		marks:       map[int]mark{},
		zombieSince: map[int]time.Time{},
		details:     newDetailsPane(),
		peers:       &proctree.PeerCache{},
	}
	m.tree.collapsed = map[int]bool{}
	// Init starts the first poll; until its answer no other may start.
	m.polling = cfg.Reader != nil
	m.help.ShortSeparator = "  "
	theme := ui.ThemeDark
	switch {
	case cfg.NoColor:
		theme = ui.ThemeMono
	case cfg.Theme != "":
		t, err := ui.ParseTheme(cfg.Theme)
		if err != nil {
			m.setMsg(err.Error(), true)
		}
		theme = t
	}
	m.setTheme(theme)
	if len(cfg.Platform) > 0 {
		m.setMsg("not available on this platform: "+strings.Join(cfg.Platform, ", "), false)
	}
	m.syncKeys()
	if cfg.Lesson != nil {
		m.startLesson(cfg.Lesson)
	}
	return m
}

// Init starts the first poll, asks the terminal for its background colour
// when the theme follows it, and listens to the lab's notes.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.firstPoll()}
	if m.cfg.Theme == "" && !m.cfg.NoColor {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	if m.cfg.Lab != nil {
		cmds = append(cmds, waitNote(m.cfg.Lab.Notes()))
	}
	return tea.Batch(cmds...)
}

// firstPoll is Init's poll; New already marked it as running.
func (m Model) firstPoll() tea.Cmd {
	if m.cfg.Reader == nil {
		return nil
	}
	r, lab := m.cfg.Reader, m.cfg.Lab
	return func() tea.Msg { return readSnapshot(r, nil, lab) }
}

// Update routes a message: global messages first, then the open prompt,
// the help, and the focused pane.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	if c := m.lessonAfter(msg); c != nil {
		cmd = tea.Batch(cmd, c)
	}
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
	case tea.BackgroundColorMsg:
		if m.cfg.Theme == "" && !m.cfg.NoColor {
			if msg.IsDark() {
				m.setTheme(ui.ThemeDark)
			} else {
				m.setTheme(ui.ThemeLight)
			}
		}
	case tickMsg:
		return m.onTick(msg)
	case SnapshotMsg:
		return m.onSnapshot(msg)
	case detailsMsg:
		return m.onDetails(msg)
	case ActionDoneMsg:
		return m.onAction(msg)
	case noteMsg:
		m.peers.Invalidate()
		m.logf(msg.note.Time, ui.LogNote, "%s", msg.note.Text)
		return tea.Batch(m.startPoll(), waitNote(m.cfg.Lab.Notes()))
	case notesClosedMsg:
	case tea.KeyPressMsg:
		return m.onKey(msg)
	case tea.MouseClickMsg:
		return m.onClick(msg.Mouse())
	case tea.MouseWheelMsg:
		return m.onWheel(msg.Mouse())
	case tea.PasteMsg:
		if m.prompt != nil {
			return m.onPromptInput(msg)
		}
	}
	return nil
}

// onKey handles a key press: quit always, then the prompt or the help if
// open, then the global keys, then the focused pane.
func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	if key.Matches(msg, k.Interrupt) || (m.prompt == nil && key.Matches(msg, k.Quit)) {
		return m.quit()
	}
	if m.prompt != nil {
		return m.onPromptKey(msg)
	}
	if m.menu != nil {
		return m.onMenuKey(msg)
	}
	if m.teach.tl != nil {
		return m.onTimelineKey(msg)
	}
	if m.showHelp {
		m.showHelp = false
		return nil
	}
	if cmd, done := m.onLessonKey(msg); done {
		return cmd
	}
	switch {
	case key.Matches(msg, k.Timeline):
		m.openTimeline()
	case key.Matches(msg, k.Help):
		m.showHelp = true
		m.buildOverlay()
	case key.Matches(msg, k.Focus):
		if m.focus == focusTree {
			m.focusOnDetails()
		} else {
			m.focusOnTree()
		}
	case key.Matches(msg, k.Pause):
		return m.togglePause()
	case key.Matches(msg, k.Scope):
		m.toggleScope()
		return m.requestDetails()
	case key.Matches(msg, k.Search):
		m.prompt = newPrompt(promptSearch, m.styles, m.width, "/", "enter keeps · esc clears", m.query, "pid or name")
	case key.Matches(msg, k.Clear):
		if m.clearMarks() && m.query == "" {
			return nil
		}
		m.setQuery("")
		return m.requestDetails()
	case key.Matches(msg, k.Next), key.Matches(msg, k.Prev):
		dir := 1
		if key.Matches(msg, k.Prev) {
			dir = -1
		}
		if i := m.tree.findMatch(dir, false); i >= 0 {
			m.tree.selectRow(i)
			return m.selectionMoved()
		}
	case key.Matches(msg, k.Env):
		m.details.showEnv = !m.details.showEnv
		m.refreshDetails()
	case key.Matches(msg, k.Fork):
		return m.labKey("fork")
	case key.Matches(msg, k.Run):
		return m.labKey("run")
	case key.Matches(msg, k.Exit):
		return m.labKey("exit")
	case key.Matches(msg, k.Wait):
		return m.labKey("wait")
	case key.Matches(msg, k.Detach):
		return m.labKey("detach")
	case key.Matches(msg, k.Signal):
		return m.signalKey()
	case key.Matches(msg, k.Disp):
		return m.dispKey()
	case key.Matches(msg, k.Memory):
		return m.memoryKey()
	case key.Matches(msg, k.Pipe):
		return m.pairKey("pipe")
	case key.Matches(msg, k.Socket):
		return m.pairKey("socket pair")
	case key.Matches(msg, k.CloseFD):
		return m.fdKey(promptCloseFD)
	case key.Matches(msg, k.WriteFD):
		return m.fdKey(promptWriteFD)
	case key.Matches(msg, k.ReadFD):
		return m.fdKey(promptReadFD)
	case key.Matches(msg, k.Cloexec):
		return m.fdKey(promptCloexec)
	case key.Matches(msg, k.PassFD):
		return m.passKey()
	case key.Matches(msg, k.OpenFile):
		return m.openPrompt()
	case key.Matches(msg, k.Exec):
		return m.execPrompt()
	case key.Matches(msg, k.SetEnv):
		return m.envPrompt()
	default:
		return m.onPaneKey(msg)
	}
	return nil
}

// onPaneKey gives navigation keys to the focused pane.
func (m *Model) onPaneKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.focus == focusDetails {
		m.onDetailsKey(msg)
		return nil
	}
	before := m.tree.sel
	handled, reflatten := m.tree.update(msg, &m.keys)
	if !handled {
		return nil
	}
	if reflatten {
		m.reflatten()
	}
	if m.tree.sel != before {
		return m.selectionMoved()
	}
	return nil
}

// onPromptKey drives the open prompt.
func (m *Model) onPromptKey(msg tea.KeyPressMsg) tea.Cmd {
	p := m.prompt
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.prompt = nil
		if p.kind == promptSearch {
			m.setQuery("")
			return m.requestDetails()
		}
		return nil
	case key.Matches(msg, m.keys.Accept):
		switch p.kind {
		case promptSearch:
			m.prompt = nil
			return nil
		case promptRun:
			return m.submitRun(p)
		case promptExit:
			return m.submitExit(p)
		case promptMemory:
			return m.submitMemory(p)
		case promptCloseFD, promptWriteFD, promptReadFD, promptCloexec:
			return m.submitFD(p)
		case promptExec:
			return m.submitExec(p)
		case promptSetEnv:
			return m.submitEnv(p)
		case promptOpen:
			return m.submitOpen(p)
		}
	case key.Matches(msg, m.keys.Focus) && p.fdKind():
		m.promptToTable(p)
		return nil
	}
	return m.onPromptInput(msg)
}

func (m *Model) onPromptInput(msg tea.Msg) tea.Cmd {
	p := m.prompt
	cmd := p.update(msg)
	if p.kind == promptSearch && p.input.Value() != m.query {
		m.setQuery(p.input.Value())
		if i := m.tree.findMatch(1, true); i >= 0 {
			m.tree.selectRow(i)
		}
		return tea.Batch(cmd, m.requestDetails())
	}
	return cmd
}

// quit ends the lab (every lab process killed and reaped) in a Cmd, then
// quits. A second ctrl+c while that runs quits at once.
func (m *Model) quit() tea.Cmd {
	if m.quitting {
		return tea.Quit
	}
	m.quitting = true
	lab := m.cfg.Lab
	if lab == nil {
		return tea.Quit
	}
	m.setMsg("ending the lab…", false)
	return func() tea.Msg {
		_ = lab.Close()
		return tea.QuitMsg{}
	}
}

func (m *Model) togglePause() tea.Cmd {
	m.paused = !m.paused
	if m.paused {
		// Drop the armed tick; a poll already running still lands.
		m.tickID++
		return nil
	}
	return m.startPoll()
}

func (m *Model) toggleScope() {
	m.all = !m.all
	if m.all {
		m.logf(m.now, ui.LogAction, "all processes: the log narrates only the rows on screen and the lab")
	} else {
		m.logf(m.now, ui.LogAction, "lab scope: proctui's branch of the tree")
	}
	m.countProcs()
	m.syncKeys()
	m.reflatten()
}

// setQuery applies a search query ("" clears it).
func (m *Model) setQuery(q string) {
	m.query = q
	m.computeSearch()
	m.syncKeys()
	m.reflatten()
}

func (m *Model) computeSearch() {
	if m.query == "" || m.ptree == nil {
		m.keep, m.match = nil, nil
		return
	}
	m.keep, m.match = ui.Search(m.ptree, m.snap, m.ghostList(), m.query)
}

// syncKeys updates help texts and enabled keys to the current state, so the
// help shows only keys that do something now.
func (m *Model) syncKeys() {
	if m.all {
		m.keys.Scope.SetHelp("a", "lab")
	} else {
		m.keys.Scope.SetHelp("a", "all")
	}
	if m.paused {
		m.keys.Pause.SetHelp("space", "resume")
	} else {
		m.keys.Pause.SetHelp("space", "pause")
	}
	on := m.query != ""
	marked := m.pipeMark.pid != 0 || m.passMark.pid != 0
	m.keys.Clear.SetEnabled(on || marked)
	if on {
		m.keys.Clear.SetHelp("esc", "clear search")
	} else {
		m.keys.Clear.SetHelp("esc", "clear mark")
	}
	m.keys.Next.SetEnabled(on)
	m.keys.Prev.SetEnabled(on)
	m.buildHelpLine()
}

// setMsg shows a message in the status line for a few seconds (of snapshot
// time).
func (m *Model) setMsg(text string, isErr bool) {
	m.msg, m.msgErr, m.msgAt = text, isErr, m.now
	scope := "lab"
	if m.all {
		scope = "all"
	}
	if m.width == 0 || ui.StatusMsgFits(scope, text, m.width) {
		return
	}
	// The top line would cut it: the narration has room for all of it.
	if n := len(m.log); n > 0 && m.log[n-1].Text == text {
		return
	}
	kind := ui.LogHint
	if isErr {
		kind = ui.LogError
	}
	m.logf(m.now, kind, "%s", text)
}

// logf adds a line to the event log.
func (m *Model) logf(t time.Time, kind ui.LogKind, format string, args ...any) {
	m.logEntry(t, kind, 0, "", fmt.Sprintf(format, args...))
}

// logEntry adds a line to the event log and the timeline. pid and syscall
// may be left out (0, ""): the timeline then takes them from the text.
func (m *Model) logEntry(t time.Time, kind ui.LogKind, pid int, syscall, text string) {
	m.log = append(m.log, ui.LogEntry{Time: t, Kind: kind, Text: text})
	m.addTimeline(t, kind, pid, syscall, text)
	if len(m.log) > logKeep {
		m.log = append(m.log[:0], m.log[len(m.log)-logKeep:]...)
	}
}

// setTheme rebuilds everything drawn with styles.
func (m *Model) setTheme(t ui.Theme) {
	m.styles = ui.NewStyles(t)
	m.help.Styles = m.styles.Help()
	if m.prompt != nil {
		m.prompt.input.SetStyles(m.styles.Input())
	}
	m.buildHelpLine()
	m.refreshDetails()
	if m.showHelp {
		m.buildOverlay()
	}
}

func (m *Model) resize(w, h int) {
	m.width, m.height = w, h
	m.layout = m.adjustLayout(ui.NewLayout(w, h))
	m.help.SetWidth(w - 1)
	m.setColumns()
	m.tree.setHeight(m.treeRows())
	m.details.vp.SetWidth(m.layout.DetailsInner())
	m.details.vp.SetHeight(m.layout.PaneH)
	if m.prompt != nil {
		m.prompt.setWidth(w)
	}
	m.buildHelpLine()
	m.refreshDetails()
	if m.showHelp {
		m.buildOverlay()
	}
}

func (m *Model) setColumns() {
	maxPID := 0
	if m.snap != nil && len(m.snap.Procs) > 0 {
		maxPID = m.snap.Procs[len(m.snap.Procs)-1].PID
	}
	m.cols = ui.TreeColumns(m.layout.TreeW, maxPID)
	if m.cfg.Projector {
		m.cols = ui.ProjectorColumns(m.layout.TreeW, maxPID)
	}
}

func (m *Model) buildHelpLine() {
	if m.styles == nil {
		return
	}
	if m.focus == focusDetails {
		m.helpLine = " " + m.help.ShortHelpView(m.keys.DetailsHelp())
		return
	}
	m.helpLine = " " + m.help.ShortHelpView(m.keys.ShortHelp())
}

func (m *Model) buildOverlay() {
	if m.width == 0 {
		return
	}
	full := m.help
	full.SetWidth(m.width - 2)
	title := "proctui keys"
	if m.cfg.Version != "" {
		title = "proctui " + m.cfg.Version + " · keys"
	}
	m.overlay = ui.Overlay(m.styles, title+" (any key closes)", full.FullHelpView(m.keys.FullHelp()), m.width)
}

// selectionMoved refreshes the details pane for a new selection and reads
// its details.
func (m *Model) selectionMoved() tea.Cmd {
	m.details.vp.GotoTop()
	m.details.resetCursor()
	m.refreshDetails()
	return m.requestDetails()
}

// onClick selects the clicked row, or focuses the clicked pane.
func (m *Model) onClick(ms tea.Mouse) tea.Cmd {
	if ms.Button != tea.MouseLeft || m.layout.Small() || m.prompt != nil || m.showHelp || m.menu != nil {
		return nil
	}
	lay := m.layout
	if ms.Y < 1 || ms.Y > lay.PaneH {
		return nil
	}
	if ms.X > lay.TreeW {
		if m.focus != focusDetails {
			m.focusOnDetails()
		}
		m.clickDetails(ms.Y)
		return nil
	}
	if m.focus != focusTree {
		m.focusOnTree()
	}
	i := m.tree.offset + m.rowAt(ms.Y-lay.TreeTop())
	if ms.Y < lay.TreeTop() || i >= len(m.tree.rows) {
		return nil
	}
	before := m.tree.sel
	m.tree.selectRow(i)
	if m.tree.sel != before {
		return m.selectionMoved()
	}
	return nil
}

// onWheel scrolls the pane under the mouse.
func (m *Model) onWheel(ms tea.Mouse) tea.Cmd {
	if m.layout.Small() || m.showHelp || m.menu != nil {
		return nil
	}
	n := 0
	switch ms.Button {
	case tea.MouseWheelUp:
		n = -3
	case tea.MouseWheelDown:
		n = 3
	default:
		return nil
	}
	if ms.X > m.layout.TreeW {
		m.details.reveal = partNone
		if n < 0 {
			m.details.vp.ScrollUp(-n)
		} else {
			m.details.vp.ScrollDown(n)
		}
		return nil
	}
	before := m.tree.sel
	m.tree.scroll(n)
	if m.tree.sel != before {
		return m.selectionMoved()
	}
	return nil
}

// View draws the screen. It only reads state prepared by Update: the rows
// were flattened per poll, the details and help lines built when they
// changed; here only the rows in the window are drawn.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "proctui"
	return v
}

func (m *Model) render() string {
	if m.width == 0 || m.height == 0 {
		return ""
	}
	if m.layout.Small() {
		return ui.TooSmall(m.styles, m.width, m.height)
	}
	f := ui.Frame{
		Layout:      m.layout,
		Status:      m.status(),
		Cols:        m.cols,
		Rows:        m.tree.rows,
		Offset:      m.tree.offset,
		Cursor:      m.tree.cursor,
		TreeFocused: m.focus == focusTree,
		Details:     m.details.visible(),
		Log:         m.log,
		Now:         m.now,
		Bottom:      m.helpLine,
	}
	m.presenterFrame(&f)
	if m.prompt != nil {
		f.Bottom = m.prompt.view(m.styles, m.width)
	}
	if m.menu != nil {
		f.Overlay, f.Bottom = m.menuView()
	}
	if m.showHelp {
		f.Overlay = m.overlay
	}
	return ui.Render(m.styles, &f)
}

func (m *Model) status() ui.Status {
	st := ui.Status{
		Scope:     "lab",
		Processes: m.count,
		Interval:  m.cfg.Interval,
		Paused:    m.paused,
		Msg:       m.msg,
		Err:       m.msgErr,
	}
	if m.all {
		st.Scope = "all"
	}
	if m.query != "" {
		st.Search, st.Matches = m.query, m.matches
	}
	if m.snap == nil && m.msg == "" {
		st.Msg = "reading the process table…"
	}
	return st
}

// countProcs counts what the status line reports: the lab branch (proctui
// and its descendants) or every process.
func (m *Model) countProcs() {
	switch {
	case m.snap == nil:
		m.count = 0
	case m.all:
		m.count = len(m.snap.Procs)
	default:
		m.count = 1 + len(m.ptree.Descendants(m.snap.Self))
	}
}
