package store_test

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// authEnv is a store that remembers authentication while the memory of a
// feeds service over it is current, as `serve` sets them up, and a second
// store on the same database: another process.
type authEnv struct {
	st, other *store.Store
	clock     *storetest.Clock // the stores' clock
	feedClock *storetest.Clock // the feeds service's, which says how long memory is trusted
	svc       *feeds.Service
	queries   *atomic.Int64
	ana       *programme.User // an admin
	ed        *programme.User // an editor with an API token
	secret    string          // ed's token
	tokenID   int64
}

const sessionToken = "session-of-ed"

func newAuthEnv(t *testing.T) *authEnv {
	t.Helper()
	url := storetest.FreshURL(t)
	env := &authEnv{clock: storetest.NewClock(t0), feedClock: storetest.NewClock(t0)}
	env.st = storetest.OpenURL(t, url, store.WithNow(env.clock.Now))
	if err := env.st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	env.other = storetest.OpenURL(t, url, store.WithNow(env.clock.Now))
	env.svc = feeds.NewService(env.st, nil, "https://planner.example.org", env.feedClock.Now)
	env.st.RememberAuth(env.svc.ChangeStamp)
	env.ana = mustCreateUser(t, env.st, "ana@example.org", programme.RoleAdmin)
	env.ed = mustCreateUser(t, env.st, "ed@example.org", programme.RoleEditor)
	tok, secret, err := env.st.CreateAPIToken(t.Context(), "ed@example.org", "script")
	if err != nil {
		t.Fatal(err)
	}
	env.secret, env.tokenID = secret, tok.ID
	if err := env.st.CommitSession(t.Context(), sessionToken, []byte("ed"), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	env.sync(t)
	env.queries = countQueries(t, env.st)
	return env
}

// sync is what Watch does on every change notification and poll.
func (env *authEnv) sync(t *testing.T) {
	t.Helper()
	if err := env.svc.SyncChanges(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// statements returns how many statements fn ran on env.st.
func (env *authEnv) statements(fn func()) int64 {
	before := env.queries.Load()
	fn()
	return env.queries.Load() - before
}

func (env *authEnv) session(t *testing.T) ([]byte, bool) {
	t.Helper()
	data, found, err := env.st.FindSession(t.Context(), sessionToken)
	if err != nil {
		t.Fatal(err)
	}
	return data, found
}

func (env *authEnv) user(t *testing.T, id int64) *programme.User {
	t.Helper()
	u, err := env.st.UserByID(t.Context(), id)
	if programme.ErrorCode(err) == programme.ENOTFOUND {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// tokenUser returns the account ed's token acts for, or nil when the token
// does not work.
func (env *authEnv) tokenUser(t *testing.T) *programme.User {
	t.Helper()
	_, u, err := env.st.APITokenUser(t.Context(), env.secret)
	if programme.ErrorCode(err) == programme.ENOTFOUND {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// lookUpAll asks for the session, ed's account and ed's token.
func (env *authEnv) lookUpAll(t *testing.T) {
	t.Helper()
	if _, found := env.session(t); !found {
		t.Fatal("the session is not found")
	}
	if env.user(t, env.ed.ID) == nil {
		t.Fatal("ed's account is not found")
	}
	if env.tokenUser(t) == nil {
		t.Fatal("ed's token does not work")
	}
}

// TestRememberedAuthAsksTheDatabaseNothing: once a session, an account and
// an API token have been looked up, asking again runs no statement while
// memory is current, and answers what the database holds.
func TestRememberedAuthAsksTheDatabaseNothing(t *testing.T) {
	env := newAuthEnv(t)
	if n := env.statements(func() { env.lookUpAll(t) }); n == 0 {
		t.Fatal("the first lookups ran no statement")
	}
	for range 3 {
		if n := env.statements(func() { env.lookUpAll(t) }); n != 0 {
			t.Errorf("looking up a known session, account and token ran %d statements, want none", n)
		}
	}
	if data, _ := env.session(t); !bytes.Equal(data, []byte("ed")) {
		t.Errorf("the session's data is %q, want %q", data, "ed")
	}
	if u := env.user(t, env.ed.ID); u.Email != "ed@example.org" || u.Role != programme.RoleEditor {
		t.Errorf("ed's account is %+v", u)
	}
	tok, u, err := env.st.APITokenUser(t.Context(), env.secret)
	if err != nil || tok.ID != env.tokenID || tok.Name != "script" || u.ID != env.ed.ID || tok.LastUsedAt == nil || !tok.LastUsedAt.Equal(t0) {
		t.Errorf("APITokenUser = %+v, %+v, %v", tok, u, err)
	}
	// What a caller does with what it is given does not change memory.
	data, _ := env.session(t)
	data[0] = 'X'
	env.user(t, env.ed.ID).Role = programme.RoleAdmin
	if data, _ := env.session(t); !bytes.Equal(data, []byte("ed")) {
		t.Errorf("after a caller changed its copy the session's data is %q", data)
	}
	if u := env.user(t, env.ed.ID); u.Role != programme.RoleEditor {
		t.Errorf("after a caller changed its copy ed's role is %s", u.Role)
	}
}

// TestAuthWithoutTrustedMemoryAsksTheDatabase: without a check of the
// change counter, or once the last one is older than the trust window (Watch
// has stopped), every lookup asks the database, as without memory.
func TestAuthWithoutTrustedMemoryAsksTheDatabase(t *testing.T) {
	t.Run("never checked", func(t *testing.T) {
		st := storetest.Open(t)
		svc := feeds.NewService(st, nil, "https://planner.example.org", time.Now)
		st.RememberAuth(svc.ChangeStamp)
		u := mustCreateUser(t, st, "ed@example.org", programme.RoleEditor)
		n := countQueries(t, st)
		for i := range 3 {
			before := n.Load()
			if _, err := st.UserByID(t.Context(), u.ID); err != nil {
				t.Fatal(err)
			}
			if n.Load() == before {
				t.Errorf("lookup %d ran no statement with memory never checked", i)
			}
		}
	})
	t.Run("past the trust window", func(t *testing.T) {
		env := newAuthEnv(t)
		env.lookUpAll(t)
		env.feedClock.Advance(feeds.ChangeTrustWindow)
		for range 2 {
			if n := env.statements(func() { env.lookUpAll(t) }); n < 3 {
				t.Errorf("with memory no longer trusted the lookups ran %d statements, want at least 3", n)
			}
		}
		env.sync(t)
		env.lookUpAll(t)
		if n := env.statements(func() { env.lookUpAll(t) }); n != 0 {
			t.Errorf("after a new check the lookups ran %d statements, want none", n)
		}
	})
}

// TestAuthWritesHereCountAtOnce: a logout, a role change, a removed account
// and a revoked token through this store count for the very next lookup,
// with no check of the change counter in between.
func TestAuthWritesHereCountAtOnce(t *testing.T) {
	ctx := t.Context()
	t.Run("logout", func(t *testing.T) {
		env := newAuthEnv(t)
		env.lookUpAll(t)
		if err := env.st.DeleteSession(ctx, sessionToken); err != nil {
			t.Fatal(err)
		}
		if _, found := env.session(t); found {
			t.Error("a session ended here is still found")
		}
	})
	t.Run("session data", func(t *testing.T) {
		env := newAuthEnv(t)
		env.lookUpAll(t)
		if err := env.st.CommitSession(ctx, sessionToken, []byte("ed, again"), t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if data, _ := env.session(t); !bytes.Equal(data, []byte("ed, again")) {
			t.Errorf("after a commit here the session's data is %q", data)
		}
	})
	t.Run("role", func(t *testing.T) {
		env := newAuthEnv(t)
		env.lookUpAll(t)
		if err := env.st.SetUserRole(ctx, "ed@example.org", programme.RoleViewer); err != nil {
			t.Fatal(err)
		}
		if u := env.user(t, env.ed.ID); u == nil || u.Role != programme.RoleViewer {
			t.Errorf("after a role change here the account is %+v, want a viewer", u)
		}
		if u := env.tokenUser(t); u == nil || u.Role != programme.RoleViewer {
			t.Errorf("after a role change here the token acts for %+v, want a viewer", u)
		}
	})
	t.Run("removed account", func(t *testing.T) {
		env := newAuthEnv(t)
		env.lookUpAll(t)
		if err := env.st.RemoveUser(ctx, "ed@example.org"); err != nil {
			t.Fatal(err)
		}
		if u := env.user(t, env.ed.ID); u != nil {
			t.Errorf("a removed account is still found: %+v", u)
		}
		if u := env.tokenUser(t); u != nil {
			t.Errorf("the token of a removed account still works for %+v", u)
		}
	})
	t.Run("revoked token", func(t *testing.T) {
		env := newAuthEnv(t)
		env.lookUpAll(t)
		if err := env.st.RevokeAPIToken(ctx, env.tokenID); err != nil {
			t.Fatal(err)
		}
		if u := env.tokenUser(t); u != nil {
			t.Errorf("a token revoked here still works for %+v", u)
		}
	})
}

// TestALookupUnderWayWhenAWriteCommitsIsNotKept: a lookup whose query read
// a session before this store ended it is answered with what it read, but
// not kept: the next lookup does not find the ended session.
func TestALookupUnderWayWhenAWriteCommitsIsNotKept(t *testing.T) {
	env := newAuthEnv(t)
	var armed atomic.Bool
	err := env.st.DB().Callback().Query().After("gorm:query").Register("authmemory_test:logout", func(tx *gorm.DB) {
		if tx.Statement.Table == "staff_sessions" && armed.CompareAndSwap(true, false) {
			if err := env.st.DeleteSession(t.Context(), sessionToken); err != nil {
				t.Error(err)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	armed.Store(true)
	if _, found := env.session(t); !found {
		t.Fatal("the lookup under way did not find the session it read")
	}
	if armed.Load() {
		t.Fatal("the logout did not run during the lookup")
	}
	if _, found := env.session(t); found {
		t.Error("a session ended during a lookup of it is found afterwards")
	}
}

// TestAuthChangesElsewhereCountAfterTheNextCheck: what another process
// (another store on the same database, or SQL) changes counts once the
// change counter has been checked again, as Watch does every second and on
// every PostgreSQL notification. Before the check, memory still answers:
// that is the window the trust window bounds.
func TestAuthChangesElsewhereCountAfterTheNextCheck(t *testing.T) {
	ctx := t.Context()
	cases := []struct {
		name   string
		change func(t *testing.T, env *authEnv)
		check  func(t *testing.T, env *authEnv) string // what is still wrong, or ""
	}{
		{"logout", func(t *testing.T, env *authEnv) {
			if err := env.other.DeleteSession(ctx, sessionToken); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, env *authEnv) string {
			if _, found := env.session(t); found {
				return "the session ended elsewhere is found"
			}
			return ""
		}},
		{"role", func(t *testing.T, env *authEnv) {
			if err := env.other.SetUserRole(ctx, "ed@example.org", programme.RoleViewer); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, env *authEnv) string {
			if u := env.user(t, env.ed.ID); u.Role != programme.RoleViewer {
				return "ed's account is still an " + string(u.Role)
			}
			if u := env.tokenUser(t); u.Role != programme.RoleViewer {
				return "ed's token still acts for an " + string(u.Role)
			}
			return ""
		}},
		{"e-mail by SQL", func(t *testing.T, env *authEnv) {
			if err := env.other.DB().Exec("UPDATE users SET email = ? WHERE id = ?", "edward@example.org", env.ed.ID).Error; err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, env *authEnv) string {
			if u := env.user(t, env.ed.ID); u.Email != "edward@example.org" {
				return "ed's account still has the e-mail " + u.Email
			}
			return ""
		}},
		{"removed account", func(t *testing.T, env *authEnv) {
			if err := env.other.RemoveUser(ctx, "ed@example.org"); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, env *authEnv) string {
			if env.user(t, env.ed.ID) != nil {
				return "the removed account is found"
			}
			if env.tokenUser(t) != nil {
				return "the removed account's token works"
			}
			return ""
		}},
		{"revoked token", func(t *testing.T, env *authEnv) {
			if err := env.other.RevokeAPIToken(ctx, env.tokenID); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, env *authEnv) string {
			if env.tokenUser(t) != nil {
				return "the revoked token works"
			}
			return ""
		}},
		{"deleted token by SQL", func(t *testing.T, env *authEnv) {
			if err := env.other.DB().Exec("DELETE FROM api_tokens WHERE id = ?", env.tokenID).Error; err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, env *authEnv) string {
			if env.tokenUser(t) != nil {
				return "the deleted token works"
			}
			return ""
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := newAuthEnv(t)
			env.lookUpAll(t)
			c.change(t, env)
			if c.check(t, env) == "" {
				t.Fatal("the change elsewhere counted before memory was checked: the lookups did not come from memory")
			}
			env.sync(t)
			if wrong := c.check(t, env); wrong != "" {
				t.Errorf("after the next check %s", wrong)
			}
		})
	}
}

// TestARememberedSessionExpires: a session kept in memory is gone at its
// expiry, although memory is current and nothing asks the database.
func TestARememberedSessionExpires(t *testing.T) {
	env := newAuthEnv(t)
	env.lookUpAll(t)
	env.clock.Advance(time.Hour - time.Microsecond)
	if _, found := env.session(t); !found {
		t.Fatal("the session is gone before its expiry")
	}
	env.clock.Advance(time.Microsecond)
	if n := env.statements(func() {
		if _, found := env.session(t); found {
			t.Error("a kept session is found at its expiry")
		}
	}); n != 0 {
		t.Errorf("the lookup ran %d statements: it did not come from memory", n)
	}
}

// TestARememberedTokenRecordsItsUseOnceAMinute: a token answered from
// memory records its use as before, once a minute, with one statement,
// and that write does not end what memory keeps.
func TestARememberedTokenRecordsItsUseOnceAMinute(t *testing.T) {
	env := newAuthEnv(t)
	ctx := t.Context()
	lastUsed := func() time.Time {
		t.Helper()
		toks, err := env.st.APITokens(ctx, "ed@example.org")
		if err != nil || len(toks) != 1 || toks[0].LastUsedAt == nil {
			t.Fatalf("APITokens = %+v, %v", toks, err)
		}
		return *toks[0].LastUsedAt
	}
	env.tokenUser(t)
	if got := lastUsed(); !got.Equal(t0) {
		t.Fatalf("last used at %v, want %v", got, t0)
	}
	env.clock.Advance(59 * time.Second)
	if n := env.statements(func() { env.tokenUser(t) }); n != 0 {
		t.Errorf("a use within the minute ran %d statements, want none", n)
	}
	at := env.clock.Advance(time.Second)
	if n := env.statements(func() {
		tok, _, err := env.st.APITokenUser(ctx, env.secret)
		if err != nil || tok.LastUsedAt == nil || !tok.LastUsedAt.Equal(at) {
			t.Errorf("APITokenUser a minute on = %+v, %v; want last used at %v", tok, err, at)
		}
	}); n != 1 {
		t.Errorf("the first use a minute on ran %d statements, want 1 (recording it)", n)
	}
	if got := lastUsed(); !got.Equal(at) {
		t.Errorf("after a use a minute on, last used at %v, want %v", got, at)
	}
	env.sync(t)
	for range 3 {
		if n := env.statements(func() { env.tokenUser(t) }); n != 0 {
			t.Errorf("a use after the record ran %d statements, want none", n)
		}
	}
}

// TestAuthChangesRaiseTheChangeCounter checks migration 0019's triggers:
// every change that must end what memory keeps of authentication raises
// the counter, in whatever way it is made; a token's last use, a new
// account, a new token and a new password do not.
func TestAuthChangesRaiseTheChangeCounter(t *testing.T) {
	s, clock := openClocked(t)
	ctx := t.Context()
	seq := func() int64 { t.Helper(); return changeSeq(t, s) }
	n := seq()
	step := func(what string, raises bool, fn func() error) {
		t.Helper()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		after := seq()
		switch {
		case raises && after <= n:
			t.Errorf("%s left the counter at %d", what, after)
		case !raises && after != n:
			t.Errorf("%s raised the counter from %d to %d", what, n, after)
		}
		n = after
	}
	exec := func(sql string, args ...any) func() error {
		return func() error { return s.DB().Exec(sql, args...).Error }
	}
	var secret string
	var tokID int64
	step("a new account", false, func() error {
		_, err := s.CreateUser(ctx, store.NewUser{Email: "ana@example.org", Role: programme.RoleAdmin, PasswordHash: hash})
		if err == nil {
			_, err = s.CreateUser(ctx, store.NewUser{Email: "ed@example.org", Role: programme.RoleEditor, PasswordHash: hash})
		}
		return err
	})
	step("a new API token", false, func() (err error) {
		var tok store.APIToken
		tok, secret, err = s.CreateAPIToken(ctx, "ed@example.org", "script")
		tokID = tok.ID
		return err
	})
	step("a token's first use", false, func() error { _, _, err := s.APITokenUser(ctx, secret); return err })
	clock.Advance(2 * time.Minute)
	step("a token's use a minute on", false, func() error { _, _, err := s.APITokenUser(ctx, secret); return err })
	step("a new password", false, exec("UPDATE users SET password_hash = ? WHERE email = ?", hash+"x", "ed@example.org"))
	step("a login", true, func() error { return s.CommitSession(ctx, "tok-a", []byte("a"), clock.Now().Add(time.Minute)) })
	step("a session's new data", true, func() error { return s.CommitSession(ctx, "tok-a", []byte("b"), clock.Now().Add(time.Minute)) })
	step("a session's new expiry by SQL", true, exec("UPDATE staff_sessions SET expiry = expiry"))
	step("a logout", true, func() error { return s.DeleteSession(ctx, "tok-a") })
	step("another login", true, func() error { return s.CommitSession(ctx, "tok-b", []byte("b"), clock.Now().Add(time.Minute)) })
	clock.Advance(2 * time.Minute)
	step("deleting expired sessions", true, func() error { _, err := s.DeleteExpiredSessions(ctx); return err })
	step("a role change", true, func() error { return s.SetUserRole(ctx, "ed@example.org", programme.RoleViewer) })
	step("an e-mail change", true, exec("UPDATE users SET email = ? WHERE email = ?", "edward@example.org", "ed@example.org"))
	step("a name change", true, exec("UPDATE users SET name = ? WHERE email = ?", "Edward", "edward@example.org"))
	step("a revocation", true, func() error { return s.RevokeAPIToken(ctx, tokID) })
	step("a token deleted by SQL", true, exec("DELETE FROM api_tokens WHERE id = ?", tokID))
	step("a removed account", true, func() error { return s.RemoveUser(ctx, "edward@example.org") })
}
