//go:build !linux

package sim

func (st *state) signalGuard(int) (Guard, string) { return GuardConfirm, ErrUnsupported.Error() }
func (st *state) signal(int, int) (Result, error) { return Result{}, ErrUnsupported }
func (st *state) setDisposition(int, int, Disposition) (Result, error) {
	return Result{}, ErrUnsupported
}
