package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
)

// csrfOfBrowser is the CSRF token b's forms must carry: its CSRF cookie.
func csrfOfBrowser(t *testing.T, b *browser) string {
	t.Helper()
	c, ok := b.cookies[csrfCookie]
	if !ok || c.Value == "" {
		t.Fatal("no CSRF cookie")
	}
	return c.Value
}

// The day view is rendered once per programme version and day: the next
// request, by the same user or another of any role, is served the kept
// timetable, byte for byte what a fresh render writes, around its own
// navigation (user, role and CSRF token).
func TestDayViewTimetableIsRenderedOnce(t *testing.T) {
	env := newViewsEnv(t)
	parts := &env.srv.render.parts
	viewer, editor := env.as(programme.RoleViewer), env.as(programme.RoleEditor)
	before := parts.renders.Load()

	res, first := viewer.get(dayZero)
	if res.StatusCode != http.StatusOK || !strings.Contains(first, seminarTitle) {
		t.Fatalf("first request: %d\n%s", res.StatusCode, first)
	}
	if got := parts.renders.Load() - before; got != 1 {
		t.Fatalf("first request rendered %d timetables, want 1", got)
	}
	_, second := viewer.get(dayZero)
	res, edited := editor.get(dayZero)
	if got := parts.renders.Load() - before; got != 1 || res.StatusCode != http.StatusOK {
		t.Fatalf("after two more requests: %d, %d timetables rendered, want 1", res.StatusCode, got)
	}
	if second != first {
		t.Errorf("the kept page differs from the first:\n%s\n---\n%s", first, second)
	}

	// Each user gets their own navigation: name, role, CSRF token.
	vt, et := csrfOfBrowser(t, viewer), csrfOfBrowser(t, editor)
	if vt == et {
		t.Fatal("two sessions share a CSRF token")
	}
	for _, tt := range []struct {
		name, body, own, other, user string
	}{
		{"viewer", second, vt, et, "viewer@example.org (viewer)"},
		{"editor", edited, et, vt, "editor@example.org (editor)"},
	} {
		if !strings.Contains(tt.body, `name="_csrf" value="`+tt.own+`"`) || strings.Contains(tt.body, tt.other) {
			t.Errorf("%s: not its own CSRF token alone", tt.name)
		}
		if !strings.Contains(tt.body, tt.user) {
			t.Errorf("%s: the navigation does not name %q", tt.name, tt.user)
		}
	}
	// Apart from the navigation, the pages are the same.
	if strings.ReplaceAll(strings.ReplaceAll(edited, et, vt), "editor@example.org (editor)", "viewer@example.org (viewer)") != second {
		t.Errorf("the editor's page differs from the viewer's beyond the navigation:\n%s\n---\n%s", second, edited)
	}

	// A fresh render writes the same bytes, page and htmx fragment.
	fragment := map[string]string{"HX-Request": "true"}
	_, keptFragment := viewer.do(http.MethodGet, dayZero, nil, fragment)
	parts.clear()
	_, fresh := viewer.get(dayZero)
	if got := parts.renders.Load() - before; got != 2 {
		t.Errorf("after clearing: %d timetables rendered, want 2", got)
	}
	if fresh != second {
		t.Errorf("a fresh render differs from the kept one:\n%s\n---\n%s", fresh, second)
	}
	parts.clear()
	if _, f := viewer.do(http.MethodGet, dayZero, nil, fragment); f != keptFragment || !strings.Contains(f, seminarTitle) || strings.Contains(f, "<html") {
		t.Errorf("the fragment, fresh and kept, differ or are not the fragment:\n%s\n---\n%s", f, keptFragment)
	}
}

