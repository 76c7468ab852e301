package feeds

import (
	"container/list"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds of the cache of rendered feed bodies that NewService sets up. A
// programme 20 times the demo's size renders about 125 KB per feed, so the
// byte bound is the one that bites first for large programmes and the entry
// bound for small ones.
const (
	// DefaultCacheEntries is the most feed bodies a Service keeps: every
	// feed of a conference of 2,000 delegates (about 4,100 feeds) fits, as
	// gzip bodies at least (about 15 MB; see bodyCache.shrink).
	DefaultCacheEntries = 8192
	// DefaultCacheBytes is the most bytes of feed bodies a Service keeps,
	// plain and gzip together (a gzip body adds 7–30% to its plain one).
	DefaultCacheBytes = 96 << 20
	// maxValidators bounds the validators kept for feeds whose bodies were
	// evicted (about 150 bytes each): beyond it they are all forgotten.
	maxValidators = 1 << 20
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
// An entry may also hold the body compressed with gzip (see gzip.go), made
// from that entry's plain body and dropped with it, so that it can never
// outlive the version it was made from. Both count against the byte bound.
//
// Every entry also remembers when the database last confirmed that its token
// works, for the outage fallback (see stale.go), and whose feed it is, so that
// revoking or rotating the feed drops it. Since a request may render a body
// after a revocation dropped its token (it looked the token up just before),
// every drop starts a new epoch, and a body or confirmation from a lookup
// that began in an earlier epoch is not kept.
//
// A nil *bodyCache caches nothing. All methods are safe for concurrent use.
type bodyCache struct {
	maxEntries int
	maxBytes   int
	// maxValidators is the package's constant but in tests.
	maxValidators int

	// mu is read-locked only by confirmCurrent's fast path, which writes
	// nothing; every other method locks it.
	mu      sync.RWMutex
	size    int                      // bytes held, as counted by cost
	order   *list.List               // of *cacheEntry, most recently used first
	byToken map[string]*list.Element // token → element of order
	// moves counts the entries put or moved to the front of order (see
	// toFront): an entry moved there fewer than Len/4 moves ago is still in
	// the front quarter, and a use of it need not move it again.
	moves uint64
	// epoch is raised by every drop, with mu held; a lookup reads it
	// without (see currentEpoch).
	epoch atomic.Uint64
	// validators keeps, by token, what the latest body rendered for it was
	// rendered from and its ETag, also once the body is evicted: a 304 needs
	// only these, and a feed whose body did not fit still answers one
	// without being rendered again.
	validators map[string]validator
	// pages lists, by token, the keys of the token's page entries (see
	// pages.go), so that dropping the token drops them too.
	pages map[string][]string
	// refreshes holds the keys of the page entries being rendered again
	// in the background (see StalePage), with mu held; refreshing counts
	// them down and refreshesStarted counts those StalePage started.
	// freed, when not nil, is closed (and forgotten) as the next of them
	// ends: what RefreshPages waits on while every slot is taken.
	refreshes        map[string]struct{}
	refreshing       sync.WaitGroup
	refreshesStarted atomic.Int64
	freed            chan struct{}
	// reads holds, by key, the page entries requests read lately, which
	// RefreshPages renders again as their interval ends (page_refresh.go).
	reads map[string]*pageRead
	// answers keeps the feeds LookupInMemory worked out from the entries
	// (answers.go). Every change to a feed's entry or validator deletes
	// its answer, with mu held.
	answers *answers
}

// validator is what a rendered body was rendered from, and its ETag.
type validator struct {
	// version and day are the programme version and the UTC day the body
	// was worked out for: while both are current, so is etag.
	version int64
	day     time.Time
	etag    string
	// lastModified is when the body's bytes last changed, as far as this
	// process knows.
	lastModified time.Time
	subject      string
	// lastModifiedText and gzipETag are lastModified as an HTTP date and
	// the ETag of the gzip encoding, made once rather than per request.
	lastModifiedText string
	gzipETag         string
	// fingerprint is ical.Fingerprint of what the body was encoded from:
	// a render of the same would make the same bytes (see unchanged).
	fingerprint uint64
	// etagValues holds etag and gzipETag, each the value of an ETag
	// header (see Feed.ETagValue); nil when not made. A pointer, one
	// word of a validator that every poll copies.
	etagValues *[2]string
}

type cacheEntry struct {
	token string
	etag  string
	body  []byte
	// gz is body compressed with gzip, nil until putGzip adds it.
	gz []byte
	// subject names the feed the token belongs to (see subjectKey).
	subject string
	// confirmed is when a database query that found the token working
	// began: the latest instant the token is known not to be revoked.
	confirmed time.Time
	// moved is the cache's moves when the entry last went to the front.
	moved uint64
	// version, day and lastModified are the body's validator's (see
	// validator); version is 0 for a body kept by put.
	version      int64
	day          time.Time
	lastModified time.Time
	// val is a copy of the token's validator, which the cache's
	// validators holds too, or zero: confirmCurrent's fast path then
	// reads the entry alone, not the validators too. Only keep sets it,
	// as it sets the validator, and forgetValidators zeroes it as it
	// drops them: an entry never holds a validator the cache no longer
	// has. (A zero val never matches: its etag is empty, the entry's not.)
	val validator
	// owner is the token of a page entry (see pages.go), whose key is not
	// the token itself; empty for a feed body. from and until bound the
	// instants the page's bytes hold for, and staleUntil those they may be
	// served for while they are rendered again.
	owner                   string
	from, until, staleUntil time.Time
}

// lookupStamp is what a successful lookup knows about its token, for keeping
// what it renders: whose feed it is, when the query that found it began, and
// the cache's epoch then.
type lookupStamp struct {
	subject   string
	confirmed time.Time
	epoch     uint64
}

// subjectKey names a feed in the cache, whatever its token.
func subjectKey(slug, kind, key string) string { return slug + "\x00" + kind + "\x00" + key }

// cost is what an entry counts against the byte bound: both bodies and the
// keys.
func (e *cacheEntry) cost() int { return len(e.body) + len(e.gz) + len(e.token) + len(e.etag) }

// newBodyCache returns a cache of at most maxEntries bodies and maxBytes bytes.
func newBodyCache(maxEntries, maxBytes int) *bodyCache {
	return &bodyCache{
		maxEntries:    maxEntries,
		maxBytes:      maxBytes,
		maxValidators: maxValidators,
		order:         list.New(),
		byToken:       map[string]*list.Element{},
		validators:    map[string]validator{},
		pages:         map[string][]string{},
		refreshes:     map[string]struct{}{},
		reads:         map[string]*pageRead{},
		answers:       newAnswers(),
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
	if e.etag != etag || e.body == nil {
		return nil, false
	}
	c.toFront(el)
	// The full slice expression keeps an append by a caller from writing
	// into the cached array.
	return e.body[:len(e.body):len(e.body)], true
}

// current returns the validator of token's feed when it was rendered from
// version on day, with the body when it is still kept (else nil). Callers
// must not modify the body, which is shared.
func (c *bodyCache) current(token string, version int64, day time.Time) (validator, []byte, bool) {
	if c == nil {
		return validator{}, nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.validators[token]
	if !ok || v.version != version || !v.day.Equal(day) {
		return validator{}, nil, false
	}
	if el, ok := c.byToken[token]; ok {
		if e := el.Value.(*cacheEntry); e.etag == v.etag && e.body != nil {
			c.toFront(el)
			return v, e.body[:len(e.body):len(e.body)], true
		}
	}
	return v, nil, true
}

// previous returns the latest validator of token's feed, whatever it was
// rendered from.
func (c *bodyCache) previous(token string) (validator, bool) {
	if c == nil {
		return validator{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.validators[token]
	return v, ok
}

// put keeps body as token's feed under etag, replacing what token had, and
// evicts the least recently used entries beyond the bounds. A body larger
// than the whole byte bound is not kept, nor one whose lookup began before
// the latest drop (stamp's epoch is older), since its token may have been
// revoked since. The cache keeps body as it is: callers must not modify it
// afterwards.
func (c *bodyCache) put(token, etag string, body []byte, stamp lookupStamp) {
	c.keep(token, validator{etag: etag}, body, stamp)
}

// keep is put with the body's validator, which current finds as long as the
// programme version and day are the same, even once the body is evicted.
func (c *bodyCache) keep(token string, v validator, body []byte, stamp lookupStamp) {
	if c == nil || v.etag == "" {
		return
	}
	e := &cacheEntry{token: token, etag: v.etag, body: body, subject: stamp.subject, confirmed: stamp.confirmed,
		version: v.version, day: v.day, lastModified: v.lastModified}
	c.mu.Lock()
	defer c.mu.Unlock()
	if stamp.epoch != c.epoch.Load() {
		return
	}
	c.answers.drop(token)
	if v.version != 0 {
		if len(c.validators) >= c.maxValidators {
			c.forgetValidators()
		}
		v.subject = stamp.subject
		c.validators[token] = v
		e.val = v
	}
	if el, ok := c.byToken[token]; ok {
		c.remove(el)
	}
	if e.cost() > c.maxBytes || c.maxEntries <= 0 {
		return
	}
	el := c.pushFront(e)
	c.byToken[token] = el
	c.size += e.cost()
	c.shrink(el)
}

// unchanged is keep without the body, for a render that would make the
// bytes token's entry holds: token's latest validator was encoded from
// what has fingerprint fp, and the entry still holds that body, plain
// or gzip. The validator and the entry become those of version and day,
// with the same ETag and Last-Modified, as keep would have made them of a
// new render; the plain body is returned (nil when only the gzip one is
// kept). Like keep it refuses a lookup that began before the latest drop
// (stamp's epoch is older).
func (c *bodyCache) unchanged(token string, fp uint64, version int64, day time.Time, stamp lookupStamp) (validator, []byte, bool) {
	if c == nil || fp == 0 || version == 0 {
		return validator{}, nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if stamp.epoch != c.epoch.Load() {
		return validator{}, nil, false
	}
	v, ok := c.validators[token]
	if !ok || v.fingerprint != fp {
		return validator{}, nil, false
	}
	el, ok := c.byToken[token]
	if !ok {
		return validator{}, nil, false
	}
	e := el.Value.(*cacheEntry)
	if e.etag != v.etag || (e.body == nil && e.gz == nil) {
		return validator{}, nil, false
	}
	v.version, v.day, v.subject = version, day, stamp.subject
	c.answers.drop(token)
	c.validators[token] = v
	e.version, e.day, e.subject, e.confirmed = version, day, stamp.subject, stamp.confirmed
	e.val = v
	c.toFront(el)
	return v, e.body[:len(e.body):len(e.body)], true
}

// forgetValidators drops every validator, and the entries' copies of
// them; c.mu must be held.
func (c *bodyCache) forgetValidators() {
	clear(c.validators)
	c.answers.dropAll()
	for el := c.order.Front(); el != nil; el = el.Next() {
		e := el.Value.(*cacheEntry)
		e.val = validator{}
	}
}

// shrink brings the cache within its bounds. Over either bound, it first
// drops agenda pages; over the byte bound, it then drops the plain bodies
// of the least recently used entries that have a gzip body, which is a tenth of the size and from which Render makes the
// plain body again without rendering; then whole entries, least recently
// used first. So all of a conference's feeds stay in memory in at least
// one form. kept, the entry just added or grown, loses nothing: it fits
// the bound alone.
func (c *bodyCache) shrink(kept *list.Element) {
	// Agenda pages (pages.go) go first, least recently used first: one is
	// rendered again within the minute, while a feed is polled for hours.
	for el := c.order.Back(); el != nil && (c.size > c.maxBytes || c.order.Len() > c.maxEntries); {
		prev := el.Prev()
		if el != kept && el.Value.(*cacheEntry).owner != "" {
			c.remove(el)
		}
		el = prev
	}
	for el := c.order.Back(); el != nil && c.size > c.maxBytes; el = el.Prev() {
		if e := el.Value.(*cacheEntry); el != kept && e.body != nil && e.gz != nil {
			c.size -= len(e.body)
			e.body = nil
			c.answers.drop(e.token)
		}
	}
	for c.order.Len() > c.maxEntries || c.size > c.maxBytes {
		c.remove(c.order.Back())
	}
}

// getGzip returns the gzip body of token's feed under etag, on the same
// terms as get. It misses while the entry has no gzip body yet. Callers must
// not modify the body, which is shared.
func (c *bodyCache) getGzip(token, etag string) ([]byte, bool) {
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
	if e.etag != etag || e.gz == nil {
		return nil, false
	}
	c.toFront(el)
	return e.gz[:len(e.gz):len(e.gz)], true
}

// putGzip adds gz, the gzip form of body, to token's entry, but only while
// that entry still holds this very body (the same array, as get or put gave
// it out). The gzip body thereby always belongs to the plain body it was made
// from, under whatever ETag that body is kept: if the entry has been replaced
// by another version since body was rendered, or evicted, gz is not kept.
// An entry that would alone exceed the byte bound keeps its plain body only;
// otherwise the least recently used other entries make room. The cache keeps
// gz as it is: callers must not modify it afterwards.
func (c *bodyCache) putGzip(token string, body, gz []byte) {
	if c == nil || len(body) == 0 || gz == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byToken[token]
	if !ok {
		return
	}
	e := el.Value.(*cacheEntry)
	// Two requests may compress the same body at once; the first one kept
	// is as good as the second, since compression is deterministic.
	if e.gz != nil || len(e.body) != len(body) || &e.body[0] != &body[0] {
		return
	}
	if e.cost()+len(gz) > c.maxBytes {
		return
	}
	e.gz = gz
	c.size += len(gz)
	c.toFront(el)
	// e is at the front and fits the bound alone, so this stops before it.
	c.shrink(el)
}

// restorePlain gives back to token's entry the plain body made from its
// gzip body gz, but only while the entry still holds that very gzip body
// (the same array) and no plain one, so that a feed polled often keeps both
// forms and the plain bodies dropped are those of feeds polled least.
func (c *bodyCache) restorePlain(token string, gz, body []byte) {
	if c == nil || len(gz) == 0 || len(body) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byToken[token]
	if !ok {
		return
	}
	e := el.Value.(*cacheEntry)
	if e.body != nil || len(e.gz) != len(gz) || &e.gz[0] != &gz[0] || e.cost()+len(body) > c.maxBytes {
		return
	}
	e.body = body
	c.size += len(body)
	c.answers.drop(token)
	c.toFront(el)
	c.shrink(el)
}

// remove drops one entry; c.mu must be held.
func (c *bodyCache) remove(el *list.Element) {
	e := c.order.Remove(el).(*cacheEntry)
	delete(c.byToken, e.token)
	c.size -= e.cost()
	if e.owner == "" {
		c.answers.drop(e.token)
	} else {
		keys := c.pages[e.owner]
		for i, k := range keys {
			if k == e.token {
				keys = append(keys[:i], keys[i+1:]...)
				break
			}
		}
		if len(keys) == 0 {
			delete(c.pages, e.owner)
		} else {
			c.pages[e.owner] = keys
		}
	}
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

// last returns whatever token's entry holds, under any ETag: the last body
// rendered for it, and its gzip body when one was made, provided the token
// was confirmed to work at notBefore or later.
func (c *bodyCache) last(token string, notBefore time.Time) (etag string, body, gz []byte, ok bool) {
	if c == nil {
		return "", nil, nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byToken[token]
	if !ok {
		return "", nil, nil, false
	}
	e := el.Value.(*cacheEntry)
	if e.confirmed.Before(notBefore) {
		return "", nil, nil, false
	}
	return e.etag, e.body[:len(e.body):len(e.body)], e.gz[:len(e.gz):len(e.gz)], true
}

// currentEpoch returns the epoch a lookup starting now belongs to.
func (c *bodyCache) currentEpoch() uint64 {
	if c == nil {
		return 0
	}
	return c.epoch.Load()
}

// confirm records that a query beginning at at found token working, unless
// a drop came after that query began (epoch is older).
func (c *bodyCache) confirm(token string, at time.Time, epoch uint64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byToken[token]
	if !ok || epoch != c.epoch.Load() {
		return
	}
	if e := el.Value.(*cacheEntry); at.After(e.confirmed) {
		e.confirmed = at
	}
}

// confirmCurrent is confirm and then current, under one lock: what every
// feed request does.
func (c *bodyCache) confirmCurrent(token string, at time.Time, epoch uint64, version int64, day time.Time) (validator, []byte, bool) {
	if c == nil {
		return validator{}, nil, false
	}
	if v, body, done := c.confirmedAlready(token, at, epoch, version, day); done {
		return v, body, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, kept := c.byToken[token]
	if kept && epoch == c.epoch.Load() {
		if e := el.Value.(*cacheEntry); at.After(e.confirmed) {
			e.confirmed = at
		}
	}
	v, ok := c.validators[token]
	if !ok || v.version != version || !v.day.Equal(day) {
		return validator{}, nil, false
	}
	if kept {
		if e := el.Value.(*cacheEntry); e.etag == v.etag && e.body != nil {
			c.toFront(el)
			return v, e.body[:len(e.body):len(e.body)], true
		}
	}
	return v, nil, true
}

// confirmedAlready is confirmCurrent's fast path, under the read lock, for
// the case of nearly every poll: the body is kept and current, its entry
// already confirmed at at or later and in the front quarter of order, so
// that there is nothing to write. done is false when confirmCurrent must
// take the write lock (and ask again). It reads the validator from the
// entry (see cacheEntry.val), which saves the lookup in validators: an
// entry holds one only while validators holds the same for its token.
func (c *bodyCache) confirmedAlready(token string, at time.Time, epoch uint64, version int64, day time.Time) (v validator, body []byte, done bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	el, kept := c.byToken[token]
	if !kept {
		return validator{}, nil, false
	}
	e := el.Value.(*cacheEntry)
	if at.After(e.confirmed) || c.moves-e.moved >= uint64(c.order.Len()/4) || epoch != c.epoch.Load() {
		return validator{}, nil, false
	}
	if e.val.version != version || !e.val.day.Equal(day) || e.etag != e.val.etag || e.body == nil {
		return validator{}, nil, false
	}
	return e.val, e.body[:len(e.body):len(e.body)], true
}

// toFront marks el the most recently used; c.mu must be held.
func (c *bodyCache) toFront(el *list.Element) {
	c.moves++
	el.Value.(*cacheEntry).moved = c.moves
	c.order.MoveToFront(el)
}

// pushFront adds e as the most recently used; c.mu must be held.
func (c *bodyCache) pushFront(e *cacheEntry) *list.Element {
	c.moves++
	e.moved = c.moves
	return c.order.PushFront(e)
}

// dropToken forgets token's entry. With always false it starts a new epoch
// only when there was one, so that a stream of unknown tokens does not keep
// the cache from filling.
func (c *bodyCache) dropToken(token string, always bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byToken[token]
	if ok {
		c.remove(el)
	}
	for _, key := range c.pages[token] {
		if el := c.byToken[key]; el != nil {
			c.remove(el)
			ok = true
		}
	}
	if _, known := c.validators[token]; known {
		delete(c.validators, token)
		ok = true
	}
	if ok || always {
		c.newEpoch()
	}
}

// dropSubject forgets every entry of the feed named by subject (see
// subjectKey), whatever its token, and starts a new epoch.
func (c *bodyCache) dropSubject(subject string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for el := c.order.Front(); el != nil; {
		next := el.Next()
		if el.Value.(*cacheEntry).subject == subject {
			c.remove(el)
		}
		el = next
	}
	for token, v := range c.validators {
		if v.subject == subject {
			delete(c.validators, token)
		}
	}
	c.newEpoch()
}

// newEpoch starts a new epoch (see bodyCache), in which every answer is
// worked out again: an answer's lookup stamp must be of the current epoch,
// or a body its feed renders is not kept. c.mu is held for writing.
func (c *bodyCache) newEpoch() {
	c.epoch.Add(1)
	c.answers.dropAll()
}

// answer is answers.give: token's kept answer, if it still holds.
func (c *bodyCache) answer(token string, now time.Time, memChanges uint64, trusted, checked int64, f *Feed) bool {
	return c != nil && c.answers.give(token, now, memChanges, trusted, checked, f)
}

// remember keeps f, which LookupInMemory just worked out for day under
// memory's counter memChanges, as token's answer (see answers), if the
// cache still holds what f was given from: in f's epoch, the token's
// validator with f's ETag, version and day, and f's very body when it has
// one. It holds the read lock, so that no change to the entry comes
// between that check and the answer kept.
func (c *bodyCache) remember(token string, f *Feed, day time.Time, memChanges uint64) {
	if c == nil {
		return
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if f.stamp.epoch != c.epoch.Load() {
		return
	}
	v, ok := c.validators[token]
	if !ok || v.etag != f.ETag || v.version != f.Version || !v.day.Equal(day) {
		return
	}
	if f.body != nil {
		el, ok := c.byToken[token]
		if !ok {
			return
		}
		if e := el.Value.(*cacheEntry); e.etag != v.etag || len(e.body) == 0 || len(e.body) != len(f.body) || &e.body[0] != &f.body[0] {
			return
		}
	}
	c.answers.keep(token, f, day, memChanges)
}

// tokens lists the tokens the cache holds bodies or pages for, and the
// epoch then.
func (c *bodyCache) tokens() ([]string, uint64) {
	if c == nil {
		return nil, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.byToken))
	for token, el := range c.byToken {
		// A page entry's key is not a token: its owner is, listed once
		// whatever its pages.
		if owner := el.Value.(*cacheEntry).owner; owner != "" {
			if _, feed := c.byToken[owner]; !feed && c.pages[owner][0] == token {
				out = append(out, owner)
			}
			continue
		}
		out = append(out, token)
	}
	return out, c.epoch.Load()
}
