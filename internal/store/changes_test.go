package store_test

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/ical"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

var emily = programme.Author{UserID: 0, Name: "Emily Skills", Email: "emily@example.org"}

func ref(kind, key string) programme.ItemRef { return programme.ItemRef{Kind: kind, Key: key} }

// mustChange applies req to the fixture's programme and fails the test on
// an error.
func mustChange(t *testing.T, s *store.Store, req programme.ChangeRequest) store.ChangeResult {
	t.Helper()
	if req.Source == "" {
		req.Source = programme.SourceWeb
	}
	res, err := s.Change(t.Context(), "igf2016-cldp", req)
	if err != nil {
		t.Fatalf("Change: %v", err)
	}
	return res
}

// exportOf is the programme as its file, the bytes an export writes.
func exportOf(t *testing.T, s *store.Store) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := exchange.Encode(&b, mustLoad(t, s, "igf2016-cldp")); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// runEdit is a batch that moves the bus to depart at hh:mm.
func runEdit(t *testing.T, p *programme.Programme, at string) *programme.Programme {
	t.Helper()
	b := header(t)
	r := *runByKey(t, p, "day0-bus")
	loc := p.Loc(r.TimeZone)
	d, err := programme.ParseLocal("2016-12-05T"+at, loc)
	if err != nil {
		t.Fatal(err)
	}
	r.DepartsAt = d
	// The poll decided the old time; an editor who moves the bus reopens it.
	poll := *r.Poll
	poll.Decided = ""
	r.Poll = &poll
	b.Transport = []programme.Run{r}
	return b
}

