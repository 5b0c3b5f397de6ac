package model

import (
	"time"

	"github.com/proctui/proctui/proctree"
)

// peerSources is where the other ends of the selected process's pipes and
// sockets are looked for: the lab and the rows on screen (pid -> comm).
// Nil when the details reader does not read this system's live /proc (a
// fixture tree's inodes mean nothing to the live kernel).
func (m *Model) peerSources(r proctree.Reader) map[int]string {
	if l, ok := r.(interface{ Live() bool }); !ok || !l.Live() {
		return nil
	}
	out := map[int]string{}
	// Only the rows on screen: each candidate costs a read of its fd
	// directory (remembered for a few seconds by the PeerCache), and with
	// --all the tree holds them all.
	end := min(m.tree.offset+m.tree.height, len(m.tree.rows))
	for i := max(0, m.tree.offset); i < end; i++ {
		if p := m.tree.rows[i].Proc; p != nil && m.tree.rows[i].Ghost == nil {
			out[p.PID] = p.Comm
		}
	}
	if m.cfg.Lab != nil {
		for _, mem := range m.cfg.Lab.Members() {
			if _, ok := out[mem.PID]; ok || mem.Exited {
				continue
			}
			comm := ""
			if p := m.snap.Get(mem.PID); p != nil {
				comm = p.Comm
			}
			out[mem.PID] = comm
		}
	}
	return out
}

// linkPeers fills in d's peers from sources (see peerSources), through
// the cache c when there is one.
func linkPeers(c *proctree.PeerCache, d *proctree.Details, comm string, sources map[int]string) {
	switch {
	case d == nil || sources == nil:
	case c == nil:
		proctree.LinkPeers(d, comm, sources)
	default:
		c.Link(d, comm, sources, time.Now())
	}
}
