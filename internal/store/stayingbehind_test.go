package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// TestImportStayingBehindHistory: a rider who stays behind, rides again and
// stays behind again keeps one entry whose Changes rises at every step, so
// that their feed's SEQUENCE for the run rises too (1, 2, 3 over the run's
// own) and the run is a tombstone only while they stay behind. Importing the
// same file again changes nothing.
func TestImportStayingBehindHistory(t *testing.T) {
	const omarNote, omarNewNote, syedNote = "Takes the IGF shuttle.", "Stays for the side meeting.", "Stays for the reception."
	omar := programme.StayingBehind{Person: "omar-ansari", Note: omarNote, Active: true}
	omarNew := programme.StayingBehind{Person: "omar-ansari", Note: omarNewNote, Active: true}
	syed := programme.StayingBehind{Person: "syed-shah", Note: syedNote, Active: true}
	// entry is a stored entry as Programme should return it; since is the
	// step (hours after t0) at which it last changed.
	type entry struct {
		person, note string
		active       bool
		changes      int
		since        int
	}
	steps := []struct {
		name   string
		list   []programme.StayingBehind // the file's staying_behind
		change bool                      // whether the import changes anything
		want   []entry
		// omarSequence is what Omar's feed adds to the run's SEQUENCE;
		// omarRemoved whether his feed shows the run as a tombstone.
		omarSequence int
		omarRemoved  bool
	}{
		{"stays behind", []programme.StayingBehind{omar}, true,
			[]entry{{"omar-ansari", omarNote, true, 1, 0}}, 1, true},
		{"same file again", []programme.StayingBehind{omar}, false,
			[]entry{{"omar-ansari", omarNote, true, 1, 0}}, 1, true},
		{"rides again", nil, true,
			[]entry{{"omar-ansari", omarNote, false, 2, 2}}, 2, false},
		{"same file again after riding again", nil, false,
			[]entry{{"omar-ansari", omarNote, false, 2, 2}}, 2, false},
		{"stays behind again, after another rider", []programme.StayingBehind{syed, omarNew}, true,
			[]entry{{"syed-shah", syedNote, true, 1, 4}, {"omar-ansari", omarNewNote, true, 3, 4}}, 3, true},
		{"same file again after staying behind again", []programme.StayingBehind{syed, omarNew}, false,
			[]entry{{"syed-shah", syedNote, true, 1, 4}, {"omar-ansari", omarNewNote, true, 3, 4}}, 3, true},
		{"a note and the order change, not the history", []programme.StayingBehind{omar, syed}, true,
			[]entry{{"omar-ansari", omarNote, true, 3, 4}, {"syed-shah", syedNote, true, 1, 4}}, 3, true},
		{"inactive entries come after the active ones", []programme.StayingBehind{syed}, true,
			[]entry{{"syed-shah", syedNote, true, 1, 4}, {"omar-ansari", omarNote, false, 4, 7}}, 4, false},
		{"an inactive entry given back to Import is not on the list", []programme.StayingBehind{
			syed, {Person: "omar-ansari", Note: omarNote, Active: false, Changes: 4, Since: t0}}, false,
			[]entry{{"syed-shah", syedNote, true, 1, 4}, {"omar-ansari", omarNote, false, 4, 7}}, 4, false},
	}

	s, clock := openClocked(t)
	var version int64
	previous := -1
	for i, step := range steps {
		ok := t.Run(step.name, func(t *testing.T) {
			now := t0.Add(time.Duration(i) * time.Hour)
			clock.Advance(now.Sub(clock.Now()))
			p := fixture(t)
			p.Transport[0].StayingBehind = step.list
			report := storetest.MustImport(t, s, p)
			if report.Changed != step.change {
				t.Errorf("report = %+v, want Changed %v", report, step.change)
			}
			if step.change {
				version++
			}

			got := mustLoad(t, s, p.Slug)
			if got.Version != version {
				t.Errorf("Version = %d, want %d", got.Version, version)
			}
			bus := runByKey(t, got, "day0-bus")
			want := make([]programme.StayingBehind, len(step.want))
			for j, e := range step.want {
				want[j] = programme.StayingBehind{Person: e.person, Note: e.note, Active: e.active, Changes: e.changes,
					Since: t0.Add(time.Duration(e.since) * time.Hour).UTC()}
			}
			if !reflect.DeepEqual(bus.StayingBehind, want) {
				t.Errorf("StayingBehind =\n%+v\nwant\n%+v", bus.StayingBehind, want)
			}
			// Staying behind is one rider's business: the run's own SEQUENCE stays.
			if bus.Sequence != 0 {
				t.Errorf("run Sequence = %d, want 0", bus.Sequence)
			}

			entries, err := got.FeedEntries(programme.FeedPerson, "omar-ansari", now)
			if err != nil {
				t.Fatal(err)
			}
			var run *programme.Entry
			for j := range entries {
				if entries[j].ID == "run/day0-bus" {
					run = &entries[j]
				}
			}
			if run == nil {
				t.Fatalf("no run/day0-bus in Omar's feed")
			}
			if run.Sequence != bus.Sequence+step.omarSequence || run.Removed != step.omarRemoved {
				t.Errorf("Omar's run: Sequence %d Removed %v, want %d and %v",
					run.Sequence, run.Removed, bus.Sequence+step.omarSequence, step.omarRemoved)
			}
			if run.Sequence < previous {
				t.Errorf("Omar's SEQUENCE fell from %d to %d", previous, run.Sequence)
			}
			previous = run.Sequence
		})
		if !ok {
			t.FailNow()
		}
	}
}

// TestStayingBehindMigration: migration 0002 keeps the entries stored before
// it as active and recorded once, and its Down step keeps the active entries.
func TestStayingBehindMigration(t *testing.T) {
	s, clock := openClocked(t)
	p := fixture(t)
	p.Transport[0].StayingBehind = append(p.Transport[0].StayingBehind,
		programme.StayingBehind{Person: "syed-shah", Note: "Stays for the reception.", Active: true})
	storetest.MustImport(t, s, p)
	clock.Advance(time.Hour)
	p.Transport[0].StayingBehind = p.Transport[0].StayingBehind[:1]
	storetest.MustImport(t, s, p) // syed-shah is now inactive

	provider := migrationsOf(t, s)
	if _, err := provider.DownTo(t.Context(), 1); err != nil {
		t.Fatalf("migrating down to 0001: %v", err)
	}
	var people []string
	if err := s.DB().Table("staying_behind").Order("position").Pluck("person", &people).Error; err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(people, []string{"omar-ansari"}) {
		t.Errorf("staying behind under 0001: %v, want only the active omar-ansari", people)
	}

	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrating up again: %v", err)
	}
	got := runByKey(t, mustLoad(t, s, p.Slug), "day0-bus").StayingBehind
	want := []programme.StayingBehind{{Person: "omar-ansari", Note: "Takes the IGF shuttle.", Active: true, Changes: 1, Since: t0.UTC()}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("StayingBehind after 0002 = %+v, want %+v", got, want)
	}
}
