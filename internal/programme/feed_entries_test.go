package programme_test

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
)

// edited is when the fixture was last stored; the tests move "now" from there.
var edited = time.Date(2016, 11, 20, 12, 0, 0, 0, time.UTC)

// local reads a wall-clock time of the fixture in zone, failing the test on a typo.
func local(t *testing.T, value, zone string) time.Time {
	t.Helper()
	loc, err := programme.LoadZone(zone)
	if err != nil {
		t.Fatal(err)
	}
	at, err := programme.ParseLocal(value, loc)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// Staff-only text planted in the fixture; none of it may reach any entry.
var staffOnly = []string{
	"has to leave by 11:00",       // slot note
	"Added on the day",            // slot note
	"not confirmed",               // slot note of the cancelled slot
	"approved a few months ago",   // delegation note
	"Vegetarian",                  // person note
	"omar@example.org",            // e-mail
	"+93 700 000 000",             // phone
	"secretariat told late",       // reservation note
	"Staying for a side meeting.", // staying-behind note
	"11:00:00",                    // would betray an availability window
	"2016-12-05T11",               // likewise
}

// fixture is a hand-built part of the demo programme (CLDP delegations at IGF
// 2016): the sessions, slots and bus that the agenda rules turn on, with the
// staff notes that must stay out of feeds.
func fixture(t *testing.T) *programme.Programme {
	t.Helper()
	const mx, ny = "America/Mexico_City", "America/New_York"
	at := func(v string) time.Time { return local(t, v, mx) }
	until := at("2016-12-05T11:00")
	stored := programme.Change{Sequence: 0, ModifiedAt: edited, CreatedAt: edited}
	both := programme.Audience{Delegations: []string{"af", "pk"}}
	return &programme.Programme{
		Slug: "igf2016-cldp", Title: "CLDP-supported delegations at IGF 2016", TimeZone: mx,
		StartsOn: "2016-11-28", EndsOn: "2016-12-09",
		Venues: []programme.Venue{
			{Key: "dc", Name: "Washington DC meetings", Address: "Washington, DC, United States"},
			{Key: "expo", Name: "Expo Guadalajara", Address: "Av. Mariano Otero 1499, Guadalajara, Jalisco, Mexico"},
			{Key: "hotel", Name: "Delegation hotel", Address: "Guadalajara, Jalisco, Mexico"},
		},
		Rooms: []programme.Room{{
			Key: "room-10", Name: "Workshop Room 10", Venue: "expo", Capacity: 40,
			Reservations: []programme.Reservation{{StartsAt: at("2016-12-05T08:30"), EndsAt: at("2016-12-05T18:00"),
				Status: "confirmed", Note: "Released after lunch, secretariat told late."}},
		}},
		Delegations: []programme.Delegation{
			{Key: "af", Name: "Afghanistan", Country: "AF", Note: "ISOC Afghanistan chapter approved a few months ago."},
			{Key: "pk", Name: "Pakistan", Country: "PK", Lead: "syed-shah"},
		},
		People: []programme.Person{
			{Key: "joe-gattuso", Name: "Joe Gattuso", Role: "staff"},
			{Key: "jordan-solomon", Name: "Jordan Solomon", Role: "government"},
			{Key: "omar-ansari", Name: "Omar Ansari", Role: "civil_society", Delegation: "af",
				Email: "omar@example.org", Phone: "+93 700 000 000", Note: "Vegetarian."},
			{Key: "aziz-taqwa", Name: "Aziz Taqwa", Role: "civil_society", Delegation: "af"},
			{Key: "syed-shah", Name: "Dr. Syed Shah", Role: "government", Delegation: "pk"},
			{Key: "sally-wentworth", Name: "Sally Wentworth", Role: "speaker"},
			{Key: "raul-echeberria", Name: "Raul Echeberria", Role: "speaker"},
			{Key: "joyce", Name: "Joyce", Role: "speaker"},
			{Key: "noel", Name: "Noel", Role: "speaker"},
			{Key: "marilyn-cade", Name: "Marilyn Cade", Role: "speaker"},
		},
		Sessions: []programme.Session{
			{
				Key: "dc-day1", Title: "Washington meetings: government and non-government parties", Kind: "meeting",
				TimeZone: ny, StartsAt: local(t, "2016-11-28T09:00", ny), EndsAt: local(t, "2016-11-28T17:00", ny),
				Venue: "dc", Audience: both, Status: "confirmed", Change: stored,
			},
			{
				Key: "day0-seminar", Title: "Pre-Conference Seminar for CLDP Supported Delegations", Kind: "seminar",
				StartsAt: at("2016-12-05T09:00"), EndsAt: at("2016-12-05T13:00"), Room: "room-10",
				Audience: programme.Audience{Delegations: []string{"af", "pk"}, People: []string{"jordan-solomon"}},
				Required: true, Status: "confirmed", Change: programme.Change{Sequence: 2, ModifiedAt: edited},
				Slots: []programme.Slot{
					{Key: "welcome", Title: "Welcome and overview of the morning", Speakers: []string{"joe-gattuso"},
						StartsAt: at("2016-12-05T09:00"), EndsAt: at("2016-12-05T09:10"), Change: stored},
					{Key: "isoc", Title: "The Internet Society: global policy, chapters and development",
						Speakers: []string{"sally-wentworth", "raul-echeberria", "joyce", "noel"},
						StartsAt: at("2016-12-05T09:10"), EndsAt: at("2016-12-05T10:45"), AvailableUntil: &until,
						Note: "The ISOC team has to leave by 11:00.", Change: programme.Change{Sequence: 1, ModifiedAt: edited}},
					{Key: "nri", Title: "National and regional IGF initiatives; Town Hall invitation", Speakers: []string{"marilyn-cade"},
						StartsAt: at("2016-12-05T10:45"), EndsAt: at("2016-12-05T10:55"),
						Note: "Added on the day; not in the printed agenda.", Change: stored},
					{Key: "informal-visitors", Title: "Informal visitors",
						StartsAt: at("2016-12-05T12:15"), EndsAt: at("2016-12-05T12:30"), Status: "cancelled",
						Note: "Expected to come by informally; not confirmed.", Change: stored},
					{Key: "closing", Title: "The rest of the week: bus, reception, lunch", Speakers: []string{"joe-gattuso"},
						StartsAt: at("2016-12-05T12:50"), EndsAt: at("2016-12-05T13:00"), Change: stored},
				},
			},
			{
				Key: "day0-lunch", Title: "Lunch (buy meal tickets at the gift shop)", Kind: "meal",
				StartsAt: at("2016-12-05T13:00"), EndsAt: at("2016-12-05T14:00"), Venue: "expo",
				Audience: both, Status: "confirmed", Change: stored,
				Description: "Lunch is not provided and food cannot be brought in; bring money for meal tickets.",
			},
			{
				Key: "nri-main", Title: "Main session: National and Regional IGF Initiatives", Kind: "main_session",
				StartsAt: at("2016-12-07T15:00"), EndsAt: at("2016-12-07T18:00"), Location: "Main Session Hall",
				Audience: both, Status: "tentative", Change: stored,
			},
			{
				Key: "closing-lunch", Title: "Closing lunch and closing session", Kind: "meal",
				StartsAt: at("2016-12-09T13:00"), EndsAt: at("2016-12-09T15:00"), Venue: "expo",
				Audience: both, Required: true, Change: stored,
			},
		},
		Transport: []programme.Run{{
			Key: "day0-bus", Kind: "bus", Title: "Bus back to the hotel", DepartsAt: at("2016-12-05T17:15"),
			From: "expo", To: "hotel", Capacity: 20, Vehicle: "White coach", Contact: "Emily Skills",
			Riders: programme.Audience{Delegations: []string{"af", "pk"}, People: []string{"joe-gattuso"}},
			Status: "confirmed", Change: programme.Change{Sequence: 3, ModifiedAt: edited},
			Poll: &programme.Poll{Question: "When should the bus pick us up?", Options: []string{"17:15", "17:30"},
				Decided: "17:15", Votes: []programme.Vote{{Person: "omar-ansari", Option: "17:30"}}},
			Note: "Pick-up point to be announced.",
		}},
	}
}

// feedEntries returns the entries of a feed, failing the test when FeedEntries fails.
func feedEntries(t *testing.T, p *programme.Programme, kind programme.FeedKind, key string, now time.Time) []programme.Entry {
	t.Helper()
	entries, err := p.FeedEntries(kind, key, now)
	if err != nil {
		t.Fatalf("FeedEntries(%s, %s): %v", kind, key, err)
	}
	return entries
}

func ids(entries []programme.Entry) []string {
	out := []string{}
	for _, e := range entries {
		out = append(out, e.ID)
	}
	return out
}

// entry finds one entry by ID, failing the test when it is missing.
func entry(t *testing.T, entries []programme.Entry, id string) programme.Entry {
	t.Helper()
	for _, e := range entries {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("no entry %s in %v", id, ids(entries))
	return programme.Entry{}
}

func TestFeedEntriesFeeds(t *testing.T) {
	now := edited.Add(time.Hour)
	omar := []string{"session/dc-day1", "session/day0-seminar", "session/day0-lunch", "run/day0-bus",
		"session/nri-main", "session/closing-lunch"}
	tests := []struct {
		kind programme.FeedKind
		key  string
		want []string
	}{
		{programme.FeedPerson, "omar-ansari", omar},
		{programme.FeedPerson, "joe-gattuso", []string{"slot/day0-seminar/welcome", "slot/day0-seminar/closing", "run/day0-bus"}},
		{programme.FeedPerson, "jordan-solomon", []string{"session/day0-seminar"}},
		{programme.FeedPerson, "sally-wentworth", []string{"slot/day0-seminar/isoc"}},
		{programme.FeedDelegation, "af", omar},
		{programme.FeedRoom, "room-10", []string{"session/day0-seminar"}},
		{programme.FeedSpeaker, "joe-gattuso", []string{"slot/day0-seminar/welcome", "slot/day0-seminar/closing"}},
		{programme.FeedSpeaker, "omar-ansari", []string{}},
		{programme.FeedProgramme, "igf2016-cldp", omar},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.key, func(t *testing.T) {
			got := ids(feedEntries(t, fixture(t), tt.kind, tt.key, now))
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("IDs = %v\nwant  %v", got, tt.want)
			}
		})
	}
}

