package proctree

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// endpoint is one (pid, fd) pair.
type endpoint struct{ pid, fd int }

// lsofEndpoint matches what `lsof +E` prints per endpoint: "4316,cat,0r".
var lsofEndpoint = regexp.MustCompile(`(\d+),[^,\s]*,(\d+)[rwu]`)

// lsofPeers runs `lsof +E` on pid and returns, per descriptor number in
// fds, the endpoints lsof lists for it.
func lsofPeers(t *testing.T, pid int, fds ...int) map[int][]endpoint {
	t.Helper()
	if _, err := exec.LookPath("lsof"); err != nil {
		t.Skip("lsof is not installed")
	}
	var list []string
	for _, fd := range fds {
		list = append(list, strconv.Itoa(fd))
	}
	out, err := exec.Command("lsof", "-n", "-w", "+E", "-F", "pfn", "-a", "-p", strconv.Itoa(pid), "-d", strings.Join(list, ",")).Output()
	if err != nil && len(out) == 0 {
		t.Fatalf("lsof: %v", err)
	}
	got := map[int][]endpoint{}
	cur, fd := 0, -1
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" {
			continue
		}
		switch line[0] {
		case 'p':
			cur, _ = strconv.Atoi(line[1:])
			fd = -1
		case 'f':
			fd, err = strconv.Atoi(line[1:])
			if err != nil {
				fd = -1
			}
		case 'n':
			// +E also prints the endpoint processes' own lines: keep pid's.
			if cur != pid || !slices.Contains(fds, fd) {
				continue
			}
			for _, m := range lsofEndpoint.FindAllStringSubmatch(line[1:], -1) {
				p, _ := strconv.Atoi(m[1])
				f, _ := strconv.Atoi(m[2])
				got[fd] = append(got[fd], endpoint{p, f})
			}
		}
	}
	for _, eps := range got {
		sortEndpoints(eps)
	}
	return got
}

func sortEndpoints(eps []endpoint) {
	slices.SortFunc(eps, func(a, b endpoint) int {
		if a.pid != b.pid {
			return a.pid - b.pid
		}
		return a.fd - b.fd
	})
}

// ourPeers reads pid's table and links it against the tables of others.
func ourPeers(t *testing.T, pid int, others map[int]string) map[int][]endpoint {
	t.Helper()
	d, err := NewProcReader("").Details(pid, WantFDs)
	if err != nil || d.FDErr != nil {
		t.Fatalf("Details(%d): %v %v", pid, err, d.FDErr)
	}
	LinkPeers(d, "", others)
	got := map[int][]endpoint{}
	for fd, peers := range d.Peers {
		for _, p := range peers {
			got[fd] = append(got[fd], endpoint{p.PID, p.FD})
		}
	}
	return got
}

// startSleep starts `sleep 60` with extra descriptors from fd 3 (and
// stdin/stdout when given), and ends and reaps it when the test ends.
func startSleep(t *testing.T, stdin, stdout *os.File, extra ...*os.File) int {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	cmd.Stdin, cmd.Stdout, cmd.ExtraFiles = stdin, stdout, extra
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	// Wait for the exec, so that /proc shows sleep's table, not the
	// half-built one of the child between fork and exec.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/comm"); strings.TrimSpace(string(b)) == "sleep" {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cmd.Process.Pid
}

func comparePeers(t *testing.T, pid int, others map[int]string, fds ...int) {
	t.Helper()
	want := lsofPeers(t, pid, fds...)
	got := ourPeers(t, pid, others)
	for _, fd := range fds {
		if len(want[fd]) == 0 {
			t.Errorf("pid %d fd %d: lsof +E lists no endpoints; the test set-up is wrong", pid, fd)
		}
		if !slices.Equal(got[fd], want[fd]) {
			t.Errorf("pid %d fd %d: peers %v, lsof +E says %v", pid, fd, got[fd], want[fd])
		}
	}
}

func TestPeersPipeBetweenProcesses(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	writer := startSleep(t, nil, w)
	reader := startSleep(t, r, nil)
	r.Close()
	w.Close()
	others := map[int]string{writer: "sleep", reader: "sleep"}
	comparePeers(t, writer, others, 1)
	comparePeers(t, reader, others, 0)

	got := ourPeers(t, writer, others)
	if want := []endpoint{{reader, 0}}; !slices.Equal(got[1], want) {
		t.Errorf("writer fd 1 peers %v, want %v", got[1], want)
	}
}

