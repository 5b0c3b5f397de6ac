//go:build !linux

package sim

type state struct {
	self  int
	notes chan Note
}

func (st *state) init(Options) error { return ErrUnsupported }

func (st *state) contains(int) bool             { return false }
func (st *state) get(int) (Member, bool)        { return Member{}, false }
func (st *state) list() []Member                { return nil }
func (st *state) forkMode() string              { return ErrUnsupported.Error() }
func (st *state) fork(int) (Result, error)      { return Result{}, ErrUnsupported }
func (st *state) exit(int, int) (Result, error) { return Result{}, ErrUnsupported }
func (st *state) wait(int) (Result, error)      { return Result{}, ErrUnsupported }
func (st *state) detach(int) (Result, error)    { return Result{}, ErrUnsupported }
func (st *state) close() error                  { return nil }

func (st *state) run(int, []string) (Result, error) { return Result{}, ErrUnsupported }

func (st *state) cowBytes() int64                        { return 0 }
func (st *state) writeMemory(int, int64) (Result, error) { return Result{}, ErrUnsupported }

// IsLabRole reports whether this process was started as the lab image;
// never, where there is no lab.
func IsLabRole() bool { return false }

// RunLabRole plays the lab image; there is none on this platform.
func RunLabRole() int { return 2 }
