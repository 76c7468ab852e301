package web

import (
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := programme.LoadZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestSpan(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name       string
		start, end string
		withZone   bool
		want       string
	}{
		{"winter", "2016-11-28T14:00:00Z", "2016-11-28T22:00:00Z", true, "09:00–17:00 EST"},
		{"summer", "2016-07-04T13:00:00Z", "2016-07-04T21:00:00Z", true, "09:00–17:00 EDT"},
		{"without zone", "2016-11-28T14:00:00Z", "2016-11-28T14:10:00Z", false, "09:00–09:10"},
		{"past midnight", "2016-11-29T01:00:00Z", "2016-11-29T07:00:00Z", true, "20:00–02:00 EST (ends Tue 29 Nov)"},
		{"across the DST change", "2016-11-06T04:30:00Z", "2016-11-06T07:30:00Z", true, "00:30 EDT–02:30 EST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := span(at(tt.start), at(tt.end), ny, tt.withZone); got != tt.want {
				t.Errorf("span = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProgrammeDaysGroupByLocalDate(t *testing.T) {
	// A session at 20:00 in Mexico City on 5 December is 02:00 UTC on the
	// 6th: it belongs to the 5th, the date its delegates see.
	p := &programme.Programme{
		Slug: "p", TimeZone: "America/Mexico_City",
		Sessions: []programme.Session{
			{Key: "late", Title: "Late dinner", Kind: "meal", Status: "confirmed",
				StartsAt: time.Date(2016, 12, 6, 2, 0, 0, 0, time.UTC), EndsAt: time.Date(2016, 12, 6, 4, 0, 0, 0, time.UTC)},
			{Key: "early", Title: "Breakfast", Kind: "meal", Status: "confirmed",
				StartsAt: time.Date(2016, 12, 5, 14, 0, 0, 0, time.UTC), EndsAt: time.Date(2016, 12, 5, 15, 0, 0, 0, time.UTC)},
			{Key: "ny", Title: "Call with Washington", Kind: "meeting", Status: "cancelled", TimeZone: "America/New_York",
				StartsAt: time.Date(2016, 12, 5, 15, 0, 0, 0, time.UTC), EndsAt: time.Date(2016, 12, 5, 16, 0, 0, 0, time.UTC)},
		},
		Transport: []programme.Run{
			{Key: "bus", Kind: "bus", From: "Hotel lobby", Status: "tentative",
				DepartsAt: time.Date(2016, 12, 5, 14, 0, 0, 0, time.UTC),
				Poll:      &programme.Poll{Options: []string{"08:00", "08:15"}}},
		},
	}
	days := programmeDays(p, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if len(days) != 1 {
		t.Fatalf("%d days, want 1: %+v", len(days), days)
	}
	d := days[0]
	if d.ID != "d2016-12-05" || d.Zones != "America/Mexico_City (CST), America/New_York (EST)" || d.Today {
		t.Errorf("day %q zones %q today %v", d.ID, d.Zones, d.Today)
	}
	var got []string
	for _, it := range d.Items {
		got = append(got, it.Title)
	}
	// At the same instant a session comes before a run.
	if want := "Breakfast|Bus|Call with Washington|Late dinner"; strings.Join(got, "|") != want {
		t.Errorf("items %q, want %q", strings.Join(got, "|"), want)
	}
	bus, call := d.Items[1], d.Items[2]
	if !bus.Tentative || bus.Place != "From Hotel lobby" || !strings.Contains(bus.Description, "08:00 or 08:15") {
		t.Errorf("bus = %+v", bus)
	}
	if !call.Cancelled || call.When != "10:00–11:00 EST" {
		t.Errorf("call = %+v", call)
	}
}

func TestLabel(t *testing.T) {
	for in, want := range map[string]string{"main_session": "Main session", "bus": "Bus", "": ""} {
		if got := label(in); got != want {
			t.Errorf("label(%q) = %q, want %q", in, got, want)
		}
	}
}