func TestPeersPipeInheritedOverFork(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	// The child inherits both ends (as fds 3 and 4) over fork, and keeps
	// them across exec; the test process still holds them too.
	child := startSleep(t, nil, nil, r, w)
	self := os.Getpid()
	others := map[int]string{self: "test", child: "sleep"}
	comparePeers(t, child, others, 3, 4)
	comparePeers(t, self, others, int(r.Fd()), int(w.Fd()))

	got := ourPeers(t, child, others)
	want := []endpoint{{self, int(r.Fd())}, {self, int(w.Fd())}, {child, 4}}
	sortEndpoints(want)
	if !slices.Equal(got[3], want) {
		t.Errorf("child fd 3 peers %v, want %v", got[3], want)
	}
}

func TestPeersSocketPair(t *testing.T) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	a := os.NewFile(uintptr(pair[0]), "a")
	b := os.NewFile(uintptr(pair[1]), "b")
	pa := startSleep(t, nil, nil, a)
	pb := startSleep(t, nil, nil, b)
	a.Close()
	b.Close()
	others := map[int]string{pa: "sleep", pb: "sleep"}
	comparePeers(t, pa, others, 3)
	comparePeers(t, pb, others, 3)
	got := ourPeers(t, pa, others)
	if want := []endpoint{{pb, 3}}; !slices.Equal(got[3], want) {
		t.Errorf("fd 3 of %d: peers %v, want %v", pa, got[3], want)
	}
}

func TestUnixSocketPeersDump(t *testing.T) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
	ino := func(fd int) uint64 {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			t.Fatal(err)
		}
		return st.Ino
	}
	a, b := ino(pair[0]), ino(pair[1])
	all, err := UnixSocketPeers()
	if err != nil {
		t.Fatal(err)
	}
	if all[a] != b || all[b] != a {
		t.Errorf("dump: peer of %d is %d, of %d is %d", a, all[a], b, all[b])
	}
	one, err := UnixSocketPeers(a, 1) // 1: no such socket, left out
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 1 || one[a] != b {
		t.Errorf("by inode: %v, want %d -> %d", one, a, b)
	}
}

func TestPeerIndexLink(t *testing.T) {
	x := NewPeerIndex()
	x.Add(10, "yes", []FD{{Num: 1, Type: FDPipe, Inode: 7, Mode: "w"}, {Num: 5, Type: FDSocket, Inode: 100}})
	x.Add(11, "head", []FD{{Num: 0, Type: FDPipe, Inode: 7, Mode: "r"}, {Num: 3, Type: FDSocket, Inode: 101}})
	x.SetSocketPeer(100, 101)
	got := x.Link(10, []FD{{Num: 1, Type: FDPipe, Inode: 7}, {Num: 5, Type: FDSocket, Inode: 100}, {Num: 2, Type: FDChar}})
	if p := got[1]; len(p) != 1 || p[0].PID != 11 || p[0].FD != 0 || p[0].String() != "11 fd 0 (head)" {
		t.Errorf("pipe peers %+v", p)
	}
	if p := got[5]; len(p) != 1 || p[0].PID != 11 || p[0].FD != 3 {
		t.Errorf("socket peers %+v", p)
	}
	if _, ok := got[2]; ok || len(got) != 2 {
		t.Errorf("links %+v", got)
	}
	if s := PeerList(10, []Peer{{PID: 10, FD: 4}, {PID: 11, FD: 0, Comm: "cat"}, {PID: 12, FD: 0}}, 2); s != "fd 4 here, 11 fd 0 (cat), + 1 more" {
		t.Errorf("PeerList = %q", s)
	}
}

// BenchmarkLinkPeers links this process's table against every process on
// the system: the cost of the details pane in the all-processes scope.
func BenchmarkLinkPeers(b *testing.B) {
	r := NewProcReader("")
	snap, err := r.Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	others := map[int]string{}
	for _, p := range snap.Procs {
		others[p.PID] = p.Comm
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	d, err := r.Details(os.Getpid(), WantFDs)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(others)), "procs")
	b.ResetTimer()
	for b.Loop() {
		LinkPeers(d, "bench", others)
	}
}

// BenchmarkUnixSocketPeersDump is one sock_diag dump of every unix socket.
func BenchmarkUnixSocketPeersDump(b *testing.B) {
	for b.Loop() {
		if _, err := UnixSocketPeers(); err != nil {
			b.Fatal(err)
		}
	}
}
