package store_test

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

func TestImportRoundTrip(t *testing.T) {
	s, _ := openClocked(t)
	in := fixture(t)
	report := storetest.MustImport(t, s, in)
	// 2 venues, 2 rooms, 2 delegations, 5 people, 3 sessions, 2 slots, 2 runs.
	if want := (reportCounts{Created: 18, Changed: true}); counts(report) != want {
		t.Errorf("report = %+v, want %+v", report, want)
	}
	got := mustLoad(t, s, in.Slug)
	if !reflect.DeepEqual(stripStored(got), in) {
		t.Errorf("loaded programme differs from the imported one:\n got %+v\nwant %+v", stripStored(got), in)
	}
	if got.Version != 1 || !got.UpdatedAt.Equal(t0) || got.UpdatedAt.Location() != time.UTC {
		t.Errorf("Version=%d UpdatedAt=%v, want 1 and %v in UTC", got.Version, got.UpdatedAt, t0.UTC())
	}
	seminar := sessionByKey(t, got, "day0-seminar")
	if want := (programme.Change{Sequence: 0, ModifiedAt: t0.UTC(), ShownAt: t0.UTC(), CreatedAt: t0.UTC()}); seminar.Change != want {
		t.Errorf("new session Change = %+v, want %+v", seminar.Change, want)
	}
	if len(seminar.Audience.Former) != 3 {
		t.Errorf("Former = %+v, want all 3 members", seminar.Audience.Former)
	}
	for _, m := range seminar.Audience.Former {
		if !m.Active || m.Changes != 0 || !m.ChangedAt.Equal(t0) {
			t.Errorf("new member %+v, want active, no changes, changed at %v", m, t0)
		}
	}
	if since := runByKey(t, got, "day0-bus").StayingBehind[0].Since; !since.Equal(t0) {
		t.Errorf("StayingBehind.Since = %v, want %v", since, t0)
	}
}

func TestImportTwiceChangesNothing(t *testing.T) {
	s, clock := openClocked(t)
	storetest.MustImport(t, s, fixture(t))
	before := mustLoad(t, s, "igf2016-cldp")
	clock.Advance(time.Hour)
	report := storetest.MustImport(t, s, fixture(t))
	if want := (reportCounts{Unchanged: 18}); counts(report) != want {
		t.Errorf("second import report = %+v, want %+v", report, want)
	}
	after := mustLoad(t, s, "igf2016-cldp")
	if !reflect.DeepEqual(before, after) {
		t.Errorf("second import changed the programme:\nbefore %+v\n after %+v", before, after)
	}
}

