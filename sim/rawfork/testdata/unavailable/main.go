// Command unavailable prints what rawfork.Unavailable says in this build;
// TestInstrumentedChildRefused builds it with and without coverage of the
// fork child.
package main

import (
	"fmt"

	"github.com/proctui/proctui/sim/rawfork"
)

func main() {
	fmt.Println(rawfork.Unavailable())
}
