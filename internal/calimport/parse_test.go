package calimport

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

func parseFile(t *testing.T, name string, opt Options) (Calendar, []Problem) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	cal, problems, err := Parse(bytes.NewReader(data), opt)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return cal, problems
}

func eventByUID(t *testing.T, cal Calendar, uid string) Event {
	t.Helper()
	for _, ev := range cal.Events {
		if ev.UID == uid {
			return ev
		}
	}
	t.Fatalf("no accepted event %q", uid)
	return Event{}
}

func problemOf(problems []Problem, uid string) *Problem {
	for i := range problems {
		if problems[i].UID == uid {
			return &problems[i]
		}
	}
	return nil
}

func utcTime(s string) time.Time {
	t, err := time.Parse("2006-01-02T15:04Z", s)
	if err != nil {
		panic(err)
	}
	return t
}

var berlin2025 = Options{TimeZone: "Europe/Berlin", StartsOn: "2025-03-17", EndsOn: "2025-03-20"}

// TestParseShapes covers one event of each shape the real exports and
// other tools produce: each is accepted with the instants and zone it
// means, or refused with its line and a reason.
func TestParseShapes(t *testing.T) {
	cal, problems := parseFile(t, "shapes.ics", berlin2025)
	if cal.Total != 14 {
		t.Errorf("Total = %d, want 14 VEVENTs", cal.Total)
	}
	accepted := []struct {
		uid, start, end, zone, reason string
		status                        string
	}{
		// RRULE:FREQ=DAILY from 10 March, expanded within the programme
		// only; 18 March is an EXDATE; 19 March is overridden (moved by
		// RECURRENCE-ID in its zone), 20 March cancelled (RECURRENCE-ID
		// in UTC names the same occurrence).
		{"daily-standup@example.org/20250317T080000Z", "2025-03-17T08:00Z", "2025-03-17T08:15Z", "Europe/Berlin", "IANA data", "confirmed"},
		{"daily-standup@example.org/20250319T080000Z", "2025-03-19T08:30Z", "2025-03-19T08:45Z", "Europe/Berlin", "IANA data", "confirmed"},
		{"daily-standup@example.org/20250320T080000Z", "2025-03-20T08:00Z", "2025-03-20T08:15Z", "Europe/Berlin", "IANA data", "cancelled"},
		// A floating time is read in the programme's zone.
		{"floating@example.org", "2025-03-17T13:00Z", "2025-03-17T14:00Z", "Europe/Berlin", "floating", "confirmed"},
		// No DTEND: the DURATION gives the end; US/Eastern is EDT (-4)
		// on 17 March 2025 by the IANA data.
		{"duration@example.org", "2025-03-17T13:00Z", "2025-03-17T14:30Z", "US/Eastern", "IANA data", "confirmed"},
		{"windows@example.org", "2025-03-18T14:00Z", "2025-03-18T15:00Z", "America/New_York", "Windows zone name", "confirmed"},
		{"prefixed@example.org", "2025-03-19T10:00Z", "2025-03-19T11:00Z", "Europe/Berlin", "read as the IANA zone", "confirmed"},
		{"custom@example.org", "2025-03-19T12:00Z", "2025-03-19T13:00Z", "Europe/Berlin", "X-LIC-LOCATION", "confirmed"},
	}
	if len(cal.Events) != len(accepted) {
		t.Errorf("accepted %d events, want %d", len(cal.Events), len(accepted))
	}
	for _, want := range accepted {
		ev := eventByUID(t, cal, want.uid)
		if !ev.StartsAt.Equal(utcTime(want.start)) || !ev.EndsAt.Equal(utcTime(want.end)) {
			t.Errorf("%s: %s to %s, want %s to %s", want.uid, ev.StartsAt, ev.EndsAt, want.start, want.end)
		}
		if ev.TimeZone != want.zone || !strings.Contains(ev.ZoneReason, want.reason) {
			t.Errorf("%s: zone %s (%s), want %s with a reason saying %q", want.uid, ev.TimeZone, ev.ZoneReason, want.zone, want.reason)
		}
		if ev.Status != want.status {
			t.Errorf("%s: status %s, want %s", want.uid, ev.Status, want.status)
		}
	}
	if _, ok := cal.Refused["daily-standup@example.org/20250318T080000Z"]; ok {
		t.Error("the EXDATE occurrence is refused; it should simply not be there")
	}

	refused := []struct {
		uid    string
		line   int
		reason string
	}{
		{"allday@example.org", 63, "all-day event"},
		{"mars@example.org", 98, `TZID "Mars/Olympus_Mons"`},
		{"", 105, "no UID"},
		{"nosummary@example.org", 111, "no SUMMARY"},
		{"noend@example.org", 117, "neither DTEND nor DURATION"},
		{"hourly@example.org", 123, "hourly"},
	}
	for _, want := range refused {
		p := problemOf(problems, want.uid)
		if p == nil || !p.Refused {
			t.Errorf("%s: not refused; problems: %v", want.uid, problems)
			continue
		}
		if p.Line != want.line || !strings.Contains(p.Reason, want.reason) {
			t.Errorf("%s: refused at line %d with %q, want line %d and a reason saying %q", want.uid, p.Line, p.Reason, want.line, want.reason)
		}
	}
	if p := problemOf(problems, "floating@example.org"); p == nil || p.Refused || !strings.Contains(p.Reason, "floating") {
		t.Errorf("the floating event has no warning: %v", p)
	}
}

