package web

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/programme"
)

// renderOld renders data as every page is rendered, with c.Render.
func renderOld(t *testing.T, r *renderer, header http.Header, name string, data any) *httptest.ResponseRecorder {
	t.Helper()
	e := echo.New()
	e.Renderer = r
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header = header.Clone()
	if err := e.NewContext(req, rec).Render(http.StatusOK, name, data); err != nil {
		t.Fatal(err)
	}
	return rec
}

// renderNew renders data with its kept part through renderKept.
func renderNew(t *testing.T, r *renderer, header http.Header, name string, data any, key frameKey, part []byte) (*httptest.ResponseRecorder, error) {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header = header.Clone()
	err := r.renderKept(echo.New().NewContext(req, rec), http.StatusOK, name, data, key, part)
	return rec, err
}

// A page with a kept part written by renderKept is byte for byte what
// c.Render writes with the part in the page's data: status, headers and
// body, for the page and for its htmx fragment, each time (its buffers are
// reused), written with the template or from the page kept under its key.
// What a user typed cannot take the part's place: the navigation below
// holds the slot's own bytes as the programme's title and the user's
// e-mail, and they come out escaped, as before.
func TestKeptPartsAreWrittenAsTheTemplateWritesThem(t *testing.T) {
	env := newViewsEnv(t)
	s := env.srv
	p, err := s.feeds.Current(t.Context(), "igf2016-cldp")
	if err != nil {
		t.Fatal(err)
	}
	day, err := s.dayTimetable(p, true, "2016-12-05")
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.render.part("staff/sessions", "sessionlist", struct{ Days []sessionDay }{s.sessionDays(p)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(day.HTML), seminarTitle) || !strings.Contains(string(list), seminarTitle) {
		t.Fatal("the parts do not show the seminar")
	}
	hostile := string(keptSlot) + `<script>alert(1)</script>`
	nav := staffNav{Slug: p.Slug, Title: hostile, Current: "day", Overview: "/staff/p/" + p.Slug, Day: "/d", Sessions: "/s",
		User: &programme.User{Email: hostile, Role: programme.RoleViewer}, CSRF: "csrf-token"}
	keptDay := dayPage{page: page{Title: hostile}, Nav: nav, Timetable: keptSlot}
	keptList := sessionListPage{staffPage: staffPage{page: page{Title: hostile}, CanEdit: true, User: nav.User}, Nav: nav, NewURL: "/new", List: keptSlot}
	pages := []struct {
		name       string
		old, kept  any
		key        frameKey
		part       []byte
		mustAppear string
	}{
		{"staff/day",
			dayPage{page: page{Title: hostile}, Nav: nav, Timetable: template.HTML(day.HTML)},
			keptDay, frameKeyOf(dayFrameOf(keptDay)), day.HTML, `class="timetable`},
		{"staff/sessions",
			sessionListPage{staffPage: staffPage{page: page{Title: hostile}, CanEdit: true, User: nav.User}, Nav: nav, NewURL: "/new", List: template.HTML(list)},
			keptList, frameKeyOf(sessionListFrameOf(keptList)), list, `class="session-list"`},
	}
	for _, pg := range pages {
		for _, header := range []http.Header{{}, {"Hx-Request": {"true"}}} {
			want := renderOld(t, s.render, header, pg.name, pg.old)
			for i := range 4 {
				key := pg.key
				if i == 0 {
					key = frameKey{} // nothing kept
				}
				got, err := renderNew(t, s.render, header, pg.name, pg.kept, key, pg.part)
				if err != nil {
					t.Fatalf("%s %v: %v", pg.name, header, err)
				}
				if got.Code != want.Code || got.Body.String() != want.Body.String() {
					t.Fatalf("%s %v: renderKept wrote %d\n%s\n--- c.Render wrote %d\n%s", pg.name, header, got.Code, got.Body, want.Code, want.Body)
				}
				for _, h := range []string{echo.HeaderContentType, echo.HeaderVary} {
					if g, w := got.Header().Values(h), want.Header().Values(h); strings.Join(g, ",") != strings.Join(w, ",") {
						t.Errorf("%s %v: %s is %q, want %q", pg.name, header, h, g, w)
					}
				}
			}
			body := want.Body.String()
			if !strings.Contains(body, pg.mustAppear) || strings.Contains(body, "<script>") || strings.Contains(body, "\x00") {
				t.Errorf("%s %v: the part missing, or what the user typed not escaped:\n%s", pg.name, header, body)
			}
		}
	}
}

// A page that does not print its kept part is an error, and nothing is
// written; nor may it print it twice.
func TestKeptPartMustBePrintedOnce(t *testing.T) {
	env := newViewsEnv(t)
	data := dayPage{Nav: staffNav{Title: "T"}, Timetable: "<p>not the slot</p>"}
	rec, err := renderNew(t, env.srv.render, http.Header{}, "staff/day", data, frameKeyOf(dayFrameOf(data)), []byte("<p>part</p>"))
	if err == nil || rec.Body.Len() > 0 || rec.Header().Get(echo.HeaderContentType) != "" {
		t.Errorf("no place for the part: %v, wrote %d bytes, content type %q", err, rec.Body.Len(), rec.Header().Get(echo.HeaderContentType))
	}
	if n := env.srv.render.frames.written.Load(); n != 0 {
		t.Errorf("a page that failed was kept (%d)", n)
	}
	b := &slotBuffer{at: -1}
	for i := range 2 {
		if _, err := b.Write([]byte(keptSlot)); (err != nil) != (i == 1) {
			t.Errorf("write %d of the slot: %v", i+1, err)
		}
	}
}
