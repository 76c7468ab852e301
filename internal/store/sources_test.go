package store_test

import (
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

func calendarProgramme(sessions ...programme.Session) *programme.Programme {
	return &programme.Programme{Slug: "cal", Title: "Calendar", TimeZone: "Europe/Berlin",
		StartsOn: "2016-12-27", EndsOn: "2016-12-30", Sessions: sessions}
}

func calendarSession(key, title string) programme.Session {
	start := time.Date(2016, 12, 27, 10, 0, 0, 0, time.UTC)
	return programme.Session{Key: key, Title: title, Kind: "other", StartsAt: start, EndsAt: start.Add(time.Hour), Status: programme.StatusConfirmed}
}

// TestCalendarSourceRecordsAndReads: a source is recorded with its items,
// ETag and fetch time, read back as written, and updated by a later import.
func TestCalendarSourceRecordsAndReads(t *testing.T) {
	st, clock := openClocked(t)
	ctx := t.Context()
	storetest.MustImport(t, st, calendarProgramme())
	if _, err := st.CalendarSource(ctx, "cal", "fahrplan"); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Fatalf("no source yet: %v", err)
	}
	fetched := clock.Now().Add(-time.Minute)
	stamp := time.Date(2016, 12, 15, 19, 50, 54, 0, time.UTC)
	src := store.CalendarSource{Name: "fahrplan", URL: "https://example.org/schedule.ics", ETag: `"v1"`, LastFetchedAt: &fetched,
		Items: []store.CalendarSourceItem{{UID: "a@example.org", SessionKey: "a", Sequence: 3, Stamp: stamp}}}
	rep, err := st.ImportCalendar(ctx, calendarProgramme(calendarSession("a", "A")), src, store.ImportOptions{})
	if err != nil || rep.Created != 1 {
		t.Fatalf("ImportCalendar: %+v, %v", rep, err)
	}
	got, err := st.CalendarSource(ctx, "cal", "fahrplan")
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != src.URL || got.ETag != `"v1"` || got.LastFetchedAt == nil || !got.LastFetchedAt.Equal(fetched) ||
		len(got.Items) != 1 || got.Items[0] != src.Items[0] {
		t.Errorf("read back %+v, want %+v", got, src)
	}

	// A later import updates the item and adds one; items it leaves out stay.
	src.ETag = `"v2"`
	src.Items = []store.CalendarSourceItem{{UID: "b@example.org", SessionKey: "b"}, {UID: "a@example.org", SessionKey: "a", Sequence: 4}}
	if _, err := st.ImportCalendar(ctx, calendarProgramme(calendarSession("b", "B")), src, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _ = st.CalendarSource(ctx, "cal", "fahrplan")
	if got.ETag != `"v2"` || len(got.Items) != 2 || got.Items[0].Sequence != 4 || !got.Items[0].Stamp.IsZero() || got.Items[1].SessionKey != "b" {
		t.Errorf("after the second import: %+v", got)
	}
}

// TestImportCalendarIsOneTransaction: when recording the source fails after
// the sessions were written (an event's UID already maps to another
// session), the sessions are not stored either; a dry run stores nothing.
func TestImportCalendarIsOneTransaction(t *testing.T) {
	st := storetest.Open(t)
	ctx := t.Context()
	storetest.MustImport(t, st, calendarProgramme())
	first := store.CalendarSource{Name: "fahrplan", Items: []store.CalendarSourceItem{{UID: "a@example.org", SessionKey: "a"}}}
	if _, err := st.ImportCalendar(ctx, calendarProgramme(calendarSession("a", "A")), first, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	clash := store.CalendarSource{Name: "fahrplan", Items: []store.CalendarSourceItem{{UID: "a@example.org", SessionKey: "other"}}}
	_, err := st.ImportCalendar(ctx, calendarProgramme(calendarSession("other", "Other")), clash, store.ImportOptions{})
	if programme.ErrorCode(err) != programme.ECONFLICT {
		t.Fatalf("err = %v, want ECONFLICT", err)
	}
	if p := mustLoad(t, st, "cal"); len(p.Sessions) != 1 || p.Version != 2 {
		t.Errorf("after a failed import: %d sessions, version %d; want the first import's 1 and 2", len(p.Sessions), p.Version)
	}

	dry := store.CalendarSource{Name: "other-source", Items: []store.CalendarSourceItem{{UID: "c@example.org", SessionKey: "c"}}}
	rep, err := st.ImportCalendar(ctx, calendarProgramme(calendarSession("c", "C")), dry, store.ImportOptions{DryRun: true})
	if err != nil || rep.Created != 1 {
		t.Fatalf("dry run: %+v, %v", rep, err)
	}
	if _, err := st.CalendarSource(ctx, "cal", "other-source"); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("a dry run recorded its source: %v", err)
	}
	if p := mustLoad(t, st, "cal"); len(p.Sessions) != 1 {
		t.Errorf("a dry run stored a session")
	}
	if _, err := st.ImportCalendar(ctx, calendarProgramme(), store.CalendarSource{}, store.ImportOptions{}); programme.ErrorCode(err) != programme.EINVALID {
		t.Errorf("a source without a name: %v", err)
	}
}
