package ical_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/ical"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
)

// benchScale is how many times larger the large benchmark programme is than
// the demo: the demo has 9 sessions and 1 run, a long programme a few hundred.
const benchScale = 20

// benchStored is when the benchmark programmes were last "stored", so that
// every entry carries a LAST-MODIFIED and SEQUENCE as a loaded one does.
var benchStored = time.Date(2016, 11, 20, 12, 0, 0, 0, time.UTC)

// BenchmarkEncode measures the encoder alone, on entries already worked out:
// the programme feed (every session and run) and one delegate's feed, on the
// demo and on a programme benchScale times larger.
func BenchmarkEncode(b *testing.B) {
	for _, feed := range benchFeeds(b) {
		b.Run(feed.name, func(b *testing.B) {
			var first bytes.Buffer
			if err := ical.Encode(&first, feed.f); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(first.Len()))
			b.ReportMetric(float64(len(feed.f.Entries)), "events")
			b.ReportAllocs()
			for b.Loop() {
				if err := ical.Encode(io.Discard, feed.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFingerprint measures what telling whether a feed would encode
// to the same bytes costs, on BenchmarkEncode's feeds.
func BenchmarkFingerprint(b *testing.B) {
	for _, feed := range benchFeeds(b) {
		b.Run(feed.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ical.Fingerprint(feed.f)
			}
		})
	}
}

// benchFeeds are the feeds the benchmarks encode: the programme's and one
// delegate's, on the demo and on a programme benchScale times larger.
func benchFeeds(b *testing.B) []struct {
	name string
	f    ical.Feed
} {
	b.Helper()
	demoProg := benchDemo(b)
	var out []struct {
		name string
		f    ical.Feed
	}
	for _, size := range []struct {
		name string
		p    *programme.Programme
	}{
		{"demo", demoProg},
		{fmt.Sprintf("x%d", benchScale), sample.MustScaled(b, demoProg, benchScale)},
	} {
		for _, feed := range []struct {
			name string
			kind programme.FeedKind
			key  string
		}{
			{"programme", programme.FeedProgramme, size.p.Slug},
			{"person", programme.FeedPerson, "omar-ansari"},
		} {
			entries, err := size.p.FeedEntries(feed.kind, feed.key, benchStored)
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, struct {
				name string
				f    ical.Feed
			}{size.name + "/" + feed.name, ical.Feed{
				Name: size.p.Title, Description: size.p.Description, Programme: size.p,
				Entries: entries, PublicPageURL: "https://planner.example.org/p/bench",
			}})
		}
	}
	return out
}

// benchDemo decodes the built-in demo and gives every item the bookkeeping
// the store would add.
func benchDemo(tb testing.TB) *programme.Programme {
	tb.Helper()
	p := sample.Demo(tb)
	stored := programme.Change{Sequence: 1, ModifiedAt: benchStored, CreatedAt: benchStored}
	for i := range p.Sessions {
		p.Sessions[i].Change = stored
		for j := range p.Sessions[i].Slots {
			p.Sessions[i].Slots[j].Change = stored
		}
	}
	for i := range p.Transport {
		p.Transport[i].Change = stored
	}
	p.Version, p.UpdatedAt = 1, benchStored
	return p
}
