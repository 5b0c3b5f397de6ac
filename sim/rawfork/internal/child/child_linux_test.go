//go:build linux && (amd64 || arm64)

package child

import (
	"testing"
	"unsafe"
)

// These tests never fork. They exist for a second reason besides what they
// check: `go test -cover ./...` instruments a package that has no tests of
// its own in every test binary that links it (to report its 0%), and under
// -race its coverage counters are calls into sync/atomic and the race
// runtime, which a raw fork child must never make. A package with tests is
// instrumented only in its own test binary, which does not fork.

func TestInitPointsIntoScratch(t *testing.T) {
	s := new(Scratch)
	Init(s)
	at := func(p unsafe.Pointer) uintptr { return uintptr(p) }
	if s.recvIov[0].base != at(unsafe.Pointer(&s.req)) || s.recvIov[0].length != RecordSize {
		t.Error("the first receive iovec is not the request header")
	}
	if s.recvIov[1].base != at(unsafe.Pointer(&s.buf)) || s.recvIov[1].length != ExecBufSize {
		t.Error("the second receive iovec is not the exec buffer")
	}
	if s.recvMsg.iov != at(unsafe.Pointer(&s.recvIov)) || s.recvMsg.iovlen != 2 {
		t.Error("the receive msghdr does not point at its iovecs")
	}
	if s.sendIov.base != at(unsafe.Pointer(&s.rep)) || s.sendMsg.iov != at(unsafe.Pointer(&s.sendIov)) || s.sendMsg.iovlen != 1 {
		t.Error("the send msghdr does not point at the reply")
	}
	if s.mask != ^uint64(0) || s.none != 0 || s.dfl.Handler != 0 || s.ign.Handler != 1 {
		t.Error("signal sets or dispositions are wrong")
	}
	if s.PIDFD != -1 || s.newPIDFD != -1 {
		t.Error("pidfds do not start at -1")
	}
}

func TestLayout(t *testing.T) {
	if unsafe.Sizeof(Request{}) != RecordSize || unsafe.Sizeof(Reply{}) != RecordSize {
		t.Errorf("records are %d and %d bytes, want %d", unsafe.Sizeof(Request{}), unsafe.Sizeof(Reply{}), RecordSize)
	}
	// struct msghdr and struct sigaction as the kernel lays them out on
	// 64-bit Linux.
	if unsafe.Sizeof(msghdr{}) != 56 || unsafe.Offsetof(msghdr{}.controllen) != 40 || unsafe.Offsetof(msghdr{}.flags) != 48 {
		t.Error("msghdr does not match the kernel's")
	}
	if unsafe.Sizeof(Sigaction{}) != 32 || unsafe.Offsetof(Sigaction{}.Mask) != 24 {
		t.Error("sigaction does not match the kernel's")
	}
	var s Scratch
	if unsafe.Offsetof(s.buf)%8 != 0 || unsafe.Offsetof(s.recvCtl)%8 != 0 || unsafe.Offsetof(s.sendCtl)%8 != 0 {
		t.Error("buffers are not 8-byte aligned")
	}
}
