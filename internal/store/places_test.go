package store_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// placeFeeds are the feeds TestPlaceChangesRaiseSequence watches: every kind
// of feed that holds the demo's seminar, or Chris Painter's slot in it.
var placeFeeds = []struct {
	kind programme.FeedKind
	key  string
}{
	{programme.FeedPerson, "omar-ansari"},
	{programme.FeedDelegation, "af"},
	{programme.FeedRoom, "room-10"},
	{programme.FeedSpeaker, "chris-painter"},
	{programme.FeedProgramme, demo.Slug},
}

// atExpo lists every entry whose LOCATION shows the Expo's address in the
// feeds watched: the sessions held at the Expo or in one of its rooms,
// Chris's slot in the seminar, and the bus that picks up there.
var atExpo = []string{
	"session/day0-seminar", "session/day0-lunch", "session/day0-open", "session/town-hall",
	"session/nri-main", "session/closing-lunch", "slot/day0-seminar/cyber", "run/day0-bus",
}

// TestPlaceChangesRaiseSequence edits the demo's rooms and venues one import
// at a time and checks every entry of the watched feeds: the SEQUENCE of an
// event rises by exactly one when its LOCATION changes (a room renamed or
// moved, a venue's address changed, a session or run moved to a place whose
// counters are lower), and not at all otherwise; a room's capacity and
// reservations raise only its ModifiedAt, which no event shows: their
// LAST-MODIFIED stays, as every event's does unless the step touches it.
// Importing the same file again, or the loaded
// programme with its Change fields, changes nothing.
func TestPlaceChangesRaiseSequence(t *testing.T) {
	steps := []struct {
		name string
		// edit is applied, after every earlier step's, to a fresh demo; nil
		// imports the programme as loaded from the store instead.
		edit   func(t *testing.T, p *programme.Programme)
		change bool
		// raised lists the entries whose SEQUENCE rises by one in every
		// watched feed that has them; every other entry's stays as it was.
		raised []string
		// touched lists the entries whose LAST-MODIFIED becomes the step's
		// time without a rise in SEQUENCE.
		touched []string
		// lost lists the "kind/key id" entries that stay in a feed as
		// tombstones: their SEQUENCE rises by one more than a raised
		// entry's, for the subject's own change (see programme.FeedEntries).
		lost []string
		// room and expo are the Sequences of room-10 and of the Expo; roomAt
		// is the step at which room-10 last changed at all.
		room, expo, roomAt int
	}{
		{name: "the demo as it is", edit: func(*testing.T, *programme.Programme) {}, change: true},
		{name: "room-10's capacity", change: true, roomAt: 1,
			edit: func(t *testing.T, p *programme.Programme) { roomByKey(t, p, "room-10").Capacity = 41 }},
		{name: "room-10's reservations", change: true, roomAt: 2,
			edit: func(t *testing.T, p *programme.Programme) { roomByKey(t, p, "room-10").Reservations = nil }},
		{name: "room-10 renamed", change: true, room: 1, roomAt: 3,
			edit: func(t *testing.T, p *programme.Programme) {
				roomByKey(t, p, "room-10").Name = "Workshop Room 10 (level 2)"
			},
			raised: []string{"session/day0-seminar", "slot/day0-seminar/cyber"}},
		{name: "same file again", edit: func(*testing.T, *programme.Programme) {}, room: 1, roomAt: 3},
		{name: "the Expo's address", change: true, room: 1, expo: 1, roomAt: 3,
			edit: func(t *testing.T, p *programme.Programme) {
				venueByKey(t, p, "expo").Address = "Av. Mariano Otero 1499, Guadalajara"
			},
			raised: atExpo},
		{name: "the loaded programme imported back", room: 1, expo: 1, roomAt: 3},
		// The hotel's counters are lower than the Expo's: room-10 rises by
		// one plus the Expo's one, so that the seminar still rises by one.
		{name: "room-10 moved to the hotel", change: true, room: 3, expo: 1, roomAt: 7,
			edit:   func(t *testing.T, p *programme.Programme) { roomByKey(t, p, "room-10").Venue = "hotel" },
			raised: []string{"session/day0-seminar", "slot/day0-seminar/cyber"}},
		// Room-10 counts 3, the main hall 0 and the Expo 1: the seminar
		// rises by one plus the two it loses.
		{name: "the seminar moved to the main hall", change: true, room: 3, expo: 1, roomAt: 7,
			edit: func(t *testing.T, p *programme.Programme) {
				sessionByKey(t, p, "day0-seminar").Room = "main-hall"
			},
			raised: []string{"session/day0-seminar", "slot/day0-seminar/cyber"},
			lost:   []string{"room/room-10 session/day0-seminar"}},
		{name: "the bus picks up at the reception venue", change: true, room: 3, expo: 1, roomAt: 7,
			edit:   func(t *testing.T, p *programme.Programme) { runByKey(t, p, "day0-bus").From = "fiesta" },
			raised: []string{"run/day0-bus"}},
		{name: "same file again at the end", edit: func(*testing.T, *programme.Programme) {}, room: 3, expo: 1, roomAt: 7},
	}

	s, clock := openClocked(t)
	// now is when feeds are read: before any tombstone could expire.
	now := t0
	var edits []func(*testing.T, *programme.Programme)
	var before *programme.Programme
	for i, step := range steps {
		ok := t.Run(step.name, func(t *testing.T) {
			at := clock.Advance(t0.Add(time.Duration(i) * time.Hour).Sub(clock.Now())).UTC()
			var file *programme.Programme
			if step.edit != nil {
				edits = append(edits, step.edit)
				file = sample.Demo(t)
				for _, edit := range edits {
					edit(t, file)
				}
			} else {
				file = mustLoad(t, s, demo.Slug)
			}
			report := storetest.MustImport(t, s, file)
			if report.Changed != step.change {
				t.Errorf("report = %+v, want Changed %v", report, step.change)
			}
			after := mustLoad(t, s, demo.Slug)

			room, expo := roomByKey(t, after, "room-10"), venueByKey(t, after, "expo")
			if room.Sequence != step.room || expo.Sequence != step.expo {
				t.Errorf("Sequence of room-10 %d and of the Expo %d, want %d and %d", room.Sequence, expo.Sequence, step.room, step.expo)
			}
			if want := t0.Add(time.Duration(step.roomAt) * time.Hour); !room.ModifiedAt.Equal(want) || !room.CreatedAt.Equal(t0) {
				t.Errorf("room-10 ModifiedAt %v CreatedAt %v, want %v and %v", room.ModifiedAt, room.CreatedAt, want, t0)
			}
			if before == nil {
				before = after
				return
			}
			if !step.change && !reflect.DeepEqual(after, before) {
				t.Errorf("an import that changed nothing changed the programme")
			}
			found := map[string]bool{}
			for _, f := range placeFeeds {
				name := string(f.kind) + "/" + f.key
				was := byID(t, before, f.kind, f.key, now)
				is := byID(t, after, f.kind, f.key, now)
				for id := range was {
					if _, ok := is[id]; !ok {
						t.Errorf("%s: %s left the feed", name, id)
					}
				}
				for id, e := range is {
					old, ok := was[id]
					if !ok {
						t.Errorf("%s: %s came into the feed", name, id)
						continue
					}
					raised := slices.Contains(step.raised, id)
					want := old.Sequence
					if raised {
						want++
						found[id] = true
					}
					lost := slices.Contains(step.lost, name+" "+id)
					if lost {
						want++
					}
					// A tombstone stays one until it expires.
					if e.Removed != (lost || old.Removed) {
						t.Errorf("%s: %s Removed %v, want %v", name, id, e.Removed, lost || old.Removed)
					}
					if e.Sequence != want {
						t.Errorf("%s: %s SEQUENCE %d → %d, want %d", name, id, old.Sequence, e.Sequence, want)
					}
					if raised || slices.Contains(step.touched, id) {
						if !e.ModifiedAt.Equal(at) {
							t.Errorf("%s: %s LAST-MODIFIED %v, want %v", name, id, e.ModifiedAt, at)
						}
					} else if !lost && !e.ModifiedAt.Equal(old.ModifiedAt) {
						t.Errorf("%s: %s LAST-MODIFIED moved from %v to %v, though nothing it shows changed", name, id, old.ModifiedAt, e.ModifiedAt)
					}
				}
			}
			for _, id := range step.raised {
				if !found[id] {
					t.Errorf("%s is in none of the feeds watched", id)
				}
			}
			before = after
		})
		if !ok {
			t.FailNow()
		}
	}
}

