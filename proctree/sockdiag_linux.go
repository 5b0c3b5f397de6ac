package proctree

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// The unix socket part of the kernel's socket diagnostics interface
// (<linux/unix_diag.h>), which golang.org/x/sys does not define.
const (
	udiagShowPeer   = 0x4 // UDIAG_SHOW_PEER: ask for the peer's inode
	unixDiagPeer    = 2   // UNIX_DIAG_PEER: the attribute that carries it
	unixDiagReqSize = 24  // struct unix_diag_req
	unixDiagMsgSize = 16  // struct unix_diag_msg
	nlmsgHdrSize    = 16  // struct nlmsghdr
	allStates       = ^uint32(0)
	noCookie        = ^uint32(0) // INET_DIAG_NOCOOKIE: match by inode alone
)

// UnixSocketPeers asks the kernel which unix socket each socket is
// connected to, through a NETLINK_SOCK_DIAG socket with UDIAG_SHOW_PEER.
// With inodes it asks about those sockets only (one request each; a socket
// that is gone or not a unix socket is left out), without it dumps every
// unix socket in proctui's network namespace. The result maps an inode to
// its peer's inode; unconnected sockets are left out.
//
// Kernels built without CONFIG_UNIX_DIAG answer ErrUnsupported.
func UnixSocketPeers(inodes ...uint64) (map[uint64]uint64, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("sock_diag: %w", err)
	}
	defer unix.Close(fd)
	// A reply to a request that outlives its welcome must not block forever.
	tv := unix.Timeval{Sec: 2}
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("sock_diag: bind: %w", err)
	}
	out := map[uint64]uint64{}
	buf := make([]byte, 64<<10)
	if len(inodes) == 0 {
		err := unixDiagQuery(fd, buf, 1, 0, unix.NLM_F_REQUEST|unix.NLM_F_DUMP, out)
		return out, err
	}
	for i, ino := range inodes {
		if ino == 0 || ino > uint64(^uint32(0)) {
			continue
		}
		err := unixDiagQuery(fd, buf, uint32(i+1), uint32(ino), unix.NLM_F_REQUEST, out)
		if errors.Is(err, ErrUnsupported) {
			return out, err
		}
		// ENOENT: the socket closed meanwhile, or it is not a unix socket.
	}
	return out, nil
}

// unixDiagQuery sends one unix_diag_req and reads the answers into out.
func unixDiagQuery(fd int, buf []byte, seq, ino uint32, flags uint16, out map[uint64]uint64) error {
	ne := binary.NativeEndian
	req := make([]byte, nlmsgHdrSize+unixDiagReqSize)
	ne.PutUint32(req[0:], uint32(len(req)))
	ne.PutUint16(req[4:], unix.SOCK_DIAG_BY_FAMILY)
	ne.PutUint16(req[6:], flags)
	ne.PutUint32(req[8:], seq)
	r := req[nlmsgHdrSize:]
	r[0] = unix.AF_UNIX
	ne.PutUint32(r[4:], allStates)
	ne.PutUint32(r[8:], ino)
	ne.PutUint32(r[12:], udiagShowPeer)
	if ino != 0 {
		ne.PutUint32(r[16:], noCookie)
		ne.PutUint32(r[20:], noCookie)
	}
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("sock_diag: send: %w", err)
	}
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("sock_diag: receive: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return fmt.Errorf("sock_diag: %w", err)
		}
		for _, m := range msgs {
			if m.Header.Seq != seq {
				continue
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return nil
			case unix.NLMSG_ERROR:
				if len(m.Data) < 4 {
					return errors.New("sock_diag: short error")
				}
				errno := unix.Errno(-int32(ne.Uint32(m.Data)))
				switch errno {
				case 0:
					return nil
				case unix.ENOENT:
					return os.ErrNotExist
				case unix.EINVAL, unix.EOPNOTSUPP, unix.EPROTONOSUPPORT:
					return fmt.Errorf("sock_diag for unix sockets: %w", ErrUnsupported)
				}
				return fmt.Errorf("sock_diag: %w", errno)
			case unix.SOCK_DIAG_BY_FAMILY:
				parseUnixDiag(m.Data, out)
				if flags&unix.NLM_F_DUMP == 0 {
					return nil
				}
			}
		}
	}
}

// parseUnixDiag reads one unix_diag_msg and its attributes, recording the
// peer when the kernel sent one.
func parseUnixDiag(b []byte, out map[uint64]uint64) {
	ne := binary.NativeEndian
	if len(b) < unixDiagMsgSize {
		return
	}
	ino := uint64(ne.Uint32(b[4:]))
	b = b[unixDiagMsgSize:]
	for len(b) >= 4 {
		l := int(ne.Uint16(b[0:]))
		typ := ne.Uint16(b[2:])
		if l < 4 || l > len(b) {
			return
		}
		if typ == unixDiagPeer && l >= 8 {
			if peer := uint64(ne.Uint32(b[4:])); peer != 0 {
				out[ino] = peer
			}
		}
		l = (l + 3) &^ 3 // attributes are 4-byte aligned
		if l > len(b) {
			return
		}
		b = b[l:]
	}
}
