package ical_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"

	"github.com/planner-dev/planner/internal/ical"
	"github.com/planner-dev/planner/internal/programme"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	mexico  = "America/Mexico_City"
	newYork = "America/New_York"
)

// edited is when the fixture was last stored.
var edited = time.Date(2016, 11, 20, 12, 0, 0, 0, time.UTC)

func local(t *testing.T, value, zone string) time.Time {
	t.Helper()
	loc, err := programme.LoadZone(zone)
	if err != nil {
		t.Fatal(err)
	}
	at, err := programme.ParseLocal(value, loc)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// fixture is a small programme in both of the demo's zones, with events on
// the daylight-saving edges of 2016: New York springs forward on 13 March,
// Mexico City springs forward on 3 April and falls back on 30 October (it
// stopped observing DST only in 2022).
func fixture(t *testing.T) *programme.Programme {
	t.Helper()
	at := func(v string) time.Time { return local(t, v, mexico) }
	stored := programme.Change{Sequence: 1, ModifiedAt: edited, CreatedAt: edited}
	af := programme.Audience{Delegations: []string{"af"}}
	return &programme.Programme{
		Slug: "ical-test", Title: "CLDP-supported delegations at IGF 2016", TimeZone: mexico,
		Venues: []programme.Venue{
			{Key: "expo", Name: "Expo Guadalajara", Address: "Av. Mariano Otero 1499, Guadalajara, Jalisco, Mexico"},
			{Key: "hotel", Name: "Delegation hotel", Address: "Guadalajara, Jalisco, Mexico"},
			{Key: "dc", Name: "Washington DC meetings", Address: "Washington, DC, United States"},
		},
		Rooms:       []programme.Room{{Key: "room-10", Name: "Workshop Room 10", Venue: "expo"}},
		Delegations: []programme.Delegation{{Key: "af", Name: "Afghanistan", Note: "Staff only."}},
		People: []programme.Person{
			{Key: "omar-ansari", Name: "Omar Ansari", Delegation: "af", Email: "omar@example.org"},
			{Key: "joe-gattuso", Name: "Joe Gattuso"},
			{Key: "maria-elena-flores", Name: "María Elena Flores"},
		},
		Sessions: []programme.Session{
			{Key: "ny-spring", Title: "Arrivals; visas, hotels and the \\ backslash", Kind: "briefing", TimeZone: newYork,
				StartsAt: local(t, "2016-03-13T01:30", newYork), EndsAt: local(t, "2016-03-13T03:30", newYork),
				Venue: "dc", Audience: af, Change: stored},
			{Key: "mx-spring", Title: "Planning call across the spring change", Kind: "meeting",
				StartsAt: at("2016-04-03T01:00"), EndsAt: at("2016-04-03T04:00"), Location: "Online",
				Audience: af, Status: "tentative", Change: stored},
			{Key: "mx-fall", Title: "Planning call across the autumn change", Kind: "meeting",
				StartsAt: at("2016-10-30T00:30"), EndsAt: at("2016-10-30T03:00"), Location: "Online",
				Audience: af, Change: stored},
			{Key: "dc-day1", Title: "Washington meetings: government and non-government parties", Kind: "meeting",
				TimeZone: newYork, StartsAt: local(t, "2016-11-28T09:00", newYork), EndsAt: local(t, "2016-11-28T17:00", newYork),
				Venue: "dc", Audience: af, Change: stored},
			{Key: "day0-seminar", Title: "Pre-Conference Seminar for CLDP Supported Delegations", Kind: "seminar",
				StartsAt: at("2016-12-05T09:00"), EndsAt: at("2016-12-05T13:00"), Room: "room-10",
				Audience: af, Required: true, Change: programme.Change{Sequence: 4, ModifiedAt: edited},
				Description: "Telecommunications reform in Mexico — with the Instituto Federal de Telecomunicaciones (IFT), about competition, spectrum and the 2013 constitutional reform.",
				Slots: []programme.Slot{
					{Key: "welcome", Title: "Welcome and overview of the morning", Speakers: []string{"joe-gattuso"},
						StartsAt: at("2016-12-05T09:00"), EndsAt: at("2016-12-05T09:10"), Change: stored},
					{Key: "ift", Title: "Telecommunications reform and competition in Mexico", Speakers: []string{"maria-elena-flores"},
						StartsAt: at("2016-12-05T11:00"), EndsAt: at("2016-12-05T12:15"), Note: "Staff only.", Change: stored},
				}},
			{Key: "day0-lunch", Title: "Lunch (buy meal tickets at the gift shop)", Kind: "meal",
				StartsAt: at("2016-12-05T13:00"), EndsAt: at("2016-12-05T14:00"), Venue: "expo",
				Audience: programme.Audience{Former: []programme.Member{{Delegation: "af", Changes: 1, ChangedAt: edited}}},
				Change:   stored},
			{Key: "reception", Title: "U.S. reception", Kind: "reception", Status: "cancelled",
				StartsAt: at("2016-12-05T19:00"), EndsAt: at("2016-12-05T21:00"), Location: "Grand Fiesta Americana",
				Audience: af, Change: programme.Change{Sequence: 2, ModifiedAt: edited}},
		},
		Transport: []programme.Run{{
			Key: "day0-bus", Kind: "bus", Title: "Bus back to the hotel", DepartsAt: at("2016-12-05T17:15"),
			From: "expo", To: "hotel", Capacity: 20, Riders: af, Change: stored,
			Poll: &programme.Poll{Question: "When should the bus pick us up?", Decided: "17:15"},
		}},
	}
}

// feeds are the golden cases: each is encoded to testdata/<name>.ics.
func feeds(t *testing.T) map[string]ical.Feed {
	t.Helper()
	p := fixture(t)
	now := edited.Add(time.Hour)
	entries := func(kind programme.FeedKind, key string) []programme.Entry {
		es, err := p.FeedEntries(kind, key, now)
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	return map[string]ical.Feed{
		"person": {
			Name:      "Omar Ansari — CLDP-supported delegations at IGF 2016",
			Programme: p, Entries: entries(programme.FeedPerson, "omar-ansari"),
			PublicPageURL: "https://planner.example.org/p/ical-test",
		},
		"programme": {
			Name: "CLDP-supported delegations at IGF 2016", Description: "Every session and run.\nStaff view.",
			Programme: p, Entries: entries(programme.FeedProgramme, "ical-test"), Refresh: 90 * time.Minute,
		},
		"speaker": {
			Name: "María Elena Flores — speaking", Programme: p, Entries: entries(programme.FeedSpeaker, "maria-elena-flores"),
		},
		"empty": {Name: "Nothing yet", Programme: p},
	}
}

func encode(t *testing.T, f ical.Feed) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := ical.Encode(&buf, f); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for name, f := range feeds(t) {
		t.Run(name, func(t *testing.T) {
			got := encode(t, f)
			path := filepath.Join("testdata", name+".ics")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s differs from the encoding (run go test -update after checking the change):\n%s", path, got)
			}
			if again := encode(t, f); !bytes.Equal(again, got) {
				t.Fatal("two encodings of the same feed differ")
			}
		})
	}
}

