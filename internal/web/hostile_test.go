package web

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/planner-dev/planner/internal/accounts"
	"github.com/planner-dev/planner/internal/api"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/hostile"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// hostileEnv is the whole server (pages, staff pages, delegate forms and
// the API) over a real database holding the demo with its bus poll open,
// an editor and an admin logged in, an API token, and a delegate's link.
// check sends one bad input and holds the server to its promise: a 4xx and
// not one row of any table changed.
type hostileEnv struct {
	t        *testing.T
	st       *store.Store
	h        http.Handler
	editor   *browser
	admin    *browser
	apiToken string
	omar     string // Omar's personal link token
	base     hostile.Snapshot
	counts   map[string]int
}

func newHostileEnv(t *testing.T) *hostileEnv {
	t.Helper()
	clock := storetest.NewClock(importedAt)
	st := storetest.Open(t, store.WithNow(clock.Now))
	storetest.MustImport(t, st, editedDemo(t, func(p *programme.Programme) { p.Transport[0].Poll.Decided = "" }))
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte{7}, feeds.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc := feeds.NewService(st, keys, "https://planner.example.org", clock.Now)
	acc := accounts.New(st, accounts.WithParams(cheapHashes))
	srv := New(Config{
		BaseURL:  "https://planner.example.org",
		Logger:   slog.New(slog.DiscardHandler),
		Now:      clock.Now,
		Feeds:    svc,
		Accounts: acc,
		Sessions: st,
		API:      api.New(api.Config{Store: st, Feeds: svc}),
	}, st)
	env := &hostileEnv{t: t, st: st, h: srv.Handler(), counts: map[string]int{}}
	for _, u := range []struct {
		email string
		role  programme.StaffRole
	}{{"emily@example.org", programme.RoleEditor}, {"root@example.org", programme.RoleAdmin}} {
		if _, err := acc.AddNamed(t.Context(), u.email, "Staff", u.role, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	if _, env.apiToken, err = st.CreateAPIToken(t.Context(), "emily@example.org", "hostile"); err != nil {
		t.Fatal(err)
	}
	env.editor = &browser{t: t, h: env.h, addr: "192.0.2.20", cookies: map[string]*http.Cookie{}}
	env.editor.mustLogin("emily@example.org")
	env.admin = &browser{t: t, h: env.h, addr: "192.0.2.21", cookies: map[string]*http.Cookie{}}
	env.admin.mustLogin("root@example.org")
	list, err := svc.List(t.Context(), demoSlug, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range list {
		if l.Kind == programme.FeedPerson && l.Key == "omar-ansari" {
			env.omar = strings.TrimSuffix(strings.TrimPrefix(l.URL, "https://planner.example.org/feeds/"), ".ics")
		}
	}
	if env.omar == "" {
		t.Fatal("no feed for omar-ansari")
	}
	// Every page is read once before the baseline, so that what a first
	// read stores (feed tokens made on demand) is in it.
	for _, page := range []string{"/staff/p/" + demoSlug + "/feeds", "/a/" + env.omar} {
		if res, body := env.editor.get(page); res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", page, res.StatusCode, body)
		}
	}
	env.base = env.snapshot()
	return env
}

func (env *hostileEnv) snapshot() hostile.Snapshot {
	env.t.Helper()
	s, err := hostile.Take(env.t.Context(), env.st.DB())
	if err != nil {
		env.t.Fatal(err)
	}
	return s
}

// check sends one input the way send does and fails unless the answer is a
// 4xx that changed nothing in the database.
func (env *hostileEnv) check(way, name string, send func() (int, string)) {
	env.t.Helper()
	env.counts[way]++
	status, body := send()
	if status < 400 || status > 499 {
		env.t.Errorf("%s %s: status %d, want a 4xx\n%s", way, name, status, clipBody(body))
	}
	if status >= 400 && status <= 499 && strings.TrimSpace(body) == "" {
		env.t.Errorf("%s %s: status %d with an empty page: the refusal must say what is wrong", way, name, status)
	}
	after := env.snapshot()
	if d := env.base.Diff(after); d != "" {
		env.t.Errorf("%s %s: status %d, and the database changed:\n%s", way, name, status, d)
		env.base = after
	}
}

func clipBody(s string) string {
	if len(s) > 1500 {
		return s[:1500] + "…"
	}
	return s
}

// report logs the count of inputs of each way in and returns the total.
func (env *hostileEnv) report() int {
	ways := make([]string, 0, len(env.counts))
	total := 0
	for w, n := range env.counts {
		ways = append(ways, w)
		total += n
	}
	sort.Strings(ways)
	for _, w := range ways {
		env.t.Logf("%-28s %4d bad inputs", w, env.counts[w])
		fmt.Printf("hostile: %-28s %4d bad inputs\n", w, env.counts[w])
	}
	fmt.Printf("hostile: %-28s %4d bad inputs\n", "total", total)
	return total
}

// apiDo sends one request to the API with the editor's token.
func (env *hostileEnv) apiDo(method, target string, header map[string]string, body []byte) (int, string) {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+env.apiToken)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	env.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// parseRequestFile reads an input of testdata/api: a line "METHOD PATH",
// header lines, an empty line and the body, as is.
func parseRequestFile(t *testing.T, in hostile.Input) (method, target string, header map[string]string, body []byte) {
	head, body, ok := bytes.Cut(in.Data, []byte("\n\n"))
	if !ok {
		t.Fatalf("api/%s: no empty line after the headers", in.Name)
	}
	sc := bufio.NewScanner(bytes.NewReader(head))
	sc.Scan()
	method, target, _ = strings.Cut(sc.Text(), " ")
	header = map[string]string{}
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ": ")
		header[k] = v
	}
	return method, target, header, body
}

