package feeds

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
)

// cached reports which of tokens the cache still holds under etag "e".
func cached(t *testing.T, c *bodyCache, tokens ...string) []string {
	t.Helper()
	var held []string
	for _, tok := range tokens {
		if _, ok := c.get(tok, "e"); ok {
			held = append(held, tok)
		}
	}
	return held
}

func TestBodyCacheBounds(t *testing.T) {
	// Each entry costs len(body) + len(token) + len(etag): 8 + 1 + 1 = 10.
	body := []byte("BEGIN:VC")
	tests := []struct {
		name       string
		maxEntries int
		maxBytes   int
		// touch is read between the puts of "b" and "c", making "a" the
		// most recently used when it is named.
		touch []string
		want  []string
	}{
		{"entry bound evicts the oldest", 2, 1000, nil, []string{"b", "c"}},
		{"a read keeps an entry", 2, 1000, []string{"a"}, []string{"a", "c"}},
		{"byte bound evicts the oldest", 100, 25, nil, []string{"b", "c"}},
		{"byte bound evicts as many as needed", 100, 10, nil, []string{"c"}},
		{"a body larger than the bound is not kept", 100, 9, nil, nil},
		{"no entries allowed keeps nothing", 0, 1000, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newBodyCache(tt.maxEntries, tt.maxBytes)
			c.put("a", "e", body, lookupStamp{})
			c.put("b", "e", body, lookupStamp{})
			for _, tok := range tt.touch {
				c.get(tok, "e")
			}
			c.put("c", "e", body, lookupStamp{})
			entries, size := c.stats()
			if entries > tt.maxEntries || size > tt.maxBytes {
				t.Errorf("holds %d entries, %d bytes: beyond %d, %d", entries, size, tt.maxEntries, tt.maxBytes)
			}
			if got := cached(t, c, "a", "b", "c"); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("holds %v, want %v", got, tt.want)
			}
			if entries != len(tt.want) || size != 10*len(tt.want) {
				t.Errorf("stats = %d entries, %d bytes; want %d, %d", entries, size, len(tt.want), 10*len(tt.want))
			}
		})
	}
}

func TestBodyCacheNeverServesAnotherETag(t *testing.T) {
	c := newBodyCache(10, 1000)
	c.put("tok", `"v1"`, []byte("version 1"), lookupStamp{})
	if body, ok := c.get("tok", `"v1"`); !ok || string(body) != "version 1" {
		t.Fatalf(`get under the ETag it was put with = %q, %v`, body, ok)
	}
	if body, ok := c.get("tok", `"v2"`); ok {
		t.Fatalf("get under a new ETag served the old body %q", body)
	}
	c.put("tok", `"v2"`, []byte("version 2"), lookupStamp{})
	c.put("tok", `"v3"`, []byte("version 3"), lookupStamp{})
	if entries, size := c.stats(); entries != 1 || size != len("tok")+len(`"v3"`)+len("version 3") {
		t.Errorf("three versions of one feed take %d entries, %d bytes; want only the last", entries, size)
	}
	for _, old := range []string{`"v1"`, `"v2"`} {
		if body, ok := c.get("tok", old); ok {
			t.Errorf("get under the replaced ETag %s served %q", old, body)
		}
	}
	if body, ok := c.get("tok", `"v3"`); !ok || string(body) != "version 3" {
		t.Errorf(`get under the current ETag = %q, %v`, body, ok)
	}
	if _, ok := c.get("tok", ""); ok {
		t.Error("an empty ETag found a body")
	}
	var none *bodyCache
	none.put("tok", `"v1"`, []byte("x"), lookupStamp{})
	if _, ok := none.get("tok", `"v1"`); ok {
		t.Error("a nil cache served a body")
	}
}

func TestBodyCacheAppendDoesNotCorruptIt(t *testing.T) {
	c := newBodyCache(10, 1000)
	c.put("tok", "e", append(make([]byte, 0, 64), "body"...), lookupStamp{})
	got, _ := c.get("tok", "e")
	_ = append(got, "garbage"...)
	if again, _ := c.get("tok", "e"); string(again) != "body" || cap(again) != len(again) {
		t.Errorf("after a caller appended: %q (cap %d)", again, cap(again))
	}
}