// TestLines checks the physical layout RFC 5545 asks for: CRLF after every
// line and nowhere else, at most 75 octets a line, no split UTF-8 character.
func TestLines(t *testing.T) {
	for name, f := range feeds(t) {
		t.Run(name, func(t *testing.T) {
			checkLines(t, encode(t, f))
		})
	}
}

func checkLines(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Fatal("the calendar does not end with CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n")
	for i, line := range lines {
		if len(line) > 75 {
			t.Errorf("line %d has %d octets: %q", i+1, len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d splits a UTF-8 character: %q", i+1, line)
		}
		for _, r := range line {
			if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
				t.Errorf("line %d holds control or line-break character %U: %q", i+1, r, line)
			}
		}
	}
	unfolded := strings.ReplaceAll(string(data), "\r\n ", "")
	if !utf8.ValidString(unfolded) {
		t.Error("the unfolded calendar is not valid UTF-8")
	}
}

// parse reads a calendar back with an independent parser.
func parse(t *testing.T, data []byte) *goical.Calendar {
	t.Helper()
	cal, err := goical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot read the feed: %v\n%s", err, data)
	}
	return cal
}

func text(t *testing.T, props goical.Props, name string) string {
	t.Helper()
	p := props.Get(name)
	if p == nil {
		t.Fatalf("no %s property", name)
	}
	s, err := p.Text()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// optText is the text of an optional property, "" when it is absent.
func optText(t *testing.T, props goical.Props, name string) string {
	t.Helper()
	if props.Get(name) == nil {
		return ""
	}
	return text(t, props, name)
}

func TestCalendarProperties(t *testing.T) {
	f := feeds(t)["programme"]
	cal := parse(t, encode(t, f))
	for _, tt := range []struct{ name, want string }{
		{"PRODID", "-//planner//planner//EN"},
		{"VERSION", "2.0"},
		{"CALSCALE", "GREGORIAN"},
		{"NAME", f.Name},
		{"X-WR-CALNAME", f.Name},
		{"DESCRIPTION", "Every session and run.\nStaff view."},
		{"X-WR-TIMEZONE", mexico},
		{"X-PUBLISHED-TTL", "PT1H30M"},
	} {
		if got := text(t, cal.Props, tt.name); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, got, tt.want)
		}
	}
	// A subscription is a published file, not an iTIP message: METHOD would
	// want an ORGANIZER on every event, and a method= on the media type.
	if m := cal.Props.Get("METHOD"); m != nil {
		t.Errorf("METHOD:%s, want none", m.Value)
	}
	if p := cal.Props.Get("REFRESH-INTERVAL"); p == nil || p.Value != "PT1H30M" || p.Params.Get("VALUE") != "DURATION" {
		t.Errorf("REFRESH-INTERVAL = %+v, want PT1H30M with VALUE=DURATION", p)
	}
	// The default refresh is an hour.
	def := parse(t, encode(t, feeds(t)["person"]))
	if got := def.Props.Get("REFRESH-INTERVAL"); got == nil || got.Value != "PT1H" {
		t.Errorf("default REFRESH-INTERVAL = %+v, want PT1H", got)
	}
	if got := text(t, def.Props, "X-PUBLISHED-TTL"); got != "PT1H" {
		t.Errorf("default X-PUBLISHED-TTL = %q, want PT1H", got)
	}
}

