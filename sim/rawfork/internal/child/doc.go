// Package child is the code a raw fork() child runs: the moment after
// clone(SIGCHLD) returns 0 in a copy of a multithreaded Go process.
//
// Only the thread that called clone exists in the child. Every other thread
// of the parent, including the garbage collector's workers and whatever held
// the runtime's locks at that instant, is simply not there. So the child must
// never enter the Go runtime: no allocation, no pointer stores (the write
// barrier's state is frozen at the moment of the fork), no stack growth, no
// scheduler, no signal handler. Every function here is //go:nosplit,
// //go:norace and //go:nocheckptr, keeps its state in a pointer-free Scratch
// prepared by the parent, indexes memory with unsafe.Add instead of
// bounds-checked indexing, and calls nothing but syscall.RawSyscall6 and the
// other functions of this package. A guard test in the parent package
// disassembles the test binary and fails if that stops being true.
//
// The package has no tests of its own on purpose: `go test -cover` instruments
// only the package under test, and under -race coverage counters become calls
// into sync/atomic. Keeping the child path in a package without tests keeps
// those calls out of it (never name it in -coverpkg).
package child
