package calimport_test

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/planner-dev/planner/internal/calimport"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

const slug = "congress"

// congress is the programme the frab fixtures are imported into: a
// delegation with one delegate, a guest outside it, and a room.
func congress() *programme.Programme {
	return &programme.Programme{
		Slug: slug, Title: "Congress visit", TimeZone: "Europe/Berlin", StartsOn: "2016-12-27", EndsOn: "2016-12-30",
		Rooms:       []programme.Room{{Key: "saal-1", Name: "Saal 1"}},
		Delegations: []programme.Delegation{{Key: "de", Name: "German delegation"}},
		People: []programme.Person{
			{Key: "ana", Name: "Ana", Role: "government", Delegation: "de"},
			{Key: "guest", Name: "Guest", Role: "other"},
		},
	}
}

func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func frabKey(n string) string {
	return calimport.SessionKey("0c1f7a6e-000" + n + "-4dac-866e-533314a3c108@frab.example.org")
}

// feedEvents renders a delegate's feed and returns its events by SUMMARY.
func feedEvents(t *testing.T, svc *feeds.Service, kind programme.FeedKind, key string) map[string]*ical.Event {
	t.Helper()
	ctx := t.Context()
	list, err := svc.List(ctx, slug, true)
	if err != nil {
		t.Fatal(err)
	}
	var token string
	for _, l := range list {
		if l.Kind == kind && l.Key == key {
			token = strings.TrimSuffix(strings.TrimPrefix(l.URL, "https://planner.example.org/feeds/"), ".ics")
		}
	}
	f, err := svc.Lookup(ctx, token)
	if err != nil {
		t.Fatalf("feed %s %s: %v", kind, key, err)
	}
	body, err := svc.Render(ctx, f, token)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*ical.Event{}
	for _, ev := range cal.Events() {
		summary, _ := ev.Props.Text(ical.PropSummary)
		out[summary] = &ev
	}
	return out
}

