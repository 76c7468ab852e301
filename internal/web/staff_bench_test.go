package web

import (
	"net/http"
	"testing"

	"github.com/planner-dev/planner/bench/large"
	"github.com/planner-dev/planner/internal/accounts"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// BenchmarkStaffDayView measures the staff day view of a conference
// (bench/large): one day of about 70 sessions and runs in 12 rooms, for a
// logged-in viewer, with memory current as Watch keeps it in `serve`.
func BenchmarkStaffDayView(b *testing.B) {
	benchStaffPage(b, func(p *programme.Programme) string { return "/day/" + p.StartsOn })
}

// BenchmarkStaffOverview measures the overview of a conference: its
// counts, conflicts and days, and its recent changes.
func BenchmarkStaffOverview(b *testing.B) {
	benchStaffPage(b, func(*programme.Programme) string { return "" })
}

// BenchmarkStaffPeople measures the list of a conference's 2,000 people.
func BenchmarkStaffPeople(b *testing.B) {
	benchStaffPage(b, func(*programme.Programme) string { return "/people" })
}

// BenchmarkStaffSessions measures the list of a conference's sessions
// with their conflicts.
func BenchmarkStaffSessions(b *testing.B) {
	benchStaffPage(b, func(*programme.Programme) string { return "/sessions" })
}

// benchStaffPage measures one staff page of a conference (bench/large),
// the path after /staff/p/SLUG, for a logged-in viewer.
func benchStaffPage(b *testing.B, page func(*programme.Programme) string) {
	p, err := large.Generate(large.Conference)
	if err != nil {
		b.Fatal(err)
	}
	env := newBenchEnv(b, p, func(cfg *Config, st *store.Store) {
		acc := accounts.New(st, accounts.WithParams(cheapHashes))
		if _, err := acc.Add(b.Context(), "viewer@example.org", programme.RoleViewer, testPassword); err != nil {
			b.Fatal(err)
		}
		cfg.Accounts, cfg.Sessions = acc, st
	})
	br := &browser{t: b, h: env.srv.Handler(), addr: "192.0.2.30", cookies: map[string]*http.Cookie{}}
	br.mustLogin("viewer@example.org")
	// Memory current, as Watch keeps it in `serve`.
	if err := env.svc.SyncChanges(b.Context()); err != nil {
		b.Fatal(err)
	}
	target := "/staff/p/" + p.Slug + page(p)
	b.ReportAllocs()
	for b.Loop() {
		res, body := br.get(target)
		if res.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d\n%s", target, res.StatusCode, body)
		}
	}
}
