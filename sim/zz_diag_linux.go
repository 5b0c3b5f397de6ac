package sim

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// diagRIP is a temporary diagnostic: where a stuck child is executing.
func diagRIP(pid int) string {
	if exe, err := os.Executable(); err == nil {
		if out, err := exec.Command("gdb", "-q", "-p", strconv.Itoa(pid), exe, "-batch", "-ex", "bt 25", "-ex", "info registers rip rsp").CombinedOutput(); err == nil || len(out) > 0 {
			return "\nGDB:\n" + string(out)
		}
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
	var regs unix.PtraceRegs
	if err := unix.PtraceGetRegs(pid, &regs); err != nil {
		return "getregs: " + err.Error()
	}
	name := func(pc uint64) string {
		f := runtime.FuncForPC(uintptr(pc))
		if f == nil {
			return ""
		}
		file, line := f.FileLine(uintptr(pc))
		return fmt.Sprintf("%s %s:%d", f.Name(), file[strings.LastIndex(file, "/")+1:], line)
	}
	out := fmt.Sprintf("rip %#x %s rsp %#x r14(g) %#x\n", regs.Rip, name(regs.Rip), regs.Rsp, regs.R14)
	mem, err := os.Open("/proc/" + strconv.Itoa(pid) + "/mem")
	if err != nil {
		return out + err.Error()
	}
	defer mem.Close()
	scan := func(label string, from uint64, n int) {
		buf := make([]byte, n)
		k, _ := mem.ReadAt(buf, int64(from))
		out += label + ":\n"
		for i := 0; i+8 <= k; i += 8 {
			w := binary.LittleEndian.Uint64(buf[i:])
			if w > 0x400000 && w < 0x2000000 {
				if s := name(w); s != "" {
					out += fmt.Sprintf("  +%#x %s\n", i, s)
				}
			}
		}
	}
	scan("stack at rsp", regs.Rsp, 16384)
	// g.stack.lo, g.stack.hi are the first two words of the g; g.sched.sp at 0x38.
	gb := make([]byte, 0x60)
	mem.ReadAt(gb, int64(regs.R14))
	lo, hi := binary.LittleEndian.Uint64(gb[0:]), binary.LittleEndian.Uint64(gb[8:])
	out += fmt.Sprintf("g stack [%#x, %#x]\n", lo, hi)
	if hi > lo && hi-lo < 1<<20 {
		scan("goroutine stack", lo, int(hi-lo))
	}
	return out
}
