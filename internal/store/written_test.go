package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// written is what OnProgrammeWrite told: each change's slug and version,
// and the version another connection read when it was told.
type written struct {
	mu      sync.Mutex
	changes []writtenChange
}

type writtenChange struct {
	slug              string
	version, readBack int64
}

func watchWrites(t *testing.T, st *store.Store) *written {
	t.Helper()
	w := &written{}
	st.OnProgrammeWrite(func(slug string, version int64) {
		// Told once the change committed: a read outside the writing
		// transaction already sees it.
		readBack, _, err := st.ProgrammeVersion(context.Background(), slug)
		if err != nil {
			t.Errorf("reading %s's version when told of its change: %v", slug, err)
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		w.changes = append(w.changes, writtenChange{slug, version, readBack})
	})
	return w
}

// take returns what was told since the last take.
func (w *written) take() []writtenChange {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.changes
	w.changes = nil
	return out
}

// expectOne checks that exactly one change of slug was told, committed at
// the version the database holds, and returns that version.
func (w *written) expectOne(t *testing.T, st *store.Store, what, slug string) int64 {
	t.Helper()
	got := w.take()
	if len(got) != 1 {
		t.Fatalf("%s: told %d changes (%v), want 1", what, len(got), got)
	}
	stored, _, err := st.ProgrammeVersion(t.Context(), slug)
	if err != nil {
		t.Fatal(err)
	}
	if c := got[0]; c.slug != slug || c.version != stored || c.readBack != stored {
		t.Fatalf("%s: told %+v, want %s at version %d, committed when told", what, c, slug, stored)
	}
	return stored
}

func (w *written) expectNone(t *testing.T, what string) {
	t.Helper()
	if got := w.take(); len(got) != 0 {
		t.Errorf("%s: told %v, want nothing", what, got)
	}
}

// TestEveryProgrammeWriteIsToldOnceCommitted: every write path that raises
// a programme's version (import, change, deletion alone, visibility alone,
// undo, calendar import) tells OnProgrammeWrite once, after its commit, with
// the new version; a dry run, a change that changes nothing and a refused
// change tell nothing.
func TestEveryProgrammeWriteIsToldOnceCommitted(t *testing.T) {
	st, _ := openClocked(t)
	ctx := t.Context()
	w := watchWrites(t, st)
	p := calendarProgramme(calendarSession("a", "A"))
	p.People = []programme.Person{{Key: "guest", Name: "A guest", Role: "other"}}

	if _, err := st.Import(ctx, p, store.ImportOptions{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	w.expectNone(t, "a dry run of a new programme")
	if _, err := st.Import(ctx, p, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	v := w.expectOne(t, st, "the first import", "cal")
	if _, err := st.Import(ctx, p, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	w.expectNone(t, "the same import again")

	renamed := calendarProgramme(calendarSession("a", "A, renamed"))
	res, err := st.Change(ctx, "cal", programme.ChangeRequest{Batch: renamed, Source: programme.SourceWeb})
	if err != nil {
		t.Fatal(err)
	}
	if next := w.expectOne(t, st, "a change", "cal"); next <= v {
		t.Fatalf("a change told version %d after %d", next, v)
	} else {
		v = next
	}

	stale := programme.ItemRef{Kind: programme.KindSession, Key: "a"}
	if _, err := st.Change(ctx, "cal", programme.ChangeRequest{Batch: calendarProgramme(calendarSession("a", "B")),
		Expect: map[programme.ItemRef]string{stale: "not-the-revision"}}); programme.ErrorCode(err) != programme.ECONFLICT {
		t.Fatalf("a stale change: %v, want ECONFLICT", err)
	}
	w.expectNone(t, "a refused change")
	if _, err := st.PreviewChange(ctx, "cal", programme.ChangeRequest{Batch: calendarProgramme(calendarSession("a", "C"))}); err != nil {
		t.Fatal(err)
	}
	w.expectNone(t, "a preview")

	public := true
	if _, err := st.Change(ctx, "cal", programme.ChangeRequest{Public: &public, Source: programme.SourceWeb}); err != nil {
		t.Fatal(err)
	}
	v = w.expectOne(t, st, "the visibility alone", "cal")
	if _, err := st.Change(ctx, "cal", programme.ChangeRequest{Remove: []programme.ItemRef{{Kind: programme.KindPerson, Key: "guest"}},
		Source: programme.SourceWeb}); err != nil {
		t.Fatal(err)
	}
	v = w.expectOne(t, st, "a deletion alone", "cal")

	if _, err := st.Undo(ctx, "cal", res.Change.ID, programme.Author{Name: "Staff"}, programme.SourceWeb); err != nil {
		t.Fatal(err)
	}
	if next := w.expectOne(t, st, "an undo", "cal"); next <= v {
		t.Fatalf("an undo told version %d after %d", next, v)
	}

	// A calendar import runs Import inside its own transaction: it is
	// told once, when that transaction commits, not at Import's savepoint.
	src := store.CalendarSource{Name: "fahrplan", URL: "https://example.org/cal.ics"}
	if _, err := st.ImportCalendar(ctx, calendarProgramme(calendarSession("b", "B")), src, store.ImportOptions{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	w.expectNone(t, "a dry run of a calendar import")
	if _, err := st.ImportCalendar(ctx, calendarProgramme(calendarSession("b", "B")), src, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	w.expectOne(t, st, "a calendar import", "cal")
}
