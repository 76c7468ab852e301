package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store/storetest"
)

const (
	closingLunchID = "session/closing-lunch"
	seminarID      = "session/day0-seminar"
)

// demoMoved returns the demo with Pakistan taken off the closing lunch,
// Omar in delegation (empty for none) and the seminar in room.
func demoMoved(t *testing.T, delegation, room string) *programme.Programme {
	t.Helper()
	p := sample.Demo(t)
	sessionByKey(t, p, "closing-lunch").Audience.Delegations = []string{"af"}
	found(t, p.Person("omar-ansari"), "no omar-ansari").Delegation = delegation
	sessionByKey(t, p, "day0-seminar").Room = room
	return p
}

// TestImportDelegationHistory moves Omar from Afghanistan to Pakistan after
// Pakistan was taken off the closing lunch, makes him a speaker without a
// delegation, and puts him back in Afghanistan. His delegation rows are kept,
// inactive once he left, with Changes rising at each step; an import that changes nothing
// changes nothing; and his feed shows the lunch as a tombstone while he is
// out of Afghanistan, with SEQUENCE rising at every move for every item.
func TestImportDelegationHistory(t *testing.T) {
	type row struct {
		delegation string
		active     bool
		changes    int
		at         int // the step (hours after t0) at which it last changed
	}
	steps := []struct {
		name       string
		delegation string // Omar's; "-" imports the loaded programme back
		change     bool
		history    []row
		lunchGone  bool // the lunch is a tombstone in his feed
	}{
		{"in Afghanistan", "af", true, []row{{"af", true, 0, 0}}, false},
		{"moved to Pakistan", "pk", true, []row{{"pk", true, 0, 1}, {"af", false, 1, 1}}, true},
		{"same file again", "pk", false, []row{{"pk", true, 0, 1}, {"af", false, 1, 1}}, true},
		{"the loaded programme imported back", "-", false, []row{{"pk", true, 0, 1}, {"af", false, 1, 1}}, true},
		{"a speaker without delegation", "", true, []row{{"pk", false, 1, 4}, {"af", false, 1, 1}}, true},
		{"back in Afghanistan", "af", true, []row{{"af", true, 2, 5}, {"pk", false, 1, 4}}, false},
	}

	s, clock := openClocked(t)
	var version int64
	var last []programme.Entry
	for i, step := range steps {
		if !t.Run(step.name, func(t *testing.T) {
			now := t0.Add(time.Duration(i) * time.Hour)
			clock.Advance(now.Sub(clock.Now()))
			file := demoMoved(t, step.delegation, "room-10")
			var before *programme.Programme
			if i > 0 {
				before = mustLoad(t, s, demo.Slug)
			}
			if step.delegation == "-" {
				file = before
			}
			if i == 0 {
				// The lunch was Pakistan's too at first, so that Pakistan's
				// removal is a change the rest of the test builds on.
				storetest.MustImport(t, s, sample.Demo(t))
				version++
			}
			report := storetest.MustImport(t, s, file)
			if report.Changed != step.change {
				t.Errorf("report = %+v, want Changed %v", report, step.change)
			}
			if step.change {
				version++
			}
			got := mustLoad(t, s, demo.Slug)
			if got.Version != version {
				t.Errorf("Version = %d, want %d", got.Version, version)
			}
			if !step.change && !reflect.DeepEqual(got, before) {
				t.Errorf("an import that changed nothing changed the programme")
			}
			omar := found(t, got.Person("omar-ansari"), "no omar-ansari")
			var want []programme.Member
			for _, r := range step.history {
				want = append(want, programme.Member{Delegation: r.delegation, Active: r.active, Changes: r.changes,
					ChangedAt: t0.Add(time.Duration(r.at) * time.Hour).UTC()})
			}
			if !reflect.DeepEqual(omar.FormerDelegations, want) {
				t.Errorf("FormerDelegations = %+v, want %+v", omar.FormerDelegations, want)
			}
			if aziz := found(t, got.Person("aziz-taqwa"), "no aziz-taqwa"); !reflect.DeepEqual(aziz.FormerDelegations,
				[]programme.Member{{Delegation: "af", Active: true, ChangedAt: t0.UTC()}}) {
				t.Errorf("Aziz's FormerDelegations = %+v, want af since t0", aziz.FormerDelegations)
			}

			feed, err := got.FeedEntries(programme.FeedPerson, "omar-ansari", now)
			if err != nil {
				t.Fatal(err)
			}
			lunch := feedEntry(t, got, programme.FeedPerson, "omar-ansari", now, closingLunchID)
			if lunch == nil || lunch.Removed != step.lunchGone || (lunch.Status == programme.StatusCancelled) != step.lunchGone {
				t.Fatalf("lunch = %+v, want Removed %v", lunch, step.lunchGone)
			}
			// Every item of the feed before stays, and its SEQUENCE rises
			// when the import changed Omar's delegation, else stays.
			was := map[string]int{}
			for _, e := range last {
				was[e.ID] = e.Sequence
			}
			for _, e := range feed {
				prev, ok := was[e.ID]
				switch {
				case !ok && i > 0:
					t.Errorf("%s is new in Omar's feed", e.ID)
				case ok && step.change && e.Sequence <= prev:
					t.Errorf("%s: SEQUENCE %d, want more than %d", e.ID, e.Sequence, prev)
				case ok && !step.change && e.Sequence != prev:
					t.Errorf("%s: SEQUENCE %d, want still %d", e.ID, e.Sequence, prev)
				}
			}
			if i > 0 && len(feed) != len(last) {
				t.Errorf("Omar's feed has %d items, want %d", len(feed), len(last))
			}
			last = feed
		}) {
			return
		}
	}
}

