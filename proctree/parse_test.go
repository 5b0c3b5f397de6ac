package proctree

import (
	"errors"
	"io/fs"
	"reflect"
	"slices"
	"syscall"
	"testing"
)

// Lines copied from a Linux 6.x /proc.
const (
	statKthreadd = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 20 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	statZombie   = "9626 (python3) Z 9581 9572 2310 0 -1 4227148 234 0 0 0 0 0 0 0 20 0 1 0 47121 0 0 18446744073709551615 0 0 0 0 0 0 0 16781312 2 1 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 768\n"
	statCat      = "3385 (cat) R 3359 3359 2310 0 -1 4194304 98 0 0 0 0 0 0 0 20 0 1 0 24587 3133440 357 18446744073709551615 94862659235840 94862659255721 140726313689744 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94862659271728 94862659273344 94862909997056 140726313691638 140726313691658 140726313691658 140726313693163 0\n"
)

func TestParseStat(t *testing.T) {
	cases := []struct {
		name string
		line string
		ok   bool
		want statLine
	}{
		{"kthreadd", statKthreadd, true, statLine{PID: 2, Comm: []byte("kthreadd"), State: 'S', PPID: 0,
			Flags: 2129984, Threads: 1, StartTicks: 20, HasExit: true, Fields: 52}},
		{"zombie", statZombie, true, statLine{PID: 9626, Comm: []byte("python3"), State: 'Z', PPID: 9581,
			Flags: 4227148, Threads: 1, StartTicks: 47121, Exit: 768, HasExit: true, Fields: 52}},
		{"cat", statCat, true, statLine{PID: 3385, Comm: []byte("cat"), State: 'R', PPID: 3359,
			Flags: 4194304, Threads: 1, StartTicks: 24587, RSSPages: 357, HasExit: true, Fields: 52}},
		{"parens", "7 (a) (b)) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 3 0 99 0 5", true,
			statLine{PID: 7, Comm: []byte("a) (b)"), State: 'S', PPID: 1, Threads: 3, StartTicks: 99, RSSPages: 5, Fields: 24}},
		{"empty comm", "8 () S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0\n", true,
			statLine{PID: 8, Comm: []byte(""), State: 'S', PPID: 1, Threads: 1, StartTicks: 1, Fields: 24}},
		{"negative rss", "9 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 -4\n", true,
			statLine{PID: 9, Comm: []byte("x"), State: 'S', PPID: 1, Threads: 1, StartTicks: 1, Fields: 24}},
		{"too short", "9 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0\n", false, statLine{}},
		{"no paren", "9 x S 1", false, statLine{}},
		{"bad ppid", "9 (x) S p 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0\n", false, statLine{}},
		{"two-letter state", "9 (x) SS 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0\n", false, statLine{}},
		{"double space", "9 (x) S  1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0\n", false, statLine{}},
		{"bad pid", "x9 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0\n", false, statLine{}},
		{"empty", "", false, statLine{}},
	}
	for _, c := range cases {
		var st statLine
		ok := parseStat([]byte(c.line), &st)
		if ok != c.ok {
			t.Errorf("%s: ok = %v, want %v", c.name, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		if string(st.Comm) != string(c.want.Comm) {
			t.Errorf("%s: comm %q, want %q", c.name, st.Comm, c.want.Comm)
		}
		st.Comm, c.want.Comm = nil, nil
		if !reflect.DeepEqual(st, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, st, c.want)
		}
	}
	var st statLine
	if parseStat([]byte(statKthreadd), &st); st.Flags&pfKthread == 0 {
		t.Error("kthreadd lacks PF_KTHREAD")
	}
	if parseStat([]byte(statCat), &st); st.Flags&pfKthread != 0 {
		t.Error("cat has PF_KTHREAD")
	}
}

func TestParseInts(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "-1": -1, "9223372036854775807": 1<<63 - 1, "-9223372036854775808": -1 << 63} {
		if got, ok := parseInt([]byte(in)); !ok || got != want {
			t.Errorf("parseInt(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "-", "9223372036854775808", "1x", "+1", " 1"} {
		if _, ok := parseInt([]byte(in)); ok {
			t.Errorf("parseInt(%q) accepted", in)
		}
	}
	if got, ok := parseUint([]byte("18446744073709551615")); !ok || got != 1<<64-1 {
		t.Errorf("max uint64: %d %v", got, ok)
	}
	if _, ok := parseUint([]byte("18446744073709551616")); ok {
		t.Error("uint64 overflow accepted")
	}
	if got, ok := parseUintBase([]byte("fffffffe7ffbfeff"), 16); !ok || got != 0xfffffffe7ffbfeff {
		t.Errorf("hex: %x %v", got, ok)
	}
	if _, ok := parseUintBase([]byte("8"), 8); ok {
		t.Error("octal 8 accepted")
	}
	for in, want := range map[string]bool{"1": true, "4194304": true, "0": false, "01": false, "self": false, "12345678901": false, "2147483648": false} {
		if _, ok := parsePIDName([]byte(in)); ok != want {
			t.Errorf("parsePIDName(%q) = %v", in, ok)
		}
	}
}

const statusSample = "Name:\tcat\nState:\tR (running)\nUid:\t1000\t1001\t1002\t1003\nGid:\t0\t0\t0\t0\n" +
	"VmPeak:\t    3060 kB\nVmSize:\t    3060 kB\nVmRSS:\t    1724 kB\nRssAnon:\t     112 kB\nRssFile:\t    1612 kB\n" +
	"RssShmem:\t       0 kB\nVmSwap:\t       4 kB\nThreads:\t1\nSigQ:\t0/96364\nSigPnd:\t0000000000000000\n" +
	"ShdPnd:\t0000000000004000\nSigBlk:\t0000000000010000\nSigIgn:\t0000000001001000\nSigCgt:\t0000000180000002\n" +
	"CapInh:\t0000000000000000\n"

func TestParseStatus(t *testing.T) {
	b := []byte(statusSample)
	if uid, ok := parseStatusUID(b); !ok || uid != 1000 {
		t.Errorf("uid %d %v, want the real uid 1000", uid, ok)
	}
	if _, ok := parseStatusUID([]byte("Name:\tx\n")); ok {
		t.Error("uid without a Uid line")
	}
	s := parseStatusSignals(b)
	want := Signals{
		Pending:       SignalSet{Known: true},
		SharedPending: SignalSet{Mask: 0x4000, Known: true},
		Blocked:       SignalSet{Mask: 0x10000, Known: true},
		Ignored:       SignalSet{Mask: 0x1001000, Known: true},
		Caught:        SignalSet{Mask: 0x180000002, Known: true},
	}
	if s != want {
		t.Errorf("signals %+v, want %+v", s, want)
	}
	if got := s.Ignored.Names(); !slices.Equal(got, []string{"SIGPIPE", "SIGXFSZ"}) {
		t.Errorf("ignored %q", got)
	}
	if s := parseStatusSignals([]byte("SigIgn:\tzz\nSigCgt:\t2\n")); s.Ignored.Known || !s.Caught.Has(2) || s.anyKnown() != true {
		t.Errorf("malformed mask: %+v", s)
	}
	m, n := parseStatusMemory(b)
	if n != 6 || m != (MemSummary{VmSize: 3060 << 10, VmRSS: 1724 << 10, RssAnon: 112 << 10, RssFile: 1612 << 10, VmSwap: 4 << 10}) {
		t.Errorf("memory %+v (%d lines)", m, n)
	}
	if _, n := parseStatusMemory([]byte("Name:\tz\nSigIgn:\t0\n")); n != 0 {
		t.Errorf("zombie status: %d memory lines", n)
	}
}

func TestParseFdinfo(t *testing.T) {
	fi := parseFdinfo([]byte("pos:\t5\nflags:\t02100002\nmnt_id:\t15\nino:\t3\n"))
	if fi != (fdinfo{Pos: 5, Flags: 0o2100002, HasPos: true, HasFlags: true}) {
		t.Errorf("fdinfo %+v", fi)
	}
	if mode, cloexec := fdMode(fi.Flags); mode != "rw" || !cloexec {
		t.Errorf("mode %q cloexec %v", mode, cloexec)
	}
	for flags, want := range map[uint64]string{0: "r", 0o100000: "r", 1: "w", 0o2000001: "w", 2: "rw", 3: "", 0o10000000: ""} {
		if mode, _ := fdMode(flags); mode != want {
			t.Errorf("fdMode(%o) = %q, want %q", flags, mode, want)
		}
	}
	if fi := parseFdinfo([]byte("flags: 9\n")); fi.HasFlags || fi.HasPos {
		t.Errorf("9 is not octal: %+v", fi)
	}
}

func TestParseSmapsRollup(t *testing.T) {
	in := "55911adb4000-7ffd969e5000 ---p 00000000 00:00 0                          [rollup]\n" +
		"Rss:                1748 kB\nPss:                 317 kB\nPss_Dirty:           112 kB\n" +
		"Shared_Clean:       1596 kB\nShared_Dirty:          0 kB\nPrivate_Clean:        40 kB\n" +
		"Private_Dirty:       112 kB\nReferenced:         1748 kB\nAnonymous:           112 kB\n" +
		"Swap:                  3 kB\nSwapPss:               0 kB\n"
	r, n := parseSmapsRollup([]byte(in))
	want := SmapsRollup{Rss: 1748 << 10, Pss: 317 << 10, SharedClean: 1596 << 10, PrivateClean: 40 << 10,
		PrivateDirty: 112 << 10, Anonymous: 112 << 10, Swap: 3 << 10}
	if n != 8 || r != want {
		t.Errorf("smaps %+v (%d), want %+v", r, n, want)
	}
}

func TestFDTargetType(t *testing.T) {
	cases := []struct {
		target string
		typ    FDType
		inode  uint64
	}{
		{"pipe:[91234]", FDPipe, 91234},
		{"socket:[5]", FDSocket, 5},
		{"anon_inode:[eventfd]", FDAnon, 0},
		{"anon_inode:inotify", FDAnon, 0},
		{"/dev/pts/3", FDUnknown, 0},
		{"pipe:[x]", FDUnknown, 0},
		{"pipe:[12", FDUnknown, 0},
		{"/tmp/pipe:[1]", FDUnknown, 0},
	}
	for _, c := range cases {
		if typ, inode := fdTargetType(c.target); typ != c.typ || inode != c.inode {
			t.Errorf("%q: %v %d, want %v %d", c.target, typ, inode, c.typ, c.inode)
		}
	}
	modes := map[uint32]FDType{0o100644: FDFile, 0o40755: FDDir, 0o20666: FDChar, 0o60660: FDBlock,
		0o10600: FDPipe, 0o140777: FDSocket, 0o120777: FDUnknown}
	for mode, want := range modes {
		if got := fdTypeFromMode(mode); got != want {
			t.Errorf("mode %o: %v, want %v", mode, got, want)
		}
	}
}

func TestSplitNUL(t *testing.T) {
	cases := map[string][]string{
		"":               {},
		"\x00":           {""},
		"a\x00":          {"a"},
		"a\x00\x00b\x00": {"a", "", "b"},
		"a b c":          {"a b c"}, // argv rewritten by the program, no NUL
		"a\x00b":         {"a", "b"},
	}
	for in, want := range cases {
		got := splitNUL([]byte(in))
		if got == nil || !slices.Equal(got, want) {
			t.Errorf("splitNUL(%q) = %#v, want %#v", in, got, want)
		}
	}
}

func TestParseBootTime(t *testing.T) {
	if n, ok := parseBootTime([]byte("cpu 1 2\nbtime 1795683645\nprocesses 3\n")); !ok || n != 1795683645 {
		t.Errorf("btime %d %v", n, ok)
	}
	if _, ok := parseBootTime([]byte("cpu 1 2\n")); ok {
		t.Error("btime without a btime line")
	}
}

func TestPartErr(t *testing.T) {
	cases := []struct {
		in   error
		want error
	}{
		{syscall.EACCES, ErrNoAccess},
		{syscall.EPERM, ErrNoAccess},
		{&fs.PathError{Op: "open", Path: "/proc/1/fd", Err: syscall.EACCES}, ErrNoAccess},
		{syscall.ENOENT, ErrGone},
		{syscall.ESRCH, ErrGone},
		{&fs.PathError{Op: "read", Path: "/proc/1/environ", Err: syscall.ESRCH}, ErrGone},
		{syscall.EIO, syscall.EIO},
	}
	for _, c := range cases {
		if got := partErr(c.in); !errors.Is(got, c.want) {
			t.Errorf("partErr(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if partErr(nil) != nil {
		t.Error("partErr(nil) != nil")
	}
}

func TestUserNames(t *testing.T) {
	var u userNames
	if got := u.name(0); got != "root" {
		t.Errorf("uid 0 = %q, want root", got)
	}
	// A uid no account has is shown as its number.
	if got := u.name(3999999); got != "3999999" {
		t.Errorf("uid 3999999 = %q", got)
	}
	if got := u.name(-1); got != "" {
		t.Errorf("uid -1 = %q", got)
	}
	if len(u.byUID) != 2 {
		t.Errorf("cache holds %d names, want 2", len(u.byUID))
	}
}
