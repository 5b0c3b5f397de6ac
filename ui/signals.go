package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/proctui/proctui/proctree"
)

// SignalCount is how often a lab image caught one signal, and when last.
type SignalCount struct {
	Sig   int
	Count int64
	Last  time.Time
}

// pending shows the signals waiting to be delivered: those sent to the
// whole process (shared) and those sent to its main thread, apart, since
// they are queued apart.
func (d *details) pending(sig proctree.Signals) {
	if !sig.Pending.Known && !sig.SharedPending.Known {
		d.kvw("pending", "unknown", d.s.Error)
		return
	}
	if sig.Pending.Mask == 0 && sig.SharedPending.Mask == 0 {
		d.kvw("pending", "none", d.s.Muted)
		return
	}
	var words []string
	if names := sigShort(sig.SharedPending.Names()); len(names) > 0 {
		words = append(words, "process:")
		words = append(words, names...)
	}
	if names := sigShort(sig.Pending.Names()); len(names) > 0 {
		if len(words) > 0 {
			words[len(words)-1] += ";"
		}
		words = append(words, "thread:")
		words = append(words, names...)
	}
	d.words("pending", words, d.s.Text)
}

// caughtCounts shows what a lab image's handler counted: "USR1 ×3, last 2s
// ago".
func (d *details) caughtCounts(cs []SignalCount, now time.Time) {
	if len(cs) == 0 {
		return
	}
	var words []string
	for i, c := range cs {
		w := strings.TrimPrefix(proctree.SignalName(c.Sig), "SIG") + " ×" + strconv.FormatInt(c.Count, 10)
		if !c.Last.IsZero() && !now.IsZero() {
			w += ", last " + Ago(now, c.Last) + " ago"
		}
		if i < len(cs)-1 {
			w += ";"
		}
		words = append(words, w)
	}
	d.words("counted", words, d.s.Text)
}

// SignalItem is one row of the signal menu or the dispositions list.
type SignalItem struct {
	Sig int
	// Disp is the current disposition ("default", "ignore", "catch",
	// with " · blocked"); empty in the signal menu.
	Disp string
}

// SignalMenu draws the signal menu (s) or the dispositions list (i) in
// place of both panes, h lines of w cells: a title, lines of explanation,
// then one row per signal (name, number, default action, and the current
// disposition when known), the selected one marked with ▸.
func SignalMenu(s *Styles, title string, intro []string, items []SignalItem, sel, w, h int) []string {
	var out []string
	l := newLine(s, w)
	l.add(s.Title, " "+Clean(title))
	out = append(out, l.String())
	for _, text := range intro {
		for _, ln := range wrapWords(strings.Fields(text), " ", 1, 1, w-1) {
			l := newLine(s, w)
			l.add(s.Muted, " "+ln)
			out = append(out, l.String())
		}
	}
	l = newLine(s, w)
	l.add(s.Header, "   SIGNAL       NO  DEFAULT    ")
	if len(items) > 0 && items[0].Disp != "" {
		l.add(s.Header, "NOW")
	}
	out = append(out, l.String())
	rows := h - len(out)
	if rows < 1 {
		return out[:h]
	}
	if len(items) == 0 {
		l := newLine(s, w)
		l.add(s.Error, "   no signal matches")
		return append(out, l.String())
	}
	first := 0
	if sel >= rows {
		first = sel - rows + 1
	}
	for i := first; i < len(items) && i < first+rows; i++ {
		it := items[i]
		l := newLine(s, w)
		p := s.Text
		mark := "   "
		if i == sel {
			p, mark = s.Selected, " ▸ "
		}
		text := mark + fit(proctree.SignalName(it.Sig), 12) + " " + fit(strconv.Itoa(it.Sig), 3) + " " +
			fit(proctree.DefaultAction(it.Sig).String(), 10) + " " + it.Disp
		l.add(p, text)
		out = append(out, l.String())
	}
	return out
}
