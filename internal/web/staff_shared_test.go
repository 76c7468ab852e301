package web

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
)

// sharedPages are the staff pages that read the programme the feeds share
// (sharedProgramme, readRun, sessionReadBase, readProgramme), for the demo.
// The hand-out pages need a hand-out, made by sharedEnv.
var sharedPages = []string{
	"",
	"/day/2016-12-05",
	"/sessions",
	"/sessions/day0-seminar",
	"/sessions/day0-seminar/slots/welcome",
	"/people",
	"/people?q=omar",
	"/people.csv",
	"/venues",
	"/runs",
	"/runs/day0-bus",
	"/runs/day0-bus/manifest",
	"/runs/day0-bus/boarding",
	"/runs/day0-bus/boarding.json",
	"/handouts",
	"/handouts/" + sharedHandout,
	"/handouts/" + sharedHandout + "/state.json",
	"/print",
	"/print/delegations/af",
	"/print/welcome",
	"/print/welcome/omar-ansari",
	"/feeds",
	"/mail",
	"/history",
	"/export",
}

const sharedHandout = "2016-12-05-meal-tickets"

// sharedEnv is the demo with a hand-out and an admin's browser.
func sharedEnv(t *testing.T) (*viewsEnv, *browser) {
	env := newViewsEnv(t)
	admin := env.as(programme.RoleAdmin)
	list := "/staff/p/" + demoSlug + "/handouts"
	if res, body := admin.post(list, list, url.Values{"title": {"Meal tickets"}, "day": {"2016-12-05"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a hand-out: %d\n%s", res.StatusCode, body)
	}
	return env, admin
}

// No staff page modifies the programme the feeds share: after every page
// has been shown twice, the shared copy is still equal to a fresh load of
// the database (indexed the same way), and it is the same copy, so the
// pages did read it.
func TestStaffPagesLeaveTheSharedProgrammeAlone(t *testing.T) {
	env, admin := sharedEnv(t)
	shared, err := env.svc.Current(t.Context(), demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		for _, page := range sharedPages {
			if res, body := admin.get("/staff/p/" + demoSlug + page); res.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d\n%s", page, res.StatusCode, body)
			}
		}
	}
	again, err := env.svc.Current(t.Context(), demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	if again != shared {
		t.Fatal("the shared programme was loaded again with no change: the test no longer checks the copy the pages read")
	}
	fresh, err := env.st.Programme(t.Context(), demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	fresh.IndexKeys()
	if !reflect.DeepEqual(shared, fresh) {
		t.Errorf("a staff page modified the shared programme:\nshared %+v\nfresh  %+v", *shared, *fresh)
	}
}

// The test above would see a page that modifies the shared copy.
func TestSharedProgrammeCheckSeesAModification(t *testing.T) {
	env, _ := sharedEnv(t)
	shared, err := env.svc.Current(t.Context(), demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := env.st.Programme(t.Context(), demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	fresh.IndexKeys()
	if !reflect.DeepEqual(shared, fresh) {
		t.Fatal("the shared copy differs from a fresh load before any page")
	}
	fresh.Transport[0].StayingBehind = append(fresh.Transport[0].StayingBehind, programme.StayingBehind{Person: "omar-ansari"})
	if reflect.DeepEqual(shared, fresh) {
		t.Error("an appended stayer goes unseen")
	}
}

// Every page that reads the shared programme shows a change made through
// the store on the next request, after having been shown once before it.
func TestSharedPagesShowAChangeAtOnce(t *testing.T) {
	const title, name = "IGF 2016, renamed", "Omar Ansari-Renamed"
	edit := func(p *programme.Programme) {
		p.Title = title
		found(t, p.Person("omar-ansari"), "no omar-ansari").Name = name
		sessionOf(t, p, "day0-seminar").Title = "Seminar, renamed"
		slotOf(t, sessionOf(t, p, "day0-seminar"), "welcome").Title = "Welcome, renamed"
		p.Transport[0].Vehicle = "Bus 7, renamed"
		p.Venues[0].Name = "Washington, renamed"
	}
	cases := []struct{ page, want string }{
		{"", title},
		{"/day/2016-12-05", "Seminar, renamed"},
		{"/sessions", "Seminar, renamed"},
		{"/sessions/day0-seminar", "Seminar, renamed"},
		{"/sessions/day0-seminar/slots/welcome", "Welcome, renamed"},
		{"/people", name},
		{"/people?q=omar", name},
		{"/people.csv", name},
		{"/venues", "Washington, renamed"},
		{"/runs", title},
		{"/runs/day0-bus", "Bus 7, renamed"},
		{"/runs/day0-bus/manifest", name},
		{"/runs/day0-bus/boarding", name},
		{"/handouts", title},
		{"/handouts/" + sharedHandout, name},
		{"/print", title},
		{"/print/delegations/af", title},
		{"/print/welcome", name},
		{"/print/welcome/omar-ansari", name},
		{"/feeds", name},
		{"/mail", title},
		{"/history", title},
		{"/export", title},
	}
	env, admin := sharedEnv(t)
	for _, tc := range cases {
		if _, body := admin.get("/staff/p/" + demoSlug + tc.page); strings.Contains(body, tc.want) {
			t.Fatalf("%s shows %q before the change", tc.page, tc.want)
		}
	}
	storeImport(t, env, edit)
	for _, tc := range cases {
		res, body := admin.get("/staff/p/" + demoSlug + tc.page)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, tc.want) {
			t.Errorf("%s after the change: %d, %q missing", tc.page, res.StatusCode, tc.want)
		}
	}
}