// staffForm is a form of a staff page: where it posts and its fields as the
// page fills them.
type staffForm struct {
	page, action string
	fields       url.Values
	// names are the fields a user fills in (not the CSRF token, not the
	// revision the page was read at, not checkboxes, whose value says
	// nothing but that they are ticked).
	names []string
	// multiLine are the names of textareas, where a browser sends each
	// line break as CR LF.
	multiLine map[string]bool
}

// formOf reads page and returns its form that posts to action.
func formOf(t *testing.T, b *browser, page, action string) staffForm {
	t.Helper()
	res, body := b.get(page)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", page, res.StatusCode, clipBody(body))
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var form *html.Node
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "form" && strings.Split(attr(n, "action"), "#")[0] == action {
			form = n
			break
		}
	}
	if form == nil {
		t.Fatalf("GET %s: no form posting to %s", page, action)
	}
	f := staffForm{page: page, action: action, fields: url.Values{}, multiLine: map[string]bool{}}
	checkboxes := map[string]bool{}
	add := func(name, value string) {
		if name == "" {
			return
		}
		f.fields.Add(name, value)
		if name != "_csrf" && name != "revision" && !checkboxes[name] && !slices.Contains(f.names, name) {
			f.names = append(f.names, name)
		}
	}
	for n := range form.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "input":
			switch attr(n, "type") {
			case "submit", "button", "file", "reset":
			case "checkbox", "radio":
				checkboxes[attr(n, "name")] = true
				if hasAttr(n, "checked") {
					add(attr(n, "name"), attrOr(n, "value", "on"))
				}
			default:
				add(attr(n, "name"), attr(n, "value"))
			}
		case "textarea":
			var text strings.Builder
			for c := range n.Descendants() {
				if c.Type == html.TextNode {
					text.WriteString(c.Data)
				}
			}
			f.multiLine[attr(n, "name")] = true
			add(attr(n, "name"), strings.TrimPrefix(text.String(), "\n"))
		case "select":
			value, first := "", true
			for o := range n.Descendants() {
				if o.Type == html.ElementNode && o.Data == "option" {
					if first || hasAttr(o, "selected") {
						value = attr(o, "value")
						first = false
					}
					if hasAttr(o, "selected") {
						break
					}
				}
			}
			add(attr(n, "name"), value)
		}
	}
	return f
}

func attr(n *html.Node, name string) string { return attrOr(n, name, "") }

func attrOr(n *html.Node, name, def string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return def
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

// postMultipart posts fields and one file as a browser's upload does.
func (b *browser) postMultipart(target string, fields url.Values, fileField, content string) (int, string) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	fw, _ := w.CreateFormFile(fileField, "upload")
	_, _ = fw.Write([]byte(content))
	_ = w.Close()
	return b.raw(http.MethodPost, target, w.FormDataContentType(), body.Bytes())
}

// raw posts body with the browser's cookies.
func (b *browser) raw(method, target, contentType string, body []byte) (int, string) {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	req.RemoteAddr = b.addr + ":40000"
	req.Header.Set("Content-Type", contentType)
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	data, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(data)
}