// TestEvents reads every feed back and compares each event with its entry.
func TestEvents(t *testing.T) {
	for name, f := range feeds(t) {
		t.Run(name, func(t *testing.T) {
			data := encode(t, f)
			cal := parse(t, data)
			events := cal.Events()
			if len(events) != len(f.Entries) {
				t.Fatalf("%d events, want %d", len(events), len(f.Entries))
			}
			zones := vtimezones(t, cal)
			// Zones come before events, so that a streaming client knows them in time.
			if first := bytes.Index(data, []byte("BEGIN:VEVENT")); first >= 0 && first < bytes.LastIndex(data, []byte("END:VTIMEZONE")) {
				t.Error("a VTIMEZONE comes after an event")
			}
			for i, ev := range events {
				e := f.Entries[i]
				if got, want := text(t, ev.Props, "UID"), programme.UID(f.Programme.Slug, e.ID); got != want {
					t.Errorf("event %d UID = %s, want %s", i, got, want)
				}
				// What happened to the item opens the summary and the
				// description (programme.Entry.Notice).
				if got := text(t, ev.Props, "SUMMARY"); got != e.Summary() {
					t.Errorf("%s SUMMARY = %q, want %q", e.ID, got, e.Summary())
				}
				if got := optText(t, ev.Props, "DESCRIPTION"); got != e.Text() {
					t.Errorf("%s DESCRIPTION = %q, want %q", e.ID, got, e.Text())
				}
				if got := optText(t, ev.Props, "LOCATION"); got != e.Location {
					t.Errorf("%s LOCATION = %q, want %q", e.ID, got, e.Location)
				}
				if got, want := text(t, ev.Props, "STATUS"), strings.ToUpper(e.Status); got != want {
					t.Errorf("%s STATUS = %q, want %q", e.ID, got, want)
				}
				seq, err := ev.Props.Get("SEQUENCE").Int()
				if err != nil || seq != e.Sequence {
					t.Errorf("%s SEQUENCE = %d (%v), want %d", e.ID, seq, err, e.Sequence)
				}
				for _, stamp := range []string{"DTSTAMP", "LAST-MODIFIED"} {
					got, err := ev.Props.DateTime(stamp, nil)
					if err != nil || !got.Equal(e.ModifiedAt) || !strings.HasSuffix(ev.Props.Get(stamp).Value, "Z") {
						t.Errorf("%s %s = %v (%v), want %v in UTC", e.ID, stamp, ev.Props.Get(stamp).Value, err, e.ModifiedAt)
					}
				}
				wantTransp := "OPAQUE"
				if e.Status == programme.StatusCancelled {
					wantTransp = "TRANSPARENT"
				}
				if got := text(t, ev.Props, "TRANSP"); got != wantTransp {
					t.Errorf("%s TRANSP = %q, want %q", e.ID, got, wantTransp)
				}
				if f.PublicPageURL != "" {
					if got, want := ev.Props.Get("URL"), f.PublicPageURL+"#"+e.Anchor(); got == nil || got.Value != want {
						t.Errorf("%s URL = %v, want %q", e.ID, got, want)
					}
				} else if ev.Props.Get("URL") != nil {
					t.Errorf("%s has a URL although the feed has none", e.ID)
				}
				for _, tt := range []struct {
					prop string
					want time.Time
				}{{"DTSTART", e.StartsAt}, {"DTEND", e.EndsAt}} {
					p := ev.Props.Get(tt.prop)
					tzid := p.Params.Get("TZID")
					if want := f.Programme.ZoneOf(e.TimeZone); tzid != want {
						t.Errorf("%s %s TZID = %q, want %q", e.ID, tt.prop, tzid, want)
					}
					if !regexp.MustCompile(`^\d{8}T\d{6}$`).MatchString(p.Value) {
						t.Errorf("%s %s = %q, want local digits without Z", e.ID, tt.prop, p.Value)
					}
					// go-ical resolves the TZID through Go's zone data ...
					got, err := p.DateTime(nil)
					if err != nil || !got.Equal(tt.want) {
						t.Errorf("%s %s = %v (%v), want %v", e.ID, tt.prop, got, err, tt.want)
					}
					// ... and the feed's own VTIMEZONE must say the same.
					zone, ok := zones[tzid]
					if !ok {
						t.Fatalf("%s: TZID %q has no VTIMEZONE", e.ID, tzid)
					}
					if got := zone.resolve(t, p.Value); !got.Equal(tt.want) {
						t.Errorf("%s %s %s through the VTIMEZONE = %v, want %v", e.ID, tt.prop, p.Value, got.UTC(), tt.want.UTC())
					}
				}
			}
			// Every VTIMEZONE is used: no zone is sent for nothing but the
			// programme's own, which keeps an empty feed a valid calendar.
			used := map[string]bool{f.Programme.TimeZone: true}
			for _, e := range f.Entries {
				used[f.Programme.ZoneOf(e.TimeZone)] = true
			}
			for tzid := range zones {
				if !used[tzid] {
					t.Errorf("VTIMEZONE %s is not used", tzid)
				}
			}
		})
	}
}

