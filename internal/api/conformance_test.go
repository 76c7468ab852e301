package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
)

const (
	admin  = programme.RoleAdmin
	editor = programme.RoleEditor
	viewer = programme.RoleViewer
)

// itemCase is one kind of item with an existing key, and a field to edit.
type itemCase struct {
	plural, key, field string
}

var itemCases = []itemCase{
	{"venues", "dc", "name"},
	{"rooms", "room-10", "name"},
	{"delegations", "af", "name"},
	{"people", "joe-gattuso", "name"},
	{"sessions", "dc-day1", "title"},
	{"runs", "day0-bus", "title"},
	{"sessions/day0-seminar/slots", "welcome", "title"},
}

// TestEveryOperation sends real requests to every operation of the
// document and validates each response against it (fixture.do); it fails
// when an operation has no request, so that the document cannot grow an
// operation nobody checked.
func TestEveryOperation(t *testing.T) {
	f := newFixture(t, true)
	p := "/api/v1/programmes/" + f.slug

	f.want(f.do(viewer, "GET", "/api/v1/programmes", nil), 200)
	prog := f.want(f.do(viewer, "GET", p, nil), 200)
	header := prog.json
	header["title"] = "Renamed by the API"
	f.want(f.do(editor, "PUT", p, header, "If-Match", prog.Header().Get("ETag")), 200)
	f.want(f.do(viewer, "GET", p+"/conflicts", nil), 200)
	f.want(f.do(viewer, "GET", p+"/export", nil), 200)

	for _, c := range itemCases {
		base := p + "/" + c.plural
		list := f.want(f.do(viewer, "GET", base+"?limit=1", nil), 200)
		if n := len(list.json["items"].([]any)); n != 1 {
			t.Fatalf("%s: limit 1 gave %d items", base, n)
		}
		got := f.want(f.do(viewer, "GET", base+"/"+c.key, nil), 200)
		tag := got.Header().Get("ETag")
		f.want(f.do(viewer, "GET", base+"/"+c.key, nil, "If-None-Match", tag), 304)

		item := got.json
		item[c.field] = "Edited " + c.key
		put := f.want(f.do(editor, "PUT", base+"/"+c.key, item, "If-Match", tag), 200)
		if put.json[c.field] != "Edited "+c.key || put.Header().Get("ETag") == tag {
			t.Fatalf("PUT %s: %v, ETag %s", c.key, put.json, put.Header().Get("ETag"))
		}
		// The old revision no longer matches: 412.
		f.want(f.do(editor, "PUT", base+"/"+c.key, item, "If-Match", tag), 412)
		patched := f.want(f.do(editor, "PATCH", base+"/"+c.key, map[string]any{c.field: "Patched " + c.key},
			"If-Match", put.Header().Get("ETag")), 200)
		if patched.json[c.field] != "Patched "+c.key {
			t.Fatalf("PATCH %s: %v", c.key, patched.json)
		}

		// A copy under a new key is created (201), and then removed.
		item = patched.json
		item["key"] = "api-copy"
		delete(item, "email")
		created := f.want(f.do(editor, "PUT", base+"/api-copy", item), 201)
		f.want(f.do(editor, "DELETE", base+"/api-copy", nil, "If-Match", created.Header().Get("ETag")), 204)
	}

	f.want(f.do(viewer, "GET", p+"/sessions?day=2016-12-05&delegation=af&person=joe-gattuso&status=confirmed&changed_since=2000-01-01T00:00:00Z", nil), 200)
	f.want(f.do(viewer, "GET", p+"/people?delegation=af", nil), 200)

	hist := f.want(f.do(viewer, "GET", p+"/history?since=2000-01-01T00:00:00Z&limit=5", nil), 200)
	items := hist.json["items"].([]any)
	last := items[0].(map[string]any)
	if !strings.Contains(last["author"].(string), "The editor") || !strings.Contains(last["author"].(string), "tests") || last["source"] != "api" {
		t.Fatalf("the history does not name the token's owner and token: %v", last)
	}
	id := int64(last["id"].(float64))
	f.want(f.do(editor, "POST", p+"/history/"+itoa(id)+"/undo", nil), 200)

	feeds := f.want(f.do(viewer, "GET", p+"/feeds?not_current=true", nil), 200)
	if len(feeds.json["items"].([]any)) == 0 {
		t.Fatal("no feed is behind, yet none was ever fetched")
	}
	f.want(f.do(admin, "POST", p+"/feeds/delegation/af/rotate", nil), 200)
	f.want(f.do(admin, "DELETE", p+"/feeds/delegation/af", nil), 204)

	export := f.want(f.do(viewer, "GET", p+"/export", nil), 200)
	f.want(f.do(editor, "POST", "/api/v1/programmes/import?dry_run=true", export.Body.Bytes()), 200)

	f.want(f.do(viewer, "GET", "/api/v1/tokens", nil), 200)
	toks, _ := f.st.APITokens(t.Context(), "viewer@example.org")
	f.want(f.do(viewer, "DELETE", "/api/v1/tokens/"+itoa(toks[0].ID), nil), 204)

	for _, op := range f.ops {
		if !f.called[op.id] {
			t.Errorf("operation %s (%s %s) has no request in this test", op.id, op.method, op.path)
		}
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestAuthorization: no token or a bad one is 401 with WWW-Authenticate; a
// role that may not is 403 and changes nothing.
func TestAuthorization(t *testing.T) {
	f := newFixture(t, true)
	p := "/api/v1/programmes/" + f.slug
	r := f.want(f.do("", "GET", p, nil), 401)
	if !strings.HasPrefix(r.Header().Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("WWW-Authenticate = %q", r.Header().Get("WWW-Authenticate"))
	}
	r = f.want(f.do("", "GET", p, nil, "Authorization", "Bearer plnr_NOTATOKEN"), 401)
	if !strings.Contains(r.Header().Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("WWW-Authenticate = %q", r.Header().Get("WWW-Authenticate"))
	}
	got := f.want(f.do(viewer, "GET", p+"/venues/dc", nil), 200)
	f.want(f.do(viewer, "PATCH", p+"/venues/dc", map[string]any{"name": "x"}, "If-Match", got.Header().Get("ETag")), 403)
	f.want(f.do(editor, "POST", p+"/feeds/delegation/af/rotate", nil), 403)
	f.want(f.do(viewer, "POST", "/api/v1/programmes/import", "{}"), 403)
	after := f.want(f.do(viewer, "GET", p+"/venues/dc", nil), 200)
	if after.Header().Get("ETag") != got.Header().Get("ETag") {
		t.Fatal("a refused write changed the item")
	}

	// A revoked token is 401 from then on.
	toks, _ := f.st.APITokens(t.Context(), "viewer@example.org")
	if err := f.st.RevokeAPIToken(t.Context(), toks[0].ID); err != nil {
		t.Fatal(err)
	}
	f.want(f.do(viewer, "GET", p, nil), 401)
}

// TestClientErrors: what a client sends wrong is a 4xx problem, never 500.
func TestClientErrors(t *testing.T) {
	f := newFixture(t, true)
	p := "/api/v1/programmes/" + f.slug
	f.want(f.do(viewer, "GET", "/api/v1/programmes/nope/sessions/x", nil), 404)
	f.want(f.do(viewer, "GET", p+"/sessions/nope", nil), 404)

	got := f.want(f.do(viewer, "GET", p+"/sessions/dc-day1", nil), 200)
	tag := got.Header().Get("ETag")

	// 428: a write to an existing item must say which revision it replaces.
	f.want(f.do(editor, "PATCH", p+"/sessions/dc-day1", map[string]any{"title": "x"}), 428)

	// 422 with the field at fault, as a location in the body.
	r := f.want(f.do(editor, "PATCH", p+"/sessions/dc-day1", map[string]any{"ends_at": "2016-11-28T08:00"}, "If-Match", tag), 422)
	errs, _ := r.json["errors"].([]any)
	if len(errs) == 0 || !strings.HasPrefix(errs[0].(map[string]any)["location"].(string), "body.") {
		t.Fatalf("422 without a field location: %s", r.Body)
	}
	r = f.want(f.do(editor, "PATCH", p+"/sessions/dc-day1", map[string]any{"key": "other"}, "If-Match", tag), 422)
	if !strings.Contains(r.Body.String(), "body.key") {
		t.Fatalf("renaming: %s", r.Body)
	}
	f.want(f.do(editor, "PATCH", p+"/sessions/dc-day1", map[string]any{"room": "no-such-room"}, "If-Match", tag), 422)
	f.want(f.do(viewer, "GET", p+"/sessions?day=tuesday", nil), 422)
	f.want(f.do(viewer, "GET", p+"/sessions?person=nobody", nil), 422)

	// Odd bodies are the client's fault: 4xx, never 500.
	run := f.want(f.do(viewer, "GET", p+"/runs/day0-bus", nil), 200)
	for _, tc := range []struct{ method, path, body, etag string }{
		{"PUT", p + "/sessions/new", `{"starts_at": 5}`, ""},
		{"PUT", p + "/sessions/new", `[]`, ""},
		{"PUT", p + "/sessions/new", `{"title": "x", "audience": "everyone"}`, ""},
		{"PUT", p + "/sessions/new", `{"key": "a b", "title": "x"}`, ""},
		{"PUT", p + "/sessions/day0-seminar/slots/new", `{"title": "x", "starts_at": "2016-13-40T25:00"}`, ""},
		{"PUT", p + "/sessions/nope/slots/new", `{"title": "x"}`, ""},
		{"PATCH", p + "/runs/day0-bus", `{"poll": {"votes": "x"}}`, run.Header().Get("ETag")},
		{"PATCH", p + "/runs/day0-bus", `{"riders": {"people": ["nobody"]}}`, run.Header().Get("ETag")},
		{"PUT", "/api/v1/programmes/nope/venues/v", `{"name": "x"}`, ""},
	} {
		r := f.do(editor, tc.method, tc.path, tc.body, "If-Match", tc.etag)
		if r.Code < 400 || r.Code >= 500 {
			t.Errorf("%s %s %s: %d, want a 4xx\n%s", tc.method, tc.path, tc.body, r.Code, r.Body)
		}
	}

	// 400: a body that is not JSON.
	f.want(f.do(editor, "PUT", p+"/venues/new", "{not json"), 400)
	// 415: a body that is not JSON by its type.
	f.want(f.do(editor, "PUT", p+"/venues/new", "name=x", "Content-Type", "text/plain"), 415)
	// 413: a body over the limit.
	big := `{"key":"new","name":"` + strings.Repeat("x", 3<<20) + `"}`
	f.want(f.do(editor, "PUT", p+"/venues/new", big), 413)

	// 409: deleting a venue that rooms and sessions use.
	v := f.want(f.do(viewer, "GET", p+"/venues/expo", nil), 200)
	r = f.want(f.do(editor, "DELETE", p+"/venues/expo", nil, "If-Match", v.Header().Get("ETag")), 409)
	if !strings.Contains(r.Body.String(), "room") {
		t.Fatalf("409 without the reference: %s", r.Body)
	}
	// If-Match compares strongly: the item's own tag marked weak is 412.
	f.want(f.do(editor, "PATCH", p+"/venues/expo", map[string]any{"name": "x"}, "If-Match", "W/"+v.Header().Get("ETag")), 412)
	// 412: If-Match of another revision; the problem names who changed it.
	f.want(f.do(editor, "DELETE", p+"/venues/expo", nil, "If-Match", `"0000000000000000"`), 412)

	// An import with errors: 422 with every problem at its place in the file.
	r = f.want(f.do(editor, "POST", "/api/v1/programmes/import", `{"format":"delegation-programme/v1","programme":{"slug":"x"}}`), 422)
	if !strings.Contains(r.Body.String(), "body.programme") {
		t.Fatalf("import errors: %s", r.Body)
	}
	f.want(f.do(editor, "POST", "/api/v1/programmes/import", "[1,"), 422)
}

// TestMoveASlot is the guide's example: read a slot, move it with a merge
// patch, and see the change in the history.
func TestMoveASlot(t *testing.T) {
	f := newFixture(t, true)
	slot := "/api/v1/programmes/" + f.slug + "/sessions/day0-seminar/slots/welcome"
	got := f.want(f.do(viewer, "GET", slot, nil), 200)
	// The guide reads the ETag with HEAD.
	head := httptest.NewRequest(http.MethodHead, slot, nil)
	head.Header.Set("Authorization", "Bearer "+f.tokens[viewer])
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, head)
	if rec.Code != 200 || rec.Header().Get("ETag") != got.Header().Get("ETag") {
		t.Fatalf("HEAD: %d, ETag %q", rec.Code, rec.Header().Get("ETag"))
	}
	moved := f.want(f.do(editor, "PATCH", slot, `{"starts_at":"2016-12-05T09:05","ends_at":"2016-12-05T09:15"}`,
		"If-Match", got.Header().Get("ETag"), "Content-Type", "application/merge-patch+json"), 200)
	if moved.json["starts_at"] != "2016-12-05T09:05" || moved.json["title"] != got.json["title"] {
		t.Fatalf("moved = %v", moved.json)
	}
	p, err := f.st.Programme(t.Context(), f.slug)
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Session("day0-seminar").Slot("welcome"); s.StartsAt.In(p.Loc("")).Format("15:04") != "09:05" {
		t.Fatalf("stored slot starts at %v", s.StartsAt)
	}
}

// TestRoundTrip: export a programme, import it into an empty database,
// export again: the same document.
func TestRoundTrip(t *testing.T) {
	from := newFixture(t, true)
	first := from.want(from.do(viewer, "GET", "/api/v1/programmes/"+from.slug+"/export", nil), 200)

	// The export is the file, byte for byte, as `planner export` writes it.
	stored, err := from.st.Programme(t.Context(), from.slug)
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	if err := exchange.Encode(&file, stored); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file.Bytes(), first.Body.Bytes()) {
		t.Fatalf("the export is not the programme file:\n%s", first.Body)
	}

	to := newFixture(t, false)
	dry := to.want(to.do(editor, "POST", "/api/v1/programmes/import?dry_run=true", first.Body.Bytes()), 200)
	if dry.json["changed"] != true || len(dry.json["items"].([]any)) == 0 {
		t.Fatalf("dry run: %s", dry.Body)
	}
	if _, err := to.st.Programme(t.Context(), from.slug); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Fatalf("a dry run stored the programme: %v", err)
	}
	to.want(to.do(editor, "POST", "/api/v1/programmes/import", first.Body.Bytes()), 200)
	second := to.want(to.do(viewer, "GET", "/api/v1/programmes/"+from.slug+"/export", nil), 200)
	if !bytes.Equal(first.Body.Bytes(), second.Body.Bytes()) {
		t.Fatalf("the second export differs:\n%s\n---\n%s", first.Body, second.Body)
	}
	if !slices.Contains([]string{"application/json"}, strings.Split(second.Header().Get("Content-Type"), ";")[0]) {
		t.Fatalf("export Content-Type %q", second.Header().Get("Content-Type"))
	}
}

