package web

import "sync"

// boundedMap is a map safe for concurrent use that holds at most max
// entries: adding one to a full map first forgets them all. It suits values
// that are a pure function of their key (a page's frame, a session's
// decoded bytes), which can never be out of date, only unused, and are made
// again when asked for after a clear.
type boundedMap[K comparable, V any] struct {
	max int
	mu  sync.RWMutex
	m   map[K]V
}

func (b *boundedMap[K, V]) get(k K) (V, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	v, ok := b.m[k]
	return v, ok
}

func (b *boundedMap[K, V]) put(k K, v V) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil || len(b.m) >= b.max {
		b.m = make(map[K]V)
	}
	b.m[k] = v
}

// clear forgets every entry.
func (b *boundedMap[K, V]) clear() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m = nil
}

// len returns how many entries the map holds.
func (b *boundedMap[K, V]) len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.m)
}