// Each day is a part of its own, and a day that does not exist is not
// kept: asking again renders again (a 404, not a page).
func TestDayViewKeepsEachDayAndNoRefusal(t *testing.T) {
	env := newViewsEnv(t)
	parts := &env.srv.render.parts
	viewer := env.as(programme.RoleViewer)
	for range 2 {
		for _, d := range []string{"2016-12-05", "2016-12-06"} {
			if res, _ := viewer.get("/staff/p/igf2016-cldp/day/" + d); res.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", d, res.StatusCode)
			}
		}
	}
	if got := parts.renders.Load(); got != 2 {
		t.Errorf("two days asked twice: %d renders, want 2", got)
	}
	for range 2 {
		if res, _ := viewer.get("/staff/p/igf2016-cldp/day/2017-01-01"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("a day outside the programme: %d, want 404", res.StatusCode)
		}
	}
	if got := parts.renders.Load(); got != 4 {
		t.Errorf("a refused day asked twice: %d renders in all, want 4", got)
	}
	if n, _ := parts.kept(t); n != 2 {
		t.Errorf("%d parts kept, want the 2 days", n)
	}
}

// A change through the session form shows on the next day view at once,
// for the editor who made it and for everyone else.
func TestDayViewShowsAFormChangeAtOnce(t *testing.T) {
	env := newViewsEnv(t)
	viewer, editor := env.as(programme.RoleViewer), env.as(programme.RoleEditor)
	for _, b := range []*browser{viewer, editor} {
		if _, body := b.get(dayZero); !strings.Contains(body, seminarTitle) {
			t.Fatalf("before: the seminar's title missing:\n%s", body)
		}
	}
	form, _ := sessionEditForm(t, editor)
	form.Set("title", "Seminar, renamed by form")
	if res, body := editor.post(seminarPath, seminarPath, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, body)
	}
	for name, b := range map[string]*browser{"viewer": viewer, "editor": editor} {
		res, body := b.get(dayZero)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "Seminar, renamed by form") || strings.Contains(body, seminarTitle) {
			t.Errorf("%s after the change: %d, not the new title alone:\n%s", name, res.StatusCode, body)
		}
	}
}

// clear forgets every kept page.
func (fc *frameCache) clear() { fc.frames.clear() }

// The page around the timetable is kept for each user's session, page and
// fragment alike, and written with the template again only when something
// it shows changes: another user, another day, the programme's title.
// What is kept is what a fresh write gives, byte for byte.
func TestDayViewPageIsKeptPerUser(t *testing.T) {
	env := newViewsEnv(t)
	frames := &env.srv.render.frames
	viewer, editor := env.as(programme.RoleViewer), env.as(programme.RoleEditor)
	written := frames.written.Load()
	expect := func(what string, more int64) {
		t.Helper()
		if got := frames.written.Load() - written; got != more {
			t.Fatalf("%s: %d pages written, want %d", what, got, more)
		}
		written += more
	}
	_, first := viewer.get(dayZero)
	expect("the first request", 1)
	if _, again := viewer.get(dayZero); again != first {
		t.Errorf("the kept page differs from the first:\n%s\n---\n%s", first, again)
	}
	expect("the same request again", 0)
	if _, edited := editor.get(dayZero); edited == first || !strings.Contains(edited, "editor@example.org (editor)") {
		t.Errorf("the editor was given another's page:\n%s", edited)
	}
	expect("another user", 1)
	fragment := map[string]string{"HX-Request": "true"}
	_, frag := viewer.do(http.MethodGet, dayZero, nil, fragment)
	expect("the fragment", 1)
	if _, again := viewer.do(http.MethodGet, dayZero, nil, fragment); again != frag || strings.Contains(frag, "<html") {
		t.Errorf("the kept fragment differs, or is the page:\n%s\n---\n%s", frag, again)
	}
	expect("the fragment again", 0)
	viewer.get("/staff/p/igf2016-cldp/day/2016-12-06")
	expect("another day", 1)

	storeImport(t, env, func(p *programme.Programme) { p.Title = "IGF 2016, renamed" })
	_, renamed := viewer.get(dayZero)
	expect("after the programme's title changed", 1)
	if !strings.Contains(renamed, `>IGF 2016, renamed</a>`) {
		t.Errorf("the navigation does not show the new title:\n%s", renamed)
	}
	frames.clear()
	if _, fresh := viewer.get(dayZero); fresh != renamed {
		t.Errorf("a fresh write differs from the kept page:\n%s\n---\n%s", fresh, renamed)
	}
	expect("after forgetting the pages", 1)
}
