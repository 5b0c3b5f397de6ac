package sim

import (
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// labEnvSet is what OpSetEnv changed in the lab image's environment: the
// value by name, "" with unset true for a removed variable. The zero
// value is ready.
type labEnvSet struct {
	mu    sync.Mutex
	vals  map[string]string
	unset map[string]bool
}

// setEnv sets "KEY=VALUE" or unsets "KEY" in this process's environment.
func (s *labServer) setEnv(kv string) unix.Errno {
	k, v, set := strings.Cut(kv, "=")
	if k == "" || strings.ContainsAny(k, "=\x00") || strings.ContainsRune(v, 0) || k == envLab {
		return unix.EINVAL
	}
	e := &s.envSet
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.vals == nil {
		e.vals, e.unset = map[string]string{}, map[string]bool{}
	}
	if set {
		if err := os.Setenv(k, v); err != nil {
			return errnoOf(err)
		}
		e.vals[k] = v
		delete(e.unset, k)
		return 0
	}
	os.Unsetenv(k)
	delete(e.vals, k)
	e.unset[k] = true
	return 0
}

// envOverlay applies this process's changes to env, the environment
// proctui sent for a program it runs, so that the program inherits them
// as a child inherits its parent's environment.
func (s *labServer) envOverlay(env []string) []string {
	e := &s.envSet
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.vals) == 0 && len(e.unset) == 0 {
		return env
	}
	out := make([]string, 0, len(env)+len(e.vals))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if _, changed := e.vals[k]; changed || e.unset[k] {
			continue
		}
		out = append(out, kv)
	}
	for k, v := range e.vals {
		out = append(out, k+"="+v)
	}
	return out
}
