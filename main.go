// Command proctui shows the live Unix process tree in the terminal and
// lets a person change it with single keys: fork, run, exit, wait, detach,
// signals, pipes. Every change is the real kernel doing real work.
//
// Usage:
//
//	proctui [flags]            the full-screen program
//	proctui snapshot [flags]   print the process tree once, as text or JSON
//	proctui help [snapshot]    the usage
//
// The same binary also plays the lab image: the process proctui spawns
// when asked to run "lab". That role is chosen by the environment proctui
// gives the child, before any flag is read.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/proctui/proctui/sim"
)

// Set by the release build: -ldflags "-X main.version=1.2.3 -X main.commit=…
// -X main.date=…".
var (
	version = "dev"
	commit  = ""
	date    = ""
)

func main() {
	// The lab image is this same binary re-executed. It must take its role
	// before anything else runs: it has no flags and no terminal.
	if sim.IsLabRole() {
		os.Exit(sim.RunLabRole())
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches on the subcommand and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "snapshot":
			return runSnapshotCmd(args[1:], stdout, stderr)
		case "help":
			return runHelp(args[1:], stdout, stderr)
		case "lessons":
			return runLessons(args[1:], stdout, stderr)
		}
	}
	o, err := parseTUI(args)
	if status, done := reportParse(err, tuiUsage, stdout, stderr); done {
		return status
	}
	if o.version {
		fmt.Fprintln(stdout, versionLine())
		return exitOK
	}
	return runTUI(o, stderr)
}

func runSnapshotCmd(args []string, stdout, stderr io.Writer) int {
	o, err := parseSnapshot(args)
	if status, done := reportParse(err, snapshotUsage, stdout, stderr); done {
		return status
	}
	if err := runSnapshot(o, stdout, stderr); err != nil {
		if errors.Is(err, errUsage) {
			status, _ := reportParse(err, snapshotUsage, stdout, stderr)
			return status
		}
		fmt.Fprintln(stderr, "proctui snapshot:", err)
		return exitFail
	}
	return exitOK
}

func runHelp(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		fmt.Fprint(stdout, tuiUsage)
	case len(args) == 1 && args[0] == "snapshot":
		fmt.Fprint(stdout, snapshotUsage)
	default:
		fmt.Fprintf(stderr, "proctui: no help for %q\n\n", args[0])
		fmt.Fprint(stderr, tuiUsage)
		return exitUsage
	}
	return exitOK
}

// reportParse tells the outcome of parsing the command line: --help prints
// the usage on stdout (status 0), a mistake prints one line and the usage
// on stderr (status 2). done is false when the program should go on.
func reportParse(err error, usage string, stdout, stderr io.Writer) (status int, done bool) {
	switch {
	case err == nil:
		return exitOK, false
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		return exitOK, true
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "proctui: %s\n\n", err)
		fmt.Fprint(stderr, usage)
		return exitUsage, true
	}
	fmt.Fprintln(stderr, "proctui:", err)
	return exitFail, true
}

// versionLine is what --version prints: "proctui 1.2.3", with the commit
// and build date when the release build recorded them. goreleaser says
// "none" for a commit it could not read.
func versionLine() string {
	s := "proctui " + resolvedVersion()
	c := commit
	if c == "none" {
		c = ""
	}
	switch {
	case c != "" && date != "":
		s += " (" + c + ", " + date + ")"
	case c != "":
		s += " (" + c + ")"
	case date != "":
		s += " (built " + date + ")"
	}
	return s
}

// resolvedVersion is the version set at link time or, for a binary built
// by `go install …@v1.2.3`, the module version the go command recorded.
func resolvedVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}
