// Package child is the code a raw fork() child runs: the moment after
// clone(SIGCHLD) returns 0 in a copy of a multithreaded Go process.
//
// Only the thread that called clone exists in the child. Every other thread
// of the parent, including the garbage collector's workers and whatever held
// the runtime's locks at that instant, is simply not there. So the child must
// never enter the Go runtime: no allocation, no pointer stores (the write
// barrier's state is frozen at the moment of the fork), no stack growth, no
// scheduler, no signal handler. Every function here is //go:nosplit,
// //go:norace and //go:nocheckptr, keeps its state in a Scratch prepared by
// the parent (and never stores a pointer there), indexes memory with
// unsafe.Add instead of bounds-checked indexing, and calls nothing but
// syscall.RawSyscall6 and the other functions of this package. A guard test in the parent package
// disassembles the test binary and fails if that stops being true.
//
// Coverage counters are code too, and under -race each one is a call into
// sync/atomic and the race runtime, whose locks may belong to threads that
// do not exist in the child: a child that runs one spins forever. go test
// -cover ./... instruments a package without tests in every test binary
// that links it (to report its 0%), so this package has tests of its own,
// which never fork: then it is instrumented only in its own test binary.
// Never name it in -coverpkg; a test binary that does turns real fork() off
// (rawfork.ChildCovered), and a program built with -cover refuses to fork
// (rawfork.Unavailable).
package child