func sequence(t *testing.T, ev *ical.Event) int {
	t.Helper()
	if ev == nil {
		t.Fatal("the event is not in the feed")
	}
	n, err := ev.Props.Get(ical.PropSequence).Int()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTwoVersionsOfACalendar imports frab's first version, lets staff add
// to its sessions, and imports the second version: a title changes, a
// session moves, a deleted event and a STATUS:CANCELLED one cancel their
// sessions, the staff's audience, room and slot notes stay, and SEQUENCE
// rises in a delegate's feed. It runs on PostgreSQL too when
// PLANNER_TEST_DATABASE_URL is set.
func TestTwoVersionsOfACalendar(t *testing.T) {
	ctx := t.Context()
	c := storetest.NewClock(time.Date(2016, 12, 20, 12, 0, 0, 0, time.UTC))
	st := storetest.Open(t, store.WithNow(c.Now))
	storetest.MustImport(t, st, congress())
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte{42}, feeds.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc := feeds.NewService(st, keys, "https://planner.example.org/", c.Now)

	// A dry run changes nothing, the source included.
	req := calimport.Request{Slug: slug, Source: "fahrplan", All: true,
		AllPick: calimport.Pick{Audience: programme.Audience{Delegations: []string{"de"}}, Kind: "main_session"}}
	dry := req
	dry.DryRun = true
	out, err := calimport.Import(ctx, st, open(t, "frab-v1.ics"), dry)
	if err != nil || out.Report.Created != 5 {
		t.Fatalf("dry run: %+v, %v", out.Report, err)
	}
	if _, err := st.CalendarSource(ctx, slug, "fahrplan"); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Fatalf("a dry run recorded the source: %v", err)
	}
	if p, _ := st.Programme(ctx, slug); len(p.Sessions) != 0 {
		t.Fatalf("a dry run stored %d sessions", len(p.Sessions))
	}

	// The first version: five sessions for the delegation.
	out, err = calimport.Import(ctx, st, open(t, "frab-v1.ics"), req)
	if err != nil {
		t.Fatal(err)
	}
	if out.Report.Created != 5 || len(out.Problems) != 0 {
		t.Fatalf("first version: %+v, problems %v", out.Report, out.Problems)
	}
	src, err := st.CalendarSource(ctx, slug, "fahrplan")
	if err != nil || len(src.Items) != 5 {
		t.Fatalf("source after the first version: %+v, %v", src, err)
	}

	// Staff add to it: a guest in one audience, a room and a slot with a note.
	p, err := st.Programme(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	staff := &programme.Programme{Slug: p.Slug, Title: p.Title, TimeZone: p.TimeZone, StartsOn: p.StartsOn, EndsOn: p.EndsOn}
	opening, overview := *p.Session(frabKey("1")), *p.Session(frabKey("2"))
	opening.Room, opening.Location = "saal-1", ""
	opening.Slots = []programme.Slot{{Key: "welcome", Title: "Welcome", StartsAt: opening.StartsAt,
		EndsAt: opening.StartsAt.Add(10 * time.Minute), Note: "Ana speaks first"}}
	overview.Audience.People = []string{"guest"}
	staff.Sessions = []programme.Session{opening, overview}
	storetest.MustImport(t, st, staff)

	before := feedEvents(t, svc, programme.FeedPerson, "ana")
	c.Advance(24 * time.Hour)

	// The second version.
	out, err = calimport.Import(ctx, st, open(t, "frab-v2.ics"), calimport.Request{Slug: slug, Source: "fahrplan"})
	if err != nil {
		t.Fatal(err)
	}
	if r := out.Report; r.Created != 0 || r.Updated != 5 {
		t.Errorf("second version: %+v, want 4 sessions (moved, retitled, two cancelled) and the moved one's slot updated, "+
			"and the new event left alone (not picked)", r)
	}
	actions := map[string]string{}
	for _, a := range out.Plan.Preview {
		actions[a.Key] = a.Action
	}
	want := map[string]string{frabKey("1"): "move", frabKey("2"): "update", frabKey("3"): "cancel", frabKey("4"): "cancel"}
	for k, a := range want {
		if actions[k] != a {
			t.Errorf("preview of %s: %q, want %q (preview %v)", k, actions[k], a, out.Plan.Preview)
		}
	}

	p, err = st.Programme(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	moved := p.Session(frabKey("1"))
	if moved.StartsAt.In(p.Loc("")).Format("15:04") != "11:30" || moved.Room != "saal-1" || moved.Kind != "main_session" {
		t.Errorf("moved session: %s in %q, kind %s", moved.StartsAt, moved.Room, moved.Kind)
	}
	if sl := moved.Slot("welcome"); sl == nil || !sl.StartsAt.Equal(moved.StartsAt) || sl.Note != "Ana speaks first" {
		t.Errorf("the staff's slot: %+v", sl)
	}
	retitled := p.Session(frabKey("2"))
	if retitled.Title != "Übersicht der Änderungen - Grace Hopper, Katherine Johnson" ||
		len(retitled.Audience.People) != 1 || len(retitled.Audience.Delegations) != 1 {
		t.Errorf("retitled session: %q, audience %+v", retitled.Title, retitled.Audience)
	}
	for _, n := range []string{"3", "4"} {
		if s := p.Session(frabKey(n)); s == nil || s.Status != programme.StatusCancelled {
			t.Errorf("session %s: %+v, want cancelled and kept", n, s)
		}
	}
	if s := p.Session(frabKey("5")); s.Status != programme.StatusConfirmed || s.Sequence != 0 {
		t.Errorf("the unchanged session: status %s, sequence %d", s.Status, s.Sequence)
	}
	if s := p.Session(frabKey("6")); s != nil {
		t.Errorf("an event nobody picked became a session: %+v", s)
	}

	// Ana's calendar follows, with SEQUENCE rising.
	// A cancelled event says so in its SUMMARY, for clients that ignore
	// STATUS.
	after := feedEvents(t, svc, programme.FeedPerson, "ana")
	for title, shown := range map[string]string{
		"Opening Ceremony - Ada Lovelace":     "Opening Ceremony - Ada Lovelace",
		"Back to the 16bit Era - Alan Turing": "Cancelled: Back to the 16bit Era - Alan Turing",
		"Mass Surveillance - Edward Snowden":  "Cancelled: Mass Surveillance - Edward Snowden",
	} {
		if a, b := sequence(t, after[shown]), sequence(t, before[title]); a <= b {
			t.Errorf("%s: SEQUENCE %d after, %d before; want it to rise", shown, a, b)
		}
	}
	if a, b := sequence(t, after["Übersicht der Änderungen - Grace Hopper, Katherine Johnson"]), sequence(t, before["Übersicht der Änderungen - Grace Hopper"]); a <= b {
		t.Errorf("retitled: SEQUENCE %d after, %d before", a, b)
	}
	for _, title := range []string{"Cancelled: Back to the 16bit Era - Alan Turing", "Cancelled: Mass Surveillance - Edward Snowden"} {
		if s, _ := after[title].Status(); s != ical.EventCancelled {
			t.Errorf("%s: STATUS %q in Ana's feed, want CANCELLED", title, s)
		}
	}
	if a, b := sequence(t, after["Closing Event"]), sequence(t, before["Closing Event"]); a != b {
		t.Errorf("the unchanged event's SEQUENCE moved from %d to %d", b, a)
	}

	// The same version again changes nothing.
	out, err = calimport.Import(ctx, st, open(t, "frab-v2.ics"), calimport.Request{Slug: slug, Source: "fahrplan"})
	if err != nil || out.Report.Changed || len(out.Plan.Preview) != 0 {
		t.Errorf("the second version again: %+v, preview %v, %v", out.Report, out.Plan.Preview, err)
	}
	src, err = st.CalendarSource(ctx, slug, "fahrplan")
	if err != nil || len(src.Items) != 5 {
		t.Errorf("source after the second version: %+v, %v; the gone event's item should stay", src, err)
	}
}

// TestImportIsAllOrNothing: when the batch is refused (here a staff slot
// that would fall outside its session once the calendar shortens it), the
// source's bookkeeping is not recorded either.
func TestImportIsAllOrNothing(t *testing.T) {
	ctx := t.Context()
	st := storetest.Open(t)
	storetest.MustImport(t, st, congress())
	req := calimport.Request{Slug: slug, Source: "fahrplan", Picks: calimport.Picks{"0c1f7a6e-0001-4dac-866e-533314a3c108@frab.example.org": {}}}
	if _, err := calimport.Import(ctx, st, open(t, "frab-v1.ics"), req); err != nil {
		t.Fatal(err)
	}
	p, _ := st.Programme(ctx, slug)
	s := *p.Session(frabKey("1"))
	s.Slots = []programme.Slot{{Key: "late", Title: "Late", StartsAt: s.EndsAt.Add(-10 * time.Minute), EndsAt: s.EndsAt}}
	storetest.MustImport(t, st, &programme.Programme{Slug: p.Slug, Title: p.Title, TimeZone: p.TimeZone,
		StartsOn: p.StartsOn, EndsOn: p.EndsOn, Sessions: []programme.Session{s}})

	shorter := strings.Replace(readFile(t, "frab-v1.ics"), "DTEND;TZID=Europe/Berlin;VALUE=DATE-TIME:20161227T120000", "DTEND;TZID=Europe/Berlin;VALUE=DATE-TIME:20161227T113000", 1)
	req.Picks["0c1f7a6e-0005-4dac-866e-533314a3c108@frab.example.org"] = calimport.Pick{}
	_, err := calimport.Import(ctx, st, strings.NewReader(shorter), req)
	if programme.ErrorCode(err) != programme.EINVALID || !strings.Contains(err.Error(), "slots[0]") {
		t.Fatalf("err = %v, want EINVALID naming the slot", err)
	}
	src, err := st.CalendarSource(ctx, slug, "fahrplan")
	if err != nil || len(src.Items) != 1 {
		t.Errorf("source after a refused import: %+v, %v; want the first import's one item", src, err)
	}
	if p, _ := st.Programme(ctx, slug); len(p.Sessions) != 1 {
		t.Errorf("a refused import stored %d sessions", len(p.Sessions))
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestImportRecordsWhoImported proves that the change an import makes is
// logged under the staff member and the channel the request names.
func TestImportRecordsWhoImported(t *testing.T) {
	ctx := t.Context()
	st := storetest.Open(t)
	storetest.MustImport(t, st, congress())
	u, err := st.CreateUser(ctx, store.NewUser{Email: "sam@example.org", Name: "Sam Staff", Role: programme.RoleEditor, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	who := programme.Author{UserID: u.ID, Name: u.Name, Email: u.Email}
	_, err = calimport.Import(ctx, st, open(t, "frab-v1.ics"), calimport.Request{Slug: slug, Source: "fahrplan", All: true,
		Author: who, Via: programme.SourceWeb})
	if err != nil {
		t.Fatal(err)
	}
	hist, err := st.History(ctx, slug, 1)
	if err != nil || len(hist) != 1 {
		t.Fatalf("history: %+v, %v", hist, err)
	}
	if got := hist[0]; got.Author != who || got.Source != programme.SourceWeb || len(got.Items) != 5 {
		t.Errorf("the change: author %+v, source %q, %d items; want %+v, web, 5", got.Author, got.Source, len(got.Items), who)
	}
}
