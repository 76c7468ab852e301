package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/planner-dev/planner/bench/large"

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

// BenchmarkFeedRotation measures what a calendar's poll costs the server
// under load: every feed of a conference (bench/large) polled in turn with
// its current ETag, each answered 304 from memory (serveFeedFromMemory),
// memory kept current as Watch keeps it in `serve`. Unlike
// BenchmarkFeedRequest, which asks for one feed over and over, the maps
// and caches a request touches are as large and as cold as on a real
// server. The response writer is reused, its headers cleared per request:
// what net/http itself spends is not measured. The server is set up once
// per process (it takes seconds): -count repeats the measurement alone.
// Its store is closed once the first run ends, which no request answered
// from memory notices; one that did would fail the benchmark.
func BenchmarkFeedRotation(b *testing.B) {
	if rotation.h == nil {
		rotation.h, rotation.reqs = feedRotation(b)
	}
	h, reqs := rotation.h, rotation.reqs
	w := &benchWriter{header: http.Header{}}
	b.ReportAllocs()
	cpu := processCPU(b)
	i := 0
	for b.Loop() {
		req := reqs[i]
		if i++; i == len(reqs) {
			i = 0
		}
		clear(w.header)
		w.code = 0
		h.ServeHTTP(w, req)
		if w.code != http.StatusNotModified {
			b.Fatalf("%s: %d, want 304", req.URL.Path, w.code)
		}
	}
	// The machine may be shared: the process's CPU time per request is
	// less disturbed by others' load than the time it took.
	b.ReportMetric(float64(processCPU(b)-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(len(reqs)), "feeds")
}

// rotation is BenchmarkFeedRotation's server and requests, once made.
var rotation struct {
	h    http.Handler
	reqs []*http.Request
}

// feedRotation sets up BenchmarkFeedRotation: the conference imported,
// every feed's token made and its feed rendered, memory current, and a
// request with the current ETag for each feed.
func feedRotation(b *testing.B) (http.Handler, []*http.Request) {
	p, err := large.Generate(large.Conference)
	if err != nil {
		b.Fatal(err)
	}
	env := newBenchEnv(b, p, nil)
	list, err := env.svc.List(b.Context(), p.Slug, true)
	if err != nil {
		b.Fatal(err)
	}
	env.sync(b)
	h := env.srv.Handler()
	var reqs []*http.Request
	for _, l := range list {
		if l.URL == "" {
			continue
		}
		path := strings.TrimPrefix(l.URL, "https://planner.example.org")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d", path, rec.Code)
		}
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
		reqs = append(reqs, req)
	}
	// Each feed once more, so that every lookup afterwards finds its token
	// confirmed, as on a server polled for hours.
	w := &benchWriter{header: http.Header{}}
	for _, req := range reqs {
		clear(w.header)
		h.ServeHTTP(w, req)
		if w.code != http.StatusNotModified {
			b.Fatalf("%s: %d, want 304", req.URL.Path, w.code)
		}
	}
	return h, reqs
}

// benchWriter is a ResponseWriter that keeps only the status.
type benchWriter struct {
	header http.Header
	code   int
}

func (w *benchWriter) Header() http.Header { return w.header }

func (w *benchWriter) WriteHeader(code int) { w.code = code }

func (w *benchWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return len(p), nil
}
