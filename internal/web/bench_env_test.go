package web

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// benchEnv is what this package's benchmarks measure: a server over a real
// store holding one programme, imported at importedAt, with the feeds
// service and no log (a log line per request would be measured too).
type benchEnv struct {
	clock *storetest.Clock
	st    *store.Store
	svc   *feeds.Service
	srv   *Server
}

// newBenchEnv imports p and builds the server; configure, when not nil,
// adds to its Config (accounts, sessions) before it is built.
func newBenchEnv(b *testing.B, p *programme.Programme, configure func(*Config, *store.Store)) *benchEnv {
	b.Helper()
	clock := storetest.NewClock(importedAt)
	st := storetest.Open(b, store.WithNow(clock.Now))
	storetest.MustImport(b, st, p)
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte{7}, feeds.KeySize))
	if err != nil {
		b.Fatal(err)
	}
	svc := feeds.NewService(st, keys, "https://planner.example.org", clock.Now)
	// As in `serve`: logins and accounts answer from memory while the
	// feeds' memory is current (env.sync).
	st.RememberAuth(svc.ChangeStamp)
	cfg := Config{BaseURL: "https://planner.example.org", Logger: slog.New(slog.DiscardHandler), Now: clock.Now, Feeds: svc}
	if configure != nil {
		configure(&cfg, st)
	}
	return &benchEnv{clock: clock, st: st, svc: svc, srv: New(cfg, st)}
}

// sync makes memory current, as Watch keeps it in `serve` (the clock stands
// still, so it stays trusted).
func (env *benchEnv) sync(b *testing.B) {
	b.Helper()
	if err := env.svc.SyncChanges(b.Context()); err != nil {
		b.Fatal(err)
	}
}

// token returns the secret token of the feed of kind with key, creating
// the programme's tokens as needed, and then makes memory current, as
// Watch keeps it in `serve`.
func (env *benchEnv) token(b *testing.B, slug string, kind programme.FeedKind, key string) string {
	b.Helper()
	list, err := env.svc.List(b.Context(), slug, true)
	if err != nil {
		b.Fatal(err)
	}
	env.sync(b)
	for _, l := range list {
		if l.Kind == kind && l.Key == key {
			return strings.TrimSuffix(strings.TrimPrefix(l.URL, "https://planner.example.org/feeds/"), ".ics")
		}
	}
	b.Fatalf("no %s feed %q in %s", kind, key, slug)
	return ""
}
