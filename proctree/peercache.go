package proctree

import (
	"sync"
	"time"
)

// DefaultPeerMaxAge is how long a PeerCache trusts another process's
// descriptor table before it reads it again.
const DefaultPeerMaxAge = 3 * time.Second

// PeerCache links a process's pipes and sockets to their other ends, like
// LinkPeers, but remembers the other processes' descriptor tables between
// calls. Finding peers means reading the fd directory of every candidate
// (a directory listing plus one readlink per descriptor), which costs far
// more than the rest of a refresh; the tables of processes nobody touches
// rarely change. The selected process's own table is always the fresh one
// in the Details, and its sockets are always asked of sock_diag afresh.
//
// A remembered table is read again when it is older than MaxAge, when the
// process's comm changed (a new program, or a reused pid), or after
// Invalidate (call it when something is known to have changed descriptors:
// a lab action). So a change made by a process outside proctui shows
// within MaxAge. The zero value is ready and uses DefaultPeerMaxAge. A
// PeerCache is safe for concurrent use.
type PeerCache struct {
	// MaxAge is how long a remembered table is used; <= 0 means
	// DefaultPeerMaxAge.
	MaxAge time.Duration

	mu      sync.Mutex
	tables  map[int]peerTable
	invalid bool

	// reads counts the descriptor tables read from /proc, for tests.
	reads int
}

// peerTable is one process's pipes and sockets as last read.
type peerTable struct {
	comm string
	fds  []FD
	at   time.Time
}

// Invalidate makes the next Link read every table again. A nil cache has
// nothing to forget.
func (c *PeerCache) Invalidate() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.invalid = true
	c.mu.Unlock()
}

// Link fills in d.Peers from the tables of others (pid -> comm), as
// LinkPeers does, reading only the tables it does not remember or no
// longer trusts. Processes not in others are forgotten.
func (c *PeerCache) Link(d *Details, comm string, others map[int]string, now time.Time) {
	if d == nil || d.FDErr != nil || !HasLinkable(d.FDs) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	maxAge := c.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultPeerMaxAge
	}
	if c.tables == nil || c.invalid {
		c.tables = map[int]peerTable{}
		c.invalid = false
	}
	for pid := range c.tables {
		if _, ok := others[pid]; !ok || pid == d.PID {
			delete(c.tables, pid)
		}
	}
	x := NewPeerIndex()
	x.Add(d.PID, comm, d.FDs)
	for pid, pc := range others {
		if pid == d.PID {
			continue
		}
		t, ok := c.tables[pid]
		if !ok || t.comm != pc || now.Sub(t.at) >= maxAge || now.Before(t.at) {
			t = peerTable{comm: pc, fds: linkableFDs(pid), at: now}
			c.tables[pid] = t
			c.reads++
		}
		x.Add(pid, pc, t.fds)
	}
	linkSockets(x, d)
	d.Peers = x.Link(d.PID, d.FDs)
}

// linkSockets asks sock_diag for the peers of d's unix sockets and records
// them in x. A kernel without sock_diag leaves sockets unlinked.
func linkSockets(x *PeerIndex, d *Details) {
	var socks []uint64
	for _, f := range d.FDs {
		if f.Type == FDSocket && f.Inode != 0 {
			socks = append(socks, f.Inode)
		}
	}
	if len(socks) == 0 {
		return
	}
	peers, _ := UnixSocketPeers(socks...)
	for a, b := range peers {
		x.SetSocketPeer(a, b)
	}
}
