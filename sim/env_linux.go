package sim

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/proctui/proctui/sim/rawfork"
)

// setEnv sets "KEY=VALUE" (or unsets "KEY") in lab image pid.
func (st *state) setEnv(pid int, kv string) (Result, error) {
	if err := st.enter(); err != nil {
		return Result{}, err
	}
	defer st.leave()
	m, err := st.commandable(pid, "change its environment")
	if err != nil {
		return Result{}, err
	}
	if m.Kind != KindLabImage {
		return Result{}, errors.New("a lab image keeps an environment it can change; a forked child runs raw system calls only")
	}
	k, v, set := strings.Cut(kv, "=")
	if k == "" || strings.ContainsAny(k, " \t") {
		return Result{}, errors.New("write KEY=VALUE to set a variable, or KEY to unset it")
	}
	if _, err := fdCall(m, rawfork.Request{Op: rawfork.OpSetEnv}, []byte(kv), nil); err != nil {
		return Result{}, fmt.Errorf("changing %s in %d: %w", k, pid, err)
	}
	st.mu.Lock()
	m.EnvChanges = append(removeEnv(m.EnvChanges, k), kv)
	st.mu.Unlock()
	call := fmt.Sprintf("setenv(%q, %q)", k, v)
	if !set {
		call = fmt.Sprintf("unsetenv(%q)", k)
	}
	return Result{PID: pid, Syscall: call,
		Text: fmt.Sprintf("%s in %d: what it runs or spawns from now on inherits it; its own /proc/%d/environ still shows the environment as of its exec",
			call, pid, pid)}, nil
}

// removeEnv drops the change to k from list.
func removeEnv(list []string, k string) []string {
	out := list[:0]
	for _, kv := range list {
		if name, _, _ := strings.Cut(kv, "="); name != k {
			out = append(out, kv)
		}
	}
	return out
}

// envChanges is m's list of environment changes, read under the lock.
func (st *state) envChanges(m *member) []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return slices.Clone(m.EnvChanges)
}

// withEnv is env with changes applied: "KEY=VALUE" sets KEY, "KEY" unsets
// it, as setenv() and unsetenv() would have in the process's memory.
func withEnv(env, changes []string) []string {
	if len(changes) == 0 {
		return env
	}
	out := make([]string, 0, len(env)+len(changes))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(changes, func(c string) bool {
			name, _, _ := strings.Cut(c, "=")
			return name == k
		}) {
			out = append(out, kv)
		}
	}
	for _, c := range changes {
		if strings.Contains(c, "=") {
			out = append(out, c)
		}
	}
	return out
}
