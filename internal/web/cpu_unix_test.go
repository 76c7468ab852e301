//go:build unix

package web

import (
	"syscall"
	"testing"
	"time"
)

// processCPU returns the CPU time the process spent so far, in user and
// system mode, all threads (the garbage collector's too).
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