func TestFeedEntriesSortedByStartThenID(t *testing.T) {
	p := fixture(t)
	// Two items at the same instant must come in ID order whatever their order in the programme.
	p.Sessions[4].StartsAt = p.Sessions[2].StartsAt
	p.Sessions[4].EndsAt = p.Sessions[2].EndsAt
	p.Sessions[2], p.Sessions[4] = p.Sessions[4], p.Sessions[2]
	got := ids(feedEntries(t, p, programme.FeedDelegation, "pk", edited))
	want := []string{"session/dc-day1", "session/day0-seminar", "session/closing-lunch", "session/day0-lunch",
		"run/day0-bus", "session/nri-main"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("IDs = %v\nwant  %v", got, want)
	}
}

func TestFeedEntriesNotFound(t *testing.T) {
	tests := []struct {
		kind  programme.FeedKind
		key   string
		named string // what the message must name
	}{
		{programme.FeedPerson, "nobody", "nobody"},
		{programme.FeedPerson, "af", "af"}, // a delegation key is not a person
		{programme.FeedDelegation, "mx", "mx"},
		{programme.FeedRoom, "main-hall", "main-hall"},
		{programme.FeedSpeaker, "nobody", "nobody"},
		{programme.FeedProgramme, "igf2017", "igf2017"},
		{"attendee", "omar-ansari", "attendee"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.key, func(t *testing.T) {
			entries, err := fixture(t).FeedEntries(tt.kind, tt.key, edited)
			if got := programme.ErrorCode(err); got != programme.ENOTFOUND {
				t.Fatalf("code = %q (err %v), want %q", got, err, programme.ENOTFOUND)
			}
			var de *programme.Error
			if !errors.As(err, &de) || !strings.Contains(de.Message, tt.named) {
				t.Fatalf("message %q does not name %q", programme.ErrorMessage(err), tt.named)
			}
			if entries != nil {
				t.Fatalf("entries = %v, want none", ids(entries))
			}
		})
	}
}

func TestFeedEntriesEntryFields(t *testing.T) {
	p := fixture(t)
	now := edited.Add(time.Hour)
	omar := feedEntries(t, p, programme.FeedPerson, "omar-ansari", now)

	seminar := entry(t, omar, "session/day0-seminar")
	if got, want := seminar.Location, "Workshop Room 10, Expo Guadalajara, Av. Mariano Otero 1499, Guadalajara, Jalisco, Mexico"; got != want {
		t.Errorf("seminar Location = %q, want %q", got, want)
	}
	for _, want := range []string{
		"09:10–10:45 The Internet Society: global policy, chapters and development — Sally Wentworth, Raul Echeberria, Joyce, Noel",
		"12:15–12:30 Informal visitors (cancelled)",
		"Running order:\n09:00–09:10 (Mexico City time, CST) Welcome and overview of the morning — Joe Gattuso\n",
		"Attendance required.",
	} {
		if !strings.Contains(seminar.Description, want) {
			t.Errorf("seminar Description lacks %q:\n%s", want, seminar.Description)
		}
	}
	if seminar.SessionKey != "day0-seminar" || seminar.SlotKey != "" || seminar.RunKey != "" || seminar.Kind != programme.EntrySession || seminar.Category != "seminar" {
		t.Errorf("seminar source = %q/%q/%q kind %q category %q, want the seminar only", seminar.SessionKey, seminar.SlotKey, seminar.RunKey, seminar.Kind, seminar.Category)
	}
	if got, want := seminar.TimeZone, "America/Mexico_City"; got != want {
		t.Errorf("seminar TimeZone = %q, want %q", got, want)
	}
	if got, want := entry(t, omar, "session/dc-day1").TimeZone, "America/New_York"; got != want {
		t.Errorf("dc-day1 TimeZone = %q, want %q", got, want)
	}
	if got, want := entry(t, omar, "session/day0-lunch").Location, "Expo Guadalajara, Av. Mariano Otero 1499, Guadalajara, Jalisco, Mexico"; got != want {
		t.Errorf("lunch Location = %q, want %q", got, want)
	}
	if got, want := entry(t, omar, "session/nri-main").Location, "Main Session Hall"; got != want {
		t.Errorf("free-text Location = %q, want %q", got, want)
	}
	if got := entry(t, omar, "session/closing-lunch").Description; got != "Attendance required." {
		t.Errorf("closing-lunch Description = %q", got)
	}

	bus := entry(t, omar, "run/day0-bus")
	if got, want := bus.Location, "Expo Guadalajara, Av. Mariano Otero 1499, Guadalajara, Jalisco, Mexico"; got != want {
		t.Errorf("bus Location = %q, want %q", got, want)
	}
	if got, want := bus.EndsAt.Sub(bus.StartsAt), 15*time.Minute; got != want {
		t.Errorf("bus lasts %v, want %v", got, want)
	}
	if got, want := bus.StartsAt, local(t, "2016-12-05T17:15", "America/Mexico_City"); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("bus StartsAt = %v, want %v in UTC", got, want)
	}
	if !strings.HasPrefix(bus.Description, "From Expo Guadalajara to Delegation hotel.\n") {
		t.Errorf("bus Description does not open with the way:\n%s", bus.Description)
	}
	for _, want := range []string{"Vehicle: White coach", "Capacity: 20", "Contact: Emily Skills",
		"Pick-up point to be announced.", "When should the bus pick us up? Decided: 17:15."} {
		if !strings.Contains(bus.Description, want) {
			t.Errorf("bus Description lacks %q:\n%s", want, bus.Description)
		}
	}

	welcome := entry(t, feedEntries(t, p, programme.FeedSpeaker, "joe-gattuso", now), "slot/day0-seminar/welcome")
	if got, want := welcome.Title, "Speaking: Welcome and overview of the morning (Pre-Conference Seminar for CLDP Supported Delegations)"; got != want {
		t.Errorf("slot Title = %q, want %q", got, want)
	}
	if got, want := welcome.Description, "Session: Pre-Conference Seminar for CLDP Supported Delegations, Mon 5 Dec 2016, 09:00–13:00 (Mexico City time, CST)\nSpeakers: Joe Gattuso"; got != want {
		t.Errorf("slot Description = %q, want %q", got, want)
	}
	if welcome.Location != seminar.Location || welcome.SessionKey != "day0-seminar" || welcome.SlotKey != "welcome" || welcome.Kind != programme.EntrySlot {
		t.Errorf("slot Location %q, source %q/%q, kind %q", welcome.Location, welcome.SessionKey, welcome.SlotKey, welcome.Kind)
	}
	if !welcome.CreatedAt.Equal(p.Sessions[1].Slots[0].CreatedAt) {
		t.Errorf("slot CreatedAt = %v, want the slot's %v", welcome.CreatedAt, p.Sessions[1].Slots[0].CreatedAt)
	}
	// A slot's SEQUENCE counts its session's changes as well as its own.
	if got, want := entry(t, feedEntries(t, p, programme.FeedSpeaker, "noel", now), "slot/day0-seminar/isoc").Sequence, 1+2; got != want {
		t.Errorf("isoc slot Sequence = %d, want %d", got, want)
	}
}

