package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

// fixture builds a small programme, modelled on the demo, that sets every
// field of every item kind at least once, so that a round trip through the
// database checks every column.
func fixture(t testing.TB) *programme.Programme {
	t.Helper()
	const zone = "America/Mexico_City"
	loc, err := programme.LoadZone(zone)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		t.Helper()
		v, err := programme.ParseLocal(s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ptr := func(s string) *time.Time { v := at(s); return &v }
	return &programme.Programme{
		Slug:        "igf2016-cldp",
		Title:       "CLDP-supported delegations at IGF 2016",
		Organizer:   "CLDP",
		TimeZone:    zone,
		StartsOn:    "2016-11-28",
		EndsOn:      "2016-12-09",
		Location:    "Guadalajara, Mexico",
		Description: "The Eleventh Internet Governance Forum.",
		Venues: []programme.Venue{
			{Key: "expo", Name: "Expo Guadalajara", Address: "Av. Mariano Otero 1499"},
			{Key: "hotel", Name: "Delegation hotel", Address: "Guadalajara"},
		},
		Rooms: []programme.Room{
			{Key: "room-10", Name: "Workshop Room 10", Venue: "expo", Capacity: 40, Reservations: []programme.Reservation{
				{StartsAt: at("2016-12-05T08:30"), EndsAt: at("2016-12-05T18:00"), Status: "confirmed",
					ReleasedFrom: ptr("2016-12-05T13:00"), Note: "Released after lunch."},
				{StartsAt: at("2016-12-06T08:30"), EndsAt: at("2016-12-06T10:00"), Status: "held"},
			}},
			{Key: "main-hall", Name: "Main Session Hall", Venue: "expo", Capacity: 2000},
		},
		Delegations: []programme.Delegation{
			{Key: "af", Name: "Afghanistan", Country: "AF", Note: "Government and civil society."},
			{Key: "pk", Name: "Pakistan", Country: "PK", Lead: "syed-shah"},
		},
		People: []programme.Person{
			{Key: "joe-gattuso", Name: "Joe Gattuso", Title: "Attorney Adviser", Organization: "CLDP", Role: "staff",
				Email: "joe@example.org", Phone: "+1 202 555 0100", Note: "Runs the day."},
			{Key: "omar-ansari", Name: "Omar Ansari", Organization: "ISOC Afghanistan", Role: "civil_society", Delegation: "af"},
			{Key: "syed-shah", Name: "Syed Shah", Role: "government", Delegation: "pk"},
			{Key: "sally-wentworth", Name: "Sally Wentworth", Organization: "ISOC", Role: "speaker"},
			{Key: "jordan-solomon", Name: "Jordan Solomon", Organization: "USAID", Role: "government"},
		},
		Sessions: []programme.Session{
			{Key: "dc-day1", Title: "Washington meetings", Kind: "meeting", TimeZone: "America/New_York",
				StartsAt: time.Date(2016, 11, 28, 14, 0, 0, 0, time.UTC), EndsAt: time.Date(2016, 11, 28, 22, 0, 0, 0, time.UTC),
				Location: "Washington DC", Audience: programme.Audience{Delegations: []string{"af", "pk"}}, Status: "confirmed"},
			{Key: "day0-seminar", Title: "Pre-Conference Seminar", Description: "The morning seminar.", Kind: "seminar",
				StartsAt: at("2016-12-05T09:00"), EndsAt: at("2016-12-05T13:00"), Room: "room-10",
				Audience: programme.Audience{Delegations: []string{"af", "pk"}, People: []string{"jordan-solomon"}},
				Required: true, Status: "confirmed",
				Slots: []programme.Slot{
					{Key: "welcome", Title: "Welcome", Speakers: []string{"joe-gattuso"},
						StartsAt: at("2016-12-05T09:00"), EndsAt: at("2016-12-05T09:10")},
					{Key: "isoc", Title: "The Internet Society", Speakers: []string{"sally-wentworth", "joe-gattuso"},
						StartsAt: at("2016-12-05T09:10"), EndsAt: at("2016-12-05T10:45"),
						AvailableFrom: ptr("2016-12-05T09:00"), AvailableUntil: ptr("2016-12-05T11:00"),
						Status: "confirmed", Note: "The ISOC team has to leave by 11:00."},
				}},
			{Key: "day0-lunch", Title: "Lunch", Kind: "meal", StartsAt: at("2016-12-05T13:00"), EndsAt: at("2016-12-05T14:00"),
				Venue: "expo", Audience: programme.Audience{Delegations: []string{"af", "pk"}}, Status: "tentative"},
		},
		Transport: []programme.Run{
			{Key: "day0-bus", Kind: "bus", Title: "Bus back to the hotel", DepartsAt: at("2016-12-05T17:15"),
				TimeZone: zone, From: "expo", To: "hotel", Capacity: 20, Vehicle: "White coach", Contact: "+52 33 5555 0000",
				Status: "confirmed", Note: "Pick-up point to be announced.",
				Riders:        programme.Audience{Delegations: []string{"af", "pk"}, People: []string{"joe-gattuso"}},
				StayingBehind: []programme.StayingBehind{{Person: "omar-ansari", Note: "Takes the IGF shuttle.", Active: true}},
				Poll: &programme.Poll{Question: "When should the bus pick us up?", Options: []string{"17:15", "17:30"},
					ClosesAt: ptr("2016-12-05T15:00"), Votes: []programme.Vote{{Person: "omar-ansari", Option: "17:30"},
						{Person: "syed-shah", Option: "17:15"}}, Decided: "17:15"}},
			{Key: "walk-back", Kind: "walk", Title: "Walk to the reception", DepartsAt: at("2016-12-05T18:30"),
				From: "Expo entrance", To: "Grand Fiesta Americana", Status: "tentative",
				Riders: programme.Audience{People: []string{"syed-shah"}}},
		},
	}
}

// largeFixture builds a programme with n sessions, each with slots, an
// audience and a run, for tests that must not depend on size.
func largeFixture(t testing.TB, n int) *programme.Programme {
	t.Helper()
	p := fixture(t)
	p.Slug = fmt.Sprintf("large-%d", n)
	start := time.Date(2016, 12, 5, 15, 0, 0, 0, time.UTC)
	for i := range n {
		at := start.Add(time.Duration(i) * time.Hour)
		s := programme.Session{
			Key: fmt.Sprintf("s-%d", i), Title: fmt.Sprintf("Session %d", i), Kind: "meeting",
			StartsAt: at, EndsAt: at.Add(time.Hour), Room: "main-hall", Status: "confirmed",
			Audience: programme.Audience{Delegations: []string{"af"}, People: []string{"joe-gattuso", "syed-shah"}},
		}
		for j := range 3 {
			s.Slots = append(s.Slots, programme.Slot{
				Key: fmt.Sprintf("slot-%d", j), Title: "Talk", Speakers: []string{"sally-wentworth"},
				StartsAt: at.Add(time.Duration(j) * 10 * time.Minute), EndsAt: at.Add(time.Duration(j+1) * 10 * time.Minute),
			})
		}
		p.Sessions = append(p.Sessions, s)
		p.Transport = append(p.Transport, programme.Run{
			Key: fmt.Sprintf("run-%d", i), Kind: "shuttle", Title: "Shuttle", DepartsAt: at, From: "expo", To: "hotel",
			Status: "confirmed", Riders: programme.Audience{People: []string{"omar-ansari", "syed-shah"}},
			StayingBehind: []programme.StayingBehind{{Person: "syed-shah", Active: true}},
			Poll:          &programme.Poll{Question: "When?", Options: []string{"15:00"}, Votes: []programme.Vote{{Person: "omar-ansari", Option: "15:00"}}},
		})
	}
	return p
}