// TestTokens: staff list their own tokens and revoke them; only an admin
// sees and revokes others'.
func TestTokens(t *testing.T) {
	f := newFixture(t, false)
	mine := f.want(f.do(viewer, "GET", "/api/v1/tokens", nil), 200)
	if items := mine.json["items"].([]any); len(items) != 1 || items[0].(map[string]any)["email"] != "viewer@example.org" {
		t.Fatalf("a viewer's tokens: %s", mine.Body)
	}
	all := f.want(f.do(admin, "GET", "/api/v1/tokens", nil), 200)
	if len(all.json["items"].([]any)) != 3 {
		t.Fatalf("an admin's list: %s", all.Body)
	}
	toks, _ := f.st.APITokens(t.Context(), "editor@example.org")
	f.want(f.do(viewer, "DELETE", "/api/v1/tokens/"+itoa(toks[0].ID), nil), 403)
	f.want(f.do(viewer, "DELETE", "/api/v1/tokens/999", nil), 404)
	f.want(f.do(admin, "DELETE", "/api/v1/tokens/"+itoa(toks[0].ID), nil), 204)
	f.want(f.do(editor, "GET", "/api/v1/tokens", nil), 401)
}

func keysOf(r res) []string {
	var out []string
	for _, it := range r.json["items"].([]any) {
		out = append(out, it.(map[string]any)["key"].(string))
	}
	return out
}