// TestParseFrabShape reads frab's shape: LF line ends, folds at 73
// characters between a backslash and the character it escapes, a TZID
// with VALUE=DATE-TIME, a one-part VTIMEZONE and titles with a leading space.
func TestParseFrabShape(t *testing.T) {
	cal, problems := parseFile(t, "frab-v1.ics", Options{TimeZone: "Europe/Berlin", StartsOn: "2016-12-27", EndsOn: "2016-12-30"})
	if len(problems) != 0 || len(cal.Events) != 5 {
		t.Fatalf("%d events, problems %v; want 5 and none", len(cal.Events), problems)
	}
	ev := eventByUID(t, cal, "0c1f7a6e-0001-4dac-866e-533314a3c108@frab.example.org")
	if ev.Title != "Opening Ceremony - Ada Lovelace" {
		t.Errorf("title %q: the leading space should go", ev.Title)
	}
	if want := "Opening of the congress. Folded by seventy-three characters, as frab does, with a fold between a backslash and the comma."; ev.Description != want {
		t.Errorf("description %q, want %q", ev.Description, want)
	}
	// 11:00 in Berlin in December is 10:00 UTC (CET), by the IANA data.
	if !ev.StartsAt.Equal(utcTime("2016-12-27T10:00Z")) {
		t.Errorf("starts %s", ev.StartsAt)
	}
	if !strings.HasSuffix(ev.SessionDescription(), "\n\nhttps://fahrplan.example.org/events/1.html") {
		t.Errorf("the session description does not end with the URL: %q", ev.SessionDescription())
	}
}

// TestParseVTimezoneLosesToIANA shows which wins when a file's VTIMEZONE
// disagrees with the IANA data of its TZID: frab's Europe/Berlin has only
// a winter part, which would make a summer event an hour late.
func TestParseVTimezoneLosesToIANA(t *testing.T) {
	data, _ := os.ReadFile("testdata/frab-v1.ics")
	summer := strings.ReplaceAll(string(data), "201612", "201607")
	cal, _, err := Parse(strings.NewReader(summer), Options{TimeZone: "Europe/Berlin", StartsOn: "2016-07-27", EndsOn: "2016-07-30"})
	if err != nil {
		t.Fatal(err)
	}
	ev := eventByUID(t, cal, "0c1f7a6e-0001-4dac-866e-533314a3c108@frab.example.org")
	if !ev.StartsAt.Equal(utcTime("2016-07-27T09:00Z")) {
		t.Errorf("11:00 in Berlin in July starts at %s, want 09:00 UTC (CEST, IANA)", ev.StartsAt)
	}
}

