package api

import (
	"container/list"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/singleflight"
)

// listCacheBytes bounds the memory of the kept list bodies: a first page
// of a conference's sessions is some 100 KB, so this keeps a few hundred
// pages across programmes, filters and pages.
const listCacheBytes = 32 << 20

// listCache keeps list bodies as the bytes written to clients, by key (a
// programme, its version, the list and whatever else shapes the bytes),
// least recently used first out once the bodies outgrow the budget. A
// version rises with every change to a programme and never goes back, so
// a body is never out of date under its key: once a newer version of a
// programme is kept, the older ones go, as nobody asks for them again.
type listCache struct {
	budget int

	mu     sync.Mutex
	used   int                      // bytes of the kept keys and bodies
	order  *list.List               // of *listEntry, most recently used first
	byKey  map[string]*list.Element // the elements of order by key
	slugs  map[string]*slugEntries  // what is kept of each programme
	flight singleflight.Group       // one encode of a key at a time

	// encodes counts the bodies built: tests see a request served from
	// kept bytes by this not rising.
	encodes atomic.Int64
}

// listEntry is one kept body.
type listEntry struct {
	key, slug string
	version   int64
	body      []byte
}

// slugEntries is the newest version of a programme kept and how many
// bodies of it are kept.
type slugEntries struct {
	version int64
	n       int
}

func newListCache(budget int) *listCache {
	return &listCache{budget: budget, order: list.New(), byKey: map[string]*list.Element{}, slugs: map[string]*slugEntries{}}
}

// body returns the body kept under key, or builds it with encode and
// keeps it. Requests that miss the same key at once share one encode: the
// moment after a change, every client asks for the new version. An
// error is returned to every caller waiting for it and kept by none.
func (c *listCache) body(key, slug string, version int64, encode func() ([]byte, error)) ([]byte, error) {
	if b, ok := c.get(key); ok {
		return b, nil
	}
	v, err, _ := c.flight.Do(key, func() (any, error) {
		// Another request may have kept it since this one looked.
		if b, ok := c.get(key); ok {
			return b, nil
		}
		b, err := encode()
		c.encodes.Add(1)
		if err != nil {
			return nil, err
		}
		c.put(&listEntry{key: key, slug: slug, version: version, body: b})
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

func (c *listCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*listEntry).body, true
}

// put keeps e unless it is larger than the whole budget or of an older
// version than one already kept (a request that read the version just
// before a change), then drops the least recently used bodies until the
// kept ones fit.
func (c *listCache) put(e *listEntry) {
	size := len(e.key) + len(e.body)
	if size > c.budget {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[e.key]; ok {
		return
	}
	se := c.slugs[e.slug]
	switch {
	case se != nil && e.version < se.version:
		return
	case se != nil && e.version > se.version:
		c.dropOlder(e.slug, e.version)
	}
	if se = c.slugs[e.slug]; se == nil {
		se = &slugEntries{version: e.version}
		c.slugs[e.slug] = se
	}
	se.n++
	c.byKey[e.key] = c.order.PushFront(e)
	c.used += size
	for c.used > c.budget {
		c.remove(c.order.Back())
	}
}

// dropOlder removes the bodies of slug older than version.
func (c *listCache) dropOlder(slug string, version int64) {
	for el := c.order.Front(); el != nil; {
		next := el.Next()
		if e := el.Value.(*listEntry); e.slug == slug && e.version < version {
			c.remove(el)
		}
		el = next
	}
}

func (c *listCache) remove(el *list.Element) {
	e := c.order.Remove(el).(*listEntry)
	delete(c.byKey, e.key)
	c.used -= len(e.key) + len(e.body)
	if se := c.slugs[e.slug]; se != nil {
		if se.n--; se.n == 0 {
			delete(c.slugs, e.slug)
		}
	}
}

// stats reports how many bodies are kept and their bytes.
func (c *listCache) stats() (n, used int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len(), c.used
}
