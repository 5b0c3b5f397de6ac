package sim

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/proctui/proctui/proctree"
)

// sockPair is a socket pair SocketPair split between two lab processes:
// a kept fd aFD, b got fd bFD. aIno and bIno are what /proc/PID/fd showed
// for them then ("socket:[81234]"), so that a pair whose end was closed,
// passed on or replaced is recognised as gone.
type sockPair struct {
	a, aFD int
	aIno   string
	b, bFD int
	bIno   string
}

// fdLink is readlink(/proc/PID/fd/FD), "" when it cannot be read.
func fdLink(pid, fd int) string {
	s, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + strconv.Itoa(fd))
	return s
}

// addPair remembers a socket pair split between a and b.
func (st *state) addPair(a, aFD, b, bFD int) {
	p := sockPair{a: a, aFD: aFD, aIno: fdLink(a, aFD), b: b, bFD: bFD, bIno: fdLink(b, bFD)}
	if p.aIno == "" || p.bIno == "" {
		return
	}
	st.mu.Lock()
	st.pairs = append(st.pairs, p)
	st.mu.Unlock()
}

// forgetPairs drops the pairs with an end in pid: it exec'd (the program
// it runs now does not take commands) or it was reaped (its pid may come
// back as another process, whose fds the pair would name).
func (st *state) forgetPairs(pid int) {
	st.mu.Lock()
	st.pairs = slices.DeleteFunc(st.pairs, func(p sockPair) bool { return p.a == pid || p.b == pid })
	st.mu.Unlock()
}

// joiningSocket finds a unix socket with one end in from and the other in
// to: first among the pairs SocketPair made (checked against /proc, and
// dropped when no longer there), then by asking the kernel (sock_diag)
// for the peer of every socket from holds, which also finds a socket
// that came to them by fork or by SCM_RIGHTS.
func (st *state) joiningSocket(from, to *member) (fromSock, toSock int, ok bool) {
	st.mu.Lock()
	pairs := slices.Clone(st.pairs)
	st.mu.Unlock()
	var stale []sockPair
	defer func() {
		if len(stale) == 0 {
			return
		}
		st.mu.Lock()
		st.pairs = slices.DeleteFunc(st.pairs, func(p sockPair) bool { return slices.Contains(stale, p) })
		st.mu.Unlock()
	}()
	for _, p := range pairs {
		if fdLink(p.a, p.aFD) != p.aIno || fdLink(p.b, p.bFD) != p.bIno {
			stale = append(stale, p)
			continue
		}
		switch {
		case p.a == from.PID && p.b == to.PID:
			return p.aFD, p.bFD, true
		case p.b == from.PID && p.a == to.PID:
			return p.bFD, p.aFD, true
		}
	}
	fromSocks, toSocks := socketFDs(from), socketFDs(to)
	if len(fromSocks) == 0 || len(toSocks) == 0 {
		return 0, 0, false
	}
	inodes := make([]uint64, 0, len(fromSocks))
	for ino := range fromSocks {
		inodes = append(inodes, ino)
	}
	slices.Sort(inodes)
	peers, err := proctree.UnixSocketPeers(inodes...)
	if err != nil {
		return 0, 0, false
	}
	best := -1
	for _, ino := range inodes {
		peer, ok := peers[ino]
		if !ok {
			continue
		}
		if tfd, ok := toSocks[peer]; ok && (best < 0 || fromSocks[ino] < best) {
			best, toSock = fromSocks[ino], tfd
		}
	}
	return best, toSock, best >= 0
}

// socketFDs maps the inode of every socket m holds to its descriptor,
// leaving out its control socket.
func socketFDs(m *member) map[uint64]int {
	out := map[uint64]int{}
	for _, fd := range fdList(m.PID) {
		if fd == m.ControlFD {
			continue
		}
		t, ok := strings.CutPrefix(fdLink(m.PID, fd), "socket:[")
		if !ok {
			continue
		}
		ino, err := strconv.ParseUint(strings.TrimSuffix(t, "]"), 10, 64)
		if err == nil {
			if _, dup := out[ino]; !dup {
				out[ino] = fd
			}
		}
	}
	return out
}

// passFDTo makes lab image from send its fd to lab image to over a unix
// socket that joins them.
func (st *state) passFDTo(from, fd, to int) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	if from == to {
		return Result{}, fmt.Errorf("%d would pass fd %d to itself: pick another lab image to receive it", from, fd)
	}
	a, b, err := st.passEnds(from, fd, to)
	if err != nil {
		return Result{}, err
	}
	fromSock, toSock, ok := st.joiningSocket(a, b)
	if !ok {
		return Result{}, fmt.Errorf("no unix socket joins %d and %d: make a socket pair between them with o first, then pass the descriptor over it", from, to)
	}
	return st.passFDOver(a, fromSock, fd, b, toSock)
}
