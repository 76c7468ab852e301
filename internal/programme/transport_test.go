package programme

import (
	"strings"
	"testing"
	"time"
)

// busProgramme is a programme with one bus run of two seats, ridden by the
// delegation af (Omar, Ana) and by Joe, with a poll of two options.
func busProgramme(t *testing.T) *Programme {
	t.Helper()
	loc := mustZone(t, "America/Mexico_City")
	at := func(s string) time.Time {
		v, err := ParseLocal(s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	closes := at("2016-12-05T15:00")
	return &Programme{
		Slug: "p", Title: "P", TimeZone: "America/Mexico_City", StartsOn: "2016-12-05", EndsOn: "2016-12-06",
		Venues:      []Venue{{Key: "expo", Name: "Expo Guadalajara"}},
		Delegations: []Delegation{{Key: "af", Name: "Afghanistan"}},
		People: []Person{
			{Key: "omar", Name: "Omar", Role: "government", Delegation: "af"}, {Key: "ana", Name: "Ana", Role: "government", Delegation: "af"},
			{Key: "joe", Name: "Joe", Role: "staff"}, {Key: "zoe", Name: "Zoe", Role: "staff"},
		},
		Transport: []Run{{
			Key: "bus", Kind: "bus", Title: "Bus back to the hotel", DepartsAt: at("2016-12-05T17:30"),
			From: "expo", To: "hotel", Capacity: 2,
			Riders: Audience{Delegations: []string{"af"}, People: []string{"joe"}},
			Note:   "Staying later? Take the IGF shuttle.",
			Poll:   &Poll{Options: []string{"17:15", "17:30"}, ClosesAt: &closes},
		}},
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := LoadZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestCastVote(t *testing.T) {
	p := busProgramme(t)
	before := p.Transport[0].Poll.ClosesAt.Add(-time.Hour)
	r, err := p.CastVote("bus", "omar", "17:15", before)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Transport[0].Poll.Votes) != 0 {
		t.Fatal("CastVote changed the stored run")
	}
	p.Transport[0] = *r
	r, err = p.CastVote("bus", "omar", "17:30", before)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Poll.Votes) != 1 || r.Poll.Votes[0] != (Vote{"omar", "17:30"}) {
		t.Errorf("votes after a change of mind = %v, want one vote for 17:30", r.Poll.Votes)
	}
	for _, tt := range []struct {
		name, person, option string
		at                   time.Time
		code                 string
	}{
		{"not a rider", "zoe", "17:15", before, EINVALID},
		{"unknown person", "nobody", "17:15", before, EINVALID},
		{"not an option", "omar", "18:00", before, EINVALID},
		{"closed", "omar", "17:15", *p.Transport[0].Poll.ClosesAt, ECONFLICT},
	} {
		if _, err := p.CastVote("bus", tt.person, tt.option, tt.at); ErrorCode(err) != tt.code {
			t.Errorf("%s: err %v, want code %s", tt.name, err, tt.code)
		}
	}
	if errs := Validate(p); len(errs) > 0 {
		t.Errorf("the run with a vote is invalid: %v", errs)
	}
}

func TestDecidePollSetsTheDeparture(t *testing.T) {
	p := busProgramme(t)
	r, err := p.DecidePoll("bus", "17:15")
	if err != nil {
		t.Fatal(err)
	}
	if got := FormatLocal(r.DepartsAt, p.Loc("")); got != "2016-12-05T17:15" {
		t.Errorf("departs at %s, want 2016-12-05T17:15", got)
	}
	if r.Poll.Decided != "17:15" {
		t.Errorf("decided %q", r.Poll.Decided)
	}
	if ch := RunChange(p, p, &p.Transport[0], r); ch.Rise == 0 {
		t.Errorf("deciding the poll leaves SEQUENCE as it was: %+v", ch)
	}
	p.Transport[0] = *r
	if errs := Validate(p); len(errs) > 0 {
		t.Errorf("the decided run is invalid: %v", errs)
	}
	if _, err := p.CastVote("bus", "omar", "17:30", time.Time{}); ErrorCode(err) != ECONFLICT {
		t.Errorf("a vote on a decided poll: %v, want ECONFLICT", err)
	}
	if _, err := p.DecidePoll("bus", "9:00"); ErrorCode(err) != EINVALID {
		t.Errorf("deciding for no option: %v", err)
	}
}

func TestVoteChangesNoSequence(t *testing.T) {
	p := busProgramme(t)
	r, err := p.CastVote("bus", "joe", "17:15", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	ch := RunChange(p, p, &p.Transport[0], r)
	if ch.Rise != 0 {
		t.Errorf("a vote raised SEQUENCE by %d", ch.Rise)
	}
}

func TestStayBehindAndHeadcount(t *testing.T) {
	p := busProgramme(t)
	h := p.RunHeadcount(&p.Transport[0])
	if h != (Headcount{Riders: 3, Expected: 3, Capacity: 2, SeatsLeft: -1}) || !h.Over() || h.OverBy() != 1 {
		t.Errorf("headcount %+v, want 3 riders over 2 seats", h)
	}
	early := p.Transport[0].DepartsAt.Add(-time.Hour)
	r, err := p.StayBehind("bus", "ana", "dinner with the minister", early)
	if err != nil {
		t.Fatal(err)
	}
	p.Transport[0] = *r
	h = p.RunHeadcount(r)
	if h.Expected != 2 || h.StayingBehind != 1 || h.SeatsLeft != 0 || h.Over() {
		t.Errorf("headcount after one stays behind: %+v", h)
	}
	if _, err := p.StayBehind("bus", "zoe", "", early); ErrorCode(err) != EINVALID {
		t.Errorf("a non-rider staying behind: %v", err)
	}
	if _, err := p.RideAgain("bus", "ana", r.DepartsAt); ErrorCode(err) != ECONFLICT {
		t.Errorf("taking it back after departure: %v", err)
	}
	r, err = p.RideAgain("bus", "ana", early)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.StaysBehind("ana"); ok {
		t.Error("Ana still stays behind")
	}
}

func TestAnnouncement(t *testing.T) {
	p := busProgramme(t)
	r, _ := p.DecidePoll("bus", "17:15")
	want := "Bus back to the hotel: now 17:15 from Expo Guadalajara. Staying later? Take the IGF shuttle."
	if got := p.Announcement(r); got != want {
		t.Errorf("announcement\n%q, want\n%q", got, want)
	}
	r.From = ""
	if got := p.Announcement(r); !strings.Contains(got, "from a pick-up point to be announced.") {
		t.Errorf("no pick-up point: %q", got)
	}
	r.Status = StatusCancelled
	if got := p.Announcement(r); got != "Bus back to the hotel: cancelled." {
		t.Errorf("cancelled: %q", got)
	}
	link := WhatsAppLink("Bus: now 17:15 & more?")
	if link != "https://wa.me/?text=Bus%3A%20now%2017%3A15%20%26%20more%3F" {
		t.Errorf("link %s", link)
	}
}
