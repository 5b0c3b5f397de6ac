package proctree

// sigRTMin is the first real-time signal a program can use. The kernel's
// SIGRTMIN is 32, but glibc keeps 32 and 33 for itself, so ps and kill -l
// name 34 SIGRTMIN; proctui follows them.
func sigRTMin() int { return 34 }
