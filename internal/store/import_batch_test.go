package store_test

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// header is the fixture's programme without items: the start of a batch.
func header(t *testing.T) *programme.Programme {
	p := fixture(t)
	p.Venues, p.Rooms, p.Delegations, p.People, p.Sessions, p.Transport = nil, nil, nil, nil, nil, nil
	return p
}

// TestImportBatchKeepsTheProgrammeRestorable imports batches of changes onto
// the stored fixture. Each is either refused, with a path into the batch and
// nothing changed, or accepted, and then the programme exports to a file
// that an empty database accepts: what was stored can always be restored.
func TestImportBatchKeepsTheProgrammeRestorable(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name   string
		stored func(p *programme.Programme) // edits the fixture before it is stored
		batch  func(t *testing.T) *programme.Programme
		// path and msg, when set, say where and why the batch is refused.
		path, msg string
	}{
		{
			name: "session moved a day without its slots",
			batch: func(t *testing.T) *programme.Programme {
				p := header(t)
				s := *sessionByKey(t, fixture(t), "day0-seminar")
				s.StartsAt, s.EndsAt, s.Slots = s.StartsAt.Add(day), s.EndsAt.Add(day), nil
				p.Sessions = []programme.Session{s}
				return p
			},
			path: "sessions[0].slots", msg: `stored slot "welcome"`,
		},
		{
			name: "session moved a day with only some of its slots",
			batch: func(t *testing.T) *programme.Programme {
				p := header(t)
				s := *sessionByKey(t, fixture(t), "day0-seminar")
				s.StartsAt, s.EndsAt = s.StartsAt.Add(day), s.EndsAt.Add(day)
				isoc := s.Slots[1]
				isoc.StartsAt, isoc.EndsAt = isoc.StartsAt.Add(day), isoc.EndsAt.Add(day)
				isoc.AvailableFrom, isoc.AvailableUntil = nil, nil
				s.Slots = []programme.Slot{isoc}
				p.Sessions = []programme.Session{s}
				return p
			},
			path: "sessions[0].slots", msg: `stored slot "welcome"`,
		},
		{
			name: "session moved a day with its slots",
			batch: func(t *testing.T) *programme.Programme {
				p := header(t)
				s := *sessionByKey(t, fixture(t), "day0-seminar")
				s.StartsAt, s.EndsAt = s.StartsAt.Add(day), s.EndsAt.Add(day)
				s.Slots = slices.Clone(s.Slots)
				for i := range s.Slots {
					sl := &s.Slots[i]
					sl.StartsAt, sl.EndsAt, sl.AvailableFrom, sl.AvailableUntil = sl.StartsAt.Add(day), sl.EndsAt.Add(day), nil, nil
				}
				p.Sessions = []programme.Session{s}
				return p
			},
		},
		{
			name: "session shortened around its stored slots",
			batch: func(t *testing.T) *programme.Programme {
				p := header(t)
				s := *sessionByKey(t, fixture(t), "day0-seminar")
				s.EndsAt, s.Slots = s.EndsAt.Add(-2*time.Hour), nil // 11:00, after the last slot
				p.Sessions = []programme.Session{s}
				return p
			},
		},
		{
			name: "person moved out of the delegation they lead",
			batch: func(t *testing.T) *programme.Programme {
				p := header(t)
				syed := fixture(t).People[2]
				syed.Delegation = "af"
				p.People = []programme.Person{syed}
				return p
			},
			path: "people[0].delegation", msg: `out of delegation "pk", whose lead they are`,
		},
		{
			name: "person moved with their delegation's new lead",
			batch: func(t *testing.T) *programme.Programme {
				p := header(t)
				syed := fixture(t).People[2]
				syed.Delegation = "af"
				pk := fixture(t).Delegations[1]
				pk.Lead = ""
				p.People, p.Delegations = []programme.Person{syed}, []programme.Delegation{pk}
				return p
			},
		},
		{
			name: "lead who is a stored member of another delegation",
			batch: func(t *testing.T) *programme.Programme {
				p := header(t)
				af := fixture(t).Delegations[0]
				af.Lead = "syed-shah"
				p.Delegations = []programme.Delegation{af}
				return p
			},
			path: "delegations[0].lead", msg: `belongs to delegation "pk"`,
		},
		{
			name: "programme zone moved under a stored run's decided poll",
			stored: func(p *programme.Programme) {
				p.Transport[0].TimeZone = "" // the programme's zone, as it is
			},
			batch: func(t *testing.T) *programme.Programme {
				p := header(t)
				p.TimeZone = "America/New_York"
				return p
			},
			path: "programme.time_zone", msg: `stored run "day0-bus"`,
		},
		{
			name: "stored slot's speaker moved elsewhere is still a speaker",
			batch: func(t *testing.T) *programme.Programme {
				p := header(t)
				joe := fixture(t).People[0]
				joe.Delegation = "af"
				p.People = []programme.Person{joe}
				return p
			},
		},
		{
			name: "room moved to another venue",
			batch: func(t *testing.T) *programme.Programme {
				p := header(t)
				room := fixture(t).Rooms[0]
				room.Venue = "hotel"
				p.Rooms = []programme.Room{room}
				return p
			},
		},
		{
			name: "new session and slot in a stored session",
			batch: func(t *testing.T) *programme.Programme {
				p := header(t)
				s := *sessionByKey(t, fixture(t), "day0-seminar")
				extra := s.Slots[0]
				extra.Key, extra.Title, extra.Speakers = "questions", "Questions", nil
				extra.StartsAt, extra.EndsAt = extra.StartsAt.Add(2*time.Hour), extra.EndsAt.Add(2*time.Hour)
				s.Slots = []programme.Slot{extra}
				p.Sessions = []programme.Session{s, {Key: "day1-visit", Title: "Site visit", Kind: "site_visit",
					StartsAt: s.StartsAt.Add(day), EndsAt: s.EndsAt.Add(day), Venue: "hotel"}}
				return p
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := openClocked(t)
			stored := fixture(t)
			if tt.stored != nil {
				tt.stored(stored)
			}
			storetest.MustImport(t, s, stored)
			before := mustLoad(t, s, stored.Slug)
			clock.Advance(time.Hour)
			_, err := s.Import(t.Context(), tt.batch(t), store.ImportOptions{})
			if tt.path != "" {
				assertRefusedAt(t, err, tt.path, tt.msg)
				if after := mustLoad(t, s, stored.Slug); !reflect.DeepEqual(before, after) {
					t.Errorf("a refused batch changed the programme")
				}
				return
			}
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			assertRestorable(t, mustLoad(t, s, stored.Slug))
		})
	}
}

