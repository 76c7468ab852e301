package feeds

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPageEntriesAreKeptApartAndDroppedWithTheirToken(t *testing.T) {
	c := newBodyCache(16, 1<<20)
	t0 := time.Date(2016, 12, 5, 22, 50, 0, 0, time.UTC)
	stamp := func(subject string) lookupStamp {
		return lookupStamp{subject: subject, confirmed: t0, epoch: c.currentEpoch()}
	}
	c.put("tokA", `"feed"`, []byte("feed of A"), stamp("a"))
	c.keepPage(pageKey("tokA", ""), "tokA", 7, t0, t0.Add(time.Minute), t0.Add(time.Minute), []byte("page of A"), stamp("a"))
	c.keepPage(pageKey("tokA", "vote"), "tokA", 7, t0, t0.Add(time.Minute), t0.Add(time.Minute), []byte("page of A, voted"), stamp("a"))
	c.keepPage(pageKey("tokB", ""), "tokB", 7, t0, t0.Add(time.Minute), t0.Add(time.Minute), []byte("page of B"), stamp("b"))

	for _, tt := range []struct {
		key     string
		version int64
		at      time.Time
		want    string
	}{
		{pageKey("tokA", ""), 7, t0, "page of A"},
		{pageKey("tokA", ""), 7, t0.Add(59 * time.Second), "page of A"},
		{pageKey("tokA", "vote"), 7, t0, "page of A, voted"},
		{pageKey("tokB", ""), 7, t0, "page of B"},
		{pageKey("tokA", ""), 8, t0, ""},                   // another version
		{pageKey("tokA", ""), 7, t0.Add(time.Minute), ""},  // past its interval
		{pageKey("tokA", ""), 7, t0.Add(-time.Second), ""}, // before it
		{pageKey("tokA", "stay"), 7, t0, ""},               // another variant
		{pageKey("tokC", ""), 7, t0, ""},                   // another token
	} {
		body, ok := c.getPage(tt.key, tt.version, tt.at)
		if string(body) != tt.want || ok != (tt.want != "") {
			t.Errorf("%q v%d at %s: %q %v, want %q", tt.key, tt.version, tt.at, body, ok, tt.want)
		}
	}
	if body, ok := c.get("tokA", `"feed"`); !ok || string(body) != "feed of A" {
		t.Errorf("the feed body of A: %q %v", body, ok)
	}
	tokens, _ := c.tokens()
	slices.Sort(tokens)
	if !slices.Equal(tokens, []string{"tokA", "tokB"}) {
		t.Errorf("tokens %q, want the two tokens", tokens)
	}

	// A page rendered by a request that resolved its token before a drop
	// is not kept: the token may be revoked.
	old := stamp("b")
	c.dropToken("tokA", false)
	for _, key := range []string{pageKey("tokA", ""), pageKey("tokA", "vote")} {
		if _, ok := c.getPage(key, 7, t0); ok {
			t.Errorf("%q outlived its token", key)
		}
	}
	c.keepPage(pageKey("tokB", "vote"), "tokB", 7, t0, t0.Add(time.Minute), t0.Add(time.Minute), []byte("late"), old)
	if _, ok := c.getPage(pageKey("tokB", "vote"), 7, t0); ok {
		t.Error("a page from before the drop was kept")
	}
	if _, ok := c.getPage(pageKey("tokB", ""), 7, t0); !ok {
		t.Error("B's page went with A's token")
	}
	c.dropSubject("b")
	if _, ok := c.getPage(pageKey("tokB", ""), 7, t0); ok {
		t.Error("B's page outlived the drop of its feed")
	}
	if n, size := c.stats(); n != 0 || size != 0 || len(c.pages) != 0 {
		t.Errorf("%d entries, %d bytes, %d tokens with pages left", n, size, len(c.pages))
	}
}

func TestPagesGoBeforeFeeds(t *testing.T) {
	c := newBodyCache(3, 1<<20)
	t0 := time.Date(2016, 12, 5, 22, 50, 0, 0, time.UTC)
	stamp := lookupStamp{subject: "a", confirmed: t0}
	c.put("tokA", `"a"`, []byte("feed of A"), stamp)
	c.keepPage(pageKey("tokA", ""), "tokA", 7, t0, t0.Add(time.Minute), t0.Add(time.Minute), []byte("page of A"), stamp)
	c.put("tokB", `"b"`, []byte("feed of B"), stamp)
	c.put("tokC", `"c"`, []byte("feed of C"), stamp)
	if _, ok := c.get("tokA", `"a"`); !ok {
		t.Error("the least recently used feed went before a page")
	}
	if _, ok := c.getPage(pageKey("tokA", ""), 7, t0); ok {
		t.Error("the page outlived the bound")
	}
}

