package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

func TestBasePathOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://example.org":              "",
		"https://example.org/":             "",
		"https://example.org/planner":      "/planner",
		"https://example.org/planner/":     "/planner",
		"https://example.org/a/b/":         "/a/b",
		"https://example.org/with%20space": "/with%20space",
	} {
		if got := basePathOf(in); got != want {
			t.Errorf("basePathOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// attrLink finds every href and src attribute of a page.
var attrLink = regexp.MustCompile(`(?:href|src)="([^"]*)"`)

// TestEveryLinkFollowsTheBasePath serves the demo as a reverse proxy at
// https://example.org/planner/ would reach it, the prefix stripped, and
// checks that every link of every page leads back under the prefix: a
// same-page fragment, a link under /planner/, an absolute URL under
// https://example.org/planner/ (or its webcal twin), or Google Calendar's
// subscribe page.
func TestEveryLinkFollowsTheBasePath(t *testing.T) {
	const base = "https://example.org/planner/"
	clock := storetest.NewClock(importedAt)
	st := storetest.Open(t, store.WithNow(clock.Now))
	storetest.MustImport(t, st, sample.Demo(t))
	storetest.MustMakePublic(t, st, sample.Demo(t).Slug)
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte{7}, feeds.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc := feeds.NewService(st, keys, base, clock.Now)
	srv := New(Config{BaseURL: base, Logger: slog.New(slog.DiscardHandler), Now: clock.Now, Feeds: svc}, st)
	env := &feedEnv{t: t, clock: clock, st: st, svc: svc, srv: srv, slug: demo.Slug}
	tok, ok := strings.CutPrefix(env.listing(programme.FeedPerson, "omar-ansari").URL, base+"feeds/")
	if !ok {
		t.Fatalf("the feed URL is not under %s", base)
	}
	tok = strings.TrimSuffix(tok, ".ics")

	pages := []struct {
		path   string
		status int
	}{
		{"/", http.StatusOK},
		{"/p/" + demo.Slug, http.StatusOK},
		{"/a/" + tok, http.StatusOK},
		{"/p/no-such-programme", http.StatusNotFound},
		{"/a/" + strings.Repeat("b", len(tok)), http.StatusNotFound},
	}
	allowed := func(link string) bool {
		switch {
		case strings.HasPrefix(link, "#"):
			return len(link) > 1
		case strings.HasPrefix(link, "/planner/"):
			return true
		case strings.HasPrefix(link, base), strings.HasPrefix(link, "webcal://example.org/planner/"):
			return true
		case strings.HasPrefix(link, "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Fexample.org%2Fplanner%2F"):
			return true
		case strings.HasPrefix(link, "https://outlook.live.com/calendar/0/addfromweb?url=https%3A%2F%2Fexample.org%2Fplanner%2F"):
			return true
		}
		return false
	}
	for _, p := range pages {
		res, body := get(t, srv.Handler(), p.path)
		if res.StatusCode != p.status {
			t.Fatalf("GET %s: status %d, want %d", p.path, res.StatusCode, p.status)
		}
		links := attrLink.FindAllStringSubmatch(body, -1)
		if len(links) < 3 {
			t.Fatalf("GET %s: only %d links: nothing to check", p.path, len(links))
		}
		var rootRelative int
		for _, l := range links {
			if !allowed(l[1]) {
				t.Errorf("GET %s: link %q does not follow the base path", p.path, l[1])
			}
			if strings.HasPrefix(l[1], "/planner/") {
				rootRelative++
			}
		}
		// The style sheet, the icon and the home link at least.
		if rootRelative < 3 {
			t.Errorf("GET %s: %d links under /planner/, want the style sheet, icon and home link at least", p.path, rootRelative)
		}
	}

	// What the links name is served at the server's root, where the proxy
	// sends it once it has stripped /planner.
	_, page := get(t, srv.Handler(), "/a/"+tok)
	for _, want := range []string{`href="/planner/static/app.css?v=`, `href="/planner/p/` + demo.Slug + `"`,
		`src="/planner/a/` + tok + `/qr.png"`, `href="/planner/feeds/` + tok + `.ics?download=1"`, `href="/planner/"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the personal page lacks %s", want)
		}
	}
	for _, path := range []string{"/static/app.css", "/a/" + tok + "/qr.png", "/feeds/" + tok + ".ics?download=1", "/p/" + demo.Slug} {
		if res, _ := get(t, srv.Handler(), path); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200 at the server's root", path, res.StatusCode)
		}
	}
}
