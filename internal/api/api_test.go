package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/planner-dev/planner/internal/api"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

const argonHash = "$argon2id$v=19$m=16,t=1,p=1$c2FsdA$a2V5"

// fixture is an API over a store holding the demo programme, with a token
// for each role, that validates every response against the OpenAPI
// document and counts which operations were called.
type fixture struct {
	t      *testing.T
	st     *store.Store
	svc    *feeds.Service
	h      http.Handler
	slug   string
	tokens map[programme.StaffRole]string
	doc    map[string]any
	schema *jsonschema.Compiler
	ops    map[string]opSpec // by method and path template
	called map[string]bool   // operation ids
}

type opSpec struct {
	id, method, path string
	responses        map[string]any
}

func newFixture(t *testing.T, withDemo bool) *fixture {
	t.Helper()
	return newFixtureOn(t, storetest.Open(t), withDemo)
}

// newFixtureOn is newFixture on a store of the test's own.
func newFixtureOn(t *testing.T, st *store.Store, withDemo bool) *fixture {
	t.Helper()
	return newFixtureClocked(t, st, withDemo, time.Now)
}

// newFixtureClocked is newFixtureOn with the feeds service on clock now.
func newFixtureClocked(t *testing.T, st *store.Store, withDemo bool, now func() time.Time) *fixture {
	t.Helper()
	f := &fixture{t: t, st: st, tokens: map[programme.StaffRole]string{}, called: map[string]bool{}}
	if withDemo {
		p := sample.Demo(t)
		storetest.MustImport(t, st, p)
		f.slug = p.Slug
	}
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte("k"), feeds.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f.svc = feeds.NewService(st, keys, "http://planner.test", now)
	f.h = api.New(api.Config{Store: st, Feeds: f.svc})
	for _, role := range programme.StaffRoles {
		email := string(role) + "@example.org"
		if _, err := st.CreateUser(t.Context(), store.NewUser{Email: email, Role: role, PasswordHash: argonHash, Name: "The " + string(role)}); err != nil {
			t.Fatal(err)
		}
		_, secret, err := st.CreateAPIToken(t.Context(), email, "tests")
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[role] = secret
	}
	f.loadDocument()
	return f
}

// loadDocument fetches the served OpenAPI document, with no token.
func (f *fixture) loadDocument() {
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusOK {
		f.t.Fatalf("GET openapi.json: %d %s", rec.Code, rec.Body)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		f.t.Fatal(err)
	}
	f.doc = doc.(map[string]any)
	if v := f.doc["openapi"]; !strings.HasPrefix(v.(string), "3.1") {
		f.t.Fatalf("openapi = %v, want 3.1", v)
	}
	f.schema = jsonschema.NewCompiler()
	if err := f.schema.AddResource("http://planner.test/openapi.json", f.doc); err != nil {
		f.t.Fatal(err)
	}
	f.ops = map[string]opSpec{}
	for path, v := range f.doc["paths"].(map[string]any) {
		for method, o := range v.(map[string]any) {
			o := o.(map[string]any)
			m := strings.ToUpper(method)
			f.ops[m+" "+path] = opSpec{id: o["operationId"].(string), method: m, path: path, responses: o["responses"].(map[string]any)}
		}
	}
}

// match finds the operation of a request by its path template.
func (f *fixture) match(method, path string) (opSpec, bool) {
	parts := strings.Split(path, "/")
	for _, op := range f.ops {
		if op.method != method {
			continue
		}
		tmpl := strings.Split(op.path, "/")
		if len(tmpl) != len(parts) {
			continue
		}
		ok := true
		for i := range tmpl {
			if !strings.HasPrefix(tmpl[i], "{") && tmpl[i] != parts[i] {
				ok = false
				break
			}
		}
		if ok {
			return op, true
		}
	}
	return opSpec{}, false
}

// res is a response, checked against the document.
type res struct {
	*httptest.ResponseRecorder
	json map[string]any
}

// do sends a request as role ("" for none) and validates the response
// against the document: its status must be one the operation declares and
// its body must match that response's schema.
func (f *fixture) do(role programme.StaffRole, method, path string, body any, header ...string) res {
	f.t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[role])
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	r := res{ResponseRecorder: rec}

	u, _ := url.Parse(path)
	op, ok := f.match(method, u.Path)
	if !ok {
		f.t.Fatalf("%s %s: no operation in the document", method, path)
	}
	f.called[op.id] = true
	spec, ok := op.responses[strconv.Itoa(rec.Code)]
	if !ok {
		f.t.Fatalf("%s %s: status %d is not in the document (%s)", method, path, rec.Code, rec.Body)
	}
	content, _ := spec.(map[string]any)["content"].(map[string]any)
	if rec.Body.Len() == 0 {
		if len(content) > 0 && rec.Code != http.StatusNotModified {
			f.t.Fatalf("%s %s: %d has no body, the document promises one", method, path, rec.Code)
		}
		return r
	}
	ct := strings.TrimSpace(strings.Split(rec.Header().Get("Content-Type"), ";")[0])
	if _, ok := content[ct]; !ok {
		f.t.Fatalf("%s %s: %d answered %s, the document says %v", method, path, rec.Code, ct, content)
	}
	ptr := "#/paths/" + escape(op.path) + "/" + strings.ToLower(method) + "/responses/" + strconv.Itoa(rec.Code) + "/content/" + escape(ct) + "/schema"
	sch, err := f.schema.Compile("http://planner.test/openapi.json" + ptr)
	if err != nil {
		f.t.Fatalf("compile %s: %v", ptr, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		f.t.Fatalf("%s %s: the body is not JSON: %v", method, path, err)
	}
	if err := sch.Validate(v); err != nil {
		f.t.Fatalf("%s %s: %d body does not match the document: %v\n%s", method, path, rec.Code, err, rec.Body)
	}
	r.json, _ = v.(map[string]any)
	_ = json.Unmarshal(rec.Body.Bytes(), &r.json)
	return r
}

func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func (f *fixture) want(r res, status int) res {
	f.t.Helper()
	if r.Code != status {
		f.t.Fatalf("status %d, want %d: %s", r.Code, status, r.Body)
	}
	return r
}
