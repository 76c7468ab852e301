package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/planner-dev/planner/bench/large"
	"github.com/planner-dev/planner/internal/programme"
)

// BenchmarkAgendaPage measures a delegate's personal agenda page of a
// conference (bench/large), with its token and programme in memory, as
// when the feeds service is watched.
func BenchmarkAgendaPage(b *testing.B) {
	p, err := large.Generate(large.Conference)
	if err != nil {
		b.Fatal(err)
	}
	env := newBenchEnv(b, p, nil)
	clock := env.clock
	token := env.token(b, p.Slug, programme.FeedPerson, p.People[0].Key)
	h := env.srv.Handler()
	get := func(b *testing.B) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/a/"+token, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("agenda page: %d", rec.Code)
		}
	}
	// The same page again, within the minute: what the feeds' cache keeps.
	// (Not on a whole minute: an item starting a whole number of minutes
	// later makes "in N min" change at once, and nothing is kept.)
	clock.Set(importedAt.Add(17 * time.Second))
	b.Run("kept", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			get(b)
		}
	})
	// A minute later each time: the page rendered afresh (beyond
	// feeds.MaxPageStale past its interval, so never served stale).
	b.Run("rendered", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			clock.Advance(time.Minute)
			get(b)
		}
	})
	// As "rendered", with nothing kept for the programme's version
	// (item_cache.go): the first page after each change to the programme.
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			clock.Advance(time.Minute)
			env.srv.views.forget()
			get(b)
		}
	})
	// The first request after the turn of the minute, when the kept page
	// has just ended its interval: what every page in rotation costs at
	// once under load. The page's render in the background, if any, is
	// waited for outside the timer (it is the same render as "rendered",
	// off the request's path): refreshes/op says how often one ran.
	b.Run("turn", func(b *testing.B) {
		b.ReportAllocs()
		clock.Set(importedAt.Truncate(time.Minute).Add(17 * time.Second))
		get(b)
		clock.Set(importedAt.Truncate(time.Minute).Add(time.Minute + 300*time.Millisecond))
		get(b)
		refreshed := env.svc.PageRefreshes()
		b.ResetTimer()
		for range b.N {
			clock.Advance(time.Minute)
			get(b)
			b.StopTimer()
			env.svc.PageRefreshes()
			b.StartTimer()
		}
		b.ReportMetric(float64(env.svc.PageRefreshes()-refreshed)/float64(b.N), "refreshes/op")
	})
	// The first request after a quiet spell longer than MaxPageStale
	// (17 s past the turn of the minute), when the page read a minute
	// before was rendered again in the background as its interval ended
	// (feeds.RefreshPages, outside the timer): the request finds it kept.
	// Without the schedule it costs what "rendered" does. inline/op
	// counts the renders the request made itself.
	b.Run("quiet", func(b *testing.B) {
		b.ReportAllocs()
		clock.Set(importedAt.Truncate(time.Minute).Add(17 * time.Second))
		get(b)
		inline := int64(0)
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			clock.Advance(time.Minute)
			env.svc.RefreshPages(b.Context())
			before := env.srv.agendaRenders.Load()
			b.StartTimer()
			get(b)
			inline += env.srv.agendaRenders.Load() - before
		}
		b.ReportMetric(float64(inline)/float64(b.N), "inline/op")
	})
}

// forget drops every version's views and items' HTML, for the benchmarks.
func (c *viewCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = [len(c.entries)]struct {
		p    *programme.Programme
		v    *programmeViews
		used uint64
	}{}
}
