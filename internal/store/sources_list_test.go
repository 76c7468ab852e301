package store_test

import (
	"testing"

	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// TestCalendarSourcesLists: a programme's sources are listed by name with
// their URL, fetch time and the number of sessions that came from each; a
// programme without any lists none.
func TestCalendarSourcesLists(t *testing.T) {
	st, clock := openClocked(t)
	ctx := t.Context()
	storetest.MustImport(t, st, calendarProgramme())
	if got, err := st.CalendarSources(ctx, "cal"); err != nil || len(got) != 0 {
		t.Fatalf("no sources yet: %+v, %v", got, err)
	}
	fetched := clock.Now()
	web := store.CalendarSource{Name: "web", URL: "https://example.org/a.ics", LastFetchedAt: &fetched,
		Items: []store.CalendarSourceItem{{UID: "a", SessionKey: "a"}, {UID: "b", SessionKey: "b"}}}
	if _, err := st.ImportCalendar(ctx, calendarProgramme(calendarSession("a", "A"), calendarSession("b", "B")), web, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	file := store.CalendarSource{Name: "file", Items: []store.CalendarSourceItem{{UID: "c", SessionKey: "c"}}}
	if _, err := st.ImportCalendar(ctx, calendarProgramme(calendarSession("c", "C")), file, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := st.CalendarSources(ctx, "cal")
	if err != nil || len(got) != 2 {
		t.Fatalf("CalendarSources: %+v, %v", got, err)
	}
	if got[0].Name != "file" || got[0].URL != "" || got[0].LastFetchedAt != nil || got[0].Sessions != 1 {
		t.Errorf("file source: %+v", got[0])
	}
	if got[1].Name != "web" || got[1].URL != web.URL || got[1].LastFetchedAt == nil || !got[1].LastFetchedAt.Equal(fetched) || got[1].Sessions != 2 {
		t.Errorf("URL source: %+v", got[1])
	}
	if got, err := st.CalendarSources(ctx, "other"); err != nil || len(got) != 0 {
		t.Errorf("another programme: %+v, %v", got, err)
	}
}
