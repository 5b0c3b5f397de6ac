// Package rawfork makes a real fork() of a running Go program and talks to
// the child it makes.
//
// A Go program is multithreaded, so fork without exec is normally off
// limits: the child gets a copy of memory in which the runtime's other
// threads, and whatever locks they held, are frozen forever. It is still
// sound when the child never enters the runtime again. Fork prepares
// everything the child will need, locks the goroutine to its thread, blocks
// signals, and calls clone(SIGCHLD) with a raw system call. The child
// (package internal/child) resets every signal to its default, moves its
// control socket to a fixed descriptor, closes the parent's internal
// descriptors and then runs a loop of raw system calls: one small command
// at a time from its control socket (exit, fork again, wait, ignore
// SIGCHLD, execve), one answer back. When the control socket reaches EOF,
// because the parent closed it or died, even by SIGKILL, the child kills
// the children it made and exits. Nothing relies on PR_SET_PDEATHSIG, which
// fires when the forking thread exits, and Go threads come and go.
//
// The same records travel between proctui and its lab image (proctui
// re-executed in its lab role), which serves a superset of the commands.
package rawfork

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// Op is a command of the control protocol.
type Op uint32

// Commands. A raw fork child understands the first six; the lab image
// serves ping, exit, fork, wait, spawn and detach.
const (
	OpPing    Op = 1 // Reply.PID = the process's pid, Reply.Val = its control fd
	OpExit    Op = 2 // exit(Arg0); no reply (a lab image acknowledges first)
	OpFork    Op = 3 // fork; Reply.PID = the child, its control socket attached; Arg0 = 1 asks for a real fork
	OpWait    Op = 4 // wait4(Arg0, WNOHANG); Reply.PID = what wait4 returned, Reply.Val = the status
	OpSigchld Op = 5 // Arg0 = 1: set SIGCHLD to SIG_IGN; 0: back to SIG_DFL
	OpExec    Op = 6 // execve the payload (EncodeExec); a reply means it failed (a lab image serves it too)

	OpSpawn  Op = 7 // lab image: fork + exec the payload; Flags SpawnLab: the lab image, its control socket attached
	OpDetach Op = 8 // lab image: reap child Arg0 as soon as it exits, then send OpNote

	// Copy-on-write memory (40-59).
	OpTouch Op = 40 // write one byte per page of [Arg0, Arg0+Arg1) of the fork buffer; Reply.Val = pages written

	OpHello Op = 100 // lab image, unasked: ready, Reply.PID = its pid
	OpNote  Op = 101 // lab image, unasked: child Reply.PID was reaped with status Reply.Val
)

// Signal commands and reports.
const (
	// OpSigDisp sets the disposition of signal Arg0 to Arg1: SigDefault,
	// SigIgnore, or (lab image only) SigCatch.
	OpSigDisp Op = 20
	// OpSigBlock blocks (Arg1 = 1) or unblocks (0) signal Arg0 in a lab image.
	OpSigBlock Op = 21
	// OpSigCaught is a lab image's unasked report: it caught signal
	// Reply.PID, Reply.Val times so far.
	OpSigCaught Op = 120
)

