package web

import (
	"bytes"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	goical "github.com/emersion/go-ical"

	"github.com/planner-dev/planner/internal/calimport"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store/storetest"
)

const congressSlug = "congress"

// newCalendarFixture is the programme fixture with a second programme the
// frab fixtures of internal/calimport fall within: a delegation with one
// delegate and a guest outside it.
func newCalendarFixture(t *testing.T) *staffFixture {
	t.Helper()
	f := newProgrammeFixture(t)
	storetest.MustImport(t, f.st, &programme.Programme{
		Slug: congressSlug, Title: "Congress visit", TimeZone: "Europe/Berlin", StartsOn: "2016-12-27", EndsOn: "2016-12-30",
		Delegations: []programme.Delegation{{Key: "de", Name: "German delegation"}},
		People: []programme.Person{
			{Key: "ana", Name: "Ana", Role: "government", Delegation: "de"},
			{Key: "guest", Name: "Guest", Role: "other"},
		},
	})
	return f
}

func frabFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../calimport/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// withAllDay adds an all-day event, which the parser refuses, to a calendar.
func withAllDay(cal string) string {
	ev := "BEGIN:VEVENT\r\nUID:allday@frab.example.org\r\nDTSTAMP:20161215T195054Z\r\nDTSTART;VALUE=DATE:20161228\r\n" +
		"DTEND;VALUE=DATE:20161229\r\nSUMMARY:Assembly day\r\nEND:VEVENT\r\n"
	i := strings.LastIndex(cal, "END:VCALENDAR")
	return cal[:i] + ev + cal[i:]
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// hiddenFields are the hidden fields of a page's form, but its CSRF token.
func hiddenFields(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		if m[1] != "_csrf" {
			v.Add(m[1], htmlUnescape(m[2]))
		}
	}
	return v
}

func calendarsPath(rest string) string { return "/staff/p/" + congressSlug + "/calendars" + rest }

// frabUID is the UID of the nth event of the frab fixtures.
func frabUID(n string) string { return "0c1f7a6e-000" + n + "-4dac-866e-533314a3c108@frab.example.org" }

