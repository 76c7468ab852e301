package feeds

import (
	"runtime"
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
//
// Every kept page of a conference ends its interval at the same instant, the
// next whole minute at the latest, when the minutes counted down to the next
// item change. Rendering all of them again at that instant, each in the
// request that asks for it, made every request wait behind the others (p99
// of 472 ms against 1 ms while kept, issue 12). So a page whose interval
// ended only by such a count ("in 25 min", "2 min ago") may still be served
// for a little while, stale by the clock alone, while one render in the
// background replaces it (StalePage): never for another programme version,
// never past staleUntil, which the caller sets no later than the next change
// that matters more than a count (an item starting or ending, a departure, a
// poll closing, midnight), and never more than MaxPageStale past its
// interval. In practice a page is then behind the clock by one render, a few
// milliseconds, and by one minute in a count at the very worst.

// MaxPageStale bounds how long after its interval a page may be served
// while it is rendered again: long enough for every page of a conference
// in rotation to be refreshed one after the other (2,000 pages at about
// 7 ms each take 14 s of one core), short enough that a page read after a
// quiet spell is rendered afresh for its reader, who is then the only one
// waiting.
const MaxPageStale = 15 * time.Second

// pageRefreshSlots bounds the pages rendered in the background at once:
// half the cores, so that a burst of expiries leaves the others to the
// requests, which are all served meanwhile.
var pageRefreshSlots = max(1, runtime.GOMAXPROCS(0)/2)

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
// version and the instants from f's clock until until (exclusive), and lets
// StalePage serve it after that up to staleUntil (exclusive), at most
// MaxPageStale past until; a staleUntil not after until lets it serve the
// bytes after until not at all. It keeps nothing when a drop came after f's
// token was resolved (the token may be revoked by now). The cache keeps
// body as it is: callers must not modify it afterwards.
func (s *Service) KeepPage(f *Feed, token, variant string, body []byte, until, staleUntil time.Time) {
	if !until.After(f.now) {
		return
	}
	if limit := until.Add(MaxPageStale); staleUntil.After(limit) {
		staleUntil = limit
	}
	s.bodies.keepPage(pageKey(token, variant), token, f.Version, f.now, until, staleUntil, body, f.stamp)
}

// StalePage returns the page bytes kept for f's token in variant when
// CachedPage finds none only because f's clock has passed their interval,
// by less than their staleUntil allows (see KeepPage), and starts refresh,
// in a goroutine of its own, to render and keep them again: at most one
// refresh per page at a time (the first caller's; the others are served
// the same bytes meanwhile), and at most pageRefreshSlots for all pages (a
// caller finding none free is served all the same; a later one starts the
// refresh). refresh gets no context: it must bound its own work, and it
// should render from f, whose clock is the one of the stale answer. A
// revoked token never gets here (see CachedPage), and a refresh that began
// before a revocation keeps nothing (see KeepPage). Callers must not modify
// the bytes, which are shared.
func (s *Service) StalePage(f *Feed, token, variant string, refresh func()) ([]byte, bool) {
	key := pageKey(token, variant)
	body, claimed, ok := s.bodies.stalePage(key, f.Version, f.now, pageRefreshSlots)
	if claimed {
		go func() {
			// Released after refresh kept the new bytes, so that no
			// request in between finds the old ones with no refresh
			// under way and starts another.
			defer s.bodies.refreshed(key)
			refresh()
		}()
	}
	return body, ok
}

// PageRefreshes returns how many refreshes StalePage has started, after
// waiting for every render in the background under way to end (StalePage's
// and RefreshPages'): for tests, and before closing the store under them.
func (s *Service) PageRefreshes() int64 {
	if s.bodies == nil {
		return 0
	}
	s.bodies.refreshing.Wait()
	return s.bodies.refreshesStarted.Load()
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
	c.toFront(el)
	return e.body[:len(e.body):len(e.body)], true
}

// stalePage returns the page entry's bytes under key when they were rendered
// from version and now is past their interval but before their staleUntil,
// and claims their refresh (claimed) when none is under way for key and
// fewer than slots are under way in all. The claimant must call refreshed.
func (c *bodyCache) stalePage(key string, version int64, now time.Time, slots int) (body []byte, claimed, ok bool) {
	if c == nil {
		return nil, false, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byToken[key]
	if !ok {
		return nil, false, false
	}
	e := el.Value.(*cacheEntry)
	if e.version != version || e.body == nil || now.Before(e.until) || !now.Before(e.staleUntil) {
		return nil, false, false
	}
	c.toFront(el)
	if claimed, _, _ = c.claimRefresh(key, slots); claimed {
		c.refreshesStarted.Add(1)
	}
	return e.body[:len(e.body):len(e.body)], claimed, true
}

// claimRefresh claims the refresh of key (claimed) when none is under way
// for it (else busy) and fewer than slots are under way in all (else full
// is closed as soon as one of them ends). The claimant must call
// refreshed. c.mu must be held.
func (c *bodyCache) claimRefresh(key string, slots int) (claimed, busy bool, full <-chan struct{}) {
	if _, busy := c.refreshes[key]; busy {
		return false, true, nil
	}
	if len(c.refreshes) >= slots {
		if c.freed == nil {
			c.freed = make(chan struct{})
		}
		return false, false, c.freed
	}
	c.refreshes[key] = struct{}{}
	c.refreshing.Add(1)
	return true, false, nil
}

// refreshed ends the refresh of key that stalePage claimed.
func (c *bodyCache) refreshed(key string) {
	c.mu.Lock()
	delete(c.refreshes, key)
	if c.freed != nil {
		close(c.freed)
		c.freed = nil
	}
	c.mu.Unlock()
	c.refreshing.Done()
}

func (c *bodyCache) keepPage(key, token string, version int64, from, until, staleUntil time.Time, body []byte, stamp lookupStamp) {
	if c == nil || version == 0 {
		return
	}
	e := &cacheEntry{token: key, etag: "page", body: body, subject: stamp.subject, confirmed: stamp.confirmed,
		version: version, owner: token, from: from, until: until, staleUntil: staleUntil}
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
	el := c.pushFront(e)
	c.byToken[key] = el
	c.pages[token] = append(c.pages[token], key)
	c.size += e.cost()
	c.shrink(el)
}
