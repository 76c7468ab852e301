package feeds

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/planner-dev/planner/internal/store"
)

// StalePage keeps a burst of requests at a minute's turn from rendering
// every page at once, but only while the requests come within MaxPageStale
// of the turn. After a quiet spell longer than that (a delegation's
// morning: nobody reads for a while, then everyone at once), every kept page
// was past its bound, and every request rendered its page itself: p99 of
// 107–181 ms in such rounds against 15–21 ms otherwise (64 connections, 200
// pages, PostgreSQL).
//
// So the pages that requests read lately are rendered again in the
// background as their interval ends (RefreshPages, which Watch runs),
// whether anyone asks for them then or not, and a request after a quiet
// spell finds a current page kept. Each such render is the one a request
// would make at that instant: the token is resolved again (Resolve: a
// revoked or rotated token renders nothing and leaves the schedule), at the
// programme's current version and the clock of that instant, which is at or
// past the interval's end and so past no firm time (an item's start, a
// departure) that the new bytes do not show; and KeepPage keeps nothing
// when a drop came after that resolution. The renders take the slots of
// StalePage's (pageRefreshSlots in all, never two for one page), so that
// half the cores stay with the requests.
//
// A page leaves the schedule when no request read it for PageRefreshWindow,
// when its entry leaves the cache (evicted, or dropped with its token), or
// when a render fails; its next request renders it as before and puts it
// back.
//
// A programme's new version (a staff edit) ends every kept page of it at
// once, and no page may be served for an older version, stale or not. The
// schedule renders the pages read lately for the new version as well, once
// the version has stood for pageVersionSettle, and only when memory knows the
// version (Watch keeps it current): a request in between renders its own
// page as before. Without this a page would wait for the end of its interval,
// a minute at the most, to be rendered for the new version.
//
// Every page of a conference ends its interval at the same instant, the
// next whole minute, and Watch rendered all the pages due then one after
// the other: 200 pages × 2–7 ms, 0.4–1.4 s of one core of two in one burst
// at each minute's turn, while the requests shared the other (p99 of
// 28.5 ms against 25 ms in the cases run after the agenda pages' under
// bench/load.sh, 64 connections). Most of these pages are due only because
// a count of minutes turned ("in 25 min"), and StalePage may serve them
// until their staleUntil, up to MaxPageStale later. So Watch paces those
// (refreshPagesLoop): the pages that fall due together get turns spread
// evenly over the first half of the longest stale window among them, most
// recently read first, and none later than halfway through its own window;
// each is rendered at its turn. 200 pages in a window of 15 s are then one
// render every 37.5 ms, 7 ms of one core in 37.5 at most, instead of the
// whole core for 1.4 s. 2,000 pages would be one every 3.75 ms, less than a
// render takes: each pass of the loop then renders every page whose turn
// has passed, one after the other as in the burst, 14 s of one core
// (2,000 × 7 ms) with a pause of minPageRefreshWait between passes (8 of
// them, each pass rendering about twice as many pages as the one before),
// and they end within the 15 s, as they did. No turn is later than halfway
// through its page's window, and a pass renders every page whose turn came:
// a page is rendered by the middle of its window, or about when the burst
// rendered it, whichever is later, and pacing leaves requests hardly a
// render more to make themselves than the burst did.
//
// A page whose firm time has passed (an item started, a poll closed: no
// stale window is left) is rendered at once, as are all pages in a pass
// of RefreshPages. A request in between gets the stale bytes and starts its
// own refresh through StalePage, as before; every render of the schedule
// checks before it starts that the entry it was due for is still the one
// kept, so that a page a request rendered meanwhile is not rendered again.
//
// A new version's pages are paced alike once the version settled, over the
// first half of MaxPageStale (7.5 s) from then: nobody is served their
// bytes meanwhile and each request renders its own, as it did while the
// version settled, so pacing costs at most a few more such renders, while a
// staff edit no longer renders every page read lately in one burst. A page
// whose interval ended with a stale window left is paced by its window
// whatever its version.

// PageRefreshWindow is how long after a request last read a page it is
// still rendered again as its interval ends. A page's interval ends about
// once a minute (the count to its next item turns), so that each page read
// costs up to five renders in the background after its last read, about
// 35 ms of one core; with every delegate of a conference of 2,000 reading
// within five minutes, that is 2,000 renders a minute, 14 s of one core in
// 60 (pages × renders per minute × 7 ms), under a quarter of a core and at
// most pageRefreshSlots at once. Five minutes spans a delegate's checks of
// the page between two sessions and the quiet spells of a morning between
// one group's reads and the next, while a page nobody reads any more costs
// nothing after five minutes.
const PageRefreshWindow = 5 * time.Minute

// pageVersionSettle is how long a programme's version must have stood
// before the schedule renders again the pages read lately for it: staff
// save edit after edit seconds apart, and each save would otherwise render
// every page read lately, for nothing but the next save. Requests in
// between render their own page, as without the schedule.
const pageVersionSettle = 10 * time.Second

