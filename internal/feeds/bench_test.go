package feeds

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/bench/large"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// benchScale is how many times larger the large benchmark programme is than
// the demo: the demo has 9 sessions and 1 run, a long programme a few hundred.
const benchScale = 20

// benchNow is the instant every benchmark runs at: a week before the demo
// starts, so that no entry has left any feed.
var benchNow = time.Date(2016, 11, 20, 12, 0, 0, 0, time.UTC)

// benchFeed is one feed of a benchmark service, with its token.
type benchFeed struct {
	name  string
	kind  programme.FeedKind
	key   string
	token string
}

// benchSizes lists the programmes every benchmark runs on: the demo, a
// programme benchScale times larger and a conference (bench/large: 2,000
// people, 400 sessions, 2,000 speaker slots).
func benchSizes(b *testing.B) []struct {
	name string
	p    *programme.Programme
} {
	b.Helper()
	p := sample.Demo(b)
	sizes := []struct {
		name string
		p    *programme.Programme
	}{
		{"demo", p},
		{fmt.Sprintf("x%d", benchScale), sample.MustScaled(b, p, benchScale)},
		{"conference", benchConference(b)},
	}
	// Indexed as the service indexes every programme it loads. Without the
	// index, BenchmarkAgenda/conference/person measured 1.6 ms a feed, most
	// of it scanning the 2,000 people at each lookup by key; with it 0.29.
	for _, size := range sizes {
		size.p.IndexKeys()
	}
	return sizes
}

