package sim

import (
	"runtime"
	"slices"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/proctui/proctui/sim/rawfork"
)

// execve serves OpExec in the lab image: it replaces this process's
// program with the one in the payload, keeping its pid. The control
// socket is close-on-exec, so proctui sees EOF when execve succeeds, as
// for a raw fork child; a reply means it failed.
//
// execve keeps two things a new program does not expect from proctui:
//
//   - The signal mask of the thread that calls it. The lab image gates
//     signals with its mask (see labsignals_linux.go): its other threads
//     block labBlockMask, and the runtime may leave more blocked on any
//     thread. A program started with such a mask would never see SIGUSR1,
//     SIGCONT, SIGWINCH … and nothing on screen would say why. So the mask
//     is set, on this thread, to exactly the signals the user blocked in
//     this lab image (B), and nothing else: a mask the user chose survives
//     execve as it would for any program, and /proc shows it.
//   - SIG_IGN dispositions (handled signals go back to SIG_DFL). The lab
//     image ignores nothing of its own; what is ignored is what the user
//     set to SIG_IGN, and a program inheriting that is the lesson (it is
//     how nohup works), so the dispositions are left as they are.
//
// The environment is the one proctui sent, with this lab image's own
// changes (V) applied, as a program's execve passes its environ. Up to
// three descriptors sent with the request become fds 0, 1 and 2 first
// (dup3), as in a raw fork child; if execve fails, the old ones are put
// back (and one that was closed is closed again).
func (s *labServer) execve(payload []byte, fds []int, rep *rawfork.Reply) {
	path, argv, env, err := rawfork.DecodeExec(payload)
	if err != nil {
		rep.Errno = unix.EINVAL
		return
	}
	env = s.envOverlay(env)
	// Save fds 0-2 to put back if execve fails, above the small numbers
	// a lesson hands out and close-on-exec. One that was closed has none:
	// recvmsg put the descriptors sent with the request at the lowest
	// free numbers, so a hole in 0-2 now holds one of them.
	n := min(len(fds), 3)
	saved := [3]int{-1, -1, -1}
	for i := range n {
		if slices.Contains(fds, i) {
			continue
		}
		if saved[i], err = unix.FcntlInt(uintptr(i), unix.F_DUPFD_CLOEXEC, 10); err != nil {
			saved[i] = -1
		}
	}
	for i := range n {
		if fds[i] == i {
			// Already in place: dup3(i, i) fails with EINVAL, and the
			// close-on-exec recvmsg set would have execve close it.
			unix.FcntlInt(uintptr(i), unix.F_SETFD, 0)
		} else {
			unix.Dup3(fds[i], i, 0)
		}
	}
	// What sits at 0..n-1 now is the putting back's to close, not the
	// caller's: a second close() of the number could hit a descriptor
	// another thread opened in between.
	for j, fd := range fds {
		if fd >= 0 && fd < n {
			fds[j] = -1
		}
	}
	defer func() {
		for i := range n {
			if saved[i] >= 0 {
				unix.Dup3(saved[i], i, 0)
				unix.Close(saved[i])
			} else {
				unix.Close(i) // it was not open before
			}
		}
	}()
	// The mask belongs to the thread, and execve keeps the caller's:
	// stay on this one from setting it to the execve.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var want, old uint64
	if s.sig != nil {
		want = s.sig.blocked
	}
	sigprocmask(unix.SIG_SETMASK, &want, &old)
	err = syscall.Exec(path, argv, env)
	// Still here: execve failed and the lab image carries on, gated again.
	sigprocmask(unix.SIG_SETMASK, &old, nil)
	rep.Errno = errnoOf(err)
}
