package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/planner-dev/planner/internal/calimport"
)

// hostCalendar is a host conference's published calendar in two versions:
// the second moves the keynote and drops the workshop.
const hostCalendarV1 = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-TIMEZONE:UTC\r\n" +
	"BEGIN:VEVENT\r\nUID:keynote@host.example\r\nDTSTART:20161205T150000Z\r\nDTEND:20161205T160000Z\r\nSUMMARY:Keynote\r\nLOCATION:Hall A\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:workshop@host.example\r\nDTSTART:20161205T170000Z\r\nDTEND:20161205T180000Z\r\nSUMMARY:Workshop\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:party@host.example\r\nDTSTART;VALUE=DATE:20161206\r\nSUMMARY:Party day\r\nEND:VEVENT\r\n" +
	"END:VCALENDAR\r\n"

var hostCalendarV2 = strings.NewReplacer("DTSTART:20161205T150000Z", "DTSTART:20161205T153000Z", "DTEND:20161205T160000Z", "DTEND:20161205T163000Z",
	"BEGIN:VEVENT\r\nUID:workshop@host.example\r\nDTSTART:20161205T170000Z\r\nDTEND:20161205T180000Z\r\nSUMMARY:Workshop\r\nEND:VEVENT\r\n", "").Replace(hostCalendarV1)

func TestCalendarImportFromAFile(t *testing.T) {
	env := testEnv(t)
	dir := t.TempDir()
	mustPlanner(t, env, "import", filepath.Join("testdata", "small.json"))
	v1, v2 := filepath.Join(dir, "v1.ics"), filepath.Join(dir, "v2.ics")
	os.WriteFile(v1, []byte(hostCalendarV1), 0o600)
	os.WriteFile(v2, []byte(hostCalendarV2), 0o600)

	// Without picks nothing is brought in, and the refusal says why.
	r := planner(t, env, "", "calendar", "import", "small", v1)
	if r.code != 0 || !strings.Contains(r.stdout, "3 events in the calendar, 1 refused, 2 not brought in") ||
		!strings.Contains(r.stderr, "line 17: event party@host.example: refused: it is an all-day event") {
		t.Fatalf("no picks: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}

	out := mustPlanner(t, env, "calendar", "import", "--dry-run", "--all", "--delegation", "af", "small", v1)
	if !strings.Contains(out, "would create "+calimport.SessionKey("keynote@host.example")+" (Keynote)") || !strings.Contains(out, "dry run, nothing changed") {
		t.Errorf("dry run:\n%s", out)
	}
	if export := mustPlanner(t, env, "export", "small"); strings.Contains(export, "Keynote") {
		t.Error("the dry run stored the keynote")
	}

	out = mustPlanner(t, env, "calendar", "import", "--all", "--delegation", "af", "--kind", "main_session", "small", v1)
	if !strings.Contains(out, "small: imported from calendar \"calendar\" (2 created") {
		t.Errorf("first version:\n%s", out)
	}
	out = mustPlanner(t, env, "calendar", "import", "small", v2)
	for _, want := range []string{"move " + calimport.SessionKey("keynote@host.example"), "cancel " + calimport.SessionKey("workshop@host.example") + " (Workshop): its event is no longer in the calendar"} {
		if !strings.Contains(out, want) {
			t.Errorf("second version does not say %q:\n%s", want, out)
		}
	}
	export := mustPlanner(t, env, "export", "small")
	if !strings.Contains(export, `"starts_at": "2016-12-05T09:30"`) || !strings.Contains(export, `"af"`) || !strings.Contains(export, `"main_session"`) {
		t.Errorf("export after the second version:\n%s", export)
	}
	if statuses := sessionStatuses(t, export); statuses[calimport.SessionKey("workshop@host.example")] != "cancelled" {
		t.Errorf("statuses %v", statuses)
	}
}

func TestCalendarImportFromAURL(t *testing.T) {
	env := testEnv(t)
	mustPlanner(t, env, "import", filepath.Join("testdata", "small.json"))
	var fetches, notModified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		if r.Header.Get("If-None-Match") == `"v1"` {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write([]byte(hostCalendarV1))
	}))
	defer srv.Close()
	url := srv.URL + "/schedule.ics"
	// httptest listens on loopback, which only the setting lets a fetch reach.
	t.Setenv("PLANNER_CALENDAR_ALLOW_PRIVATE", "")
	wantFailure(t, planner(t, env, "", "calendar", "import", "--pick", "keynote@host.example", "small", url), 2, "loopback address")
	t.Setenv("PLANNER_CALENDAR_ALLOW_PRIVATE", "1")
	mustPlanner(t, env, "calendar", "import", "--pick", "keynote@host.example", "small", url)
	out := mustPlanner(t, env, "calendar", "import", "small", url)
	if !strings.Contains(out, "has not changed since it was last fetched") || notModified.Load() != 1 || fetches.Load() != 2 {
		t.Errorf("second fetch (%d not modified):\n%s", notModified.Load(), out)
	}

	wantFailure(t, planner(t, env, "", "calendar", "import", "small", "ftp://example.org/a.ics"), 2, "not http or https")
	wantFailure(t, planner(t, env, "", "calendar", "import", "small", srv.URL+"/x", "extra"), 2, "takes a programme SLUG")
	wantFailure(t, planner(t, env, "", "calendar", "import", "nosuch", url), 1, "")
}