// pageRefreshTick is the longest RefreshPages' loop sleeps: how late at
// most it notices a page read since it last looked whose interval ends
// before the ones it knew of. It wakes at the end of the first interval or
// turn it knows of otherwise. minPageRefreshWait keeps it from spinning on
// a page that keeps nothing new.
const (
	pageRefreshTick    = time.Second
	minPageRefreshWait = 20 * time.Millisecond
)

// PageRender renders the page of token in variant from f, as a request
// would at f's clock, and keeps it (KeepPage). It must bound its own work
// besides ctx, and is called for one page at a time at most.
type PageRender func(ctx context.Context, f *Feed, token, variant string) error

// pageRead is a page a request read lately: what RefreshPages needs to render
// it again.
type pageRead struct {
	token, variant string
	// slug is the programme of the token's feed.
	slug string
	// at is the clock of the latest request that read the page.
	at     time.Time
	render PageRender
	// turn is when the paced loop renders the page (see planTurns). It
	// was planned for the entry that planned names, due with its interval
	// ended (stale) or for a newer version (version, else 0): a plan holds
	// for that entry in that state alone. (planned does not hold the entry,
	// whose bytes would outlive it in the cache.)
	turn    time.Time
	planned pageEntry
	stale   bool
	version int64
}

// pageEntry tells a page entry from the ones kept before and after it
// under the same key.
type pageEntry struct {
	from, until time.Time
	version     int64
}

func (e *cacheEntry) pageEntry() pageEntry {
	return pageEntry{from: e.from, until: e.until, version: e.version}
}

// NotePageRead records that a request with f read the page of token in
// variant kept for f (from CachedPage or StalePage, or just rendered), so
// that RefreshPages renders it again with render as its interval ends,
// until nobody read it for PageRefreshWindow. A page not kept is not
// recorded. Renders by RefreshPages are no reads: call it from requests
// only.
func (s *Service) NotePageRead(f *Feed, token, variant string, render PageRender) {
	s.bodies.notePageRead(pageKey(token, variant), token, variant, f.Token.Programme, f.now, render)
}

func (c *bodyCache) notePageRead(key, token, variant, slug string, at time.Time, render PageRender) {
	if c == nil || render == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Only a kept page: the reads are thus bounded as the entries are.
	if _, ok := c.byToken[key]; !ok {
		return
	}
	if r, ok := c.reads[key]; ok {
		if at.After(r.at) {
			r.at = at
		}
		return
	}
	c.reads[key] = &pageRead{token: token, variant: variant, slug: slug, at: at, render: render}
}

// readPage is a page read lately, due to be rendered again.
type readPage struct {
	key string
	pageRead
	// entry is the entry the page is due for: one kept since is not
	// rendered again (see refreshPages).
	entry pageEntry
}

// pagesDue forgets the reads before notBefore and those whose page is no
// longer kept, and returns the pages due at now: those whose interval has
// ended, and those kept for an older version than versions (the versions
// memory knows, nil when it knows none) has for their programme once it
// stood for pageVersionSettle. When paced, it returns of these only the
// ones with no stale window left, with no turn, and the others whose turn
// came (see planTurns). next is when the first of the others is due, as far
// as now tells (zero if none).
func (c *bodyCache) pagesDue(now, notBefore time.Time, versions map[string]store.ProgrammeStamp, paced bool) (due []readPage, next time.Time) {
	if c == nil {
		return nil, time.Time{}
	}
	later := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var unplanned []plannedPage
	for key, r := range c.reads {
		el, ok := c.byToken[key]
		if !ok || r.at.Before(notBefore) {
			delete(c.reads, key)
			continue
		}
		e := el.Value.(*cacheEntry)
		id := e.pageEntry()
		ended := !now.Before(e.until)
		var version int64
		switch {
		case ended && !now.Before(e.staleUntil):
			// No stale window left: at once, with no turn.
			p := readPage{key: key, pageRead: *r, entry: id}
			p.turn = time.Time{}
			due = append(due, p)
			continue
		case !ended:
			later(e.until)
			v, ok := versions[r.slug]
			if !ok || v.Version <= e.version {
				continue
			}
			if settled := v.UpdatedAt.Add(pageVersionSettle); now.Before(settled) {
				later(settled)
				continue
			}
			version = v.Version
		}
		if !paced {
			due = append(due, readPage{key: key, pageRead: *r, entry: id})
			continue
		}
		if r.planned != id || r.stale != ended || r.version != version {
			deadline := now.Add(MaxPageStale)
			if ended {
				deadline = e.staleUntil
			}
			r.planned, r.stale, r.version = id, ended, version
			unplanned = append(unplanned, plannedPage{key: key, read: r, deadline: deadline})
			continue
		}
		if now.Before(r.turn) {
			later(r.turn)
			continue
		}
		due = append(due, readPage{key: key, pageRead: *r, entry: id})
	}
	planTurns(unplanned, now)
	for _, p := range unplanned {
		if now.Before(p.read.turn) {
			later(p.read.turn)
			continue
		}
		due = append(due, readPage{key: p.key, pageRead: *p.read, entry: p.read.planned})
	}
	return due, next
}