// TestRenamedRoomInEveryFeed pins the feeds that must see a renamed room:
// the seminar rises by one in Omar's, the Afghan delegation's, the room's and
// the programme's feeds, and Chris Painter's slot in it in his speaker feed.
func TestRenamedRoomInEveryFeed(t *testing.T) {
	s, clock := openClocked(t)
	storetest.MustImport(t, s, sample.Demo(t))
	before := mustLoad(t, s, demo.Slug)
	clock.Advance(time.Hour)
	renamed := sample.Demo(t)
	roomByKey(t, renamed, "room-10").Name = "Room 10"
	storetest.MustImport(t, s, renamed)
	after := mustLoad(t, s, demo.Slug)
	for _, tt := range []struct {
		kind    programme.FeedKind
		key, id string
	}{
		{programme.FeedPerson, "omar-ansari", "session/day0-seminar"},
		{programme.FeedDelegation, "af", "session/day0-seminar"},
		{programme.FeedRoom, "room-10", "session/day0-seminar"},
		{programme.FeedProgramme, demo.Slug, "session/day0-seminar"},
		{programme.FeedSpeaker, "chris-painter", "slot/day0-seminar/cyber"},
		{programme.FeedPerson, "chris-painter", "slot/day0-seminar/cyber"},
	} {
		t.Run(string(tt.kind)+"/"+tt.key, func(t *testing.T) {
			was, is := feedEntry(t, before, tt.kind, tt.key, t0, tt.id), feedEntry(t, after, tt.kind, tt.key, t0, tt.id)
			if was == nil || is == nil {
				t.Fatalf("%s missing from the feed: before %v, after %v", tt.id, was != nil, is != nil)
			}
			if is.Sequence != was.Sequence+1 || is.Location == was.Location {
				t.Errorf("SEQUENCE %d → %d, LOCATION %q → %q: want a rise by one and a new LOCATION",
					was.Sequence, is.Sequence, was.Location, is.Location)
			}
		})
	}
}

// byID returns a feed's entries by ID.
func byID(t *testing.T, p *programme.Programme, kind programme.FeedKind, key string, now time.Time) map[string]programme.Entry {
	t.Helper()
	entries, err := p.FeedEntries(kind, key, now)
	if err != nil {
		t.Fatalf("FeedEntries(%s, %s): %v", kind, key, err)
	}
	out := make(map[string]programme.Entry, len(entries))
	for _, e := range entries {
		out[e.ID] = e
	}
	return out
}
