package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSnapshotMem: --mem adds each process's smaps_rollup; without it
// there is no "memory" at all (the kernel's page-table walk is not paid).
func TestSnapshotMem(t *testing.T) {
	requireLinux(t)
	bin := proctuiBinary(t, "")
	r := runBinary(t, bin, nil, "snapshot", "--json", "--mem")
	if r.status != 0 {
		t.Fatalf("status %d: %s", r.status, r.stderr)
	}
	var out struct {
		Processes []struct {
			PID    int                         `json:"pid"`
			Memory *map[string]json.RawMessage `json:"memory"`
		} `json:"processes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	var found bool
	for _, p := range out.Processes {
		if p.PID != r.pid {
			continue
		}
		found = true
		if p.Memory == nil {
			t.Fatalf("no memory for the snapshot process itself:\n%s", r.stdout)
		}
		mem := *p.Memory
		for _, k := range []string{"rss", "pss", "shared_clean", "shared_dirty", "private_clean", "private_dirty", "anonymous", "swap"} {
			if _, ok := mem[k]; !ok {
				t.Errorf("memory lacks %q: %v", k, mem)
			}
		}
		var rss, priv uint64
		json.Unmarshal(mem["rss"], &rss)
		json.Unmarshal(mem["private_dirty"], &priv)
		if rss == 0 || priv == 0 || priv > rss {
			t.Errorf("rss %d, private_dirty %d: a running Go program has both, private within rss", rss, priv)
		}
	}
	if !found {
		t.Fatalf("the snapshot process %d is not in its output", r.pid)
	}

	r = runBinary(t, bin, nil, "snapshot", "--json")
	if strings.Contains(r.stdout, `"memory"`) {
		t.Errorf("memory without --mem:\n%s", r.stdout)
	}
	r = runBinary(t, bin, nil, "snapshot", "--mem")
	if r.status != 0 || !strings.Contains(r.stdout, "mem kB: rss ") {
		t.Errorf("text with --mem: status %d\n%s", r.status, r.stdout)
	}
}

func TestCowMiBFlag(t *testing.T) {
	for _, bad := range []string{"-1", "4097"} {
		if _, err := parseTUI([]string{"--cow-mib", bad}); err == nil || !strings.Contains(err.Error(), "--cow-mib must be 0 (off) to 4096") {
			t.Errorf("--cow-mib %s: %v", bad, err)
		}
	}
	if _, err := parseTUI([]string{"--cow-mib", "lots"}); err == nil || !strings.Contains(err.Error(), "not a valid number") {
		t.Errorf("--cow-mib lots: %v", err)
	}
	for arg, want := range map[string]int{"0": 0, "64": 64} {
		o, err := parseTUI([]string{"--cow-mib", arg})
		if err != nil || o.cowMiB != want {
			t.Errorf("--cow-mib %s: %d, %v", arg, o.cowMiB, err)
		}
	}
	if o, _ := parseTUI(nil); o.cowMiB != 32 {
		t.Errorf("default --cow-mib %d, want 32", o.cowMiB)
	}
}