// Descriptor commands (60-99), served by a raw fork child and the lab
// image alike. Each is one or two system calls in the process.
const (
	// OpPipe calls pipe() in the process: Reply.PID is the read end,
	// Reply.Val the write end. Flags PipePassRead or PipePassWrite send
	// that end back with the reply (SCM_RIGHTS) and close it here.
	OpPipe Op = 60
	// OpTakeFD installs the one descriptor passed with the request:
	// dup3 onto Arg0 when Arg0 >= 0 (replacing what was there, as a
	// shell's dup2 does), otherwise kept where recvmsg put it (the lowest
	// free number), close-on-exec cleared. Reply.Val is its number.
	OpTakeFD Op = 61
	// OpCloseFD closes descriptor Arg0.
	OpCloseFD Op = 62
	// OpWriteFD writes the payload to descriptor Arg0 with one write();
	// Reply.Val is what write() returned.
	OpWriteFD Op = 63
	// OpReadFD reads up to Arg1 bytes from descriptor Arg0 with one
	// read(), if poll() says it would not block; Reply.Val is what read()
	// returned, and Errno EAGAIN means nothing was waiting.
	OpReadFD Op = 64
	// OpSocketPair calls socketpair(AF_UNIX, SOCK_STREAM) in the process:
	// Reply.PID and Reply.Val are its two ends; Flags PipePassRead passes
	// the first (Reply.PID) back and closes it here.
	OpSocketPair Op = 65
	// OpStream (lab image only) starts or stops moving bytes on fd Arg0:
	// Arg1 StreamWrite writes a short line every second, StreamRead reads
	// whatever comes, StreamStop stops (see below). Each write or read is
	// reported with OpFDBytes.
	OpStream Op = 66
	// OpCloexec sets (Arg1 = 1) or clears (0) close-on-exec on fd Arg0.
	OpCloexec Op = 67
	// OpSendFD (lab image) sends descriptor Arg1 over the unix socket
	// Arg0 with SCM_RIGHTS, along with one byte.
	OpSendFD Op = 68
	// OpRecvFD (lab image) receives one descriptor from the unix socket
	// Arg0, if one is waiting (EAGAIN if not), and keeps it without
	// close-on-exec: Reply.Val is its number. While a reading stream
	// runs on the socket, the stream takes what arrives and keeps any
	// descriptor for OpRecvFD, which waits a moment for one.
	OpRecvFD Op = 69
	// OpSetEnv (lab image) sets the variable in the payload, "KEY=VALUE",
	// or unsets it when the payload is just "KEY". What it runs from then
	// on inherits the change.
	OpSetEnv Op = 70
	// OpFDBytes is a lab image's unasked report on a stream: Reply.PID is
	// the fd, Reply.Val the bytes moved so far, Reply.Seq StreamWrite or
	// StreamRead; Errno is why it stopped (EPIPE), if it did.
	OpFDBytes Op = 130
	// OpFDEOF is a lab image's unasked report: read() on fd Reply.PID
	// returned 0, end of file, after Reply.Val bytes.
	OpFDEOF Op = 131

	// OpOpenFile opens the path in the payload (NUL-terminated) with
	// open(path, O_RDWR|O_CREAT, 0644), without close-on-exec, in a raw
	// fork child or a lab image: Reply.Val is the new descriptor.
	OpOpenFile Op = 71
)

// Arg1 of OpStream. A descriptor can have one stream of each direction
// at once (a lab image writes to a socket and reads from it). With
// StreamStop, Flags StreamWrite or StreamRead stops only the stream of
// that direction, Flags 0 both; a stop is answered once the stream has
// sent its last OpFDBytes.
const (
	StreamStop  = 0
	StreamWrite = 1
	StreamRead  = 2
)

// Flags of OpPipe.
const (
	PipePassRead  = 1
	PipePassWrite = 2
)

// Dispositions in Arg1 of OpSigDisp.
const (
	SigDefault = 0
	SigIgnore  = 1
	SigCatch   = 2
)

func (o Op) String() string {
	switch o {
	case OpPing:
		return "ping"
	case OpExit:
		return "exit"
	case OpFork:
		return "fork"
	case OpWait:
		return "wait"
	case OpSigchld:
		return "sigchld"
	case OpExec:
		return "exec"
	case OpSpawn:
		return "spawn"
	case OpDetach:
		return "detach"
	case OpTouch:
		return "touch"
	case OpHello:
		return "hello"
	case OpNote:
		return "note"
	case OpSigDisp:
		return "sigdisp"
	case OpSigBlock:
		return "sigblock"
	case OpSigCaught:
		return "sigcaught"
	case OpPipe:
		return "pipe"
	case OpTakeFD:
		return "takefd"
	case OpCloseFD:
		return "closefd"
	case OpWriteFD:
		return "writefd"
	case OpReadFD:
		return "readfd"
	case OpSocketPair:
		return "socketpair"
	case OpStream:
		return "stream"
	case OpCloexec:
		return "cloexec"
	case OpSendFD:
		return "sendfd"
	case OpRecvFD:
		return "recvfd"
	case OpSetEnv:
		return "setenv"
	case OpFDBytes:
		return "fdbytes"
	case OpFDEOF:
		return "fdeof"
	case OpOpenFile:
		return "openfile"
	}
	return fmt.Sprintf("op %d", uint32(o))
}

// Request flags.
const (
	// ExecKeepControl keeps the control socket open across execve, for a
	// program that continues the protocol (the lab image).
	ExecKeepControl = 1
	// SpawnLab asks OpSpawn for the lab image rather than the payload.
	SpawnLab = 2
)

// Fork kinds in Reply.Val of OpFork.
const (
	ForkedRaw      = 1 // a real fork(): the child runs the raw loop
	ForkedLabImage = 2 // the lab image spawned instead
)

// Sizes of the wire format.
const (
	// RecordSize is the size of a Request or Reply header.
	RecordSize = 32
	// ExecBufSize bounds an exec payload (path, argv and environment).
	ExecBufSize = 32 << 10
	// MaxPassFDs is how many descriptors one request may carry.
	MaxPassFDs = 4
)

// Request is a command header.
type Request struct {
	Op    Op
	Flags uint32
	Seq   uint64
	Arg0  int64
	Arg1  int64
}

