package web

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store/storetest"
)

const peopleBase = "/staff/p/" + demoSlug + "/people"

// itemFormValues are the named fields of an item form as the page fills
// them (inputs, selected options and textareas).
func itemFormValues(t *testing.T, b *browser, page string, names ...string) url.Values {
	t.Helper()
	res, body := b.get(page)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", page, res.StatusCode, body)
	}
	return formValuesOf(body, names...)
}

func formValuesOf(body string, names ...string) url.Values {
	v := url.Values{}
	for _, name := range names {
		if m := regexpValue(name).FindStringSubmatch(body); m != nil {
			v.Set(name, htmlUnescape(m[1]))
		} else if m := regexp.MustCompile(`(?s)name="` + name + `"[^>]*>.*?<option value="([^"]*)" selected`).FindStringSubmatch(body); m != nil && !strings.Contains(m[0], "</select>") {
			v.Set(name, htmlUnescape(m[1]))
		} else if m := regexp.MustCompile(`name="` + name + `"[^>]*>([^<]*)</textarea>`).FindStringSubmatch(body); m != nil {
			v.Set(name, htmlUnescape(m[1]))
		}
	}
	return v
}

var personFields = []string{"name", "title", "organization", "role", "delegation", "email", "phone", "note", "revision"}

func mustPerson(t *testing.T, f *staffFixture, key string) *programme.Person {
	t.Helper()
	p, err := f.st.Programme(t.Context(), demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	return p.Person(key)
}

func TestPeopleRoutesByRole(t *testing.T) {
	f := newProgrammeFixture(t)
	routes := []string{
		peopleBase + "/new", peopleBase + "/omar-ansari/edit", peopleBase + "/omar-ansari/remove",
		peopleBase + "/delegations/new", peopleBase + "/delegations/af/edit", peopleBase + "/delegations/af/remove",
		peopleBase + "/import", peopleBase + "/import/confirm",
		venuesBase + "/new", venuesBase + "/expo/edit", venuesBase + "/expo/remove",
		venuesBase + "/rooms/new", venuesBase + "/rooms/room-10/edit", venuesBase + "/rooms/room-10/remove",
		venuesBase + "/rooms/room-10/reservations", venuesBase + "/rooms/room-10/reservations/0/release",
		venuesBase + "/rooms/room-10/reservations/0/remove",
	}
	form := url.Values{"key": {"new-one"}, "name": {"N"}, "role": {"other"}, "from": {"10:00"}, "content": {"key,name\r\nx,X\r\n"}}
	before := exportBytes(t, f)
	viewer := f.loggedIn(t, "vic@example.org")
	editor := f.loggedIn(t, "emily@example.org")
	for _, route := range routes {
		if res, _ := viewer.post("/staff", route, form); res.StatusCode != http.StatusForbidden {
			t.Errorf("viewer POST %s: %d, want 403", route, res.StatusCode)
		}
		if res, _ := editor.do(http.MethodPost, route, form, nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("editor POST %s without a CSRF token: %d, want 403", route, res.StatusCode)
		}
	}
	if !bytes.Equal(exportBytes(t, f), before) {
		t.Error("a refused request changed the programme")
	}
	for path, want := range map[string]int{
		peopleBase: 200, "/staff/p/" + demoSlug + "/people.csv": 200, venuesBase: 200,
		peopleBase + "/new": 403, peopleBase + "/omar-ansari/edit": 403, venuesBase + "/rooms/room-10/edit": 403,
	} {
		if res, _ := viewer.get(path); res.StatusCode != want {
			t.Errorf("viewer GET %s: %d, want %d", path, res.StatusCode, want)
		}
	}
	// Every page needs a login: a visitor gets none of it.
	anon := f.browser(t, "192.0.2.41")
	for _, path := range []string{peopleBase, "/staff/p/" + demoSlug + "/people.csv", venuesBase} {
		if res, _ := anon.get(path); res.StatusCode == http.StatusOK {
			t.Errorf("visitor GET %s: 200", path)
		}
	}
}

func TestPersonFormShowsProblemsBesideFields(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	form := url.Values{"key": {"omar-ansari"}, "name": {""}, "role": {"king"}, "delegation": {"af"},
		"email": {"omar at example"}, "phone": {"+93 <700>"}}
	res, body := b.post(peopleBase+"/new", peopleBase+"/new", form)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422\n%s", res.StatusCode, body)
	}
	for _, want := range []string{
		`id="f-key-error">A person with this key already exists.`,
		`id="f-email-error">&#34;omar at example&#34; is not an e-mail address`,
		`value="+93 &lt;700&gt;"`, `<option value="af" selected>`,
	} {
		if !strings.Contains(body, want) && !strings.Contains(strings.ReplaceAll(body, "&#43;", "+"), want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	form.Set("key", "new-person")
	form.Set("email", "new@example.org")
	res, body = b.post(peopleBase+"/new", peopleBase+"/new", form)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422\n%s", res.StatusCode, body)
	}
	for _, field := range []string{"name", "role"} {
		if !strings.Contains(body, `id="f-`+field+`-error"`) {
			t.Errorf("no error beside %s", field)
		}
	}
	if mustPerson(t, f, "new-person") != nil {
		t.Error("a refused form created the person")
	}
	form.Set("name", "New Person")
	form.Set("role", "government")
	if res, body := b.post(peopleBase+"/new", peopleBase+"/new", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303\n%s", res.StatusCode, body)
	}
	got := mustPerson(t, f, "new-person")
	if got == nil || got.Email != "new@example.org" || got.Phone != "+93 <700>" || got.Delegation != "af" {
		t.Fatalf("stored %+v", got)
	}
	hist, err := f.st.History(t.Context(), demoSlug, 1)
	if err != nil || len(hist) != 1 || hist[0].Author.Name != "Emily Skills" || hist[0].Source != programme.SourceWeb {
		t.Errorf("the change log does not name the editor: %v", err)
	}
}

func TestPersonEditRefusesAStaleSave(t *testing.T) {
	f := newProgrammeFixture(t)
	emily, ana := f.loggedIn(t, "emily@example.org"), f.loggedIn(t, "ana@example.org")
	page := peopleBase + "/omar-ansari/edit"
	mine := itemFormValues(t, emily, page, personFields...)
	theirs := itemFormValues(t, ana, page, personFields...)
	if mine.Get("delegation") != "af" || mine.Get("role") == "" {
		t.Fatalf("the form lacks the stored values: %v", mine)
	}
	theirs.Set("phone", "+93 111")
	if res, body := ana.post(page, page, theirs); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save: %d\n%s", res.StatusCode, body)
	}
	mine.Set("phone", "+93 222")
	res, body := emily.post(page, page, mine)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("second save: %d, want 409\n%s", res.StatusCode, body)
	}
	for _, want := range []string{"Ana changed this person", "<td>+93 111</td><td>+93 222</td>", "Save mine over theirs"} {
		if !strings.Contains(strings.ReplaceAll(body, "&#43;", "+"), want) {
			t.Errorf("the stale page lacks %q", want)
		}
	}
	if got := mustPerson(t, f, "omar-ansari").Phone; got != "+93 111" {
		t.Errorf("phone %q after a refused save", got)
	}
	// Saving again from the page shown is a choice made with both in sight.
	again := formValuesOf(body, personFields...)
	if res, body := emily.post(page, page, again); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save over theirs: %d\n%s", res.StatusCode, body)
	}
	if got := mustPerson(t, f, "omar-ansari").Phone; got != "+93 222" {
		t.Errorf("phone %q, want mine", got)
	}
}