// TestHostileInputs sends every input of the corpus to every way in that
// takes its kind: each must be refused with a 4xx and change nothing.
func TestHostileInputs(t *testing.T) {
	env := newHostileEnv(t)
	slug := "/staff/p/" + demoSlug

	// The API: the requests of testdata/api, as they are.
	for _, in := range hostile.Files("api") {
		method, target, header, body := parseRequestFile(t, in)
		env.check("api request", in.Name, func() (int, string) { return env.apiDo(method, target, header, body) })
	}
	// The API: each text field of an item of each kind, set to each bad
	// value by a merge patch.
	items := []string{"sessions/day0-seminar", "sessions/day0-seminar/slots/isoc", "people/omar-ansari", "venues/expo",
		"rooms/room-10", "delegations/af", "runs/day0-bus"}
	for i, item := range items {
		target := "/api/v1/programmes/" + demoSlug + "/" + item
		status, body := env.apiDo(http.MethodGet, target, nil, nil)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", target, status, body)
		}
		fields := stringFields(t, body)
		for j, field := range fields {
			for _, v := range valuesFor(i + j) {
				patch := []byte(`{` + jsonString(field) + `: ` + jsonString(v.Text) + `}`)
				env.check("api item field", item+"."+field+"="+v.Name, func() (int, string) {
					return env.apiDo(http.MethodPatch, target, map[string]string{"Content-Type": "application/merge-patch+json", "If-Match": "*"}, patch)
				})
			}
		}
	}
	// The API: bodies over its limits.
	env.check("api request", "import-9-mib", func() (int, string) {
		return env.apiDo(http.MethodPost, "/api/v1/programmes/import", map[string]string{"Content-Type": "application/json"}, hugeJSON(9<<20))
	})
	env.check("api request", "put-session-3-mib", func() (int, string) {
		return env.apiDo(http.MethodPut, "/api/v1/programmes/"+demoSlug+"/sessions/huge", map[string]string{"Content-Type": "application/json"}, hugeJSON(3<<20))
	})

	// Programme files: through the API's import, the staff import page's
	// upload (the preview) and its confirmation (the import).
	tok := env.editor.token("/staff/import")
	for _, in := range hostile.Files("programme") {
		env.check("api import", in.Name, func() (int, string) {
			return env.apiDo(http.MethodPost, "/api/v1/programmes/import", map[string]string{"Content-Type": "application/json"}, in.Data)
		})
		env.check("staff import upload", in.Name, func() (int, string) {
			return env.editor.postMultipart("/staff/import", url.Values{"_csrf": {tok}}, "file", string(in.Data))
		})
		env.check("staff import confirm", in.Name, func() (int, string) {
			res, body := env.editor.do(http.MethodPost, "/staff/import/confirm", url.Values{"_csrf": {tok}, "content": {string(in.Data)}}, nil)
			return res.StatusCode, body
		})
	}

	// People CSV files: the upload (preview) and the confirmation.
	peopleImport := slug + "/people/import"
	tok = env.editor.token(peopleImport)
	for _, in := range hostile.Files("csv") {
		env.check("people csv upload", in.Name, func() (int, string) {
			return env.editor.postMultipart(peopleImport, url.Values{"_csrf": {tok}}, "file", string(in.Data))
		})
		env.check("people csv confirm", in.Name, func() (int, string) {
			res, body := env.editor.do(http.MethodPost, peopleImport+"/confirm", url.Values{"_csrf": {tok}, "content": {string(in.Data)}, "digest": {""}}, nil)
			return res.StatusCode, body
		})
	}

	// Uploads over the pages' body limit.
	huge := strings.Repeat("a", 3<<20)
	env.check("people csv upload", "3-mib-file", func() (int, string) {
		return env.editor.postMultipart(peopleImport, url.Values{"_csrf": {tok}}, "file", "key,name\r\nx,"+huge+"\r\n")
	})
	env.check("staff import upload", "3-mib-file", func() (int, string) {
		return env.editor.postMultipart("/staff/import", url.Values{"_csrf": {tok}}, "file", string(hugeJSON(3<<20)))
	})

	// Calendar files: the upload, and the confirmation of every event.
	calendars := slug + "/calendars"
	for _, in := range hostile.Files("ics") {
		env.check("calendar upload", in.Name, func() (int, string) {
			return env.editor.postMultipart(calendars+"/read", url.Values{"_csrf": {tok}, "mode": {"new"}, "source": {"Hostile"}}, "file", string(in.Data))
		})
		env.check("calendar confirm", in.Name, func() (int, string) {
			res, body := env.editor.do(http.MethodPost, calendars+"/confirm", url.Values{"_csrf": {tok}, "mode": {"new"}, "source": {"Hostile"},
				"calendar": {base64.StdEncoding.EncodeToString(in.Data)}, "pick": {"talk@host.example"}, "delegation": {"af"}, "kind": {"other"}}, nil)
			return res.StatusCode, body
		})
	}

	env.check("calendar upload", "3-mib-file", func() (int, string) {
		return env.editor.postMultipart(calendars+"/read", url.Values{"_csrf": {tok}, "mode": {"new"}, "source": {"Hostile"}}, "file",
			"BEGIN:VCALENDAR\r\nX-A:"+huge+"\r\nEND:VCALENDAR\r\n")
	})

	// Staff forms: each field a user fills in, set to bad values in turn.
	forms := []struct {
		b            *browser
		page, action string
	}{
		{env.editor, slug + "/edit", slug + "/edit"},
		{env.editor, "/staff/programmes/new", "/staff/programmes"},
		{env.editor, slug + "/people/new", slug + "/people/new"},
		{env.editor, slug + "/people/omar-ansari/edit", slug + "/people/omar-ansari/edit"},
		{env.editor, slug + "/people/delegations/new", slug + "/people/delegations/new"},
		{env.editor, slug + "/people/delegations/af/edit", slug + "/people/delegations/af/edit"},
		{env.editor, slug + "/venues/new", slug + "/venues/new"},
		{env.editor, slug + "/venues/expo/edit", slug + "/venues/expo/edit"},
		{env.editor, slug + "/venues/rooms/new", slug + "/venues/rooms/new"},
		{env.editor, slug + "/venues/rooms/room-10/edit", slug + "/venues/rooms/room-10/edit"},
		{env.editor, slug + "/venues/rooms/room-10/edit", slug + "/venues/rooms/room-10/reservations"},
		{env.editor, slug + "/sessions/new", slug + "/sessions/new"},
		{env.editor, slug + "/sessions/day0-seminar", slug + "/sessions/day0-seminar"},
		{env.editor, slug + "/sessions/day0-seminar/slots/new", slug + "/sessions/day0-seminar/slots"},
		{env.editor, slug + "/sessions/day0-seminar/slots/isoc", slug + "/sessions/day0-seminar/slots/isoc"},
		{env.editor, slug + "/runs/new", slug + "/runs"},
		{env.editor, slug + "/runs/day0-bus/edit", slug + "/runs/day0-bus/edit"},
		{env.admin, "/staff/accounts", "/staff/accounts"},
	}
	for i, fm := range forms {
		f := formOf(t, fm.b, fm.page, fm.action)
		for j, name := range f.names {
			for _, v := range valuesFor(i + j) {
				if f.multiLine[name] && strings.HasPrefix(v.Name, "crlf-") {
					// A textarea's lines end in CR LF as browsers send
					// them: that is text, not an injection.
					continue
				}
				form := url.Values{}
				for k, vs := range f.fields {
					form[k] = slices.Clone(vs)
				}
				form.Set(name, v.Text)
				env.check("staff form", strings.TrimPrefix(fm.action, slug)+" "+name+"="+v.Name, func() (int, string) {
					res, body := fm.b.do(http.MethodPost, fm.action, form, nil)
					return res.StatusCode, body
				})
			}
		}
		env.check("staff form", strings.TrimPrefix(fm.action, slug)+" 3-mib-body", func() (int, string) {
			form := url.Values{}
			for k, vs := range f.fields {
				form[k] = slices.Clone(vs)
			}
			form.Set(f.names[0], strings.Repeat("a", 3<<20))
			res, body := fm.b.do(http.MethodPost, fm.action, form, nil)
			return res.StatusCode, body
		})
	}
	// The login form, logged out.
	visitor := &browser{t: t, h: env.h, addr: "192.0.2.30", cookies: map[string]*http.Cookie{}}
	for i, v := range hostile.Values {
		field := []string{"email", "password"}[i%2]
		form := url.Values{"email": {"emily@example.org"}, "password": {testPassword}}
		form.Set(field, v.Text)
		env.check("staff login", field+"="+v.Name, func() (int, string) {
			res, body := visitor.post("/staff/login", "/staff/login", form)
			return res.StatusCode, body
		})
	}

	// A delegate's forms on their personal page.
	runs := "/a/" + env.omar + "/runs/"
	delegate := func(action string, form url.Values) func() (int, string) {
		return func() (int, string) {
			req := httptest.NewRequest(http.MethodPost, runs+action, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "https://planner.example.org")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			rec := httptest.NewRecorder()
			env.h.ServeHTTP(rec, req)
			return rec.Code, rec.Body.String()
		}
	}
	for _, v := range hostile.Values {
		env.check("delegate form", "vote option="+v.Name, delegate(busKey+"/vote", url.Values{"option": {v.Text}}))
		env.check("delegate form", "stay note="+v.Name, delegate(busKey+"/stay", url.Values{"note": {v.Text}}))
		env.check("delegate form", "run key="+v.Name, delegate(url.PathEscape(v.Text)+"/vote", url.Values{"option": {"17:15"}}))
	}
	for _, c := range []struct {
		name, action string
		form         url.Values
	}{
		{"vote unknown option", busKey + "/vote", url.Values{"option": {"18:00"}}},
		{"vote empty option", busKey + "/vote", url.Values{"option": {""}}},
		{"vote without option", busKey + "/vote", url.Values{}},
		{"vote sql option", busKey + "/vote", url.Values{"option": {"17:15' OR '1'='1"}}},
		{"vote script option", busKey + "/vote", url.Values{"option": {"<script>alert(1)</script>"}}},
		{"vote on a run without a poll", "no-such-run/vote", url.Values{"option": {"17:15"}}},
		{"vote on a session", "day0-seminar/vote", url.Values{"option": {"17:15"}}},
		{"stay note too long", busKey + "/stay", url.Values{"note": {strings.Repeat("n", programme.MaxNoteLength+1)}}},
	} {
		env.check("delegate form", c.name, delegate(c.action, c.form))
	}
	env.check("delegate form", "unknown token", func() (int, string) {
		req := httptest.NewRequest(http.MethodPost, "/a/not-a-token/runs/"+busKey+"/vote", strings.NewReader("option=17%3A15"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		rec := httptest.NewRecorder()
		env.h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	})

	if total := env.report(); total < 300 {
		t.Errorf("the corpus has %d bad inputs over HTTP, want at least 300", total)
	}
}

// valuesFor returns three of hostile.Values for the ith field, so that
// every value reaches fields of every kind without sending each to each.
func valuesFor(i int) []hostile.Value {
	n := len(hostile.Values)
	out := make([]hostile.Value, 0, 3)
	for k := range 3 {
		out = append(out, hostile.Values[(i*3+k)%n])
	}
	return out
}

// stringFields are the names of an item's text fields (strings at the top
// level of its JSON) but its key.
func stringFields(t *testing.T, body string) []string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("item %s: %v", body, err)
	}
	var out []string
	for k, v := range m {
		if _, ok := v.(string); ok && k != "key" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// jsonString writes s as a JSON string, escaping what JSON requires and
// leaving every other byte as it is, invalid UTF-8 included.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// hugeJSON is a valid JSON document of about n bytes.
func hugeJSON(n int) []byte {
	return []byte(`{"format": "delegation-programme/v1", "programme": {"slug": "huge", "description": "` + strings.Repeat("a", n) + `"}}`)
}

// TestHostileTextIsKeptAndEscaped: text that looks like markup, SQL or
// iCalendar is legal text. The API takes it, stores it byte for byte, and
// every page and feed shows it as text: no element is made of it, and the
// feed has no event but the programme's.
func TestHostileTextIsKeptAndEscaped(t *testing.T) {
	env := newHostileEnv(t)
	const (
		title    = `<script>alert("t")</script>'; DROP TABLE sessions; -- & "more"`
		location = `Hall "A"; <b>B</b>, back\slash`
		// Line feeds are text in a description; the lines after them
		// would be components of their own if a feed wrote them as they
		// are.
		description = "first line\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil@example.org\nSUMMARY:injected\nEND:VEVENT\nEND:VCALENDAR\n" +
			`<img src=x onerror=alert(1)>'); DELETE FROM people; --`
		name = `Robert'); DROP TABLE people; -- <script>alert("n")</script>`
	)
	feed := "/feeds/" + env.omar + ".ics"
	res, body := env.editor.get(feed)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET feed: %d", res.StatusCode)
	}
	events := len(parseCalendar(t, body).Events())

	item := "/api/v1/programmes/" + demoSlug + "/sessions/day0-seminar"
	patch, _ := json.Marshal(map[string]any{"title": title, "location": location, "description": description, "room": nil})
	if status, body := env.apiDo(http.MethodPatch, item, map[string]string{"Content-Type": "application/merge-patch+json", "If-Match": "*"}, patch); status != http.StatusOK {
		t.Fatalf("PATCH: %d %s", status, body)
	}
	form := formOf(t, env.editor, "/staff/p/"+demoSlug+"/people/omar-ansari/edit", "/staff/p/"+demoSlug+"/people/omar-ansari/edit")
	form.fields.Set("name", name)
	if res, body := env.editor.do(http.MethodPost, form.action, form.fields, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("staff form: %d\n%s", res.StatusCode, clipBody(body))
	}

	// Stored byte for byte, and given back so by the API.
	p, err := env.st.Programme(t.Context(), demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	s := p.Session("day0-seminar")
	if s.Title != title || s.Location != location || s.Description != description || p.Person("omar-ansari").Name != name {
		t.Errorf("stored %q, %q, %q, %q", s.Title, s.Location, s.Description, p.Person("omar-ansari").Name)
	}
	_, got := env.apiDo(http.MethodGet, item, nil, nil)
	var back map[string]any
	if err := json.Unmarshal([]byte(got), &back); err != nil || back["title"] != title || back["description"] != description || back["location"] != location {
		t.Errorf("the API gives back %s", got)
	}

	// Pages show it as text.
	for _, page := range []string{
		"/staff/p/" + demoSlug + "/sessions",
		"/staff/p/" + demoSlug + "/sessions/day0-seminar",
		"/staff/p/" + demoSlug + "/people",
		"/staff/p/" + demoSlug + "/day/2016-12-05",
		"/a/" + env.omar,
	} {
		res, body := env.editor.get(page)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", page, res.StatusCode)
		}
		doc, err := html.Parse(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		shown := false
		for n := range doc.Descendants() {
			switch {
			case n.Type == html.ElementNode && (n.Data == "img" && attr(n, "src") == "x" || n.Data == "b"):
				t.Errorf("%s: a <%s> element came from the text", page, n.Data)
			case n.Type == html.ElementNode && n.Data == "script":
				for c := range n.Descendants() {
					if c.Type == html.TextNode && strings.Contains(c.Data, "alert(") {
						t.Errorf("%s: a script runs the text: %q", page, c.Data)
					}
				}
			case n.Type == html.TextNode && (strings.Contains(n.Data, title) || strings.Contains(n.Data, name)):
				shown = true
			case n.Type == html.ElementNode:
				for _, a := range n.Attr {
					if a.Val == title || a.Val == name {
						shown = true
					}
					if strings.HasPrefix(a.Key, "on") {
						t.Errorf("%s: an event handler attribute %s=%q", page, a.Key, a.Val)
					}
				}
			}
		}
		if !shown {
			t.Errorf("%s does not show the title or the name as text", page)
		}
	}

	// The feed has the same events as before, one of them with the text.
	res, body = env.editor.get(feed)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET feed: %d", res.StatusCode)
	}
	cal := parseCalendar(t, body)
	if n := len(cal.Events()); n != events {
		t.Errorf("the feed has %d events after the change, %d before", n, events)
	}
	found := false
	for _, ev := range cal.Events() {
		uid, _ := ev.Props.Text("UID")
		summary, _ := ev.Props.Text("SUMMARY")
		if uid == "evil@example.org" || summary == "injected" {
			t.Errorf("the feed has an injected event %q %q", uid, summary)
		}
		if summary == title {
			found = true
			if d, _ := ev.Props.Text("DESCRIPTION"); !strings.Contains(d, description) {
				t.Errorf("the event's DESCRIPTION is %q", d)
			}
			if l, _ := ev.Props.Text("LOCATION"); !strings.Contains(l, location) {
				t.Errorf("the event's LOCATION is %q", l)
			}
		}
	}
	if !found {
		t.Errorf("no event of the feed has the SUMMARY %q:\n%s", title, body)
	}
}
