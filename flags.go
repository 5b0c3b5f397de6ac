package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/proctui/proctui/proctree"
)

// Exit statuses. 2 for bad usage follows the flag package and most Unix
// tools; 1 is any other failure.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// errUsage marks an error in the command line: the caller prints the
// usage after it and exits with status 2.
var errUsage = errors.New("usage")

// usageError is a one-line complaint about the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }
func (e *usageError) Unwrap() error { return errUsage }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// themes are the names --theme accepts. The empty theme follows the
// terminal's background.
var themes = []string{"dark", "light", "contrast", "mono"}

// sources are the names --source accepts.
var sources = []string{proctree.SourceProc, proctree.SourceGopsutil}

// choiceValue is a string flag that must be one of a few names.
type choiceValue struct {
	val     *string
	choices []string
}

func (c choiceValue) String() string {
	if c.val == nil {
		return ""
	}
	return *c.val
}

func (c choiceValue) Set(s string) error {
	for _, ch := range c.choices {
		if s == ch {
			*c.val = s
			return nil
		}
	}
	return fmt.Errorf("want one of %s", strings.Join(c.choices, ", "))
}

// tuiOptions is the parsed command line of the full-screen program.
type tuiOptions struct {
	interval    time.Duration
	theme       string // "" follows the terminal
	all         bool
	source      string // "" is the best reader for this system
	maxLab      int
	noSubreaper bool
	cowMiB      int // the copy-on-write buffer; 0 turns it off
	version     bool
	projector   bool
	record      string // --record FILE: the timeline as JSON lines
	lesson      string // --lesson NAME or ./file.lesson
}

// snapshotOptions is the parsed command line of `proctui snapshot`.
type snapshotOptions struct {
	all    bool
	pid    int // 0: proctui's own branch
	fds    bool
	mem    bool // smaps_rollup of each process shown
	json   bool
	source string
}

// newFlagSet returns a FlagSet that reports errors instead of printing
// them, so that every command-line mistake is told the same way: one line,
// then the usage.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

func tuiFlags(o *tuiOptions) *flag.FlagSet {
	fs := newFlagSet("proctui")
	fs.DurationVar(&o.interval, "interval", time.Second, "time between two reads of the process table")
	fs.Var(choiceValue{&o.theme, themes}, "theme", "colour theme: dark, light, contrast or mono (default: follow the terminal)")
	fs.BoolVar(&o.all, "all", false, "start with every process in view, not only proctui's own branch")
	fs.Var(choiceValue{&o.source, sources}, "source", "where to read processes: proc (Linux) or gopsutil (default: the best for this system)")
	fs.IntVar(&o.maxLab, "max-lab", 64, "at most this many lab processes")
	fs.BoolVar(&o.noSubreaper, "no-subreaper", false, "let orphaned lab processes go to init instead of proctui")
	fs.IntVar(&o.cowMiB, "cow-mib", 32, "MiB of memory proctui writes before it forks, shared copy-on-write with its children (0: none)")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	fs.BoolVar(&o.projector, "projector", false, "presenter mode: contrast theme, fewer columns, spaced rows, narration banner")
	fs.StringVar(&o.record, "record", "", "write every timeline entry to this file as JSON lines")
	fs.StringVar(&o.lesson, "lesson", "", "start the lesson NAME (see proctui lessons), or load a .lesson file by path")
	return fs
}

func snapshotFlags(o *snapshotOptions) *flag.FlagSet {
	fs := newFlagSet("proctui snapshot")
	fs.BoolVar(&o.all, "all", false, "every process, not only the snapshot's own branch")
	fs.IntVar(&o.pid, "pid", 0, "the branch of this process: its ancestors, itself and its descendants")
	fs.BoolVar(&o.fds, "fds", false, "include each process's file descriptors")
	fs.BoolVar(&o.mem, "mem", false, "include each process's memory from smaps_rollup")
	fs.BoolVar(&o.json, "json", false, "print JSON instead of a tree")
	fs.Var(choiceValue{&o.source, sources}, "source", "where to read processes: proc (Linux) or gopsutil")
	return fs
}

// parseTUI parses the arguments of the full-screen program.
func parseTUI(args []string) (tuiOptions, error) {
	var o tuiOptions
	fs := tuiFlags(&o)
	if err := parse(fs, args); err != nil {
		return o, err
	}
	if o.version {
		return o, nil
	}
	if o.interval <= 0 {
		return o, usagef("--interval must be more than 0, got %s", o.interval)
	}
	if o.maxLab < 1 {
		return o, usagef("--max-lab must be at least 1, got %d", o.maxLab)
	}
	if o.cowMiB < 0 || o.cowMiB > maxCowMiB {
		return o, usagef("--cow-mib must be 0 (off) to %d, got %d", maxCowMiB, o.cowMiB)
	}
	return o, nil
}

