//go:build linux && (amd64 || arm64)

package rawfork

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestChildPathDirectives checks, in the source, that every function of the
// child path carries the three directives the child needs.
func TestChildPathDirectives(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("internal/child/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no child path sources: %v", err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			var text string
			if fn.Doc != nil {
				text = fn.Doc.Text()
				for _, c := range fn.Doc.List {
					text += c.Text + "\n"
				}
			}
			for _, dir := range []string{"//go:nosplit", "//go:norace", "//go:nocheckptr"} {
				if !strings.Contains(text, dir) {
					t.Errorf("%s: %s lacks %s", fset.Position(fn.Pos()), fn.Name.Name, dir)
				}
			}
		}
	}
}

// TestChildPathCallsNothing is the guard of the child path. It disassembles
// the test binary, which was built with the same flags as this run (-race,
// -gcflags=all=-N -l, a GOEXPERIMENT …), and fails if any function of the
// child path calls anything but syscall.RawSyscall6 and the child path
// itself: no runtime.morestack (stack growth), no write barrier, no race or
// coverage hook, no panic helper, no duffzero.
func TestChildPathCallsNothing(t *testing.T) {
	pattern := `^(` + regexp.QuoteMeta(childPkg) + `\..*|syscall\.RawSyscall6|` +
		regexp.QuoteMeta(parentPkg) + `\.clone)$`
	bin, out := testBinary(t, pattern)
	funcs := disassemble(t, out)
	if _, ok := funcs[childPkg+".Fork"]; !ok {
		t.Fatalf("%s.Fork is not in %s", childPkg, bin)
	}
	// The checker must be able to fail: the parent side of Fork is
	// ordinary Go and calls into the runtime.
	if bad := forbiddenCalls(map[string][]string{parentPkg + ".clone": funcs[parentPkg+".clone"]}); len(bad) == 0 {
		t.Errorf("the guard finds no runtime call in %s.clone; it cannot be trusted", parentPkg)
	}
	delete(funcs, parentPkg+".clone")
	raw := funcs["syscall.RawSyscall6"]
	delete(funcs, "syscall.RawSyscall6")
	for _, bad := range forbiddenCalls(funcs) {
		t.Error(bad + ": the child of a raw fork must not enter the runtime")
	}
	// RawSyscall6 itself must go straight to the assembly stub.
	for _, c := range raw {
		if !strings.Contains(c, "internal/runtime/syscall/linux.Syscall6(SB)") {
			t.Errorf("syscall.RawSyscall6: %s", c)
		}
	}
	t.Logf("%d child path functions checked in %s", len(funcs), bin)
}

const parentPkg = "github.com/proctui/proctui/sim/rawfork"

// TestScratchOnHeap asks the compiler where Fork's scratch lives. The child
// reaches its buffers through addresses stored in the scratch before the
// fork; on the stack, the scratch would move whenever the stack grew, and
// the child would read and write through stale addresses.
func TestScratchOnHeap(t *testing.T) {
	cmd := exec.Command(goTool(), "build", "-o", os.DevNull, "-gcflags="+parentPkg+"=-m", ".")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=-m: %v\n%s", err, out)
	}
	want := "new(child.Scratch) escapes to heap"
	if !bytes.Contains(out, []byte(want)) {
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "child.Scratch") {
				t.Log(line)
			}
		}
		t.Errorf("the compiler does not say %q", want)
	}
}

// forbiddenCalls lists the calls that are neither to syscall.RawSyscall6
// nor within the child path.
func forbiddenCalls(funcs map[string][]string) []string {
	var bad []string
	for name, calls := range funcs {
		for _, c := range calls {
			f := strings.Fields(c)
			target := strings.TrimSuffix(f[len(f)-1], "(SB)")
			if target == "syscall.RawSyscall6" || strings.HasPrefix(target, childPkg+".") {
				continue
			}
			bad = append(bad, name+" calls "+target)
		}
	}
	return bad
}

