package proctree

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/process"
)

// GopsutilReader reads the process table through gopsutil, which knows how
// to ask each operating system: sysctl and libproc on macOS, /proc on
// Linux. It is the reader proctui uses where there is no /proc, and on Linux
// it serves as an independent second opinion on the proc reader.
//
// It is much slower than the proc reader: gopsutil reads several files (or
// makes several system calls) per process and allocates for each. And it
// sees less:
//
//   - State letters: gopsutil turns the kernel's letter into a word, and on
//     Linux the words merge t (traced) into T and lose X, P and K (shown as
//     '?'). On macOS the letters come from one run of ps(1) per snapshot,
//     because gopsutil would run ps once per process.
//   - StartTicks: on Linux the clock ticks since boot, recovered exactly from
//     gopsutil's creation time; elsewhere milliseconds since the epoch.
//     Either way (PID, StartTicks) identifies a process.
//   - Exit status of a zombie: never (HasExit is false).
//   - Kernel threads: on Linux guessed as kthreadd (pid 2) and its children
//     with an empty cmdline; on macOS the kernel_task, pid 0.
//
// Limits lists what Details cannot show, in words for a person. A
// GopsutilReader is not safe for concurrent use.
type GopsutilReader struct {
	goos  string
	self  int
	users userNames
	// bootMillis is gopsutil's boot time, in milliseconds since the
	// epoch, read once: gopsutil's creation times are offsets from it.
	bootMillis int64
	bootRead   bool
}

// gopsUserHZ is the unit of Linux process times (USER_HZ): 100 on every
// architecture Go runs on, whatever the kernel's own HZ.
const gopsUserHZ = 100

// NewGopsutilReader returns a reader for this system.
//
// It turns on gopsutil's boot time cache. Without it gopsutil re-derives
// the boot time for every process; where it derives it from the uptime
// (containers) the result can move by a second between two reads, and
// every start time, and so every process identity, would move with it.
func NewGopsutilReader() *GopsutilReader {
	process.EnableBootTimeCache(true)
	host.EnableBootTimeCache(true)
	return &GopsutilReader{goos: runtime.GOOS, self: os.Getpid()}
}

// Name is "gopsutil".
func (r *GopsutilReader) Name() string { return SourceGopsutil }

// Limits says what this reader cannot show on this system, in words for a
// person.
func (r *GopsutilReader) Limits() []string { return gopsutilLimits(r.goos) }

// gopsutilLimits is GopsutilReader.Limits for the operating system goos.
func gopsutilLimits(goos string) []string {
	if goos == "linux" {
		return []string{
			"exit status of zombies",
			"fd modes, offsets and close-on-exec",
			"the traced state t (shown as T) and states X, P, K",
		}
	}
	return []string{
		"exit status of zombies",
		"fd tables",
		"signal masks",
		"memory split into anonymous, file and shared; swap",
		"smaps",
	}
}

// Snapshot reads every process gopsutil can list. A process that vanishes
// while it is read is left out.
func (r *GopsutilReader) Snapshot() (*Snapshot, error) {
	s := &Snapshot{Taken: time.Now(), Self: r.self, Source: SourceGopsutil}
	if r.goos == "linux" && !r.bootRead {
		// Prime gopsutil's boot time cache, shared by its host and
		// process packages, so that StartTicks is recovered from the
		// very value the creation times were computed with.
		if bt, err := host.BootTime(); err == nil {
			r.bootMillis, r.bootRead = int64(bt)*1000, true
		}
	}
	pids, err := process.Pids() // sorted
	if err != nil {
		return nil, fmt.Errorf("proctree: listing processes: %w", err)
	}
	var states map[int]byte
	if r.goos != "linux" {
		states = psStates()
	}
	s.Procs = make([]Proc, 0, len(pids))
	for _, pid := range pids {
		if p, ok := r.read(pid, states); ok {
			s.Procs = append(s.Procs, p)
		}
	}
	return s, nil
}