// plannedPage is a page due that the paced loop may render by deadline.
type plannedPage struct {
	key      string
	read     *pageRead
	deadline time.Time
}

// planTurns gives the pages that fell due at now their turns (see the
// comment at the top of this file): evenly over the first half of the
// longest time left before their deadlines, most recently read first, and
// none later than halfway to its own deadline. c.mu must be held.
func planTurns(pages []plannedPage, now time.Time) {
	if len(pages) == 0 {
		return
	}
	slices.SortFunc(pages, func(a, b plannedPage) int {
		if c := b.read.at.Compare(a.read.at); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	var window time.Duration
	for _, p := range pages {
		window = max(window, p.deadline.Sub(now))
	}
	step := window / 2 / time.Duration(len(pages))
	for i, p := range pages {
		turn := now.Add(time.Duration(i) * step)
		if half := now.Add(p.deadline.Sub(now) / 2); half.Before(turn) {
			turn = half
		}
		p.read.turn = turn
	}
}

// forgetRead takes key off the schedule.
func (c *bodyCache) forgetRead(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.reads, key)
}

// scheduledPages returns how many pages are on the schedule.
func (c *bodyCache) scheduledPages() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.reads)
}

// ScheduledPages returns how many pages are on RefreshPages' schedule: read
// lately and kept, as of its last run for those that left since. For
// tests.
func (s *Service) ScheduledPages() int { return s.bodies.scheduledPages() }

// RefreshPages renders again, in the background of requests, every page
// read within PageRefreshWindow whose interval has ended, or whose
// programme has a newer version that stood for pageVersionSettle (see the
// comment at the top of this file), at most pageRefreshSlots at once
// together with StalePage's, most recently read first, and returns when
// they are all done (or ctx is, which the renders get). It returns how many
// pages it rendered and kept again. It renders them all at once, stale
// window or not: Watch paces them instead, as their intervals end.
func (s *Service) RefreshPages(ctx context.Context) int {
	n, _ := s.refreshPages(ctx, false)
	return n
}

// refreshPages is RefreshPages, paced or not (see pagesDue), which also
// reports when the next page it knows of will be due (zero if none).
func (s *Service) refreshPages(ctx context.Context, paced bool) (rendered int, next time.Time) {
	now := s.now()
	// Memory knows the versions only while Watch keeps it current.
	due, next := s.bodies.pagesDue(now, now.Add(-PageRefreshWindow), s.mem.trustedVersions(now), paced)
	// Paced, those with no stale window left come first (they have no
	// turn), then by turn; those read last are the likeliest to be read
	// next.
	slices.SortFunc(due, func(a, b readPage) int {
		if c := a.turn.Compare(b.turn); c != 0 && paced {
			return c
		}
		return b.at.Compare(a.at)
	})

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		kept int
	)
	for _, r := range due {
		for {
			s.bodies.mu.Lock()
			// A page kept anew since it was due (by a request, or
			// StalePage's refresh) is not rendered again.
			el, ok := s.bodies.byToken[r.key]
			if !ok || el.Value.(*cacheEntry).pageEntry() != r.entry {
				s.bodies.mu.Unlock()
				break
			}
			claimed, busy, full := s.bodies.claimRefresh(r.key, pageRefreshSlots)
			s.bodies.mu.Unlock()
			if busy {
				// StalePage's refresh renders it now.
				break
			}
			if claimed {
				wg.Go(func() {
					defer s.bodies.refreshed(r.key)
					if s.refreshPage(ctx, r) {
						mu.Lock()
						kept++
						mu.Unlock()
					}
				})
				break
			}
			select {
			case <-full:
			case <-ctx.Done():
				wg.Wait()
				return kept, next
			}
		}
	}
	wg.Wait()
	return kept, next
}

// refreshPage renders r's page again as a request would now, and reports
// whether it did; a page it cannot render leaves the schedule.
func (s *Service) refreshPage(ctx context.Context, r readPage) bool {
	f, err := s.Resolve(ctx, r.token)
	if err == nil {
		err = r.render(ctx, f, r.token, r.variant)
	}
	if err != nil {
		s.bodies.forgetRead(r.key)
		return false
	}
	return true
}

// refreshPagesLoop runs RefreshPages, paced, until ctx is done: at the end
// of the first interval or turn it knows of, and every pageRefreshTick at
// the latest.
func (s *Service) refreshPagesLoop(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		_, next := s.refreshPages(ctx, true)
		wait := pageRefreshTick
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(s.now()), minPageRefreshWait))
		}
		timer.Reset(wait)
	}
}