func TestFeedEntriesStatus(t *testing.T) {
	tests := []struct {
		name          string
		session, slot string
		wantSession   string
		wantSlot      string
	}{
		{"empty means confirmed", "", "", "confirmed", "confirmed"},
		{"tentative session, slot as the session", "tentative", "", "tentative", "tentative"},
		{"slot's own status wins", "confirmed", "tentative", "confirmed", "tentative"},
		{"slot of a cancelled session", "cancelled", "confirmed", "cancelled", "cancelled"},
		{"cancelled slot", "confirmed", "cancelled", "confirmed", "cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fixture(t)
			p.Sessions[1].Status, p.Sessions[1].Slots[0].Status = tt.session, tt.slot
			now := edited.Add(time.Hour)
			if got := entry(t, feedEntries(t, p, programme.FeedRoom, "room-10", now), "session/day0-seminar").Status; got != tt.wantSession {
				t.Errorf("session Status = %q, want %q", got, tt.wantSession)
			}
			if got := entry(t, feedEntries(t, p, programme.FeedSpeaker, "joe-gattuso", now), "slot/day0-seminar/welcome").Status; got != tt.wantSlot {
				t.Errorf("slot Status = %q, want %q", got, tt.wantSlot)
			}
		})
	}
}

// TestFeedEntriesRemovedFromAudience takes Afghanistan out of the lunch's audience:
// its delegates see the lunch cancelled, with a higher SEQUENCE, for 30 days.
func TestFeedEntriesRemovedFromAudience(t *testing.T) {
	p := fixture(t)
	before := entry(t, feedEntries(t, p, programme.FeedPerson, "omar-ansari", edited), "session/day0-lunch")

	removedAt := edited.Add(48 * time.Hour)
	lunch := &p.Sessions[2]
	lunch.Audience.Delegations = []string{"pk"}
	lunch.Audience.Former = []programme.Member{{Delegation: "af", Active: false, Changes: 1, ChangedAt: removedAt}}

	for _, tt := range []struct {
		name    string
		kind    programme.FeedKind
		key     string
		now     time.Time
		present bool
	}{
		{"person just after", programme.FeedPerson, "omar-ansari", removedAt, true},
		{"delegation just after", programme.FeedDelegation, "af", removedAt, true},
		{"person on the last second", programme.FeedPerson, "omar-ansari", removedAt.Add(programme.TombstoneTTL - time.Second), true},
		{"person after 30 days", programme.FeedPerson, "omar-ansari", removedAt.Add(programme.TombstoneTTL), false},
		{"delegation after 30 days", programme.FeedDelegation, "af", removedAt.Add(programme.TombstoneTTL), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			entries := feedEntries(t, p, tt.kind, tt.key, tt.now)
			if !tt.present {
				for _, e := range entries {
					if e.ID == "session/day0-lunch" {
						t.Fatalf("lunch still in the feed at %v", tt.now)
					}
				}
				if len(entries) != 5 {
					t.Fatalf("feed lost more than the lunch: %v", ids(entries))
				}
				return
			}
			got := entry(t, entries, "session/day0-lunch")
			if !got.Removed || got.Status != programme.StatusCancelled {
				t.Errorf("Removed=%v Status=%q, want a cancelled tombstone", got.Removed, got.Status)
			}
			if got.Sequence <= before.Sequence {
				t.Errorf("Sequence = %d, want more than %d", got.Sequence, before.Sequence)
			}
			if !got.ModifiedAt.Equal(removedAt) {
				t.Errorf("ModifiedAt = %v, want %v", got.ModifiedAt, removedAt)
			}
		})
	}

	// Pakistan keeps the lunch, unchanged.
	pk := entry(t, feedEntries(t, p, programme.FeedPerson, "syed-shah", removedAt), "session/day0-lunch")
	if pk.Removed || pk.Status != programme.StatusConfirmed || pk.Sequence != before.Sequence || !pk.ModifiedAt.Equal(before.ModifiedAt) {
		t.Errorf("Pakistan's lunch = %+v, want it unchanged", pk)
	}

	// Omar named in person keeps the lunch although his delegation lost it, and
	// the delegation's change still raises his SEQUENCE: he saw the audience change.
	lunch.Audience.People = []string{"omar-ansari"}
	named := entry(t, feedEntries(t, p, programme.FeedPerson, "omar-ansari", removedAt.Add(programme.TombstoneTTL)), "session/day0-lunch")
	if named.Removed || named.Status != programme.StatusConfirmed {
		t.Errorf("Omar named in person: Removed=%v Status=%q, want confirmed", named.Removed, named.Status)
	}
	if aziz := entry(t, feedEntries(t, p, programme.FeedPerson, "aziz-taqwa", removedAt), "session/day0-lunch"); !aziz.Removed {
		t.Errorf("Aziz's lunch is not a tombstone")
	}

	// Added back: the delegation's second change raises SEQUENCE again rather than falling back.
	lunch.Audience.People = nil
	lunch.Audience.Delegations = []string{"af", "pk"}
	lunch.Audience.Former[0] = programme.Member{Delegation: "af", Active: true, Changes: 2, ChangedAt: removedAt.Add(time.Hour)}
	back := entry(t, feedEntries(t, p, programme.FeedPerson, "omar-ansari", removedAt.Add(2*time.Hour)), "session/day0-lunch")
	if back.Removed || back.Status != programme.StatusConfirmed || back.Sequence != before.Sequence+2 {
		t.Errorf("added back: Removed=%v Status=%q Sequence=%d, want confirmed with %d", back.Removed, back.Status, back.Sequence, before.Sequence+2)
	}
}

