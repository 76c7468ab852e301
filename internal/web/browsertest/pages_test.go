//go:build browser

package browsertest

import (
	"testing"

	"github.com/planner-dev/planner/internal/programme"
)

// A page of the planner that the browser tests check: its screenshots are
// NAME-1280.png and NAME-390.png.
type page struct {
	name string
	path string
}

// staffPages are the pages staff see once logged in. A new staff page needs
// one line here to be checked by axe-core at both widths and photographed;
// a page that takes more than a visit to reach gets a test of its own that
// ends with env.CheckHere(name).
var staffPages = []page{
	{"staff-home", "/staff"},
	{"overview", "/staff/p/" + Slug},
	{"day-view", "/staff/p/" + Slug + "/day/2016-12-05"}, // Day 0 in Guadalajara
	{"feed-links", "/staff/p/" + Slug + "/feeds"},
	{"print-index", "/staff/p/" + Slug + "/print"},
	{"print-delegation", "/staff/p/" + Slug + "/print/delegations/af"},
	{"welcome-sheet", "/staff/p/" + Slug + "/print/welcome/omar-ansari"},
	{"programme-new", "/staff/programmes/new"},
	{"programme-edit", "/staff/p/" + Slug + "/edit"},
	{"history", "/staff/p/" + Slug + "/history"},
	{"import", "/staff/import"},
	{"people", "/staff/p/" + Slug + "/people"},
	{"person-edit", "/staff/p/" + Slug + "/people/omar-ansari/edit"},
	{"people-import", "/staff/p/" + Slug + "/people/import"},
	{"venues", "/staff/p/" + Slug + "/venues"},
	{"sessions", "/staff/p/" + Slug + "/sessions"},
	{"session-editor", "/staff/p/" + Slug + "/sessions/day0-seminar"},
	{"session-new", "/staff/p/" + Slug + "/sessions/new"},
	{"api-tokens", "/staff/tokens"},
	{"runs", "/staff/p/" + Slug + "/runs"},
	{"run", "/staff/p/" + Slug + "/runs/day0-bus"},
	{"run-manifest", "/staff/p/" + Slug + "/runs/day0-bus/manifest"},
	{"boarding", "/staff/p/" + Slug + "/runs/day0-bus/boarding"},
	{"handouts", "/staff/p/" + Slug + "/handouts"},
	{"calendars", "/staff/p/" + Slug + "/calendars"},
	{"accounts", "/staff/accounts"},
	{"mail", "/staff/p/" + Slug + "/mail"},
}

// publicPages need no login.
var publicPages = []page{
	{"login", "/staff/login"},
	{"programme-list", "/"},
	{"programme", "/p/" + Slug},
}

func TestStaffPages(t *testing.T) {
	env := Start(t)
	env.Login()
	for _, p := range staffPages {
		t.Run(p.name, func(t *testing.T) { env.In(t).Check(p.name, p.path) })
	}
}

func TestPublicPages(t *testing.T) {
	env := Start(t)
	for _, p := range publicPages {
		t.Run(p.name, func(t *testing.T) { env.In(t).Check(p.name, p.path) })
	}
	// Omar Ansari's agenda, the page his calendar link leads to on a phone.
	t.Run("personal", func(t *testing.T) {
		env.In(t).Check("personal", env.AgendaPath(programme.FeedPerson, "omar-ansari"))
	})
	// Delegates open these on their phones: nothing may stick out sideways.
	env.SetViewport(Phone)
	defer env.SetViewport(Desktop)
	for _, p := range []page{{"programme", "/p/" + Slug}, {"personal", env.AgendaPath(programme.FeedPerson, "omar-ansari")}} {
		t.Run(p.name+" fits a phone", func(t *testing.T) {
			env := env.In(t)
			env.Visit(p.path)
			env.RequireFitsWidth()
		})
	}
}
