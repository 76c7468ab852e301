package feeds

import (
	"slices"
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
	c.keepPage(pageKey("tokA", ""), "tokA", 7, t0, t0.Add(time.Minute), []byte("page of A"), stamp("a"))
	c.keepPage(pageKey("tokA", "vote"), "tokA", 7, t0, t0.Add(time.Minute), []byte("page of A, voted"), stamp("a"))
	c.keepPage(pageKey("tokB", ""), "tokB", 7, t0, t0.Add(time.Minute), []byte("page of B"), stamp("b"))

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
	c.keepPage(pageKey("tokB", "vote"), "tokB", 7, t0, t0.Add(time.Minute), []byte("late"), old)
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
	c.keepPage(pageKey("tokA", ""), "tokA", 7, t0, t0.Add(time.Minute), []byte("page of A"), stamp)
	c.put("tokB", `"b"`, []byte("feed of B"), stamp)
	c.put("tokC", `"c"`, []byte("feed of C"), stamp)
	if _, ok := c.get("tokA", `"a"`); !ok {
		t.Error("the least recently used feed went before a page")
	}
	if _, ok := c.getPage(pageKey("tokA", ""), 7, t0); ok {
		t.Error("the page outlived the bound")
	}
}