// TestFeedEntriesTakenOffASlot takes Chris Painter off the cyber slot of the demo
// and puts him back: his person and speaker feeds show the slot as cancelled
// for 30 days, then not at all, and as confirmed again once he is back, with a
// SEQUENCE that rises at every step; the other speaker sees no change.
func TestFeedEntriesTakenOffASlot(t *testing.T) {
	removedAt := edited.Add(48 * time.Hour)
	addedBack := removedAt.Add(40 * 24 * time.Hour)
	const id = "slot/day0-seminar/cyber"
	tests := []struct {
		name     string
		speakers []string           // the slot's current speakers
		former   []programme.Member // the slot's speaker history
		now      time.Time
		// present says whether the slot is in Chris's feeds; removed whether
		// it is a tombstone; changes what his history adds to SEQUENCE.
		present, removed bool
		changes          int
		modifiedAt       time.Time
	}{
		{"as decoded, with no history", []string{"chris-painter", "lisel-fronz"}, nil,
			edited, true, false, 0, edited},
		{"as stored, never taken off", []string{"chris-painter", "lisel-fronz"}, []programme.Member{
			{Person: "chris-painter", Active: true, ChangedAt: edited}, {Person: "lisel-fronz", Active: true, ChangedAt: edited}},
			edited, true, false, 0, edited},
		{"just taken off", []string{"lisel-fronz"}, []programme.Member{
			{Person: "lisel-fronz", Active: true, ChangedAt: edited}, {Person: "chris-painter", Changes: 1, ChangedAt: removedAt}},
			removedAt, true, true, 1, removedAt},
		{"on the last second", []string{"lisel-fronz"}, []programme.Member{
			{Person: "lisel-fronz", Active: true, ChangedAt: edited}, {Person: "chris-painter", Changes: 1, ChangedAt: removedAt}},
			removedAt.Add(programme.TombstoneTTL - time.Second), true, true, 1, removedAt},
		{"after 30 days", []string{"lisel-fronz"}, []programme.Member{
			{Person: "lisel-fronz", Active: true, ChangedAt: edited}, {Person: "chris-painter", Changes: 1, ChangedAt: removedAt}},
			removedAt.Add(programme.TombstoneTTL), false, false, 0, time.Time{}},
		{"put back", []string{"chris-painter", "lisel-fronz"}, []programme.Member{
			{Person: "chris-painter", Active: true, Changes: 2, ChangedAt: addedBack}, {Person: "lisel-fronz", Active: true, ChangedAt: edited}},
			addedBack, true, false, 2, addedBack},
		{"listed as a speaker although his row says taken off", []string{"chris-painter", "lisel-fronz"}, []programme.Member{
			{Person: "chris-painter", Changes: 1, ChangedAt: removedAt}, {Person: "lisel-fronz", Active: true, ChangedAt: edited}},
			removedAt.Add(programme.TombstoneTTL), true, false, 1, removedAt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := demoProgramme(t)
			seminar := p.Session("day0-seminar")
			sl := seminar.Slot("cyber")
			if sl == nil {
				t.Fatal("demo changed: no slot day0-seminar/cyber")
			}
			// Counters of their own, so that the sum is seen to add them all.
			seminar.Sequence, sl.Sequence = 2, 1
			sl.Speakers, sl.FormerSpeakers = tt.speakers, tt.former

			for _, kind := range []programme.FeedKind{programme.FeedPerson, programme.FeedSpeaker} {
				entries := feedEntries(t, p, kind, "chris-painter", tt.now)
				if !tt.present {
					if len(entries) != 0 {
						t.Errorf("%s feed = %v, want nothing", kind, ids(entries))
					}
					continue
				}
				got := entry(t, entries, id)
				wantStatus := programme.StatusConfirmed
				if tt.removed {
					wantStatus = programme.StatusCancelled
				}
				if got.Removed != tt.removed || got.Status != wantStatus {
					t.Errorf("%s feed: Removed=%v Status=%q, want %v and %q", kind, got.Removed, got.Status, tt.removed, wantStatus)
				}
				if want := sl.Sequence + seminar.Sequence + tt.changes; got.Sequence != want {
					t.Errorf("%s feed: Sequence = %d, want %d", kind, got.Sequence, want)
				}
				if !got.ModifiedAt.Equal(tt.modifiedAt) {
					t.Errorf("%s feed: ModifiedAt = %v, want %v", kind, got.ModifiedAt, tt.modifiedAt)
				}
			}

			// Lisel Fronz kept the slot throughout and sees it as it is.
			lisel := entry(t, feedEntries(t, p, programme.FeedSpeaker, "lisel-fronz", tt.now), id)
			if lisel.Removed || lisel.Status != programme.StatusConfirmed || lisel.Sequence != sl.Sequence+seminar.Sequence {
				t.Errorf("Lisel's slot: Removed=%v Status=%q Sequence=%d, want it unchanged", lisel.Removed, lisel.Status, lisel.Sequence)
			}
		})
	}
}

// TestFeedEntriesStayingBehind: a rider who stays behind sees the bus cancelled for
// 30 days; the other riders see it unchanged.
func TestFeedEntriesStayingBehind(t *testing.T) {
	p := fixture(t)
	before := entry(t, feedEntries(t, p, programme.FeedPerson, "omar-ansari", edited), "run/day0-bus")
	since := edited.Add(24 * time.Hour)
	p.Transport[0].StayingBehind = []programme.StayingBehind{{Person: "omar-ansari", Note: "Staying for a side meeting.", Active: true, Changes: 1, Since: since}}

	bus := entry(t, feedEntries(t, p, programme.FeedPerson, "omar-ansari", since), "run/day0-bus")
	if !bus.Removed || bus.Status != programme.StatusCancelled {
		t.Errorf("Removed=%v Status=%q, want a cancelled tombstone", bus.Removed, bus.Status)
	}
	if got, want := bus.Sequence, before.Sequence+1; got != want {
		t.Errorf("Sequence = %d, want %d", got, want)
	}
	if !bus.ModifiedAt.Equal(since) {
		t.Errorf("ModifiedAt = %v, want %v", bus.ModifiedAt, since)
	}
	if gone := ids(feedEntries(t, p, programme.FeedPerson, "omar-ansari", since.Add(programme.TombstoneTTL))); contains(gone, "run/day0-bus") {
		t.Errorf("bus still in Omar's feed after 30 days: %v", gone)
	}
	aziz := entry(t, feedEntries(t, p, programme.FeedPerson, "aziz-taqwa", since.Add(programme.TombstoneTTL)), "run/day0-bus")
	if aziz.Removed || aziz.Status != programme.StatusConfirmed || aziz.Sequence != before.Sequence {
		t.Errorf("Aziz's bus: Removed=%v Status=%q Sequence=%d, want it unchanged", aziz.Removed, aziz.Status, aziz.Sequence)
	}
	// The delegation's feed is about the delegation, not one rider's plans.
	if af := entry(t, feedEntries(t, p, programme.FeedDelegation, "af", since), "run/day0-bus"); af.Removed {
		t.Errorf("the delegation's bus is a tombstone")
	}
}

// TestFeedEntriesStayingBehindHistory: a rider who stays behind, rides again and
// stays behind again sees the run's SEQUENCE rise at every step, and the run
// as a tombstone only while they are on the staying-behind list.
func TestFeedEntriesStayingBehindHistory(t *testing.T) {
	p := fixture(t)
	run := p.Transport[0].Sequence
	stays, rejoins, staysAgain := edited.Add(24*time.Hour), edited.Add(48*time.Hour), edited.Add(72*time.Hour)
	tests := []struct {
		name  string
		entry programme.StayingBehind
		// now is when the feed is read; gone is when the entry leaves the
		// feed, zero for never.
		now, gone    time.Time
		wantSequence int
		wantRemoved  bool
	}{
		{"stays behind", programme.StayingBehind{Active: true, Changes: 1, Since: stays},
			stays, stays.Add(programme.TombstoneTTL), run + 1, true},
		{"rides again", programme.StayingBehind{Active: false, Changes: 2, Since: rejoins},
			rejoins, time.Time{}, run + 2, false},
		{"stays behind again", programme.StayingBehind{Active: true, Changes: 3, Since: staysAgain},
			staysAgain, staysAgain.Add(programme.TombstoneTTL), run + 3, true},
	}
	previous := entry(t, feedEntries(t, p, programme.FeedPerson, "omar-ansari", edited), "run/day0-bus").Sequence
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := tt.entry
			sb.Person, sb.Note = "omar-ansari", "Staying for a side meeting."
			p.Transport[0].StayingBehind = []programme.StayingBehind{sb}

			bus := entry(t, feedEntries(t, p, programme.FeedPerson, "omar-ansari", tt.now), "run/day0-bus")
			if bus.Sequence != tt.wantSequence || bus.Sequence <= previous {
				t.Errorf("Sequence = %d (was %d), want %d", bus.Sequence, previous, tt.wantSequence)
			}
			previous = bus.Sequence
			if !bus.ModifiedAt.Equal(tt.entry.Since) {
				t.Errorf("ModifiedAt = %v, want %v", bus.ModifiedAt, tt.entry.Since)
			}
			wantStatus := programme.StatusConfirmed
			if tt.wantRemoved {
				wantStatus = programme.StatusCancelled
			}
			if bus.Removed != tt.wantRemoved || bus.Status != wantStatus {
				t.Errorf("Removed=%v Status=%q, want Removed=%v Status=%q", bus.Removed, bus.Status, tt.wantRemoved, wantStatus)
			}
			// Long after the last change the entry is gone only if it is a tombstone.
			later := tt.now.Add(2 * programme.TombstoneTTL)
			if !tt.gone.IsZero() {
				later = tt.gone
				if in := ids(feedEntries(t, p, programme.FeedPerson, "omar-ansari", tt.gone.Add(-time.Second))); !contains(in, "run/day0-bus") {
					t.Errorf("tombstone left the feed before TombstoneTTL: %v", in)
				}
			}
			if in := contains(ids(feedEntries(t, p, programme.FeedPerson, "omar-ansari", later)), "run/day0-bus"); in != tt.gone.IsZero() {
				t.Errorf("bus in the feed at %v: %v, want %v", later, in, tt.gone.IsZero())
			}
			// Other riders never see this rider's plans.
			aziz := entry(t, feedEntries(t, p, programme.FeedPerson, "aziz-taqwa", tt.now), "run/day0-bus")
			if aziz.Removed || aziz.Sequence != run {
				t.Errorf("Aziz's bus: Removed=%v Sequence=%d, want unchanged at %d", aziz.Removed, aziz.Sequence, run)
			}
		})
	}
}