func TestImportSequenceAndModifiedAt(t *testing.T) {
	type check struct {
		item     string // "session:key", "slot:session/key", "run:key", "room:key" or "venue:key"
		sequence int
		modified bool
	}
	tests := []struct {
		name  string
		edit  func(p *programme.Programme)
		check check
	}{
		{"session time", func(p *programme.Programme) { p.Sessions[1].EndsAt = p.Sessions[1].EndsAt.Add(15 * time.Minute) },
			check{"session:day0-seminar", 1, true}},
		{"session zone", func(p *programme.Programme) { p.Sessions[1].TimeZone = "America/Chicago" },
			check{"session:day0-seminar", 1, true}},
		// Naming the programme's own zone, or dropping an explicit
		// "confirmed", changes nothing a calendar shows.
		{"session zone named as the programme's", func(p *programme.Programme) { p.Sessions[1].TimeZone = "America/Mexico_City" },
			check{"session:day0-seminar", 0, true}},
		{"session status confirmed left implicit", func(p *programme.Programme) { p.Sessions[1].Status = "" },
			check{"session:day0-seminar", 0, true}},
		{"run zone left to the programme", func(p *programme.Programme) { p.Transport[0].TimeZone = "" },
			check{"run:day0-bus", 0, true}},
		{"run status confirmed left implicit", func(p *programme.Programme) { p.Transport[0].Status = "" },
			check{"run:day0-bus", 0, true}},
		{"run zone", func(p *programme.Programme) { p.Transport[0].TimeZone = "America/Chicago" },
			check{"run:day0-bus", 1, true}},
		{"session room", func(p *programme.Programme) { p.Sessions[1].Room = "main-hall" },
			check{"session:day0-seminar", 1, true}},
		{"session title", func(p *programme.Programme) { p.Sessions[1].Title = "Seminar" },
			check{"session:day0-seminar", 1, true}},
		{"session status", func(p *programme.Programme) { p.Sessions[1].Status = "cancelled" },
			check{"session:day0-seminar", 1, true}},
		{"session description", func(p *programme.Programme) { p.Sessions[1].Description = "New text." },
			check{"session:day0-seminar", 0, true}},
		{"session required", func(p *programme.Programme) { p.Sessions[1].Required = false },
			check{"session:day0-seminar", 0, true}},
		{"session audience", func(p *programme.Programme) { p.Sessions[1].Audience.People = nil },
			check{"session:day0-seminar", 0, true}},
		{"slot time", func(p *programme.Programme) {
			p.Sessions[1].Slots[0].EndsAt = p.Sessions[1].Slots[0].EndsAt.Add(time.Minute)
		},
			check{"slot:day0-seminar/welcome", 1, true}},
		{"slot speakers", func(p *programme.Programme) { p.Sessions[1].Slots[1].Speakers = []string{"joe-gattuso"} },
			check{"slot:day0-seminar/isoc", 0, true}},
		{"slot note", func(p *programme.Programme) { p.Sessions[1].Slots[1].Note = "" },
			check{"slot:day0-seminar/isoc", 0, true}},
		{"run departure", func(p *programme.Programme) {
			// The decided time moves with it, as a valid file has it.
			p.Transport[0].DepartsAt = p.Transport[0].DepartsAt.Add(15 * time.Minute)
			p.Transport[0].Poll.Decided = "17:30"
		},
			check{"run:day0-bus", 1, true}},
		{"run destination", func(p *programme.Programme) { p.Transport[0].To = "Grand Fiesta Americana" },
			check{"run:day0-bus", 1, true}},
		{"run note", func(p *programme.Programme) { p.Transport[0].Note = "Meet at gate 3." },
			check{"run:day0-bus", 0, true}},
		{"run poll reopened", func(p *programme.Programme) { p.Transport[0].Poll.Decided = "" },
			check{"run:day0-bus", 0, true}},
		{"run vote", func(p *programme.Programme) { p.Transport[0].Poll.Votes = p.Transport[0].Poll.Votes[:1] },
			check{"run:day0-bus", 0, true}},
		{"run riders", func(p *programme.Programme) { p.Transport[0].Riders.People = nil },
			check{"run:day0-bus", 0, true}},
		{"run staying behind", func(p *programme.Programme) { p.Transport[0].StayingBehind[0].Note = "Stays." },
			check{"run:day0-bus", 0, true}},
		{"room reservation (other items untouched)", func(p *programme.Programme) { p.Rooms[0].Reservations[1].Status = "released" },
			check{"session:day0-seminar", 0, false}},
		{"venue name (other items untouched)", func(p *programme.Programme) { p.Venues[0].Name = "Expo" },
			check{"run:day0-bus", 0, false}},
		// A room's or venue's Sequence rises only with what an event's
		// LOCATION shows of it; ModifiedAt moves on any change.
		{"room reservation", func(p *programme.Programme) { p.Rooms[0].Reservations[1].Status = "released" },
			check{"room:room-10", 0, true}},
		{"room capacity", func(p *programme.Programme) { p.Rooms[0].Capacity = 41 },
			check{"room:room-10", 0, true}},
		{"room name", func(p *programme.Programme) { p.Rooms[0].Name = "Room 10" },
			check{"room:room-10", 1, true}},
		{"room venue", func(p *programme.Programme) { p.Rooms[0].Venue = "hotel" },
			check{"room:room-10", 1, true}},
		{"room venue left out", func(p *programme.Programme) { p.Rooms[0].Venue = "" },
			check{"room:room-10", 1, true}},
		{"venue name", func(p *programme.Programme) { p.Venues[0].Name = "Expo" },
			check{"venue:expo", 1, true}},
		{"venue address", func(p *programme.Programme) { p.Venues[0].Address = "Guadalajara" },
			check{"venue:expo", 1, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := openClocked(t)
			storetest.MustImport(t, s, fixture(t))
			t1 := clock.Advance(time.Hour)
			edited := fixture(t)
			tt.edit(edited)
			report := storetest.MustImport(t, s, edited)
			if !report.Changed || report.Updated != 1 {
				t.Errorf("report = %+v, want one item updated", report)
			}
			got := mustLoad(t, s, edited.Slug)
			if got.Version != 2 || !got.UpdatedAt.Equal(t1) {
				t.Errorf("Version=%d UpdatedAt=%v, want 2 and %v", got.Version, got.UpdatedAt, t1)
			}
			if !reflect.DeepEqual(stripStored(got), edited) {
				t.Errorf("stored programme is not the edited one:\n got %+v\nwant %+v", stripStored(got), edited)
			}
			var change programme.Change
			kind, key, _ := strings.Cut(tt.check.item, ":")
			switch kind {
			case "session":
				change = sessionByKey(t, got, key).Change
			case "slot":
				session, slot, _ := strings.Cut(key, "/")
				change = slotByKey(t, sessionByKey(t, got, session), slot).Change
			case "run":
				change = runByKey(t, got, key).Change
			case "room":
				change = roomByKey(t, got, key).Change
			case "venue":
				change = venueByKey(t, got, key).Change
			default:
				t.Fatalf("unknown item %q", tt.check.item)
			}
			wantModified := t0
			if tt.check.modified {
				wantModified = t1
			}
			if change.Sequence != tt.check.sequence || !change.ModifiedAt.Equal(wantModified) || !change.CreatedAt.Equal(t0) {
				t.Errorf("%s: Change = %+v, want Sequence %d, ModifiedAt %v, CreatedAt %v",
					tt.check.item, change, tt.check.sequence, wantModified.UTC(), t0.UTC())
			}
			// A second import of the same edit changes nothing more.
			clock.Advance(time.Hour)
			if report := storetest.MustImport(t, s, edited); report.Changed {
				t.Errorf("re-import of the edit: %+v, want no change", report)
			}
		})
	}
}

