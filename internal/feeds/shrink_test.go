package feeds

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/planner-dev/planner/internal/sample"
)

// TestShrinkDropsPlainBodiesBeforeEntries: over the byte bound, entries
// with a gzip body lose their plain body first, least recently used first,
// and whole entries go only when that is not enough.
func TestShrinkDropsPlainBodiesBeforeEntries(t *testing.T) {
	plain := bytes.Repeat([]byte("p"), 1000)
	gz := bytes.Repeat([]byte("g"), 100)
	entryCost := func(token string) int { return len(token) + len(`"e"`) }
	// Room for three gzip bodies and one plain body, not more.
	bound := 3*(len(gz)+entryCost("t0")) + len(plain)
	c := newBodyCache(16, bound)
	for i := range 3 {
		token := fmt.Sprintf("t%d", i)
		body := bytes.Clone(plain)
		c.put(token, `"e"`, body, lookupStamp{})
		c.putGzip(token, body, bytes.Clone(gz))
	}
	for i := range 3 {
		token := fmt.Sprintf("t%d", i)
		if _, ok := c.getGzip(token, `"e"`); !ok {
			t.Errorf("%s lost its gzip body", token)
		}
		_, ok := c.get(token, `"e"`)
		if want := i == 2; ok != want {
			t.Errorf("%s has its plain body: %v, want %v (only the most recent keeps it)", token, ok, want)
		}
	}
	if entries, size := c.stats(); entries != 3 || size > bound {
		t.Errorf("the cache holds %d entries and %d bytes; want 3 within %d", entries, size, bound)
	}
	// A fourth entry needs room that stripping alone cannot make.
	c.put("t3", `"e"`, bytes.Clone(plain), lookupStamp{})
	if _, ok := c.getGzip("t0", `"e"`); ok {
		t.Error("the least recently used entry survived although the bound was exceeded")
	}
	if _, size := c.stats(); size > bound {
		t.Errorf("the cache holds %d bytes, beyond its bound of %d", size, bound)
	}
}

// TestAFeedBeyondTheByteBoundIsServedFromItsGzipBody: when the plain
// bodies of all feeds do not fit, a feed whose plain body was dropped is
// served, byte for byte, from its gzip body rather than rendered again, and
// the outage fallback still has it.
func TestAFeedBeyondTheByteBoundIsServedFromItsGzipBody(t *testing.T) {
	svc, feeds := benchService(t, sample.Demo(t))
	ctx := t.Context()
	want := map[string][]byte{}
	bound := 0
	for _, f := range feeds {
		feed, err := svc.Lookup(ctx, f.token)
		if err != nil {
			t.Fatal(err)
		}
		gz, err := svc.RenderGzip(ctx, feed, f.token)
		if err != nil {
			t.Fatal(err)
		}
		want[f.token] = feed.body
		bound = max(bound, len(feed.body))
		bound += len(gz) + len(f.token) + len(feed.ETag)
	}
	// Every gzip body and the largest plain body fit, not every plain body.
	svc.bodies = newBodyCache(DefaultCacheEntries, bound)
	for _, f := range feeds {
		if _, err := svc.Lookup(ctx, f.token); err != nil {
			t.Fatal(err)
		}
	}
	first := feeds[0].token
	f, err := svc.Lookup(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if f.body != nil {
		t.Fatal("the test needs the first feed's plain body dropped")
	}
	gzBefore, ok := svc.bodies.getGzip(first, f.ETag)
	if !ok {
		t.Fatal("the first feed's gzip body was not kept")
	}
	body, err := svc.Render(ctx, f, first)
	if err != nil || !bytes.Equal(body, want[first]) {
		t.Fatalf("Render from the gzip body: %v, same bytes %v", err, bytes.Equal(body, want[first]))
	}
	// Made from the gzip body, not rendered: the plain body kept again is
	// the one Render returned, and the gzip body is still the one kept.
	kept, ok := svc.bodies.get(first, f.ETag)
	if !ok || !sameArray(kept, body) {
		t.Error("the plain body made from the gzip body was not kept again")
	}
	if gzAfter, ok := svc.bodies.getGzip(first, f.ETag); !ok || !sameArray(gzAfter, gzBefore) {
		t.Error("the feed was rendered again although its gzip body was kept")
	}
	stale, ok := svc.LastRendered(first)
	if !ok || !bytes.Equal(stale.Body, want[first]) {
		t.Errorf("the outage fallback of a feed kept as gzip only: %v, same bytes %v", ok, bytes.Equal(stale.Body, want[first]))
	}
}