// TestBodyCacheConcurrentUse is meant for -race: readers and writers on
// overlapping tokens, with every body naming the token and ETag it was put
// under, so that a hit can be checked.
func TestBodyCacheConcurrentUse(t *testing.T) {
	const maxEntries, maxBytes = 16, 400
	c := newBodyCache(maxEntries, maxBytes)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range 2000 {
				tok := fmt.Sprintf("t%d", r.IntN(40))
				etag := fmt.Sprintf("e%d", r.IntN(3))
				want := tok + "|" + etag
				if r.IntN(2) == 0 {
					c.put(tok, etag, []byte(want), lookupStamp{})
					continue
				}
				if body, ok := c.get(tok, etag); ok && string(body) != want {
					errs <- fmt.Errorf("get(%s, %s) = %q", tok, etag, body)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	entries, size := c.stats()
	if entries > maxEntries || size > maxBytes {
		t.Errorf("holds %d entries, %d bytes: beyond %d, %d", entries, size, maxEntries, maxBytes)
	}
	// The byte count must match the entries actually held.
	sum := 0
	for el := c.order.Front(); el != nil; el = el.Next() {
		sum += el.Value.(*cacheEntry).cost()
	}
	if sum != size || len(c.byToken) != entries {
		t.Errorf("counted %d bytes and %d map entries, hold %d bytes and %d entries", size, len(c.byToken), sum, entries)
	}
}

// renderFresh renders f with the cache bypassed, for comparison.
func renderFresh(t *testing.T, svc *Service, f *Feed, token string) []byte {
	t.Helper()
	fresh := *svc
	fresh.bodies = nil
	unrendered := *f
	unrendered.body = nil
	body, err := fresh.Render(t.Context(), &unrendered, token)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func lookupRender(t *testing.T, svc *Service, token string) (*Feed, []byte) {
	t.Helper()
	f, err := svc.Lookup(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	body, err := svc.Render(t.Context(), f, token)
	if err != nil {
		t.Fatal(err)
	}
	return f, body
}

func sameArray(a, b []byte) bool { return len(a) > 0 && len(b) > 0 && &a[0] == &b[0] }

func TestRenderReusesTheBodyWhileTheETagHolds(t *testing.T) {
	svc, feeds := benchService(t, sample.Demo(t))
	token := feeds[0].token
	f, first := lookupRender(t, svc, token)
	_, second := lookupRender(t, svc, token)
	if !sameArray(first, second) {
		t.Error("a second render of an unchanged feed did not come from the cache")
	}
	if fresh := renderFresh(t, svc, f, token); !bytes.Equal(fresh, first) {
		t.Error("the cached body differs from a fresh render")
	}
	_, other := lookupRender(t, svc, feeds[1].token)
	if bytes.Equal(other, first) {
		t.Error("two feeds rendered the same body")
	}
	if entries, _ := svc.bodies.stats(); entries != 2 {
		t.Errorf("the cache holds %d bodies after rendering two feeds, want 2", entries)
	}
}

func TestRenderAfterRotationShowsTheNewToken(t *testing.T) {
	p := sample.Demo(t)
	svc, feeds := benchService(t, p)
	old := feeds[0].token
	lookupRender(t, svc, old)
	rotated, err := svc.Rotate(t.Context(), p.Slug, programme.FeedPerson, "omar-ansari")
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSuffix(strings.TrimPrefix(rotated.URL, "https://planner.example.org/feeds/"), ".ics")
	// A rotation keeps the token's row and changes no version, so the ETag
	// can stay the same; no body, old or new, carries a token.
	_, body := lookupRender(t, svc, token)
	if bytes.Contains(body, []byte(old)) || bytes.Contains(body, []byte(token)) {
		t.Error("after a rotation the feed carries a token")
	}
}

func TestRenderConcurrently(t *testing.T) {
	svc, feeds := benchService(t, sample.Demo(t))
	want := make([][]byte, len(feeds))
	for i, f := range feeds {
		feed, err := svc.Lookup(t.Context(), f.token)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = renderFresh(t, svc, feed, f.token)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for n := range 5 {
				i := (g + n) % len(feeds)
				f, err := svc.Lookup(t.Context(), feeds[i].token)
				if err == nil {
					var body []byte
					body, err = svc.Render(t.Context(), f, feeds[i].token)
					if err == nil && !bytes.Equal(body, want[i]) {
						err = fmt.Errorf("%s feed: body differs from a fresh render", feeds[i].name)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestRenderAfterAChangeServesTheNewProgramme checks both encodings: after an
// import, the new version is served and kept under the new ETag only, also
// for a request that looked its feed up before the import committed.
func TestRenderAfterAChangeServesTheNewProgramme(t *testing.T) {
	type encoding struct {
		render func(*Service) func(context.Context, *Feed, string) ([]byte, error)
		kept   func(*Service) func(token, etag string) ([]byte, bool)
		plain  func(t testing.TB, body []byte) []byte
	}
	for name, enc := range map[string]encoding{
		"plain": {
			render: func(s *Service) func(context.Context, *Feed, string) ([]byte, error) { return s.Render },
			kept:   func(s *Service) func(string, string) ([]byte, bool) { return s.bodies.get },
			plain:  func(_ testing.TB, body []byte) []byte { return body },
		},
		"gzip": {
			render: func(s *Service) func(context.Context, *Feed, string) ([]byte, error) { return s.RenderGzip },
			kept:   func(s *Service) func(string, string) ([]byte, bool) { return s.bodies.getGzip },
			plain:  gunzip,
		},
	} {
		t.Run(name, func(t *testing.T) {
			p := sample.Demo(t)
			svc, feeds := benchService(t, p)
			render, kept := enc.render(svc), enc.kept(svc)
			fetch := func(token string) (*Feed, []byte) {
				t.Helper()
				f, err := svc.Lookup(t.Context(), token)
				if err != nil {
					t.Fatal(err)
				}
				body, err := render(t.Context(), f, token)
				if err != nil {
					t.Fatal(err)
				}
				return f, body
			}
			// Omar's feed is rendered (and cached) before the change; the
			// programme feed is only looked up, as by a request still running
			// when the import commits.
			token, racedToken := feeds[0].token, feeds[1].token
			old, before := fetch(token)
			raced, err := svc.Lookup(t.Context(), racedToken)
			if err != nil {
				t.Fatal(err)
			}

			// Staff move the bus from 17:15 to 17:30 (local time).
			p.Transport[0].DepartsAt = p.Transport[0].DepartsAt.Add(15 * time.Minute)
			p.Transport[0].Poll.Decided = "17:30"
			if _, err := svc.Store().Import(t.Context(), p, store.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			const moved = "DTSTART;TZID=America/Mexico_City:20161205T173000"
			if b := enc.plain(t, before); !bytes.Contains(b, []byte("20161205T171500")) || bytes.Contains(b, []byte(moved)) {
				t.Fatal("the feed before the change does not show the bus at 17:15")
			}

			f, after := fetch(token)
			if f.ETag == old.ETag {
				t.Fatal("the ETag did not change with the programme")
			}
			if !bytes.Contains(enc.plain(t, after), []byte(moved)) {
				t.Error("after the change the feed still shows the bus at 17:15")
			}
			if fresh := renderFresh(t, svc, f, token); !bytes.Equal(enc.plain(t, after), fresh) {
				t.Error("after the change the served body differs from a fresh render")
			}
			if body, ok := kept(token, old.ETag); ok {
				t.Errorf("the old ETag still finds a body (%d bytes)", len(body))
			}

			// A request that resolved its feed before the import and
			// renders after it serves whichever version it renders under
			// that version's own ETag: the ETag is the body's.
			racedBody, err := render(t.Context(), raced, racedToken)
			if err != nil {
				t.Fatal(err)
			}
			if raced.ETag != etagOf(enc.plain(t, racedBody)) {
				t.Error("a body rendered after the import is served under another body's ETag")
			}
			newer, body := fetch(racedToken)
			if !bytes.Contains(enc.plain(t, body), []byte(moved)) {
				t.Fatal("a lookup after the import did not render the new programme")
			}
			if _, again := fetch(racedToken); !sameArray(again, body) {
				t.Error("the body rendered from the new version was not reused under the new ETag")
			}
			if newer.ETag == old.ETag {
				t.Error("the programme feed kept its ETag although the bus moved")
			}
		})
	}
}

// TestTheByteBoundHoldsForAnyFeed renders a feed larger than the whole byte
// bound, and one whose gzip body no longer fits beside its plain one.
func TestTheByteBoundHoldsForAnyFeed(t *testing.T) {
	svc, feeds := benchService(t, sample.Demo(t))
	token := feeds[1].token // the whole programme's feed, the largest
	f, err := svc.Lookup(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	want := renderFresh(t, svc, f, token)
	plainCost := len(want) + len(token) + len(f.ETag)

	for name, bound := range map[string]int{"larger than the bound": len(want) / 2, "gzip does not fit": plainCost + 16} {
		t.Run(name, func(t *testing.T) {
			svc.bodies = newBodyCache(DefaultCacheEntries, bound)
			f, err := svc.Lookup(t.Context(), token)
			if err != nil {
				t.Fatal(err)
			}
			body, err := svc.Render(t.Context(), f, token)
			if err != nil || !bytes.Equal(body, want) {
				t.Fatalf("Render: %v, same body %v", err, bytes.Equal(body, want))
			}
			gz, err := svc.RenderGzip(t.Context(), f, token)
			if err != nil || !bytes.Equal(gunzip(t, gz), want) {
				t.Fatalf("RenderGzip: %v", err)
			}
			if _, size := svc.bodies.stats(); size > bound {
				t.Errorf("the cache holds %d bytes, beyond its bound of %d", size, bound)
			}
			_, plainKept := svc.bodies.get(token, f.ETag)
			if _, gzKept := svc.bodies.getGzip(token, f.ETag); gzKept {
				t.Error("a gzip body that does not fit was kept")
			}
			if plainKept != (bound >= plainCost) {
				t.Errorf("plain body kept: %v with a bound of %d for a cost of %d", plainKept, bound, plainCost)
			}
		})
	}
}

// TestConfirmCurrentMovesOnlyWhatMayBeEvicted checks confirmCurrent's read-
// locked fast path: a poll of an entry still in the front quarter of the
// eviction order leaves it where it is (so that polls need not take the
// write lock), a poll of one further back moves it to the front, and the
// fast path answers only what the locked path would.
func TestConfirmCurrentMovesOnlyWhatMayBeEvicted(t *testing.T) {
	day := feedDay(time.Date(2016, 12, 5, 9, 0, 0, 0, time.UTC))
	at := time.Date(2016, 12, 5, 8, 0, 0, 0, time.UTC)
	const n = 40
	c := newBodyCache(n, 1<<20)
	token := func(i int) string { return fmt.Sprintf("t%02d", i) }
	for i := range n {
		c.keep(token(i), validator{version: 7, day: day, etag: "e"}, []byte("BEGIN:VCALENDAR"), lookupStamp{confirmed: at})
	}
	position := func(tok string) int {
		c.mu.Lock()
		defer c.mu.Unlock()
		i := 0
		for el := c.order.Front(); el != nil; el, i = el.Next(), i+1 {
			if el.Value.(*cacheEntry).token == tok {
				return i
			}
		}
		return -1
	}
	// t39 was kept last: front quarter. t00 first: at the back.
	if _, body, ok := c.confirmCurrent(token(n-2), at, c.currentEpoch(), 7, day); !ok || body == nil {
		t.Fatalf("a kept current body was not confirmed: ok %v, body %q", ok, body)
	}
	if got := position(token(n - 2)); got != 1 {
		t.Errorf("a poll of the second most recent entry moved it to %d, want it left at 1", got)
	}
	if _, _, ok := c.confirmCurrent(token(0), at, c.currentEpoch(), 7, day); !ok {
		t.Fatal("the oldest entry was not confirmed")
	}
	if got := position(token(0)); got != 0 {
		t.Errorf("a poll of the oldest entry left it at %d, want it moved to the front", got)
	}
	// The fast path answers nothing the locked one would not.
	if _, _, ok := c.confirmCurrent(token(n-1), at, c.currentEpoch(), 8, day); ok {
		t.Error("confirmed a body of version 7 as version 8's")
	}
	if _, _, ok := c.confirmCurrent(token(n-1), at, c.currentEpoch(), 7, day.AddDate(0, 0, 1)); ok {
		t.Error("confirmed a body of one day as the next day's")
	}
	// A later confirmation is recorded (by the locked path), and kept for
	// the outage fallback.
	later := at.Add(time.Minute)
	if _, _, ok := c.confirmCurrent(token(n-1), later, c.currentEpoch(), 7, day); !ok {
		t.Fatal("a later poll was not confirmed")
	}
	if _, _, _, ok := c.last(token(n-1), later); !ok {
		t.Error("the later confirmation was not recorded")
	}
}

// TestConfirmCurrentFastPathHoldsOnlyKeptValidators: confirmCurrent's fast
// path reads the validator from the body's entry, not from the cache's
// validators; it must answer only what they hold. Once the validators are
// all forgotten (beyond their bound), a feed has none and is rendered
// again; a body put without a validator (put) is no current body.
func TestConfirmCurrentFastPathHoldsOnlyKeptValidators(t *testing.T) {
	day := feedDay(time.Date(2016, 12, 5, 9, 0, 0, 0, time.UTC))
	at := time.Date(2016, 12, 5, 8, 0, 0, 0, time.UTC)
	const n = 8 // the last kept stays in the front quarter: the fast path
	newCache := func() *bodyCache {
		c := newBodyCache(100, 1<<20)
		for i := range n {
			c.keep(fmt.Sprintf("t%d", i), validator{version: 7, day: day, etag: "e"}, []byte("BEGIN:VCALENDAR"), lookupStamp{confirmed: at})
		}
		return c
	}
	last := fmt.Sprintf("t%d", n-1)
	fast := func(c *bodyCache) bool {
		_, _, done := c.confirmedAlready(last, at, c.currentEpoch(), 7, day)
		return done
	}

	c := newCache()
	if !fast(c) {
		t.Fatal("the fast path does not answer for the latest kept body: the test checks nothing")
	}
	c.maxValidators = n
	c.keep("other", validator{version: 7, day: day, etag: "x"}, []byte("BEGIN:VCALENDAR"), lookupStamp{confirmed: at})
	if c.maxValidators = maxValidators; fast(c) {
		t.Error("the fast path answers for a body whose validator was forgotten")
	}
	if v, _, ok := c.confirmCurrent(last, at, c.currentEpoch(), 7, day); ok {
		t.Errorf("a feed whose validator was forgotten is current, under %q", v.etag)
	}

	c = newCache()
	c.put(last, "f", []byte("BEGIN:VCALENDAR other"), lookupStamp{confirmed: at})
	if fast(c) {
		t.Error("the fast path answers for a body put without a validator")
	}
	v, body, ok := c.confirmCurrent(last, at, c.currentEpoch(), 7, day)
	if !ok || v.etag != "e" || body != nil {
		t.Errorf("after a body put under another ETag: %q, body %q, %v; want the validator of %q without a body", v.etag, body, ok, "e")
	}

	// A body found unchanged by a new version (unchanged) is the new
	// version's, on the fast path too, and no longer the old one's.
	c = newBodyCache(100, 1<<20)
	for i := range n {
		c.keep(fmt.Sprintf("t%d", i), validator{version: 7, day: day, etag: "e", fingerprint: 42}, []byte("BEGIN:VCALENDAR"), lookupStamp{confirmed: at})
	}
	if _, _, ok := c.unchanged(last, 42, 8, day, lookupStamp{confirmed: at, epoch: c.currentEpoch()}); !ok {
		t.Fatal("the body of the same fingerprint was not kept for the new version")
	}
	if _, body, done := c.confirmedAlready(last, at, c.currentEpoch(), 8, day); !done || body == nil {
		t.Error("the fast path does not answer for a body kept for the new version by unchanged")
	}
	if _, _, ok := c.confirmCurrent(last, at, c.currentEpoch(), 7, day); ok {
		t.Error("a body kept for version 8 is still current for version 7")
	}
}