func TestImportAudienceHistory(t *testing.T) {
	s, clock := openClocked(t)
	storetest.MustImport(t, s, fixture(t))

	t1 := clock.Advance(time.Hour)
	removed := fixture(t)
	removed.Sessions[1].Audience.Delegations = []string{"af"}
	storetest.MustImport(t, s, removed)
	seminar := sessionByKey(t, mustLoad(t, s, removed.Slug), "day0-seminar")
	wantFormer := []programme.Member{
		{Delegation: "af", Active: true, ChangedAt: t0.UTC()},
		{Person: "jordan-solomon", Active: true, ChangedAt: t0.UTC()},
		{Delegation: "pk", Active: false, Changes: 1, ChangedAt: t1.UTC()},
	}
	if !reflect.DeepEqual(seminar.Audience.Delegations, []string{"af"}) || !reflect.DeepEqual(seminar.Audience.People, []string{"jordan-solomon"}) {
		t.Errorf("current audience = %+v, want af and jordan-solomon", seminar.Audience)
	}
	if !reflect.DeepEqual(seminar.Audience.Former, wantFormer) {
		t.Errorf("Former after removal = %+v, want %+v", seminar.Audience.Former, wantFormer)
	}
	if seminar.Sequence != 0 || !seminar.ModifiedAt.Equal(t1) {
		t.Errorf("session Change = %+v, want Sequence 0 and ModifiedAt %v", seminar.Change, t1)
	}

	t2 := clock.Advance(time.Hour)
	storetest.MustImport(t, s, fixture(t))
	seminar = sessionByKey(t, mustLoad(t, s, removed.Slug), "day0-seminar")
	wantFormer = []programme.Member{
		{Delegation: "af", Active: true, ChangedAt: t0.UTC()},
		{Delegation: "pk", Active: true, Changes: 2, ChangedAt: t2.UTC()},
		{Person: "jordan-solomon", Active: true, ChangedAt: t0.UTC()},
	}
	if !reflect.DeepEqual(seminar.Audience.Former, wantFormer) {
		t.Errorf("Former after adding back = %+v, want %+v", seminar.Audience.Former, wantFormer)
	}
	if !reflect.DeepEqual(seminar.Audience.Delegations, []string{"af", "pk"}) {
		t.Errorf("Delegations = %v, want [af pk]", seminar.Audience.Delegations)
	}

	// Riders follow the same rules.
	clock.Advance(time.Hour)
	noJoe := fixture(t)
	noJoe.Transport[0].Riders.People = nil
	storetest.MustImport(t, s, noJoe)
	bus := runByKey(t, mustLoad(t, s, removed.Slug), "day0-bus")
	if len(bus.Riders.People) != 0 || len(bus.Riders.Former) != 3 || bus.Riders.Former[2].Active || bus.Riders.Former[2].Changes != 1 {
		t.Errorf("riders after removing joe-gattuso = %+v", bus.Riders)
	}
}

