package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"testing"

	"github.com/planner-dev/planner/internal/accounts"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// viewsEnv is a server over a real store holding the demo, with feed
// links and three staff accounts: viewer@, editor@ and admin@example.org.
type viewsEnv struct {
	t     *testing.T
	clock *storetest.Clock
	st    *store.Store
	svc   *feeds.Service
	srv   *Server
	logs  *logBuffer
}

func newViewsEnv(t *testing.T) *viewsEnv {
	t.Helper()
	clock := storetest.NewClock(importedAt)
	st := storetest.Open(t, store.WithNow(clock.Now))
	storetest.MustImport(t, st, sample.Demo(t))
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte{7}, feeds.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc := feeds.NewService(st, keys, "https://planner.example.org", clock.Now)
	acc := accounts.New(st, accounts.WithParams(cheapHashes))
	for _, role := range programme.StaffRoles {
		if _, err := acc.Add(t.Context(), string(role)+"@example.org", role, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	logs := &logBuffer{}
	srv := New(Config{
		BaseURL:  "https://planner.example.org",
		Logger:   slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:      clock.Now,
		Feeds:    svc,
		Accounts: acc,
		Sessions: st,
	}, st)
	// Memory current, as Watch keeps it in `serve`: the clock stands
	// still, so it stays trusted, and the pages see the tests' changes
	// through this store at once only as this process's own writes do
	// (store.OnProgrammeWrite).
	if err := svc.SyncChanges(t.Context()); err != nil {
		t.Fatal(err)
	}
	return &viewsEnv{t: t, clock: clock, st: st, svc: svc, srv: srv, logs: logs}
}

// as returns a browser logged in with role, or a visitor for role "".
func (env *viewsEnv) as(role programme.StaffRole) *browser {
	env.t.Helper()
	b := &browser{t: env.t, h: env.srv.Handler(), addr: "192.0.2.30", cookies: map[string]*http.Cookie{}}
	if role != "" {
		b.mustLogin(string(role) + "@example.org")
	}
	return b
}

// storeImport imports the demo, changed by edit, over the stored one at the
// clock's time, as staff do after an edit.
func storeImport(t *testing.T, env *viewsEnv, edit func(p *programme.Programme)) {
	t.Helper()
	storetest.MustImport(t, env.st, editedDemo(t, edit))
}
