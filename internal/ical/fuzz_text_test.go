package ical_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/planner-dev/planner/internal/ical"
	"github.com/planner-dev/planner/internal/programme"
)

// FuzzEventText puts any text into one event's SUMMARY, DESCRIPTION and
// LOCATION and reads the feed back with two parsers, go-ical and
// golang-ical's own: each must find exactly one VEVENT whose three texts are
// the cleaned text (ical.Text) exactly, in lines of at most 75 octets that
// split no UTF-8 character.
func FuzzEventText(f *testing.F) {
	for _, seed := range [][3]string{
		{"Lunch", "Bring money", "Expo Guadalajara"},
		{"a,b;c\\d", "line\nbreak\\nnot a break", "x:y"},
		{strings.Repeat("é", 37) + "a", strings.Repeat("😀", 19) + "ab", strings.Repeat("x", 74) + "中"},
		{"END:VEVENT", "\r\nBEGIN:VEVENT\r\nSUMMARY:two", "\\,\\;\\n"},
		{" leading and trailing ", "\t", "\u00a0"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, title, desc, location string) {
		if ical.Text(title) == "" {
			title = "x" + title
		}
		p := fixture(t)
		start := local(t, "2016-12-05T09:00", mexico)
		entry := programme.Entry{ID: "session/" + p.Sessions[0].Key, Kind: programme.EntrySession, Title: title, Description: desc,
			Location: location, StartsAt: start, EndsAt: start.Add(time.Hour), Status: "confirmed", Sequence: 1, ModifiedAt: edited,
			Category: p.Sessions[0].Kind, SessionKey: p.Sessions[0].Key}
		data := encode(t, ical.Feed{Name: "Fuzz", Programme: p, Entries: []programme.Entry{entry}})
		checkLines(t, data)
		want := map[string]string{"SUMMARY": ical.Text(title), "DESCRIPTION": ical.Text(desc), "LOCATION": ical.Text(location)}

		events := parse(t, data).Events()
		if len(events) != 1 {
			t.Fatalf("go-ical reads %d events", len(events))
		}
		for name, w := range want {
			if w == "" {
				if events[0].Props.Get(name) != nil {
					t.Errorf("go-ical: %s is there for empty text", name)
				}
				continue
			}
			if got := text(t, events[0].Props, name); got != w {
				t.Errorf("go-ical: %s = %q, want %q", name, got, w)
			}
		}

		cal, err := ics.ParseCalendar(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("golang-ical cannot read the feed: %v", err)
		}
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("golang-ical reads %d events", len(evs))
		}
		for name, w := range want {
			prop := evs[0].GetProperty(ics.ComponentProperty(name))
			if w == "" {
				if prop != nil {
					t.Errorf("golang-ical: %s is there for empty text", name)
				}
				continue
			}
			if prop == nil {
				t.Fatalf("golang-ical: no %s", name)
			}
			// golang-ical undoes the TEXT escapes as it parses.
			if got := prop.Value; got != w {
				t.Errorf("golang-ical: %s = %q, want %q", name, got, w)
			}
		}
	})
}