// read fills one Proc. It reports false when the process went away
// between the listing and the reads.
func (r *GopsutilReader) read(pid int32, states map[int]byte) (Proc, bool) {
	gp := &process.Process{Pid: pid}
	p := Proc{PID: int(pid), UID: -1}

	created, err := gp.CreateTime()
	if err != nil {
		return p, false
	}
	ppid, err := gp.Ppid()
	if err != nil {
		return p, false
	}
	name, err := gp.Name()
	if err != nil {
		return p, false
	}
	p.PPID = int(ppid)
	p.Start = time.UnixMilli(created)
	p.StartTicks = uint64(created)
	if r.goos == "linux" {
		// gopsutil computed created = ticks*1000/USER_HZ + boot*1000;
		// with USER_HZ = 100 that is exact, and so is the inverse.
		if r.bootRead && created >= r.bootMillis {
			p.StartTicks = uint64(created-r.bootMillis) * gopsUserHZ / 1000
		}
		st, err := gp.Status()
		if err != nil || len(st) == 0 {
			return p, false
		}
		p.State = gopsStateLetter(st[0])
	} else if l, ok := states[int(pid)]; ok {
		p.State = l
	} else {
		p.State = '?' // born after ps ran
	}

	if uids, err := gp.Uids(); err == nil && len(uids) > 0 {
		// The real uid, as the proc reader shows it (macOS gives the
		// effective one only).
		p.UID = int(uids[0])
		p.User = r.users.name(p.UID)
	}
	if n, err := gp.NumThreads(); err == nil {
		p.Threads = int(n)
	}
	if argv, err := gp.CmdlineSlice(); err == nil {
		p.Cmdline = argv
		if p.Cmdline == nil {
			p.Cmdline = []string{}
		}
	}
	p.Comm = gopsComm(name, p.Cmdline, r.goos)
	if m, err := gp.MemoryInfo(); err == nil {
		p.RSS = m.RSS
	}
	switch r.goos {
	case "linux":
		p.Kernel = (pid == 2 || ppid == 2) && p.Cmdline != nil && len(p.Cmdline) == 0
	case "darwin":
		p.Kernel = pid == 0
	}
	return p, true
}

// gopsComm turns gopsutil's name back into the kernel's comm. When comm
// fills the kernel's field (15 bytes on Linux, 16 on macOS), gopsutil
// substitutes the base name of argv[0] if comm is its prefix; cutting that
// to the field's size restores comm. Kernel threads have no argv, and on
// Linux their names may be longer than 15 bytes ("kworker/1:1-events"):
// those are the kernel's own and stay whole.
func gopsComm(name string, argv []string, goos string) string {
	limit := 15 // TASK_COMM_LEN - 1
	if goos == "darwin" {
		limit = 16 // MAXCOMLEN
	}
	if len(name) <= limit || len(argv) == 0 || name != path.Base(argv[0]) {
		return name
	}
	return name[:limit]
}

// gopsStateLetter maps gopsutil's state word back to the letter ps and the
// kernel print. The words lose information, so the mapping is not a
// bijection: "stop" covers T and t, and X, P and K come back as '?'.
func gopsStateLetter(word string) byte {
	switch word {
	case process.Running:
		return 'R'
	case process.Sleep:
		return 'S'
	case process.Blocked:
		return 'D'
	case process.Idle:
		return 'I'
	case process.Lock:
		return 'L'
	case process.Stop:
		return 'T'
	case process.Wait:
		return 'W'
	case process.Zombie:
		return 'Z'
	case process.Daemon:
		return 'A'
	case process.Detached:
		return 'E'
	case process.Orphan:
		return 'O'
	case process.System:
		return 'Y'
	}
	return '?'
}

// psStates runs ps(1) once for the state letter of every process. gopsutil
// asks ps once per process for it on macOS, which would make a snapshot of
// a few hundred processes take seconds. An error leaves the map empty and
// every state '?'.
func psStates() map[int]byte {
	out, err := exec.Command("ps", "-axo", "pid=,stat=").Output()
	if err != nil {
		return nil
	}
	return parsePSStates(out)
}

// parsePSStates reads "PID STAT" lines; the first letter of STAT is the
// state, the rest are flags (s session leader, + foreground …).
func parsePSStates(out []byte) map[int]byte {
	m := make(map[int]byte, bytes.Count(out, []byte{'\n'}))
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		if pid, err := strconv.Atoi(f[0]); err == nil && pid >= 0 {
			m[pid] = f[1][0]
		}
	}
	return m
}

