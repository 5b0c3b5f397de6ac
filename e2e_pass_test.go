package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// fdLinks lists pid's descriptors: fd -> what /proc/PID/fd/N names.
func fdLinks(pid int) map[int]string {
	out := map[int]string{}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if tgt, err := os.Readlink(dir + "/" + e.Name()); err == nil {
			n, _ := strconv.Atoi(e.Name())
			out[n] = tgt
		}
	}
	return out
}

// fdPos is the file offset of pid's fd, from its fdinfo; -1 if unreadable.
func fdPos(pid, fd int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%d", pid, fd))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "pos:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// sockets counts pid's unix sockets (its control socket included).
func sockets(pid int) int {
	n := 0
	for _, tgt := range fdLinks(pid) {
		if strings.HasPrefix(tgt, "socket:[") {
			n++
		}
	}
	return n
}

// posPastZero is a file row's offset once something was written.
var posPastZero = regexp.MustCompile(`pos [1-9]`)

// TestE2EPassFD: two lab images joined by a socket pair (o, o); O opens a
// scratch file in the first; tab, P marks it in the fd table, P on the
// second sends it over the socket with SCM_RIGHTS. The receiver's new
// descriptor is the same open file: same inode in /proc, and one offset,
// which a write through the receiver moves in both tables.
func TestE2EPassFD(t *testing.T) {
	p := startInTmux(t, 160, 72, proctuiBinary(t, ""))
	p.waitOwnRow()

	kids := p.runTwoLabImages()
	sender, receiver := kids[0], kids[1]
	before := sockets(sender)
	p.keys("j", "o")
	p.waitScreen("the socket pair mark", func(s string) bool { return strings.Contains(s, "will hold one end") })
	p.keys("j", "o")
	waitFor(t, "a socket end in each lab image", func() bool {
		return sockets(sender) > before && sockets(receiver) > before
	})

	old := fdLinks(sender)
	p.keys("k", "O")
	p.waitScreen("the open prompt", func(s string) bool { return strings.Contains(s, "open which file") })
	p.keys("Enter")
	sfd, path := -1, ""
	waitFor(t, "the scratch file open in the sender", func() bool {
		for fd, tgt := range fdLinks(sender) {
			if _, ok := old[fd]; !ok && strings.HasPrefix(tgt, "/") {
				sfd, path = fd, tgt
				return true
			}
		}
		return false
	})

	// The cursor goes to the new descriptor; P marks it, P on the
	// receiver (back in the tree, j) passes it.
	p.keys("Tab")
	p.waitScreen(fmt.Sprintf("the cursor on fd %d", sfd), func(s string) bool {
		return strings.Contains(s, fmt.Sprintf("▸%d", sfd))
	})
	p.keys("P")
	p.waitScreen("the pass mark", func(s string) bool { return strings.Contains(s, fmt.Sprintf("pass fd %d of %d", sfd, sender)) })
	p.keys("Tab", "j", "P")
	rfd := -1
	waitFor(t, "the file in the receiver's table", func() bool {
		for fd, tgt := range fdLinks(receiver) {
			if tgt == path {
				rfd = fd
				return true
			}
		}
		return false
	})
	var a, b syscall.Stat_t
	if err := syscall.Stat(fmt.Sprintf("/proc/%d/fd/%d", sender, sfd), &a); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Stat(fmt.Sprintf("/proc/%d/fd/%d", receiver, rfd), &b); err != nil {
		t.Fatal(err)
	}
	if a.Ino != b.Ino || a.Dev != b.Dev {
		t.Fatalf("sender fd %d is inode %d, receiver fd %d inode %d", sfd, a.Ino, rfd, b.Ino)
	}
	p.waitScreen("SCM_RIGHTS in the narration", func(s string) bool { return strings.Contains(s, "SCM_RIGHTS") })

	// The receiver writes a line a second through its descriptor (> on
	// it, typed into the prompt): the one offset moves for both.
	p.keys(">")
	p.waitScreen("the write prompt", func(s string) bool { return strings.Contains(s, "write a line to which fd") })
	p.keys("BSpace", "BSpace", "BSpace")
	p.keys(strconv.Itoa(rfd), "Enter")
	var pos int64
	waitFor(t, "the shared offset past 0 in both tables", func() bool {
		r1, s, r2 := fdPos(receiver, rfd), fdPos(sender, sfd), fdPos(receiver, rfd)
		pos = s
		return s > 0 && (s == r1 || s == r2)
	})
	p.waitScreen("the receiver's row with its offset", func(s string) bool {
		return posPastZero.MatchString(s)
	})
	t.Logf("sender fd %d and receiver fd %d: inode %d, offset %d", sfd, rfd, a.Ino, pos)

	p.quitEndsLab(kids[:]...)
	if _, err := os.Stat(path); err == nil {
		t.Errorf("the scratch file %s outlived proctui", path)
	}
}
