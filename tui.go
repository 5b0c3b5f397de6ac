package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"github.com/proctui/proctui/model"
	"github.com/proctui/proctui/proctree"
	"github.com/proctui/proctui/sim"
)

// exitPanic is the status after a panic, the same Go uses for one that is
// not recovered.
const exitPanic = 2

// caughtSignal is the cause of the program's context when a signal ended it.
type caughtSignal struct{ sig syscall.Signal }

func (c caughtSignal) Error() string { return "caught " + proctree.SignalName(int(c.sig)) }

// runTUI runs the full-screen program until the user quits, a signal ends
// it, or it panics. Whatever ends it, the lab is ended and reaped and the
// terminal is put back the way it was.
// frameRate caps how often the screen is written. Bubble Tea wakes up at
// this rate even when nothing changed; at its default of 60 an idle
// program used about 14 ms of CPU a second on a small VM, as much as
// reading a thousand processes. At 20 it costs a third of that, and a key
// still shows within 50 ms.
const frameRate = 20

func runTUI(o tuiOptions, stderr io.Writer) int {
	// A lesson file with a mistake is told before the screen changes.
	lsn, err := loadLesson(o.lesson)
	if err != nil {
		fmt.Fprintln(stderr, "proctui: --lesson:", err)
		return exitFail
	}
	if !term.IsTerminal(os.Stdout.Fd()) {
		fmt.Fprintln(stderr, "proctui: standard output is not a terminal; to print the process tree once, run: proctui snapshot")
		return exitFail
	}
	// The poll loop and the details pane read concurrently, and a Reader
	// is not safe for that: each gets its own.
	reader, err := proctree.NewReader(o.source)
	if err != nil {
		fmt.Fprintf(stderr, "proctui: %s\n\n", err)
		fmt.Fprint(stderr, tuiUsage)
		return exitUsage
	}
	details, err := proctree.NewReader(o.source)
	if err != nil {
		fmt.Fprintln(stderr, "proctui:", err)
		return exitFail
	}

	// Catch the signals that end a terminal program before the lab exists,
	// so that no lab process can outlive an early SIGTERM or a hang-up.
	// Bubble Tea's own handler only knows SIGINT and SIGTERM, and would
	// quit without telling us which signal it was.
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	go func() {
		select {
		case s := <-sigs:
			cancel(caughtSignal{s.(syscall.Signal)})
		case <-ctx.Done():
		}
	}()

	lab, labErr := sim.New(sim.Options{
		MaxLab:    o.maxLab,
		Subreaper: !o.noSubreaper,
		RawFork:   os.Getenv("PROCTUI_NO_RAWFORK") != "1",
		CowMiB:    o.cowMiB,
	})
	if labErr != nil {
		lab = nil
	}
	// Deferred, so it runs on every way out of this function, a panic
	// included. Close is safe to call again after the model's own on q.
	closeLab := func() {
		if lab != nil {
			if err := lab.Close(); err != nil {
				fmt.Fprintln(stderr, "proctui: ending the lab:", err)
			}
		}
	}
	defer closeLab()

	record, err := openRecord(o.record)
	if err != nil {
		fmt.Fprintln(stderr, "proctui:", err)
		return exitFail
	}
	if record != nil {
		defer func() {
			if err := record.Close(); err != nil {
				fmt.Fprintln(stderr, "proctui: --record:", err)
			}
		}()
	}

	m := model.New(model.Config{
		Reader:       reader,
		DetailReader: details,
		Lab:          lab,
		LabErr:       labErr,
		Interval:     o.interval,
		Theme:        o.theme,
		NoColor:      os.Getenv("NO_COLOR") != "", // any value, per no-color.org
		All:          o.all,
		Version:      resolvedVersion(),
		Platform:     readerLimits(reader),
		Projector:    o.projector,
		Lesson:       lsn,
		Record:       recordWriter(record),
	})
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithoutSignalHandler(), tea.WithFPS(frameRate))
	_, err = p.Run()

	var sig caughtSignal
	switch {
	case errors.As(context.Cause(ctx), &sig):
		// The terminal is already restored: Run does that when its
		// context ends. End the lab, then die of the same signal, so
		// that whoever started proctui sees "killed by SIGTERM" as
		// wait() reports it, not a made-up exit code.
		closeLab()
		lab = nil
		signal.Reset(sig.sig)
		_ = syscall.Kill(os.Getpid(), sig.sig)
		// The signal is delivered at once; this is only a fallback.
		time.Sleep(time.Second)
		return 128 + int(sig.sig)
	case errors.Is(err, tea.ErrProgramPanic):
		// Bubble Tea printed the panic and restored the terminal.
		fmt.Fprintln(stderr, "proctui: ended after a panic; the lab was ended too")
		return exitPanic
	case err != nil:
		fmt.Fprintln(stderr, "proctui:", err)
		return exitFail
	}
	return exitOK
}
