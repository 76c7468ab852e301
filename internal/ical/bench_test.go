package ical_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/ical"
	"github.com/planner-dev/planner/internal/programme"
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
	demoProg := benchDemo(b)
	for _, size := range []struct {
		name string
		p    *programme.Programme
	}{
		{"demo", demoProg},
		{fmt.Sprintf("x%d", benchScale), benchScaled(b, demoProg, benchScale)},
	} {
		for _, feed := range []struct {
			name string
			kind programme.FeedKind
			key  string
		}{
			{"programme", programme.FeedProgramme, size.p.Slug},
			{"person", programme.FeedPerson, "omar-ansari"},
		} {
			b.Run(size.name+"/"+feed.name, func(b *testing.B) {
				entries, err := size.p.Agenda(feed.kind, feed.key, benchStored)
				if err != nil {
					b.Fatal(err)
				}
				f := ical.Feed{
					Name: size.p.Title, Description: size.p.Description, Programme: size.p,
					Entries: entries, PageURL: "https://planner.example.org/a/0123456789abcdef",
				}
				var first bytes.Buffer
				if err := ical.Encode(&first, f); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(first.Len()))
				b.ReportMetric(float64(len(entries)), "events")
				b.ReportAllocs()
				for b.Loop() {
					if err := ical.Encode(io.Discard, f); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// benchDemo decodes the built-in demo and gives every item the bookkeeping
// the store would add.
func benchDemo(tb testing.TB) *programme.Programme {
	tb.Helper()
	p, _, err := exchange.Decode(bytes.NewReader(demo.JSON))
	if err != nil {
		tb.Fatal(err)
	}
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

// benchScaled returns a copy of p with its sessions and runs repeated n times:
// copy k has the keys suffixed with -xK and takes place 2k weeks later, at the
// same local times, so that it is a valid programme of n fortnights with the
// same people, rooms and audiences.
func benchScaled(tb testing.TB, p *programme.Programme, n int) *programme.Programme {
	tb.Helper()
	out := *p
	out.Sessions, out.Transport = nil, nil
	for k := range n {
		days := 14 * k
		suffix := ""
		if k > 0 {
			suffix = fmt.Sprintf("-x%d", k)
		}
		for _, s := range p.Sessions {
			shift := benchShifter(p.Loc(s.TimeZone), days)
			s.Key += suffix
			s.StartsAt, s.EndsAt = shift(s.StartsAt), shift(s.EndsAt)
			s.Slots = append([]programme.Slot(nil), s.Slots...)
			for j := range s.Slots {
				sl := &s.Slots[j]
				sl.StartsAt, sl.EndsAt = shift(sl.StartsAt), shift(sl.EndsAt)
				sl.AvailableFrom, sl.AvailableUntil = benchShiftPtr(shift, sl.AvailableFrom), benchShiftPtr(shift, sl.AvailableUntil)
			}
			out.Sessions = append(out.Sessions, s)
		}
		for _, r := range p.Transport {
			shift := benchShifter(p.Loc(r.TimeZone), days)
			r.Key += suffix
			r.DepartsAt = shift(r.DepartsAt)
			if r.Poll != nil {
				poll := *r.Poll
				poll.ClosesAt = benchShiftPtr(shift, poll.ClosesAt)
				r.Poll = &poll
			}
			out.Transport = append(out.Transport, r)
		}
	}
	end, err := programme.ParseDate(p.EndsOn)
	if err != nil {
		tb.Fatal(err)
	}
	out.EndsOn = end.AddDate(0, 0, 14*(n-1)).Format(programme.DateLayout)
	if errs := programme.Validate(&out); len(errs) > 0 {
		tb.Fatalf("the scaled programme is invalid: %v", errs)
	}
	return &out
}

// benchShifter moves instants by days on the local calendar of loc, so that a
// copy keeps its wall-clock times across daylight-saving changes.
func benchShifter(loc *time.Location, days int) func(time.Time) time.Time {
	return func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.In(loc).AddDate(0, 0, days).UTC()
	}
}

func benchShiftPtr(shift func(time.Time) time.Time, t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := shift(*t)
	return &v
}
