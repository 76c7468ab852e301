package web

import (
	"bytes"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/accounts"
	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/ical"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

const demoSlug = "igf2016-cldp"

// newProgrammeFixture is a staff server whose database holds the demo,
// private as every imported programme starts, with an editor (Emily
// Skills), a second editor (Ana) and a viewer.
func newProgrammeFixture(t *testing.T) *staffFixture {
	t.Helper()
	// The store shares the server's clock, so that two fixtures given the
	// same edits store the same times.
	clock := storetest.NewClock(testNow)
	st := storetest.Open(t, store.WithNow(clock.Now))
	f := &staffFixture{
		st: st, accounts: accounts.New(st, accounts.WithParams(cheapHashes)), logs: &logBuffer{},
		clock: clock, baseURL: "http://127.0.0.1:8080",
	}
	f.srv = f.newServer()
	storetest.MustImport(t, f.st, sample.Demo(t))
	for _, u := range []struct {
		email, name string
		role        programme.StaffRole
	}{
		{"emily@example.org", "Emily Skills", programme.RoleEditor},
		{"ana@example.org", "Ana", programme.RoleEditor},
		{"vic@example.org", "", programme.RoleViewer},
	} {
		if _, err := f.accounts.AddNamed(t.Context(), u.email, u.name, u.role, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// loggedIn is a browser logged in as email.
func (f *staffFixture) loggedIn(t *testing.T, email string) *browser {
	t.Helper()
	b := f.browser(t, "192.0.2.20")
	b.mustLogin(email)
	return b
}

// postFile submits a multipart form with one file, with the CSRF token of
// page.
func (b *browser) postFile(page, target, content string, fields url.Values) (*http.Response, string) {
	b.t.Helper()
	token := b.token(page)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", token)
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	fw, _ := w.CreateFormFile("file", "programme.json")
	_, _ = fw.Write([]byte(content))
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, target, &body)
	req.RemoteAddr = b.addr + ":40000"
	req.Header.Set("Content-Type", w.FormDataContentType())
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	return rec.Result(), rec.Body.String()
}

// editForm is the programme's edit form as the page fills it.
func editForm(t *testing.T, b *browser, slug string) url.Values {
	t.Helper()
	res, body := b.get("/staff/p/" + slug + "/edit")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET edit: %d\n%s", res.StatusCode, body)
	}
	v := url.Values{}
	for _, name := range []string{"title", "organizer", "time_zone", "starts_on", "ends_on", "location", "revision"} {
		m := regexpValue(name).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no field %s on the edit page", name)
		}
		v.Set(name, htmlUnescape(m[1]))
	}
	if m := descriptionArea.FindStringSubmatch(body); m != nil {
		v.Set("description", htmlUnescape(m[1]))
	}
	return v
}

var descriptionArea = regexp.MustCompile(`name="description"[^>]*>([^<]*)</textarea>`)

// regexpValue finds the value of the input called name.
func regexpValue(name string) *regexp.Regexp {
	return regexp.MustCompile(`name="` + name + `"[^>]*value="([^"]*)"`)
}

func htmlUnescape(s string) string { return html.UnescapeString(s) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func exportBytes(t *testing.T, f *staffFixture) []byte {
	t.Helper()
	p, err := f.st.Programme(t.Context(), demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := exchange.Encode(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPublicPagesShowOnlyPublicProgrammes(t *testing.T) {
	f := newProgrammeFixture(t)
	anon := f.browser(t, "192.0.2.30")
	res, unknownBody := anon.get("/p/no-such-programme")
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown programme: %d", res.StatusCode)
	}
	res, body := anon.get("/p/" + demoSlug)
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("private programme: %d, want 404", res.StatusCode)
	}
	if body != unknownBody {
		t.Error("the 404 of a private programme differs from that of an unknown one")
	}
	if _, body := anon.get("/"); strings.Contains(body, demoSlug) {
		t.Error("the public list shows a private programme")
	}

	// An editor makes it public.
	b := f.loggedIn(t, "emily@example.org")
	form := editForm(t, b, demoSlug)
	form.Set("public", "on")
	if res, body := b.post("/staff/p/"+demoSlug+"/edit", "/staff/p/"+demoSlug+"/edit", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, body)
	}
	if res, _ := anon.get("/p/" + demoSlug); res.StatusCode != http.StatusOK {
		t.Errorf("public programme: %d, want 200", res.StatusCode)
	}
	if _, body := anon.get("/"); !strings.Contains(body, "/p/"+demoSlug) {
		t.Error("the public list leaves out a public programme")
	}
	// Staff see every programme, public or not, and which is which.
	if _, body := b.get("/staff"); !strings.Contains(body, "/staff/p/"+demoSlug+"/history") || !strings.Contains(body, ">public<") {
		t.Errorf("the staff list does not show the programme as public:\n%s", body)
	}
}

// TestProgrammeRoutesByRole sends every state-changing route as a visitor,
// a viewer and without a CSRF token: each is refused and changes nothing.
func TestProgrammeRoutesByRole(t *testing.T) {
	f := newProgrammeFixture(t)
	routes := []string{
		"/staff/programmes",
		"/staff/p/" + demoSlug + "/edit",
		"/staff/import",
		"/staff/import/confirm",
		"/staff/p/" + demoSlug + "/history/1/undo",
	}
	form := url.Values{"slug": {"new-one"}, "title": {"T"}, "time_zone": {"UTC"}, "starts_on": {"2026-01-01"},
		"ends_on": {"2026-01-02"}, "public": {"on"}}
	before := exportBytes(t, f)
	viewer := f.loggedIn(t, "vic@example.org")
	editor := f.loggedIn(t, "emily@example.org")
	anon := f.browser(t, "192.0.2.40")
	anon.token("/staff/login")
	for _, route := range routes {
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
	if !bytes.Equal(exportBytes(t, f), before) {
		t.Error("a refused request changed the programme")
	}
	if _, err := f.st.Programme(t.Context(), "new-one"); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("a refused request created a programme: %v", err)
	}
	// Viewers see the list, the history and the export, and no edit page.
	for path, want := range map[string]int{
		"/staff": 200, "/staff/p/" + demoSlug + "/history": 200, "/staff/p/" + demoSlug + "/export": 200,
		"/staff/p/" + demoSlug + "/edit": 403, "/staff/programmes/new": 403, "/staff/import": 403,
	} {
		if res, _ := viewer.get(path); res.StatusCode != want {
			t.Errorf("viewer GET %s: %d, want %d", path, res.StatusCode, want)
		}
	}
}

func TestProgrammeCreate(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	t.Run("problems are shown beside their fields, input kept", func(t *testing.T) {
		form := url.Values{"slug": {demoSlug}, "title": {"Visit of the <Kenyan> delegation"}, "time_zone": {"Africa/Nairobbi"},
			"starts_on": {"2026-03-10"}, "ends_on": {"2026-03-09"}}
		res, body := b.post("/staff/programmes/new", "/staff/programmes", form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422\n%s", res.StatusCode, body)
		}
		for _, want := range []string{
			`id="f-slug-error">A programme with this short name already exists.`,
			`value="Visit of the &lt;Kenyan&gt; delegation"`, `value="Africa/Nairobbi"`, `value="2026-03-09"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
		form.Set("slug", "kenya-2026")
		res, body = b.post("/staff/programmes/new", "/staff/programmes", form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422\n%s", res.StatusCode, body)
		}
		for _, field := range []string{"time_zone", "ends_on"} {
			if !strings.Contains(body, `id="f-`+field+`-error"`) {
				t.Errorf("no error beside %s:\n%s", field, body)
			}
		}
		if _, err := f.st.Programme(t.Context(), "kenya-2026"); programme.ErrorCode(err) != programme.ENOTFOUND {
			t.Errorf("a refused form created the programme: %v", err)
		}
	})
	t.Run("a valid form creates a private programme, recorded", func(t *testing.T) {
		form := url.Values{"slug": {"kenya-2026"}, "title": {"Visit of the Kenyan delegation"}, "time_zone": {"Africa/Nairobi"},
			"starts_on": {"2026-03-09"}, "ends_on": {"2026-03-10"}, "organizer_email": {"events@example.org"}}
		res, body := b.post("/staff/programmes/new", "/staff/programmes", form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d, want 303\n%s", res.StatusCode, body)
		}
		p, err := f.st.Programme(t.Context(), "kenya-2026")
		if err != nil || p.Public || p.TimeZone != "Africa/Nairobi" || p.OrganizerEmail != "events@example.org" {
			t.Fatalf("created %+v, %v", p, err)
		}
		h, err := f.st.History(t.Context(), "kenya-2026", 0)
		if err != nil || len(h) != 1 || h[0].Author.Name != "Emily Skills" || h[0].Source != programme.SourceWeb {
			t.Errorf("history %+v, %v", h, err)
		}
	})
}

// TestProgrammeEditRefusesAStaleSave: two editors open the same form; the
// second save is refused, the first editor's version shown beside the
// second's, and nothing is overwritten.
func TestProgrammeEditRefusesAStaleSave(t *testing.T) {
	f := newProgrammeFixture(t)
	emily, ana := f.loggedIn(t, "emily@example.org"), f.loggedIn(t, "ana@example.org")
	path := "/staff/p/" + demoSlug + "/edit"
	mine, theirs := editForm(t, ana, demoSlug), editForm(t, emily, demoSlug)
	theirs.Set("title", "CLDP at IGF 2016")
	if res, body := emily.post(path, path, theirs); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save: %d\n%s", res.StatusCode, body)
	}
	saved := exportBytes(t, f)
	mine.Set("title", "IGF 2016 delegations")
	res, body := ana.post(path, path, mine)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("stale save: %d, want 409\n%s", res.StatusCode, body)
	}
	for _, want := range []string{"Emily Skills changed this programme at", "CLDP at IGF 2016", `value="IGF 2016 delegations"`, "Save mine over theirs"} {
		if !strings.Contains(body, want) {
			t.Errorf("the refusal lacks %q:\n%s", want, body)
		}
	}
	if !bytes.Equal(exportBytes(t, f), saved) {
		t.Fatal("the stale save overwrote the first")
	}
	// Saving again from the refusal page is a choice made with both
	// versions in sight: it carries the stored revision.
	m := regexpValue("revision").FindStringSubmatch(body)
	mine.Set("revision", m[1])
	if res, body := ana.post(path, path, mine); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("deliberate save: %d\n%s", res.StatusCode, body)
	}
}

func TestImportPreviewThenConfirm(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	p := sample.Demo(t)
	p.Title = "CLDP at IGF 2016"
	p.Run("day0-bus").Note = "Meet at the north entrance."
	p.Session("town-hall").Status = programme.StatusCancelled
	p.People = append(p.People, programme.Person{Key: "ana-lopez", Name: "Ana López", Role: "government"})
	var file bytes.Buffer
	if err := exchange.Encode(&file, p); err != nil {
		t.Fatal(err)
	}
	before := exportBytes(t, f)

	res, body := b.postFile("/staff/import", "/staff/import", file.String(), nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d\n%s", res.StatusCode, body)
	}
	for _, want := range []string{"Created (1)", "Ana López", "Cancelled (1)", "Updated", "Nothing is saved until you confirm", `name="content"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	if !bytes.Equal(exportBytes(t, f), before) {
		t.Fatal("the preview changed the programme")
	}
	content := htmlUnescape(regexpValue("content").FindStringSubmatch(body)[1])
	res, body = b.post("/staff/import", "/staff/import/confirm", url.Values{"content": {content}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/p/"+demoSlug+"/history" {
		t.Fatalf("confirm: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	stored, _ := f.st.Programme(t.Context(), demoSlug)
	if stored.Title != "CLDP at IGF 2016" || stored.Person("ana-lopez") == nil {
		t.Error("the confirmed import changed nothing")
	}
	h, _ := f.st.History(t.Context(), demoSlug, 1)
	if h[0].Author.Name != "Emily Skills" || h[0].Source != programme.SourceImport {
		t.Errorf("import recorded as by %q from %q", h[0].Author.Name, h[0].Source)
	}

	t.Run("a bad file is refused with its problems, changing nothing", func(t *testing.T) {
		bad := strings.Replace(file.String(), `"time_zone": "America/Mexico_City"`, `"time_zone": "Mars/Olympus"`, 1)
		res, body := b.postFile("/staff/import", "/staff/import", bad, nil)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "programme.time_zone") {
			t.Errorf("bad file: %d\n%s", res.StatusCode, body)
		}
	})
}

func TestExportDownloadsTheFile(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "vic@example.org")
	res, body := b.get("/staff/p/" + demoSlug + "/export")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Disposition") != `attachment; filename="igf2016-cldp.json"` {
		t.Fatalf("export: %d, %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	if body != string(exportBytes(t, f)) {
		t.Error("the download is not the programme's file")
	}
}

func TestHistoryReadsLikeALogAndUndoes(t *testing.T) {
	f := newProgrammeFixture(t)
	emily, ana := f.loggedIn(t, "emily@example.org"), f.loggedIn(t, "ana@example.org")
	path := "/staff/p/" + demoSlug + "/edit"
	original := exportBytes(t, f)
	form := editForm(t, emily, demoSlug)
	form.Set("title", "CLDP at IGF 2016")
	if res, body := emily.post(path, path, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, body)
	}
	history := "/staff/p/" + demoSlug + "/history"
	res, body := ana.get(history)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("history: %d", res.StatusCode)
	}
	line := "CLDP at IGF 2016: title: CLDP-supported delegations at IGF 2016 → CLDP at IGF 2016</li>"
	if !strings.Contains(body, line) || !strings.Contains(body, "Emily Skills, ") {
		t.Errorf("the history lacks %q by Emily Skills:\n%s", line, body)
	}
	h, _ := f.st.History(t.Context(), demoSlug, 0)
	edit := h[0].ID
	undo := history + "/" + itoa(edit) + "/undo"
	if res, body := ana.post(history, undo, url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("undo: %d\n%s", res.StatusCode, body)
	}
	if !bytes.Equal(exportBytes(t, f), original) {
		t.Error("the undo did not restore the programme")
	}
	// Undoing the edit again, after the undo changed the title since, is
	// refused with the reason.
	res, body = ana.post(history, undo, url.Values{})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Not undone: Ana changed this programme") {
		t.Errorf("second undo: %d\n%s", res.StatusCode, body)
	}
}

// TestPageEditsEqualImportedFiles makes the same edits once through the
// pages and once through imported files, on two databases with the same
// clock: the stored programmes, every feed and the change logs' items are
// the same.
func TestPageEditsEqualImportedFiles(t *testing.T) {
	viaPages, viaFiles := newProgrammeFixture(t), newProgrammeFixture(t)
	b := viaPages.loggedIn(t, "emily@example.org")
	path := "/staff/p/" + demoSlug + "/edit"
	edits := []map[string]string{
		{"title": "CLDP at IGF 2016", "location": "Guadalajara, Mexico"},
		{"ends_on": "2016-12-10", "description": ""},
	}
	for i, e := range edits {
		viaPages.clock.Advance(time.Minute)
		viaFiles.clock.Advance(time.Minute)
		form := editForm(t, b, demoSlug)
		for k, v := range e {
			form.Set(k, v)
		}
		if res, body := b.post(path, path, form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit %d: %d\n%s", i, res.StatusCode, body)
		}
		// The same edit as a file holding the programme's fields only.
		stored, err := viaFiles.st.Programme(t.Context(), demoSlug)
		if err != nil {
			t.Fatal(err)
		}
		file := &programme.Programme{Slug: stored.Slug, Title: stored.Title, Organizer: stored.Organizer, TimeZone: stored.TimeZone,
			StartsOn: stored.StartsOn, EndsOn: stored.EndsOn, Location: stored.Location, Description: stored.Description}
		for k, v := range e {
			switch k {
			case "title":
				file.Title = v
			case "location":
				file.Location = v
			case "ends_on":
				file.EndsOn = v
			case "description":
				file.Description = v
			}
		}
		var buf bytes.Buffer
		if err := exchange.Encode(&buf, file); err != nil {
			t.Fatal(err)
		}
		decoded, _, err := exchange.DecodeOnto(&buf, func(string) (*programme.Programme, error) { return stored, nil })
		if err != nil {
			t.Fatalf("edit %d as a file: %v", i, err)
		}
		if _, err := viaFiles.st.Import(t.Context(), decoded, store.ImportOptions{}); err != nil {
			t.Fatalf("edit %d imported: %v", i, err)
		}
	}
	if a, b := exportBytes(t, viaPages), exportBytes(t, viaFiles); !bytes.Equal(a, b) {
		t.Errorf("exports differ:\n%s\n---\n%s", a, b)
	}
	pa, _ := viaPages.st.Programme(t.Context(), demoSlug)
	pb, _ := viaFiles.st.Programme(t.Context(), demoSlug)
	for _, sub := range feeds.Subjects(pa) {
		if a, b := feedOf(t, pa, sub), feedOf(t, pb, sub); !bytes.Equal(a, b) {
			t.Errorf("feed %s:%s differs", sub.Kind, sub.Key)
		}
	}
	ha, _ := viaPages.st.History(t.Context(), demoSlug, 0)
	hb, _ := viaFiles.st.History(t.Context(), demoSlug, 0)
	if len(ha) != 3 || len(hb) != 3 {
		t.Fatalf("histories of %d and %d changes, want 3 each", len(ha), len(hb))
	}
	for i := range ha {
		if !reflect.DeepEqual(ha[i].Items, hb[i].Items) {
			t.Errorf("change %d: through the pages %+v, through files %+v", i, ha[i].Items, hb[i].Items)
		}
	}
	if ha[0].Author.Name != "Emily Skills" || ha[0].Source != programme.SourceWeb {
		t.Errorf("the page's edit is recorded as by %q from %q", ha[0].Author.Name, ha[0].Source)
	}
}

func feedOf(t *testing.T, p *programme.Programme, sub feeds.Subject) []byte {
	t.Helper()
	entries, err := p.FeedEntries(sub.Kind, sub.Key, testNow)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := ical.Encode(&b, ical.Feed{Name: sub.Name, Programme: p, Entries: entries}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
