package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

const feedsPage = "/staff/p/igf2016-cldp/feeds"

// feedRowHTML returns the HTML of one feed's row of the feed links page.
func feedRowHTML(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr id="` + regexp.QuoteMeta(id) + `"[^>]*>(.*?)</tr>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no row %s on the feed links page", id)
	}
	return m[1]
}

// tokenOfURL is the token of a feed URL of the test server.
func tokenOfURL(t *testing.T, feedURL string) string {
	t.Helper()
	tok, ok := strings.CutPrefix(feedURL, "https://planner.example.org/feeds/")
	if !ok {
		t.Fatalf("feed URL %q is not under the base URL", feedURL)
	}
	return strings.TrimSuffix(tok, ".ics")
}

// omarToken returns Omar Ansari's feed token, creating it if needed.
func (env *viewsEnv) omarToken() string {
	env.t.Helper()
	list, err := env.svc.List(env.t.Context(), "igf2016-cldp", true)
	if err != nil {
		env.t.Fatal(err)
	}
	for _, l := range list {
		if l.Kind == programme.FeedPerson && l.Key == "omar-ansari" {
			if l.Revoked {
				return ""
			}
			return tokenOfURL(env.t, l.URL)
		}
	}
	env.t.Fatal("no feed for Omar Ansari")
	return ""
}

func TestStaffFeedListShowsWhetherCalendarsFollow(t *testing.T) {
	env := newViewsEnv(t)
	omar := env.omarToken()
	admin := env.as(programme.RoleAdmin)

	res, body := admin.get(feedsPage)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", feedsPage, res.StatusCode, body)
	}
	row := feedRowHTML(t, body, "feed-person-omar-ansari")
	for _, want := range []string{"Omar Ansari", "never", "Not subscribed yet"} {
		if !strings.Contains(row, want) {
			t.Errorf("before any fetch, Omar's row lacks %q:\n%s", want, row)
		}
	}

	// His calendar fetches the feed an hour later: it has the latest change.
	env.clock.Advance(time.Hour)
	if res, _ := get(t, env.srv.Handler(), "/feeds/"+omar+".ics"); res.StatusCode != http.StatusOK {
		t.Fatalf("feed fetch: %d", res.StatusCode)
	}
	env.clock.Advance(2 * time.Hour)
	_, body = admin.get(feedsPage)
	row = feedRowHTML(t, body, "feed-person-omar-ansari")
	for _, want := range []string{">2 h ago</time>", `<span class="state state-ok">Has the latest change</span>`} {
		if !strings.Contains(row, want) {
			t.Errorf("after a fetch, Omar's row lacks %q:\n%s", want, row)
		}
	}

	// Staff move his seminar: his calendar has not seen that yet.
	storeImport(t, env, func(p *programme.Programme) {
		s := p.Session("day0-seminar")
		s.Title = "Pre-Conference Seminar (moved)"
	})
	_, body = admin.get(feedsPage)
	row = feedRowHTML(t, body, "feed-person-omar-ansari")
	if want := "Has not seen the change to “Pre-Conference Seminar (moved)” of Sun 20 Nov 09:00 CST"; !strings.Contains(row, want) {
		t.Errorf("after a change, Omar's row lacks %q:\n%s", want, row)
	}
	if !strings.Contains(body, "1 fetched by a calendar · <strong>1 not yet up to date</strong>") {
		t.Errorf("the summary does not count the feed that is behind")
	}
}

func TestStaffFeedListShowsLinksToAdminsOnly(t *testing.T) {
	env := newViewsEnv(t)
	omar := env.omarToken()
	for _, role := range programme.StaffRoles {
		t.Run(string(role), func(t *testing.T) {
			res, body := env.as(role).get(feedsPage)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", feedsPage, res.StatusCode)
			}
			row := feedRowHTML(t, body, "feed-person-omar-ansari")
			admin := role == programme.RoleAdmin
			if got := strings.Contains(body, omar); got != admin {
				t.Errorf("the page shows Omar's token: %v, want %v", got, admin)
			}
			if got := strings.Contains(body, "planner.example.org/feeds/"); got != admin {
				t.Errorf("the page shows feed URLs: %v, want %v", got, admin)
			}
			if got := strings.Contains(row, `action="/staff/p/igf2016-cldp/feeds/person/omar-ansari/rotate"`); got != admin {
				t.Errorf("the row offers rotating: %v, want %v", got, admin)
			}
			if admin {
				for _, want := range []string{
					`value="https://planner.example.org/feeds/` + omar + `.ics"`,
					`href="https://planner.example.org/a/` + omar + `"`,
					// Each action asks once more before it ends the link.
					"<summary class=\"button button-danger button-small\">Revoke…</summary>",
					"Omar Ansari’s link stops at once",
					"Omar Ansari’s current link stops at once",
				} {
					if !strings.Contains(row, want) {
						t.Errorf("the admin's row lacks %s", want)
					}
				}
			}
		})
	}
}

