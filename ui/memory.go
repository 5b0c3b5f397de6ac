package ui

import (
	"errors"
	"strconv"
	"strings"

	"github.com/proctui/proctui/proctree"
)

// MemSide is one process in the memory panel: its smaps_rollup, or why
// it could not be read.
type MemSide struct {
	PID int
	// Role says who it is to the reader: "selected", "parent".
	Role  string
	Smaps proctree.SmapsRollup
	Err   error
}

// MemoryPanel is the copy-on-write panel of a lab process: its own
// smaps_rollup and, for a forked child, its parent's beside it.
type MemoryPanel struct {
	Sides []MemSide // one or two
	// Buffer is the size of proctui's copy-on-write buffer in bytes (0: none).
	Buffer int64
}

// memRows are the smaps_rollup fields, named as the kernel names them.
var memRows = []struct {
	name string
	get  func(*proctree.SmapsRollup) uint64
}{
	{"Rss", func(r *proctree.SmapsRollup) uint64 { return r.Rss }},
	{"Pss", func(r *proctree.SmapsRollup) uint64 { return r.Pss }},
	{"Shared_Clean", func(r *proctree.SmapsRollup) uint64 { return r.SharedClean }},
	{"Shared_Dirty", func(r *proctree.SmapsRollup) uint64 { return r.SharedDirty }},
	{"Private_Clean", func(r *proctree.SmapsRollup) uint64 { return r.PrivateClean }},
	{"Private_Dirty", func(r *proctree.SmapsRollup) uint64 { return r.PrivateDirty }},
	{"Anonymous", func(r *proctree.SmapsRollup) uint64 { return r.Anonymous }},
	{"Swap", func(r *proctree.SmapsRollup) uint64 { return r.Swap }},
}

// Glyphs of the shared-vs-private bar. They differ in shape, not only in
// colour, so the bar reads the same in mono and on a washed-out projector.
const (
	glyphShared  = "█"
	glyphPrivate = "░"
)

// MiB formats bytes as mebibytes with one decimal: "33.2".
func MiB(b uint64) string {
	return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64)
}

// memory draws the panel.
func (d *details) memory(mp *MemoryPanel) {
	if mp == nil || len(mp.Sides) == 0 {
		return
	}
	s := d.s
	l := d.line()
	l.add(s.Section, "MEMORY ")
	l.add(s.Muted, "smaps_rollup, MiB")
	d.push(l)

	var ok []MemSide
	for _, side := range mp.Sides {
		if side.Err == nil {
			ok = append(ok, side)
			continue
		}
		for i, text := range wrapWords(strings.Fields(memErr(side.Err)), " ", 8, 8, d.w) {
			l = d.line()
			label := ""
			if i == 0 {
				label = strconv.Itoa(side.PID)
			}
			l.pad(s.Label, label, 8)
			l.add(s.Error, text)
			d.push(l)
		}
	}
	if len(ok) == 0 {
		return
	}

	// The numbers, one column per process.
	const lw, cw = 14, 9
	l = d.line()
	l.pad(s.Header, "", lw)
	for _, side := range ok {
		l.add(s.Header, leftPad(strconv.Itoa(side.PID), cw))
	}
	d.push(l)
	if len(ok) > 1 {
		l = d.line()
		l.pad(s.Muted, "", lw)
		for _, side := range ok {
			l.add(s.Muted, leftPad(side.Role, cw))
		}
		d.push(l)
	}
	for _, row := range memRows {
		l = d.line()
		l.pad(s.Label, row.name, lw)
		for i := range ok {
			l.add(s.Text, leftPad(MiB(row.get(&ok[i].Smaps)), cw))
		}
		d.push(l)
	}

	// The bars, on one scale so that parent and child compare: shared
	// pages first, the process's own after them, two rows tall.
	scale := uint64(0)
	for _, side := range ok {
		scale = max(scale, side.Smaps.Rss)
	}
	const pw = 8
	barW := d.w - pw
	if barW >= 8 && scale > 0 {
		for _, side := range ok {
			sh, pr := shared(side.Smaps), private(side.Smaps)
			ns := int(sh * uint64(barW) / scale)
			np := int(pr * uint64(barW) / scale)
			if sh > 0 && ns == 0 {
				ns = 1
			}
			if pr > 0 && np == 0 {
				np = 1
			}
			for row := range 2 {
				l = d.line()
				label := ""
				if row == 0 {
					label = strconv.Itoa(side.PID)
				}
				l.pad(s.Label, label, pw)
				l.add(s.Lab, strings.Repeat(glyphShared, min(ns, barW)))
				l.add(s.MarkChanged, strings.Repeat(glyphPrivate, min(np, max(0, barW-ns))))
				d.push(l)
			}
			l = d.line()
			l.pad(s.Label, "", pw)
			l.add(s.Text, "shared "+MiB(sh)+" · private "+MiB(pr))
			d.push(l)
		}
		for _, legend := range []string{
			glyphShared + " shared: pages mapped by more than one process",
			glyphPrivate + " private: pages of this process alone",
		} {
			d.wrapped(s.Muted, legend, 2)
		}
	}
	if mp.Buffer > 0 {
		d.wrapped(s.Muted, "m writes to the start of the "+strconv.FormatInt(mp.Buffer>>20, 10)+
			" MiB buffer proctui filled before forking; the kernel copies each page still shared first", 0)
	}
}

// shared and private split Rss the way the kernel does: a page mapped by
// more than one process is shared, one mapped by this one alone private.
func shared(r proctree.SmapsRollup) uint64  { return r.SharedClean + r.SharedDirty }
func private(r proctree.SmapsRollup) uint64 { return r.PrivateClean + r.PrivateDirty }

func memErr(err error) string {
	if errors.Is(err, proctree.ErrUnsupported) {
		return "smaps_rollup is not available on this platform: the kernel here does not tell shared pages from private ones"
	}
	return partErr(err)
}

func leftPad(s string, n int) string {
	if w := width(s); w < n {
		return spaces(n-w) + s
	}
	return s
}
