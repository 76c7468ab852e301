package web

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"

	"github.com/planner-dev/planner/internal/accounts"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// cheapHashes keep the login tests quick; the parameters travel in each hash.
var cheapHashes = argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

const testPassword = "correct horse battery"

// staffFixture is a server with staff accounts on a real database.
type staffFixture struct {
	srv      *Server
	st       *store.Store
	accounts *accounts.Service
	logs     *logBuffer
	clock    *storetest.Clock
	baseURL  string
}

func newStaffFixture(t *testing.T, baseURL string) *staffFixture {
	t.Helper()
	st := storetest.Open(t)
	f := &staffFixture{
		st:       st,
		accounts: accounts.New(st, accounts.WithParams(cheapHashes)),
		logs:     &logBuffer{},
		clock:    storetest.NewClock(testNow),
		baseURL:  baseURL,
	}
	f.srv = f.newServer()
	return f
}

// newServer builds another instance over the same database.
func (f *staffFixture) newServer() *Server {
	return New(Config{
		BaseURL:  f.baseURL,
		Logger:   slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:      f.clock.Now,
		Accounts: f.accounts,
		Sessions: f.st,
	}, f.st)
}

func (f *staffFixture) addUser(t *testing.T, email string, role programme.StaffRole) {
	t.Helper()
	if _, err := f.accounts.Add(t.Context(), email, role, testPassword); err != nil {
		t.Fatalf("add %s: %v", email, err)
	}
}

// browser sends requests to a handler the way a browser without
// Sec-Fetch-Site support would, keeping cookies by name. Echo's CSRF
// middleware trusts Sec-Fetch-Site: same-origin without a token, so tests of
// the token must not send it.
type browser struct {
	t       testing.TB
	h       http.Handler
	addr    string
	cookies map[string]*http.Cookie
	// forwardedFor, when set, is sent as X-Forwarded-For (a proxy's client).
	forwardedFor string
}

func (f *staffFixture) browser(t *testing.T, addr string) *browser {
	return &browser{t: t, h: f.srv.Handler(), addr: addr, cookies: map[string]*http.Cookie{}}
}

func (b *browser) do(method, target string, form url.Values, header map[string]string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	req.RemoteAddr = b.addr + ":40000"
	if b.forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", b.forwardedFor)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	res := rec.Result()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(data)
}

func (b *browser) get(target string) (*http.Response, string) {
	b.t.Helper()
	return b.do(http.MethodGet, target, nil, nil)
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// token loads page and returns the CSRF token of its form.
func (b *browser) token(page string) string {
	b.t.Helper()
	res, body := b.get(page)
	m := csrfInput.FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		b.t.Fatalf("GET %s: %d, no CSRF token in\n%s", page, res.StatusCode, body)
	}
	return m[1]
}

// post submits form with the CSRF token of page.
func (b *browser) post(page, target string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	form.Set("_csrf", b.token(page))
	return b.do(http.MethodPost, target, form, nil)
}

func (b *browser) login(email, password string) (*http.Response, string) {
	b.t.Helper()
	return b.post("/staff/login", "/staff/login", url.Values{"email": {email}, "password": {password}})
}

// mustLogin logs in and fails the test unless it lands on the staff home.
func (b *browser) mustLogin(email string) {
	b.t.Helper()
	res, body := b.login(email, testPassword)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff" {
		b.t.Fatalf("login %s: %d to %q\n%s", email, res.StatusCode, res.Header.Get("Location"), body)
	}
}

func sessionCookieOf(t *testing.T, res *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	return nil
}