func TestStaffFeedRotateAndRevokeByRole(t *testing.T) {
	for _, tt := range []struct {
		role   programme.StaffRole
		status int
	}{
		{programme.RoleViewer, http.StatusForbidden},
		{programme.RoleEditor, http.StatusForbidden},
		{programme.RoleAdmin, http.StatusSeeOther},
	} {
		t.Run(string(tt.role), func(t *testing.T) {
			env := newViewsEnv(t)
			old := env.omarToken()
			b := env.as(tt.role)

			res, body := b.post("/staff", feedsPage+"/person/omar-ansari/rotate", url.Values{})
			if res.StatusCode != tt.status {
				t.Fatalf("rotate: %d, want %d\n%s", res.StatusCode, tt.status, body)
			}
			now := env.omarToken()
			if rotated := now != old; rotated != (tt.status == http.StatusSeeOther) {
				t.Fatalf("rotated: %v", rotated)
			}
			oldStatus := http.StatusOK
			if now != old {
				oldStatus = http.StatusNotFound
				if got, want := res.Header.Get("Location"), feedsPage+"#feed-person-omar-ansari"; got != want {
					t.Errorf("rotate sends to %q, want %q", got, want)
				}
				_, page := b.get(feedsPage)
				if !strings.Contains(page, "Omar Ansari has a new link. The old one no longer works") {
					t.Errorf("the feed links page does not say the link was rotated")
				}
			}
			if res, _ := get(t, env.srv.Handler(), "/feeds/"+old+".ics"); res.StatusCode != oldStatus {
				t.Errorf("the old link answers %d, want %d", res.StatusCode, oldStatus)
			}

			res, body = b.post("/staff", feedsPage+"/person/omar-ansari/revoke", url.Values{})
			if res.StatusCode != tt.status {
				t.Fatalf("revoke: %d, want %d\n%s", res.StatusCode, tt.status, body)
			}
			revoked := env.omarToken() == ""
			if revoked != (tt.status == http.StatusSeeOther) {
				t.Fatalf("revoked: %v", revoked)
			}
			if revoked {
				if res, _ := get(t, env.srv.Handler(), "/feeds/"+now+".ics"); res.StatusCode != http.StatusNotFound {
					t.Errorf("the revoked link answers %d, want 404", res.StatusCode)
				}
				_, page := b.get(feedsPage)
				row := feedRowHTML(t, page, "feed-person-omar-ansari")
				if !strings.Contains(row, "Revoked: the link answers 404") || !strings.Contains(row, "Enable with a new link") {
					t.Errorf("the revoked feed's row:\n%s", row)
				}
			}
		})
	}
}

func TestStaffFeedActionsRefusals(t *testing.T) {
	env := newViewsEnv(t)
	old := env.omarToken()
	admin := env.as(programme.RoleAdmin)

	// Without the CSRF token the form is refused and nothing changes.
	admin.token(feedsPage) // the CSRF cookie is set, as for a real browser
	for _, action := range []string{"rotate", "revoke"} {
		res, body := admin.do(http.MethodPost, feedsPage+"/person/omar-ansari/"+action, url.Values{}, nil)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "This form has expired or did not come from this site.") {
			t.Errorf("%s without a CSRF token: %d\n%s", action, res.StatusCode, body)
		}
	}
	if env.omarToken() != old {
		t.Error("a refused form changed the link")
	}

	// A visitor who is not logged in is told to log in.
	visitor := env.as("")
	if res, _ := visitor.post("/staff/login", feedsPage+"/person/omar-ansari/revoke", url.Values{}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoke by a visitor: %d, want 401", res.StatusCode)
	}
	if res, _ := visitor.get(feedsPage); res.StatusCode != http.StatusSeeOther {
		t.Errorf("feed links for a visitor: %d, want 303 to the login page", res.StatusCode)
	}

	for _, tt := range []struct{ path, want string }{
		{feedsPage + "/people/omar-ansari/rotate", `There is no kind of feed called &#34;people&#34;.`},
		{feedsPage + "/person/nobody/rotate", `has no person feed &#34;nobody&#34;`},
		{"/staff/p/no-such/feeds/person/omar-ansari/revoke", "no-such"},
	} {
		res, body := admin.post(feedsPage, tt.path, url.Values{})
		if res.StatusCode != http.StatusNotFound || !strings.Contains(body, tt.want) {
			t.Errorf("POST %s: %d, want 404 saying %q\n%s", tt.path, res.StatusCode, tt.want, body)
		}
	}
	if env.omarToken() != old {
		t.Error("a refused action changed the link")
	}
}
