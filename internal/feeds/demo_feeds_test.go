package feeds_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/planner-dev/planner/internal/demo"
)

// event is what the independent parser reads back of one VEVENT.
type event struct {
	Summary    string
	Start, End string // UTC, RFC 3339
	Status     string
	Sequence   int
}

func (e event) String() string {
	return fmt.Sprintf("%s %s–%s %s seq %d", e.Summary, e.Start, e.End, e.Status, e.Sequence)
}

// parseEvents reads a feed back with github.com/emersion/go-ical, a different
// library from the one that wrote it, and checks every time is local with a TZID.
func parseEvents(t *testing.T, body []byte) []event {
	t.Helper()
	cal, err := goical.NewDecoder(bytes.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot read the feed: %v", err)
	}
	var out []event
	for _, ev := range cal.Events() {
		start, err := ev.DateTimeStart(time.UTC)
		if err != nil {
			t.Fatalf("DTSTART: %v", err)
		}
		end, err := ev.DateTimeEnd(time.UTC)
		if err != nil {
			t.Fatalf("DTEND: %v", err)
		}
		for _, name := range []string{goical.PropDateTimeStart, goical.PropDateTimeEnd} {
			if p := ev.Props.Get(name); p == nil || p.Params.Get(goical.ParamTimezoneID) == "" || strings.HasSuffix(p.Value, "Z") {
				t.Errorf("%s of %q is not local time with a TZID: %+v", name, ev.Props.Get(goical.PropSummary).Value, p)
			}
		}
		seq := ev.Props.Get(goical.PropSequence)
		if seq == nil {
			t.Fatalf("%q has no SEQUENCE", ev.Props.Get(goical.PropSummary).Value)
		}
		n, err := seq.Int()
		if err != nil {
			t.Fatal(err)
		}
		summary, _ := ev.Props.Text(goical.PropSummary)
		status, _ := ev.Props.Text(goical.PropStatus)
		out = append(out, event{
			Summary: summary, Start: start.UTC().Format(time.RFC3339), End: end.UTC().Format(time.RFC3339),
			Status: status, Sequence: n,
		})
	}
	return out
}

// TestEveryDemoFeedReadsBack renders every feed of the demo and reads each
// back with an independent parser. Selected feeds are compared with events
// worked out by hand from the programme file: Washington in Eastern time
// (UTC-5 in November), Guadalajara in Central time (UTC-6 in December 2016).
func TestEveryDemoFeedReadsBack(t *testing.T) {
	_, svc, _ := setup(t)
	ctx := t.Context()
	list, err := svc.List(ctx, demo.Slug, true)
	if err != nil {
		t.Fatal(err)
	}
	delegate := []event{
		{"Washington meetings: government and non-government parties", "2016-11-28T14:00:00Z", "2016-11-28T22:00:00Z", "CONFIRMED", 0},
		{"Washington meetings: industry visits", "2016-11-29T14:00:00Z", "2016-11-29T22:00:00Z", "CONFIRMED", 0},
		{"Pre-Conference Seminar for CLDP Supported Delegations", "2016-12-05T15:00:00Z", "2016-12-05T19:00:00Z", "CONFIRMED", 0},
		{"Lunch (buy meal tickets at the gift shop)", "2016-12-05T19:00:00Z", "2016-12-05T20:00:00Z", "CONFIRMED", 0},
		{"IGF Day 0 events (your choice)", "2016-12-05T20:00:00Z", "2016-12-05T23:15:00Z", "CONFIRMED", 0},
		{"Bus back to the hotel", "2016-12-05T23:15:00Z", "2016-12-05T23:30:00Z", "CONFIRMED", 0},
		{"U.S. reception", "2016-12-06T01:00:00Z", "2016-12-06T03:00:00Z", "CONFIRMED", 0},
		{"Main session: Town Hall on Internet Governance and the SDGs", "2016-12-06T16:00:00Z", "2016-12-06T19:00:00Z", "CONFIRMED", 0},
		{"Main session: National and Regional IGF Initiatives", "2016-12-07T21:00:00Z", "2016-12-08T00:00:00Z", "TENTATIVE", 0},
		{"Closing lunch and closing session", "2016-12-09T19:00:00Z", "2016-12-09T21:00:00Z", "CONFIRMED", 0},
	}
	const seminar = " (Pre-Conference Seminar for CLDP Supported Delegations)"
	want := map[string][]event{
		"person/omar-ansari": delegate,
		"person/shamim":      delegate,
		"delegation/pk":      delegate,
		// Everyone in a delegation has every session and the bus, so the
		// whole programme reads the same as a delegate's agenda.
		"programme/" + demo.Slug: delegate,
		"person/joe-gattuso": {
			{"Speaking: Welcome and overview of the morning" + seminar, "2016-12-05T15:00:00Z", "2016-12-05T15:10:00Z", "CONFIRMED", 0},
			{"Speaking: The rest of the week: bus, reception, lunch" + seminar, "2016-12-05T18:50:00Z", "2016-12-05T19:00:00Z", "CONFIRMED", 0},
			{"Bus back to the hotel", "2016-12-05T23:15:00Z", "2016-12-05T23:30:00Z", "CONFIRMED", 0},
		},
		"person/jordan-solomon": {delegate[2]},
		"speaker/marilyn-cade": {
			{"Speaking: National and regional IGF initiatives; Town Hall invitation" + seminar, "2016-12-05T16:45:00Z", "2016-12-05T16:55:00Z", "CONFIRMED", 0},
		},
		"speaker/chris-painter": {
			{"Speaking: U.S. international cyber policy" + seminar, "2016-12-05T18:15:00Z", "2016-12-05T18:50:00Z", "CONFIRMED", 0},
		},
		"room/room-10":   {delegate[2]},
		"room/main-hall": {delegate[7], delegate[8]},
		// Emily Skills rides the bus and has no session: staff are in no audience.
		"person/emily-skills": {delegate[5]},
	}
	seen := 0
	for _, l := range list {
		token := tokenOf(t, l)
		f, err := svc.Lookup(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		body, err := svc.Render(ctx, f, token)
		if err != nil {
			t.Fatal(err)
		}
		id := string(l.Kind) + "/" + l.Key
		got := parseEvents(t, body)
		p, err := svc.Store().Programme(ctx, demo.Slug)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := p.FeedEntries(l.Kind, l.Key, time.Date(2016, 11, 20, 12, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(entries) {
			t.Errorf("%s: the parser reads %d events, the agenda has %d entries", id, len(got), len(entries))
		}
		expected, ok := want[id]
		if !ok {
			continue
		}
		seen++
		if !slices.Equal(got, expected) {
			t.Errorf("%s reads back as\n%s\nwant\n%s", id, lines(got), lines(expected))
		}
	}
	if seen != len(want) {
		t.Errorf("checked %d feeds by hand, want %d: a feed is missing from the listing", seen, len(want))
	}
}

func lines(events []event) string {
	var b strings.Builder
	for _, e := range events {
		b.WriteString("  " + e.String() + "\n")
	}
	return b.String()
}