// TestParseSchedShape reads Sched's shape: CRLF, a 2,400-octet line that
// is not folded, UTC times with X-WR-TIMEZONE:UTC, HTML character
// references (decoded), SEQUENCE
// 0, an event that ends when it starts, and a UID given twice.
func TestParseSchedShape(t *testing.T) {
	cal, problems := parseFile(t, "sched-utc-long-lines.ics", Options{TimeZone: "Europe/Amsterdam", StartsOn: "2026-03-22", EndsOn: "2026-03-27"})
	ev := eventByUID(t, cal, "bdeb89fcb7b271c2053791f3789faff7")
	if n := len(ev.Description); n < 2400 || !strings.Contains(ev.Description, "Foundation\u00a0, Speaker Number 44 ") || strings.Contains(ev.Description, "&nbsp") {
		t.Errorf("the long description was cut (%d bytes): ...%q", n, ev.Description[max(0, n-40):])
	}
	if ev.TimeZone != "Europe/Amsterdam" || !strings.Contains(ev.ZoneReason, "programme's zone") {
		t.Errorf("a UTC event under X-WR-TIMEZONE:UTC takes zone %s (%s), want the programme's", ev.TimeZone, ev.ZoneReason)
	}
	if ev.Location != "Hall 12, Amsterdam, Netherlands" || ev.Title != "Keynote: Welcome Back ❤️" {
		t.Errorf("location %q, title %q", ev.Location, ev.Title)
	}
	if p := problemOf(problems, "0a1b2c3d4e5f60718293a4b5c6d7e8f9"); p == nil || !strings.Contains(p.Reason, "ends") {
		t.Errorf("the event that ends when it starts is not refused: %v", p)
	}
	// The later revision of a duplicated UID wins, the other is refused.
	dup := eventByUID(t, cal, "d9a209281d8d6570090a0350e44e4fa5")
	if dup.Title != "Lightning Talk (longer)" || dup.Sequence != 1 {
		t.Errorf("duplicate UID: kept %q (SEQUENCE %d), want the one with SEQUENCE 1", dup.Title, dup.Sequence)
	}
	if p := problemOf(problems, "d9a209281d8d6570090a0350e44e4fa5"); p == nil || !strings.Contains(p.Reason, "appears again") {
		t.Errorf("the losing duplicate is not refused with a reason: %v", p)
	}
	if len(cal.Events) != 2 {
		t.Errorf("%d events accepted, want 2", len(cal.Events))
	}
}

// TestParseGoogleShape reads Google's shape: UTC times under an
// X-WR-TIMEZONE that is not UTC (London is UTC+1 in July), an ATTENDEE
// folded inside a parameter, and an event weeks before the programme.
func TestParseGoogleShape(t *testing.T) {
	cal, problems := parseFile(t, "google-utc-wr-timezone.ics", Options{TimeZone: "Europe/Paris", StartsOn: "2015-07-13", EndsOn: "2015-07-15"})
	ev := eventByUID(t, cal, "od7iba0v2r81mbi80dfkqqgp18@google.com")
	if ev.TimeZone != "Europe/London" || !strings.Contains(ev.ZoneReason, "X-WR-TIMEZONE") {
		t.Errorf("zone %s (%s), want Europe/London from X-WR-TIMEZONE", ev.TimeZone, ev.ZoneReason)
	}
	if !ev.StartsAt.Equal(utcTime("2015-07-14T13:00Z")) || ev.Sequence != 2 {
		t.Errorf("starts %s, SEQUENCE %d", ev.StartsAt, ev.Sequence)
	}
	if !strings.Contains(ev.Description, "seventy-five characters after the leading space, [a link]") {
		t.Errorf("description %q", ev.Description)
	}
	p := problemOf(problems, "j6r03vs7ussib7mcrr9h79b3lc@google.com")
	if p == nil || !p.Refused || !strings.Contains(p.Reason, "outside the programme (2015-07-13 to 2015-07-15)") {
		t.Errorf("the event outside the programme: %v", p)
	}
}

