package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
)

// BenchmarkFeedRequest measures one calendar's request for its feed through
// the server's handler, token and body in memory as when the feeds service
// is watched: what a server spends per request beyond net/http's own work.
func BenchmarkFeedRequest(b *testing.B) {
	p := sample.Demo(b)
	env := newBenchEnv(b, p, nil)
	path := "/feeds/" + env.token(b, p.Slug, programme.FeedPerson, p.People[0].Key) + ".ics"
	h := env.srv.Handler()
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
