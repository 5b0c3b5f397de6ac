package proctree

import (
	"bytes"
	"errors"
	"io/fs"
	"syscall"
)

// This file holds the parsers for the text the Linux kernel prints under
// /proc. They are pure functions of bytes, free of build tags, so they are
// tested and fuzzed on every platform and any reader can reuse them. None of
// them allocates unless its result must own memory (cmdline, environ).

// pfKthread is PF_KTHREAD, the task flag the kernel sets on its own threads.
// It is the reliable test for a kernel thread: kthreadd has pid 2 and is the
// parent of most of them, but not of itself, and inside a container pid 2 is
// an ordinary process.
const pfKthread = 0x00200000

// statLine is what a reader needs from one /proc/PID/stat line.
type statLine struct {
	PID int
	// Comm aliases the parsed buffer: copy it before the buffer is reused.
	Comm       []byte
	State      byte
	PPID       int
	Flags      uint64 // field 9, PF_* bits
	Threads    int    // field 20
	StartTicks uint64 // field 22, clock ticks after boot
	RSSPages   uint64 // field 24, resident pages (clamped at 0)
	Exit       uint32 // field 52, raw wait status
	// HasExit is true when the line has field 52: kernels since 3.5 print it.
	HasExit bool
	// Fields is how many fields the line had.
	Fields int
}

// parseStat parses a /proc/PID/stat line into st. It reports false when the
// line is cut short or a field it needs is not a number.
//
// The command name is printed raw between parentheses and may itself hold
// spaces and parentheses ("(a b) (c)"), so it runs from the first '(' to the
// LAST ')'; every field after it is a plain number or letter.
func parseStat(b []byte, st *statLine) bool {
	*st = statLine{}
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return false
	}
	pid, ok := parseInt(bytes.TrimSpace(b[:open]))
	if !ok || pid < 0 {
		return false
	}
	st.PID = int(pid)
	st.Comm = b[open+1 : end]
	rest := b[end+1:]
	if n := len(rest); n > 0 && rest[n-1] == '\n' {
		rest = rest[:n-1]
	}
	if len(rest) < 2 || rest[0] != ' ' {
		return false
	}
	rest = rest[1:]
	field := 3
	for len(rest) > 0 {
		var tok []byte
		if i := bytes.IndexByte(rest, ' '); i >= 0 {
			tok, rest = rest[:i], rest[i+1:]
		} else {
			tok, rest = rest, nil
		}
		if len(tok) == 0 {
			return false
		}
		switch field {
		case 3:
			if len(tok) != 1 {
				return false
			}
			st.State = tok[0]
		case 4:
			v, ok := parseInt(tok)
			if !ok || v < 0 {
				return false
			}
			st.PPID = int(v)
		case 9:
			v, ok := parseUint(tok)
			if !ok {
				return false
			}
			st.Flags = v
		case 20:
			v, ok := parseInt(tok)
			if !ok || v < 0 {
				return false
			}
			st.Threads = int(v)
		case 22:
			v, ok := parseUint(tok)
			if !ok {
				return false
			}
			st.StartTicks = v
		case 24:
			v, ok := parseInt(tok)
			if !ok {
				return false
			}
			st.RSSPages = uint64(max(v, 0))
		case 52:
			v, ok := parseInt(tok)
			if !ok {
				return false
			}
			st.Exit = uint32(v)
			st.HasExit = true
		}
		field++
	}
	st.Fields = field - 1
	return st.Fields >= 24
}

// parseInt parses a decimal integer with an optional '-' sign, without
// allocating. It reports false on anything else, and on overflow.
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	u, ok := parseUint(b)
	if !ok {
		return 0, false
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

// parseUint parses a decimal unsigned integer without allocating.
func parseUint(b []byte) (uint64, bool) {
	return parseUintBase(b, 10)
}

// parseUintBase parses b in base 8, 10 or 16 (no prefix, no sign).
func parseUintBase(b []byte, base uint64) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= base {
			return 0, false
		}
		if n > (1<<64-1-d)/base {
			return 0, false
		}
		n = n*base + d
	}
	return n, true
}

// parsePIDName parses a directory entry name that is a pid: digits only,
// no sign, no leading zero.
func parsePIDName(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 10 || b[0] == '0' {
		return 0, false
	}
	v, ok := parseUint(b)
	if !ok || v > 1<<31-1 {
		return 0, false
	}
	return int(v), true
}

// keyValues calls fn for every "Key: value" line of b (the layout of
// status, fdinfo and smaps_rollup), with the value stripped of blanks. It
// stops early when fn returns false.
func keyValues(b []byte, fn func(key, value []byte) bool) {
	for len(b) > 0 {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			continue
		}
		if !fn(line[:colon], bytes.Trim(line[colon+1:], " \t")) {
			return
		}
	}
}

// firstField is the value up to its first blank: "0\t0\t0\t0" gives "0",
// "1234 kB" gives "1234".
func firstField(v []byte) []byte {
	if i := bytes.IndexAny(v, " \t"); i >= 0 {
		return v[:i]
	}
	return v
}

