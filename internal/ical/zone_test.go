package ical_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/ical"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
)

// roundTripZones are zones with every kind of history: yearly rules in both
// hemispheres, rules that changed (New York 2007, London's 1996 autumn),
// daylight saving time that ended (Mexico City 2022), none at all (Kabul),
// half-hour daylight saving (Lord Howe), changes at midnight or on a day
// "before the last Sunday" (Santiago, Jerusalem, Nuuk), irregular changes
// (Casablanca's Ramadan), odd offsets (Chatham, Kathmandu) and Dublin's
// negative daylight saving time.
var roundTripZones = []string{
	"Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Moscow", "Europe/Istanbul",
	"America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
	"America/Mexico_City", "America/Havana", "America/Sao_Paulo", "America/Santiago", "America/Asuncion",
	"America/Nuuk", "America/St_Johns", "Asia/Kabul", "Asia/Kathmandu", "Asia/Tehran",
	"Asia/Jerusalem", "Asia/Gaza", "Asia/Kolkata", "Asia/Tokyo", "Africa/Casablanca",
	"Africa/Cairo", "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Chatham",
	"Pacific/Apia", "UTC",
}

// TestZoneRoundTrip writes each zone's VTIMEZONE for a programme spanning
// 2001 to 2039, expands it with an independent RRULE implementation and
// compares the UTC offset it gives with Go's zone data every six hours from
// 2000 to 2040 and an hour and a second either side of every transition.
func TestZoneRoundTrip(t *testing.T) {
	from := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2041, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, name := range roundTripZones {
		t.Run(name, func(t *testing.T) {
			loc, err := programme.LoadZone(name)
			if err != nil {
				t.Fatal(err)
			}
			p := &programme.Programme{Slug: "zones", TimeZone: name, StartsOn: "2001-03-01", EndsOn: "2039-10-01"}
			z := vtimezones(t, parse(t, encode(t, ical.Feed{Name: name, Programme: p})))[name]
			check := func(u time.Time) {
				t.Helper()
				_, want := u.In(loc).Zone()
				if got := z.offsetAt(u); got != want {
					t.Fatalf("at %s the VTIMEZONE gives %+d s, Go %+d s", u.Format(time.RFC3339), got, want)
				}
			}
			for u := from; u.Before(to); u = u.Add(6 * time.Hour) {
				check(u)
			}
			transitions := 0
			for u := from; ; {
				_, end := u.In(loc).ZoneBounds()
				if end.IsZero() || !end.Before(to) || !end.After(u) {
					break
				}
				for _, d := range []time.Duration{-time.Hour, -time.Second, 0, time.Second, time.Hour} {
					check(end.Add(d))
				}
				transitions++
				u = end
			}
			t.Logf("%d transitions, %d observances", transitions, len(z.observances))
		})
	}
}