// TestFeedEntriesCancelled: a cancelled item stays as CANCELLED for 30 days after
// its last change, then leaves the feed.
func TestFeedEntriesCancelled(t *testing.T) {
	cancelledAt := edited.Add(72 * time.Hour)
	tests := []struct {
		name   string
		cancel func(p *programme.Programme)
		kind   programme.FeedKind
		key    string
		id     string
	}{
		{"slot", func(p *programme.Programme) {
			sl := &p.Sessions[1].Slots[0]
			sl.Status, sl.Sequence, sl.ModifiedAt = programme.StatusCancelled, sl.Sequence+1, cancelledAt
		}, programme.FeedSpeaker, "joe-gattuso", "slot/day0-seminar/welcome"},
		{"session", func(p *programme.Programme) {
			s := &p.Sessions[2]
			s.Status, s.Sequence, s.ModifiedAt = programme.StatusCancelled, s.Sequence+1, cancelledAt
		}, programme.FeedPerson, "omar-ansari", "session/day0-lunch"},
		{"slot of a cancelled session", func(p *programme.Programme) {
			s := &p.Sessions[1]
			s.Status, s.Sequence, s.ModifiedAt = programme.StatusCancelled, s.Sequence+1, cancelledAt
		}, programme.FeedPerson, "joe-gattuso", "slot/day0-seminar/closing"},
		{"run", func(p *programme.Programme) {
			r := &p.Transport[0]
			r.Status, r.Sequence, r.ModifiedAt = programme.StatusCancelled, r.Sequence+1, cancelledAt
		}, programme.FeedProgramme, "igf2016-cldp", "run/day0-bus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fixture(t)
			before := entry(t, feedEntries(t, p, tt.kind, tt.key, edited), tt.id)
			tt.cancel(p)
			got := entry(t, feedEntries(t, p, tt.kind, tt.key, cancelledAt.Add(programme.TombstoneTTL-time.Second)), tt.id)
			if got.Status != programme.StatusCancelled || got.Removed {
				t.Errorf("Status=%q Removed=%v, want cancelled (not removed)", got.Status, got.Removed)
			}
			if got.Sequence <= before.Sequence || !got.ModifiedAt.Equal(cancelledAt) {
				t.Errorf("Sequence %d→%d ModifiedAt %v, want a rise and %v", before.Sequence, got.Sequence, got.ModifiedAt, cancelledAt)
			}
			after := ids(feedEntries(t, p, tt.kind, tt.key, cancelledAt.Add(programme.TombstoneTTL)))
			if contains(after, tt.id) {
				t.Errorf("%s still in the feed after 30 days: %v", tt.id, after)
			}
		})
	}

	// A cancelled slot stays in the running order of its session, marked, and
	// never drops the session itself.
	p := fixture(t)
	late := edited.Add(365 * 24 * time.Hour)
	if d := entry(t, feedEntries(t, p, programme.FeedRoom, "room-10", late), "session/day0-seminar").Description; !strings.Contains(d, "Informal visitors (cancelled)") {
		t.Errorf("running order lost the cancelled slot:\n%s", d)
	}
}

// TestFeedEntriesModifiedAt: a session's LAST-MODIFIED moves with its slots, since
// the running order is part of its description.
func TestFeedEntriesModifiedAt(t *testing.T) {
	p := fixture(t)
	slotEdit := edited.Add(5 * time.Hour)
	p.Sessions[1].Slots[2].ModifiedAt = slotEdit
	got := entry(t, feedEntries(t, p, programme.FeedRoom, "room-10", slotEdit), "session/day0-seminar")
	if !got.ModifiedAt.Equal(slotEdit) {
		t.Fatalf("ModifiedAt = %v, want %v", got.ModifiedAt, slotEdit)
	}
}

// TestFeedEntriesPlaceInSequence: an entry's SEQUENCE adds the Sequence of the
// room and venue its LOCATION shows (a slot's, its session's), and its
// LAST-MODIFIED their ModifiedAt; a run adds its pick-up venue's, while its
// destination, named only in the description, moves LAST-MODIFIED alone.
// Free-text places and places elsewhere count for nothing.
func TestFeedEntriesPlaceInSequence(t *testing.T) {
	later := edited.Add(48 * time.Hour)
	feeds := []struct {
		kind programme.FeedKind
		key  string
	}{
		{programme.FeedPerson, "omar-ansari"}, {programme.FeedDelegation, "af"}, {programme.FeedRoom, "room-10"},
		{programme.FeedSpeaker, "joe-gattuso"}, {programme.FeedPerson, "joe-gattuso"},
		{programme.FeedProgramme, "igf2016-cldp"},
	}
	seminar := []string{"session/day0-seminar", "slot/day0-seminar/welcome", "slot/day0-seminar/closing"}
	tests := []struct {
		name string
		edit func(p *programme.Programme)
		// raised is how much each entry's SEQUENCE rises (others stay);
		// modified lists the entries whose LAST-MODIFIED becomes later.
		raised   map[string]int
		modified []string
	}{
		{"room renamed", func(p *programme.Programme) {
			p.Rooms[0].Sequence, p.Rooms[0].ModifiedAt = 1, later
		}, map[string]int{seminar[0]: 1, seminar[1]: 1, seminar[2]: 1}, seminar},
		{"the room's capacity", func(p *programme.Programme) {
			p.Rooms[0].ModifiedAt = later
		}, nil, seminar},
		{"the Expo's address", func(p *programme.Programme) {
			p.Venues[1].Sequence, p.Venues[1].ModifiedAt = 2, later
		}, map[string]int{seminar[0]: 2, seminar[1]: 2, seminar[2]: 2,
			"session/day0-lunch": 2, "session/closing-lunch": 2, "run/day0-bus": 2},
			append([]string{"session/day0-lunch", "session/closing-lunch", "run/day0-bus"}, seminar...)},
		{"the bus's destination", func(p *programme.Programme) {
			p.Venues[2].Sequence, p.Venues[2].ModifiedAt = 4, later
		}, nil, []string{"run/day0-bus"}},
		{"Washington", func(p *programme.Programme) {
			p.Venues[0].Sequence, p.Venues[0].ModifiedAt = 1, later
		}, map[string]int{"session/dc-day1": 1}, []string{"session/dc-day1"}},
		// A room with no venue shows the session's own.
		{"a room without a venue", func(p *programme.Programme) {
			p.Rooms[0].Venue, p.Sessions[1].Venue = "", "hotel"
			p.Venues[2].Sequence, p.Venues[2].ModifiedAt = 3, later
		}, map[string]int{seminar[0]: 3, seminar[1]: 3, seminar[2]: 3}, append([]string{"run/day0-bus"}, seminar...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, f := range feeds {
				was := feedEntries(t, fixture(t), f.kind, f.key, edited)
				p := fixture(t)
				tt.edit(p)
				is := feedEntries(t, p, f.kind, f.key, edited)
				if !reflect.DeepEqual(ids(is), ids(was)) {
					t.Fatalf("%s/%s: IDs %v, want %v", f.kind, f.key, ids(is), ids(was))
				}
				for i, e := range is {
					if want := was[i].Sequence + tt.raised[e.ID]; e.Sequence != want {
						t.Errorf("%s/%s %s: SEQUENCE %d, want %d", f.kind, f.key, e.ID, e.Sequence, want)
					}
					want := was[i].ModifiedAt
					if contains(tt.modified, e.ID) {
						want = later
					}
					if !e.ModifiedAt.Equal(want) {
						t.Errorf("%s/%s %s: LAST-MODIFIED %v, want %v", f.kind, f.key, e.ID, e.ModifiedAt, want)
					}
				}
			}
		})
	}
}

