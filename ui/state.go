package ui

// The letters are the ones the kernel prints in /proc/PID/stat (see
// fs/proc/array.c, task_state_array). Each gets a symbol so a state can be
// told apart without colour, and words for the details pane.

// StateSymbol is the symbol drawn beside a state letter.
func StateSymbol(state byte) string {
	switch state {
	case 'R':
		return "▶"
	case 'S':
		return "●"
	case 'D':
		return "◆"
	case 'Z':
		return "✝"
	case 'T', 't':
		return "■"
	case 'I':
		return "○"
	case 'X', 'x':
		return "✗"
	case 'P':
		return "◇"
	case 'W', 'K':
		return "◇"
	}
	return "?"
}

// StateWords says what a state letter means.
func StateWords(state byte) string {
	switch state {
	case 'R':
		return "running"
	case 'S':
		return "sleeping"
	case 'D':
		return "waiting on I/O (uninterruptible)"
	case 'Z':
		return "zombie"
	case 'T':
		return "stopped"
	case 't':
		return "stopped by a debugger"
	case 'I':
		return "idle kernel thread"
	case 'X', 'x':
		return "dead"
	case 'P':
		return "parked"
	case 'W':
		return "paging"
	case 'K':
		return "wakekill"
	}
	return "unknown state"
}

// Class groups a state letter with the ones drawn in the same style.
func Class(state byte) StateClass {
	switch state {
	case 'R':
		return StateRunning
	case 'S':
		return StateSleeping
	case 'D':
		return StateDisk
	case 'Z', 'X', 'x':
		return StateZombie
	case 'T', 't':
		return StateStopped
	case 'I':
		return StateIdle
	}
	return StateOther
}

func stateLetter(state byte) string {
	if state < 0x21 || state > 0x7e {
		return "?"
	}
	return string(rune(state))
}
