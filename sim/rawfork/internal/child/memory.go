//go:build linux && (amd64 || arm64)

package child

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// OpTouch writes one byte in each page of the range [Arg0, Arg0+Arg1) of
// the buffer at Scratch.Mem. Reply: Val = the number of pages written.
const OpTouch = 40

// touch does OpTouch. The first write to a page the process still shares
// with its parent (or its children) after a fork makes the kernel copy
// that page: a copy-on-write fault. A page it already has a copy of is
// written in place.
//
//go:nosplit
//go:norace
//go:nocheckptr
func touch(s *Scratch) {
	if s.Mem == nil || s.MemLen == 0 || s.PageSize == 0 {
		s.rep.Errno = uint32(unix.ENOMEM)
		return
	}
	if s.req.Arg0 < 0 || s.req.Arg1 < 0 || uint64(s.req.Arg0) > s.MemLen || uint64(s.req.Arg1) > s.MemLen-uint64(s.req.Arg0) {
		s.rep.Errno = uint32(unix.EINVAL)
		return
	}
	// s.fd walks the offsets and s.ret marks the end: state lives in the
	// scratch, not in this frame.
	s.fd = uintptr(s.req.Arg0)
	s.ret = s.fd + uintptr(s.req.Arg1)
	for ; s.fd < s.ret; s.fd += uintptr(s.PageSize) {
		// A byte, not a pointer: no write barrier is involved.
		*(*byte)(unsafe.Add(s.Mem, s.fd))++
		s.rep.Val++
	}
}