func TestFeedEntriesHasNoStaffOnlyText(t *testing.T) {
	p := fixture(t)
	p.Transport[0].StayingBehind = []programme.StayingBehind{{Person: "omar-ansari", Note: "Staying for a side meeting.", Active: true, Changes: 1, Since: edited}}
	feeds := []struct {
		kind programme.FeedKind
		key  string
	}{
		{programme.FeedPerson, "omar-ansari"}, {programme.FeedPerson, "joe-gattuso"},
		{programme.FeedPerson, "sally-wentworth"}, {programme.FeedPerson, "marilyn-cade"},
		{programme.FeedDelegation, "af"}, {programme.FeedRoom, "room-10"},
		{programme.FeedSpeaker, "noel"}, {programme.FeedProgramme, "igf2016-cldp"},
	}
	for _, f := range feeds {
		for _, e := range feedEntries(t, p, f.kind, f.key, edited) {
			text := strings.Join([]string{e.ID, e.Kind, e.Title, e.TimeZone, e.Status, e.Location, e.Description}, "\n")
			for _, secret := range staffOnly {
				if strings.Contains(text, secret) {
					t.Errorf("%s/%s %s shows staff-only %q:\n%s", f.kind, f.key, e.ID, secret, text)
				}
			}
		}
	}
}

