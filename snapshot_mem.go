package main

import (
	"encoding/json"
	"fmt"

	"github.com/proctui/proctui/proctree"
)

// jsonMemory is a process's /proc/PID/smaps_rollup in `snapshot --json
// --mem`, in bytes.
type jsonMemory struct {
	Rss          uint64 `json:"rss"`
	Pss          uint64 `json:"pss"`
	SharedClean  uint64 `json:"shared_clean"`
	SharedDirty  uint64 `json:"shared_dirty"`
	PrivateClean uint64 `json:"private_clean"`
	PrivateDirty uint64 `json:"private_dirty"`
	Anonymous    uint64 `json:"anonymous"`
	Swap         uint64 `json:"swap"`
}

// toJSONMemory encodes the rollup, or null when it could not be read
// (another user's process, a zombie, a platform without smaps_rollup).
func toJSONMemory(d *proctree.Details) (json.RawMessage, error) {
	if d == nil || d.SmapsErr != nil {
		return json.RawMessage("null"), nil
	}
	s := d.Smaps
	return json.Marshal(jsonMemory{
		Rss: s.Rss, Pss: s.Pss,
		SharedClean: s.SharedClean, SharedDirty: s.SharedDirty,
		PrivateClean: s.PrivateClean, PrivateDirty: s.PrivateDirty,
		Anonymous: s.Anonymous, Swap: s.Swap,
	})
}

// textMem prints pid's smaps_rollup below its line, in KiB as the kernel
// prints it, indented like the descriptor table.
func (p *snapshotPrinter) textMem(pid int, more bool) {
	lead := string(p.prefix)
	if more {
		lead += "│    "
	} else {
		lead += "     "
	}
	d, err := p.reader.Details(pid, proctree.WantSmaps)
	if err == nil {
		err = d.SmapsErr
	}
	if err != nil {
		fmt.Fprintf(p.w, "%smem: %s\n", lead, fdError(err))
		return
	}
	s := d.Smaps
	fmt.Fprintf(p.w, "%smem kB: rss %d pss %d shared_clean %d shared_dirty %d private_clean %d private_dirty %d anonymous %d swap %d\n",
		lead, s.Rss>>10, s.Pss>>10, s.SharedClean>>10, s.SharedDirty>>10, s.PrivateClean>>10, s.PrivateDirty>>10, s.Anonymous>>10, s.Swap>>10)
}
