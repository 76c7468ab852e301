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

const cyberID = "slot/day0-seminar/cyber"

// demoWithCyberSpeakers returns the demo with the cyber slot's speakers set.
func demoWithCyberSpeakers(t *testing.T, speakers ...string) *programme.Programme {
	t.Helper()
	p := sample.Demo(t)
	slotByKey(t, sessionByKey(t, p, "day0-seminar"), "cyber").Speakers = speakers
	return p
}

// TestImportSlotSpeakerHistory takes Chris Painter off the demo's cyber slot
// and puts him back. His speaker row is kept, inactive while he is off the
// slot, and its Changes rises at each step; the slot's own Sequence never
// moves (only its ModifiedAt), and his person and speaker feeds show the slot
// as cancelled for 30 days, then not at all, and as confirmed again once he is
// back, with SEQUENCE the slot's and session's plus his Changes. Importing the
// same file again changes nothing.
func TestImportSlotSpeakerHistory(t *testing.T) {
	// speaker is a speaker row as Programme should return it; at is the
	// step (hours after t0) at which it last changed.
	type speaker struct {
		person  string
		active  bool
		changes int
		at      int
	}
	steps := []struct {
		name     string
		file     func(t *testing.T) *programme.Programme
		change   bool
		speakers []string  // Slot.Speakers
		history  []speaker // Slot.FormerSpeakers
		modified int       // the step of the slot's ModifiedAt
		// chrisChanges is what Chris's feeds add to SEQUENCE; chrisRemoved
		// whether they show the slot as a tombstone.
		chrisChanges int
		chrisRemoved bool
	}{
		{"the demo as it is",
			func(t *testing.T) *programme.Programme { return sample.Demo(t) }, true,
			[]string{"chris-painter", "lisel-fronz"},
			[]speaker{{"chris-painter", true, 0, 0}, {"lisel-fronz", true, 0, 0}}, 0, 0, false},
		{"Chris taken off",
			func(t *testing.T) *programme.Programme { return demoWithCyberSpeakers(t, "lisel-fronz") }, true,
			[]string{"lisel-fronz"},
			[]speaker{{"lisel-fronz", true, 0, 0}, {"chris-painter", false, 1, 1}}, 1, 1, true},
		{"same file again",
			func(t *testing.T) *programme.Programme { return demoWithCyberSpeakers(t, "lisel-fronz") }, false,
			[]string{"lisel-fronz"},
			[]speaker{{"lisel-fronz", true, 0, 0}, {"chris-painter", false, 1, 1}}, 1, 1, true},
		{"the loaded programme, history and all, imported back", nil, false,
			[]string{"lisel-fronz"},
			[]speaker{{"lisel-fronz", true, 0, 0}, {"chris-painter", false, 1, 1}}, 1, 1, true},
		{"Chris put back",
			func(t *testing.T) *programme.Programme { return sample.Demo(t) }, true,
			[]string{"chris-painter", "lisel-fronz"},
			[]speaker{{"chris-painter", true, 2, 4}, {"lisel-fronz", true, 0, 0}}, 4, 2, false},
		{"same file again after putting him back",
			func(t *testing.T) *programme.Programme { return sample.Demo(t) }, false,
			[]string{"chris-painter", "lisel-fronz"},
			[]speaker{{"chris-painter", true, 2, 4}, {"lisel-fronz", true, 0, 0}}, 4, 2, false},
		{"a new order changes the slot, not the history",
			func(t *testing.T) *programme.Programme {
				return demoWithCyberSpeakers(t, "lisel-fronz", "chris-painter")
			}, true,
			[]string{"lisel-fronz", "chris-painter"},
			[]speaker{{"lisel-fronz", true, 0, 0}, {"chris-painter", true, 2, 4}}, 6, 2, false},
	}

	s, clock := openClocked(t)
	var version int64
	previous := -1
	for i, step := range steps {
		ok := t.Run(step.name, func(t *testing.T) {
			now := t0.Add(time.Duration(i) * time.Hour)
			clock.Advance(now.Sub(clock.Now()))
			var file *programme.Programme
			if step.file != nil {
				file = step.file(t)
			} else {
				file = mustLoad(t, s, demo.Slug)
			}
			var before *programme.Programme
			if i > 0 {
				before = mustLoad(t, s, demo.Slug)
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
			if !step.change && i > 0 && !reflect.DeepEqual(got, before) {
				t.Errorf("an import that changed nothing changed the programme")
			}
			seminar := sessionByKey(t, got, "day0-seminar")
			cyber := slotByKey(t, seminar, "cyber")
			if !reflect.DeepEqual(cyber.Speakers, step.speakers) {
				t.Errorf("Speakers = %v, want %v", cyber.Speakers, step.speakers)
			}
			want := make([]programme.Member, len(step.history))
			for j, h := range step.history {
				want[j] = programme.Member{Person: h.person, Active: h.active, Changes: h.changes,
					ChangedAt: t0.Add(time.Duration(h.at) * time.Hour).UTC()}
			}
			if !reflect.DeepEqual(cyber.FormerSpeakers, want) {
				t.Errorf("FormerSpeakers =\n%+v\nwant\n%+v", cyber.FormerSpeakers, want)
			}
			// A change of speakers is no change of time, place, title or
			// status: neither the slot's nor the session's Sequence moves.
			if cyber.Sequence != 0 || seminar.Sequence != 0 {
				t.Errorf("slot Sequence %d, session Sequence %d, want 0 and 0", cyber.Sequence, seminar.Sequence)
			}
			if wantMod := t0.Add(time.Duration(step.modified) * time.Hour); !cyber.ModifiedAt.Equal(wantMod) {
				t.Errorf("slot ModifiedAt = %v, want %v", cyber.ModifiedAt, wantMod)
			}

			wantStatus := programme.StatusConfirmed
			if step.chrisRemoved {
				wantStatus = programme.StatusCancelled
			}
			wantSequence := cyber.Sequence + seminar.Sequence + step.chrisChanges
			for _, kind := range []programme.FeedKind{programme.FeedPerson, programme.FeedSpeaker} {
				e := feedEntry(t, got, kind, "chris-painter", now, cyberID)
				if e == nil {
					t.Errorf("%s feed: no %s", kind, cyberID)
					continue
				}
				if e.Status != wantStatus || e.Removed != step.chrisRemoved || e.Sequence != wantSequence {
					t.Errorf("%s feed: Status %q Removed %v Sequence %d, want %q, %v and %d",
						kind, e.Status, e.Removed, e.Sequence, wantStatus, step.chrisRemoved, wantSequence)
				}
				if kind == programme.FeedSpeaker {
					if e.Sequence < previous {
						t.Errorf("Chris's SEQUENCE fell from %d to %d", previous, e.Sequence)
					}
					previous = e.Sequence
				}
			}
			if lisel := feedEntry(t, got, programme.FeedSpeaker, "lisel-fronz", now, cyberID); lisel == nil ||
				lisel.Removed || lisel.Sequence != cyber.Sequence+seminar.Sequence {
				t.Errorf("Lisel's slot = %+v, want it as it is", lisel)
			}
		})
		if !ok {
			t.FailNow()
		}
	}
}

// TestTakenOffASlotLeavesTheFeedsAfter30Days: the tombstone of a slot Chris
// was taken off lasts 30 days from the import that took him off.
func TestTakenOffASlotLeavesTheFeedsAfter30Days(t *testing.T) {
	s, clock := openClocked(t)
	storetest.MustImport(t, s, sample.Demo(t))
	removedAt := clock.Advance(time.Hour)
	storetest.MustImport(t, s, demoWithCyberSpeakers(t, "lisel-fronz"))
	p := mustLoad(t, s, demo.Slug)
	for _, kind := range []programme.FeedKind{programme.FeedPerson, programme.FeedSpeaker} {
		for _, tt := range []struct {
			name    string
			now     time.Time
			present bool
		}{
			{"on the last second", removedAt.Add(programme.TombstoneTTL - time.Second), true},
			{"after 30 days", removedAt.Add(programme.TombstoneTTL), false},
		} {
			t.Run(string(kind)+"/"+tt.name, func(t *testing.T) {
				e := feedEntry(t, p, kind, "chris-painter", tt.now, cyberID)
				if (e != nil) != tt.present {
					t.Fatalf("slot in the feed: %v, want %v", e != nil, tt.present)
				}
				if e != nil && (!e.Removed || e.Status != programme.StatusCancelled) {
					t.Errorf("Removed %v Status %q, want a cancelled tombstone", e.Removed, e.Status)
				}
			})
		}
	}
}

// feedEntry returns the entry id of a feed at now, or nil when the feed has none.
func feedEntry(t *testing.T, p *programme.Programme, kind programme.FeedKind, key string, now time.Time, id string) *programme.Entry {
	t.Helper()
	entries, err := p.FeedEntries(kind, key, now)
	if err != nil {
		t.Fatalf("FeedEntries(%s, %s): %v", kind, key, err)
	}
	for i := range entries {
		if entries[i].ID == id {
			return &entries[i]
		}
	}
	return nil
}

// TestSlotSpeakerMigration: migration 0003 keeps the speakers stored before
// it as active and never changed, since the slot's last change, and its Down
// step keeps only the current speakers.
func TestSlotSpeakerMigration(t *testing.T) {
	s, clock := openClocked(t)
	storetest.MustImport(t, s, sample.Demo(t))
	t1 := clock.Advance(time.Hour)
	storetest.MustImport(t, s, demoWithCyberSpeakers(t, "lisel-fronz")) // chris-painter is now inactive

	provider := migrationsOf(t, s)
	if _, err := provider.DownTo(t.Context(), 2); err != nil {
		t.Fatalf("migrating down to 0002: %v", err)
	}
	var people []string
	if err := s.DB().Table("slot_speakers").
		Joins("JOIN slots ON slots.id = slot_speakers.slot_id").Where("slots.key = ?", "cyber").
		Order("slot_speakers.position").Pluck("slot_speakers.person", &people).Error; err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(people, []string{"lisel-fronz"}) {
		t.Errorf("cyber speakers under 0002: %v, want only the current lisel-fronz", people)
	}
	for _, column := range []string{"active", "changes", "changed_at"} {
		if s.DB().Migrator().HasColumn("slot_speakers", column) {
			t.Errorf("slot_speakers.%s is still there under 0002", column)
		}
	}

	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrating up again: %v", err)
	}
	seminar := sessionByKey(t, mustLoad(t, s, demo.Slug), "day0-seminar")
	for _, tt := range []struct {
		slot string
		want []programme.Member
	}{
		// The cyber slot last changed when Chris was taken off.
		{"cyber", []programme.Member{{Person: "lisel-fronz", Active: true, ChangedAt: t1.UTC()}}},
		{"isoc", []programme.Member{
			{Person: "sally-wentworth", Active: true, ChangedAt: t0.UTC()},
			{Person: "raul-echeberria", Active: true, ChangedAt: t0.UTC()},
			{Person: "joyce", Active: true, ChangedAt: t0.UTC()},
			{Person: "noel", Active: true, ChangedAt: t0.UTC()},
		}},
	} {
		if got := slotByKey(t, seminar, tt.slot).FormerSpeakers; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s FormerSpeakers after 0003 = %+v, want %+v", tt.slot, got, tt.want)
		}
	}
}