// TestDSTEdges pins the events on the 2016 transitions and the observances
// the feed must carry for them, so that a regression to today's rules
// (Mexico City without DST) or to a single observance is caught.
func TestDSTEdges(t *testing.T) {
	data := encode(t, feeds(t)["person"])
	cal := parse(t, data)
	zones := vtimezones(t, cal)
	for _, tt := range []struct {
		zone  string
		onset string // local DTSTART of an observance
		from  string
		to    string
	}{
		{newYork, "20160313T020000", "-0500", "-0400"},
		{newYork, "20161106T020000", "-0400", "-0500"},
		{mexico, "20160403T020000", "-0600", "-0500"},
		{mexico, "20161030T020000", "-0500", "-0600"},
	} {
		found := false
		for _, o := range zones[tt.zone].observances {
			if o.from == tt.from && o.to == tt.to && slices.Contains(o.onsetsLocal(), tt.onset) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s has no observance from %s, %s to %s: %+v", tt.zone, tt.onset, tt.from, tt.to, zones[tt.zone].observances)
		}
	}
	for _, tt := range []struct{ uidOf, start, end string }{
		{"session/ny-spring", "DTSTART;TZID=America/New_York:20160313T013000", "DTEND;TZID=America/New_York:20160313T033000"},
		{"session/mx-spring", "DTSTART;TZID=America/Mexico_City:20160403T010000", "DTEND;TZID=America/Mexico_City:20160403T040000"},
		{"session/mx-fall", "DTSTART;TZID=America/Mexico_City:20161030T003000", "DTEND;TZID=America/Mexico_City:20161030T030000"},
	} {
		for _, line := range []string{tt.start, tt.end} {
			if !bytes.Contains(data, []byte("\r\n"+line+"\r\n")) {
				t.Errorf("%s: no line %q", tt.uidOf, line)
			}
		}
	}
	// The spring event in New York lasts one hour of real time, not two.
	for _, ev := range cal.Events() {
		if text(t, ev.Props, "UID") != programme.UID("ical-test", "session/ny-spring") {
			continue
		}
		z := zones[newYork]
		if d := z.resolve(t, ev.Props.Get("DTEND").Value).Sub(z.resolve(t, ev.Props.Get("DTSTART").Value)); d != time.Hour {
			t.Errorf("ny-spring lasts %v through the VTIMEZONE, want 1h", d)
		}
	}
}