// testBinary disassembles the functions matching pattern in this very test
// binary when it has its symbol table, otherwise in one rebuilt with the
// flags recorded in it.
func testBinary(t *testing.T, pattern string) (bin string, out []byte) {
	bin, err := os.Executable()
	if err != nil {
		bin = os.Args[0]
	}
	if out, err := objdump(bin, pattern); err == nil && bytes.Contains(out, []byte("TEXT "+childPkg+".Fork(SB)")) {
		return bin, out
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build information to rebuild the test binary with")
	}
	args := []string{"test", "-c", "-o", filepath.Join(t.TempDir(), "rawfork.test")}
	env := os.Environ()
	for _, s := range info.Settings {
		switch s.Key {
		case "-race", "-msan", "-asan":
			if s.Value == "true" {
				args = append(args, s.Key)
			}
		case "-gcflags", "-tags", "-asmflags":
			args = append(args, s.Key+"="+s.Value)
		case "-ldflags":
			// Keep the symbol table whatever the original said.
			v := strings.NewReplacer("-s", "", "-w", "").Replace(s.Value)
			args = append(args, "-ldflags="+v)
		case "CGO_ENABLED", "GOEXPERIMENT", "GOAMD64", "GOARM64":
			env = append(env, s.Key+"="+s.Value)
		}
	}
	args = append(args, ".")
	cmd := exec.Command(goTool(), args...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rebuilding the test binary: %v\n%s", err, out)
	}
	bin = args[3]
	out, err = objdump(bin, pattern)
	if err != nil {
		t.Fatalf("go tool objdump: %v", err)
	}
	t.Logf("rebuilt the test binary with %v to keep its symbols", args[1:len(args)-1])
	return bin, out
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// objdump runs go tool objdump with GOEXPERIMENT cleared: the tool is built
// for the default experiments and refuses some settings meant for the code
// under test.
func objdump(bin, pattern string) ([]byte, error) {
	cmd := exec.Command(goTool(), "tool", "objdump", "-s", pattern, bin)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOEXPERIMENT=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "GOEXPERIMENT=")
	return cmd.Output()
}

// disassemble returns, for each function in objdump's output, its CALL
// instructions.
func disassemble(t *testing.T, out []byte) map[string][]string {
	t.Helper()
	funcs := map[string][]string{}
	var cur string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "TEXT "); ok {
			cur = strings.TrimSuffix(strings.Fields(rest)[0], "(SB)")
			funcs[cur] = nil
			continue
		}
		f := strings.Fields(line)
		for i, w := range f {
			if (w == "CALL" || w == "BL") && i+1 < len(f) && cur != "" {
				funcs[cur] = append(funcs[cur], strings.Join(f[i:], " "))
			}
		}
	}
	if len(funcs) == 0 {
		t.Fatal("objdump found nothing to check")
	}
	return funcs
}

// TestInstrumentedChildRefused builds a program with the child path
// instrumented for coverage (go build -cover -coverpkg naming it) and checks
// that rawfork refuses to fork there, and that the same program built
// without that instrumentation would fork.
//
// (A test binary cannot tell: its coverage meta-data is only complete at
// exit. Hence the child package has tests of its own, so that go test
// -cover ./... never instruments it outside its own test binary, and the
// rule: never name it in -coverpkg.)
func TestInstrumentedChildRefused(t *testing.T) {
	requireRawFork(t)
	const mainPkg = parentPkg + "/testdata/unavailable"
	for _, c := range []struct {
		flags []string
		want  string
	}{
		// go build -cover instruments every package of the module.
		{[]string{"-cover"}, "instruments the fork child for coverage"},
		{[]string{"-cover", "-coverpkg=" + mainPkg + "," + childPkg}, "instruments the fork child for coverage"},
		{[]string{"-cover", "-coverpkg=" + mainPkg + "," + parentPkg}, "<nil>"},
		{nil, "<nil>"},
	} {
		bin := filepath.Join(t.TempDir(), "unavailable")
		args := append(append([]string{"build", "-o", bin}, c.flags...), "./testdata/unavailable")
		if out, err := exec.Command(goTool(), args...).CombinedOutput(); err != nil {
			t.Fatalf("go %v: %v\n%s", args, err, out)
		}
		run := exec.Command(bin)
		run.Env = append(os.Environ(), "GOCOVERDIR="+t.TempDir())
		out, err := run.Output()
		if err != nil || !strings.Contains(string(out), c.want) {
			t.Errorf("built with %v: %q %v, want %q", c.flags, out, err, c.want)
		}
	}
}

// requireRawFork skips a test that needs a real fork in a build that
// cannot make one, saying why.
func requireRawFork(t testing.TB) {
	t.Helper()
	if err := Unavailable(); err != nil {
		t.Skipf("no real fork() in this build: %v", err)
	}
	if os.Getenv("PROCTUI_NO_RAWFORK") == "1" {
		t.Skip("real fork() is off: PROCTUI_NO_RAWFORK=1 (set by TestMain when the fork child carries coverage counters)")
	}
}