// Details reads what want asks for about process pid. It returns an error
// only when the process does not exist (ErrGone); each part carries its own
// error, ErrUnsupported where gopsutil cannot tell on this system.
func (r *GopsutilReader) Details(pid int, want Want) (*Details, error) {
	if pid < 0 || pid != int(int32(pid)) {
		return nil, fmt.Errorf("proctree: pid %d: %w", pid, ErrGone)
	}
	gp := &process.Process{Pid: int32(pid)}
	if _, err := gp.CreateTime(); err != nil {
		return nil, fmt.Errorf("proctree: pid %d: %w", pid, ErrGone)
	}
	d := &Details{PID: pid, Taken: time.Now()}
	// A part that says "gone" while the process still exists met a zombie
	// or a kernel thread, which has no memory, cwd or descriptors left:
	// the kernel has nothing to show, the process is not gone.
	fix := func(err error) error {
		err = gopsErr(err)
		if errors.Is(err, ErrGone) {
			if ok, _ := process.PidExists(int32(pid)); ok {
				return ErrUnknown
			}
		}
		return err
	}

	if want&WantFDs != 0 {
		files, err := gp.OpenFiles()
		d.FDErr = fix(err)
		if err == nil {
			d.FDs = make([]FD, 0, len(files))
			for _, f := range files {
				d.FDs = append(d.FDs, r.fd(pid, f))
			}
			// gopsutil lists them in directory order.
			slices.SortFunc(d.FDs, func(a, b FD) int { return cmp.Compare(a.Num, b.Num) })
		}
	}
	if want&(WantSignals|WantMemory) != 0 {
		r.statusParts(gp, d, want, fix)
	}
	if want&WantPaths != 0 {
		var err error
		d.Cwd, err = gp.Cwd()
		d.CwdErr = fix(err)
		d.Exe, err = gp.Exe()
		d.ExeErr = fix(err)
	}
	if want&WantEnv != 0 {
		env, err := gp.Environ()
		d.EnvErr = fix(err)
		// Linux's environ ends with a NUL, which a split turns into a
		// last, empty entry.
		for len(env) > 0 && env[len(env)-1] == "" {
			env = env[:len(env)-1]
		}
		if err == nil && env == nil {
			env = []string{}
		}
		d.Env = env
	}
	if want&WantSmaps != 0 {
		if r.goos != "linux" {
			d.SmapsErr = ErrUnsupported
		} else {
			// gopsutil's smaps type differs per system, so the rollup is
			// read and parsed the way the proc reader does it.
			b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
			d.SmapsErr = fix(err)
			if err == nil {
				var found int
				if d.Smaps, found = parseSmapsRollup(b); found == 0 {
					d.SmapsErr = ErrUnknown // a zombie or a kernel thread
				}
			}
		}
	}
	return d, nil
}

// statusParts fills the signal sets and the memory summary. gopsutil keeps
// the signal masks to itself, so on Linux they come from /proc/PID/status
// through the same parser the proc reader uses, and the memory summary
// with them; elsewhere the memory is what gopsutil's MemoryInfo says.
func (r *GopsutilReader) statusParts(gp *process.Process, d *Details, want Want, fix func(error) error) {
	if r.goos != "linux" {
		if want&WantSignals != 0 {
			d.SigErr = ErrUnsupported
		}
		if want&WantMemory != 0 {
			m, err := gp.MemoryInfo()
			d.MemErr = fix(err)
			if err == nil {
				d.Memory = MemSummary{VmSize: m.VMS, VmRSS: m.RSS}
			}
		}
		return
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(d.PID) + "/status")
	if err != nil {
		fillStatus(d, want, nil, fix(err))
		return
	}
	if found := fillStatus(d, want, b, nil); want&WantMemory != 0 && found == 0 {
		// A zombie or a kernel thread: no user memory to sum.
		d.MemErr = ErrUnknown
	}
}

// fd describes one descriptor from gopsutil's number and link target. The
// mode, offset and close-on-exec flag are not among what gopsutil reads.
func (r *GopsutilReader) fd(pid int, f process.OpenFilesStat) FD {
	fd := FD{Num: int(f.Fd), Offset: -1, Target: f.Path}
	fd.Type, fd.Inode = fdTargetType(f.Path)
	if fd.Type == FDUnknown && r.goos == "linux" {
		// Stat through the link, not the path it names: that reaches the
		// open file even when it was renamed or deleted.
		if fi, err := os.Stat("/proc/" + strconv.Itoa(pid) + "/fd/" + strconv.FormatUint(f.Fd, 10)); err == nil {
			fd.Type = gopsFDType(fi.Mode())
		}
	}
	return fd
}

// gopsFDType is the descriptor type for a file mode from os.Stat.
func gopsFDType(m fs.FileMode) FDType {
	switch {
	case m.IsRegular():
		return FDFile
	case m.IsDir():
		return FDDir
	case m&fs.ModeCharDevice != 0:
		return FDChar
	case m&fs.ModeDevice != 0:
		return FDBlock
	case m&fs.ModeNamedPipe != 0:
		return FDPipe
	case m&fs.ModeSocket != 0:
		return FDSocket
	}
	return FDUnknown
}

// gopsErr maps gopsutil's errors to the ones Details documents.
func gopsErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, process.ErrorNotPermitted):
		return ErrNoAccess
	case errors.Is(err, process.ErrorProcessNotRunning):
		return ErrGone
	case err.Error() == "not implemented yet":
		// gopsutil's ErrNotImplementedError lives in an internal package,
		// so only its text can be matched.
		return ErrUnsupported
	}
	return partErr(err)
}