func TestZoneWithoutTransitions(t *testing.T) {
	p := fixture(t)
	p.TimeZone = "Asia/Kabul"
	e := programme.Entry{ID: "session/x", Title: "Kabul", TimeZone: "Asia/Kabul", Status: "confirmed",
		StartsAt: local(t, "2016-11-01T09:00", "Asia/Kabul"), EndsAt: local(t, "2016-11-01T10:00", "Asia/Kabul"), ModifiedAt: edited}
	data := encode(t, ical.Feed{Name: "Kabul", Programme: p, Entries: []programme.Entry{e}})
	zones := vtimezones(t, parse(t, data))
	z := zones["Asia/Kabul"]
	if len(z.observances) != 1 || z.observances[0].kind != "STANDARD" || z.observances[0].to != "+0430" {
		t.Fatalf("Asia/Kabul observances = %+v, want one STANDARD at +0430", z.observances)
	}
	if got := z.resolve(t, "20161101T090000"); !got.Equal(e.StartsAt) {
		t.Fatalf("resolved %v, want %v", got, e.StartsAt)
	}
}

func TestEncodeRefuses(t *testing.T) {
	p := fixture(t)
	entry := programme.Entry{ID: "session/x", Title: "x", StartsAt: edited, EndsAt: edited.Add(time.Hour)}
	bad := func(e programme.Entry, mutate func(*programme.Entry)) []programme.Entry {
		mutate(&e)
		return []programme.Entry{e}
	}
	tests := []struct {
		name string
		feed ical.Feed
	}{
		{"no programme", ical.Feed{Name: "x"}},
		{"page URL with a line break", ical.Feed{Programme: p, PublicPageURL: "https://example.org/a\r\nX-INJECTED:1"}},
		{"page URL not http", ical.Feed{Programme: p, PublicPageURL: "javascript:alert(1)"}},
		{"unknown zone", ical.Feed{Programme: p, Entries: bad(entry, func(e *programme.Entry) { e.TimeZone = "Mars/Olympus" })}},
		{"zone name with a parameter in it", ical.Feed{Programme: p, Entries: bad(entry, func(e *programme.Entry) { e.TimeZone = "UTC;X=1:" })}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := ical.Encode(&buf, tt.feed); err == nil {
				t.Fatalf("Encode succeeded:\n%s", buf.Bytes())
			}
			if buf.Len() != 0 {
				t.Fatalf("Encode wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\r\nb", "a\nb"},
		{"a\rb", "a\nb"},
		{"a\nb", "a\nb"},
		{"a\u2028b\u2029c\u0085d", "a\nb\nc\nd"},
		{"a\vb\fc", "a\nb\nc"},
		{"a\x00b\x1bc\x7fd\u009be", "abcde"},
		{"tab\there", "tab here"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"commas, semicolons; back\\slash", "commas, semicolons; back\\slash"},
	}
	for _, tt := range tests {
		if got := ical.Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzEncode feeds hostile text into every text field: whatever it holds,
// the feed must keep its shape (the same events, each with exactly the
// properties it should have) and carry the cleaned text intact.
func FuzzEncode(f *testing.F) {
	for _, seed := range [][4]string{
		{"Lunch", "Bring money", "Expo", "Omar"},
		{"a\r\nX-INJECTED:1", "b\rEND:VEVENT\rBEGIN:VEVENT", "c\nDTSTART:19700101T000000Z", "d\r\nBEGIN:VTODO"},
		{"line\u2028sep", "para\u2029sep\u0085nel", "vt\vff\f", "nul\x00"},
		{"commas, semis; back\\slash \\n", "\\,\\;", ";;;,,,", ":::"},
		{strings.Repeat("ñé—😀", 60), strings.Repeat("é ", 200), strings.Repeat("x", 300), strings.Repeat("中", 100)},
		{"", "", "", ""},
		{"\xff\xfe", "\r", "\n", "\r\n"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, title, desc, location, name string) {
		p := fixture(t)
		start := local(t, "2016-12-05T09:00", mexico)
		entries := []programme.Entry{
			{ID: "session/" + p.Sessions[0].Key, Kind: programme.EntrySession, Title: title, Description: desc, Location: location,
				StartsAt: start, EndsAt: start.Add(time.Hour), Status: "confirmed", Sequence: 1, ModifiedAt: edited,
				Category: p.Sessions[0].Kind, SessionKey: p.Sessions[0].Key,
				// The venue's name and address go into parameters.
				OnMap: true, Lat: 20.6736, Lon: -103.3927, VenueName: name, VenueAddress: location},
			{ID: "run/" + p.Transport[0].Key, Kind: programme.EntryRun, Title: "Fixed " + title, TimeZone: newYork,
				StartsAt: start.Add(2 * time.Hour), EndsAt: start.Add(3 * time.Hour), Status: "cancelled", Sequence: 2, ModifiedAt: edited,
				Category: p.Transport[0].Kind, RunKey: p.Transport[0].Key},
		}
		feed := ical.Feed{Name: name, Description: desc, Programme: p, Entries: entries, PublicPageURL: "https://example.org/x?a=1&b=2"}
		data := encode(t, feed)
		checkLines(t, data)
		cal := parse(t, data)

		wantCal := []string{"CALSCALE", "PRODID", "REFRESH-INTERVAL", "VERSION", "X-PUBLISHED-TTL", "X-WR-TIMEZONE"}
		if ical.Text(name) != "" {
			wantCal = append(wantCal, "NAME", "X-WR-CALNAME")
		}
		if ical.Text(desc) != "" {
			wantCal = append(wantCal, "DESCRIPTION", "X-WR-CALDESC")
		}
		checkProps(t, "VCALENDAR", cal.Props, wantCal)
		if ical.Text(name) != "" {
			if got := text(t, cal.Props, "NAME"); got != ical.Text(name) {
				t.Errorf("NAME = %q, want %q", got, ical.Text(name))
			}
		}

		var kinds []string
		for _, c := range cal.Children {
			kinds = append(kinds, c.Name)
		}
		if got, want := strings.Join(kinds, " "), "VTIMEZONE VTIMEZONE VEVENT VEVENT"; got != want {
			t.Fatalf("components = %s, want %s", got, want)
		}
		events := cal.Events()
		base := []string{"CATEGORIES", "DTEND", "DTSTAMP", "DTSTART", "LAST-MODIFIED", "SEQUENCE", "STATUS", "SUMMARY", "TRANSP", "UID", "URL"}
		want0 := append([]string(nil), base...)
		want0 = append(want0, "GEO", "X-APPLE-STRUCTURED-LOCATION")
		// The cancelled run says so in its description.
		want1 := append(append([]string(nil), base...), "DESCRIPTION")
		if ical.Text(desc) != "" {
			want0 = append(want0, "DESCRIPTION")
		}
		if ical.Text(location) != "" {
			want0 = append(want0, "LOCATION")
		}
		for i, ev := range events {
			want := want1
			if i == 0 {
				want = want0
			}
			checkProps(t, "VEVENT", ev.Props, want)
			if len(ev.Children) != 0 {
				t.Errorf("event %d has sub-components", i)
			}
		}
		if got := text(t, events[0].Props, "SUMMARY"); got != ical.Text(title) {
			t.Errorf("SUMMARY = %q, want %q", got, ical.Text(title))
		}
		if got := text(t, events[1].Props, "SUMMARY"); got != ical.Text("Cancelled: Fixed "+title) {
			t.Errorf("second SUMMARY = %q, want %q", got, ical.Text("Cancelled: Fixed "+title))
		}
		// The venue's name and address come back as written by
		// ParamValue, within its quotes, and the point as it was.
		apple := events[0].Props.Get("X-APPLE-STRUCTURED-LOCATION")
		if got, want := apple.Params.Get("X-TITLE"), strings.Trim(ical.ParamValue(name), `"`); got != want {
			t.Errorf("X-TITLE = %q, want %q", got, want)
		}
		if want := strings.Trim(ical.ParamValue(location), `"`); want != "" {
			if got := apple.Params.Get("X-ADDRESS"); got != want {
				t.Errorf("X-ADDRESS = %q, want %q", got, want)
			}
		}
		if apple.Value != "geo:20.6736,-103.3927" || apple.Params.Get("VALUE") != "URI" {
			t.Errorf("X-APPLE-STRUCTURED-LOCATION = %+v, want the geo: URI", apple)
		}
		if got := events[0].Props.Get("GEO").Value; got != "20.6736;-103.3927" {
			t.Errorf("GEO = %q", got)
		}
		if ical.Text(desc) != "" {
			if got := text(t, events[0].Props, "DESCRIPTION"); got != ical.Text(desc) {
				t.Errorf("DESCRIPTION = %q, want %q", got, ical.Text(desc))
			}
		}
		if ical.Text(location) != "" {
			if got := text(t, events[0].Props, "LOCATION"); got != ical.Text(location) {
				t.Errorf("LOCATION = %q, want %q", got, ical.Text(location))
			}
		}
	})
}

// checkProps asserts that a component holds each named property exactly once and nothing else.
func checkProps(t *testing.T, comp string, props goical.Props, want []string) {
	t.Helper()
	var got []string
	for name, values := range props {
		for range values {
			got = append(got, name)
		}
	}
	sort.Strings(got)
	want = append([]string(nil), want...)
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("%s properties = %v\nwant %v", comp, got, want)
	}
}

// vtimezone is a VTIMEZONE as read back: its observances, enough to turn
// local times into instants the way a client does.
type vtimezone struct {
	tzid        string
	observances []obs
}

// obs is one STANDARD or DAYLIGHT, with every onset it has up to
// expandUntil: its DTSTART alone, or each occurrence of its RRULE, which
// go-ical expands with teambition/rrule-go, independently of the encoder.
type obs struct {
	kind     string // STANDARD or DAYLIGHT
	onset    string // local DTSTART, in the offset before the change
	rrule    string
	from, to string
	onsets   []time.Time // UTC instants of every onset
	fromSecs int
	toSecs   int
}

// expandUntil is how far the test expands yearly observances.
var expandUntil = time.Date(2061, 1, 1, 0, 0, 0, 0, time.UTC)

// vtimezones reads every VTIMEZONE of cal by TZID, failing on a malformed one.
func vtimezones(t *testing.T, cal *goical.Calendar) map[string]vtimezone {
	t.Helper()
	out := map[string]vtimezone{}
	for _, c := range cal.Children {
		if c.Name != goical.CompTimezone {
			continue
		}
		z := vtimezone{tzid: text(t, c.Props, "TZID")}
		for _, o := range c.Children {
			if o.Name != "STANDARD" && o.Name != "DAYLIGHT" {
				t.Fatalf("%s: unexpected %s", z.tzid, o.Name)
			}
			ob := obs{kind: o.Name, onset: o.Props.Get("DTSTART").Value,
				from: o.Props.Get("TZOFFSETFROM").Value, to: o.Props.Get("TZOFFSETTO").Value}
			if o.Props.Get("TZNAME") == nil {
				t.Errorf("%s %s has no TZNAME", z.tzid, ob.onset)
			}
			if r := o.Props.Get("RRULE"); r != nil {
				ob.rrule = r.Value
			}
			naive, err := time.Parse("20060102T150405", ob.onset)
			if err != nil {
				t.Fatalf("%s: observance DTSTART %q: %v", z.tzid, ob.onset, err)
			}
			ob.fromSecs, ob.toSecs = offsetSecs(t, ob.from), offsetSecs(t, ob.to)
			fromSecs := time.Duration(ob.fromSecs) * time.Second
			// Local wall-clock onsets, read as UTC digits, then shifted by
			// the offset in force before each change.
			set, err := o.RecurrenceSet(time.UTC)
			if err != nil {
				t.Fatalf("%s %s: %v", z.tzid, ob.onset, err)
			}
			locals := []time.Time{naive}
			if set != nil {
				locals = set.Between(naive, expandUntil, true)
				if len(locals) == 0 || !locals[0].Equal(naive) {
					t.Errorf("%s %s: DTSTART is not the first occurrence of %s", z.tzid, ob.onset, ob.rrule)
				}
			}
			// go-ical's recurrence set leaves RDATE out: read it here.
			for _, r := range o.Props.Values("RDATE") {
				for _, v := range strings.Split(r.Value, ",") {
					d, err := time.Parse("20060102T150405", v)
					if err != nil {
						t.Fatalf("%s %s: RDATE %q: %v", z.tzid, ob.onset, v, err)
					}
					if d.Before(naive) {
						t.Errorf("%s %s: RDATE %s is before DTSTART", z.tzid, ob.onset, v)
					}
					if !d.Equal(naive) { // DTSTART is repeated as an RDATE for ical.js
						locals = append(locals, d)
					}
				}
			}
			for _, l := range locals {
				ob.onsets = append(ob.onsets, l.Add(-fromSecs))
			}
			z.observances = append(z.observances, ob)
		}
		if len(z.observances) == 0 {
			t.Fatalf("VTIMEZONE %s has no observance", z.tzid)
		}
		if _, dup := out[z.tzid]; dup {
			t.Fatalf("two VTIMEZONEs for %s", z.tzid)
		}
		out[z.tzid] = z
	}
	return out
}

// onsetsLocal lists every onset of an observance as local digits in the offset before it.
func (o obs) onsetsLocal() []string {
	var out []string
	for _, u := range o.onsets {
		out = append(out, u.Add(time.Duration(o.fromSecs)*time.Second).Format("20060102T150405"))
	}
	return out
}

// offsetAt is the UTC offset, in seconds, that the zone's observances alone
// give at instant u: that of the latest onset u has reached, or of the
// earliest observance before them all (how ical.js and libical read it).
func (z vtimezone) offsetAt(u time.Time) int {
	var best time.Time
	found, offset := false, 0
	var earliest time.Time
	first := 0
	for _, o := range z.observances {
		for _, on := range o.onsets {
			if earliest.IsZero() || on.Before(earliest) {
				earliest, first = on, o.fromSecs
			}
			if !u.Before(on) && (!found || on.After(best)) {
				best, found, offset = on, true, o.toSecs
			}
		}
	}
	if !found {
		return first
	}
	return offset
}

// resolve turns local digits into an instant with the zone's observances
// alone: the offset is that of the last onset the instant has reached.
func (z vtimezone) resolve(t *testing.T, value string) time.Time {
	t.Helper()
	naive, err := time.Parse("20060102T150405", value)
	if err != nil {
		t.Fatalf("%q: %v", value, err)
	}
	var best time.Time
	found, offset := false, 0
	for _, o := range z.observances {
		for _, on := range o.onsets {
			at := naive.Add(-time.Duration(o.toSecs) * time.Second)
			if !at.Before(on) && (!found || on.After(best)) {
				best, found, offset = on, true, o.toSecs
			}
		}
	}
	if !found {
		t.Fatalf("%s: no observance covers %s", z.tzid, value)
	}
	return naive.Add(-time.Duration(offset) * time.Second)
}

func offsetSecs(t *testing.T, s string) int {
	t.Helper()
	if !regexp.MustCompile(`^[+-]\d{4}(\d{2})?$`).MatchString(s) {
		t.Fatalf("bad UTC offset %q", s)
	}
	h, _ := strconv.Atoi(s[1:3])
	m, _ := strconv.Atoi(s[3:5])
	secs := h*3600 + m*60
	if len(s) == 7 {
		sec, _ := strconv.Atoi(s[5:7])
		secs += sec
	}
	if s[0] == '-' {
		secs = -secs
	}
	return secs
}

// FuzzParamValue checks the quoting of user text in a parameter value on
// its own: a quoted string of valid UTF-8 with no double quote or control
// character inside, which RFC 6868 decodes back to the cleaned text.
func FuzzParamValue(f *testing.F) {
	for _, seed := range []string{"Expo Guadalajara", `Say "hi"`, "a^b^'c^n", "line\r\nX-INJECTED:1", "\x00\x7f\u0085\u2028", ";:,", "\xff", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := ical.ParamValue(s)
		if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
			t.Fatalf("ParamValue(%q) = %q: not quoted", s, q)
		}
		inner := q[1 : len(q)-1]
		if !utf8.ValidString(inner) {
			t.Fatalf("ParamValue(%q) = %q: not UTF-8", s, q)
		}
		for _, r := range inner {
			if r == '"' || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
				t.Fatalf("ParamValue(%q) = %q: holds %U", s, q, r)
			}
		}
		// RFC 6868 decoding gives back the text, with its lines joined.
		decoded := strings.NewReplacer("^^", "^", "^'", `"`, "^n", "\n").Replace(inner)
		var lines []string
		for _, l := range strings.Split(ical.Text(s), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		want := strings.Map(func(r rune) rune {
			if r == utf8.RuneError {
				return -1
			}
			return r
		}, strings.Join(lines, ", "))
		if decoded != want {
			t.Fatalf("ParamValue(%q) decodes to %q, want %q", s, decoded, want)
		}
	})
}
