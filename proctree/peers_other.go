//go:build !linux

package proctree

// LinkPeers is Linux only: other systems do not name pipes by inode in a
// way proctui reads, so d.Peers stays nil.
func LinkPeers(d *Details, comm string, others map[int]string) {}

// AddPID is Linux only; elsewhere it adds nothing.
func (x *PeerIndex) AddPID(pid int, comm string) {}

// UnixSocketPeers needs Linux's sock_diag.
func UnixSocketPeers(inodes ...uint64) (map[uint64]uint64, error) {
	return nil, ErrUnsupported
}

// linkableFDs is Linux only; elsewhere a process has no linkable
// descriptors proctui can read.
func linkableFDs(pid int) []FD { return nil }