func TestUID(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	// These values are in subscribers' calendars: they must never change. They were
	// checked against Python's uuid.uuid5 with the namespace uuid5(NAMESPACE_URL,
	// "https://github.com/planner-dev/planner") and the name slug + NUL + ID.
	golden := []struct{ slug, id, want string }{
		{"igf2016-cldp", "session/day0-seminar", "b28fc31d-2d8e-5bc8-b5d7-93563a9a89e0"},
		{"igf2016-cldp", "run/day0-bus", "dedbef70-f833-5cb7-a70d-e09a67898f76"},
	}
	for _, g := range golden {
		if got := programme.UID(g.slug, g.id); got != g.want {
			t.Errorf("UID(%q, %q) = %s, want %s", g.slug, g.id, got, g.want)
		}
	}
	seen := map[string]string{}
	for _, in := range [][2]string{
		{"igf2016-cldp", "session/day0-seminar"}, {"igf2016-cldp", "session/day0-lunch"},
		{"igf2017-cldp", "session/day0-seminar"}, {"igf2016-cldp", "slot/day0-seminar/isoc"},
		{"x", "y/z"}, {"x/y", "z"},
	} {
		u := programme.UID(in[0], in[1])
		if !uuid.MatchString(u) {
			t.Errorf("UID(%q, %q) = %s, not a version-5 UUID", in[0], in[1], u)
		}
		if strings.Contains(u, in[0]) {
			t.Errorf("UID %s reveals the slug", u)
		}
		if prev, dup := seen[u]; dup {
			t.Errorf("UID(%q) = UID(%q) = %s", in, prev, u)
		}
		seen[u] = in[0] + " " + in[1]
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// demoProgramme decodes the built-in demo, as stored on edited: every item at
// SEQUENCE 0, last changed then.
func demoProgramme(t *testing.T) *programme.Programme {
	t.Helper()
	p := sample.Demo(t)
	for i := range p.Sessions {
		p.Sessions[i].ModifiedAt = edited
		for j := range p.Sessions[i].Slots {
			p.Sessions[i].Slots[j].ModifiedAt = edited
		}
	}
	for i := range p.Transport {
		p.Transport[i].ModifiedAt = edited
	}
	return p
}

// TestFeedEntriesDemo runs the agenda rules on the demo programme itself.
func TestFeedEntriesDemo(t *testing.T) {
	now := edited.Add(time.Hour)
	t.Run("feeds", func(t *testing.T) {
		afDays := []string{"session/dc-day1", "session/dc-day2", "session/day0-seminar", "session/day0-lunch",
			"session/day0-open", "run/day0-bus", "session/us-reception", "session/town-hall", "session/nri-main",
			"session/closing-lunch"}
		for _, tt := range []struct {
			kind programme.FeedKind
			key  string
			want []string
		}{
			{programme.FeedPerson, "omar-ansari", afDays},
			{programme.FeedDelegation, "pk", afDays},
			{programme.FeedPerson, "joe-gattuso", []string{"slot/day0-seminar/welcome", "slot/day0-seminar/closing", "run/day0-bus"}},
			{programme.FeedPerson, "jordan-solomon", []string{"session/day0-seminar"}},
			{programme.FeedSpeaker, "chris-painter", []string{"slot/day0-seminar/cyber"}},
			{programme.FeedRoom, "main-hall", []string{"session/town-hall", "session/nri-main"}},
			{programme.FeedProgramme, demo.Slug, afDays},
		} {
			if got := ids(feedEntries(t, demoProgramme(t), tt.kind, tt.key, now)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s/%s IDs = %v\nwant  %v", tt.kind, tt.key, got, tt.want)
			}
		}
	})

	t.Run("af removed from a session", func(t *testing.T) {
		p := demoProgramme(t)
		before := entry(t, feedEntries(t, p, programme.FeedPerson, "omar-ansari", now), "session/town-hall")
		removedAt := now.Add(time.Hour)
		th := p.Session("town-hall")
		if th == nil {
			t.Fatal("demo changed: no session town-hall")
		}
		th.Audience.Delegations = []string{"pk"}
		th.Audience.Former = []programme.Member{{Delegation: "af", Changes: 1, ChangedAt: removedAt}}
		got := entry(t, feedEntries(t, p, programme.FeedPerson, "omar-ansari", removedAt.Add(29*24*time.Hour)), "session/town-hall")
		if !got.Removed || got.Status != programme.StatusCancelled || got.Sequence <= before.Sequence {
			t.Errorf("Removed=%v Status=%q Sequence=%d (was %d), want a cancelled tombstone with a higher SEQUENCE",
				got.Removed, got.Status, got.Sequence, before.Sequence)
		}
		if after := ids(feedEntries(t, p, programme.FeedPerson, "omar-ansari", removedAt.Add(30*24*time.Hour))); contains(after, "session/town-hall") {
			t.Errorf("town hall still in Omar's feed after 30 days: %v", after)
		}
	})

	t.Run("staying behind", func(t *testing.T) {
		p := demoProgramme(t)
		p.Transport[0].StayingBehind = []programme.StayingBehind{{Person: "shamim", Note: "Staying for a side meeting.", Active: true, Changes: 1, Since: now}}
		if bus := entry(t, feedEntries(t, p, programme.FeedPerson, "shamim", now), "run/day0-bus"); bus.Status != programme.StatusCancelled {
			t.Errorf("Shamim's bus Status = %q, want cancelled", bus.Status)
		}
		if bus := entry(t, feedEntries(t, p, programme.FeedPerson, "syed-shah", now), "run/day0-bus"); bus.Status != programme.StatusConfirmed {
			t.Errorf("Dr. Shah's bus Status = %q, want confirmed", bus.Status)
		}
	})

	t.Run("cancelled slot drops out after 30 days", func(t *testing.T) {
		p := demoProgramme(t)
		sl := p.Session("day0-seminar").Slot("informal-visitors")
		if sl == nil || sl.Status != programme.StatusCancelled {
			t.Fatalf("demo changed: slot day0-seminar/informal-visitors is %+v, want it cancelled", sl)
		}
		sl.Speakers = []string{"jane-coffin"}
		in := feedEntries(t, p, programme.FeedSpeaker, "jane-coffin", edited.Add(programme.TombstoneTTL-time.Second))
		if len(in) != 1 || in[0].Status != programme.StatusCancelled {
			t.Errorf("within 30 days: %v, want the cancelled slot", ids(in))
		}
		if out := feedEntries(t, p, programme.FeedSpeaker, "jane-coffin", edited.Add(programme.TombstoneTTL)); len(out) != 0 {
			t.Errorf("after 30 days: %v, want nothing", ids(out))
		}
	})

	t.Run("no staff notes", func(t *testing.T) {
		p := demoProgramme(t)
		p.Transport[0].StayingBehind = []programme.StayingBehind{{Person: "omar-ansari", Note: "Staying for a side meeting.", Active: true, Changes: 1, Since: now}}
		secrets := []string{"has to leave by 11:00", "Added on the day", "not confirmed", "approved a few months ago",
			"secretariat told late", "Staying for a side meeting.", "11:00 "}
		for _, f := range []struct {
			kind programme.FeedKind
			key  string
		}{
			{programme.FeedPerson, "omar-ansari"}, {programme.FeedPerson, "sally-wentworth"},
			{programme.FeedPerson, "maria-elena-flores"}, {programme.FeedDelegation, "af"},
			{programme.FeedRoom, "room-10"}, {programme.FeedProgramme, demo.Slug},
		} {
			for _, e := range feedEntries(t, p, f.kind, f.key, now) {
				for _, s := range secrets {
					if strings.Contains(e.Title+"\n"+e.Location+"\n"+e.Description, s) {
						t.Errorf("%s/%s %s shows staff-only %q", f.kind, f.key, e.ID, s)
					}
				}
			}
		}
	})
}

// storedDemo is demoProgramme with the history the store keeps after
// importing it on edited: one active audience and rider row per member, one
// active delegation row per delegate and one active room row per session,
// none of them ever changed.
func storedDemo(t *testing.T) *programme.Programme {
	t.Helper()
	p := demoProgramme(t)
	rows := func(a *programme.Audience) {
		a.Former = nil
		for _, d := range a.Delegations {
			a.Former = append(a.Former, programme.Member{Delegation: d, Active: true, ChangedAt: edited})
		}
		for _, person := range a.People {
			a.Former = append(a.Former, programme.Member{Person: person, Active: true, ChangedAt: edited})
		}
	}
	for i := range p.Sessions {
		s := &p.Sessions[i]
		rows(&s.Audience)
		if s.Room != "" {
			s.FormerRooms = []programme.Member{{Room: s.Room, Active: true, ChangedAt: edited}}
		}
	}
	for i := range p.Transport {
		rows(&p.Transport[i].Riders)
	}
	for i := range p.People {
		if d := p.People[i].Delegation; d != "" {
			p.People[i].FormerDelegations = []programme.Member{{Delegation: d, Active: true, ChangedAt: edited}}
		}
	}
	return p
}

// former returns the audience row of delegation d, failing the test when there is none.
func former(t *testing.T, a *programme.Audience, d string) *programme.Member {
	t.Helper()
	for i := range a.Former {
		if a.Former[i].Delegation == d {
			return &a.Former[i]
		}
	}
	t.Fatalf("no audience row for %s in %+v", d, a.Former)
	return nil
}

// sequences maps a feed's entry IDs to their SEQUENCE.
func sequences(entries []programme.Entry) map[string]int {
	out := make(map[string]int, len(entries))
	for _, e := range entries {
		out[e.ID] = e.Sequence
	}
	return out
}

// TestFeedEntriesMovedToAnotherDelegation moves Omar from Afghanistan to Pakistan
// after Pakistan was taken off the closing lunch, and back again, as the
// store records it (Person.FormerDelegations). His feed keeps the lunch as a
// cancelled tombstone for 30 days from the move, then drops it; every item
// both delegations share stays confirmed with a SEQUENCE that rises at each
// move and never falls; and moving back brings the lunch back confirmed
// with a SEQUENCE above the tombstone's.
func TestFeedEntriesMovedToAnotherDelegation(t *testing.T) {
	const lunchID, omar = "session/closing-lunch", "omar-ansari"
	p := storedDemo(t)
	lunch := p.Session("closing-lunch")
	pkLostLunch := edited.Add(time.Hour)
	lunch.Audience.Delegations = []string{"af"}
	*former(t, &lunch.Audience, "pk") = programme.Member{Delegation: "pk", Changes: 1, ChangedAt: pkLostLunch}
	// Afghanistan was taken off the opening and put back: its row counts 2
	// in Omar's SEQUENCE, which must not fall to Pakistan's 0 when he moves.
	*former(t, &p.Session("day0-open").Audience, "af") = programme.Member{Delegation: "af", Active: true, Changes: 2, ChangedAt: edited}
	person := p.Person(omar)

	before := feedEntries(t, p, programme.FeedPerson, omar, pkLostLunch)
	if e := entry(t, before, lunchID); e.Removed || e.Status != programme.StatusConfirmed {
		t.Fatalf("before the move: lunch Removed=%v Status=%q, want confirmed", e.Removed, e.Status)
	}
	aziz := feedEntries(t, p, programme.FeedPerson, "aziz-taqwa", pkLostLunch)

	moved := edited.Add(3 * time.Hour)
	person.Delegation = "pk"
	person.FormerDelegations = []programme.Member{
		{Delegation: "pk", Active: true, ChangedAt: moved},
		{Delegation: "af", Changes: 1, ChangedAt: moved},
	}
	after := feedEntries(t, p, programme.FeedPerson, omar, moved)
	if !reflect.DeepEqual(ids(after), ids(before)) {
		t.Fatalf("after the move the feed has %v, want the same items as before, %v", ids(after), ids(before))
	}
	was := sequences(before)
	for _, e := range after {
		if e.Sequence <= was[e.ID] {
			t.Errorf("%s: SEQUENCE %d after the move, want more than %d", e.ID, e.Sequence, was[e.ID])
		}
		if e.ID == lunchID {
			if !e.Removed || e.Status != programme.StatusCancelled || !e.ModifiedAt.Equal(moved) {
				t.Errorf("lunch after the move: Removed=%v Status=%q ModifiedAt=%v, want a tombstone of %v",
					e.Removed, e.Status, e.ModifiedAt, moved)
			}
			continue
		}
		if e.Removed || e.Status == programme.StatusCancelled {
			t.Errorf("%s: Removed=%v Status=%q after the move, want it kept: Pakistan has it too", e.ID, e.Removed, e.Status)
		}
	}
	for _, tt := range []struct {
		name    string
		now     time.Time
		present bool
	}{
		{"on the last second", moved.Add(programme.TombstoneTTL - time.Second), true},
		{"after 30 days", moved.Add(programme.TombstoneTTL), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := feedEntries(t, p, programme.FeedPerson, omar, tt.now)
			if contains(ids(got), lunchID) != tt.present {
				t.Errorf("lunch in the feed: %v, want %v", !tt.present, tt.present)
			}
			if len(got) != len(before)-1 && !tt.present {
				t.Errorf("feed after 30 days: %v, want all but the lunch", ids(got))
			}
		})
	}
	// Aziz stays in Afghanistan: nothing changes for him.
	if got := feedEntries(t, p, programme.FeedPerson, "aziz-taqwa", moved); !reflect.DeepEqual(got, aziz) {
		t.Errorf("Aziz's feed changed when Omar moved")
	}

	// Named in person, Omar keeps the lunch whatever his delegation.
	lunch.Audience.People = []string{omar}
	if e := entry(t, feedEntries(t, p, programme.FeedPerson, omar, moved), lunchID); e.Removed || e.Status != programme.StatusConfirmed {
		t.Errorf("named in person: Removed=%v Status=%q, want confirmed", e.Removed, e.Status)
	}
	lunch.Audience.People = nil

	back := moved.Add(time.Hour)
	person.Delegation = "af"
	person.FormerDelegations = []programme.Member{
		{Delegation: "af", Active: true, Changes: 2, ChangedAt: back},
		{Delegation: "pk", Changes: 1, ChangedAt: back},
	}
	again := feedEntries(t, p, programme.FeedPerson, omar, back)
	if !reflect.DeepEqual(ids(again), ids(before)) {
		t.Fatalf("moved back, the feed has %v, want %v", ids(again), ids(before))
	}
	was = sequences(after)
	for _, e := range again {
		if e.Sequence <= was[e.ID] {
			t.Errorf("%s: SEQUENCE %d after moving back, want more than %d", e.ID, e.Sequence, was[e.ID])
		}
		if e.Removed || e.Status == programme.StatusCancelled {
			t.Errorf("%s: Removed=%v Status=%q after moving back, want confirmed", e.ID, e.Removed, e.Status)
		}
	}
}

// TestFeedEntriesLeftDelegationLostItemWhen: what a person who left a delegation
// on left keeps of an item only that delegation has, by how the
// delegation's audience row stood: the item is a tombstone from when they
// lost it (the earlier of their leaving and the delegation's removal), and
// an item the delegation got only after they left never reaches them.
func TestFeedEntriesLeftDelegationLostItemWhen(t *testing.T) {
	const lunchID, omar = "session/closing-lunch", "omar-ansari"
	left := edited.Add(10 * time.Hour)
	for _, tt := range []struct {
		name string
		af   programme.Member // closing-lunch's audience row for af
		lost time.Time        // zero: never in the feed
	}{
		{"kept by the delegation", programme.Member{Delegation: "af", Active: true, ChangedAt: edited}, left},
		{"removed before they left", programme.Member{Delegation: "af", Changes: 1, ChangedAt: edited.Add(time.Hour)}, edited.Add(time.Hour)},
		{"removed after they left", programme.Member{Delegation: "af", Changes: 1, ChangedAt: left.Add(time.Hour)}, left},
		{"added after they left", programme.Member{Delegation: "af", Active: true, ChangedAt: left.Add(time.Hour)}, time.Time{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := storedDemo(t)
			lunch := p.Session("closing-lunch")
			lunch.Audience.Delegations = nil
			if tt.af.Active {
				lunch.Audience.Delegations = []string{"af"}
			}
			// Pakistan never had the lunch, so only Afghanistan's row counts.
			lunch.Audience.Former = []programme.Member{tt.af}
			person := p.Person(omar)
			person.Delegation = "pk"
			person.FormerDelegations = []programme.Member{
				{Delegation: "pk", Active: true, ChangedAt: left},
				{Delegation: "af", Changes: 1, ChangedAt: left},
			}
			now := left.Add(2 * time.Hour)
			got := feedEntries(t, p, programme.FeedPerson, omar, now)
			if tt.lost.IsZero() {
				if contains(ids(got), lunchID) {
					t.Fatalf("lunch in the feed, want it never there")
				}
				return
			}
			e := entry(t, got, lunchID)
			if !e.Removed || e.Status != programme.StatusCancelled {
				t.Errorf("Removed=%v Status=%q, want a tombstone", e.Removed, e.Status)
			}
			last := feedEntries(t, p, programme.FeedPerson, omar, tt.lost.Add(programme.TombstoneTTL-time.Second))
			gone := feedEntries(t, p, programme.FeedPerson, omar, tt.lost.Add(programme.TombstoneTTL))
			if !contains(ids(last), lunchID) || contains(ids(gone), lunchID) {
				t.Errorf("the tombstone does not last exactly 30 days from %v", tt.lost)
			}
		})
	}
}

// TestFeedEntriesSessionMovedRoom moves the demo's seminar from Workshop Room 10
// to the main hall and back, as the store records it (Session.FormerRooms and
// the Sequence it gives a session that moves). Room 10's feed keeps the
// seminar as a cancelled tombstone for 30 days with a SEQUENCE above the one
// it showed, and the main hall's has it confirmed; moving back swaps them,
// and each SEQUENCE rises again.
//
// Room 10 was renamed three times (Sequence 3) and the main hall never, so
// the place counted in the seminar's SEQUENCE falls by 3 on the way there:
// the store raises the seminar's own Sequence by one plus that fall, which
// the tombstone adds to the main hall's 0 and to room 10's row's Changes.
func TestFeedEntriesSessionMovedRoom(t *testing.T) {
	const seminarID = "session/day0-seminar"
	p := storedDemo(t)
	p.Room("room-10").Sequence = 3
	seminar := p.Session("day0-seminar")

	before := entry(t, feedEntries(t, p, programme.FeedRoom, "room-10", edited), seminarID)
	if contains(ids(feedEntries(t, p, programme.FeedRoom, "main-hall", edited)), seminarID) {
		t.Fatal("the seminar is in the main hall's feed before it moved")
	}

	moved := edited.Add(time.Hour)
	seminar.Room = "main-hall"
	seminar.Sequence += 1 + 3
	seminar.ModifiedAt = moved
	seminar.FormerRooms = []programme.Member{
		{Room: "main-hall", Active: true, ChangedAt: moved},
		{Room: "room-10", Changes: 1, ChangedAt: moved},
	}
	gone := entry(t, feedEntries(t, p, programme.FeedRoom, "room-10", moved), seminarID)
	if !gone.Removed || gone.Status != programme.StatusCancelled || gone.Sequence <= before.Sequence || !gone.ModifiedAt.Equal(moved) {
		t.Errorf("room 10 after the move: Removed=%v Status=%q Sequence=%d ModifiedAt=%v, want a tombstone above %d of %v",
			gone.Removed, gone.Status, gone.Sequence, gone.ModifiedAt, before.Sequence, moved)
	}
	there := entry(t, feedEntries(t, p, programme.FeedRoom, "main-hall", moved), seminarID)
	if there.Removed || there.Status != programme.StatusConfirmed || !strings.HasPrefix(there.Location, p.Room("main-hall").Name+", ") {
		t.Errorf("main hall after the move: Removed=%v Status=%q Location=%q, want confirmed there", there.Removed, there.Status, there.Location)
	}
	for _, tt := range []struct {
		name    string
		now     time.Time
		present bool
	}{
		{"on the last second", moved.Add(programme.TombstoneTTL - time.Second), true},
		{"after 30 days", moved.Add(programme.TombstoneTTL), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := contains(ids(feedEntries(t, p, programme.FeedRoom, "room-10", tt.now)), seminarID); got != tt.present {
				t.Errorf("seminar in room 10's feed: %v, want %v", got, tt.present)
			}
		})
	}

	back := moved.Add(time.Hour)
	seminar.Room = "room-10"
	seminar.Sequence++ // the place rises by 3: no lift
	seminar.ModifiedAt = back
	seminar.FormerRooms = []programme.Member{
		{Room: "room-10", Active: true, Changes: 2, ChangedAt: back},
		{Room: "main-hall", Changes: 1, ChangedAt: back},
	}
	home := entry(t, feedEntries(t, p, programme.FeedRoom, "room-10", back), seminarID)
	if home.Removed || home.Status != programme.StatusConfirmed || home.Sequence <= gone.Sequence {
		t.Errorf("room 10 after moving back: Removed=%v Status=%q Sequence=%d, want confirmed above %d",
			home.Removed, home.Status, home.Sequence, gone.Sequence)
	}
	left := entry(t, feedEntries(t, p, programme.FeedRoom, "main-hall", back), seminarID)
	if !left.Removed || left.Status != programme.StatusCancelled || left.Sequence <= there.Sequence {
		t.Errorf("main hall after moving back: Removed=%v Status=%q Sequence=%d, want a tombstone above %d",
			left.Removed, left.Status, left.Sequence, there.Sequence)
	}
}