// TestImportRoomHistory moves the demo's seminar from Workshop Room 10 to the
// main hall and back. Its room rows are kept, inactive once it left, with
// Changes rising at each move; its own Sequence rises by one per move, as a
// change of place; room 10's feed keeps it as a tombstone for 30 days with a
// SEQUENCE above the one it showed, the main hall's has it confirmed; an
// import that changes nothing changes nothing.
func TestImportRoomHistory(t *testing.T) {
	type row struct {
		room    string
		active  bool
		changes int
		at      int
	}
	steps := []struct {
		name    string
		room    string
		change  bool
		history []row
		// in and out are the feeds that have the seminar confirmed and as a tombstone.
		in, out string
	}{
		{"in room 10", "room-10", true, []row{{"room-10", true, 0, 0}}, "room-10", ""},
		{"moved to the main hall", "main-hall", true, []row{{"main-hall", true, 0, 1}, {"room-10", false, 1, 1}}, "main-hall", "room-10"},
		{"same file again", "main-hall", false, []row{{"main-hall", true, 0, 1}, {"room-10", false, 1, 1}}, "main-hall", "room-10"},
		{"back in room 10", "room-10", true, []row{{"room-10", true, 2, 3}, {"main-hall", false, 1, 3}}, "room-10", "main-hall"},
	}
	s, clock := openClocked(t)
	shown := map[string]int{} // the last SEQUENCE of the seminar in each room's feed
	for i, step := range steps {
		if !t.Run(step.name, func(t *testing.T) {
			now := t0.Add(time.Duration(i) * time.Hour)
			clock.Advance(now.Sub(clock.Now()))
			before := (*programme.Programme)(nil)
			if i > 0 {
				before = mustLoad(t, s, demo.Slug)
			}
			report := storetest.MustImport(t, s, demoMoved(t, "af", step.room))
			if report.Changed != step.change {
				t.Errorf("report = %+v, want Changed %v", report, step.change)
			}
			got := mustLoad(t, s, demo.Slug)
			if !step.change && !reflect.DeepEqual(got, before) {
				t.Errorf("an import that changed nothing changed the programme")
			}
			seminar := sessionByKey(t, got, "day0-seminar")
			var want []programme.Member
			for _, r := range step.history {
				want = append(want, programme.Member{Room: r.room, Active: r.active, Changes: r.changes,
					ChangedAt: t0.Add(time.Duration(r.at) * time.Hour).UTC()})
			}
			if !reflect.DeepEqual(seminar.FormerRooms, want) {
				t.Errorf("FormerRooms = %+v, want %+v", seminar.FormerRooms, want)
			}
			if before != nil {
				if prev := sessionByKey(t, before, "day0-seminar").Sequence; step.change && seminar.Sequence != prev+1 {
					t.Errorf("the seminar's Sequence = %d, want %d: a move is one change of place", seminar.Sequence, prev+1)
				}
			}
			in := feedEntry(t, got, programme.FeedRoom, step.in, now, seminarID)
			if in == nil || in.Removed || in.Status != programme.StatusConfirmed {
				t.Errorf("%s's feed: %+v, want the seminar confirmed", step.in, in)
			}
			feeds := map[string]*programme.Entry{step.in: in}
			if step.out != "" {
				out := feedEntry(t, got, programme.FeedRoom, step.out, now, seminarID)
				if out == nil || !out.Removed || out.Status != programme.StatusCancelled {
					t.Fatalf("%s's feed: %+v, want the seminar as a tombstone", step.out, out)
				}
				feeds[step.out] = out
				moved := t0.Add(time.Duration(step.history[0].at) * time.Hour)
				if feedEntry(t, got, programme.FeedRoom, step.out, moved.Add(programme.TombstoneTTL-time.Second), seminarID) == nil ||
					feedEntry(t, got, programme.FeedRoom, step.out, moved.Add(programme.TombstoneTTL), seminarID) != nil {
					t.Errorf("the tombstone in %s's feed does not last exactly 30 days from %v", step.out, moved)
				}
			}
			for room, e := range feeds {
				prev, ok := shown[room]
				switch {
				case ok && step.change && e.Sequence <= prev:
					t.Errorf("%s's feed: SEQUENCE %d, want more than %d", room, e.Sequence, prev)
				case ok && !step.change && e.Sequence != prev:
					t.Errorf("%s's feed: SEQUENCE %d, want still %d", room, e.Sequence, prev)
				}
				shown[room] = e.Sequence
			}
		}) {
			return
		}
	}
}

