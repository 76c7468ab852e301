package web

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/accounts"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// rememberingInstance is a server as `serve` sets it up: its store answers
// logins and accounts from memory while the feeds' memory is current.
type rememberingInstance struct {
	st  *store.Store
	svc *feeds.Service
	acc *accounts.Service
	srv *Server
}

func newRememberingInstance(t *testing.T, dbURL string) *rememberingInstance {
	t.Helper()
	st := storetest.OpenURL(t, dbURL)
	// The clock stands still: memory, once checked, stays trusted.
	svc := feeds.NewService(st, nil, "http://127.0.0.1:8080", func() time.Time { return testNow })
	st.RememberAuth(svc.ChangeStamp)
	acc := accounts.New(st, accounts.WithParams(cheapHashes))
	srv := New(Config{BaseURL: "http://127.0.0.1:8080", Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return testNow },
		Feeds: svc, Accounts: acc, Sessions: st}, st)
	return &rememberingInstance{st: st, svc: svc, acc: acc, srv: srv}
}

func (in *rememberingInstance) sync(t *testing.T) {
	t.Helper()
	if err := in.svc.SyncChanges(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// authTables records the tables of authentication that statements of db
// read or write while recording.
type authTables struct {
	mu     sync.Mutex
	on     bool
	tables []string
}

func recordAuthTables(t *testing.T, db *gorm.DB) *authTables {
	t.Helper()
	a := &authTables{}
	record := func(tx *gorm.DB) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.on && (tx.Statement.Table == "staff_sessions" || tx.Statement.Table == "users") {
			a.tables = append(a.tables, tx.Statement.Table)
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("web_test:auth", record),
		cb.Create().After("gorm:create").Register("web_test:auth", record),
		cb.Update().After("gorm:update").Register("web_test:auth", record),
		cb.Delete().After("gorm:delete").Register("web_test:auth", record),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func (a *authTables) during(fn func()) []string {
	a.mu.Lock()
	a.on, a.tables = true, nil
	a.mu.Unlock()
	fn()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.on = false
	return a.tables
}

// TestALoggedInPageAsksNothingOfAuthentication: with memory current, a
// staff page of a logged-in member reads neither the login session nor
// the account from the database; the logout on this instance counts at
// once, and an account removed by another instance once memory is checked
// again (as Watch does every second and on every notification).
func TestALoggedInPageAsksNothingOfAuthentication(t *testing.T) {
	dbURL := storetest.FreshURL(t)
	migrate := storetest.OpenURL(t, dbURL)
	if err := migrate.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	here, there := newRememberingInstance(t, dbURL), newRememberingInstance(t, dbURL)
	for _, email := range []string{"ana@example.org", "bo@example.org"} {
		if _, err := here.acc.Add(t.Context(), email, programme.RoleAdmin, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	tables := recordAuthTables(t, here.st.DB())
	ana := &browser{t: t, h: here.srv.Handler(), addr: "192.0.2.10", cookies: map[string]*http.Cookie{}}
	bo := &browser{t: t, h: here.srv.Handler(), addr: "192.0.2.11", cookies: map[string]*http.Cookie{}}
	ana.mustLogin("ana@example.org")
	bo.mustLogin("bo@example.org")
	here.sync(t)
	loggedIn := func(b *browser, who string) bool {
		t.Helper()
		res, body := b.get("/staff")
		switch {
		case res.StatusCode == http.StatusOK && strings.Contains(body, who):
			return true
		case res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/staff/login"):
			return false
		}
		t.Fatalf("GET /staff as %s: %d\n%s", who, res.StatusCode, body)
		return false
	}
	loggedIn(ana, "ana@example.org") // the first request asks
	for range 3 {
		if got := tables.during(func() {
			if !loggedIn(ana, "ana@example.org") {
				t.Fatal("ana is not logged in")
			}
		}); len(got) > 0 {
			t.Errorf("a staff page read %v, want nothing of authentication", got)
		}
	}

	// Bo logs out here: at once, his session is gone here.
	loggedIn(bo, "bo@example.org")
	cookie := bo.cookies[sessionCookie]
	if res, _ := bo.post("/staff", "/staff/logout", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	bo.cookies[sessionCookie] = cookie // the old cookie, replayed
	if loggedIn(bo, "bo@example.org") {
		t.Error("a session ended on this instance still works here")
	}

	// Another instance removes ana's account: it counts here once memory
	// is checked again. (Bo's logout made this instance forget what it
	// kept: ana's next request asks again, and is kept again.)
	loggedIn(ana, "ana@example.org")
	if err := there.acc.Remove(t.Context(), "ana@example.org"); err != nil {
		t.Fatal(err)
	}
	if !loggedIn(ana, "ana@example.org") {
		t.Fatal("the removal elsewhere counted before memory was checked: the page did not answer from memory")
	}
	here.sync(t)
	if loggedIn(ana, "ana@example.org") {
		t.Error("an account removed by another instance is still logged in after memory was checked")
	}
}
