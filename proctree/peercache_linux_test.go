package proctree

import (
	"os"
	"slices"
	"testing"
	"time"
)

// cachedPeers reads pid's table and links it through c, returning the
// endpoints of descriptor fd.
func cachedPeers(t *testing.T, c *PeerCache, pid, fd int, others map[int]string, now time.Time) []endpoint {
	t.Helper()
	d, err := NewProcReader("").Details(pid, WantFDs)
	if err != nil || d.FDErr != nil {
		t.Fatalf("Details(%d): %v %v", pid, err, d.FDErr)
	}
	c.Link(d, "sleep", others, now)
	var got []endpoint
	for _, p := range d.Peers[fd] {
		got = append(got, endpoint{p.PID, p.FD})
	}
	return got
}

func TestPeerCacheRereadsOnlyWhatChanged(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	reader := startSleep(t, r, nil)
	r.Close()
	writer1 := startSleep(t, nil, w)
	self, wfd := os.Getpid(), int(w.Fd())
	others := map[int]string{writer1: "sleep", self: "test"}
	var c PeerCache
	now := time.Now()

	want := []endpoint{{writer1, 1}, {self, wfd}}
	sortEndpoints(want)
	if got := cachedPeers(t, &c, reader, 0, others, now); !slices.Equal(got, want) {
		t.Fatalf("first link: peers %v, want %v", got, want)
	}
	if c.reads != 2 {
		t.Fatalf("first link read %d tables, want 2", c.reads)
	}
	if fresh := ourPeers(t, reader, others); !slices.Equal(fresh[0], want) {
		t.Fatalf("LinkPeers says %v, the cache %v", fresh[0], want)
	}

	// Nothing changed: nothing is read again.
	now = now.Add(time.Second)
	if got := cachedPeers(t, &c, reader, 0, others, now); !slices.Equal(got, want) || c.reads != 2 {
		t.Fatalf("second link: peers %v after %d reads, want %v after 2", got, c.reads, want)
	}

	// A new candidate is read; the others are not.
	writer2 := startSleep(t, nil, w)
	others[writer2] = "sleep"
	want = append(want, endpoint{writer2, 1})
	sortEndpoints(want)
	if got := cachedPeers(t, &c, reader, 0, others, now); !slices.Equal(got, want) || c.reads != 3 {
		t.Fatalf("new writer: peers %v after %d reads, want %v after 3", got, c.reads, want)
	}

	// The test process closes its end. The cache still has the old table
	// until the table is too old or the cache is told.
	w.Close()
	if got := cachedPeers(t, &c, reader, 0, others, now); !slices.Contains(got, endpoint{self, wfd}) {
		t.Fatalf("within MaxAge the remembered table is used: peers %v", got)
	}
	want = []endpoint{{writer1, 1}, {writer2, 1}}
	sortEndpoints(want)
	if got := cachedPeers(t, &c, reader, 0, others, now.Add(DefaultPeerMaxAge)); !slices.Equal(got, want) {
		t.Fatalf("after MaxAge: peers %v, want %v", got, want)
	}
	before := c.reads
	c.Invalidate()
	if got := cachedPeers(t, &c, reader, 0, others, now.Add(DefaultPeerMaxAge)); !slices.Equal(got, want) || c.reads != before+3 {
		t.Fatalf("after Invalidate: peers %v after %d reads, want %v after %d", got, c.reads, want, before+3)
	}

	// A candidate that leaves the set is forgotten and not linked.
	delete(others, writer1)
	if got := cachedPeers(t, &c, reader, 0, others, now.Add(DefaultPeerMaxAge)); !slices.Equal(got, []endpoint{{writer2, 1}}) {
		t.Fatalf("writer1 left the candidates: peers %v", got)
	}
	if _, ok := c.tables[writer1]; ok {
		t.Fatal("a pid no longer a candidate is still remembered")
	}
}

// BenchmarkPeerLink links a process holding a pipe against 45 other
// processes (about one screen of rows), with and without the cache: the
// cost the details pane pays on every refresh.
func BenchmarkPeerLink(b *testing.B) {
	snap, err := NewProcReader("").Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	others := map[int]string{}
	for _, p := range snap.Procs {
		if len(others) == 45 {
			break
		}
		others[p.PID] = p.Comm
	}
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	d, err := NewProcReader("").Details(os.Getpid(), WantFDs)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("uncached", func(b *testing.B) {
		for b.Loop() {
			LinkPeers(d, "test", others)
		}
	})
	b.Run("cached", func(b *testing.B) {
		var c PeerCache
		now := time.Now()
		for b.Loop() {
			c.Link(d, "test", others, now)
		}
	})
}