func TestImportStayingBehindKeepsSince(t *testing.T) {
	s, clock := openClocked(t)
	storetest.MustImport(t, s, fixture(t))
	t1 := clock.Advance(time.Hour)
	edited := fixture(t)
	edited.Transport[0].StayingBehind = append(edited.Transport[0].StayingBehind,
		programme.StayingBehind{Person: "syed-shah", Note: "Stays for the reception.", Active: true})
	storetest.MustImport(t, s, edited)
	got := runByKey(t, mustLoad(t, s, edited.Slug), "day0-bus").StayingBehind
	if len(got) != 2 || !got[0].Since.Equal(t0) || !got[1].Since.Equal(t1) {
		t.Errorf("StayingBehind = %+v, want omar-ansari since %v and syed-shah since %v", got, t0, t1)
	}
}

func TestImportPrune(t *testing.T) {
	partial := func(t *testing.T) *programme.Programme {
		p := fixture(t)
		p.Venues = p.Venues[:1]                                     // hotel missing: venues are never pruned
		p.Sessions = p.Sessions[:2]                                 // day0-lunch missing
		p.Sessions[1].Slots = p.Sessions[1].Slots[1:]               // welcome missing
		p.Transport = p.Transport[:1]                               // walk-back missing
		p.Sessions[0], p.Sessions[1] = p.Sessions[1], p.Sessions[0] // and reordered
		return p
	}
	tests := []struct {
		name          string
		prune         bool
		wantStatus    string
		wantSequence  int
		wantCancelled int
	}{
		{"without prune items are left alone", false, "", 0, 0},
		{"prune cancels sessions, slots and runs", true, programme.StatusCancelled, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := openClocked(t)
			storetest.MustImport(t, s, fixture(t))
			original := mustLoad(t, s, "igf2016-cldp")
			clock.Advance(time.Hour)
			report := mustImportOpt(t, s, partial(t), store.ImportOptions{Prune: tt.prune})
			assertRestorable(t, mustLoad(t, s, "igf2016-cldp"))
			if report.Cancelled != tt.wantCancelled || !report.Changed {
				t.Errorf("report = %+v, want %d cancelled and a change (the order changed)", report, tt.wantCancelled)
			}
			got := mustLoad(t, s, "igf2016-cldp")
			var keys []string
			for _, s := range got.Sessions {
				keys = append(keys, s.Key)
			}
			if want := []string{"day0-seminar", "dc-day1", "day0-lunch"}; !reflect.DeepEqual(keys, want) {
				t.Errorf("session order = %v, want %v", keys, want)
			}
			if len(got.Venues) != 2 || got.Venues[1].Key != "hotel" {
				t.Errorf("venues = %+v, want hotel kept after expo", got.Venues)
			}
			missing := []struct {
				status   string
				original string
				change   programme.Change
			}{
				{sessionByKey(t, got, "day0-lunch").Status, "tentative", sessionByKey(t, got, "day0-lunch").Change},
				{slotByKey(t, sessionByKey(t, got, "day0-seminar"), "welcome").Status, "", slotByKey(t, sessionByKey(t, got, "day0-seminar"), "welcome").Change},
				{runByKey(t, got, "walk-back").Status, "tentative", runByKey(t, got, "walk-back").Change},
			}
			for i, m := range missing {
				want := m.original
				if tt.wantStatus != "" {
					want = tt.wantStatus
				}
				if m.status != want || m.change.Sequence != tt.wantSequence {
					t.Errorf("missing item %d: status %q sequence %d, want %q and %d", i, m.status, m.change.Sequence, want, tt.wantSequence)
				}
			}
			// A slot the file leaves out is left alone, in its place.
			if slots := sessionByKey(t, got, "day0-seminar").Slots; slots[0].Key != "welcome" || slots[1].Key != "isoc" {
				t.Errorf("slot order = %s, %s; want welcome, then isoc", slots[0].Key, slots[1].Key)
			}
			// The missing items keep their contents otherwise.
			if got, want := sessionByKey(t, got, "day0-lunch").Title, sessionByKey(t, original, "day0-lunch").Title; got != want {
				t.Errorf("pruned session title = %q, want %q", got, want)
			}
			clock.Advance(time.Hour)
			if report := mustImportOpt(t, s, partial(t), store.ImportOptions{Prune: tt.prune}); report.Changed {
				t.Errorf("repeating the import: %+v, want no change", report)
			}
		})
	}
}

