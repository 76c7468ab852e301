package programme

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// demoLike builds, in Go, a small programme shaped like the demo: two zones,
// a room with a released reservation, a delegation with a lead, a seminar
// with speaker slots and a speakers' window, and a bus with a decided poll.
// The exchange package checks the real demo file; programme cannot import it.
func demoLike(t *testing.T) *Programme {
	t.Helper()
	mx := "America/Mexico_City"
	at := func(zone, value string) time.Time {
		t.Helper()
		loc, err := LoadZone(zone)
		if err != nil {
			t.Fatal(err)
		}
		v, err := ParseLocal(value, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ptr := func(v time.Time) *time.Time { return &v }
	return &Programme{
		Slug: "igf2016-cldp", Title: "CLDP-supported delegations at IGF 2016",
		TimeZone: mx, StartsOn: "2016-11-28", EndsOn: "2016-12-09",
		Venues: []Venue{
			{Key: "dc", Name: "Washington DC meetings"},
			{Key: "expo", Name: "Expo Guadalajara"},
			{Key: "hotel", Name: "Delegation hotel"},
		},
		Rooms: []Room{
			{Key: "room-10", Name: "Workshop Room 10", Venue: "expo", Capacity: 40, Reservations: []Reservation{{
				StartsAt: at(mx, "2016-12-05T08:30"), EndsAt: at(mx, "2016-12-05T18:00"), Status: "confirmed",
				ReleasedFrom: ptr(at(mx, "2016-12-05T13:00")),
			}}},
			{Key: "main-hall", Name: "Main Session Hall", Venue: "expo"},
		},
		Delegations: []Delegation{
			{Key: "af", Name: "Afghanistan", Country: "AF"},
			{Key: "pk", Name: "Pakistan", Country: "PK", Lead: "syed-shah"},
		},
		People: []Person{
			{Key: "joe-gattuso", Name: "Joe Gattuso", Role: "staff"},
			{Key: "omar-ansari", Name: "Omar Ansari", Role: "civil_society", Delegation: "af"},
			{Key: "syed-shah", Name: "Dr. Syed Shah", Role: "government", Delegation: "pk"},
			{Key: "sally-wentworth", Name: "Sally Wentworth", Role: "speaker"},
			{Key: "marilyn-cade", Name: "Marilyn Cade", Role: "speaker"},
		},
		Sessions: []Session{
			{
				Key: "dc-day1", Title: "Washington meetings", Kind: "meeting", TimeZone: "America/New_York",
				StartsAt: at("America/New_York", "2016-11-28T09:00"), EndsAt: at("America/New_York", "2016-11-28T17:00"),
				Venue: "dc", Audience: Audience{Delegations: []string{"af", "pk"}}, Status: StatusConfirmed,
			},
			{
				Key: "day0-seminar", Title: "Pre-Conference Seminar", Kind: "seminar",
				StartsAt: at(mx, "2016-12-05T09:00"), EndsAt: at(mx, "2016-12-05T13:00"), Room: "room-10",
				Audience: Audience{Delegations: []string{"af", "pk"}, People: []string{"joe-gattuso"}}, Required: true,
				Slots: []Slot{
					{Key: "welcome", Title: "Welcome", Speakers: []string{"joe-gattuso"},
						StartsAt: at(mx, "2016-12-05T09:00"), EndsAt: at(mx, "2016-12-05T09:10")},
					{Key: "isoc", Title: "The Internet Society", Speakers: []string{"sally-wentworth"},
						StartsAt: at(mx, "2016-12-05T09:10"), EndsAt: at(mx, "2016-12-05T10:45"),
						AvailableUntil: ptr(at(mx, "2016-12-05T11:00")), Note: "The ISOC team has to leave by 11:00."},
					{Key: "informal-visitors", Title: "Informal visitors",
						StartsAt: at(mx, "2016-12-05T12:15"), EndsAt: at(mx, "2016-12-05T12:30"), Status: StatusCancelled},
				},
			},
			{
				// Slot keys are unique within a session only: "welcome" again is fine.
				Key: "day0-lunch", Title: "Lunch", Kind: "meal", Location: "Gift shop",
				StartsAt: at(mx, "2016-12-05T13:00"), EndsAt: at(mx, "2016-12-05T14:00"),
				Slots: []Slot{{Key: "welcome", Title: "Grace", Speakers: []string{"marilyn-cade"},
					StartsAt: at(mx, "2016-12-05T13:00"), EndsAt: at(mx, "2016-12-05T13:05"),
					AvailableFrom: ptr(at(mx, "2016-12-05T12:55"))}},
			},
		},
		Transport: []Run{
			{
				Key: "day0-bus", Kind: "bus", Title: "Bus back to the hotel", DepartsAt: at(mx, "2016-12-05T17:15"),
				From: "expo", To: "hotel", Capacity: 20, Status: StatusConfirmed,
				Riders:        Audience{Delegations: []string{"af", "pk"}, People: []string{"joe-gattuso"}},
				StayingBehind: []StayingBehind{{Person: "omar-ansari", Note: "takes the shuttle"}},
				Poll: &Poll{Question: "When?", Options: []string{"17:15", "17:30"},
					ClosesAt: ptr(at(mx, "2016-12-05T15:00")), Decided: "17:15",
					Votes: []Vote{{Person: "omar-ansari", Option: "17:30"}, {Person: "syed-shah", Option: "17:15"}}},
			},
			{
				// The decided time is compared in the run's own zone.
				Key: "dc-car", Kind: "car", Title: "Car to the airport", TimeZone: "America/New_York",
				DepartsAt: at("America/New_York", "2016-11-29T18:00"), From: "dc", To: "Dulles airport",
				Poll: &Poll{Options: []string{"18:00"}, Decided: "18:00"},
			},
		},
	}
}

func TestValidate(t *testing.T) {
	mx, err := LoadZone("America/Mexico_City")
	if err != nil {
		t.Fatal(err)
	}
	at := func(value string) time.Time {
		v, err := ParseLocal(value, mx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ptr := func(v time.Time) *time.Time { return &v }

	type want struct{ path, msg string } // msg: a part of the message
	tests := []struct {
		name   string
		mutate func(p *Programme)
		want   []want
	}{
		{"the demo-like programme is valid", func(p *Programme) {}, nil},

		// Programme.
		{"slug is required", func(p *Programme) { p.Slug = "" },
			[]want{{"programme.slug", "is required"}}},
		{"slug follows the key rules", func(p *Programme) { p.Slug = "IGF 2016" },
			[]want{{"programme.slug", `"IGF 2016" is not a valid slug`}}},
		{"title is required", func(p *Programme) { p.Title = " " },
			[]want{{"programme.title", "is required"}}},
		{"programme zone is required", func(p *Programme) { p.TimeZone = "" },
			[]want{{"programme.time_zone", "is required"}}},
		{"programme zone must be IANA", func(p *Programme) { p.TimeZone = "Mars/Olympus_Mons" },
			[]want{{"programme.time_zone", "not a known IANA time zone"}}},
		{"programme zone may not be Local", func(p *Programme) { p.TimeZone = "Local" },
			[]want{{"programme.time_zone", "not an IANA time zone name"}}},
		{"starts_on is a date", func(p *Programme) { p.StartsOn = "28/11/2016" },
			[]want{{"programme.starts_on", "not a date of the form YYYY-MM-DD"}}},
		{"ends_on is required", func(p *Programme) { p.EndsOn = "" },
			[]want{{"programme.ends_on", "is required"}}},
		{"ends_on not before starts_on", func(p *Programme) { p.EndsOn = "2016-11-27" },
			[]want{{"programme.ends_on", "is before the programme starts (2016-11-27 < 2016-11-28)"}}},

		// Keys.
		{"key is required", func(p *Programme) { p.Venues[2].Key = "" },
			[]want{{"venues[2].key", "is required"}}},
		{"keys are lowercase", func(p *Programme) { p.People[0].Key = "Joe"; replaceAll(p, "joe-gattuso", "Joe") },
			[]want{{"people[0].key", `"Joe" is not a valid key`}}},
		{"keys are at most 64 characters", func(p *Programme) { p.Rooms[1].Key = strings.Repeat("a", 65) },
			[]want{{"rooms[1].key", "is not a valid key"}}},
		{"venue keys are unique", func(p *Programme) { p.Venues[1].Key = "dc" },
			[]want{{"venues[1].key", `"dc" is already the key of venues[0]`},
				{"rooms[0].venue", `refers to venue "expo"`}, {"rooms[1].venue", `refers to venue "expo"`},
			}},
		{"session keys are unique", func(p *Programme) { p.Sessions[2].Key = "dc-day1" },
			[]want{{"sessions[2].key", `"dc-day1" is already the key of sessions[0]`}}},
		{"slot keys are unique within their session", func(p *Programme) { p.Sessions[1].Slots[2].Key = "welcome" },
			[]want{{"sessions[1].slots[2].key", `"welcome" is already the key of sessions[1].slots[0]`}}},
		{"run keys are unique", func(p *Programme) { p.Transport[1].Key = "day0-bus" },
			[]want{{"transport[1].key", `"day0-bus" is already the key of transport[0]`}}},

		// Names and titles.
		{"venue name is required", func(p *Programme) { p.Venues[0].Name = "" }, []want{{"venues[0].name", "is required"}}},
		{"room name is required", func(p *Programme) { p.Rooms[0].Name = "" }, []want{{"rooms[0].name", "is required"}}},
		{"delegation name is required", func(p *Programme) { p.Delegations[0].Name = "" }, []want{{"delegations[0].name", "is required"}}},
		{"person name is required", func(p *Programme) { p.People[1].Name = "" }, []want{{"people[1].name", "is required"}}},
		{"session title is required", func(p *Programme) { p.Sessions[0].Title = "" }, []want{{"sessions[0].title", "is required"}}},
		{"slot title is required", func(p *Programme) { p.Sessions[1].Slots[0].Title = "" }, []want{{"sessions[1].slots[0].title", "is required"}}},
		{"run title is required", func(p *Programme) { p.Transport[0].Title = "" }, []want{{"transport[0].title", "is required"}}},

		// Kinds, roles and statuses.
		{"session kind is known", func(p *Programme) { p.Sessions[0].Kind = "party" },
			[]want{{"sessions[0].kind", `"party" is not one of seminar, meeting`}}},
		{"session kind is required", func(p *Programme) { p.Sessions[0].Kind = "" },
			[]want{{"sessions[0].kind", "is required: one of seminar"}}},
		{"role is known", func(p *Programme) { p.People[0].Role = "boss" },
			[]want{{"people[0].role", `"boss" is not one of staff`}}},
		{"role is required", func(p *Programme) { p.People[0].Role = "" },
			[]want{{"people[0].role", "is required"}}},
		{"session status is known", func(p *Programme) { p.Sessions[0].Status = "maybe" },
			[]want{{"sessions[0].status", `"maybe" is not one of tentative, confirmed, cancelled`}}},
		{"slot status is known", func(p *Programme) { p.Sessions[1].Slots[0].Status = "done" },
			[]want{{"sessions[1].slots[0].status", `"done" is not one of`}}},
		{"run status is known", func(p *Programme) { p.Transport[0].Status = "late" },
			[]want{{"transport[0].status", `"late" is not one of`}}},
		{"reservation status is known", func(p *Programme) { p.Rooms[0].Reservations[0].Status = "booked" },
			[]want{{"rooms[0].reservations[0].status", `"booked" is not one of held, confirmed, released`}}},
		{"transport kind is known", func(p *Programme) { p.Transport[0].Kind = "train" },
			[]want{{"transport[0].kind", `"train" is not one of bus, shuttle, car, walk`}}},

		// Zones and times.
		{"item zone must be IANA", func(p *Programme) { p.Sessions[0].TimeZone = "EST5EDT6" },
			[]want{{"sessions[0].time_zone", "not a known IANA time zone"}}},
		{"run zone must be IANA", func(p *Programme) { p.Transport[1].TimeZone = "Eastern" },
			[]want{{"transport[1].time_zone", "not a known IANA time zone"}}},
		{"session ends after it starts", func(p *Programme) {
			p.Sessions[2].StartsAt, p.Sessions[2].EndsAt = at("2016-12-05T09:10"), at("2016-12-05T09:05")
			p.Sessions[2].Slots = nil
		}, []want{{"sessions[2].ends_at", "ends before it starts (09:05 < 09:10)"}}},
		{"a session of no length", func(p *Programme) { p.Sessions[2].EndsAt = p.Sessions[2].StartsAt; p.Sessions[2].Slots = nil },
			[]want{{"sessions[2].ends_at", "ends when it starts (13:00)"}}},
		{"times across days show their dates", func(p *Programme) {
			p.Sessions[2].EndsAt = at("2016-12-04T23:00")
			p.Sessions[2].Slots = nil
		}, []want{{"sessions[2].ends_at", "ends before it starts (2016-12-04 23:00 < 2016-12-05 13:00)"}}},
		{"session start is required", func(p *Programme) { p.Sessions[0].StartsAt = time.Time{} },
			[]want{{"sessions[0].starts_at", "is required"}}},
		{"slot ends after it starts", func(p *Programme) { p.Sessions[1].Slots[0].EndsAt = at("2016-12-05T08:59") },
			[]want{{"sessions[1].slots[0].ends_at", "ends before it starts (08:59 < 09:00)"}}},
		{"reservation ends after it starts", func(p *Programme) { p.Rooms[0].Reservations[0].EndsAt = at("2016-12-05T08:00") },
			[]want{{"rooms[0].reservations[0].ends_at", "ends before it starts (08:00 < 08:30)"},
				{"rooms[0].reservations[0].released_from", "outside the reservation"}}},
		{"released_from inside the reservation", func(p *Programme) {
			p.Rooms[0].Reservations[0].ReleasedFrom = ptr(at("2016-12-05T18:30"))
		}, []want{{"rooms[0].reservations[0].released_from", "is 2016-12-05T18:30, outside the reservation (2016-12-05T08:30 to 2016-12-05T18:00)"}}},
		{"slot starts inside its session", func(p *Programme) { p.Sessions[1].Slots[0].StartsAt = at("2016-12-05T08:50") },
			[]want{{"sessions[1].slots[0].starts_at", "starts at 08:50, before its session starts (09:00)"}}},
		{"slot ends inside its session", func(p *Programme) { p.Sessions[1].Slots[2].EndsAt = at("2016-12-05T13:30") },
			[]want{{"sessions[1].slots[2].ends_at", "ends at 13:30, after its session ends (13:00)"}}},
		{"speakers' window is sensible", func(p *Programme) {
			p.Sessions[1].Slots[1].AvailableFrom = ptr(at("2016-12-05T11:00"))
		}, []want{{"sessions[1].slots[1].available_until", "is 11:00, not after available_from (11:00)"}}},
		{"slot times use the session's zone", func(p *Programme) {
			// 09:00 in Mexico City is 10:00 in New York: this slot starts at
			// the session's start when read in the session's own zone.
			s := &p.Sessions[0]
			s.Slots = []Slot{{Key: "opening", Title: "Opening", StartsAt: s.StartsAt.Add(-time.Hour), EndsAt: s.StartsAt}}
		}, []want{{"sessions[0].slots[0].starts_at", "starts at 08:00, before its session starts (09:00)"}}},

		// References.
		{"room venue exists", func(p *Programme) { p.Rooms[0].Venue = "nowhere" },
			[]want{{"rooms[0].venue", `refers to venue "nowhere", which is not in the file`}}},
		{"person delegation exists", func(p *Programme) { p.People[4].Delegation = "xx" },
			[]want{{"people[4].delegation", `refers to delegation "xx", which is not in the file`}}},
		{"lead exists", func(p *Programme) { p.Delegations[0].Lead = "nobody" },
			[]want{{"delegations[0].lead", `refers to person "nobody", which is not in the file`}}},
		{"lead belongs to the delegation", func(p *Programme) { p.Delegations[0].Lead = "syed-shah" },
			[]want{{"delegations[0].lead", `names "syed-shah", who belongs to delegation "pk": the lead should be a member of "af"`}}},
		{"lead belongs to some delegation", func(p *Programme) { p.Delegations[0].Lead = "joe-gattuso" },
			[]want{{"delegations[0].lead", `names "joe-gattuso", who belongs to no delegation`}}},
		{"session room exists", func(p *Programme) { p.Sessions[1].Room = "room-11" },
			[]want{{"sessions[1].room", `refers to room "room-11"`}}},
		{"session venue exists", func(p *Programme) { p.Sessions[0].Venue = "nyc" },
			[]want{{"sessions[0].venue", `refers to venue "nyc"`}}},
		{"a session has one place", func(p *Programme) { p.Sessions[1].Venue = "expo" },
			[]want{{"sessions[1].venue", "only one of room, venue or location, and this one also has a room"}}},
		{"a session has one place, location too", func(p *Programme) { p.Sessions[0].Location = "Room 5" },
			[]want{{"sessions[0].location", "also has a venue"}}},
		{"speakers exist", func(p *Programme) { p.Sessions[1].Slots[1].Speakers = []string{"sally-wentworth", "joyce"} },
			[]want{{"sessions[1].slots[1].speakers[1]", `refers to person "joyce"`}}},
		{"audience delegations exist", func(p *Programme) { p.Sessions[0].Audience.Delegations = []string{"af", "ir"} },
			[]want{{"sessions[0].audience.delegations[1]", `refers to delegation "ir"`}}},
		{"audience people exist", func(p *Programme) { p.Sessions[1].Audience.People = []string{"jordan"} },
			[]want{{"sessions[1].audience.people[0]", `refers to person "jordan"`}}},
		{"audience names each member once", func(p *Programme) { p.Sessions[0].Audience.Delegations = []string{"af", "pk", "af"} },
			[]want{{"sessions[0].audience.delegations[2]", `"af" is already listed at sessions[0].audience.delegations[0]`}}},
		{"audience entries are not empty", func(p *Programme) { p.Sessions[0].Audience.People = []string{""} },
			[]want{{"sessions[0].audience.people[0]", "is empty"}}},
		{"riders exist", func(p *Programme) { p.Transport[0].Riders.People = []string{"ghost"} },
			[]want{{"transport[0].riders.people[0]", `refers to person "ghost"`}}},
		{"rider delegations exist", func(p *Programme) { p.Transport[0].Riders.Delegations = []string{"xx"} },
			[]want{{"transport[0].riders.delegations[0]", `refers to delegation "xx"`}}},
		{"staying_behind persons exist", func(p *Programme) { p.Transport[0].StayingBehind[0].Person = "ghost" },
			[]want{{"transport[0].staying_behind[0].person", `refers to person "ghost"`}}},
		{"staying_behind names a person", func(p *Programme) { p.Transport[0].StayingBehind[0].Person = "" },
			[]want{{"transport[0].staying_behind[0].person", "is required"}}},
		{"staying_behind names each person once", func(p *Programme) {
			p.Transport[0].StayingBehind = append(p.Transport[0].StayingBehind, StayingBehind{Person: "omar-ansari"})
		}, []want{{"transport[0].staying_behind[1].person", `"omar-ansari" is already staying behind at transport[0].staying_behind[0]`}}},
		{"from and to may be free text", func(p *Programme) { p.Transport[0].From, p.Transport[0].To = "Hotel lobby", "" }, nil},
		{"country is two capital letters", func(p *Programme) { p.Delegations[0].Country = "afg" },
			[]want{{"delegations[0].country", `"afg" is not a country code`}}},

		// Capacities and polls.
		{"room capacity is not negative", func(p *Programme) { p.Rooms[0].Capacity = -1 },
			[]want{{"rooms[0].capacity", "cannot be negative"}}},
		{"run capacity is not negative", func(p *Programme) { p.Transport[0].Capacity = -20 },
			[]want{{"transport[0].capacity", "cannot be negative"}}},
		{"run departure is required", func(p *Programme) { p.Transport[1].DepartsAt = time.Time{} },
			[]want{{"transport[1].departs_at", "is required"}}},
		{"poll options are HH:MM", func(p *Programme) { p.Transport[0].Poll.Options[1] = "5.30pm" },
			[]want{{"transport[0].poll.options[1]", `"5.30pm" is not a time of the form HH:MM`},
				{"transport[0].poll.votes[0].option", `"17:30" is not one of the poll's options`}}},
		{"poll options are unique", func(p *Programme) { p.Transport[0].Poll.Options = []string{"17:15", "17:30", "17:15"} },
			[]want{{"transport[0].poll.options[2]", `"17:15" is already transport[0].poll.options[0]`}}},
		{"a poll has options", func(p *Programme) { p.Transport[1].Poll = &Poll{} },
			[]want{{"transport[1].poll.options", "at least one option"}}},
		{"decided is an option", func(p *Programme) { p.Transport[0].Poll.Decided = "18:00" },
			[]want{{"transport[0].poll.decided", `"18:00" is not one of the poll's options`}}},
		{"decided is the departure", func(p *Programme) { p.Transport[0].Poll.Decided = "17:30" },
			[]want{{"transport[0].poll.decided", "is 17:30, but the run departs at 17:15"}}},
		{"decided is compared in the run's zone", func(p *Programme) { p.Transport[1].TimeZone = "" },
			[]want{{"transport[1].poll.decided", "is 18:00, but the run departs at 17:00"}}},
		{"an open poll needs no departure match", func(p *Programme) { p.Transport[0].Poll.Decided = "" }, nil},
		{"votes name an option", func(p *Programme) { p.Transport[0].Poll.Votes[0].Option = "19:00" },
			[]want{{"transport[0].poll.votes[0].option", `"19:00" is not one of the poll's options`}}},
		{"votes name a person", func(p *Programme) { p.Transport[0].Poll.Votes[0].Person = "ghost" },
			[]want{{"transport[0].poll.votes[0].person", `refers to person "ghost"`}}},
		{"a person votes once", func(p *Programme) { p.Transport[0].Poll.Votes[1].Person = "omar-ansari" },
			[]want{{"transport[0].poll.votes[1].person", `"omar-ansari" already voted at transport[0].poll.votes[0]`}}},
		{"a poll closes before the run departs", func(p *Programme) { p.Transport[0].Poll.ClosesAt = ptr(at("2016-12-05T17:20")) },
			[]want{{"transport[0].poll.closes_at", "closes at 17:20, after the run departs (17:15)"}}},

		// What a database can store: PostgreSQL refuses NUL and invalid
		// UTF-8, and SQLite cannot read back a year past 9999.
		{"no NUL in the programme's text", func(p *Programme) { p.Description = "a\x00b" },
			[]want{{"programme.description", "contains a NUL character"}}},
		{"no NUL in an item's text", func(p *Programme) { p.Sessions[1].Slots[1].Note = "leaves\x00early" },
			[]want{{"sessions[1].slots[1].note", "contains a NUL character"}}},
		{"no NUL in a staying-behind note", func(p *Programme) { p.Transport[0].StayingBehind[0].Note = "\x00" },
			[]want{{"transport[0].staying_behind[0].note", "contains a NUL character"}}},
		{"text is UTF-8", func(p *Programme) { p.Venues[0].Name = "Caf\xe9" },
			[]want{{"venues[0].name", "is not valid UTF-8 text"}}},
		{"a bad key is reported once", func(p *Programme) { p.Venues[2].Key = "ho\x00tel" },
			[]want{{"venues[2].key", "is not a valid key"}}},
		{"times fall before the year 10000", func(p *Programme) {
			p.Sessions[2].EndsAt = time.Date(10000, 1, 1, 5, 59, 0, 0, time.UTC)
			p.Transport[0].Poll.ClosesAt = ptr(time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC))
		}, []want{{"sessions[2].ends_at", "is in the year 10000 (UTC)"}, {"transport[0].poll.closes_at", "is in the year -1 (UTC)"}}},

		// One-line text has no line breaks and no control characters;
		// multi-line text keeps line feeds and tabs only.
		{"a title is one line", func(p *Programme) { p.Sessions[0].Title = "Washington\nmeetings" },
			[]want{{"sessions[0].title", "contains a line feed (U+000A): it must be one line"}}},
		{"no carriage return in a name", func(p *Programme) { p.People[0].Name = "Joe\rGattuso" },
			[]want{{"people[0].name", "contains a carriage return (U+000D): it must be one line"}}},
		{"no line separator in a slot title", func(p *Programme) { p.Sessions[1].Slots[0].Title = "Wel\u2028come" },
			[]want{{"sessions[1].slots[0].title", "contains a line separator (U+2028): it must be one line"}}},
		{"no paragraph separator in an address", func(p *Programme) { p.Venues[0].Address = "1 Main St\u2029DC" },
			[]want{{"venues[0].address", "contains a paragraph separator (U+2029)"}}},
		{"no next-line character in a place", func(p *Programme) { p.Sessions[2].Location = "Gift\u0085shop" },
			[]want{{"sessions[2].location", "contains a next-line character (U+0085)"}}},
		{"no vertical tab in an organization", func(p *Programme) { p.People[1].Organization = "ISOC\v" },
			[]want{{"people[1].organization", "contains a vertical tab (U+000B)"}}},
		{"no form feed in a run's contact", func(p *Programme) { p.Transport[0].Contact = "\fJoe" },
			[]want{{"transport[0].contact", "contains a form feed (U+000C)"}}},
		{"no tab in a programme title", func(p *Programme) { p.Title = "CLDP\tIGF" },
			[]want{{"programme.title", "contains a tab (U+0009): it must be one line"}}},
		{"no control character in a poll question", func(p *Programme) { p.Transport[0].Poll.Question = "When\x07?" },
			[]want{{"transport[0].poll.question", "contains a control character (U+0007)"}}},
		{"no line break in a reference", func(p *Programme) { p.Sessions[1].Audience.People[0] = "joe\n" },
			[]want{{"sessions[1].audience.people[0]", `refers to person "joe\n"`}}},
		{"descriptions and notes keep line feeds and tabs", func(p *Programme) {
			p.Description = "Two days in Washington.\n\tThen Guadalajara.\u2028"
			p.Sessions[1].Description = "Seven slots.\nLunch after."
			p.Transport[0].Note = "Pick-up:\tmain door\nCall Joe."
			p.Delegations[0].Note = "Arrives\nlate"
		}, nil},
		{"no carriage return in a description", func(p *Programme) { p.Sessions[1].Description = "Seven slots.\r\nLunch after." },
			[]want{{"sessions[1].description", `contains a carriage return (U+000D): break lines with a line feed (\n) only`}}},
		{"no control character in a note", func(p *Programme) { p.People[0].Note = "call\x1bfirst" },
			[]want{{"people[0].note", "contains a control character (U+001B)"}}},

		// Limits on text, in characters, not bytes.
		{"a title at the limit", func(p *Programme) { p.Sessions[0].Title = strings.Repeat("é", MaxLineLength) }, nil},
		{"a title over the limit", func(p *Programme) { p.Sessions[0].Title = strings.Repeat("é", MaxLineLength+1) },
			[]want{{"sessions[0].title", "is 301 characters long: at most 300"}}},
		{"a description at the limit", func(p *Programme) { p.Sessions[1].Description = strings.Repeat("x\n", MaxDescriptionLength/2) }, nil},
		{"a description over the limit", func(p *Programme) { p.Description = strings.Repeat("x", 5<<20) },
			[]want{{"programme.description", "is 5242880 characters long: at most 10000"}}},
		{"a note over the limit", func(p *Programme) { p.Transport[0].StayingBehind[0].Note = strings.Repeat("x", MaxNoteLength+1) },
			[]want{{"transport[0].staying_behind[0].note", "is 4001 characters long: at most 4000"}}},
		{"an e-mail address over the limit", func(p *Programme) { p.People[2].Email = strings.Repeat("x", 400) + "@example.org" },
			[]want{{"people[2].email", "at most 300"}}},

		// Limits on lists.
		{"too many sessions", func(p *Programme) {
			for i := len(p.Sessions); i <= MaxSessions; i++ {
				s := p.Sessions[2]
				s.Key, s.Slots = fmt.Sprintf("extra-%d", i), nil
				p.Sessions = append(p.Sessions, s)
			}
		}, []want{{"sessions", "has 2001 sessions: at most 2000"}}},
		{"too many slots", func(p *Programme) {
			s := &p.Sessions[1]
			s.EndsAt = s.StartsAt.Add(200 * time.Minute)
			s.Slots = nil
			for i := range MaxSlots + 1 {
				start := s.StartsAt.Add(time.Duration(i) * time.Minute)
				s.Slots = append(s.Slots, Slot{Key: fmt.Sprintf("s%d", i), Title: "Slot", StartsAt: start, EndsAt: start.Add(time.Minute)})
			}
		}, []want{{"sessions[1].slots", "has 101 slots: at most 100 per session"}}},
		{"too many reservations", func(p *Programme) {
			r := &p.Rooms[0]
			for len(r.Reservations) <= MaxReservations {
				r.Reservations = append(r.Reservations, Reservation{StartsAt: r.Reservations[0].StartsAt, EndsAt: r.Reservations[0].EndsAt})
			}
		}, []want{{"rooms[0].reservations", "has 501 reservations: at most 500 per room"}}},

		// A venue's point on the map.
		{"a venue on the map", func(p *Programme) { p.Venues[1].Geo = &Geo{Lat: 20.6736, Lon: -103.3927} }, nil},
		{"the poles and the antimeridian", func(p *Programme) {
			p.Venues[0].Geo = &Geo{Lat: -90, Lon: 180}
			p.Venues[1].Geo = &Geo{Lat: 90, Lon: -180}
		}, nil},
		{"a latitude beyond a pole", func(p *Programme) { p.Venues[1].Geo = &Geo{Lat: -90.01, Lon: 0} },
			[]want{{"venues[1].geo.lat", "is -90.01: it must be from -90 to 90 degrees"}}},
		{"a longitude beyond the antimeridian", func(p *Programme) { p.Venues[1].Geo = &Geo{Lat: 0, Lon: 200} },
			[]want{{"venues[1].geo.lon", "is 200: it must be from -180 to 180 degrees"}}},
		{"no NaN or infinity", func(p *Programme) { p.Venues[1].Geo = &Geo{Lat: math.NaN(), Lon: math.Inf(1)} },
			[]want{{"venues[1].geo.lat", "is NaN"}, {"venues[1].geo.lon", "is +Inf"}}},

		// The store's bookkeeping is not part of the file: nothing in it is
		// reported, at paths that the file does not have.
		{"histories are not checked", func(p *Programme) {
			p.People[0].FormerDelegations = []Member{{Delegation: "a\x00b"}}
			p.Sessions[0].FormerRooms = []Member{{Room: "a\nb"}}
			p.Sessions[1].Slots[0].FormerSpeakers = []Member{{Person: "\xff"}}
			p.Sessions[1].Audience.Former = []Member{{Person: "\x00"}}
			p.Transport[0].StayingBehind[0].Since = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := demoLike(t)
			tt.mutate(p)
			got := Validate(p)
			if len(got) != len(tt.want) {
				t.Fatalf("Validate found %d problems, want %d:\n%v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				if got[i].Path != w.path || !strings.Contains(got[i].Msg, w.msg) {
					t.Errorf("problem %d = %q, want %s: ...%s...", i, got[i].Error(), w.path, w.msg)
				}
			}
		})
	}
}

// replaceAll renames a person key in every reference of the demo-like
// programme, so that only the key itself is at fault.
func replaceAll(p *Programme, from, to string) {
	fix := func(keys []string) {
		for i := range keys {
			if keys[i] == from {
				keys[i] = to
			}
		}
	}
	for i := range p.Sessions {
		fix(p.Sessions[i].Audience.People)
		for j := range p.Sessions[i].Slots {
			fix(p.Sessions[i].Slots[j].Speakers)
		}
	}
	for i := range p.Transport {
		fix(p.Transport[i].Riders.People)
	}
}

func TestValidKey(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"igf2016-cldp", true},
		{"a", true},
		{strings.Repeat("x", 64), true},
		{"", false},
		{strings.Repeat("x", 65), false},
		{"Room-10", false},
		{"room_10", false},
		{"room 10", false},
		{"café", false},
	}
	for _, tt := range tests {
		if got := ValidKey(tt.key); got != tt.want {
			t.Errorf("ValidKey(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestValidateOntoResolvesReferencesToStoredItems(t *testing.T) {
	stored := demoLike(t)
	batch := demoLike(t)
	// The batch keeps the header and the sessions, and leaves the venues,
	// rooms, delegations and people to what is stored.
	batch.Venues, batch.Rooms, batch.Delegations, batch.People, batch.Transport = nil, nil, nil, nil, nil

	if errs := Validate(batch); len(errs) == 0 {
		t.Fatal("Validate accepted a batch whose references name nothing in it")
	}
	if errs := ValidateOnto(batch, stored); len(errs) != 0 {
		t.Fatalf("ValidateOnto refused a batch whose references are all stored:\n%v", errs)
	}
	if errs := ValidateOnto(batch, nil); len(errs) == 0 {
		t.Error("ValidateOnto with no stored programme accepted dangling references")
	}

	// Where the file and the store both have a person, the file counts: a
	// lead the file moves to another delegation no longer leads this one.
	moved := demoLike(t)
	for i := range moved.People {
		if moved.People[i].Key == moved.Delegations[1].Lead {
			moved.People[i].Delegation = moved.Delegations[0].Key
		}
	}
	errs := ValidateOnto(moved, stored)
	if len(errs) != 1 || errs[0].Path != "delegations[1].lead" {
		t.Errorf("ValidateOnto(moved lead) = %v, want one problem at delegations[1].lead", errs)
	}
}

// TestTextRulesCoverEveryTextField checks that every text field of the
// programme file has its rule, so that a field added later cannot escape the
// limits, and that every rule names a field that exists.
func TestTextRulesCoverEveryTextField(t *testing.T) {
	seen := map[string]bool{}
	var visit func(typ reflect.Type)
	visited := map[reflect.Type]bool{}
	visit = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ == timeType || visited[typ] {
			return
		}
		visited[typ] = true
		for i := range typ.NumField() {
			f := typ.Field(i)
			if bookkeeping(f.Name) || !f.IsExported() {
				continue
			}
			name := typ.Name() + "." + f.Name
			elem := f.Type
			for elem.Kind() == reflect.Pointer || elem.Kind() == reflect.Slice {
				elem = elem.Elem()
			}
			if elem.Kind() == reflect.String {
				seen[name] = true
				if _, ok := textRules[name]; !ok {
					t.Errorf("%s has no text rule in textRules", name)
				}
			}
			visit(f.Type)
		}
	}
	visit(reflect.TypeFor[Programme]())
	for name := range textRules {
		if !seen[name] {
			t.Errorf("textRules has %s, which is no text field of the programme file", name)
		}
	}
}

// TestValidateOntoCountsStoredItems: in a batch of changes, the items stored
// count towards the limits with those of the file, each key once.
func TestValidateOntoCountsStoredItems(t *testing.T) {
	stored := demoLike(t)
	for i := len(stored.Venues); i < MaxVenues; i++ {
		stored.Venues = append(stored.Venues, Venue{Key: fmt.Sprintf("stored-%d", i), Name: "Stored"})
	}
	batch := demoLike(t)
	if errs := ValidateOnto(batch, stored); len(errs) != 0 {
		t.Fatalf("ValidateOnto of a batch that adds nothing: %v", errs)
	}
	batch.Venues = append(batch.Venues, Venue{Key: "one-more", Name: "One more"})
	errs := ValidateOnto(batch, stored)
	if len(errs) != 1 || errs[0].Path != "venues" || !strings.Contains(errs[0].Msg, "would have 501 venues with those already stored: at most 500") {
		t.Errorf("ValidateOnto = %v, want one problem at venues", errs)
	}
}

// TestMessagesClipLongValues: a message about a value over its limit names
// the path and the limit, and does not repeat megabytes of the value.
func TestMessagesClipLongValues(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	p := demoLike(t)
	p.Slug = long
	p.TimeZone = long
	p.StartsOn = long
	p.Sessions[0].Kind = long
	p.Sessions[0].Audience.Delegations[0] = long
	p.Transport[0].Poll.Decided = long
	got := Validate(p)
	if len(got) == 0 {
		t.Fatal("Validate accepted megabytes of keys")
	}
	for _, f := range got {
		if len(f.Msg) > 300 {
			t.Errorf("%s: a message of %d bytes", f.Path, len(f.Msg))
		}
	}
	if want := `"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..." is not a valid slug`; !strings.HasPrefix(got[0].Msg, want) {
		t.Errorf("first problem = %q, want it to start %q", got[0].Error(), want)
	}
	if got := clip("ëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëë"); got != "ëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëëë" {
		t.Errorf("clip of 40 characters = %q, want them all", got)
	}
}
