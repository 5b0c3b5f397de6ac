package sim

import (
	"fmt"
	"os/exec"
	"strconv"
	"runtime"

	"golang.org/x/sys/unix"
)

// diagRIP is a temporary diagnostic: where a stuck child is executing.
func diagRIP(pid int) string {
	if out, err := exec.Command("gdb", "-p", strconv.Itoa(pid), "-batch", "-ex", "bt 40", "-ex", "info registers rip rsp rbp").CombinedOutput(); err == nil || len(out) > 0 {
		return "\nGDB:\n" + string(out)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.PtraceSeize(pid); err != nil {
		return "seize: " + err.Error()
	}
	defer unix.PtraceDetach(pid)
	if err := unix.PtraceInterrupt(pid); err != nil {
		return "interrupt: " + err.Error()
	}
	var ws unix.WaitStatus
	unix.Wait4(pid, &ws, unix.WALL, nil)
	var out string
	for i := 0; i < 5; i++ {
		var regs unix.PtraceRegs
		if err := unix.PtraceGetRegs(pid, &regs); err != nil {
			return "getregs: " + err.Error()
		}
		f := runtime.FuncForPC(uintptr(regs.Rip))
		name := "?"
		if f != nil {
			file, line := f.FileLine(uintptr(regs.Rip))
			name = fmt.Sprintf("%s %s:%d", f.Name(), file, line)
		}
		out += fmt.Sprintf("[rip %#x %s rsp %#x] ", regs.Rip, name, regs.Rsp)
		unix.PtraceSingleStep(pid)
		unix.Wait4(pid, &ws, unix.WALL, nil)
	}
	return out
}
