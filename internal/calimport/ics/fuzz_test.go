package ics

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/planner-dev/planner/internal/programme"
)

var berlin2025 = Options{TimeZone: "Europe/Berlin", StartsOn: "2025-03-17", EndsOn: "2025-03-20"}

// FuzzParse feeds Parse arbitrary files, seeded with every fixture: it must
// never panic or hang, and whatever it accepts must fit a session (a valid
// key, a title within the limits, an end after the start, an IANA zone).
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../testdata/*.ics") // calimport's fixtures
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART;TZID=Europe/Berlin:20250318T020000\nDURATION:-PT1H\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR\n"))
	f.Add([]byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nRECURRENCE-ID:20250318\nDTSTART:20250318\nSUMMARY:\\\nEND:VEVENT\nEND:VCALENDAR\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cal, problems, err := Parse(strings.NewReader(string(data)), berlin2025)
		if err != nil {
			if programme.ErrorCode(err) != programme.EINVALID {
				t.Fatalf("a bad file gave %v, not EINVALID", err)
			}
			return
		}
		for _, p := range problems {
			if p.Reason == "" {
				t.Fatalf("a problem without a reason: %+v", p)
			}
		}
		for _, ev := range cal.Events {
			if !programme.ValidKey(SessionKey(ev.UID)) {
				t.Fatalf("key %q of UID %q is not a valid key", SessionKey(ev.UID), ev.UID)
			}
			if ev.Title == "" || utf8.RuneCountInString(ev.Title) > programme.MaxLineLength || strings.ContainsAny(ev.Title, "\r\n\t") {
				t.Fatalf("title %q does not fit a session", ev.Title)
			}
			if !ev.EndsAt.After(ev.StartsAt) {
				t.Fatalf("event %q ends %s, not after its start %s", ev.UID, ev.EndsAt, ev.StartsAt)
			}
			if _, err := programme.LoadZone(ev.TimeZone); err != nil {
				t.Fatalf("event %q has zone %q: %v", ev.UID, ev.TimeZone, err)
			}
		}
	})
}