func TestImportIsAllOrNothing(t *testing.T) {
	tests := []struct {
		name string
		edit func(p *programme.Programme)
		code string
	}{
		{"vote by an unknown person, last thing written", func(p *programme.Programme) {
			p.Transport[0].Poll.Votes = append(p.Transport[0].Poll.Votes, programme.Vote{Person: "nobody", Option: "17:15"})
		}, programme.EINVALID},
		{"delegation lead unknown", func(p *programme.Programme) {
			p.Delegations[0].Lead = "nobody"
		}, programme.EINVALID},
		{"session in an unknown room", func(p *programme.Programme) {
			p.Sessions[2].Room = "attic"
		}, programme.EINVALID},
		{"slot key twice", func(p *programme.Programme) {
			p.Sessions[1].Slots = append(p.Sessions[1].Slots, p.Sessions[1].Slots[0])
		}, programme.EINVALID},
		{"speaker twice in a slot", func(p *programme.Programme) {
			p.Sessions[1].Slots[0].Speakers = []string{"joe-gattuso", "joe-gattuso"}
		}, programme.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := openClocked(t)
			storetest.MustImport(t, s, fixture(t))
			before := mustLoad(t, s, "igf2016-cldp")
			clock.Advance(time.Hour)
			bad := fixture(t)
			// Changes that would succeed come first, so that a partial
			// import would show.
			bad.Title = "Changed"
			bad.Sessions[0].Title = "Changed"
			bad.People = append(bad.People, programme.Person{Key: "new-person", Name: "New", Role: "other"})
			tt.edit(bad)
			_, err := s.Import(t.Context(), bad, store.ImportOptions{})
			if code := programme.ErrorCode(err); code != tt.code {
				t.Fatalf("Import error %v (code %q), want code %q", err, code, tt.code)
			}
			msg := programme.ErrorMessage(err)
			for _, leak := range []string{"constraint", "FOREIGN", "SQLSTATE", "fkey", "idx_"} {
				if strings.Contains(msg, leak) {
					t.Errorf("message %q shows database internals (%q)", msg, leak)
				}
			}
			if after := mustLoad(t, s, "igf2016-cldp"); !reflect.DeepEqual(before, after) {
				t.Errorf("a failed import changed the database:\nbefore %+v\n after %+v", before, after)
			}
		})
	}
}

func TestImportRefusesNoSlug(t *testing.T) {
	s := storetest.Open(t)
	for _, p := range []*programme.Programme{nil, {}} {
		if _, err := s.Import(t.Context(), p, store.ImportOptions{}); programme.ErrorCode(err) != programme.EINVALID {
			t.Errorf("Import(%v) = %v, want EINVALID", p, err)
		}
	}
}

