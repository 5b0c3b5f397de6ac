package proctree

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// TestFDTypeTTY: a pseudo-terminal pair (the master /dev/ptmx and its
// slave /dev/pts/N) are terminals in the fd table; /dev/null is a plain
// character device.
func TestFDTypeTTY(t *testing.T) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	defer master.Close()
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer slave.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()

	d, err := NewProcReader("/proc").Details(os.Getpid(), WantFDs)
	if err != nil || d.FDErr != nil {
		t.Fatalf("Details(self): %v %v", err, d.FDErr)
	}
	want := map[int]FDType{int(master.Fd()): FDTTY, int(slave.Fd()): FDTTY, int(null.Fd()): FDChar}
	for _, f := range d.FDs {
		if w, ok := want[f.Num]; ok {
			if f.Type != w {
				t.Errorf("fd %d (%s): type %s, want %s", f.Num, f.Target, f.Type, w)
			}
			delete(want, f.Num)
		}
	}
	if len(want) > 0 {
		t.Errorf("descriptors missing from the table: %v", want)
	}
}

func TestTTYDevice(t *testing.T) {
	for _, c := range []struct {
		major, minor uint32
		tty          bool
	}{
		{136, 3, true}, {4, 1, true}, {4, 64, true}, {5, 0, true}, {5, 1, true}, {5, 2, true},
		{188, 0, true}, {1, 3, false}, {1, 8, false}, {5, 3, false}, {10, 200, false},
	} {
		if got := ttyDevice(c.major, c.minor); got != c.tty {
			t.Errorf("ttyDevice(%d, %d) = %v, want %v", c.major, c.minor, got, c.tty)
		}
	}
}