func TestChangeRecordsWhoChangedWhatAndRaisesSequence(t *testing.T) {
	s, clock := openClocked(t)
	mustImportOpt(t, s, fixture(t), store.ImportOptions{Author: programme.Author{Name: "planner import"}})
	before := mustLoad(t, s, "igf2016-cldp")
	clock.Advance(time.Hour)
	bus := ref(programme.KindRun, "day0-bus")
	res := mustChange(t, s, programme.ChangeRequest{
		Batch: runEdit(t, before, "17:30"), Author: emily,
		Expect: map[programme.ItemRef]string{bus: exchange.Revision(before, bus)},
	})
	if res.Change == nil || res.Change.ID == 0 {
		t.Fatalf("Change recorded nothing: %+v", res)
	}
	after := mustLoad(t, s, "igf2016-cldp")
	if got, want := runByKey(t, after, "day0-bus").Sequence, runByKey(t, before, "day0-bus").Sequence+1; got != want {
		t.Errorf("bus Sequence = %d, want %d", got, want)
	}
	if after.Version != before.Version+1 {
		t.Errorf("Version = %d, want %d", after.Version, before.Version+1)
	}
	history, err := s.History(t.Context(), "igf2016-cldp", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(history) != 2 {
		t.Fatalf("History has %d changes, want 2 (the import, the edit)", len(history))
	}
	edit, imported := history[0], history[1]
	if imported.Author.Name != "planner import" || imported.Source != programme.SourceImport {
		t.Errorf("import recorded as by %q from %q", imported.Author.Name, imported.Source)
	}
	if got := len(imported.Items); got < 10 || imported.Items[0].Ref.Kind != programme.KindProgramme || imported.Items[0].Action != store.ActionCreate {
		t.Errorf("import's items = %d, first %+v; want the programme created first, then every item", got, imported.Items[0].Ref)
	}
	if edit.Author.Name != "Emily Skills" || edit.Source != programme.SourceWeb || !edit.At.Equal(clock.Now()) {
		t.Errorf("edit recorded as by %q from %q at %v", edit.Author.Name, edit.Source, edit.At)
	}
	if got, want := edit.Summary, "Bus back to the hotel: 17:15 → 17:30, poll reopened"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	if len(edit.Items) != 1 {
		t.Fatalf("edit items = %+v, want the bus alone", edit.Items)
	}
	it := edit.Items[0]
	if it.Ref != bus || it.Action != store.ActionUpdate || !slices.Equal(it.Lines, []string{"17:15 → 17:30", "poll reopened"}) {
		t.Errorf("edit item = %+v", it)
	}
	if !strings.Contains(string(it.Before), `"departs_at":"2016-12-05T17:15"`) || !strings.Contains(string(it.After), `"departs_at":"2016-12-05T17:30"`) {
		t.Errorf("fragments before %s, after %s", it.Before, it.After)
	}
	if exchange.RevisionOf(it.After) != exchange.Revision(after, bus) {
		t.Error("the recorded fragment after the change is not the item as stored")
	}
}

func TestChangeRefusesAStaleRevision(t *testing.T) {
	s, clock := openClocked(t)
	mustImportOpt(t, s, fixture(t), store.ImportOptions{})
	opened := mustLoad(t, s, "igf2016-cldp")
	bus := ref(programme.KindRun, "day0-bus")
	rev := exchange.Revision(opened, bus)
	clock.Advance(time.Hour)
	mustChange(t, s, programme.ChangeRequest{Batch: runEdit(t, opened, "17:30"), Author: emily,
		Expect: map[programme.ItemRef]string{bus: rev}})
	saved := exportOf(t, s)

	// A second editor who opened the bus before Emily's save saves over it.
	_, err := s.Change(t.Context(), "igf2016-cldp", programme.ChangeRequest{
		Batch: runEdit(t, opened, "17:00"), Author: programme.Author{Name: "Ana"}, Source: programme.SourceWeb,
		Expect: map[programme.ItemRef]string{bus: rev},
	})
	if programme.ErrorCode(err) != programme.ECONFLICT {
		t.Fatalf("stale save: %v, want ECONFLICT", err)
	}
	var stale *programme.Stale
	if !errors.As(err, &stale) {
		t.Fatalf("stale save: %v carries no *programme.Stale", err)
	}
	if stale.Item != bus || stale.By != "Emily Skills" || !stale.At.Equal(clock.Now()) ||
		stale.Current != exchange.Revision(mustLoad(t, s, "igf2016-cldp"), bus) {
		t.Errorf("Stale = %+v", stale)
	}
	if msg := programme.ErrorMessage(err); !strings.Contains(msg, "Emily Skills changed this run") {
		t.Errorf("message %q does not say who changed the run", msg)
	}
	if !bytes.Equal(exportOf(t, s), saved) {
		t.Error("the refused save changed the programme")
	}
	if h, _ := s.History(t.Context(), "igf2016-cldp", 0); len(h) != 2 {
		t.Errorf("History has %d changes, want 2: the refused save recorded", len(h))
	}
}

func TestChangeRemovesItems(t *testing.T) {
	t.Run("sessions, slots and runs are cancelled and kept", func(t *testing.T) {
		s, _ := openClocked(t)
		mustImportOpt(t, s, fixture(t), store.ImportOptions{})
		before := mustLoad(t, s, "igf2016-cldp")
		res := mustChange(t, s, programme.ChangeRequest{Author: emily, Remove: []programme.ItemRef{
			ref(programme.KindSession, "day0-lunch"), ref(programme.KindSlot, "day0-seminar/welcome"), ref(programme.KindRun, "walk-back"),
		}})
		after := mustLoad(t, s, "igf2016-cldp")
		for _, st := range []string{
			sessionByKey(t, after, "day0-lunch").Status,
			slotByKey(t, sessionByKey(t, after, "day0-seminar"), "welcome").Status,
			runByKey(t, after, "walk-back").Status,
		} {
			if st != programme.StatusCancelled {
				t.Errorf("status %q, want cancelled", st)
			}
		}
		if got, want := runByKey(t, after, "walk-back").Sequence, runByKey(t, before, "walk-back").Sequence+1; got != want {
			t.Errorf("walk-back Sequence = %d, want %d", got, want)
		}
		var actions []string
		for _, it := range res.Change.Items {
			actions = append(actions, it.Ref.String()+" "+it.Action)
		}
		want := []string{"session:day0-lunch cancel", "slot:day0-seminar/welcome cancel", "run:walk-back cancel"}
		if !slices.Equal(actions, want) {
			t.Errorf("items = %q, want %q", actions, want)
		}
	})
	t.Run("a person something refers to is not deleted", func(t *testing.T) {
		s, _ := openClocked(t)
		mustImportOpt(t, s, fixture(t), store.ImportOptions{})
		saved := exportOf(t, s)
		_, err := s.Change(t.Context(), "igf2016-cldp", programme.ChangeRequest{Author: emily,
			Remove: []programme.ItemRef{ref(programme.KindPerson, "syed-shah")}})
		if programme.ErrorCode(err) != programme.EINVALID {
			t.Fatalf("deleting syed-shah: %v, want EINVALID", err)
		}
		msg := programme.ErrorMessage(err)
		for _, want := range []string{`delegation "pk" has them as its lead`, `run "walk-back" has them among its riders`, `poll of run "day0-bus"`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q (message %q) does not say %s", err, msg, want)
			}
		}
		if !bytes.Equal(exportOf(t, s), saved) {
			t.Error("the refused deletion changed the programme")
		}
	})
	t.Run("a person only histories name is deleted with them", func(t *testing.T) {
		s, _ := openClocked(t)
		// Jordan comes first, so that the others have to close up.
		stored := fixture(t)
		jordanAt := len(stored.People) - 1
		stored.People = append([]programme.Person{stored.People[jordanAt]}, stored.People[:jordanAt]...)
		mustImportOpt(t, s, stored, store.ImportOptions{})
		p := mustLoad(t, s, "igf2016-cldp")
		// Jordan leaves the seminar's audience: the audience keeps a
		// former-member row naming them.
		b := header(t)
		seminar := *sessionByKey(t, p, "day0-seminar")
		seminar.Audience.People, seminar.Slots = nil, nil
		b.Sessions = []programme.Session{seminar}
		mustChange(t, s, programme.ChangeRequest{Batch: b, Author: emily})
		jordan := ref(programme.KindPerson, "jordan-solomon")
		res := mustChange(t, s, programme.ChangeRequest{Author: emily, Remove: []programme.ItemRef{jordan}})
		after := mustLoad(t, s, "igf2016-cldp")
		if after.Person("jordan-solomon") != nil {
			t.Fatal("jordan-solomon is still there")
		}
		for _, m := range sessionByKey(t, after, "day0-seminar").Audience.Former {
			if m.Person == "jordan-solomon" {
				t.Error("the audience still remembers the deleted person")
			}
		}
		if it := res.Change.Items; len(it) != 1 || it[0].Ref != jordan || it[0].Action != store.ActionDelete || it[0].After != nil {
			t.Errorf("items = %+v", it)
		}
		if after.Version != p.Version+2 {
			t.Errorf("Version = %d, want %d", after.Version, p.Version+2)
		}
		// The people after Jordan close up: importing the programme's own
		// export again finds nothing to do.
		var file bytes.Buffer
		if err := exchange.Encode(&file, after); err != nil {
			t.Fatal(err)
		}
		again, _, err := exchange.Decode(&file)
		if err != nil {
			t.Fatal(err)
		}
		if r := mustImportOpt(t, s, again, store.ImportOptions{}); r.Changed || r.Updated != 0 {
			t.Errorf("re-importing the export after a deletion: %+v", r)
		}
	})
	t.Run("a delegation and its only member go together", func(t *testing.T) {
		s, _ := openClocked(t)
		p := fixture(t)
		p.Delegations = append(p.Delegations, programme.Delegation{Key: "mx", Name: "Mexico", Lead: "ana"})
		p.People = append(p.People, programme.Person{Key: "ana", Name: "Ana", Role: "government", Delegation: "mx"})
		mustImportOpt(t, s, p, store.ImportOptions{})
		mustChange(t, s, programme.ChangeRequest{Author: emily, Remove: []programme.ItemRef{
			ref(programme.KindDelegation, "mx"), ref(programme.KindPerson, "ana")}})
		after := mustLoad(t, s, "igf2016-cldp")
		if after.Delegation("mx") != nil || after.Person("ana") != nil {
			t.Error("the delegation or its member is still there")
		}
	})
}