func TestProgrammeQueryCountIsFixed(t *testing.T) {
	s := storetest.Open(t)
	small, large := fixture(t), largeFixture(t, 60)
	storetest.MustImport(t, s, small)
	storetest.MustImport(t, s, large)
	counts := map[string]int64{}
	for _, p := range []*programme.Programme{small, large} {
		n := countQueries(t, s)
		got := mustLoad(t, s, p.Slug)
		counts[p.Slug] = n.Load()
		if len(got.Sessions) != len(p.Sessions) {
			t.Fatalf("%s: %d sessions loaded, want %d", p.Slug, len(got.Sessions), len(p.Sessions))
		}
		if !reflect.DeepEqual(stripStored(got), p) {
			t.Errorf("%s: loaded programme differs from the imported one", p.Slug)
		}
		// Each count registers callbacks anew; reopen the counter by name.
		s.DB().Callback().Query().Remove("storetest:count_query")
		s.DB().Callback().Row().Remove("storetest:count_row")
		s.DB().Callback().Raw().Remove("storetest:count_raw")
		s.DB().Callback().Create().Remove("storetest:count_create")
		s.DB().Callback().Update().Remove("storetest:count_update")
		s.DB().Callback().Delete().Remove("storetest:count_delete")
	}
	t.Logf("queries per load: %v", counts)
	if counts[small.Slug] == 0 || counts[small.Slug] != counts[large.Slug] {
		t.Errorf("queries: %d for %d sessions, %d for %d sessions; want the same, non-zero",
			counts[small.Slug], len(small.Sessions), counts[large.Slug], len(large.Sessions))
	}
}

func TestConcurrentImports(t *testing.T) {
	s := storetest.Open(t)
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers)
	for i := range writers {
		wg.Add(2)
		// Half the writers import their own programme, half import the same
		// one: a first import racing another must not fail on the slug.
		go func() {
			defer wg.Done()
			p := largeFixture(t, 5+i)
			_, err := s.Import(t.Context(), p, store.ImportOptions{})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := s.Import(t.Context(), fixture(t), store.ImportOptions{})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			var e *programme.Error
			errors.As(err, &e)
			t.Errorf("concurrent import: %v (cause %v)", err, e.Err)
		}
	}
	if v, _, err := s.ProgrammeVersion(t.Context(), "igf2016-cldp"); err != nil || v != 1 {
		t.Errorf("ProgrammeVersion = %d, %v; want 1: identical imports after the first change nothing", v, err)
	}
	list, err := s.Programmes(t.Context())
	if err != nil || len(list) != writers+1 {
		t.Errorf("Programmes() = %d programmes, %v; want %d", len(list), err, writers+1)
	}
}

func TestImportProgrammeZoneRaisesSequenceOfItemsWithoutZone(t *testing.T) {
	s, _ := openClocked(t)
	storetest.MustImport(t, s, fixture(t))
	edited := fixture(t)
	// The instants stay; only the zone they are shown in changes, and with
	// it the TZID of every item that names no zone of its own.
	edited.TimeZone = "America/Chicago"
	storetest.MustImport(t, s, edited)
	got := mustLoad(t, s, edited.Slug)
	for _, c := range []struct {
		item     string
		sequence int
	}{
		{"walk-back", 1}, // no zone of its own
		{"day0-bus", 0},  // names America/Mexico_City
	} {
		if seq := runByKey(t, got, c.item).Sequence; seq != c.sequence {
			t.Errorf("%s: Sequence %d, want %d", c.item, seq, c.sequence)
		}
	}
	if seq := sessionByKey(t, got, "dc-day1").Sequence; seq != 0 {
		t.Errorf("dc-day1 (names America/New_York): Sequence %d, want 0", seq)
	}
}

// reportCounts is what an ImportReport counts, for comparing reports.
type reportCounts struct {
	Created, Updated, Unchanged, Cancelled int
	Changed                                bool
}

func counts(r store.ImportReport) reportCounts {
	return reportCounts{r.Created, r.Updated, r.Unchanged, r.Cancelled, r.Changed}
}
