package sim

import (
	"bytes"
	"os"
	"slices"
	"strconv"
)

// procStat is what the lab reads of /proc/PID/stat.
type procStat struct {
	pid   int
	comm  string
	state byte
	ppid  int
	start uint64 // start time in clock ticks: with the pid, the process's identity
	exit  uint32 // field 52: the raw wait status a zombie keeps
}

// readStat reads /proc/PID/stat. ok is false when the process is gone.
func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	return parseStat(pid, b)
}

// parseStat parses a stat line. The command name sits in parentheses and
// may itself contain spaces and parentheses, so the fields after it are
// found from the last ')'.
func parseStat(pid int, b []byte) (procStat, bool) {
	open := bytes.IndexByte(b, '(')
	close := bytes.LastIndexByte(b, ')')
	if open < 0 || close < open || close+2 > len(b) {
		return procStat{}, false
	}
	st := procStat{pid: pid, comm: string(b[open+1 : close])}
	f := bytes.Fields(b[close+2:])
	// f[0] is field 3 (state); field n is f[n-3].
	if len(f) < 20 || len(f[0]) == 0 {
		return procStat{}, false
	}
	st.state = f[0][0]
	st.ppid, _ = strconv.Atoi(string(f[1]))
	st.start, _ = strconv.ParseUint(string(f[19]), 10, 64)
	if len(f) >= 50 {
		v, _ := strconv.ParseUint(string(f[49]), 10, 32)
		st.exit = uint32(v)
	}
	return st, true
}

// same reports whether pid is still the process that started at start:
// present, not yet reaped, and not a newer process that reused the pid.
func same(pid int, start uint64) (procStat, bool) {
	st, ok := readStat(pid)
	if !ok || (start != 0 && st.start != start) {
		return procStat{}, false
	}
	return st, true
}

// scanProcs reads the stat of every process.
func scanProcs() map[int]procStat {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	all := make(map[int]procStat, len(names))
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		if st, ok := readStat(pid); ok {
			all[pid] = st
		}
	}
	return all
}

// descendants returns roots and every process below them, as a scan of
// /proc shows the tree right now.
func descendants(all map[int]procStat, roots []int) []int {
	kids := map[int][]int{}
	for pid, st := range all {
		kids[st.ppid] = append(kids[st.ppid], pid)
	}
	seen := map[int]bool{}
	var out []int
	queue := slices.Clone(roots)
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		out = append(out, pid)
		queue = append(queue, kids[pid]...)
	}
	return out
}

// fdList lists the open descriptors of pid, in order.
func fdList(pid int) []int {
	d, err := os.Open("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	var fds []int
	for _, n := range names {
		if fd, err := strconv.Atoi(n); err == nil {
			fds = append(fds, fd)
		}
	}
	slices.Sort(fds)
	return fds
}

// commOf names pid for a message ("bash"), or "" when it cannot be read.
func commOf(pid int) string {
	st, ok := readStat(pid)
	if !ok {
		return ""
	}
	return st.comm
}
