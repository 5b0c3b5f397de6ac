package proctree

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The parsers read text from the kernel, but a fixture, a sandbox or a
// future kernel can hand them anything: they must never panic, and what
// they report must follow from the input.

func FuzzParseStat(f *testing.F) {
	for _, s := range []string{statKthreadd, statZombie, statCat,
		"7 (a) (b)) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 3 0 99 0 5",
		"1 () Z 0", ")(", "(", "1 (x) S", "1 (x) S \n", "-1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var st statLine
		if !parseStat(b, &st) {
			return
		}
		open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if !bytes.Equal(st.Comm, b[open+1:end]) {
			t.Fatalf("comm %q is not between the first ( and the last )", st.Comm)
		}
		if st.PID < 0 || st.PPID < 0 || st.Threads < 0 || st.Fields < 24 {
			t.Fatalf("impossible values %+v", st)
		}
		if st.HasExit != (st.Fields >= 52) {
			t.Fatalf("HasExit %v with %d fields", st.HasExit, st.Fields)
		}
		if b[end+1] != ' ' || b[end+2] != st.State {
			t.Fatalf("state %q is not the letter after the comm", st.State)
		}
	})
}

// FuzzStatRoundTrip prints a stat line the way the kernel does and reads
// it back: every comm, however strange, must survive.
func FuzzStatRoundTrip(f *testing.F) {
	f.Add("sleep", byte('S'), 1, uint64(4194304), 1, uint64(1234), int64(300), int32(768))
	f.Add("a b) (c", byte('Z'), 0, uint64(0x200000), 0, uint64(0), int64(-1), int32(139))
	f.Add("", byte('I'), 2, uint64(1<<63), 99, uint64(1<<64-1), int64(0), int32(-1))
	f.Add("", byte(0x96), 2, uint64(1<<63-62), 12, uint64(1<<64-55), int64(0), int32(-1)) // a state byte that is not ASCII
	f.Fuzz(func(t *testing.T, comm string, state byte, ppid int, flags uint64, threads int, start uint64, rss int64, exit int32) {
		if state == ' ' || state == '\n' || state == ')' || ppid < 0 || threads < 0 {
			return
		}
		line := fmt.Sprintf("42 (%s) %s %d 42 42 0 -1 %d 0 0 0 0 0 0 0 0 20 0 %d 0 %d 1000 %d 18446744073709551615"+
			strings.Repeat(" 0", 26)+" %d\n", comm, []byte{state}, ppid, flags, threads, start, rss, exit)
		var st statLine
		if !parseStat([]byte(line), &st) {
			t.Fatalf("rejected %q", line)
		}
		want := statLine{PID: 42, State: state, PPID: ppid, Flags: flags, Threads: threads,
			StartTicks: start, RSSPages: uint64(max(rss, 0)), Exit: uint32(exit), HasExit: true, Fields: 52}
		if string(st.Comm) != comm {
			t.Fatalf("comm %q, want %q", st.Comm, comm)
		}
		st.Comm = nil
		if !reflect.DeepEqual(st, want) {
			t.Fatalf("%q:\n got %+v\nwant %+v", line, st, want)
		}
	})
}

func FuzzParseStatusMasks(f *testing.F) {
	f.Add([]byte(statusSample), uint64(0), uint64(1<<63), uint64(0x10000), uint64(1<<64-1), uint64(0x180000002))
	f.Add([]byte("SigIgn:\t\nSigCgt\n:\n"), uint64(1), uint64(2), uint64(3), uint64(4), uint64(5))
	f.Fuzz(func(t *testing.T, b []byte, pnd, shd, blk, ign, cgt uint64) {
		s := parseStatusSignals(b)
		for _, set := range []SignalSet{s.Pending, s.SharedPending, s.Blocked, s.Ignored, s.Caught} {
			if !set.Known && set.Mask != 0 {
				t.Fatalf("unknown set with a mask: %+v", set)
			}
		}
		parseStatusUID(b)
		parseStatusMemory(b)

		text := fmt.Sprintf("Name:\tx\nSigQ:\t0/1\nSigPnd:\t%016x\nShdPnd:\t%016x\nSigBlk:\t%016x\nSigIgn:\t%016x\nSigCgt:\t%016x\n",
			pnd, shd, blk, ign, cgt)
		want := Signals{SignalSet{pnd, true}, SignalSet{shd, true}, SignalSet{blk, true},
			SignalSet{ign, true}, SignalSet{cgt, true}}
		if got := parseStatusSignals([]byte(text)); got != want {
			t.Fatalf("%q:\n got %+v\nwant %+v", text, got, want)
		}
	})
}

func FuzzParseFdinfo(f *testing.F) {
	f.Add([]byte("pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t3\n"), int64(5), uint64(0o2100002))
	f.Add([]byte("flags:\t\npos:-\n"), int64(-1), uint64(0))
	f.Fuzz(func(t *testing.T, b []byte, pos int64, flags uint64) {
		fi := parseFdinfo(b)
		if (!fi.HasPos && fi.Pos != 0) || (!fi.HasFlags && fi.Flags != 0) {
			t.Fatalf("value without its line: %+v", fi)
		}
		mode, _ := fdMode(fi.Flags)
		if mode != "" && mode != "r" && mode != "w" && mode != "rw" {
			t.Fatalf("mode %q", mode)
		}
		text := "pos:\t" + strconv.FormatInt(pos, 10) + "\nflags:\t0" + strconv.FormatUint(flags, 8) + "\nmnt_id:\t1\n"
		if got := parseFdinfo([]byte(text)); got != (fdinfo{pos, flags, true, true}) {
			t.Fatalf("%q: %+v", text, got)
		}
	})
}

func FuzzParseSmapsRollup(f *testing.F) {
	f.Add([]byte("0-1 ---p 0 0:0 0 [rollup]\nRss:  12 kB\nPss: 3 kB\nSwap:\n"), uint64(1748), uint64(317), uint64(8))
	f.Add([]byte("Rss: 18446744073709551615 kB\n"), uint64(0), uint64(0), uint64(0))
	f.Fuzz(func(t *testing.T, b []byte, rss, pss, swap uint64) {
		r, n := parseSmapsRollup(b)
		if n == 0 && r != (SmapsRollup{}) {
			t.Fatalf("values without lines: %+v", r)
		}
		rss, pss, swap = rss>>10, pss>>10, swap>>10 // kB that fit in bytes
		text := fmt.Sprintf("00400000-7fff0000 ---p 00000000 00:00 0 [rollup]\nRss: %8d kB\nPss: %8d kB\n"+
			"Shared_Clean: 0 kB\nShared_Dirty: 0 kB\nPrivate_Clean: 0 kB\nPrivate_Dirty: 0 kB\nAnonymous: 0 kB\nSwap: %d kB\n",
			rss, pss, swap)
		got, n := parseSmapsRollup([]byte(text))
		if n != 8 || got != (SmapsRollup{Rss: rss << 10, Pss: pss << 10, Swap: swap << 10}) {
			t.Fatalf("%q: %+v (%d)", text, got, n)
		}
	})
}

func FuzzSplitNUL(f *testing.F) {
	f.Add([]byte("sleep\x0030\x00"))
	f.Add([]byte("\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		parts := splitNUL(b)
		joined := strings.Join(parts, "\x00")
		want := string(bytes.TrimSuffix(b, []byte{0}))
		if joined != want {
			t.Fatalf("split %q joined back to %q", b, joined)
		}
	})
}