// TestZoneRules pins the yearly rules inferred for a few zones: the rule of
// their zone data's POSIX TZ footer, from the first year it held unbroken.
func TestZoneRules(t *testing.T) {
	for _, tt := range []struct {
		zone string
		want []string // DTSTART and RRULE of each yearly observance, in order
	}{
		{"Europe/London", []string{
			"DAYLIGHT 19960331T010000 FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
			"STANDARD 19961027T020000 FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"}},
		{"America/New_York", []string{
			"DAYLIGHT 20070311T020000 FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
			"STANDARD 20071104T020000 FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"}},
		{"Australia/Lord_Howe", []string{
			"STANDARD 20080406T020000 FREQ=YEARLY;BYMONTH=4;BYDAY=1SU",
			"DAYLIGHT 20081005T020000 FREQ=YEARLY;BYMONTH=10;BYDAY=1SU"}},
		// Saturday at 24:00 is the Sunday of the 2nd to 8th.
		{"America/Santiago", []string{
			"STANDARD 20230402T000000 FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=2,3,4,5,6,7,8;BYDAY=SU",
			"DAYLIGHT 20230903T000000 FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=2,3,4,5,6,7,8;BYDAY=SU"}},
		{"America/Mexico_City", nil},
		{"Africa/Casablanca", nil},
		{"Asia/Kabul", nil},
	} {
		t.Run(tt.zone, func(t *testing.T) {
			p := &programme.Programme{Slug: "zones", TimeZone: tt.zone, StartsOn: "2024-01-10", EndsOn: "2024-01-12"}
			z := vtimezones(t, parse(t, encode(t, ical.Feed{Name: "x", Programme: p})))[tt.zone]
			var got []string
			for _, o := range z.observances {
				if o.rrule != "" {
					got = append(got, o.kind+" "+o.onset+" "+o.rrule)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("yearly observances:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestZoneSameInEveryFeed checks that a zone's VTIMEZONE is the same bytes in
// every feed of a programme, whatever events the feed holds, and that a feed
// with no events still holds its programme's zone.
func TestZoneSameInEveryFeed(t *testing.T) {
	p := fixture(t)
	block := regexp.MustCompile(`(?s)BEGIN:VTIMEZONE\r\nTZID:([^\r]+)\r\n.*?END:VTIMEZONE\r\n`)
	seen := map[string][]byte{}
	from := map[string]string{}
	kinds := map[string]int{}
	for name, f := range feeds(t) {
		for _, m := range block.FindAllSubmatch(encode(t, f), -1) {
			zone := string(m[1])
			kinds[zone]++
			if prev, ok := seen[zone]; ok && !bytes.Equal(prev, m[0]) {
				t.Errorf("%s differs between feeds %s and %s:\n%s\n%s", zone, from[zone], name, prev, m[0])
			}
			seen[zone], from[zone] = m[0], name
		}
	}
	if kinds[mexico] != len(feeds(t)) {
		t.Errorf("%s is in %d of %d feeds, want every one (the programme's zone)", mexico, kinds[mexico], len(feeds(t)))
	}
	if kinds[newYork] < 2 {
		t.Errorf("%s is in %d feeds, want at least 2 to compare", newYork, kinds[newYork])
	}
	// A feed of one event in autumn, and one of an event in spring, give the same bytes.
	one := func(key string) []byte {
		for _, e := range feeds(t)["programme"].Entries {
			if e.ID == "session/"+key {
				return block.Find(encode(t, ical.Feed{Name: key, Programme: p, Entries: []programme.Entry{e}}))
			}
		}
		t.Fatalf("no session %s", key)
		return nil
	}
	if a, b := one("mx-spring"), one("mx-fall"); !bytes.Equal(a, b) {
		t.Errorf("a spring and an autumn event get different VTIMEZONEs:\n%s\n%s", a, b)
	}
}

// TestEmptyFeedHoldsAComponent checks that a feed with no events is still a
// calendar RFC 5545's grammar accepts: at least one component.
func TestEmptyFeedHoldsAComponent(t *testing.T) {
	cal := parse(t, encode(t, feeds(t)["empty"]))
	if len(cal.Children) == 0 {
		t.Fatal("the empty feed has no component")
	}
	if got := text(t, cal.Children[0].Props, "TZID"); cal.Children[0].Name != "VTIMEZONE" || got != mexico {
		t.Fatalf("first component %s %s, want the programme's VTIMEZONE %s", cal.Children[0].Name, got, mexico)
	}
}

// TestCategoriesInWords checks that CATEGORIES names the kind as a delegate
// reads it, never the format's identifier.
func TestCategoriesInWords(t *testing.T) {
	p := fixture(t)
	for i := range p.Sessions {
		if p.Sessions[i].Key == "dc-day1" {
			p.Sessions[i].Kind = "main_session"
		}
		if p.Sessions[i].Key == "day0-lunch" {
			p.Sessions[i].Kind = "free_time"
		}
	}
	entries, err := p.FeedEntries(programme.FeedProgramme, p.Slug, edited.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	speaker, err := p.FeedEntries(programme.FeedSpeaker, "maria-elena-flores", edited.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"session/ny-spring":     "Briefing",
		"session/mx-spring":     "Meeting",
		"session/dc-day1":       "Main session",
		"session/day0-seminar":  "Seminar",
		"session/day0-lunch":    "Free time",
		"session/reception":     "Reception",
		"run/day0-bus":          "Bus",
		"slot/day0-seminar/ift": "Seminar",
	}
	got := map[string]string{}
	for _, es := range [][]programme.Entry{entries, speaker} {
		cal := parse(t, encode(t, ical.Feed{Name: "x", Programme: p, Entries: es}))
		for i, ev := range cal.Events() {
			got[es[i].ID] = text(t, ev.Props, "CATEGORIES")
		}
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s CATEGORIES = %q, want %q", id, got[id], w)
		}
	}
}

// TestZoneSameInEveryDemoFeed encodes every feed of the demo programme, and
// of the demo scaled to twenty fortnights (which crosses into 2017), and
// checks that each zone has one definition, byte for byte, across all of them.
func TestZoneSameInEveryDemoFeed(t *testing.T) {
	block := regexp.MustCompile(`(?s)BEGIN:VTIMEZONE\r\nTZID:([^\r]+)\r\n.*?END:VTIMEZONE\r\n`)
	demo := sample.Demo(t)
	for _, p := range []*programme.Programme{demo, sample.MustScaled(t, demo, 20)} {
		type feed struct {
			kind programme.FeedKind
			key  string
		}
		all := []feed{{programme.FeedProgramme, p.Slug}}
		for _, person := range p.People {
			all = append(all, feed{programme.FeedPerson, person.Key}, feed{programme.FeedSpeaker, person.Key})
		}
		for _, d := range p.Delegations {
			all = append(all, feed{programme.FeedDelegation, d.Key})
		}
		for _, r := range p.Rooms {
			all = append(all, feed{programme.FeedRoom, r.Key})
		}
		seen := map[string][]byte{}
		from := map[string]string{}
		for _, f := range all {
			entries, err := p.FeedEntries(f.kind, f.key, edited)
			if err != nil {
				t.Fatal(err)
			}
			name := string(f.kind) + ":" + f.key
			blocks := block.FindAllSubmatch(encode(t, ical.Feed{Name: name, Programme: p, Entries: entries}), -1)
			if len(blocks) == 0 {
				t.Errorf("%s has no VTIMEZONE", name)
			}
			for _, m := range blocks {
				zone := string(m[1])
				if prev, ok := seen[zone]; ok && !bytes.Equal(prev, m[0]) {
					t.Errorf("%s of %s differs from %s's:\n%s\n%s", zone, name, from[zone], m[0], prev)
				}
				seen[zone], from[zone] = m[0], name
			}
		}
		if len(all) < 30 || len(seen) != 2 {
			t.Fatalf("%d feeds with %d zones, want the demo's 30 or more feeds in its 2 zones", len(all), len(seen))
		}
	}
}

// TestZoneSameInEveryProgramme checks that a zone's VTIMEZONE does not change
// with the programme for programmes held from 2011 to 2039, so that a client
// subscribed to two programmes' feeds, and caching zones by TZID, reads both
// right; and that a programme outside those years still gets its own years.
func TestZoneSameInEveryProgramme(t *testing.T) {
	block := regexp.MustCompile(`(?s)BEGIN:VTIMEZONE\r\n.*?END:VTIMEZONE\r\n`)
	definition := func(zone, from, to string) []byte {
		p := &programme.Programme{Slug: "zones", TimeZone: zone, StartsOn: from, EndsOn: to}
		return block.Find(encode(t, ical.Feed{Name: "x", Programme: p}))
	}
	for _, zone := range roundTripZones {
		want := definition(zone, "2016-11-28", "2016-12-09")
		for _, years := range [][2]string{{"2011-01-01", "2011-01-02"}, {"2024-06-01", "2024-06-30"}, {"2030-12-20", "2031-01-10"}, {"2039-12-01", "2039-12-31"}} {
			if got := definition(zone, years[0], years[1]); !bytes.Equal(got, want) {
				t.Errorf("%s for a programme in %s–%s differs from 2016's:\n%s\n%s", zone, years[0], years[1], got, want)
			}
		}
	}
	// Mexico City in 1999: the changes of 1998 on are listed.
	old := definition(mexico, "1999-05-01", "1999-05-10")
	if !bytes.Contains(old, []byte("DTSTART:19980405T020000\r\n")) {
		t.Errorf("%s for 1999 lacks the spring change of 1998:\n%s", mexico, old)
	}
}

// TestZoneObservancesGrouped checks that observances differing only in when
// they start are one STANDARD or DAYLIGHT with RDATEs, the first start
// repeated among them: ruby's icalendar fails on two STANDARDs (or
// DAYLIGHTs) when one starts after the event, and ical.js ignores DTSTART
// in a component with RDATEs. The demo's zones get one of each.
func TestZoneObservancesGrouped(t *testing.T) {
	for _, zone := range roundTripZones {
		p := &programme.Programme{Slug: "zones", TimeZone: zone, StartsOn: "2016-11-28", EndsOn: "2016-12-09"}
		cal := parse(t, encode(t, ical.Feed{Name: "x", Programme: p}))
		kinds := map[string]int{}
		seen := map[string]bool{}
		for _, o := range cal.Children[0].Children {
			kinds[o.Name]++
			key := o.Name + " " + o.Props.Get("TZOFFSETFROM").Value + " " + o.Props.Get("TZOFFSETTO").Value + " " + o.Props.Get("TZNAME").Value
			rdates := o.Props.Values("RDATE")
			if o.Props.Get("RRULE") == nil {
				if seen[key] {
					t.Errorf("%s: two %s observances", zone, key)
				}
				seen[key] = true
			}
			if len(rdates) > 0 && rdates[0].Value != o.Props.Get("DTSTART").Value {
				t.Errorf("%s %s: first RDATE %s, want DTSTART %s repeated", zone, key, rdates[0].Value, o.Props.Get("DTSTART").Value)
			}
		}
		if zone == mexico || zone == newYork || zone == "Europe/London" {
			if kinds["STANDARD"] != 1 || kinds["DAYLIGHT"] != 1 {
				t.Errorf("%s: %v, want one STANDARD and one DAYLIGHT", zone, kinds)
			}
		}
	}
}
