package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
)

const sessionsPath = "/staff/p/" + demoSlug + "/sessions"

// The sessions list is rendered once per programme version: the next
// request, by any user, is served the kept list, byte for byte what a
// fresh render writes, with the editor's button and each user's own
// navigation around it.
func TestSessionListIsRenderedOnce(t *testing.T) {
	env := newViewsEnv(t)
	parts := &env.srv.render.parts
	viewer, editor := env.as(programme.RoleViewer), env.as(programme.RoleEditor)
	_, first := viewer.get(sessionsPath)
	_, second := viewer.get(sessionsPath)
	res, edited := editor.get(sessionsPath)
	if got := parts.renders.Load(); got != 1 || res.StatusCode != http.StatusOK {
		t.Fatalf("three requests: %d, %d lists rendered, want 1", res.StatusCode, got)
	}
	if second != first || !strings.Contains(second, seminarTitle) {
		t.Errorf("the kept page differs from the first, or lacks the seminar:\n%s\n---\n%s", first, second)
	}
	vt, et := csrfOfBrowser(t, viewer), csrfOfBrowser(t, editor)
	if strings.Contains(second, "New session") || strings.Contains(second, et) || !strings.Contains(second, vt) {
		t.Errorf("the viewer's page has the editor's button or not its own CSRF token alone:\n%s", second)
	}
	if !strings.Contains(edited, "New session") || strings.Contains(edited, vt) || !strings.Contains(edited, et) {
		t.Errorf("the editor's page lacks its button or not its own CSRF token alone:\n%s", edited)
	}
	parts.clear()
	if _, fresh := viewer.get(sessionsPath); fresh != second || parts.renders.Load() != 2 {
		t.Errorf("a fresh render (%d in all) differs from the kept one:\n%s\n---\n%s", parts.renders.Load(), fresh, second)
	}
}

// A change through the session form, or straight into the store, shows on
// the sessions list at once.
func TestSessionListShowsAChangeAtOnce(t *testing.T) {
	env := newViewsEnv(t)
	viewer, editor := env.as(programme.RoleViewer), env.as(programme.RoleEditor)
	if _, body := viewer.get(sessionsPath); !strings.Contains(body, seminarTitle) {
		t.Fatalf("before: the seminar's title missing:\n%s", body)
	}
	form, _ := sessionEditForm(t, editor)
	form.Set("title", "Seminar, renamed by form")
	if res, body := editor.post(seminarPath, seminarPath, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, body)
	}
	if _, body := viewer.get(sessionsPath); !strings.Contains(body, "Seminar, renamed by form") || strings.Contains(body, seminarTitle) {
		t.Errorf("after the form: not the new title alone:\n%s", body)
	}
	storeImport(t, env, func(p *programme.Programme) { sessionOf(t, p, "day0-seminar").Title = "Seminar, renamed in the store" })
	if _, body := viewer.get(sessionsPath); !strings.Contains(body, "Seminar, renamed in the store") || strings.Contains(body, "renamed by form") {
		t.Errorf("after the import: not the new title alone:\n%s", body)
	}
}