// stalePageService is a Service with a page cache alone, and a feed of
// version 7 resolved at t.
func stalePageService() (*Service, func(version int64, t time.Time) *Feed) {
	s := &Service{bodies: newBodyCache(16, 1<<20)}
	return s, func(version int64, t time.Time) *Feed {
		return &Feed{Version: version, now: t, stamp: lookupStamp{subject: "a", confirmed: t, epoch: s.bodies.currentEpoch()}}
	}
}

func TestAStalePageIsServedWhileOneRefreshRendersItAgain(t *testing.T) {
	s, feed := stalePageService()
	t0 := time.Date(2016, 12, 5, 22, 50, 17, 0, time.UTC)
	turn := time.Date(2016, 12, 5, 22, 51, 0, 0, time.UTC)
	s.KeepPage(feed(7, t0), "tokA", "", []byte("22:50"), turn, turn.Add(time.Hour))

	// Past the interval: CachedPage finds nothing, StalePage the old
	// bytes for every request at once, and one of them starts the one
	// refresh, which renders from its own clock.
	after := feed(7, turn.Add(300*time.Millisecond))
	if _, ok := s.CachedPage(after, "tokA", ""); ok {
		t.Fatal("CachedPage serves a page past its interval")
	}
	release := make(chan struct{})
	var refreshes atomic.Int64
	var served sync.WaitGroup
	for range 32 {
		served.Go(func() {
			f := feed(7, turn.Add(300*time.Millisecond))
			body, ok := s.StalePage(f, "tokA", "", func() {
				refreshes.Add(1)
				<-release
				s.KeepPage(f, "tokA", "", []byte("22:51"), turn.Add(time.Minute), turn.Add(time.Hour))
			})
			if string(body) != "22:50" || !ok {
				t.Errorf("a request past the interval got %q %v, want the previous page", body, ok)
			}
		})
	}
	served.Wait()
	close(release)
	if n := s.PageRefreshes(); n != 1 || refreshes.Load() != 1 {
		t.Errorf("%d refreshes started, %d ran; want one", n, refreshes.Load())
	}
	if body, ok := s.CachedPage(after, "tokA", ""); string(body) != "22:51" || !ok {
		t.Errorf("after the refresh: %q %v, want the new page", body, ok)
	}

	// Never for another version, never past MaxPageStale, nor past the
	// staleUntil the caller set.
	s.KeepPage(feed(7, t0), "tokB", "", []byte("B"), turn, turn.Add(time.Hour))
	s.KeepPage(feed(7, t0), "tokC", "", []byte("C"), turn, turn)
	refresh := func() { t.Error("a refresh started for a page not served") }
	for _, tt := range []struct {
		token string
		f     *Feed
	}{
		{"tokB", feed(8, turn)},
		{"tokB", feed(7, turn.Add(MaxPageStale))},
		{"tokB", feed(7, turn.Add(-time.Second))}, // still fresh: CachedPage's
		{"tokC", feed(7, turn)},
		{"tokD", feed(7, turn)},
	} {
		if body, ok := s.StalePage(tt.f, tt.token, "", refresh); ok {
			t.Errorf("%s v%d at %s: served %q", tt.token, tt.f.Version, tt.f.now, body)
		}
	}
	if body, ok := s.StalePage(feed(7, turn.Add(MaxPageStale-time.Nanosecond)), "tokB", "", func() {}); string(body) != "B" || !ok {
		t.Errorf("within MaxPageStale: %q %v", body, ok)
	}

	// A revoked token's stale page goes with it.
	s.bodies.dropToken("tokB", false)
	if body, ok := s.StalePage(feed(7, turn), "tokB", "", refresh); ok {
		t.Errorf("a dropped token's stale page was served: %q", body)
	}
	s.PageRefreshes()
}

func TestPageRefreshesAreBounded(t *testing.T) {
	c := newBodyCache(16, 1<<20)
	t0 := time.Date(2016, 12, 5, 22, 50, 17, 0, time.UTC)
	turn := time.Date(2016, 12, 5, 22, 51, 0, 0, time.UTC)
	stamp := lookupStamp{subject: "a", confirmed: t0, epoch: c.currentEpoch()}
	for _, tok := range []string{"tokA", "tokB", "tokC"} {
		c.keepPage(pageKey(tok, ""), tok, 7, t0, turn, turn.Add(time.Minute), []byte(tok), stamp)
	}
	claim := func(tok string) bool {
		body, claimed, ok := c.stalePage(pageKey(tok, ""), 7, turn, 2)
		if string(body) != tok || !ok {
			t.Fatalf("%s: %q %v, want its stale page", tok, body, ok)
		}
		return claimed
	}
	if !claim("tokA") || !claim("tokB") {
		t.Fatal("the first two pages got no refresh")
	}
	if claim("tokC") {
		t.Error("a third refresh started beyond the bound of two")
	}
	if claim("tokA") {
		t.Error("a second refresh of the same page started")
	}
	c.refreshed(pageKey("tokA", ""))
	if !claim("tokC") {
		t.Error("no refresh started once a slot was free")
	}
	c.refreshed(pageKey("tokB", ""))
	c.refreshed(pageKey("tokC", ""))
}