// TestCalendarUploadPickPreviewConfirm walks a calendar through the pages:
// upload, pick with an audience, preview, confirm; then a newer version
// moves, retitles and cancels sessions, and a delegate's feed shows the
// moved session with a higher SEQUENCE. The change log names the staff
// member.
func TestCalendarUploadPickPreviewConfirm(t *testing.T) {
	f := newCalendarFixture(t)
	ctx := t.Context()
	b := f.loggedIn(t, "emily@example.org")

	res, body := b.postFile(calendarsPath(""), calendarsPath("/read"), withAllDay(frabFile(t, "frab-v1.ics")),
		url.Values{"mode": {"new"}, "source": {"Fahrplan"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d\n%s", res.StatusCode, body)
	}
	for _, want := range []string{
		"Tue 27 Dec 2016, 11:00–12:00 (Europe/Berlin)", "Opening Ceremony - Ada Lovelace", "Saal 1",
		`name="pick" value="` + frabUID("1") + `"`, `value="de"`, `<option value="guest">Guest</option>`,
		`<tr class="refused">`, "all-day event", `<input type="checkbox" disabled`,
	} {
		if !strings.Contains(body, htmlEscapeForTest(want)) && !strings.Contains(body, want) {
			t.Errorf("the pick page lacks %q", want)
		}
	}
	form := hiddenFields(body)
	for _, n := range []string{"1", "2", "3", "4", "5"} {
		form.Add("pick", frabUID(n))
	}
	form.Add("delegation", "de")
	form.Add("person", "guest")
	form.Set("kind", "main_session")
	res, body = b.post(calendarsPath(""), calendarsPath("/preview"), form)
	if res.StatusCode != http.StatusOK || strings.Count(body, `<span class="kind">create</span>`) != 5 {
		t.Fatalf("preview: %d, want 5 creations\n%s", res.StatusCode, body)
	}
	if p, _ := f.st.Programme(ctx, congressSlug); len(p.Sessions) != 0 {
		t.Fatal("the preview stored sessions")
	}
	res, body = b.post(calendarsPath(""), calendarsPath("/confirm"), hiddenFields(body))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/p/"+congressSlug+"/history" {
		t.Fatalf("confirm: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	p, err := f.st.Programme(ctx, congressSlug)
	if err != nil || len(p.Sessions) != 5 {
		t.Fatalf("after confirming: %v sessions, %v", len(p.Sessions), err)
	}
	opening := p.Session(calimport.SessionKey(frabUID("1")))
	if opening == nil || opening.Kind != "main_session" || strings.Join(opening.Audience.Delegations, ",") != "de" ||
		strings.Join(opening.Audience.People, ",") != "guest" {
		t.Fatalf("the opening session: %+v", opening)
	}
	hist, err := f.st.History(ctx, congressSlug, 1)
	if err != nil || len(hist) != 1 || hist[0].Author.Name != "Emily Skills" || hist[0].Source != programme.SourceWeb {
		t.Fatalf("history: %+v, %v", hist, err)
	}
	if _, body := b.get(calendarsPath("")); !strings.Contains(body, "<th scope=\"row\">Fahrplan</th>") || !strings.Contains(body, "<td>5</td>") {
		t.Errorf("the list does not show the source with its 5 sessions:\n%s", body)
	}

	svc := feeds.NewService(f.st, mustKeyring(t), "https://planner.example.org/", f.clock.Now)
	before := personFeed(t, svc, "ana")
	f.clock.Advance(24 * 60 * 60 * 1e9)

	// The second version, uploaded on the source's line.
	res, body = b.postFile(calendarsPath(""), calendarsPath("/read"), frabFile(t, "frab-v2.ics"),
		url.Values{"mode": {"newer"}, "source": {"Fahrplan"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `<span class="badge">follows</span>`) ||
		strings.Contains(body, `name="pick" value="`+frabUID("1")+`"`) {
		t.Fatalf("the newer version's pick page: %d\n%s", res.StatusCode, body)
	}
	res, body = b.post(calendarsPath(""), calendarsPath("/preview"), hiddenFields(body))
	for _, want := range []string{`<span class="kind">move</span>`, `<span class="kind">cancel</span>`, `<span class="kind">update</span>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the preview of the newer version lacks %s\n%s", want, body)
		}
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview of the newer version: %d", res.StatusCode)
	}
	if res, _ := b.post(calendarsPath(""), calendarsPath("/confirm"), hiddenFields(body)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirming the newer version: %d", res.StatusCode)
	}
	after := personFeed(t, svc, "ana")
	moved := "Opening Ceremony - Ada Lovelace"
	if feedSequence(t, after[moved]) <= feedSequence(t, before[moved]) {
		t.Errorf("SEQUENCE of the moved session: %d, then %d; want it risen", feedSequence(t, before[moved]), feedSequence(t, after[moved]))
	}
	p, _ = f.st.Programme(ctx, congressSlug)
	if s := p.Session(calimport.SessionKey(frabUID("3"))); s == nil || s.Status != programme.StatusCancelled {
		t.Errorf("the session whose event is gone: %+v, want cancelled", s)
	}
	if s := p.Session(calimport.SessionKey(frabUID("2"))); s == nil || strings.Join(s.Audience.People, ",") != "guest" {
		t.Errorf("the retitled session lost the audience staff chose: %+v", s)
	}
}

func htmlEscapeForTest(s string) string { return strings.ReplaceAll(s, "–", "&ndash;") }

func mustKeyring(t *testing.T) *feeds.Keyring {
	t.Helper()
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte{42}, feeds.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// personFeed renders a person's feed of the congress and returns its
// events by SUMMARY.
func personFeed(t *testing.T, svc *feeds.Service, key string) map[string]*goical.Event {
	t.Helper()
	ctx := t.Context()
	list, err := svc.List(ctx, congressSlug, true)
	if err != nil {
		t.Fatal(err)
	}
	var token string
	for _, l := range list {
		if l.Kind == programme.FeedPerson && l.Key == key {
			token = strings.TrimSuffix(strings.TrimPrefix(l.URL, "https://planner.example.org/feeds/"), ".ics")
		}
	}
	feed, err := svc.Lookup(ctx, token)
	if err != nil {
		t.Fatalf("feed of %s: %v", key, err)
	}
	body, err := svc.Render(ctx, feed, token)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := goical.NewDecoder(bytes.NewReader(body)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*goical.Event{}
	for _, ev := range cal.Events() {
		summary, _ := ev.Props.Text(goical.PropSummary)
		out[summary] = &ev
	}
	return out
}

func feedSequence(t *testing.T, ev *goical.Event) int {
	t.Helper()
	if ev == nil {
		t.Fatal("the event is not in the feed")
	}
	n, err := ev.Props.Get(goical.PropSequence).Int()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCalendarRoutesByRole: viewers see the list without its forms, and
// every state-changing route refuses viewers, visitors and a missing CSRF
// token, changing nothing.
func TestCalendarRoutesByRole(t *testing.T) {
	f := newCalendarFixture(t)
	viewer := f.loggedIn(t, "vic@example.org")
	editor := f.loggedIn(t, "emily@example.org")
	anon := f.browser(t, "192.0.2.40")
	anon.token("/staff/login")
	res, body := viewer.get(calendarsPath(""))
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "No calendar yet") || strings.Contains(body, "Add a calendar") {
		t.Errorf("viewer GET list: %d\n%s", res.StatusCode, body)
	}
	if res, _ := editor.get(calendarsPath("")); res.StatusCode != http.StatusOK {
		t.Errorf("editor GET list: %d", res.StatusCode)
	}
	if _, body := editor.get(calendarsPath("")); !strings.Contains(body, "Add a calendar") {
		t.Error("editors are not offered to add a calendar")
	}
	if res, _ := editor.do(http.MethodHead, calendarsPath(""), nil, nil); res.StatusCode != http.StatusOK {
		t.Errorf("HEAD list: %d", res.StatusCode)
	}
	if res, _ := anon.get(calendarsPath("")); res.StatusCode != http.StatusSeeOther {
		t.Errorf("visitor GET list: %d, want a redirect to the login", res.StatusCode)
	}
	form := url.Values{"mode": {"new"}, "source": {"x"}, "calendar": {"QkVHSU46VkNBTEVOREFS"}}
	for _, route := range []string{calendarsPath("/read"), calendarsPath("/preview"), calendarsPath("/confirm")} {
		if res, _ := viewer.post("/staff", route, form); res.StatusCode != http.StatusForbidden {
			t.Errorf("viewer POST %s: %d, want 403", route, res.StatusCode)
		}
		if res, _ := anon.post("/staff/login", route, form); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("visitor POST %s: %d, want 401", route, res.StatusCode)
		}
		if res, _ := editor.do(http.MethodPost, route, form, nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("editor POST %s without a CSRF token: %d, want 403", route, res.StatusCode)
		}
	}
	if got, _ := f.st.CalendarSources(t.Context(), congressSlug); len(got) != 0 {
		t.Errorf("a refused request recorded a source: %+v", got)
	}
}

// TestCalendarBadInput: a file that is no calendar is refused with 422 and
// the parser's message, as are a missing name, a name taken, and a
// private URL, each saying what is wrong; nothing is recorded.
func TestCalendarBadInput(t *testing.T) {
	f := newCalendarFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	t.Setenv(calimport.AllowPrivateSetting, "")

	res, body := b.postFile(calendarsPath(""), calendarsPath("/read"), "this is not a calendar\n", url.Values{"mode": {"new"}, "source": {"Bad"}})
	_, _, perr := calimport.Parse(strings.NewReader("this is not a calendar\n"), calimport.Options{TimeZone: "Europe/Berlin", StartsOn: "2016-12-27", EndsOn: "2016-12-30"})
	if res.StatusCode != http.StatusUnprocessableEntity || perr == nil || !strings.Contains(body, html.EscapeString(programme.ErrorMessage(perr))) {
		t.Errorf("a bad file: %d, want 422 with %q\n%s", res.StatusCode, perr, body)
	}
	if res, body := b.postFile(calendarsPath(""), calendarsPath("/read"), frabFile(t, "frab-v1.ics"), url.Values{"mode": {"new"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Give the calendar a name") {
		t.Errorf("no name: %d\n%s", res.StatusCode, body)
	}
	if res, body := b.post(calendarsPath(""), calendarsPath("/read"), url.Values{"mode": {"new"}, "source": {"Nothing"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Choose a calendar file") {
		t.Errorf("neither file nor URL: %d\n%s", res.StatusCode, body)
	}
	for _, u := range []string{"http://127.0.0.1:1/schedule.ics", "http://169.254.169.254/latest/meta-data/", "http://localhost:1/x.ics"} {
		res, body := b.post(calendarsPath(""), calendarsPath("/read"), url.Values{"mode": {"new"}, "source": {"Private"}, "url": {u}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "which calendars are not fetched from") {
			t.Errorf("the private URL %s: %d\n%s", u, res.StatusCode, body)
		}
	}
	if res, body := b.post(calendarsPath(""), calendarsPath("/read"), url.Values{"mode": {"new"}, "source": {"Files"}, "url": {"file:///etc/passwd"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "not http or https") {
		t.Errorf("a file: URL: %d\n%s", res.StatusCode, body)
	}
	if got, _ := f.st.CalendarSources(t.Context(), congressSlug); len(got) != 0 {
		t.Errorf("bad input recorded a source: %+v", got)
	}
}

// TestCalendarFromURLAndRefetch: with the opt-out (httptest listens on
// loopback), a calendar is read from its URL, imported, and re-fetched
// from its line of the list; the source shows when it was fetched.
func TestCalendarFromURLAndRefetch(t *testing.T) {
	t.Setenv(calimport.AllowPrivateSetting, "1")
	version := "frab-v1.ics"
	f := newCalendarFixture(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		etag := `"` + version + `"`
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "text/calendar")
		w.Write([]byte(frabFile(t, version)))
	}))
	defer srv.Close()
	b := f.loggedIn(t, "emily@example.org")
	res, body := b.post(calendarsPath(""), calendarsPath("/read"), url.Values{"mode": {"new"}, "source": {"Fahrplan"}, "url": {srv.URL + "/schedule.ics"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Opening Ceremony") {
		t.Fatalf("read from the URL: %d\n%s", res.StatusCode, body)
	}
	form := hiddenFields(body)
	form.Add("pick", frabUID("1"))
	form.Add("pick", frabUID("3"))
	form.Add("delegation", "de")
	_, body = b.post(calendarsPath(""), calendarsPath("/preview"), form)
	if res, _ := b.post(calendarsPath(""), calendarsPath("/confirm"), hiddenFields(body)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	_, body = b.get(calendarsPath(""))
	if !strings.Contains(body, srv.URL+"/schedule.ics") || !strings.Contains(body, ">Re-fetch<") || !strings.Contains(body, "<td>2</td>") {
		t.Fatalf("the list does not show the URL source:\n%s", body)
	}

	// Unchanged since: the conditional fetch answers 304, and nothing is
	// to be done.
	res, body = b.post(calendarsPath(""), calendarsPath("/read"), url.Values{"mode": {"refetch"}, "source": {"Fahrplan"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "has not changed since it was last fetched") {
		t.Fatalf("re-fetch of an unchanged calendar: %d\n%s", res.StatusCode, body)
	}

	version = "frab-v2.ics"
	res, body = b.post(calendarsPath(""), calendarsPath("/read"), url.Values{"mode": {"refetch"}, "source": {"Fahrplan"}})
	if res.StatusCode != http.StatusOK || strings.Count(body, `<span class="badge">follows</span>`) != 1 {
		t.Fatalf("re-fetch: %d\n%s", res.StatusCode, body)
	}
	_, body = b.post(calendarsPath(""), calendarsPath("/preview"), hiddenFields(body))
	if !strings.Contains(body, `<span class="kind">move</span>`) || !strings.Contains(body, `<span class="kind">cancel</span>`) {
		t.Fatalf("the re-fetched preview:\n%s", body)
	}
	if res, _ := b.post(calendarsPath(""), calendarsPath("/confirm"), hiddenFields(body)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm the re-fetch: %d", res.StatusCode)
	}
	p, _ := f.st.Programme(t.Context(), congressSlug)
	if s := p.Session(calimport.SessionKey(frabUID("3"))); s == nil || s.Status != programme.StatusCancelled {
		t.Errorf("after the re-fetch: %+v, want cancelled", s)
	}
	src, err := f.st.CalendarSource(t.Context(), congressSlug, "Fahrplan")
	if err != nil || src.URL != srv.URL+"/schedule.ics" || src.LastFetchedAt == nil || src.ETag != `"frab-v2.ics"` {
		t.Errorf("the source: %+v, %v", src, err)
	}
}

// TestCalendarsInStaffNav: the programme's staff navigation leads to its
// calendars.
func TestCalendarsInStaffNav(t *testing.T) {
	f := newCalendarFixture(t)
	b := f.loggedIn(t, "vic@example.org")
	if _, body := b.get("/staff/p/" + congressSlug + "/day/2016-12-27"); !strings.Contains(body, `<a href="/staff/p/`+congressSlug+`/calendars">Calendars</a>`) {
		t.Errorf("the day view's navigation has no Calendars link:\n%s", body)
	}
}