// TestParseRefusesTheFile covers what makes the whole file unreadable:
// each is EINVALID and says what and where.
func TestParseRefusesTheFile(t *testing.T) {
	valid := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
	tests := []struct {
		name, input string
		opt         Options
		want        string
	}{
		{"too large", valid, Options{TimeZone: "UTC", StartsOn: "2025-01-01", EndsOn: "2025-01-02", MaxBytes: 10}, "larger than 10 bytes"},
		{"not UTF-8", "BEGIN:VCALENDAR\nSUMMARY:ok\nSUMMARY:Caf\xe9\nEND:VCALENDAR\n", berlin2025, "line 3, column 12"},
		{"not a calendar", "BEGIN:VCARD\nEND:VCARD\n", berlin2025, "not an iCalendar"},
		{"empty", "", berlin2025, "not an iCalendar"},
		{"unclosed", "BEGIN:VCALENDAR\nBEGIN:VEVENT\n", berlin2025, "not an iCalendar"},
		{"no zone", valid, Options{StartsOn: "2025-01-01", EndsOn: "2025-01-02"}, "time zone"},
		{"dates backwards", valid, Options{TimeZone: "UTC", StartsOn: "2025-01-02", EndsOn: "2025-01-01"}, "not a range of days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse(strings.NewReader(tt.input), tt.opt)
			if programme.ErrorCode(err) != programme.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want EINVALID saying %q", err, tt.want)
			}
		})
	}
	// A byte order mark is not a reason to refuse.
	if _, _, err := Parse(strings.NewReader("\ufeff"+valid), berlin2025); err != nil {
		t.Errorf("with a BOM: %v", err)
	}
}

// TestParseRefusesTextOverLimits: a title over the limit is refused, never
// cut short, and line breaks in a title become spaces.
func TestParseRefusesTextOverLimits(t *testing.T) {
	event := func(summary string) string {
		return "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x@example.org\nDTSTART:20250317T100000Z\nDTEND:20250317T110000Z\nSUMMARY:" +
			summary + "\nEND:VEVENT\nEND:VCALENDAR\n"
	}
	_, problems, err := Parse(strings.NewReader(event(strings.Repeat("a", 301))), berlin2025)
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0].Reason, "301 characters, over the limit of 300") || problems[0].Line != 2 {
		t.Errorf("a 301-character title: %v, %v", problems, err)
	}
	cal, _, err := Parse(strings.NewReader(event("Two\\nlines\tand  spaces")), berlin2025)
	if err != nil || len(cal.Events) != 1 || cal.Events[0].Title != "Two lines and spaces" {
		t.Errorf("title %v, %v", cal.Events, err)
	}
}

// TestParseBoundsRecurrence: a rule that would give many occurrences within
// the programme is refused, as is one that starts decades before it.
func TestParseBoundsRecurrence(t *testing.T) {
	rec := func(start, rule string) string {
		return "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:r@example.org\nDTSTART:" + start + "\nDTEND:" + start[:9] + "235900Z\nRRULE:" + rule +
			"\nSUMMARY:r\nEND:VEVENT\nEND:VCALENDAR\n"
	}
	long := Options{TimeZone: "UTC", StartsOn: "2025-01-01", EndsOn: "2025-12-31"}
	tests := []struct {
		name, input string
		opt         Options
		want        string
	}{
		{"too many", rec("20250101T000000Z", "FREQ=DAILY"), long, "more than 200 times"},
		{"too early", rec("19900101T000000Z", "FREQ=YEARLY"), long, "more than ten years before"},
		{"unreadable", rec("20250101T000000Z", "FREQ=SOMETIMES"), long, "cannot be read"},
		{"never within", rec("20250101T000000Z", "FREQ=YEARLY;COUNT=1"), Options{TimeZone: "UTC", StartsOn: "2025-06-01", EndsOn: "2025-06-02"}, "none of its occurrences"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, problems, err := Parse(strings.NewReader(tt.input), tt.opt)
			if err != nil || len(problems) != 1 || !strings.Contains(problems[0].Reason, tt.want) {
				t.Fatalf("problems %v, err %v; want one saying %q", problems, err, tt.want)
			}
			if cal.Refused["r@example.org"] == "" {
				t.Error("the refused recurring event is not in Calendar.Refused")
			}
		})
	}
}