// TestListFiltersAndPages: each filter keeps what it says, and pages add
// up to the whole list.
func TestListFiltersAndPages(t *testing.T) {
	f := newFixture(t, true)
	p := "/api/v1/programmes/" + f.slug
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"day=2016-11-28", []string{"dc-day1"}},
		{"status=tentative", []string{"nri-main"}},
		{"person=sally-wentworth", []string{"day0-seminar"}},
		{"person=jordan-solomon&day=2016-12-05", []string{"day0-seminar"}},
		{"delegation=af&day=2016-11-29", []string{"dc-day2"}},
	} {
		if got := keysOf(f.want(f.do(viewer, "GET", p+"/sessions?"+tc.query, nil), 200)); !slices.Equal(got, tc.want) {
			t.Errorf("sessions?%s = %v, want %v", tc.query, got, tc.want)
		}
	}
	if got := keysOf(f.want(f.do(viewer, "GET", p+"/people?delegation=pk", nil), 200)); !slices.Equal(got, []string{"syed-shah", "shamim", "pk-civil-society"}) {
		t.Errorf("people of pk = %v", got)
	}

	all := keysOf(f.want(f.do(viewer, "GET", p+"/sessions", nil), 200))
	var paged []string
	for offset := 0; ; {
		r := f.want(f.do(viewer, "GET", p+"/sessions?limit=4&offset="+itoa(int64(offset)), nil), 200)
		paged = append(paged, keysOf(r)...)
		if int(r.json["total"].(float64)) != len(all) {
			t.Fatalf("total = %v, want %d", r.json["total"], len(all))
		}
		next, ok := r.json["next_offset"].(float64)
		if !ok {
			break
		}
		offset = int(next)
	}
	if !slices.Equal(paged, all) {
		t.Fatalf("pages %v, all %v", paged, all)
	}

	// changed_since keeps only what changed after the instant.
	before := f.want(f.do(viewer, "GET", p+"/history?limit=1", nil), 200).json["items"].([]any)[0].(map[string]any)["at"].(string)
	got := f.want(f.do(viewer, "GET", p+"/sessions/town-hall", nil), 200)
	f.want(f.do(editor, "PATCH", p+"/sessions/town-hall", map[string]any{"title": "Town Hall"}, "If-Match", got.Header().Get("ETag")), 200)
	if got := keysOf(f.want(f.do(viewer, "GET", p+"/sessions?changed_since="+before, nil), 200)); !slices.Equal(got, []string{"town-hall"}) {
		t.Errorf("changed since %s = %v", before, got)
	}
	hist := f.want(f.do(viewer, "GET", p+"/history?since="+before, nil), 200).json["items"].([]any)
	if len(hist) != 1 {
		t.Errorf("history since %s has %d changes, want 1", before, len(hist))
	}
}

