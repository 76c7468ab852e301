package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// BenchmarkFeedRequest measures one calendar's request for its feed through
// the server's handler, token and body in memory as when the feeds service
// is watched: what a server spends per request beyond net/http's own work.
func BenchmarkFeedRequest(b *testing.B) {
	p := sample.Demo(b)
	clock := &testClock{t: importedAt}
	st := storetest.Open(b, store.WithNow(clock.Now))
	storetest.MustImport(b, st, p)
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte{7}, feeds.KeySize))
	if err != nil {
		b.Fatal(err)
	}
	svc := feeds.NewService(st, keys, "https://planner.example.org", clock.Now)
	srv := New(Config{BaseURL: "https://planner.example.org", Logger: slog.New(slog.DiscardHandler), Now: clock.Now, Feeds: svc}, st)
	list, err := svc.List(b.Context(), p.Slug, true)
	if err != nil {
		b.Fatal(err)
	}
	var path string
	for _, l := range list {
		if l.Kind == programme.FeedPerson {
			path = strings.TrimPrefix(l.URL, "https://planner.example.org")
			break
		}
	}
	if err := svc.SyncChanges(b.Context()); err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	get := func(b *testing.B, header http.Header, want int) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header = header
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			b.Fatalf("feed: %d, want %d", rec.Code, want)
		}
		return rec
	}
	etag := get(b, http.Header{}, http.StatusOK).Header().Get("ETag")
	cases := []struct {
		name   string
		header http.Header
		want   int
	}{
		{"304", http.Header{"If-None-Match": {etag}}, http.StatusNotModified},
		{"200", http.Header{}, http.StatusOK},
		{"200-gzip", http.Header{"Accept-Encoding": {"gzip"}}, http.StatusOK},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				get(b, c.header, c.want)
			}
		})
	}
}
