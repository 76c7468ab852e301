package feeds

import (
	"time"
)

// The personal agenda page of a token (internal/web) is worked out from the
// same programme and token as its feed, and costs as much to render. Its
// bytes are kept in the feeds' body cache, beside the feed bodies, under the
// same bounds, least recently used out first, and dropped with the token or
// its feed (revocation, rotation, a drop by another process).
//
// A page entry is found by its token and a variant the caller names (what
// else the bytes depend on for that token: a message after a form, a
// fragment for htmx), and is served only for the programme version it was
// rendered from and while the clock is within the interval the caller said
// the bytes hold for. A token's page entry is never found by another token.

// pageKey is the cache key of token's page in variant: never a token, which
// has no NUL byte.
func pageKey(token, variant string) string { return "\x00page\x00" + token + "\x00" + variant }

// CachedPage returns the page bytes kept for f's token in variant, when they
// were rendered from f's programme version and f's clock is within the
// interval they hold for. f must come from Resolve or Lookup, which checked
// the token just now: a revoked token never gets here. Callers must not
// modify the bytes, which are shared.
func (s *Service) CachedPage(f *Feed, token, variant string) ([]byte, bool) {
	return s.bodies.getPage(pageKey(token, variant), f.Version, f.now)
}

// KeepPage keeps body as the page of f's token in variant, for f's programme
// version and the instants from f's clock until until (exclusive). It keeps
// nothing when a drop came after f's token was resolved (the token may be
// revoked by now). The cache keeps body as it is: callers must not modify it
// afterwards.
func (s *Service) KeepPage(f *Feed, token, variant string, body []byte, until time.Time) {
	if !until.After(f.now) {
		return
	}
	s.bodies.keepPage(pageKey(token, variant), token, f.Version, f.now, until, body, f.stamp)
}

// Now is the instant f was resolved at, the clock of everything worked
// out for it.
func (f *Feed) Now() time.Time { return f.now }

func (c *bodyCache) getPage(key string, version int64, now time.Time) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byToken[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if e.version != version || e.body == nil || now.Before(e.from) || !now.Before(e.until) {
		return nil, false
	}
	c.order.MoveToFront(el)
	return e.body[:len(e.body):len(e.body)], true
}

func (c *bodyCache) keepPage(key, token string, version int64, from, until time.Time, body []byte, stamp lookupStamp) {
	if c == nil || version == 0 {
		return
	}
	e := &cacheEntry{token: key, etag: "page", body: body, subject: stamp.subject, confirmed: stamp.confirmed,
		version: version, owner: token, from: from, until: until}
	c.mu.Lock()
	defer c.mu.Unlock()
	if stamp.epoch != c.epoch.Load() {
		return
	}
	if el, ok := c.byToken[key]; ok {
		c.remove(el)
	}
	if e.cost() > c.maxBytes || c.maxEntries <= 0 {
		return
	}
	el := c.order.PushFront(e)
	c.byToken[key] = el
	c.pages[token] = append(c.pages[token], key)
	c.size += e.cost()
	c.shrink(el)
}
