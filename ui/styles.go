package ui

import (
	"fmt"
	"image/color"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Theme is a named colour scheme.
type Theme uint8

const (
	// ThemeDark suits a terminal with a dark background.
	ThemeDark Theme = iota
	// ThemeLight suits a terminal with a light background.
	ThemeLight
	// ThemeContrast is for projectors: black on white, bold, no pale
	// colours, so it survives a washed-out beamer and the back of a room.
	ThemeContrast
	// ThemeMono uses no colour at all, only bold, faint, underline and
	// reverse video (NO_COLOR, or a terminal that cannot do better).
	ThemeMono
)

// Themes lists every theme.
func Themes() []Theme { return []Theme{ThemeDark, ThemeLight, ThemeContrast, ThemeMono} }

// String is the theme's name, as --theme takes it.
func (t Theme) String() string {
	switch t {
	case ThemeDark:
		return "dark"
	case ThemeLight:
		return "light"
	case ThemeContrast:
		return "contrast"
	case ThemeMono:
		return "mono"
	}
	return "unknown"
}

// ParseTheme turns a --theme value into a Theme. The empty string is not a
// theme: it means "follow the terminal's background", which the caller
// decides.
func ParseTheme(name string) (Theme, error) {
	for _, t := range Themes() {
		if t.String() == name {
			return t, nil
		}
	}
	return ThemeDark, fmt.Errorf("unknown theme %q (want dark, light, contrast or mono)", name)
}

// Paint is a lipgloss style compiled once into the escape sequences that
// open and close it. Painting a piece of plain single-line text is then two
// string concatenations, which keeps a frame cheap: lipgloss.Style.Render
// re-derives the sequence on every call.
type Paint struct {
	Style      lipgloss.Style
	open, shut string
}

func compile(st lipgloss.Style) Paint {
	const probe = "\x1a"
	r := st.Render(probe)
	i := strings.Index(r, probe)
	if i < 0 {
		return Paint{Style: st}
	}
	return Paint{Style: st, open: r[:i], shut: r[i+len(probe):]}
}

// Render paints plain text s, which must hold no newline.
func (p Paint) Render(s string) string {
	if p.open == "" {
		return s
	}
	return p.open + s + p.shut
}

// write paints s into b.
func (p Paint) write(b *strings.Builder, s string) {
	b.WriteString(p.open)
	b.WriteString(s)
	b.WriteString(p.shut)
}

// StateClass groups process state letters that are drawn alike.
type StateClass uint8

const (
	StateOther StateClass = iota
	StateRunning
	StateSleeping
	StateDisk
	StateZombie
	StateStopped
	StateIdle
	stateClasses
)

// Styles is the whole style sheet, built once per theme by NewStyles and
// handed to every render function. Nothing else in proctui makes a style.
type Styles struct {
	Theme Theme

	// Base is every cell's style: empty except in the contrast theme,
	// which paints its own white background.
	Base Paint

	StatusBar, StatusName, StatusMsg, StatusErr, StatusPaused Paint
	Header, Sep                                               Paint

	// Tree rows.
	Text, Dim, Self, Lines, Match, Muted Paint
	Selected, SelectedBlur               Paint
	State                                [stateClasses]Paint
	MarkNew, MarkExited, MarkChanged     Paint
	Ghost, GhostOld                      Paint
	ExitNote, Lab, Collapsed             Paint

	// Details pane.
	Title, Label, Section, Error Paint

	// Event log.
	LogBullet, LogText, LogFresh, LogError Paint

	// Key help and prompts.
	HelpKey, HelpDesc, HelpSep           Paint
	PromptLabel, PromptText, PromptError Paint
}

// palette is what differs between the coloured themes. A nil colour means
// the terminal's own.
type palette struct {
	fg, bg                                   color.Color
	bar, barFg, accent, muted, faint, lines  color.Color
	run, sleep, disk, zombie, stopped, idle  color.Color
	other, added, changed, lab, sel, selBlur color.Color
	selFg, match, errc, warn                 color.Color
	bold                                     bool // bold almost everything (contrast)
	mono                                     bool // attributes only
}

func hex(s string) color.Color { return lipgloss.Color(s) }

func paletteFor(t Theme) palette {
	switch t {
	case ThemeDark:
		return palette{
			bar: hex("#263040"), barFg: hex("#E4E8EE"), accent: hex("#7CC8FF"),
			muted: hex("#9AA4B2"), faint: hex("#6A7380"), lines: hex("#56606E"),
			run: hex("#5FD787"), sleep: hex("#A8B4C2"), disk: hex("#FFAF5F"),
			zombie: hex("#FF6B8B"), stopped: hex("#FFD75F"), idle: hex("#6A7380"),
			other: hex("#D7AFFF"), added: hex("#5FD787"), changed: hex("#FFD75F"),
			lab: hex("#87AFFF"), sel: hex("#34507A"), selBlur: hex("#2C3442"),
			selFg: hex("#FFFFFF"), match: hex("#FFD75F"), errc: hex("#FF8787"),
			warn: hex("#FFD166"),
		}
	case ThemeLight:
		return palette{
			bar: hex("#DCE4EE"), barFg: hex("#1C2430"), accent: hex("#005FAF"),
			muted: hex("#4E5866"), faint: hex("#7A8390"), lines: hex("#8A93A0"),
			run: hex("#007A33"), sleep: hex("#3A4656"), disk: hex("#A34D00"),
			zombie: hex("#C0003C"), stopped: hex("#8A6A00"), idle: hex("#7A8390"),
			other: hex("#6A2FA0"), added: hex("#007A33"), changed: hex("#8A6A00"),
			lab: hex("#0040C0"), sel: hex("#B8D4F5"), selBlur: hex("#E2E8F0"),
			selFg: hex("#000000"), match: hex("#8A4F00"), errc: hex("#B00020"),
			warn: hex("#8A4F00"),
		}
	case ThemeContrast:
		black := hex("#000000")
		return palette{
			fg: black, bg: hex("#FFFFFF"),
			bar: black, barFg: hex("#FFFFFF"), accent: hex("#00308F"),
			muted: black, faint: hex("#404040"), lines: black,
			run: hex("#005A00"), sleep: black, disk: hex("#7A3300"),
			zombie: hex("#B00000"), stopped: hex("#6A4A00"), idle: hex("#404040"),
			other: hex("#4B0082"), added: hex("#005A00"), changed: hex("#6A4A00"),
			lab: hex("#00308F"), sel: black, selBlur: hex("#404040"),
			selFg: hex("#FFFFFF"), match: hex("#00308F"), errc: hex("#B00000"),
			warn: hex("#6A4A00"), bold: true,
		}
	case ThemeMono:
		return palette{mono: true}
	}
	return paletteFor(ThemeDark)
}

// NewStyles builds the style sheet of theme t.
func NewStyles(t Theme) *Styles {
	p := paletteFor(t)
	base := lipgloss.NewStyle()
	if p.fg != nil {
		base = base.Foreground(p.fg)
	}
	if p.bg != nil {
		base = base.Background(p.bg)
	}
	// st derives a style from base: a foreground colour (ignored in mono)
	// and bold where the theme wants weight.
	st := func(fg color.Color, bold bool) lipgloss.Style {
		s := base
		if fg != nil && !p.mono {
			s = s.Foreground(fg)
		}
		if bold || p.bold {
			s = s.Bold(true)
		}
		return s
	}
	// soft is for secondary text: a muted colour, or faint where there
	// is no colour. The contrast theme never goes faint.
	soft := func(fg color.Color) lipgloss.Style {
		if p.mono {
			return base.Faint(true)
		}
		return st(fg, false)
	}
	bar := base
	if p.mono {
		bar = bar.Reverse(true)
	} else {
		bar = bar.Background(p.bar).Foreground(p.barFg)
	}
	if p.bold {
		bar = bar.Bold(true)
	}
	sel := base.Bold(true)
	selBlur := base
	if p.mono {
		sel = sel.Reverse(true)
		selBlur = selBlur.Underline(true)
	} else {
		sel = sel.Background(p.sel).Foreground(p.selFg)
		selBlur = selBlur.Background(p.selBlur)
		if p.bold {
			selBlur = selBlur.Foreground(p.selFg).Bold(true)
		}
	}

	s := &Styles{Theme: t}
	s.Base = compile(base)
	s.StatusBar = compile(bar)
	s.StatusName = compile(bar.Bold(true))
	switch t {
	case ThemeDark, ThemeLight:
		s.StatusMsg = compile(bar.Bold(true))
		s.StatusErr = compile(bar.Foreground(p.errc).Bold(true))
		s.StatusPaused = compile(base.Background(p.warn).Foreground(hex("#000000")).Bold(true))
	case ThemeContrast, ThemeMono:
		// No colour to spare: an error is underlined, pause is reversed.
		s.StatusMsg = compile(bar.Bold(true))
		s.StatusErr = compile(bar.Bold(true).Underline(true))
		s.StatusPaused = compile(base.Reverse(true).Bold(true))
	}
	s.Header = compile(st(p.muted, true))
	s.Sep = compile(soft(p.lines))

	s.Text = compile(st(nil, false))
	if t == ThemeContrast {
		// Ancestors are shown plain and everything else bold: the
		// projector theme dims by weight, never by a pale colour.
		s.Dim = compile(base)
	} else {
		s.Dim = compile(soft(p.faint))
	}
	s.Self = compile(st(p.accent, true))
	s.Lines = compile(soft(p.lines))
	s.Muted = compile(soft(p.muted))
	if p.mono {
		s.Match = compile(base.Bold(true).Underline(true))
	} else {
		s.Match = compile(st(p.match, true).Underline(true))
	}
	s.Selected = compile(sel)
	s.SelectedBlur = compile(selBlur)

	s.State[StateOther] = compile(st(p.other, false))
	s.State[StateRunning] = compile(st(p.run, true))
	s.State[StateSleeping] = compile(st(p.sleep, false))
	s.State[StateDisk] = compile(st(p.disk, true))
	s.State[StateZombie] = compile(st(p.zombie, true))
	s.State[StateStopped] = compile(st(p.stopped, true))
	s.State[StateIdle] = compile(soft(p.idle))

	if p.mono {
		s.MarkNew = compile(base.Bold(true).Reverse(true))
		s.MarkExited = compile(base.Bold(true).Reverse(true))
		s.MarkChanged = compile(base.Bold(true))
		s.Ghost = compile(base.Italic(true))
		s.GhostOld = compile(base.Faint(true).Italic(true))
	} else {
		s.MarkNew = compile(st(p.added, true).Reverse(true))
		s.MarkExited = compile(st(p.zombie, true).Reverse(true))
		s.MarkChanged = compile(st(p.changed, true))
		s.Ghost = compile(st(p.muted, false).Italic(true))
		s.GhostOld = compile(st(p.faint, false).Italic(true))
		if t == ThemeContrast {
			s.Ghost = compile(base.Italic(true).Bold(true))
			s.GhostOld = compile(base.Italic(true))
		}
	}
	s.ExitNote = compile(st(p.zombie, true))
	s.Lab = compile(st(p.lab, true))
	s.Collapsed = compile(st(p.accent, true))

	s.Title = compile(st(p.accent, true))
	s.Label = compile(st(p.muted, false))
	if p.mono {
		s.Section = compile(base.Bold(true).Underline(true))
	} else {
		s.Section = compile(st(p.other, true))
	}
	if p.mono {
		s.Error = compile(base.Italic(true))
	} else {
		s.Error = compile(st(p.errc, false).Italic(true))
	}

	s.LogBullet = compile(st(p.accent, true))
	s.LogText = compile(st(nil, false))
	s.LogFresh = compile(st(nil, true))
	if p.mono {
		s.LogError = compile(base.Bold(true))
	} else {
		s.LogError = compile(st(p.errc, true))
	}

	s.HelpKey = compile(st(p.accent, true))
	s.HelpDesc = compile(soft(p.muted))
	s.HelpSep = compile(soft(p.lines))
	s.PromptLabel = compile(st(p.accent, true))
	s.PromptText = compile(st(nil, false))
	if p.mono {
		s.PromptError = compile(base.Bold(true))
	} else {
		s.PromptError = compile(st(p.errc, true))
	}
	return s
}

// Help returns styles for the bubbles help component that match s.
func (s *Styles) Help() help.Styles {
	return help.Styles{
		Ellipsis:       s.HelpSep.Style,
		ShortKey:       s.HelpKey.Style,
		ShortDesc:      s.HelpDesc.Style,
		ShortSeparator: s.HelpSep.Style,
		FullKey:        s.HelpKey.Style,
		FullDesc:       s.HelpDesc.Style,
		FullSeparator:  s.HelpSep.Style,
	}
}

// Input returns styles for the bubbles text input that match s. The cursor
// does not blink: a blinking cursor would redraw the screen twice a second
// for nothing.
func (s *Styles) Input() textinput.Styles {
	st := textinput.Styles{
		Focused: textinput.StyleState{
			Text:        s.PromptText.Style,
			Placeholder: s.Muted.Style,
			Suggestion:  s.Muted.Style,
			Prompt:      s.PromptLabel.Style,
		},
		Cursor: textinput.CursorStyle{Shape: tea.CursorBlock, Blink: false},
	}
	st.Blurred = st.Focused
	if c := s.Text.Style.GetForeground(); c != nil {
		st.Cursor.Color = c
	}
	return st
}