func TestRemovingAPersonSaysWhatRefersToThem(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	page := peopleBase + "/syed-shah/edit"
	v := itemFormValues(t, b, page, "revision")
	res, body := b.post(page, peopleBase+"/syed-shah/remove", v)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422\n%s", res.StatusCode, body)
	}
	if !strings.Contains(body, "Nothing was deleted.") || !strings.Contains(body, `<ul class="references"><li>`) ||
		!strings.Contains(body, "Pakistan") {
		t.Errorf("the refusal does not list what refers to the person:\n%s", body)
	}
	if mustPerson(t, f, "syed-shah") == nil {
		t.Fatal("a refused removal deleted the person")
	}
	// Someone no item names goes.
	p, _ := f.st.Programme(t.Context(), demoSlug)
	var free string
	for _, x := range p.People {
		if len(programme.ReferencesTo(p, programme.ItemRef{Kind: programme.KindPerson, Key: x.Key}, nil)) == 0 {
			free = x.Key
			break
		}
	}
	if free == "" {
		t.Fatal("the demo has no one free to remove")
	}
	page = peopleBase + "/" + free + "/edit"
	v = itemFormValues(t, b, page, "revision")
	if res, body := b.post(page, peopleBase+"/"+free+"/remove", v); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove %s: %d\n%s", free, res.StatusCode, body)
	}
	if mustPerson(t, f, free) != nil {
		t.Errorf("%s is still there", free)
	}
}