// assertRefusedAt checks that err is EINVALID with a problem at path whose
// message contains msg.
func assertRefusedAt(t *testing.T, err error, path, msg string) {
	t.Helper()
	if programme.ErrorCode(err) != programme.EINVALID {
		t.Fatalf("Import = %v, want EINVALID at %s", err, path)
	}
	perr := err.(*programme.Error)
	for _, f := range perr.Fields {
		if f.Path == path && strings.Contains(f.Msg, msg) {
			return
		}
	}
	t.Errorf("problems = %v, want one at %s saying %q", perr.Fields, path, msg)
}

// assertRestorable exports p and imports the file into an empty database.
func assertRestorable(t *testing.T, p *programme.Programme) {
	t.Helper()
	var file bytes.Buffer
	if err := exchange.Encode(&file, p); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	again, _, err := exchange.Decode(&file)
	if err != nil {
		t.Fatalf("the export is refused: %v", err)
	}
	fresh := storetest.Open(t)
	if _, err := fresh.Import(t.Context(), again, store.ImportOptions{}); err != nil {
		t.Fatalf("an empty database refuses the export: %v", err)
	}
}

// TestImportBatchLeavesOrderAlone checks that a batch changes the order of
// nothing: an unchanged item it names stays where it is, changing nothing at
// all, and a new item goes after the stored ones.
func TestImportBatchLeavesOrderAlone(t *testing.T) {
	s, clock := openClocked(t)
	storetest.MustImport(t, s, fixture(t))
	before := mustLoad(t, s, "igf2016-cldp")
	var file bytes.Buffer
	if err := exchange.Encode(&file, before); err != nil {
		t.Fatal(err)
	}

	clock.Advance(time.Hour)
	unchanged := header(t)
	unchanged.Sessions = []programme.Session{*sessionByKey(t, fixture(t), "day0-lunch")}
	unchanged.Transport = []programme.Run{*runByKey(t, fixture(t), "walk-back")}
	report := mustImportOpt(t, s, unchanged, store.ImportOptions{})
	if want := (reportCounts{Unchanged: 2}); counts(report) != want || len(report.Items) != 0 {
		t.Errorf("report = %+v, want %+v and no items", report, want)
	}
	after := mustLoad(t, s, "igf2016-cldp")
	if after.Version != before.Version {
		t.Errorf("Version %d → %d, want no change", before.Version, after.Version)
	}
	var again bytes.Buffer
	if err := exchange.Encode(&again, after); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file.Bytes(), again.Bytes()) {
		t.Errorf("the export changed:\n%s\nwant\n%s", again.String(), file.String())
	}

	clock.Advance(time.Hour)
	added := header(t)
	lunch := *sessionByKey(t, fixture(t), "day0-lunch")
	lunch.Key, lunch.Title = "day0-coffee", "Coffee"
	added.Sessions = []programme.Session{lunch, *sessionByKey(t, fixture(t), "dc-day1")}
	mustImportOpt(t, s, added, store.ImportOptions{})
	var keys []string
	for _, s := range mustLoad(t, s, "igf2016-cldp").Sessions {
		keys = append(keys, s.Key)
	}
	if want := []string{"dc-day1", "day0-seminar", "day0-lunch", "day0-coffee"}; !slices.Equal(keys, want) {
		t.Errorf("sessions = %v, want %v", keys, want)
	}
}

