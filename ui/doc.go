// Package ui draws proctui's screen: the process tree, the details of one
// process, the event log that narrates what the kernel did, the status line,
// the key help and the prompts. It is rendering only: every function turns
// data (proctree values and plain structs filled in by the model) into
// strings. It does no I/O, keeps no state between calls, and knows nothing of
// the lab or of Bubble Tea's event loop.
//
// Meaning never rests on colour alone: a process state is shown by its letter
// (as the kernel prints it), a symbol and, in the details pane, words. The
// mono theme therefore carries everything the coloured themes do.
//
// Rendering is built for large process tables. The model flattens the tree
// into a []Row once per poll (Flatten), and Render draws only the rows inside
// the visible window, so the cost of a frame depends on the screen size, not
// on the number of processes.
package ui
