package proctree

import (
	"os"
	"strconv"
)

// AddPID reads the pipes and sockets in process pid's descriptor table
// from /proc and adds them. It reads only the links, not a whole Details
// (so the peers it adds have no Mode). A process
// that is gone or closed to proctui adds nothing.
func (x *PeerIndex) AddPID(pid int, comm string) {
	x.Add(pid, comm, linkableFDs(pid))
}

// linkableFDs lists pid's pipes and sockets.
func linkableFDs(pid int) []FD {
	dir := "/proc/" + strconv.Itoa(pid)
	ents, err := os.ReadDir(dir + "/fd")
	if err != nil {
		return nil
	}
	var fds []FD
	for _, e := range ents {
		num, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		target, err := os.Readlink(dir + "/fd/" + e.Name())
		if err != nil {
			continue // closed since the listing
		}
		typ, ino := fdTargetType(target)
		if ino == 0 || (typ != FDPipe && typ != FDSocket) {
			continue
		}
		// The mode would take an fdinfo read per descriptor; the links
		// are all that matching needs.
		fds = append(fds, FD{Num: num, Type: typ, Inode: ino, Target: target, Offset: -1})
	}
	return fds
}

// LinkPeers fills in d.Peers: the other ends of d's pipes and sockets, searching the
// descriptor tables of the processes in others (pid -> comm; d's own
// process may be among them and is read from d). Unix socket peers come
// from sock_diag; a kernel without it leaves sockets unlinked.
func LinkPeers(d *Details, comm string, others map[int]string) {
	if d == nil || d.FDErr != nil || !HasLinkable(d.FDs) {
		return
	}
	x := NewPeerIndex()
	x.Add(d.PID, comm, d.FDs)
	for pid, c := range others {
		if pid != d.PID {
			x.AddPID(pid, c)
		}
	}
	linkSockets(x, d)
	d.Peers = x.Link(d.PID, d.FDs)
}

// Live reports whether r reads this system's own /proc (not a fixture
// tree), so that what it read can be matched against other live tables.
func (r *ProcReader) Live() bool { return r.live }
