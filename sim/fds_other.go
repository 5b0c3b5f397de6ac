//go:build !linux

package sim

func (st *state) pipe(int, int) (Result, error)       { return Result{}, ErrUnsupported }
func (st *state) closeFD(int, int) (Result, error)    { return Result{}, ErrUnsupported }
func (st *state) writeFD(int, int) (Result, error)    { return Result{}, ErrUnsupported }
func (st *state) readFD(int, int) (Result, error)     { return Result{}, ErrUnsupported }
func (st *state) socketPair(int, int) (Result, error) { return Result{}, ErrUnsupported }
func (st *state) runPipeline(int, []string, []string) (Result, error) {
	return Result{}, ErrUnsupported
}
func (st *state) stream(int, int, bool) (Result, error)          { return Result{}, ErrUnsupported }
func (st *state) exec(int, []string) (Result, error)             { return Result{}, ErrUnsupported }
func (st *state) toggleCloexec(int, int) (Result, error)         { return Result{}, ErrUnsupported }
func (st *state) passFD(int, int, int, int, int) (Result, error) { return Result{}, ErrUnsupported }
func (st *state) setEnv(int, string) (Result, error)             { return Result{}, ErrUnsupported }
func (st *state) openFile(int, string) (Result, error)           { return Result{}, ErrUnsupported }
func (st *state) passFDTo(int, int, int) (Result, error)         { return Result{}, ErrUnsupported }