// TestDelegationAndRoomHistoryMigration: migration 0004 gives every person
// with a delegation, and every session with a room, one active row that never
// changed, since the item's last change; its Down step drops the history.
func TestDelegationAndRoomHistoryMigration(t *testing.T) {
	s, clock := openClocked(t)
	storetest.MustImport(t, s, sample.Demo(t))
	t1 := clock.Advance(time.Hour)
	storetest.MustImport(t, s, demoMoved(t, "pk", "main-hall"))

	provider := migrationsOf(t, s)
	if _, err := provider.DownTo(t.Context(), 3); err != nil {
		t.Fatalf("migrating down to 0003: %v", err)
	}
	for _, table := range []string{"person_delegations", "session_rooms"} {
		if s.DB().Migrator().HasTable(table) {
			t.Errorf("%s is still there under 0003", table)
		}
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrating up again: %v", err)
	}
	p := mustLoad(t, s, demo.Slug)
	for _, tt := range []struct {
		person string
		want   []programme.Member
	}{
		// Omar last changed when he moved; Aziz never did; Joe has no delegation.
		{"omar-ansari", []programme.Member{{Delegation: "pk", Active: true, ChangedAt: t1.UTC()}}},
		{"aziz-taqwa", []programme.Member{{Delegation: "af", Active: true, ChangedAt: t0.UTC()}}},
		{"joe-gattuso", nil},
	} {
		if got := found(t, p.Person(tt.person), "no %s", tt.person).FormerDelegations; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s FormerDelegations after 0004 = %+v, want %+v", tt.person, got, tt.want)
		}
	}
	for _, tt := range []struct {
		session string
		want    []programme.Member
	}{
		{"day0-seminar", []programme.Member{{Room: "main-hall", Active: true, ChangedAt: t1.UTC()}}},
		{"town-hall", []programme.Member{{Room: "main-hall", Active: true, ChangedAt: t0.UTC()}}},
		{"day0-lunch", nil},
	} {
		if got := sessionByKey(t, p, tt.session).FormerRooms; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s FormerRooms after 0004 = %+v, want %+v", tt.session, got, tt.want)
		}
	}
	// The history goes on from there: an unchanged import changes nothing.
	if r := storetest.MustImport(t, s, demoMoved(t, "pk", "main-hall")); r.Changed {
		t.Errorf("importing the same file after 0004 changed something: %+v", r)
	}
}
