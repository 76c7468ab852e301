package programme

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func changesFixture(t *testing.T) *Programme {
	t.Helper()
	loc, err := LoadZone("America/Mexico_City")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := ParseLocal(s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	return &Programme{
		Slug: "x", Title: "X", TimeZone: "America/Mexico_City", StartsOn: "2016-12-05", EndsOn: "2016-12-05",
		Venues:      []Venue{{Key: "expo", Name: "Expo"}},
		Rooms:       []Room{{Key: "sala-1", Name: "Sala 1", Venue: "expo"}, {Key: "sala-2", Name: "Sala 2", Venue: "expo"}},
		Delegations: []Delegation{{Key: "pk", Name: "Pakistan", Lead: "syed-shah"}},
		People:      []Person{{Key: "syed-shah", Name: "Syed Shah", Role: "government", Delegation: "pk"}},
		Sessions:    []Session{{Key: "s", Title: "Seminar", StartsAt: at("2016-12-05T09:00"), EndsAt: at("2016-12-05T10:00"), Room: "sala-1"}},
		Transport: []Run{{Key: "bus", Title: "Bus back to the hotel", DepartsAt: at("2016-12-05T17:30"), From: "expo",
			Riders: Audience{Delegations: []string{"pk"}}}},
	}
}

func TestDescribeChange(t *testing.T) {
	before := changesFixture(t)
	after := changesFixture(t)
	after.Transport[0].DepartsAt = after.Transport[0].DepartsAt.Add(-15 * time.Minute)
	after.Sessions[0].Room = "sala-2"
	after.Sessions[0].Audience.People = []string{"syed-shah"}
	after.Sessions[0].StartsAt = after.Sessions[0].StartsAt.Add(24 * time.Hour)
	tests := []struct {
		ref  ItemRef
		want []string
	}{
		{ItemRef{KindRun, "bus"}, []string{"17:30 → 17:15"}},
		{ItemRef{KindSession, "s"}, []string{"starts: Mon 5 Dec 09:00 → Tue 6 Dec 09:00", "room: Sala 1 → Sala 2", "Syed Shah added to the audience"}},
		{ItemRef{KindPerson, "syed-shah"}, nil},
	}
	for _, tt := range tests {
		if got := DescribeChange(before, after, tt.ref); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.ref, got, tt.want)
		}
	}
}

func TestReferencesTo(t *testing.T) {
	p := changesFixture(t)
	got := ReferencesTo(p, ItemRef{KindPerson, "syed-shah"}, nil)
	if len(got) != 1 || !strings.Contains(got[0], `delegation "pk" has them as its lead`) {
		t.Errorf("references to syed-shah: %q", got)
	}
	// Deleting the delegation too leaves its lead free to go.
	if got := ReferencesTo(p, ItemRef{KindPerson, "syed-shah"}, map[ItemRef]bool{{KindDelegation, "pk"}: true}); len(got) != 0 {
		t.Errorf("with the delegation going too: %q", got)
	}
	got = ReferencesTo(p, ItemRef{KindDelegation, "pk"}, nil)
	if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, `run "bus" has it among its riders`) }) {
		t.Errorf("references to pk: %q", got)
	}
	if got := ReferencesTo(p, ItemRef{KindRoom, "sala-2"}, nil); len(got) != 0 {
		t.Errorf("an unused room is referred to by %q", got)
	}
}

func TestCheckUserName(t *testing.T) {
	for name, ok := range map[string]bool{"": true, "Emily Skills": true, "María Elena Flores": true,
		"Bo\x07": false, strings.Repeat("a", 101): false} {
		if err := CheckUserName(name); (err == nil) != ok {
			t.Errorf("CheckUserName(%q) = %v", name, err)
		}
	}
}
