package programme_test

import (
	"slices"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
)

// places is a small stored programme for the change rules: two venues, a
// room at the first, a session in the room and a run from the first venue.
func places() *programme.Programme {
	at := time.Date(2016, 12, 5, 15, 0, 0, 0, time.UTC)
	return &programme.Programme{
		Slug: "p", Title: "P", TimeZone: "America/Mexico_City", StartsOn: "2016-12-05", EndsOn: "2016-12-06",
		Venues: []programme.Venue{
			{Key: "expo", Name: "Expo", Change: programme.Change{Sequence: 4}},
			{Key: "hotel", Name: "Hotel", Change: programme.Change{Sequence: 1}},
		},
		Rooms: []programme.Room{{Key: "r10", Name: "Room 10", Venue: "expo", Change: programme.Change{Sequence: 2}}},
		Sessions: []programme.Session{{Key: "s", Title: "S", Kind: "meeting", StartsAt: at, EndsAt: at.Add(time.Hour),
			Room: "r10", Slots: []programme.Slot{{Key: "a", Title: "A", StartsAt: at, EndsAt: at.Add(time.Hour)}}}},
		Transport: []programme.Run{{Key: "bus", Kind: "bus", Title: "Bus", DepartsAt: at, From: "expo"}},
	}
}

func TestSessionChange(t *testing.T) {
	tests := []struct {
		name string
		edit func(after *programme.Programme, s *programme.Session)
		want programme.ItemChange
	}{
		{"nothing", func(*programme.Programme, *programme.Session) {}, programme.ItemChange{}},
		{"empty status for confirmed", func(_ *programme.Programme, s *programme.Session) { s.Status = "confirmed" },
			programme.ItemChange{Modified: true}},
		{"the programme's zone named", func(_ *programme.Programme, s *programme.Session) { s.TimeZone = "America/Mexico_City" },
			programme.ItemChange{Modified: true}},
		{"audience", func(_ *programme.Programme, s *programme.Session) { s.Audience.People = []string{"x"} },
			programme.ItemChange{Modified: true}},
		// The description, the kind and "Attendance required." are in the
		// event: shown, though SEQUENCE stays.
		{"description", func(_ *programme.Programme, s *programme.Session) { s.Description = "New text." },
			programme.ItemChange{Modified: true, Shown: true}},
		{"kind", func(_ *programme.Programme, s *programme.Session) { s.Kind = "seminar" },
			programme.ItemChange{Modified: true, Shown: true}},
		{"required", func(_ *programme.Programme, s *programme.Session) { s.Required = true },
			programme.ItemChange{Modified: true, Shown: true}},
		{"title", func(_ *programme.Programme, s *programme.Session) { s.Title = "T" },
			programme.ItemChange{Modified: true, Rise: 1, Shown: true}},
		{"new programme zone", func(p *programme.Programme, _ *programme.Session) { p.TimeZone = "America/New_York" },
			programme.ItemChange{Modified: true, Rise: 1, Shown: true}},
		// Room 10 (2) at Expo (4) adds 6; Hotel adds 1: a fall of 5.
		{"moved to a venue with lower counters", func(_ *programme.Programme, s *programme.Session) { s.Room, s.Venue = "", "hotel" },
			programme.ItemChange{Modified: true, Rise: 6, Shown: true}},
		{"moved to free text", func(_ *programme.Programme, s *programme.Session) { s.Room, s.Location = "", "Outside" },
			programme.ItemChange{Modified: true, Rise: 7, Shown: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := places(), places()
			tt.edit(after, &after.Sessions[0])
			if got := programme.SessionChange(before, after, &before.Sessions[0], &after.Sessions[0]); got != tt.want {
				t.Errorf("SessionChange = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRoomAndRunChange(t *testing.T) {
	before, after := places(), places()
	after.Rooms[0].Capacity = 40
	if got, want := programme.RoomChange(before, after, &before.Rooms[0], &after.Rooms[0]), (programme.ItemChange{Modified: true}); got != want {
		t.Errorf("capacity: RoomChange = %+v, want %+v", got, want)
	}
	// The session in the room counted Expo (4) and counts Hotel (1) after
	// the move: the room makes up the fall of 3.
	after.Rooms[0].Venue = "hotel"
	if got, want := programme.RoomChange(before, after, &before.Rooms[0], &after.Rooms[0]), (programme.ItemChange{Modified: true, Rise: 4, Shown: true}); got != want {
		t.Errorf("venue: RoomChange = %+v, want %+v", got, want)
	}
	after.Transport[0].From = "hotel"
	if got, want := programme.RunChange(before, after, &before.Transport[0], &after.Transport[0]), (programme.ItemChange{Modified: true, Rise: 4, Shown: true}); got != want {
		t.Errorf("pick-up: RunChange = %+v, want %+v", got, want)
	}
	after = places()
	after.Transport[0].Riders.People = []string{"x"}
	if got, want := programme.RunChange(before, after, &before.Transport[0], &after.Transport[0]), (programme.ItemChange{Modified: true}); got != want {
		t.Errorf("riders: RunChange = %+v, want %+v", got, want)
	}
	// The poll is in the event's description: shown, but no rise.
	after.Transport[0].Poll = &programme.Poll{Question: "When?", Options: []string{"09:00"}}
	if got, want := programme.RunChange(before, after, &before.Transport[0], &after.Transport[0]), (programme.ItemChange{Modified: true, Shown: true}); got != want {
		t.Errorf("riders and poll: RunChange = %+v, want %+v", got, want)
	}
	// An instant the databases cannot keep is no change.
	after = places()
	after.Transport[0].DepartsAt = after.Transport[0].DepartsAt.Add(time.Nanosecond)
	if got := programme.RunChange(before, after, &before.Transport[0], &after.Transport[0]); got != (programme.ItemChange{}) {
		t.Errorf("a nanosecond: RunChange = %+v, want no change", got)
	}
}

// TestShownChanges checks what the rules count as shown for the items
// whose staff-only fields must never move an event's DTSTAMP.
func TestShownChanges(t *testing.T) {
	slot := places().Sessions[0].Slots[0]
	noted := slot
	noted.Note = "Bring the clicker."
	from := time.Date(2016, 12, 5, 14, 0, 0, 0, time.UTC)
	noted.AvailableFrom = &from
	if got, want := programme.SlotChange(&slot, &noted), (programme.ItemChange{Modified: true}); got != want {
		t.Errorf("slot note: SlotChange = %+v, want %+v", got, want)
	}
	person := programme.Person{Key: "x", Name: "X", Email: "x@example.org"}
	contact := person
	contact.Email, contact.Note, contact.Phone = "y@example.org", "staff only", "+1 555"
	if got := programme.PersonChange(&person, &contact); got.Shown || !got.Modified {
		t.Errorf("contact details: PersonChange = %+v, want modified, not shown", got)
	}
	renamed := person
	renamed.Name = "Y"
	if got := programme.PersonChange(&person, &renamed); !got.Shown {
		t.Errorf("name: PersonChange = %+v, want shown", got)
	}
	before, after := places(), places()
	after.Rooms[0].Reservations = []programme.Reservation{{StartsAt: from, EndsAt: from.Add(time.Hour), Status: "held"}}
	if got, want := programme.RoomChange(before, after, &before.Rooms[0], &after.Rooms[0]), (programme.ItemChange{Modified: true}); got != want {
		t.Errorf("reservation: RoomChange = %+v, want %+v", got, want)
	}
	d := programme.Delegation{Key: "af", Name: "Afghanistan"}
	dn := d
	dn.Note = "staff only"
	if got := programme.DelegationChange(&d, &dn); got.Shown {
		t.Errorf("delegation note: DelegationChange = %+v, want not shown", got)
	}
	// A venue's point on the map is a change of place: it rises.
	v := before.Venues[0]
	moved := v
	moved.Geo = &programme.Geo{Lat: 20.6736, Lon: -103.3927}
	if got, want := programme.VenueChange(&v, &moved), (programme.ItemChange{Modified: true, Rise: 1, Shown: true}); got != want {
		t.Errorf("geo: VenueChange = %+v, want %+v", got, want)
	}
	again := moved
	again.Geo = &programme.Geo{Lat: 20.6736, Lon: -103.3927}
	if got := programme.VenueChange(&moved, &again); got != (programme.ItemChange{}) {
		t.Errorf("same geo: VenueChange = %+v, want no change", got)
	}
}

func TestSlotChange(t *testing.T) {
	old := places().Sessions[0].Slots[0]
	speakers := old
	speakers.Speakers = []string{"x"}
	if got, want := programme.SlotChange(&old, &speakers), (programme.ItemChange{Modified: true, Shown: true}); got != want {
		t.Errorf("speakers: SlotChange = %+v, want %+v", got, want)
	}
	// A slot's empty status is its session's, not confirmed.
	status := old
	status.Status = "confirmed"
	if got, want := programme.SlotChange(&old, &status), (programme.ItemChange{Modified: true, Rise: 1, Shown: true}); got != want {
		t.Errorf("status: SlotChange = %+v, want %+v", got, want)
	}
}

func TestMergeKeepsStoredOrder(t *testing.T) {
	base := places()
	base.Sessions = append(base.Sessions, base.Sessions[0], base.Sessions[0])
	base.Sessions[1].Key, base.Sessions[2].Key = "t", "u"
	batch := &programme.Programme{Slug: "p", Sessions: []programme.Session{
		{Key: "new", Title: "New"}, {Key: "u", Title: "U"}, {Key: "s", Title: "S2"},
	}}
	merged := programme.Merge(base, batch)
	var keys []string
	for _, s := range merged.Sessions {
		keys = append(keys, s.Key)
	}
	// u and s swap the places they had; t stays; the new one goes last.
	if want := []string{"u", "t", "s", "new"}; !slices.Equal(keys, want) {
		t.Errorf("merged sessions = %v, want %v", keys, want)
	}
	if s := merged.Session("s"); s.Title != "S2" || len(s.Slots) != 1 || s.Sequence != base.Sessions[0].Sequence {
		t.Errorf("merged session s = %+v, want the batch's title with the stored slot and Change", s)
	}
}

func TestValidateBatchPointsIntoTheBatch(t *testing.T) {
	base := places()
	moved := base.Sessions[0]
	moved.StartsAt, moved.EndsAt, moved.Slots = moved.StartsAt.Add(24*time.Hour), moved.EndsAt.Add(24*time.Hour), nil
	batch := &programme.Programme{Slug: "p", Title: "P", TimeZone: base.TimeZone, StartsOn: base.StartsOn, EndsOn: base.EndsOn,
		Sessions: []programme.Session{moved}}
	merged, errs := programme.ValidateBatch(batch, base)
	if merged != nil || len(errs) != 1 {
		t.Fatalf("ValidateBatch = %v, %v; want one problem", merged, errs)
	}
	for _, e := range errs {
		if e.Path != "sessions[0].slots" {
			t.Errorf("problem at %q (%s), want sessions[0].slots", e.Path, e.Msg)
		}
	}
	moved.Slots = []programme.Slot{base.Sessions[0].Slots[0]}
	moved.Slots[0].StartsAt, moved.Slots[0].EndsAt = moved.StartsAt, moved.EndsAt
	batch.Sessions = []programme.Session{moved}
	if merged, errs := programme.ValidateBatch(batch, base); merged == nil || errs != nil {
		t.Errorf("with its slot: ValidateBatch = %v, %v; want the merged programme", merged, errs)
	}
}

// TestAVoteIsNoShownChange: a delegate's vote changes nothing an event
// shows (the description names the question, the options and the decision),
// so it moves no rider's DTSTAMP or LAST-MODIFIED, while a decision does.
func TestAVoteIsNoShownChange(t *testing.T) {
	p := sample.Demo(t)
	bus := p.Run("day0-bus")
	if bus == nil || bus.Poll == nil {
		t.Fatal("the demo's bus has no poll")
	}
	voted := *bus
	poll := *bus.Poll
	poll.Votes = append(slices.Clone(poll.Votes), programme.Vote{Person: "omar-ansari", Option: poll.Options[0]})
	voted.Poll = &poll
	if got, want := programme.RunChange(p, p, bus, &voted), (programme.ItemChange{Modified: true}); got != want {
		t.Errorf("a vote: RunChange = %+v, want %+v", got, want)
	}
	decided := voted
	again := poll
	again.Decided = poll.Options[len(poll.Options)-1]
	decided.Poll = &again
	if got := programme.RunChange(p, p, &voted, &decided); !got.Shown {
		t.Errorf("a decision: RunChange = %+v, want shown", got)
	}
}