// parseStatusUID returns the real uid from the Uid: line of
// /proc/PID/status (real, effective, saved, filesystem).
func parseStatusUID(b []byte) (uid int, ok bool) {
	keyValues(b, func(k, v []byte) bool {
		if string(k) != "Uid" {
			return true
		}
		n, good := parseUint(firstField(v))
		if good && n <= 1<<32-1 {
			uid, ok = int(n), true
		}
		return false
	})
	return uid, ok
}

// parseStatusSignals reads the SigPnd, ShdPnd, SigBlk, SigIgn and SigCgt
// lines of /proc/PID/status: 64-bit masks in hex, bit n-1 for signal n. A
// line that is missing or malformed leaves its set unknown.
func parseStatusSignals(b []byte) Signals {
	var s Signals
	keyValues(b, func(k, v []byte) bool {
		var set *SignalSet
		switch string(k) {
		case "SigPnd":
			set = &s.Pending
		case "ShdPnd":
			set = &s.SharedPending
		case "SigBlk":
			set = &s.Blocked
		case "SigIgn":
			set = &s.Ignored
		case "SigCgt":
			set = &s.Caught
		default:
			return true
		}
		if m, ok := parseUintBase(v, 16); ok {
			*set = SignalSet{Mask: m, Known: true}
		}
		return true
	})
	return s
}

// anyKnown reports whether at least one set was printed.
func (s *Signals) anyKnown() bool {
	return s.Pending.Known || s.SharedPending.Known || s.Blocked.Known ||
		s.Ignored.Known || s.Caught.Known
}

// kB parses "1234 kB" into bytes.
func kB(v []byte) (uint64, bool) {
	n, ok := parseUint(firstField(v))
	if !ok || n > (1<<64-1)/1024 {
		return 0, false
	}
	return n * 1024, true
}

// parseStatusMemory reads the memory summary lines of /proc/PID/status. It
// reports how many of them it found: a zombie or a kernel thread has none.
func parseStatusMemory(b []byte) (MemSummary, int) {
	var m MemSummary
	found := 0
	keyValues(b, func(k, v []byte) bool {
		var dst *uint64
		switch string(k) {
		case "VmSize":
			dst = &m.VmSize
		case "VmRSS":
			dst = &m.VmRSS
		case "RssAnon":
			dst = &m.RssAnon
		case "RssFile":
			dst = &m.RssFile
		case "RssShmem":
			dst = &m.RssShmem
		case "VmSwap":
			dst = &m.VmSwap
		default:
			return true
		}
		if n, ok := kB(v); ok {
			*dst = n
			found++
		}
		return true
	})
	return m, found
}

// fillStatus sets the parts of d that /proc/PID/status gives (signal
// sets and memory summary), as far as want asks for them, from its text b
// or from the error that kept it from being read. It reports how many
// memory fields it found, for the caller to judge a zero.
func fillStatus(d *Details, want Want, b []byte, err error) (memFound int) {
	if err != nil {
		if want&WantSignals != 0 {
			d.SigErr = err
		}
		if want&WantMemory != 0 {
			d.MemErr = err
		}
		return 0
	}
	if want&WantSignals != 0 {
		d.Signals = parseStatusSignals(b)
		if !d.Signals.anyKnown() {
			// Some sandboxes (gVisor) leave the Sig* lines out.
			d.SigErr = ErrUnknown
		}
	}
	if want&WantMemory != 0 {
		d.Memory, memFound = parseStatusMemory(b)
	}
	return memFound
}

// parseSmapsRollup reads /proc/PID/smaps_rollup: the sums over every
// mapping of the process, in kB. It reports how many fields it found.
func parseSmapsRollup(b []byte) (SmapsRollup, int) {
	var r SmapsRollup
	found := 0
	keyValues(b, func(k, v []byte) bool {
		var dst *uint64
		switch string(k) {
		case "Rss":
			dst = &r.Rss
		case "Pss":
			dst = &r.Pss
		case "Shared_Clean":
			dst = &r.SharedClean
		case "Shared_Dirty":
			dst = &r.SharedDirty
		case "Private_Clean":
			dst = &r.PrivateClean
		case "Private_Dirty":
			dst = &r.PrivateDirty
		case "Anonymous":
			dst = &r.Anonymous
		case "Swap":
			dst = &r.Swap
		default:
			return true
		}
		if n, ok := kB(v); ok {
			*dst = n
			found++
		}
		return true
	})
	return r, found
}

// fdinfo is what /proc/PID/fdinfo/N says about one descriptor.
type fdinfo struct {
	Pos      int64
	Flags    uint64 // open flags, printed by the kernel in octal
	HasPos   bool
	HasFlags bool
}

// parseFdinfo reads the pos: and flags: lines of /proc/PID/fdinfo/N.
func parseFdinfo(b []byte) fdinfo {
	var fi fdinfo
	keyValues(b, func(k, v []byte) bool {
		switch string(k) {
		case "pos":
			if n, ok := parseInt(v); ok {
				fi.Pos, fi.HasPos = n, true
			}
		case "flags":
			if n, ok := parseUintBase(v, 8); ok {
				fi.Flags, fi.HasFlags = n, true
			}
		}
		return !(fi.HasPos && fi.HasFlags)
	})
	return fi
}

