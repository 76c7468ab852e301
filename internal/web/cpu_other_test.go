//go:build !unix

package web

import (
	"testing"
	"time"
)

// processCPU is zero where getrusage is unknown.
func processCPU(b *testing.B) time.Duration { return 0 }
