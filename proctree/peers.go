package proctree

import (
	"slices"
	"strconv"
	"strings"
)

// Peer is another descriptor joined to a pipe or socket: for a pipe, any
// other descriptor open on the same pipe (its other end, or a copy of the
// same end another process inherited); for a unix socket, a descriptor
// open on the socket at the other end of the connection. This is what
// `lsof +E` lists as a descriptor's endpoints.
type Peer struct {
	PID  int
	FD   int
	Comm string
	// Mode is the peer's access mode ("r", "w", "rw"), "" when unknown.
	Mode string
}

// String is the peer the way a descriptor row shows it: "4316 fd 0 (cat)".
func (p Peer) String() string {
	s := strconv.Itoa(p.PID) + " fd " + strconv.Itoa(p.FD)
	if p.Comm != "" {
		s += " (" + p.Comm + ")"
	}
	return s
}

// PeerIndex finds the other ends of pipes and unix sockets. The kernel
// shows a pipe as the same pipe:[inode] in every descriptor open on it, so
// pipes are matched by inode across every table added. A unix socket pair
// has two inodes, one per end: which inode is connected to which comes
// from the kernel's socket diagnostics (sock_diag with UDIAG_SHOW_PEER, see
// SetSocketPeer), or from whoever made the pair.
//
// Only the tables added are searched: a peer in a process that was not
// added is not found. The zero value is not ready; use NewPeerIndex.
type PeerIndex struct {
	holders  map[uint64][]Peer // pipe or socket inode -> descriptors open on it
	sockPeer map[uint64]uint64 // unix socket inode -> the inode of its peer
}

// NewPeerIndex returns an empty index.
func NewPeerIndex() *PeerIndex {
	return &PeerIndex{holders: map[uint64][]Peer{}, sockPeer: map[uint64]uint64{}}
}

// Add records the pipes and sockets of one process's descriptor table.
// Adding the same process twice counts its descriptors twice; don't.
func (x *PeerIndex) Add(pid int, comm string, fds []FD) {
	for i := range fds {
		f := &fds[i]
		if f.Inode == 0 || (f.Type != FDPipe && f.Type != FDSocket) {
			continue
		}
		x.holders[f.Inode] = append(x.holders[f.Inode], Peer{PID: pid, FD: f.Num, Comm: comm, Mode: f.Mode})
	}
}

// SetSocketPeer records that socket inode a is connected to socket inode b
// (and b to a).
func (x *PeerIndex) SetSocketPeer(a, b uint64) {
	if a == 0 || b == 0 {
		return
	}
	x.sockPeer[a] = b
	x.sockPeer[b] = a
}

// SocketPeer is the inode of the socket connected to socket inode ino, 0
// when unknown.
func (x *PeerIndex) SocketPeer(ino uint64) uint64 { return x.sockPeer[ino] }

// Link finds the other ends of each pipe and socket in pid's table, by
// descriptor number, each list sorted by pid and descriptor number. A
// descriptor with no other end in the tables added has no entry.
func (x *PeerIndex) Link(pid int, fds []FD) map[int][]Peer {
	out := map[int][]Peer{}
	for i := range fds {
		f := &fds[i]
		if f.Inode == 0 {
			continue
		}
		var found []Peer
		switch f.Type {
		case FDPipe:
			for _, h := range x.holders[f.Inode] {
				if h.PID != pid || h.FD != f.Num {
					found = append(found, h)
				}
			}
		case FDSocket:
			if peer := x.sockPeer[f.Inode]; peer != 0 {
				found = append(found, x.holders[peer]...)
			}
		}
		if len(found) == 0 {
			continue
		}
		slices.SortFunc(found, func(a, b Peer) int {
			if a.PID != b.PID {
				return a.PID - b.PID
			}
			return a.FD - b.FD
		})
		out[f.Num] = slices.CompactFunc(found, func(a, b Peer) bool { return a.PID == b.PID && a.FD == b.FD })
	}
	return out
}

// HasLinkable reports whether any descriptor in fds is a pipe or socket,
// the only kinds that have peers.
func HasLinkable(fds []FD) bool {
	for i := range fds {
		if fds[i].Inode != 0 && (fds[i].Type == FDPipe || fds[i].Type == FDSocket) {
			return true
		}
	}
	return false
}

// PeerList says who is at the other end, for a descriptor row: "4316 fd 0
// (cat)", "4316 fd 0 (cat), 4317 fd 0 (cat)". Descriptors of the process
// itself (pid) are named "fd 4 here". At most max are named; the rest are
// counted ("+ 3 more"). max <= 0 names them all.
func PeerList(pid int, peers []Peer, max int) string {
	var b strings.Builder
	for i, p := range peers {
		if max > 0 && i == max {
			b.WriteString(", + " + strconv.Itoa(len(peers)-max) + " more")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if p.PID == pid {
			b.WriteString("fd " + strconv.Itoa(p.FD) + " here")
			continue
		}
		b.WriteString(p.String())
	}
	return b.String()
}
