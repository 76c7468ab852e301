package feeds

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

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

// benchSizes lists the programmes every benchmark runs on: the demo and a
// programme benchScale times larger.
func benchSizes(b *testing.B) []struct {
	name string
	p    *programme.Programme
} {
	b.Helper()
	p := sample.Demo(b)
	return []struct {
		name string
		p    *programme.Programme
	}{
		{"demo", p},
		{fmt.Sprintf("x%d", benchScale), sample.MustScaled(b, p, benchScale)},
	}
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
		{name: "person", kind: programme.FeedPerson, key: "omar-ansari"},
		{name: "programme", kind: programme.FeedProgramme, key: p.Slug},
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
			{name: "person", kind: programme.FeedPerson, key: "omar-ansari"},
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

// BenchmarkLookup measures resolving a token and computing its ETag, which
// is all a 304 costs.
func BenchmarkLookup(b *testing.B) {
	for _, size := range benchSizes(b) {
		b.Run(size.name, func(b *testing.B) {
			svc, feeds := benchService(b, size.p)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Lookup(b.Context(), feeds[0].token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoad measures loading the whole programme from the database, the
// first of Render's three steps (load, agenda, encode).
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

// BenchmarkRender measures rendering a feed from scratch, as every 200
// response did before the body cache: load, agenda and encode.
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
			if !cached {
				svc.bodies = nil
			}
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
						if _, err := svc.Render(b.Context(), feed, f.token); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
