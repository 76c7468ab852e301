//go:build !unix

package store

import (
	"context"
	"path/filepath"
	"sync"
)

// migrateLocks serialises migrations of one SQLite file within this process
// where flock is not available; separate processes are not locked out.
var migrateLocks sync.Map // absolute path -> *sync.Mutex

// lockFile takes this process's lock for path. ctx is not consulted: the
// lock is held only while another goroutine migrates.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	m, _ := migrateLocks.LoadOrStore(abs, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock, nil
}
