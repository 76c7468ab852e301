package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/accounts"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

const seminarTitle = "Pre-Conference Seminar for CLDP Supported Delegations"

// retitled is the demo with the day-zero seminar called title.
func retitled(t *testing.T, title string) *programme.Programme {
	return editedDemo(t, func(p *programme.Programme) { sessionOf(t, p, "day0-seminar").Title = title })
}

// The day view reads the programme the feeds share, loaded once per
// version: a change through this server's store shows on the next request.
func TestDayViewShowsAChangeAtOnce(t *testing.T) {
	env := newViewsEnv(t)
	b := env.as(programme.RoleViewer)
	for i := range 2 { // the second request is served from the shared copy
		if res, body := b.get(dayZero); res.StatusCode != http.StatusOK || !strings.Contains(body, seminarTitle) {
			t.Fatalf("request %d: %d, the seminar's title missing:\n%s", i, res.StatusCode, body)
		}
	}
	storeImport(t, env, func(p *programme.Programme) { sessionOf(t, p, "day0-seminar").Title = "Seminar, renamed" })
	res, body := b.get(dayZero)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Seminar, renamed") || strings.Contains(body, seminarTitle) {
		t.Fatalf("after the change: %d, not the new title alone:\n%s", res.StatusCode, body)
	}
}

// Another instance's change (another store handle on the same database,
// with no Watch running) shows on this instance's next request.
func TestDayViewShowsAnotherInstancesChange(t *testing.T) {
	url := storetest.FreshURL(t)
	clock := storetest.NewClock(importedAt)
	here := storetest.OpenURL(t, url, store.WithNow(clock.Now))
	if err := here.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	storetest.MustImport(t, here, sample.Demo(t))
	other := storetest.OpenURL(t, url, store.WithNow(clock.Now))

	keys, err := feeds.NewKeyring(bytes.Repeat([]byte{7}, feeds.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	acc := accounts.New(here, accounts.WithParams(cheapHashes))
	if _, err := acc.Add(t.Context(), "viewer@example.org", programme.RoleViewer, testPassword); err != nil {
		t.Fatal(err)
	}
	srv := New(Config{BaseURL: "https://planner.example.org", Logger: slog.New(slog.DiscardHandler), Now: clock.Now,
		Feeds: feeds.NewService(here, keys, "https://planner.example.org", clock.Now), Accounts: acc, Sessions: here}, here)
	b := &browser{t: t, h: srv.Handler(), addr: "192.0.2.30", cookies: map[string]*http.Cookie{}}
	b.mustLogin("viewer@example.org")
	if res, body := b.get(dayZero); res.StatusCode != http.StatusOK || !strings.Contains(body, seminarTitle) {
		t.Fatalf("before: %d, the seminar's title missing:\n%s", res.StatusCode, body)
	}
	storetest.MustImport(t, other, retitled(t, "Seminar, renamed elsewhere"))
	res, body := b.get(dayZero)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Seminar, renamed elsewhere") || strings.Contains(body, seminarTitle) {
		t.Fatalf("after another instance's change: %d, not the new title alone:\n%s", res.StatusCode, body)
	}
	if res, _ := b.get("/staff/p/no-such-programme/day/2016-12-05"); res.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown programme's day: %d, want 404", res.StatusCode)
	}
}