func TestUndo(t *testing.T) {
	t.Run("an edit is undone as a new change", func(t *testing.T) {
		s, clock := openClocked(t)
		mustImportOpt(t, s, fixture(t), store.ImportOptions{})
		original := exportOf(t, s)
		before := mustLoad(t, s, "igf2016-cldp")
		clock.Advance(time.Minute)
		edit := mustChange(t, s, programme.ChangeRequest{Batch: runEdit(t, before, "17:30"), Author: emily})
		clock.Advance(time.Minute)
		res, err := s.Undo(t.Context(), "igf2016-cldp", edit.Change.ID, programme.Author{Name: "Ana"}, programme.SourceWeb)
		if err != nil {
			t.Fatalf("Undo: %v", err)
		}
		if !bytes.Equal(exportOf(t, s), original) {
			t.Error("after the undo the programme is not as before the edit")
		}
		after := mustLoad(t, s, "igf2016-cldp")
		// Undoing is a change like any other: calendars see the bus move
		// back, and SEQUENCE rises again.
		if got, want := runByKey(t, after, "day0-bus").Sequence, runByKey(t, before, "day0-bus").Sequence+2; got != want {
			t.Errorf("bus Sequence = %d, want %d", got, want)
		}
		if res.Change.UndoOf != edit.Change.ID || res.Change.Author.Name != "Ana" ||
			!slices.Equal(res.Change.Items[0].Lines, []string{"17:30 → 17:15", "poll decided: 17:15"}) {
			t.Errorf("undo recorded as %+v", res.Change)
		}
	})
	t.Run("refused once the item changed again", func(t *testing.T) {
		s, _ := openClocked(t)
		mustImportOpt(t, s, fixture(t), store.ImportOptions{})
		p := mustLoad(t, s, "igf2016-cldp")
		first := mustChange(t, s, programme.ChangeRequest{Batch: runEdit(t, p, "17:30"), Author: emily})
		mustChange(t, s, programme.ChangeRequest{Batch: runEdit(t, p, "17:45"), Author: programme.Author{Name: "Ana"}})
		saved := exportOf(t, s)
		_, err := s.Undo(t.Context(), "igf2016-cldp", first.Change.ID, emily, programme.SourceWeb)
		var stale *programme.Stale
		if programme.ErrorCode(err) != programme.ECONFLICT || !errors.As(err, &stale) || stale.By != "Ana" {
			t.Fatalf("Undo after a later change: %v, want ECONFLICT naming Ana", err)
		}
		if !bytes.Equal(exportOf(t, s), saved) {
			t.Error("the refused undo changed the programme")
		}
	})
	t.Run("a creation is undone by removing the item", func(t *testing.T) {
		s, _ := openClocked(t)
		mustImportOpt(t, s, fixture(t), store.ImportOptions{})
		original := exportOf(t, s)
		b := header(t)
		b.Venues = []programme.Venue{{Key: "fiesta", Name: "Grand Fiesta Americana"}}
		created := mustChange(t, s, programme.ChangeRequest{Batch: b, Author: emily})
		if _, err := s.Undo(t.Context(), "igf2016-cldp", created.Change.ID, emily, programme.SourceWeb); err != nil {
			t.Fatalf("Undo of a creation: %v", err)
		}
		if !bytes.Equal(exportOf(t, s), original) {
			t.Error("undoing the creation left the venue")
		}
	})
	t.Run("visibility", func(t *testing.T) {
		s, _ := openClocked(t)
		mustImportOpt(t, s, fixture(t), store.ImportOptions{})
		yes := true
		res := mustChange(t, s, programme.ChangeRequest{Public: &yes, Author: emily})
		if !mustLoad(t, s, "igf2016-cldp").Public {
			t.Fatal("the programme is not public")
		}
		if it := res.Change.Items; len(it) != 1 || it[0].Ref.Kind != programme.KindVisibility || it[0].Lines[0] != "made public" {
			t.Errorf("items = %+v", it)
		}
		if _, err := s.Undo(t.Context(), "igf2016-cldp", res.Change.ID, emily, programme.SourceWeb); err != nil {
			t.Fatal(err)
		}
		if mustLoad(t, s, "igf2016-cldp").Public {
			t.Error("the undo left the programme public")
		}
	})
}

