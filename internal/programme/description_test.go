package programme_test

import (
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

// TestDescriptionTimesCarryTheirZone checks that the first time of a running
// order, and the session times in a speaker's slot, name their zone, so that
// a delegate reading the event in another zone does not take them for theirs;
// the other lines of the running order stay short.
func TestDescriptionTimesCarryTheirZone(t *testing.T) {
	tests := []struct {
		zone  string
		label string
	}{
		{"America/Mexico_City", "Mexico City time, CST"},
		{"America/New_York", "New York time, EST"},
		{"Asia/Kabul", "Kabul time, UTC+04:30"},            // zone data with no abbreviation
		{"America/St_Johns", "St Johns time, NST"},         // underscores read as spaces
		{"America/Sao_Paulo", "Sao Paulo time, UTC-02:00"}, // Brazil had summer time in 2016
		{"UTC", "UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			at := func(v string) time.Time { return local(t, v, tt.zone) }
			p := &programme.Programme{
				Slug: "zones", Title: "Zones", TimeZone: tt.zone, StartsOn: "2016-12-05", EndsOn: "2016-12-05",
				People: []programme.Person{{Key: "ana", Name: "Ana"}},
				Sessions: []programme.Session{{
					Key: "s", Title: "Seminar", Kind: "seminar", StartsAt: at("2016-12-05T09:00"), EndsAt: at("2016-12-05T10:00"),
					Audience: programme.Audience{People: []string{"ana"}},
					Slots: []programme.Slot{
						{Key: "a", Title: "Welcome", StartsAt: at("2016-12-05T09:00"), EndsAt: at("2016-12-05T09:10"), Speakers: []string{"ana"}},
						{Key: "b", Title: "Talk", StartsAt: at("2016-12-05T09:10"), EndsAt: at("2016-12-05T10:00")},
					},
				}},
			}
			session := entry(t, feedEntries(t, p, programme.FeedPerson, "ana", edited), "session/s")
			want := "Running order:\n09:00–09:10 (" + tt.label + ") Welcome — Ana\n09:10–10:00 Talk"
			if session.Description != want {
				t.Errorf("session Description = %q\nwant %q", session.Description, want)
			}
			slot := entry(t, feedEntries(t, p, programme.FeedSpeaker, "ana", edited), "slot/s/a")
			if want := "Session: Seminar, Mon 5 Dec 2016, 09:00–10:00 (" + tt.label + ")\n"; !strings.HasPrefix(slot.Description, want) {
				t.Errorf("slot Description = %q\nwant it to start %q", slot.Description, want)
			}
		})
	}
}