// TestAPIRefusesAStayerWhoDoesNotRide: a run whose staying_behind names a
// person it does not take is refused with the path and message a file and
// the delegate's form get (see internal/web TestStayingBehindIsForRidersEverywhere).
func TestAPIRefusesAStayerWhoDoesNotRide(t *testing.T) {
	f := newFixture(t, true)
	run := "/api/v1/programmes/" + f.slug + "/runs/day0-bus"
	got := f.want(f.do(viewer, "GET", run, nil), 200)
	r := f.want(f.do(editor, "PATCH", run, `{"staying_behind":[{"person":"sally-wentworth"}]}`,
		"If-Match", got.Header().Get("ETag"), "Content-Type", "application/merge-patch+json"), 422)
	const msg = `"sally-wentworth" does not ride this run: add them to its riders, or take them off its staying_behind`
	if !strings.Contains(r.Body.String(), "staying_behind[0].person") || !strings.Contains(r.Body.String(), strings.ReplaceAll(msg, `"`, `\"`)) {
		t.Fatalf("the refusal: %s", r.Body)
	}
	f.want(f.do(editor, "PATCH", run, `{"staying_behind":[{"person":"omar-ansari"}]}`,
		"If-Match", got.Header().Get("ETag"), "Content-Type", "application/merge-patch+json"), 200)
}