// Open flag bits as the Linux kernel prints them in fdinfo (the generic
// values, shared by x86, arm and most other architectures).
const (
	linuxOAccMode = 0o3
	linuxOWronly  = 0o1
	linuxORdwr    = 0o2
	linuxOCloexec = 0o2000000
	linuxOPath    = 0o10000000
)

// fdMode turns fdinfo open flags into "r", "w" or "rw" and the
// close-on-exec bit. An O_PATH descriptor can neither read nor write: "".
func fdMode(flags uint64) (mode string, cloexec bool) {
	cloexec = flags&linuxOCloexec != 0
	if flags&linuxOPath != 0 {
		return "", cloexec
	}
	switch flags & linuxOAccMode {
	case linuxOWronly:
		return "w", cloexec
	case linuxORdwr:
		return "rw", cloexec
	case 0:
		return "r", cloexec
	}
	return "", cloexec
}

// fdTargetType reads what readlink(/proc/PID/fd/N) says. Pipes, sockets
// and anonymous inodes are not paths: the kernel names them "pipe:[inode]",
// "socket:[inode]" and "anon_inode:[eventfd]" (or "anon_inode:inotify").
// For anything else it returns FDUnknown: the caller must stat the target.
func fdTargetType(target string) (FDType, uint64) {
	if inode, ok := bracketInode(target, "pipe:["); ok {
		return FDPipe, inode
	}
	if inode, ok := bracketInode(target, "socket:["); ok {
		return FDSocket, inode
	}
	if len(target) > len("anon_inode:") && target[:len("anon_inode:")] == "anon_inode:" {
		return FDAnon, 0
	}
	return FDUnknown, 0
}

// bracketInode parses "prefix123]".
func bracketInode(s, prefix string) (uint64, bool) {
	if len(s) < len(prefix)+2 || s[:len(prefix)] != prefix || s[len(s)-1] != ']' {
		return 0, false
	}
	n, ok := parseUint([]byte(s[len(prefix) : len(s)-1]))
	return n, ok
}

// Mode bits of st_mode, the same on every Unix.
const (
	modeIFMT  = 0o170000
	modeIFREG = 0o100000
	modeIFDIR = 0o040000
	modeIFCHR = 0o020000
	modeIFBLK = 0o060000
	modeIFIFO = 0o010000
	modeIFSCK = 0o140000
)

// ttyDevice reports whether character device major:minor is a terminal,
// by the numbers Linux gives them (Documentation/admin-guide/devices.txt):
// 4 virtual consoles and serial ports, 5:0-2 /dev/tty, /dev/console and
// /dev/ptmx, 136-143 pseudo-terminals (/dev/pts/N), 166 USB modems
// (ttyACM), 188 USB serial adapters (ttyUSB), 204 other serial ports.
func ttyDevice(major, minor uint32) bool {
	switch {
	case major == 4, major >= 136 && major <= 143, major == 166, major == 188, major == 204:
		return true
	case major == 5:
		return minor <= 2
	}
	return false
}

// fdTypeFromMode is the descriptor type for a stat st_mode.
func fdTypeFromMode(mode uint32) FDType {
	switch mode & modeIFMT {
	case modeIFREG:
		return FDFile
	case modeIFDIR:
		return FDDir
	case modeIFCHR:
		return FDChar
	case modeIFBLK:
		return FDBlock
	case modeIFIFO:
		return FDPipe
	case modeIFSCK:
		return FDSocket
	}
	return FDUnknown
}

// splitNUL splits a NUL-separated list (cmdline, environ) into strings. The
// kernel ends each entry with a NUL; a missing last NUL (a program that
// rewrote its argv) is accepted. Empty input gives an empty, non-nil slice;
// a lone NUL is one empty string.
// All strings share one allocation.
func splitNUL(b []byte) []string {
	if len(b) == 0 {
		return []string{}
	}
	if b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	all := string(b)
	out := make([]string, 0, bytes.Count(b, []byte{0})+1)
	for {
		i := indexNUL(all)
		if i < 0 {
			return append(out, all)
		}
		out = append(out, all[:i])
		all = all[i+1:]
	}
}

func indexNUL(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return i
		}
	}
	return -1
}

// partErr maps an error from reading one part of a process to the errors
// Details documents: EACCES and EPERM are no access (another user's
// process, ptrace rules); ENOENT and ESRCH mean the process is gone. Other
// errors pass through.
func partErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrPermission):
		return ErrNoAccess
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ESRCH):
		return ErrGone
	}
	return err
}

// parseBootTime finds the "btime SECONDS" line of /proc/stat: when the
// system booted, in seconds since the epoch.
func parseBootTime(b []byte) (int64, bool) {
	for len(b) > 0 {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, nil
		}
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			n, ok := parseInt(bytes.TrimSpace(v))
			return n, ok && n >= 0
		}
	}
	return 0, false
}
