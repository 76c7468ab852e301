package web

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

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
	env.sync(b)
	target := "/staff/p/" + p.Slug + page(p)
	b.ReportAllocs()
	for b.Loop() {
		res, body := br.get(target)
		if res.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d\n%s", target, res.StatusCode, body)
		}
	}
}

// BenchmarkStaffDayRender measures writing the day view of a conference
// (bench/large) around its kept timetable, with nothing else of the
// request: "template" as every page is written (c.Render, the timetable
// in the page's data), "kept" around the kept timetable (renderKept) and
// "framed" as the day view writes it, from the page kept for the user.
func BenchmarkStaffDayRender(b *testing.B) {
	p, err := large.Generate(large.Conference)
	if err != nil {
		b.Fatal(err)
	}
	env := newBenchEnv(b, p, nil)
	s := env.srv
	shared, err := s.feeds.Current(b.Context(), p.Slug)
	if err != nil {
		b.Fatal(err)
	}
	part, err := s.dayTimetable(shared, true, p.StartsOn)
	if err != nil {
		b.Fatal(err)
	}
	nav := staffNav{Slug: p.Slug, Title: p.Title, Current: "day", Overview: "/staff/p/" + p.Slug, Day: "/staff/p/" + p.Slug + "/day",
		Sessions: "/staff/p/" + p.Slug + "/sessions", People: "/staff/p/" + p.Slug + "/people",
		User: &programme.User{Email: "viewer@example.org", Role: programme.RoleViewer}, CSRF: "a-csrf-token-of-some-length"}
	e := echo.New()
	e.Renderer = s.render
	run := func(b *testing.B, render func(c echo.Context) error) {
		b.ReportAllocs()
		for b.Loop() {
			c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), discardResponse{header: http.Header{}})
			if err := render(c); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("template", func(b *testing.B) {
		run(b, func(c echo.Context) error {
			return c.Render(http.StatusOK, "staff/day", dayPage{page: page{Title: part.Title}, Nav: nav, Timetable: template.HTML(part.HTML)})
		})
	})
	data := dayPage{page: page{Title: part.Title}, Nav: nav, Timetable: keptSlot}
	b.Run("kept", func(b *testing.B) {
		run(b, func(c echo.Context) error {
			return s.render.renderKept(c, http.StatusOK, "staff/day", data, frameKey{}, part.HTML)
		})
	})
	b.Run("framed", func(b *testing.B) {
		run(b, func(c echo.Context) error {
			return s.render.renderKept(c, http.StatusOK, "staff/day", data, frameKeyOf(dayFrameOf(data)), part.HTML)
		})
	})
}

// discardResponse is a response that keeps nothing of the body, as a
// socket does, so that only the server's own work is measured.
type discardResponse struct{ header http.Header }

func (d discardResponse) Header() http.Header         { return d.header }
func (d discardResponse) Write(p []byte) (int, error) { return len(p), nil }
func (d discardResponse) WriteHeader(int)             {}
