package feeds

import (
	"container/list"
	"sync"
)

// Bounds of the cache of rendered feed bodies that NewService sets up. A
// programme 20 times the demo's size renders about 125 KB per feed, so the
// byte bound is the one that bites first for large programmes and the entry
// bound for small ones.
const (
	// DefaultCacheEntries is the most feed bodies a Service keeps.
	DefaultCacheEntries = 512
	// DefaultCacheBytes is the most bytes of feed bodies a Service keeps.
	DefaultCacheBytes = 32 << 20
)

// bodyCache keeps rendered feed bodies in memory, least recently used out
// first, bounded both in entries and in bytes. Rendering loads the whole
// programme and encodes it (milliseconds to tens of milliseconds), while
// calendars poll the same unchanged feed over and over: a hit costs only the
// two queries of Lookup that every request makes anyway.
//
// An entry is found by the token and is served only while the ETag it was
// rendered under is the feed's current one. The ETag alone cannot be the
// key: the body embeds the token (in each event's URL), and a rotated token
// keeps its row, so two tokens can share an ETag. Since the ETag covers
// everything else a body depends on (the programme's version, the feed's
// subject, the day and the encoder's format version), a changed programme
// gives a new ETag, and the old body is never served again but replaced by
// the new one. One entry per token also means that old versions never pile
// up.
//
// A nil *bodyCache caches nothing. All methods are safe for concurrent use.
type bodyCache struct {
	maxEntries int
	maxBytes   int

	mu      sync.Mutex
	size    int                      // bytes held, as counted by cost
	order   *list.List               // of *cacheEntry, most recently used first
	byToken map[string]*list.Element // token → element of order
}

type cacheEntry struct {
	token string
	etag  string
	body  []byte
}

// cost is what an entry counts against the byte bound.
func (e *cacheEntry) cost() int { return len(e.body) + len(e.token) + len(e.etag) }

// newBodyCache returns a cache of at most maxEntries bodies and maxBytes bytes.
func newBodyCache(maxEntries, maxBytes int) *bodyCache {
	return &bodyCache{
		maxEntries: maxEntries,
		maxBytes:   maxBytes,
		order:      list.New(),
		byToken:    map[string]*list.Element{},
	}
}

// get returns the body rendered for token under etag. A body rendered under
// another ETag is never returned; it stays until put replaces it, since it
// may be the newer one (a request that looked its feed up before an import
// asks with the older ETag). Callers must not modify the body, which is
// shared.
func (c *bodyCache) get(token, etag string) ([]byte, bool) {
	if c == nil || etag == "" {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byToken[token]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if e.etag != etag {
		return nil, false
	}
	c.order.MoveToFront(el)
	// The full slice expression keeps an append by a caller from writing
	// into the cached array.
	return e.body[:len(e.body):len(e.body)], true
}

// put keeps body as token's feed under etag, replacing what token had, and
// evicts the least recently used entries beyond the bounds. A body larger
// than the whole byte bound is not kept. The cache keeps body as it is:
// callers must not modify it afterwards.
func (c *bodyCache) put(token, etag string, body []byte) {
	if c == nil || etag == "" {
		return
	}
	e := &cacheEntry{token: token, etag: etag, body: body}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byToken[token]; ok {
		c.remove(el)
	}
	if e.cost() > c.maxBytes || c.maxEntries <= 0 {
		return
	}
	c.byToken[token] = c.order.PushFront(e)
	c.size += e.cost()
	for c.order.Len() > c.maxEntries || c.size > c.maxBytes {
		c.remove(c.order.Back())
	}
}

// remove drops one entry; c.mu must be held.
func (c *bodyCache) remove(el *list.Element) {
	e := c.order.Remove(el).(*cacheEntry)
	delete(c.byToken, e.token)
	c.size -= e.cost()
}

// stats returns how many entries and bytes the cache holds.
func (c *bodyCache) stats() (entries, bytes int) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len(), c.size
}