func TestDelegationForm(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	page := peopleBase + "/delegations/af/edit"
	res, body := b.get(page)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET: %d", res.StatusCode)
	}
	// The lead is chosen among the delegation's members only.
	lead := regexp.MustCompile(`(?s)<select id="f-lead".*?</select>`).FindString(body)
	if !strings.Contains(lead, `value="omar-ansari"`) || strings.Contains(lead, `value="syed-shah"`) {
		t.Errorf("lead choices:\n%s", lead)
	}
	v := formValuesOf(body, "name", "country", "lead", "note", "revision")
	v.Set("lead", "omar-ansari")
	v.Set("country", "afg")
	if res, body := b.post(page, page, v); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-country-error"`) {
		t.Fatalf("bad country: %d\n%s", res.StatusCode, body)
	}
	v.Set("country", "AF")
	if res, body := b.post(page, page, v); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, body)
	}
	p, _ := f.st.Programme(t.Context(), demoSlug)
	if got := p.Delegation("af").Lead; got != "omar-ansari" {
		t.Errorf("lead %q", got)
	}
	// A delegation with members cannot go.
	v = itemFormValues(t, b, page, "revision")
	if res, _ := b.post(page, peopleBase+"/delegations/af/remove", v); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("removing a delegation with members: %d, want 422", res.StatusCode)
	}
	// A new one, then gone.
	nv := url.Values{"key": {"ke"}, "name": {"Kenya"}, "country": {"KE"}}
	if res, body := b.post(peopleBase+"/delegations/new", peopleBase+"/delegations/new", nv); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", res.StatusCode, body)
	}
	v = itemFormValues(t, b, peopleBase+"/delegations/ke/edit", "revision")
	if res, _ := b.post(peopleBase+"/delegations/ke/edit", peopleBase+"/delegations/ke/remove", v); res.StatusCode != http.StatusSeeOther {
		t.Errorf("remove: %d", res.StatusCode)
	}
}

func TestPeopleListGroupsAndSearches(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "vic@example.org")
	_, body := b.get(peopleBase)
	inOrder(t, body, ">Afghanistan", "Omar", ">Pakistan", "Lead: Dr. Syed Shah", "No delegation", "Joe Gattuso")
	if strings.Contains(body, `href="`+peopleBase+`/new"`) {
		t.Error("a viewer is offered to add people")
	}
	_, body = b.get(peopleBase + "?q=PAKISTAN")
	if !strings.Contains(body, "Syed") || strings.Contains(body, "Omar") || !strings.Contains(body, "3 of 22 people match") {
		t.Errorf("search for Pakistan:\n%s", body)
	}
}

// TestContactsOnlyOnStaffPages enters a contact through the form, finds it
// in the database and on the staff pages, and not on the public page.
func TestContactsOnlyOnStaffPages(t *testing.T) {
	f := newProgrammeFixture(t)
	storetest.MustMakePublic(t, f.st, demoSlug)
	b := f.loggedIn(t, "emily@example.org")
	page := peopleBase + "/omar-ansari/edit"
	v := itemFormValues(t, b, page, personFields...)
	v.Set("email", "omar.private@example.org")
	v.Set("phone", "+93 700 999 111")
	v.Set("note", "Prefers the back door.")
	if res, body := b.post(page, page, v); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, body)
	}
	got := mustPerson(t, f, "omar-ansari")
	if got.Email != "omar.private@example.org" || got.Phone != "+93 700 999 111" || got.Note == "" {
		t.Fatalf("the database lacks the contact: %+v", got)
	}
	secrets := []string{"omar.private@example.org", "+93 700 999 111", "Prefers the back door."}
	_, staff := b.get(peopleBase)
	_, csv := b.get("/staff/p/" + demoSlug + "/people.csv")
	for _, s := range secrets {
		if !strings.Contains(htmlUnescape(staff), s) {
			t.Errorf("the staff page lacks %q", s)
		}
		if !strings.Contains(csv, s) && !strings.Contains(csv, "'"+s) {
			t.Errorf("the export lacks %q", s)
		}
	}
	anon := f.browser(t, "192.0.2.42")
	res, public := anon.get("/p/" + demoSlug)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("public page: %d", res.StatusCode)
	}
	for _, s := range secrets {
		if strings.Contains(htmlUnescape(public), s) {
			t.Errorf("the public page shows %q", s)
		}
	}
}

func TestRemovingAChangedPersonIsRefused(t *testing.T) {
	f := newProgrammeFixture(t)
	emily, ana := f.loggedIn(t, "emily@example.org"), f.loggedIn(t, "ana@example.org")
	page := peopleBase + "/lisel-fronz/edit"
	old := itemFormValues(t, emily, page, "revision")
	theirs := itemFormValues(t, ana, page, personFields...)
	theirs.Set("phone", "+1 202 555 0100")
	if res, body := ana.post(page, page, theirs); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("Ana's save: %d\n%s", res.StatusCode, body)
	}
	res, body := emily.post(page, peopleBase+"/lisel-fronz/remove", old)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Ana changed this person") {
		t.Fatalf("removing from an old page: %d\n%s", res.StatusCode, body)
	}
	if mustPerson(t, f, "lisel-fronz") == nil {
		t.Error("a refused removal deleted the person")
	}
}
