package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/api"
	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// The lists read the programme the feeds share, loaded once per version: a
// change through another store handle on the same database (another
// instance, with no Watch running) shows in the next list, on every page.
func TestListsShowAnotherInstancesChange(t *testing.T) {
	url := storetest.FreshURL(t)
	here := storetest.OpenURL(t, url)
	if err := here.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	p := sample.Demo(t)
	storetest.MustImport(t, here, p)
	other := storetest.OpenURL(t, url)
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte("k"), feeds.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	h := api.New(api.Config{Store: here, Feeds: feeds.NewService(here, keys, "http://planner.test", time.Now)})
	if _, err := here.CreateUser(t.Context(), store.NewUser{Email: "v@example.org", Role: programme.RoleViewer, PasswordHash: argonHash, Name: "V"}); err != nil {
		t.Fatal(err)
	}
	_, secret, err := here.CreateAPIToken(t.Context(), "v@example.org", "tests")
	if err != nil {
		t.Fatal(err)
	}
	titles := func(query string) (out []string, total int, next *int) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "/api/v1/programmes/"+p.Slug+"/sessions"+query, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("list %s: %d %s", query, rec.Code, rec.Body)
		}
		var body struct {
			Items []struct {
				Key, Title string
			}
			Total      int
			NextOffset *int `json:"next_offset"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		for _, it := range body.Items {
			out = append(out, it.Key+": "+it.Title)
		}
		return out, body.Total, body.NextOffset
	}
	all, total, next := titles("")
	if total != len(p.Sessions) || len(all) != total || next != nil {
		t.Fatalf("the whole list: %d items of %d, next %v; the programme has %d sessions", len(all), total, next, len(p.Sessions))
	}
	// A page is the same items as the same stretch of the whole list.
	page, total, next := titles("?limit=2&offset=1")
	if total != len(all) || strings.Join(page, "|") != strings.Join(all[1:3], "|") || next == nil || *next != 3 {
		t.Fatalf("page 2 of 2 from 1: %q of %d, next %v; the whole list %q", page, total, next, all)
	}

	edited := sample.Demo(t)
	for i := range edited.Sessions {
		if edited.Sessions[i].Key == "day0-seminar" {
			edited.Sessions[i].Title = "Seminar, renamed elsewhere"
		}
	}
	storetest.MustImport(t, other, edited)
	after, _, _ := titles("")
	if !strings.Contains(strings.Join(after, "\n"), "day0-seminar: Seminar, renamed elsewhere") {
		t.Fatalf("after another instance's change the list says:\n%s", strings.Join(after, "\n"))
	}
	if page, _, _ := titles("?status=confirmed&limit=1"); len(page) != 1 {
		t.Fatalf("a filtered page: %q", page)
	}
}

// With memory current, as Watch keeps it in `serve` (here a clock that
// stands still keeps it trusted), the lists take the programme's version
// from memory; a change through the API of this process (a PATCH, an
// import) still shows in the next list at once, without waiting for Watch
// to learn of it.
func TestListsShowThisProcesssChangeAtOnce(t *testing.T) {
	now := time.Date(2016, 11, 20, 12, 0, 0, 0, time.UTC)
	f := newFixtureClocked(t, storetest.Open(t), true, func() time.Time { return now })
	if err := f.svc.SyncChanges(t.Context()); err != nil {
		t.Fatal(err)
	}
	sessions := "/api/v1/programmes/" + f.slug + "/sessions"
	titleOf := func(key string) string {
		t.Helper()
		list := f.want(f.do(programme.RoleViewer, "GET", sessions+"?limit=1000", nil), 200)
		for _, it := range list.json["items"].([]any) {
			if it := it.(map[string]any); it["key"] == key {
				return it["title"].(string)
			}
		}
		return ""
	}
	if got := titleOf("day0-seminar"); got == "" {
		t.Fatal("the seminar is not listed")
	}
	tag := f.want(f.do(programme.RoleViewer, "GET", sessions+"/day0-seminar", nil), 200).Header().Get("ETag")
	f.want(f.do(programme.RoleEditor, "PATCH", sessions+"/day0-seminar", map[string]any{"title": "Seminar, patched"}, "If-Match", tag), 200)
	if got := titleOf("day0-seminar"); got != "Seminar, patched" {
		t.Fatalf("after a PATCH the list says %q", got)
	}

	edited := sample.Demo(t)
	for i := range edited.Sessions {
		if edited.Sessions[i].Key == "day0-seminar" {
			edited.Sessions[i].Title = "Seminar, imported"
		}
	}
	var file bytes.Buffer
	if err := exchange.Encode(&file, edited); err != nil {
		t.Fatal(err)
	}
	f.want(f.do(programme.RoleEditor, "POST", "/api/v1/programmes/import", file.Bytes()), 200)
	if got := titleOf("day0-seminar"); got != "Seminar, imported" {
		t.Fatalf("after an import the list says %q", got)
	}
}