// TestImportDryRunPreviews checks that a dry run changes nothing and lists,
// by kind and key, what the import would create, update and cancel: the
// same list the import then reports.
func TestImportDryRunPreviews(t *testing.T) {
	s, clock := openClocked(t)
	storetest.MustImport(t, s, fixture(t))
	before := mustLoad(t, s, "igf2016-cldp")
	clock.Advance(time.Hour)
	batch := func() *programme.Programme {
		p := header(t)
		seminar := *sessionByKey(t, fixture(t), "day0-seminar")
		seminar.Title = "Seminar"
		seminar.Slots = seminar.Slots[1:] // welcome is pruned
		p.Sessions = []programme.Session{seminar}
		p.Venues = []programme.Venue{{Key: "airport", Name: "Airport"}}
		return p
	}
	opt := store.ImportOptions{Prune: true, DryRun: true}
	preview := mustImportOpt(t, s, batch(), opt)
	want := []store.ImportItem{
		{Kind: "venue", Key: "airport", Action: store.ActionCreate, Title: "Airport"},
		{Kind: "session", Key: "day0-seminar", Action: store.ActionUpdate, Title: "Seminar"},
		{Kind: "session", Key: "dc-day1", Action: store.ActionCancel, Title: "Washington meetings"},
		{Kind: "session", Key: "day0-lunch", Action: store.ActionCancel, Title: "Lunch"},
		{Kind: "slot", Key: "day0-seminar/welcome", Action: store.ActionCancel, Title: "Welcome"},
		{Kind: "run", Key: "day0-bus", Action: store.ActionCancel, Title: "Bus back to the hotel"},
		{Kind: "run", Key: "walk-back", Action: store.ActionCancel, Title: "Walk to the reception"},
	}
	if !reflect.DeepEqual(preview.Items, want) {
		t.Errorf("dry run items:\n got %+v\nwant %+v", preview.Items, want)
	}
	if !preview.Changed || preview.Created != 1 || preview.Cancelled != 5 {
		t.Errorf("dry run report = %+v, want a change, 1 created, 5 cancelled", counts(preview))
	}
	if after := mustLoad(t, s, "igf2016-cldp"); !reflect.DeepEqual(before, after) {
		t.Errorf("a dry run changed the programme")
	}
	opt.DryRun = false
	if done := mustImportOpt(t, s, batch(), opt); !reflect.DeepEqual(done.Items, preview.Items) {
		t.Errorf("the import did %+v, the dry run said %+v", done.Items, preview.Items)
	}
	if after := mustLoad(t, s, "igf2016-cldp"); after.Version != before.Version+1 {
		t.Errorf("Version = %d after the import, want %d", after.Version, before.Version+1)
	}
}

// TestImportBatchZoneReachesItemsItLeavesOut checks that a batch that
// changes only the programme's zone raises the Sequence of the stored items
// that name no zone of their own, as a whole file does: their TZID changes.
func TestImportBatchZoneReachesItemsItLeavesOut(t *testing.T) {
	s, _ := openClocked(t)
	storetest.MustImport(t, s, fixture(t))
	batch := header(t)
	batch.TimeZone = "America/Chicago"
	report := mustImportOpt(t, s, batch, store.ImportOptions{})
	if report.Updated != 3 || report.Cancelled != 0 {
		t.Errorf("report = %+v, want 3 updated (day0-seminar, day0-lunch, walk-back)", counts(report))
	}
	got := mustLoad(t, s, batch.Slug)
	for key, want := range map[string]int{"day0-seminar": 1, "day0-lunch": 1, "dc-day1": 0} {
		if seq := sessionByKey(t, got, key).Sequence; seq != want {
			t.Errorf("session %s: Sequence %d, want %d", key, seq, want)
		}
	}
	for key, want := range map[string]int{"walk-back": 1, "day0-bus": 0} {
		if seq := runByKey(t, got, key).Sequence; seq != want {
			t.Errorf("run %s: Sequence %d, want %d", key, seq, want)
		}
	}
	if seq := slotByKey(t, sessionByKey(t, got, "day0-seminar"), "welcome").Sequence; seq != 0 {
		t.Errorf("slot welcome: Sequence %d, want 0 (its session's counts)", seq)
	}
}
