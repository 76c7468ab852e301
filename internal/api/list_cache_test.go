package api_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/api"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// encodes is how many list bodies the fixture's API has encoded.
func (f *fixture) encodes() int64 { return api.ListEncodes(f.h.(*api.Server)) }

// list GETs path as a viewer, wants 200, and says whether the body was
// encoded for it (false: served from kept bytes).
func (f *fixture) list(path string, header ...string) (r res, encoded bool) {
	f.t.Helper()
	before := f.encodes()
	r = f.want(f.do(viewer, "GET", path, nil, header...), http.StatusOK)
	return r, f.encodes() != before
}

// The second identical list request is served from the bytes kept for
// the first, with the same status, headers and body, and those are the
// bytes an API that never listed anything encodes afresh.
func TestAListIsServedFromKeptBytes(t *testing.T) {
	f := newFixture(t, true)
	path := "/api/v1/programmes/" + f.slug + "/sessions?limit=3"
	first, encoded := f.list(path)
	if !encoded {
		t.Fatal("the first request was not encoded")
	}
	second, encoded := f.list(path)
	if encoded {
		t.Fatal("the second identical request was encoded again")
	}
	if !bytes.Equal(first.Body.Bytes(), second.Body.Bytes()) {
		t.Fatalf("kept bytes differ:\n%s\n%s", first.Body, second.Body)
	}
	for _, h := range []string{"Content-Type", "Link"} {
		if first.Header().Get(h) != second.Header().Get(h) || second.Header().Get(h) == "" {
			t.Errorf("%s: %q then %q", h, first.Header().Get(h), second.Header().Get(h))
		}
	}

	keys, err := feeds.NewKeyring(bytes.Repeat([]byte("k"), feeds.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	fresh := api.New(api.Config{Store: f.st, Feeds: feeds.NewService(f.st, keys, "http://planner.test", time.Now)})
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens[viewer])
	rec := httptest.NewRecorder()
	fresh.ServeHTTP(rec, req)
	if api.ListEncodes(fresh) != 1 || !bytes.Equal(rec.Body.Bytes(), second.Body.Bytes()) {
		t.Fatalf("a fresh encode (%d) differs from the kept bytes:\n%s\n%s", api.ListEncodes(fresh), rec.Body, second.Body)
	}
}

// Whatever shapes a list's bytes keeps its own: every list, page and
// filter, and the host the body's $schema link names.
func TestListsOfDifferentShapesAreKeptApart(t *testing.T) {
	f := newFixture(t, true)
	p := "/api/v1/programmes/" + f.slug
	paths := []string{
		p + "/sessions", p + "/sessions?limit=2", p + "/sessions?limit=2&offset=1", p + "/sessions?status=tentative",
		p + "/sessions?day=2016-11-28", p + "/sessions?person=sally-wentworth", p + "/sessions?delegation=af&day=2016-11-29",
		p + "/sessions?changed_since=2100-01-01T00:00:00Z", p + "/people", p + "/people?delegation=pk",
		p + "/venues", p + "/rooms", p + "/delegations", p + "/runs", p + "/sessions/day0-seminar/slots", p + "/sessions/day0-seminar/slots?limit=1",
	}
	seen := map[string]string{}
	for _, path := range paths {
		r, encoded := f.list(path)
		if !encoded {
			t.Errorf("%s was served from another list's bytes", path)
		}
		if other, ok := seen[r.Body.String()]; ok {
			t.Errorf("%s and %s have the same bytes", path, other)
		}
		seen[r.Body.String()] = path
	}
	for _, path := range paths {
		if _, encoded := f.list(path); encoded {
			t.Errorf("%s was encoded again", path)
		}
	}

	// The $schema names the host asked: a forwarded host is a list of its own.
	plain, _ := f.list(p + "/rooms")
	forwarded, encoded := f.list(p+"/rooms", "X-Forwarded-Host", "planner.example.org")
	if !encoded || !strings.Contains(forwarded.Body.String(), `"$schema":"https://planner.example.org/api/v1/schemas/`) ||
		strings.Contains(plain.Body.String(), "planner.example.org") {
		t.Fatalf("encoded %v; without the forwarded host:\n%s\nwith it:\n%s", encoded, plain.Body, forwarded.Body)
	}
}

// A change, through the API or an import, shows in the very next list,
// kept bytes or not.
func TestAListShowsAChangeAtOnce(t *testing.T) {
	f := newFixture(t, true)
	p := "/api/v1/programmes/" + f.slug
	path := p + "/sessions?limit=1000"
	f.list(path)
	if _, encoded := f.list(path); encoded {
		t.Fatal("the repeated list was not kept")
	}
	got := f.want(f.do(viewer, "GET", p+"/sessions/town-hall", nil), http.StatusOK)
	f.want(f.do(editor, "PATCH", p+"/sessions/town-hall", map[string]any{"title": "Town Hall, patched"}, "If-Match", got.Header().Get("ETag")), http.StatusOK)
	if r, encoded := f.list(path); !encoded || !strings.Contains(r.Body.String(), "Town Hall, patched") {
		t.Fatalf("after a PATCH (encoded %v):\n%s", encoded, r.Body)
	}

	edited := sample.Demo(t)
	for i := range edited.Sessions {
		if edited.Sessions[i].Key == "town-hall" {
			edited.Sessions[i].Title = "Town Hall, imported"
		}
	}
	storetest.MustImport(t, f.st, edited)
	if r, _ := f.list(path); !strings.Contains(r.Body.String(), "Town Hall, imported") {
		t.Fatalf("after an import:\n%s", r.Body)
	}
	// The older version's bytes are no longer kept.
	if n, _ := api.ListsKept(f.h.(*api.Server)); n != 1 {
		t.Fatalf("%d lists kept, want the one of the newest version", n)
	}
}

// Which sessions are on an agenda depends on the clock as well as the
// version: a cancelled session stays on its delegation's agenda for
// programme.TombstoneTTL, and then goes with no change to the programme.
func TestAnAgendaListFollowsTheClock(t *testing.T) {
	f := newFixture(t, true)
	s := f.h.(*api.Server)
	p := "/api/v1/programmes/" + f.slug
	got := f.want(f.do(viewer, "GET", p+"/sessions/dc-day2", nil), http.StatusOK)
	f.want(f.do(editor, "DELETE", p+"/sessions/dc-day2", nil, "If-Match", got.Header().Get("ETag")), http.StatusNoContent)
	path := p + "/sessions?delegation=af&day=2016-11-29"
	for range 2 {
		if r, _ := f.list(path); !slices.Equal(keysOf(r), []string{"dc-day2"}) {
			t.Fatalf("just cancelled: %s", r.Body)
		}
	}
	later := time.Now().Add(programme.TombstoneTTL + time.Hour)
	api.SetClock(s, func() time.Time { return later })
	if r, encoded := f.list(path); !encoded || len(keysOf(r)) != 0 {
		t.Fatalf("after the tombstone's time (encoded %v): %s", encoded, r.Body)
	}
}

// Kept bytes are served only to whoever may list: the token is checked on
// every request. An error is never kept.
func TestKeptListsStillNeedAToken(t *testing.T) {
	f := newFixture(t, true)
	path := "/api/v1/programmes/" + f.slug + "/sessions"
	f.list(path)
	f.want(f.do("", "GET", path, nil), http.StatusUnauthorized)
	f.want(f.do("", "GET", path, nil, "Authorization", "Bearer plnr_NOTATOKEN"), http.StatusUnauthorized)
	toks, err := f.st.APITokens(t.Context(), "viewer@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.RevokeAPIToken(t.Context(), toks[0].ID); err != nil {
		t.Fatal(err)
	}
	f.want(f.do(viewer, "GET", path, nil), http.StatusUnauthorized)
	r := f.want(f.do(editor, "GET", path, nil), http.StatusOK)
	if !strings.Contains(r.Body.String(), `"items":[`) {
		t.Fatalf("the editor's list:\n%s", r.Body)
	}

	before := f.encodes()
	for range 2 {
		f.want(f.do(editor, "GET", "/api/v1/programmes/nope/sessions", nil), http.StatusNotFound)
		f.want(f.do(editor, "GET", path+"?person=nobody", nil), http.StatusUnprocessableEntity)
		f.want(f.do(editor, "GET", "/api/v1/programmes/"+f.slug+"/sessions/nope/slots", nil), http.StatusNotFound)
	}
	if f.encodes() != before {
		t.Fatalf("errors were encoded as lists: %d", f.encodes()-before)
	}
}

// The kept lists stay within their budget: the least recently used go,
// and come back encoded afresh when asked again.
func TestKeptListsStayWithinTheirBudget(t *testing.T) {
	f := newFixture(t, true)
	s := f.h.(*api.Server)
	p := "/api/v1/programmes/" + f.slug + "/sessions?limit=1&offset="
	one, _ := f.list(p + "0")
	budget := 3 * (one.Body.Len() + 200)
	api.SetListBudget(s, budget)
	bodies := map[int]string{}
	for offset := range 10 {
		r, _ := f.list(p + itoa(int64(offset)))
		bodies[offset] = r.Body.String()
		if n, used := api.ListsKept(s); used > budget {
			t.Fatalf("after %d pages: %d kept in %d bytes, budget %d", offset+1, n, used, budget)
		}
	}
	if n, _ := api.ListsKept(s); n >= 10 {
		t.Fatalf("all %d pages kept in a budget of %d bytes", n, budget)
	}
	if _, encoded := f.list(p + "9"); encoded {
		t.Error("the most recent page was not kept")
	}
	r, encoded := f.list(p + "0")
	if !encoded || r.Body.String() != bodies[0] {
		t.Fatalf("the first page, long dropped: encoded %v\n%s\nwas\n%s", encoded, r.Body, bodies[0])
	}

	// A body larger than the whole budget is served, not kept.
	api.SetListBudget(s, 100)
	for range 2 {
		if _, encoded := f.list(p + "0"); !encoded {
			t.Fatal("a body over the budget was kept")
		}
	}
	if n, used := api.ListsKept(s); n != 0 || used != 0 {
		t.Fatalf("%d kept in %d bytes", n, used)
	}
}
