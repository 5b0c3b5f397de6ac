package sim

import (
	"sync"
	"testing"
)

func TestZZRepro(t *testing.T) {
	l := newTestLab(t, rawOpts())
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				var r Result
				var err error
				if g == 0 && i%5 == 0 {
					r, err = l.Run(l.Self(), nil)
				} else {
					r, err = l.Fork(l.Self())
				}
				if err != nil {
					t.Error(err)
					return
				}
				if g%2 == 1 {
					k, err := l.Fork(r.PID)
					if err != nil {
						t.Error(err)
						return
					}
					if _, err := l.Exit(k.PID, 1); err != nil {
						t.Error(err)
						return
					}
					if _, err := l.Wait(k.PID); err != nil {
						t.Error(err)
						return
					}
				}
				if _, err := l.Exit(r.PID, 2); err != nil {
					t.Error(err)
					return
				}
				if _, err := l.Wait(r.PID); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