func TestLoginSetsSessionCookie(t *testing.T) {
	for _, tt := range []struct {
		base   string
		secure bool
	}{
		{"http://127.0.0.1:8080", false},
		{"https://planner.example.org", true},
	} {
		t.Run(tt.base, func(t *testing.T) {
			f := newStaffFixture(t, tt.base)
			f.addUser(t, "ana@example.org", programme.RoleViewer)
			b := f.browser(t, "192.0.2.10")
			res, body := b.login(" Ana@Example.org", testPassword)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff" {
				t.Fatalf("login: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
			}
			c := sessionCookieOf(t, res)
			if c == nil {
				t.Fatal("no session cookie")
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tt.secure || c.Path != "/" || len(c.Value) < 32 {
				t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Secure=%v, Path=/ and a long token", c, tt.secure)
			}
			res, body = b.get("/staff")
			if res.StatusCode != http.StatusOK || !strings.Contains(body, "ana@example.org") || !strings.Contains(body, "Log out") {
				t.Fatalf("GET /staff after login: %d\n%s", res.StatusCode, body)
			}
			if got := res.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			// The password and the session token never reach the log.
			logs := f.logs.String()
			for _, secret := range []string{testPassword, c.Value} {
				if strings.Contains(logs, secret) {
					t.Errorf("the log holds a secret %q", secret)
				}
			}
		})
	}
}

func TestLoginSessionServedByAnotherInstance(t *testing.T) {
	f := newStaffFixture(t, "http://127.0.0.1:8080")
	f.addUser(t, "ana@example.org", programme.RoleViewer)
	b := f.browser(t, "192.0.2.10")
	b.mustLogin("ana@example.org")
	// Another server over the same database knows the session.
	b.h = f.newServer().Handler()
	if res, body := b.get("/staff"); res.StatusCode != http.StatusOK || !strings.Contains(body, "ana@example.org") {
		t.Fatalf("GET /staff on another instance: %d\n%s", res.StatusCode, body)
	}
}

func TestLoginRefusals(t *testing.T) {
	f := newStaffFixture(t, "http://127.0.0.1:8080")
	f.addUser(t, "ana@example.org", programme.RoleEditor)
	const refusal = "The e-mail address or the password is not right."
	tests := []struct {
		name, email, password string
		want                  []string
	}{
		{"wrong password", "ana@example.org", "wrong horse battery", []string{refusal, `value="ana@example.org"`}},
		{"unknown e-mail", "bo@example.org", testPassword, []string{refusal, `value="bo@example.org"`}},
		{"no password", "ana@example.org", "", []string{"Enter your password.", `aria-describedby="password-error"`, `value="ana@example.org"`}},
		{"no e-mail", "", testPassword, []string{"Enter your e-mail address.", `aria-describedby="email-error"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := f.browser(t, "192.0.2.20")
			res, body := b.login(tt.email, tt.password)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422\n%s", res.StatusCode, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("the page lacks %q:\n%s", w, body)
				}
			}
			if strings.Contains(body, "wrong horse") || strings.Contains(body, testPassword) {
				t.Error("the page shows the password")
			}
			if c := sessionCookieOf(t, res); c != nil {
				t.Errorf("a refused login set a session cookie %+v", c)
			}
			if res, _ := b.get("/staff"); res.StatusCode != http.StatusSeeOther {
				t.Errorf("GET /staff after a refused login: %d, want a redirect to the login", res.StatusCode)
			}
		})
	}
}

func TestLoginThrottledPerAccount(t *testing.T) {
	f := newStaffFixture(t, "http://127.0.0.1:8080")
	f.addUser(t, "ana@example.org", programme.RoleEditor)
	for i := range loginAccountLimit {
		// Each guess from another address: the account's count alone.
		b := f.browser(t, "192.0.2."+string(rune('1'+i)))
		if res, _ := b.login("ana@example.org", "wrong horse battery"); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("failure %d: status %d, want 422", i+1, res.StatusCode)
		}
	}
	b := f.browser(t, "198.51.100.7")
	res, body := b.login("ANA@example.org", testPassword)
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed logins") || res.Header.Get("Retry-After") == "" {
		t.Fatalf("the right password after %d failures: %d, want 429 with Retry-After\n%s", loginAccountLimit, res.StatusCode, body)
	}
	if c := sessionCookieOf(t, res); c != nil {
		t.Error("a throttled login set a session cookie")
	}
	// Another account from the same addresses is not held back.
	f.addUser(t, "bo@example.org", programme.RoleViewer)
	f.browser(t, "192.0.2.1").mustLogin("bo@example.org")

	f.clock.Advance(loginWindow)
	b.mustLogin("ana@example.org")
}

func TestLoginThrottledPerAddress(t *testing.T) {
	f := newStaffFixture(t, "http://127.0.0.1:8080")
	f.addUser(t, "ana@example.org", programme.RoleEditor)
	b := f.browser(t, "203.0.113.9")
	for i := range loginAddressLimit {
		// A different e-mail each time, so no account reaches its limit.
		email := "guess" + strings.Repeat("x", i) + "@example.org"
		if res, _ := b.login(email, "wrong horse battery"); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("failure %d: status %d, want 422", i+1, res.StatusCode)
		}
	}
	if res, body := b.login("ana@example.org", testPassword); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a right password from a throttled address: %d, want 429\n%s", res.StatusCode, body)
	}
	f.browser(t, "203.0.113.10").mustLogin("ana@example.org")
}

// TestLoginThrottledPerAddressBehindAProxy: behind a trusted proxy, each
// client's failures count against its own address, not the proxy's, so that
// one client guessing does not lock every other out; behind a proxy that is
// not trusted, they all share the proxy's address (and its limit).
func TestLoginThrottledPerAddressBehindAProxy(t *testing.T) {
	for _, trusted := range []bool{true, false} {
		t.Run(fmt.Sprintf("trusted=%v", trusted), func(t *testing.T) {
			f := newStaffFixture(t, "http://127.0.0.1:8080")
			if trusted {
				f.srv = New(Config{
					BaseURL: f.baseURL, Now: f.clock.Now, Accounts: f.accounts, Sessions: f.st,
					TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24")},
				}, f.st)
			}
			f.addUser(t, "ana@example.org", programme.RoleEditor)
			guesser := f.browser(t, "10.0.0.5")
			guesser.forwardedFor = "203.0.113.9"
			for i := range loginAddressLimit {
				email := "guess" + strings.Repeat("x", i) + "@example.org"
				if res, _ := guesser.login(email, "wrong horse battery"); res.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("failure %d: status %d, want 422", i+1, res.StatusCode)
				}
			}
			if res, _ := guesser.login("ana@example.org", testPassword); res.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("the guessing client: %d, want 429", res.StatusCode)
			}
			other := f.browser(t, "10.0.0.5")
			other.forwardedFor = "198.51.100.7"
			res, _ := other.login("ana@example.org", testPassword)
			if want := map[bool]int{true: http.StatusSeeOther, false: http.StatusTooManyRequests}[trusted]; res.StatusCode != want {
				t.Errorf("another client through the same proxy: %d, want %d", res.StatusCode, want)
			}
		})
	}
}

// TestLoginThrottleSharedByInstances: the failed logins of every instance on
// one database count together, so that N instances do not allow N times the
// guesses; a successful login on one forgives the account on all.
func TestLoginThrottleSharedByInstances(t *testing.T) {
	f := newStaffFixture(t, "http://127.0.0.1:8080")
	f.addUser(t, "ana@example.org", programme.RoleEditor)
	instances := []http.Handler{f.srv.Handler(), f.newServer().Handler(), f.newServer().Handler()}
	for i := range loginAccountLimit - 1 {
		b := f.browser(t, "192.0.2."+string(rune('1'+i)))
		b.h = instances[i%len(instances)]
		if res, _ := b.login("ana@example.org", "wrong horse battery"); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("failure %d: status %d, want 422", i+1, res.StatusCode)
		}
	}
	// A login on the third instance forgives the account everywhere.
	b := f.browser(t, "198.51.100.7")
	b.h = instances[2]
	b.mustLogin("ana@example.org")
	for i := range loginAccountLimit {
		b := f.browser(t, "192.0.2."+string(rune('1'+i)))
		b.h = instances[i%len(instances)]
		if res, _ := b.login("ana@example.org", "wrong horse battery"); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("failure %d after the login: status %d, want 422", i+1, res.StatusCode)
		}
	}
	for i, h := range instances {
		b := f.browser(t, "198.51.100.8")
		b.h = h
		if res, _ := b.login("ana@example.org", testPassword); res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("instance %d after %d failures spread over 3 instances: %d, want 429", i+1, loginAccountLimit, res.StatusCode)
		}
	}
	f.clock.Advance(loginWindow)
	b = f.browser(t, "198.51.100.8")
	b.h = instances[1]
	b.mustLogin("ana@example.org")
}

func TestLogoutEndsTheSession(t *testing.T) {
	f := newStaffFixture(t, "http://127.0.0.1:8080")
	f.addUser(t, "ana@example.org", programme.RoleAdmin)
	b := f.browser(t, "192.0.2.10")
	b.mustLogin("ana@example.org")
	old := *b.cookies[sessionCookie]

	res, _ := b.post("/staff", "/staff/logout", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/login" {
		t.Fatalf("logout: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if c := sessionCookieOf(t, res); c == nil || c.Value != "" || c.MaxAge >= 0 {
		t.Errorf("logout cookie %+v, want the session cookie cleared", c)
	}
	if res, _ := b.get("/staff"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /staff after logout: %d, want a redirect", res.StatusCode)
	}
	// The old token is dead in the database, not only in the browser.
	b.cookies[sessionCookie] = &old
	if res, _ := b.get("/staff"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /staff with the old session cookie: %d, want a redirect", res.StatusCode)
	}
}

func TestCSRFRefusals(t *testing.T) {
	f := newStaffFixture(t, "http://127.0.0.1:8080")
	f.addUser(t, "ed@example.org", programme.RoleEditor)
	b := f.browser(t, "192.0.2.10")
	b.mustLogin("ed@example.org")
	b.token("/staff") // the CSRF cookie is set

	tests := []struct {
		name   string
		target string
		form   url.Values
		header map[string]string
	}{
		{"login without a token", "/staff/login", url.Values{"email": {"ed@example.org"}, "password": {testPassword}}, nil},
		{"login with a wrong token", "/staff/login", url.Values{"email": {"ed@example.org"}, "password": {testPassword}, "_csrf": {"forged"}}, nil},
		{"logout without a token", "/staff/logout", url.Values{}, nil},
		{"a change without a token", "/staff/edit-check", url.Values{}, nil},
		{"a change from another site", "/staff/edit-check", url.Values{}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := b.do(http.MethodPost, tt.target, tt.form, tt.header)
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403\n%s", res.StatusCode, body)
			}
		})
	}
	// Still logged in: the refused logout changed nothing.
	if res, _ := b.get("/staff"); res.StatusCode != http.StatusOK {
		t.Errorf("GET /staff after refusals: %d, want 200", res.StatusCode)
	}
}

func TestRolesOnStaffRoutes(t *testing.T) {
	f := newStaffFixture(t, "http://127.0.0.1:8080")
	tests := []struct {
		role       programme.StaffRole
		viewStatus int
		editStatus int
	}{
		{programme.RoleViewer, http.StatusOK, http.StatusForbidden},
		{programme.RoleEditor, http.StatusOK, http.StatusNoContent},
		{programme.RoleAdmin, http.StatusOK, http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(string(tt.role), func(t *testing.T) {
			email := string(tt.role) + "@example.org"
			f.addUser(t, email, tt.role)
			b := f.browser(t, "192.0.2.10")
			b.mustLogin(email)
			if res, body := b.get("/staff"); res.StatusCode != tt.viewStatus {
				t.Errorf("GET /staff: %d, want %d\n%s", res.StatusCode, tt.viewStatus, body)
			}
			if res, body := b.post("/staff", "/staff/edit-check", url.Values{}); res.StatusCode != tt.editStatus {
				t.Errorf("POST /staff/edit-check: %d, want %d\n%s", res.StatusCode, tt.editStatus, body)
			}
		})
	}
}

func TestStaffNeedsLogin(t *testing.T) {
	f := newStaffFixture(t, "http://127.0.0.1:8080")
	b := f.browser(t, "192.0.2.10")
	res, _ := b.get("/staff")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/login?next=%2Fstaff" {
		t.Fatalf("GET /staff: %d to %q, want 303 to the login", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := b.get("/staff/login?next=%2Fstaff")
	for _, w := range []string{`<label for="email">`, `<label for="password">`, `name="next" value="/staff"`, `autocomplete="current-password"`} {
		if !strings.Contains(body, w) {
			t.Errorf("login page lacks %q:\n%s", w, body)
		}
	}
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /staff/login: %d", res.StatusCode)
	}
	if res, _ := b.post("/staff/login", "/staff/edit-check", url.Values{}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /staff/edit-check logged out: %d, want 401", res.StatusCode)
	}
}

func TestRemovedAccountLosesItsSession(t *testing.T) {
	f := newStaffFixture(t, "http://127.0.0.1:8080")
	f.addUser(t, "ana@example.org", programme.RoleEditor)
	b := f.browser(t, "192.0.2.10")
	b.mustLogin("ana@example.org")
	if err := f.accounts.Remove(t.Context(), "ana@example.org"); err != nil {
		t.Fatal(err)
	}
	if res, _ := b.get("/staff"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /staff after the account was removed: %d, want a redirect to the login", res.StatusCode)
	}
}

func TestSafeNext(t *testing.T) {
	tests := map[string]string{
		"":                     "/staff",
		"/staff":               "/staff",
		"/staff/p/x?tab=2":     "/staff/p/x?tab=2",
		"https://evil.example": "/staff",
		"//evil.example/staff": "/staff",
		"/staffing":            "/staff",
		"/staff/login":         "/staff",
		"/staff/\\evil":        "/staff",
	}
	for in, want := range tests {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q)=%q, want %q", in, got, want)
		}
	}
}

// TestStaffPagesFollowTheBasePath logs in behind a reverse proxy that serves
// the planner under /planner/ (the prefix stripped): every redirect, form
// action, link and cookie of the staff pages stays under the prefix.
func TestStaffPagesFollowTheBasePath(t *testing.T) {
	f := newStaffFixture(t, "https://example.org/planner/")
	f.addUser(t, "emily@example.org", programme.RoleEditor)
	b := f.browser(t, "192.0.2.10")

	res, _ := b.get("/staff")
	if got, want := res.Header.Get("Location"), "/planner/staff/login?next=%2Fstaff"; got != want {
		t.Errorf("GET /staff redirects to %q, want %q", got, want)
	}
	res, body := b.get("/staff/login")
	if !strings.Contains(body, `action="/planner/staff/login"`) {
		t.Errorf("the login form does not post under the base path:\n%s", body)
	}
	for _, c := range res.Cookies() {
		if !strings.HasPrefix(c.Path, "/planner/") {
			t.Errorf("cookie %s has path %q, want one under /planner/", c.Name, c.Path)
		}
	}
	res, body = b.login("emily@example.org", testPassword)
	if got, want := res.Header.Get("Location"), "/planner/staff"; got != want {
		t.Errorf("login redirects to %q, want %q\n%s", got, want, body)
	}
	if c := sessionCookieOf(t, res); c == nil || c.Path != "/planner/" {
		t.Errorf("session cookie %+v, want path /planner/", c)
	}
	_, body = b.get("/staff")
	for _, l := range attrLink.FindAllStringSubmatch(body, -1) {
		if !strings.HasPrefix(l[1], "/planner/") && !strings.HasPrefix(l[1], "#") {
			t.Errorf("staff home: link %q does not follow the base path", l[1])
		}
	}
	if !strings.Contains(body, `action="/planner/staff/logout"`) {
		t.Errorf("the logout form does not post under the base path:\n%s", body)
	}
}

// TestStaffPagesAnswerHead: monitors and link checkers send HEAD to staff
// pages too; over real HTTP they get the GET's status without a body.
func TestStaffPagesAnswerHead(t *testing.T) {
	f := newStaffFixture(t, "http://127.0.0.1:8080")
	ts := httptest.NewServer(f.srv.Handler())
	defer ts.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, status := range map[string]int{"/staff/login": http.StatusOK, "/staff": http.StatusSeeOther} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			req, err := http.NewRequest(method, ts.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != status {
				t.Errorf("%s %s: %d, want %d", method, path, res.StatusCode, status)
			}
			if method == http.MethodHead && len(body) != 0 {
				t.Errorf("HEAD %s has a body of %d bytes", path, len(body))
			}
		}
	}
}