// maxCowMiB bounds --cow-mib: the buffer is real memory, written at start.
const maxCowMiB = 4096

// parseSnapshot parses the arguments of `proctui snapshot`.
func parseSnapshot(args []string) (snapshotOptions, error) {
	var o snapshotOptions
	fs := snapshotFlags(&o)
	if err := parse(fs, args); err != nil {
		return o, err
	}
	if o.pid < 0 {
		return o, usagef("--pid must be a process id (1 or more), got %d", o.pid)
	}
	if o.all && o.pid != 0 {
		return o, usagef("--all and --pid cannot be used together")
	}
	return o, nil
}

// parse runs fs.Parse and turns its errors into usage errors. flag.ErrHelp
// passes through: --help is a request, not a mistake.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%s", flagMessage(err))
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// flagMessage rewords the flag package's errors with the double dash the
// usage shows: "flag provided but not defined: -foo" becomes
// "unknown flag --foo".
func flagMessage(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "unknown flag --" + strings.TrimPrefix(name, "-")
	}
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		// invalid value "x" for flag -interval: parse error
		if i := strings.Index(rest, " for flag -"); i >= 0 {
			val, tail := rest[:i], rest[i+len(" for flag -"):]
			name, why, _ := strings.Cut(tail, ": ")
			if why == "parse error" {
				why = "not a valid " + flagKind(name)
			}
			return fmt.Sprintf("bad value %s for --%s: %s", val, name, why)
		}
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return "flag --" + strings.TrimPrefix(name, "-") + " needs a value"
	}
	return msg
}

// flagKind names what a flag's value should look like, for error messages.
func flagKind(name string) string {
	switch name {
	case "interval":
		return "duration (like 500ms or 2s)"
	case "pid", "max-lab", "cow-mib":
		return "number"
	}
	return "value"
}

const tuiUsage = `proctui shows the live process tree and lets you change it with single keys.

Usage:
  proctui [flags]            run the full-screen program
  proctui snapshot [flags]   print the process tree once and exit
  proctui lessons            list the guided lessons (name, then title)
  proctui help [snapshot]    show this help, or the help of snapshot

Flags:
  --interval DURATION   time between two reads of the process table (default 1s)
  --theme NAME          dark, light, contrast (for projectors) or mono
                        (default: follow the terminal's background; NO_COLOR is honoured)
  --all                 start with every process in view, not only proctui's own branch
  --source NAME         proc (read /proc, Linux) or gopsutil (portable)
                        (default: the best reader for this system)
  --max-lab N           at most N lab processes (default 64)
  --no-subreaper        let orphaned lab processes go to init instead of proctui
  --cow-mib N           MiB proctui writes before it forks, so that its children
                        share them copy-on-write and m can dirty them (default 32; 0: none)
  --projector           presenter mode: contrast theme, PID/PPID/state/command only,
                        spaced rows, the newest narration as a banner, marks kept longer
  --record FILE         write every timeline entry (L) to FILE as JSON lines:
                        {"time","kind","pid","text","syscall"}
  --lesson NAME         start a guided lesson (proctui lessons lists them);
                        a path such as ./my.lesson loads one from disk
  --version             print the version and exit
  --help                print this help and exit

Environment:
  NO_COLOR=1            no colour: state is shown by letters, symbols and words
  PROCTUI_NO_RAWFORK=1  f spawns the lab image instead of a real fork()

Press ? inside proctui for the keys.
`

const snapshotUsage = `proctui snapshot prints the process tree once and exits.

Usage:
  proctui snapshot [--all | --pid N] [--fds] [--mem] [--json] [--source NAME]

By default it prints its own branch, the same scope as the full-screen
program: its ancestors down to itself.

Flags:
  --all          every process
  --pid N        the branch of process N: its ancestors, itself and its descendants
  --fds          include each process's file descriptors
  --mem          include each process's memory from /proc/PID/smaps_rollup
                 (the kernel walks its page tables: read only when asked)
  --json         print JSON instead of a tree
  --source NAME  proc (read /proc, Linux) or gopsutil (portable)
  --help         print this help and exit

JSON: {"processes":[{"pid","ppid","state","comm","cmdline","uid","user",
"threads","start_time","rss_bytes","exit_status","fds","signals","memory"}]};
"memory" (with --mem) is {"rss","pss","shared_clean","shared_dirty",
"private_clean","private_dirty","anonymous","swap"} in bytes.
A field that could not be read is null.
`