func TestUndoOfADeletionBringsItBack(t *testing.T) {
	s, _ := openClocked(t)
	p := fixture(t)
	p.People = append(p.People, programme.Person{Key: "ana", Name: "Ana", Organization: "SRE", Role: "government"})
	mustImportOpt(t, s, p, store.ImportOptions{})
	original := exportOf(t, s)
	del := mustChange(t, s, programme.ChangeRequest{Author: emily, Remove: []programme.ItemRef{ref(programme.KindPerson, "ana")}})
	if _, err := s.Undo(t.Context(), "igf2016-cldp", del.Change.ID, emily, programme.SourceWeb); err != nil {
		t.Fatalf("Undo of a deletion: %v", err)
	}
	if !bytes.Equal(exportOf(t, s), original) {
		t.Error("the person did not come back as they were")
	}
}

// TestChangeEqualsImport makes the same edits once through Change and once
// through imported programme files, on two stores with the same clock: the
// stored programmes, every feed and the change logs are the same.
func TestChangeEqualsImport(t *testing.T) {
	viaChange, clockA := openClocked(t)
	viaFile, clockB := openClocked(t)
	for _, s := range []*store.Store{viaChange, viaFile} {
		mustImportOpt(t, s, fixture(t), store.ImportOptions{})
	}
	type edit struct {
		batch  func(p *programme.Programme) *programme.Programme
		remove []programme.ItemRef
	}
	edits := []edit{
		{batch: func(p *programme.Programme) *programme.Programme { return runEdit(t, p, "17:30") }},
		{batch: func(p *programme.Programme) *programme.Programme {
			b := header(t)
			lunch := *sessionByKey(t, p, "day0-lunch")
			lunch.Venue, lunch.Room = "", "main-hall"
			b.Sessions = []programme.Session{lunch}
			return b
		}},
		{batch: func(p *programme.Programme) *programme.Programme {
			b := header(t)
			b.People = []programme.Person{{Key: "ana-lopez", Name: "Ana López", Role: "government", Delegation: "af"}}
			dc := *sessionByKey(t, p, "dc-day1")
			dc.Audience.People = append(slices.Clone(dc.Audience.People), "ana-lopez")
			b.Sessions = []programme.Session{dc}
			return b
		}},
		{remove: []programme.ItemRef{ref(programme.KindSlot, "day0-seminar/welcome"), ref(programme.KindRun, "walk-back")}},
	}
	for i, e := range edits {
		clockA.Advance(time.Minute)
		clockB.Advance(time.Minute)
		p := mustLoad(t, viaChange, "igf2016-cldp")
		req := programme.ChangeRequest{Author: emily, Source: programme.SourceWeb, Remove: e.remove}
		if e.batch != nil {
			req.Batch = e.batch(p)
		}
		if _, err := viaChange.Change(t.Context(), "igf2016-cldp", req); err != nil {
			t.Fatalf("edit %d through Change: %v", i, err)
		}
		// The same edit as a file: the batch, with what is removed
		// written as cancelled.
		file := header(t)
		if e.batch != nil {
			file = e.batch(mustLoad(t, viaFile, "igf2016-cldp"))
		}
		q := mustLoad(t, viaFile, "igf2016-cldp")
		for _, r := range e.remove {
			switch r.Kind {
			case programme.KindRun:
				run := *runByKey(t, q, r.Key)
				run.Status = programme.StatusCancelled
				file.Transport = append(file.Transport, run)
			case programme.KindSlot:
				session, slot, _ := strings.Cut(r.Key, "/")
				s := *sessionByKey(t, q, session)
				sl := *slotByKey(t, &s, slot)
				sl.Status = programme.StatusCancelled
				s.Slots = []programme.Slot{sl}
				file.Sessions = append(file.Sessions, s)
			}
		}
		var buf bytes.Buffer
		if err := exchange.Encode(&buf, file); err != nil {
			t.Fatal(err)
		}
		decoded, _, err := exchange.DecodeOnto(&buf, func(string) (*programme.Programme, error) { return q, nil })
		if err != nil {
			t.Fatalf("edit %d as a file: %v", i, err)
		}
		if _, err := viaFile.Import(t.Context(), decoded, store.ImportOptions{Author: emily, Source: programme.SourceWeb}); err != nil {
			t.Fatalf("edit %d imported: %v", i, err)
		}
	}
	if a, b := exportOf(t, viaChange), exportOf(t, viaFile); !bytes.Equal(a, b) {
		t.Errorf("exports differ:\n%s\n---\n%s", a, b)
	}
	pa, pb := mustLoad(t, viaChange, "igf2016-cldp"), mustLoad(t, viaFile, "igf2016-cldp")
	day := clockA.Now()
	for _, sub := range feeds.Subjects(pa) {
		a, b := feedBytes(t, pa, sub, day), feedBytes(t, pb, sub, day)
		if !bytes.Equal(a, b) {
			t.Errorf("feed %s:%s differs:\n%s\n---\n%s", sub.Kind, sub.Key, a, b)
		}
	}
	if !bytes.Contains(feedBytes(t, pa, feeds.Subject{Kind: programme.FeedProgramme, Key: pa.Slug}, day), []byte("SEQUENCE:1")) {
		t.Error("no event of the programme's feed rose: the edits did not reach the feeds")
	}
	ha, _ := viaChange.History(t.Context(), "igf2016-cldp", 0)
	hb, _ := viaFile.History(t.Context(), "igf2016-cldp", 0)
	if len(ha) != len(hb) {
		t.Fatalf("histories have %d and %d changes", len(ha), len(hb))
	}
	for i := range ha {
		if !reflect.DeepEqual(ha[i].Items, hb[i].Items) || ha[i].Summary != hb[i].Summary {
			t.Errorf("change %d: through Change %+v, through a file %+v", i, ha[i].Items, hb[i].Items)
		}
	}
}