// Reply is an answer (or an unasked OpHello / OpNote).
type Reply struct {
	Op    Op
	Errno syscall.Errno
	Seq   uint64
	PID   int64
	Val   int64
}

var ne = binary.NativeEndian

// Append appends the wire form of r and then payload to b.
func (r Request) Append(b []byte, payload []byte) []byte {
	b = ne.AppendUint32(b, uint32(r.Op))
	b = ne.AppendUint32(b, r.Flags)
	b = ne.AppendUint64(b, r.Seq)
	b = ne.AppendUint64(b, uint64(r.Arg0))
	b = ne.AppendUint64(b, uint64(r.Arg1))
	return append(b, payload...)
}

// ErrShort is returned for a record shorter than its header.
var ErrShort = errors.New("rawfork: short record")

// ParseRequest splits a received record into its header and payload.
func ParseRequest(b []byte) (Request, []byte, error) {
	if len(b) < RecordSize {
		return Request{}, nil, ErrShort
	}
	return Request{
		Op:    Op(ne.Uint32(b[0:])),
		Flags: ne.Uint32(b[4:]),
		Seq:   ne.Uint64(b[8:]),
		Arg0:  int64(ne.Uint64(b[16:])),
		Arg1:  int64(ne.Uint64(b[24:])),
	}, b[RecordSize:], nil
}

// Append appends the wire form of r to b.
func (r Reply) Append(b []byte) []byte {
	b = ne.AppendUint32(b, uint32(r.Op))
	b = ne.AppendUint32(b, uint32(r.Errno))
	b = ne.AppendUint64(b, r.Seq)
	b = ne.AppendUint64(b, uint64(r.PID))
	return ne.AppendUint64(b, uint64(r.Val))
}

// ParseReply decodes a received reply.
func ParseReply(b []byte) (Reply, error) {
	if len(b) < RecordSize {
		return Reply{}, ErrShort
	}
	return Reply{
		Op:    Op(ne.Uint32(b[0:])),
		Errno: syscall.Errno(ne.Uint32(b[4:])),
		Seq:   ne.Uint64(b[8:]),
		PID:   int64(ne.Uint64(b[16:])),
		Val:   int64(ne.Uint64(b[24:])),
	}, nil
}

// EncodeExec lays out an execve for a raw child, which turns the offsets
// into addresses in place without parsing anything: word 0 is the offset of
// the path, then one word per argv string and a 0, then one per environment
// string and a 0, then the NUL-terminated strings.
func EncodeExec(path string, argv, env []string) ([]byte, error) {
	if path == "" || len(argv) == 0 {
		return nil, errors.New("rawfork: exec needs a path and argv")
	}
	for _, s := range append(append([]string{path}, argv...), env...) {
		if strings.IndexByte(s, 0) >= 0 {
			return nil, fmt.Errorf("rawfork: %q contains a NUL byte", s)
		}
	}
	words := 1 + len(argv) + 1 + len(env) + 1
	size := words * 8
	for _, s := range argv {
		size += len(s) + 1
	}
	for _, s := range env {
		size += len(s) + 1
	}
	size += len(path) + 1
	if size > ExecBufSize {
		return nil, fmt.Errorf("rawfork: command and environment take %d bytes; at most %d fit", size, ExecBufSize)
	}
	b := make([]byte, words*8, size)
	put := func(word int, s string) {
		ne.PutUint64(b[word*8:], uint64(len(b)))
		b = append(b, s...)
		b = append(b, 0)
	}
	put(0, path)
	for i, s := range argv {
		put(1+i, s)
	}
	for i, s := range env {
		put(1+len(argv)+1+i, s)
	}
	return b, nil
}

// DecodeExec reads what EncodeExec wrote.
func DecodeExec(b []byte) (path string, argv, env []string, err error) {
	bad := errors.New("rawfork: malformed exec payload")
	str := func(off uint64) (string, bool) {
		if off >= uint64(len(b)) {
			return "", false
		}
		end := strings.IndexByte(string(b[off:]), 0)
		if end < 0 {
			return "", false
		}
		return string(b[off : off+uint64(end)]), true
	}
	if len(b) < 24 {
		return "", nil, nil, bad
	}
	var ok bool
	if path, ok = str(ne.Uint64(b)); !ok {
		return "", nil, nil, bad
	}
	list := &argv
	zeros := 0
	for i := 8; i+8 <= len(b) && zeros < 2; i += 8 {
		off := ne.Uint64(b[i:])
		if off == 0 {
			zeros++
			list = &env
			continue
		}
		s, ok := str(off)
		if !ok {
			return "", nil, nil, bad
		}
		*list = append(*list, s)
	}
	if zeros < 2 || len(argv) == 0 {
		return "", nil, nil, bad
	}
	return path, argv, env, nil
}