func benchConference(b testing.TB) *programme.Programme {
	b.Helper()
	p, err := large.Generate(large.Conference)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// benchPerson is the delegate whose feed the benchmarks render: Omar Ansari
// in the demo's programmes, the first person of a conference.
func benchPerson(p *programme.Programme) string {
	if p.Person("omar-ansari") != nil {
		return "omar-ansari"
	}
	return p.People[0].Key
}

// benchService imports p into a fresh store (SQLite, or PostgreSQL when
// storetest is asked for it) and returns a service with the tokens of two
// feeds: one delegate's agenda and the whole programme.
func benchService(b testing.TB, p *programme.Programme) (*Service, []benchFeed) {
	b.Helper()
	now := func() time.Time { return benchNow }
	st := storetest.Open(b, store.WithNow(now))
	storetest.MustImport(b, st, p)
	keys, err := NewKeyring(bytes.Repeat([]byte{42}, KeySize))
	if err != nil {
		b.Fatal(err)
	}
	svc := NewService(st, keys, "https://planner.example.org", now)
	list, err := svc.List(b.Context(), p.Slug, true)
	if err != nil {
		b.Fatal(err)
	}
	feeds := []benchFeed{
		{name: "person", kind: programme.FeedPerson, key: benchPerson(p)},
		{name: "programme", kind: programme.FeedProgramme, key: p.Slug},
		{name: "delegation", kind: programme.FeedDelegation, key: p.Delegations[0].Key},
	}
	for i := range feeds {
		for _, l := range list {
			if l.Kind == feeds[i].kind && l.Key == feeds[i].key {
				feeds[i].token = strings.TrimSuffix(strings.TrimPrefix(l.URL, "https://planner.example.org/feeds/"), ".ics")
			}
		}
		if feeds[i].token == "" {
			b.Fatalf("no %s feed %q", feeds[i].kind, feeds[i].key)
		}
	}
	return svc, feeds
}

// BenchmarkAgenda measures working out a feed's entries from a loaded
// programme, without the database or the encoder.
func BenchmarkAgenda(b *testing.B) {
	for _, size := range benchSizes(b) {
		for _, f := range []benchFeed{
			{name: "person", kind: programme.FeedPerson, key: benchPerson(size.p)},
			{name: "programme", kind: programme.FeedProgramme, key: size.p.Slug},
		} {
			b.Run(size.name+"/"+f.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := size.p.FeedEntries(f.kind, f.key, benchNow); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkLookup measures resolving a token and finding its ETag for a feed
// rendered since the last change, which is all a 304 costs: "database" asks
// the database (the token, the programme's version), as without Watch;
// "memory" answers from memory kept current by Watch.
func BenchmarkLookup(b *testing.B) {
	for _, size := range benchSizes(b) {
		for _, watched := range []bool{false, true} {
			name := size.name + "/database"
			if watched {
				name = size.name + "/memory"
			}
			b.Run(name, func(b *testing.B) {
				svc, feeds := benchService(b, size.p)
				if watched {
					if err := svc.SyncChanges(b.Context()); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := svc.Lookup(b.Context(), feeds[0].token); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := svc.Lookup(b.Context(), feeds[0].token); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkList measures the staff's list of every feed of a programme
// (the feeds page, `planner feeds`): one load, then every feed's entries.
func BenchmarkList(b *testing.B) {
	for _, size := range benchSizes(b) {
		b.Run(size.name, func(b *testing.B) {
			svc, _ := benchService(b, size.p)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.List(b.Context(), size.p.Slug, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoad measures loading the whole programme from the database,
// which a change costs once (not once per feed).
func BenchmarkLoad(b *testing.B) {
	for _, size := range benchSizes(b) {
		b.Run(size.name, func(b *testing.B) {
			svc, _ := benchService(b, size.p)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.store.Programme(b.Context(), size.p.Slug); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRender measures rendering a feed from the programme loaded once
// per change (agenda, encode and the ETag's hash), as the first request for
// each feed after a change does.
func BenchmarkRender(b *testing.B) {
	benchRender(b, false)
}

// BenchmarkRenderCached measures Render when the feed's body for its current
// ETag is already in the service's cache, as for every 200 response but the
// first after a change.
func BenchmarkRenderCached(b *testing.B) {
	benchRender(b, true)
}

func benchRender(b *testing.B, cached bool) {
	for _, size := range benchSizes(b) {
		b.Run(size.name, func(b *testing.B) {
			svc, feeds := benchService(b, size.p)
			for _, f := range feeds {
				b.Run(f.name, func(b *testing.B) {
					feed, err := svc.Lookup(b.Context(), f.token)
					if err != nil {
						b.Fatal(err)
					}
					body, err := svc.Render(b.Context(), feed, f.token)
					if err != nil {
						b.Fatal(err)
					}
					if !cached {
						b.SetBytes(int64(len(body)))
					}
					b.ReportAllocs()
					for b.Loop() {
						if !cached {
							feed.body = nil
						}
						if _, err := svc.Render(b.Context(), feed, f.token); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkRenderEveryFeed measures what a change costs when every feed of
// the programme is then fetched: one render of each feed from the programme
// loaded once (the load is BenchmarkLoad's). It reports the feeds and the
// bytes of all of them.
func BenchmarkRenderEveryFeed(b *testing.B) {
	for _, size := range benchSizes(b) {
		b.Run(size.name, func(b *testing.B) {
			svc, tokens, looked := benchEveryFeed(b, size.p)
			var total int
			for _, f := range looked {
				total += len(f.body)
			}
			b.ReportMetric(float64(len(tokens)), "feeds")
			b.ReportMetric(float64(total), "bytes-all")
			b.ReportAllocs()
			for b.Loop() {
				svc.bodies = newBodyCache(DefaultCacheEntries, DefaultCacheBytes)
				for _, token := range tokens {
					if _, err := svc.Lookup(b.Context(), token); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkRenderUnchanged measures what the first request of each feed
// costs after a change that left every feed's bytes alone: the feed worked
// out again from the programme and found to be the bytes kept, which are
// kept for the new version without being encoded or compressed again
// (BenchmarkRenderEveryFeed is the same with every feed encoded).
func BenchmarkRenderUnchanged(b *testing.B) {
	for _, size := range benchSizes(b) {
		b.Run(size.name, func(b *testing.B) {
			svc, tokens, looked := benchEveryFeed(b, size.p)
			b.ReportMetric(float64(len(tokens)), "feeds")
			b.ReportAllocs()
			for b.Loop() {
				for i, token := range tokens {
					if err := svc.render(b.Context(), looked[i], token); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// benchEveryFeed is a Service with every feed of p made and looked up
// once (so rendered and kept), memory current: the tokens and the feeds.
func benchEveryFeed(b *testing.B, p *programme.Programme) (*Service, []string, []*Feed) {
	b.Helper()
	svc, _ := benchService(b, p)
	list, err := svc.List(b.Context(), p.Slug, true)
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.SyncChanges(b.Context()); err != nil {
		b.Fatal(err)
	}
	tokens := make([]string, len(list))
	looked := make([]*Feed, len(list))
	for i, l := range list {
		tokens[i] = strings.TrimSuffix(strings.TrimPrefix(l.URL, "https://planner.example.org/feeds/"), ".ics")
		if looked[i], err = svc.Lookup(b.Context(), tokens[i]); err != nil {
			b.Fatal(err)
		}
	}
	return svc, tokens, looked
}