func feedBytes(t *testing.T, p *programme.Programme, sub feeds.Subject, day time.Time) []byte {
	t.Helper()
	entries, err := p.FeedEntries(sub.Kind, sub.Key, day)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := ical.Encode(&b, ical.Feed{Name: sub.Name, Programme: p, Entries: entries}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestConcurrentSavesOfOneRevision: two editors save the same item from the
// same revision at the same time; exactly one save wins, the other is
// refused as stale, because the revision is checked inside the write's
// transaction.
func TestConcurrentSavesOfOneRevision(t *testing.T) {
	s, _ := openClocked(t)
	mustImportOpt(t, s, fixture(t), store.ImportOptions{})
	p := mustLoad(t, s, "igf2016-cldp")
	bus := ref(programme.KindRun, "day0-bus")
	rev := exchange.Revision(p, bus)
	errs := make(chan error, 2)
	for _, at := range []string{"17:30", "17:45"} {
		batch := runEdit(t, p, at)
		go func() {
			_, err := s.Change(t.Context(), "igf2016-cldp", programme.ChangeRequest{
				Batch: batch, Author: emily, Source: programme.SourceWeb, Expect: map[programme.ItemRef]string{bus: rev},
			})
			errs <- err
		}()
	}
	var won, stale int
	for range 2 {
		switch err := <-errs; programme.ErrorCode(err) {
		case "":
			won++
		case programme.ECONFLICT:
			stale++
		default:
			t.Errorf("save: %v", err)
		}
	}
	if won != 1 || stale != 1 {
		t.Errorf("%d saves won and %d were refused, want 1 and 1", won, stale)
	}
}
