package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

const csvPath = "/staff/p/" + demoSlug + "/people.csv"

var contentInput = regexp.MustCompile(`name="content" value="([^"]*)"`)
var digestInput = regexp.MustCompile(`name="digest" value="([^"]*)"`)

func TestPeopleCSVRoundTripChangesNothing(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	res, file := b.get(csvPath)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), demoSlug+"-people.csv") {
		t.Fatalf("export: %d %v", res.StatusCode, res.Header)
	}
	if !strings.HasPrefix(file, "\uFEFFkey,name,title,organization,role,delegation,email,phone,note\r\n") {
		t.Errorf("the export starts %q", file[:60])
	}
	res, body := b.postFile(peopleBase+"/import", peopleBase+"/import", file, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d\n%s", res.StatusCode, body)
	}
	if !strings.Contains(body, "<strong>0</strong> new, <strong>0</strong> updated, 22 unchanged") ||
		!strings.Contains(body, "Nothing to import") {
		t.Errorf("re-importing the export would change something:\n%s", body)
	}
}

func TestPeopleCSVPreviewShowsEachRowsProblems(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	before := exportBytes(t, f)
	file := "key,name,role,delegation,email\r\n" +
		"new-one,New One,government,af,new@example.org\r\n" + // line 2: fine
		"ghost,Ghost,government,atlantis,\r\n" + // line 3: unknown delegation
		"new-one,Again,government,,\r\n" + // line 4: duplicate key
		"mail,Mail,other,,not-mail\r\n" + // line 5: bad e-mail
		"enc,Caf\xe9,other,,\r\n" // line 6: Latin-1, not UTF-8
	res, body := b.postFile(peopleBase+"/import", peopleBase+"/import", file, nil)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("preview: %d, want 422\n%s", res.StatusCode, body)
	}
	rows := regexp.MustCompile(`(?s)<tr class="([a-z-]+)">\s*<th scope="row">([0-9]+)</th>(.*?)</tr>`).FindAllStringSubmatch(body, -1)
	want := map[string][]string{
		"2": {"row-create"},
		"3": {"row-invalid", "<strong>delegation</strong>: &#34;atlantis&#34; is not a delegation"},
		"4": {"row-invalid", "<strong>key</strong>: &#34;new-one&#34; is also the key of line 2"},
		"5": {"row-invalid", "<strong>email</strong>: &#34;not-mail&#34; is not an e-mail address"},
		"6": {"row-invalid", "<strong>name</strong>: is not UTF-8 text"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows in the preview, want %d\n%s", len(rows), len(want), body)
	}
	for _, r := range rows {
		w := want[r[2]]
		if r[1] != w[0] || (len(w) > 1 && !strings.Contains(r[3], w[1])) {
			t.Errorf("line %s: %s %s, want %q", r[2], r[1], r[3], w)
		}
	}
	if strings.Contains(body, `action="`+peopleBase+`/import/confirm"`) {
		t.Error("a file with problems can be confirmed")
	}
	// Sending the file to the confirmation anyway saves nothing.
	tok := b.token(peopleBase + "/import")
	res, _ = b.do(http.MethodPost, peopleBase+"/import/confirm", url.Values{"_csrf": {tok}, "content": {file}}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusConflict {
		t.Errorf("confirming a file with problems: %d", res.StatusCode)
	}
	if string(exportBytes(t, f)) != string(before) {
		t.Error("a preview or a refused confirmation changed the programme")
	}
	// A file that is no CSV at all is refused whole.
	res, body = b.postFile(peopleBase+"/import", peopleBase+"/import", "key,name\r\n\"broken,X\r\n", nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Line 2") {
		t.Errorf("broken file: %d\n%s", res.StatusCode, body)
	}
}

func TestPeopleCSVImportIsOneChange(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	file := "\uFEFFkey,name,role,delegation,phone\r\n" +
		"new-one,New One,government,af,'+93 1\r\n" +
		"omar-ansari,Omar Ansari,government,af,+93 2\r\n"
	res, body := b.postFile(peopleBase+"/import", peopleBase+"/import", file, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d\n%s", res.StatusCode, body)
	}
	if !strings.Contains(body, `<tr class="row-create">`) || !strings.Contains(body, `<tr class="row-update">`) {
		t.Errorf("the preview does not say which rows create and which update:\n%s", body)
	}
	if mustPerson(t, f, "new-one") != nil {
		t.Fatal("the preview saved")
	}
	form := url.Values{"content": {htmlUnescape(contentInput.FindStringSubmatch(body)[1])},
		"digest": {digestInput.FindStringSubmatch(body)[1]}}
	res, body = b.post(peopleBase+"/import", peopleBase+"/import/confirm", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", res.StatusCode, body)
	}
	if got := mustPerson(t, f, "new-one"); got == nil || got.Phone != "+93 1" {
		t.Errorf("new-one: %+v", got)
	}
	if got := mustPerson(t, f, "omar-ansari"); got.Phone != "+93 2" {
		t.Errorf("omar-ansari: %+v", got)
	}
	hist, _ := f.st.History(t.Context(), demoSlug, 5)
	if len(hist) != 2 || len(hist[0].Items) != 2 || hist[0].Author.Name != "Emily Skills" {
		t.Errorf("the import is not one change of two people: %d changes, the last of %d items", len(hist), len(hist[0].Items))
	}
	// Confirming the same preview after the people changed is refused.
	res, _ = b.post(peopleBase+"/import", peopleBase+"/import/confirm", form)
	if res.StatusCode != http.StatusConflict {
		t.Errorf("confirming a stale preview: %d, want 409", res.StatusCode)
	}
}

func TestPeopleCSVExportEscapesFormulas(t *testing.T) {
	f := newProgrammeFixture(t)
	p, _ := f.st.Programme(t.Context(), demoSlug)
	batch := p.Header()
	omar := *p.Person("omar-ansari")
	omar.Name, omar.Organization, omar.Phone = `=HYPERLINK("http://evil.example","x")`, "@SUM(1)", "+93 700"
	batch.People = []programme.Person{omar}
	if _, err := f.st.Change(t.Context(), demoSlug, programme.ChangeRequest{Batch: batch, Source: programme.SourceCLI}); err != nil {
		t.Fatal(err)
	}
	b := f.loggedIn(t, "vic@example.org")
	_, file := b.get(csvPath)
	for _, want := range []string{`"'=HYPERLINK(""http://evil.example"",""x"")"`, ",'@SUM(1),", ",'+93 700,"} {
		if !strings.Contains(file, want) {
			t.Errorf("the export lacks %s:\n%s", want, file)
		}
	}
	var _ store.ChangeResult
}
