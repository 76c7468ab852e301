package web

import (
	"bytes"
	"html"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/programme"
)

// personal fetches the personal agenda page of a token and checks it is a 200.
func (env *feedEnv) personal(token string) (*http.Response, string) {
	env.t.Helper()
	res, body := get(env.t, env.srv.Handler(), "/a/"+token)
	if res.StatusCode != http.StatusOK {
		env.t.Fatalf("GET /a/…: status %d\n%s", res.StatusCode, body)
	}
	return res, body
}

func TestPersonalPageDuringTheProgramme(t *testing.T) {
	env := newDemoEnv(t)
	tok := env.token(programme.FeedPerson, "omar-ansari")

	// On the morning of 6 December staff move a session of the 7th and take
	// Afghanistan off the closing lunch.
	changedAt := time.Date(2016, 12, 6, 16, 0, 0, 0, time.UTC) // 10:00 in Guadalajara
	env.clock.Set(changedAt)
	env.reimport(editedDemo(t, func(p *programme.Programme) {
		nri := sessionOf(t, p, "nri-main")
		nri.StartsAt, nri.EndsAt = nri.StartsAt.Add(time.Hour), nri.EndsAt.Add(time.Hour)
		sessionOf(t, p, "closing-lunch").Audience.Delegations = []string{"pk"}
	}))
	env.clock.Set(changedAt.Add(2 * time.Hour)) // noon in Guadalajara
	res, body := env.personal(tok)

	t.Run("headers", func(t *testing.T) {
		for _, tt := range []struct{ header, want string }{
			{"Content-Type", "text/html; charset=UTF-8"},
			{"Cache-Control", "private, no-cache"},
			{"X-Robots-Tag", "noindex, nofollow"},
			{"Referrer-Policy", "no-referrer"},
		} {
			if got := res.Header.Get(tt.header); got != tt.want {
				t.Errorf("%s = %q, want %q", tt.header, got, tt.want)
			}
		}
	})

	t.Run("who and what", func(t *testing.T) {
		for _, want := range []string{
			"<h1>Omar Ansari</h1>",
			`Personal agenda · <a href="/p/igf2016-cldp">CLDP-supported delegations at IGF 2016</a>`,
			"28 November – 9 December 2016",
			"Times in America/Mexico_City (CST)",
			"Times in America/New_York (EST)",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
	})

	t.Run("subscribe links", func(t *testing.T) {
		webcal := "webcal://planner.example.org/feeds/" + tok + ".ics"
		for _, want := range []string{
			`href="` + webcal + `"`,
			`href="https://calendar.google.com/calendar/render?cid=` + url.QueryEscape(webcal) + `"`,
			`href="/feeds/` + tok + `.ics?download=1"`,
			`value="https://planner.example.org/feeds/` + tok + `.ics"`,
			`src="/a/` + tok + `/qr.png"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
		if strings.Contains(body, "ZgotmplZ") {
			t.Error("the template escaper rejected a link")
		}
	})

	t.Run("staff notes stay out", func(t *testing.T) {
		notShown(t, "the page", html.UnescapeString(body), env.storedStaffNotes(
			"has to leave by 11:00", "Added on the day", "ISOC Afghanistan chapter approved",
			"Reserved for the whole day", "Expected to come by informally"))
	})

	t.Run("today first, earlier days last", func(t *testing.T) {
		inOrder(t, body,
			`id="d2016-12-06"`, "Today", `id="d2016-12-07"`, `id="d2016-12-09"`,
			"Earlier days", `id="d2016-11-28"`, `id="d2016-11-29"`, `id="d2016-12-05"`)
		if n := strings.Count(body, "badge-today"); n != 1 {
			t.Errorf("%d days are marked today, want 1", n)
		}
		if !strings.Contains(body, `<section class="day today" id="d2016-12-06"`) {
			t.Error("6 December is not marked as today")
		}
	})

	t.Run("changed and removed items", func(t *testing.T) {
		moved := section(t, body, "2016-12-07")
		if !strings.Contains(moved, "Changed 2 h ago") || !strings.Contains(moved, "16:00–19:00 CST") {
			t.Errorf("the moved session is not marked as changed at its new time:\n%s", moved)
		}
		removed := section(t, body, "2016-12-09")
		for _, want := range []string{"No longer on your agenda · 2 h ago", "<s>Closing lunch and closing session</s>"} {
			if !strings.Contains(removed, want) {
				t.Errorf("the closing lunch lacks %q:\n%s", want, removed)
			}
		}
		if today := section(t, body, "2016-12-06"); strings.Contains(today, "badge-changed") {
			t.Errorf("the unchanged Town Hall is marked as changed:\n%s", today)
		}
		if !strings.Contains(body, "2 recently changed items are marked.") {
			t.Error("the page does not count the recent changes")
		}
	})

	t.Run("changes older than 72 hours are not marked", func(t *testing.T) {
		env.clock.Set(changedAt.Add(73 * time.Hour))
		_, later := env.personal(tok)
		if strings.Contains(later, "badge-changed") || strings.Contains(later, "recently changed") {
			t.Error("a change of 73 hours ago is still marked")
		}
		// The item stays lost, though: it is still the subject's news.
		if !strings.Contains(section(t, later, "2016-12-09"), "No longer on your agenda") {
			t.Error("the removed closing lunch lost its mark")
		}
	})

	t.Run("the token stays out of the log", func(t *testing.T) {
		get(t, env.srv.Handler(), "/a/"+tok+"/qr.png")
		get(t, env.srv.Handler(), "/feeds/"+tok+".ics?download=1")
		logged := env.logs.String()
		if strings.Contains(logged, tok) {
			t.Errorf("the log holds the token:\n%s", logged)
		}
		paths := map[any]bool{}
		for _, rec := range env.logs.requests(t) {
			paths[rec["path"]] = true
		}
		if !paths["/a/…"] || !paths["/feeds/…"] {
			t.Errorf("request log paths %v, want the redacted /a/… and /feeds/…", paths)
		}
	})
}

func TestPersonalPageDayOrder(t *testing.T) {
	tests := []struct {
		name    string
		now     time.Time
		running bool // whether earlier days fold away
		order   []string
	}{
		{"before the programme", importedAt, false,
			[]string{`id="d2016-11-28"`, `id="d2016-11-29"`, `id="d2016-12-05"`, `id="d2016-12-06"`, `id="d2016-12-07"`, `id="d2016-12-09"`}},
		// 23:30 on the 5th in Guadalajara is already the 6th in UTC: the
		// programme's zone decides what today is.
		{"late on Day 0", time.Date(2016, 12, 6, 5, 30, 0, 0, time.UTC), true,
			[]string{`id="d2016-12-05"`, "Today", `id="d2016-12-06"`, "Earlier days", `id="d2016-11-28"`}},
		{"on the last day", time.Date(2016, 12, 9, 18, 0, 0, 0, time.UTC), true,
			[]string{`id="d2016-12-09"`, "Today", "Earlier days", `id="d2016-11-28"`, `id="d2016-12-07"`}},
		{"after the programme", time.Date(2016, 12, 20, 12, 0, 0, 0, time.UTC), false,
			[]string{`id="d2016-11-28"`, `id="d2016-12-05"`, `id="d2016-12-09"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newDemoEnv(t)
			tok := env.token(programme.FeedPerson, "omar-ansari")
			env.clock.Set(tt.now)
			_, body := env.personal(tok)
			inOrder(t, body, tt.order...)
			if got := strings.Contains(body, "Earlier days"); got != tt.running {
				t.Errorf("Earlier days shown: %v, want %v", got, tt.running)
			}
		})
	}
}

func TestPersonalPageOfEachFeedKind(t *testing.T) {
	env := newDemoEnv(t)
	notes := env.storedStaffNotes("has to leave by 11:00", "ISOC Afghanistan chapter approved", "Reserved for the whole day")
	tests := []struct {
		kind     programme.FeedKind
		key      string
		heading  string
		what     string
		mustHave string
		mustLack string
	}{
		{programme.FeedPerson, "jordan-solomon", "Jordan Solomon", "Personal agenda", "Pre-Conference Seminar", "Main session: Town Hall"},
		{programme.FeedDelegation, "af", "Afghanistan", "Delegation agenda", "Bus back to the hotel", "Speaking:"},
		{programme.FeedSpeaker, "chris-painter", "Christopher Painter", "Speaking slots", "Speaking: U.S. international cyber policy", "Bus back"},
		{programme.FeedRoom, "main-hall", "Main Session Hall", "Room bookings", "Main session: Town Hall", "Pre-Conference Seminar"},
		{programme.FeedProgramme, demo.Slug, "CLDP-supported delegations at IGF 2016", "Whole programme", "Bus back to the hotel", "Speaking:"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			_, body := env.personal(env.token(tt.kind, tt.key))
			for _, want := range []string{"<h1>" + tt.heading + "</h1>", tt.what + " · ", tt.mustHave} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			if strings.Contains(body, tt.mustLack) {
				t.Errorf("the page shows %q, which is not on this agenda", tt.mustLack)
			}
			notShown(t, "the page", html.UnescapeString(body), notes)
		})
	}
}

func TestPersonalQRCode(t *testing.T) {
	env := newDemoEnv(t)
	tok := env.token(programme.FeedPerson, "omar-ansari")
	res, body := get(t, env.srv.Handler(), "/a/"+tok+"/qr.png")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", res.StatusCode)
	}
	if got := res.Header.Get("Content-Type"); got != "image/png" {
		t.Errorf("Content-Type = %q, want image/png", got)
	}
	if !strings.HasPrefix(res.Header.Get("Cache-Control"), "private") {
		t.Errorf("Cache-Control = %q, want private", res.Header.Get("Cache-Control"))
	}
	if !strings.HasPrefix(body, "\x89PNG\r\n\x1a\n") {
		t.Fatalf("the body does not start with the PNG signature: % x", body[:min(8, len(body))])
	}
	img, err := png.Decode(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("png.Decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 320 || b.Dy() != 320 {
		t.Errorf("the code is %d×%d, want 320×320", b.Dx(), b.Dy())
	}
}

func TestPersonalUnknownToken(t *testing.T) {
	env := newDemoEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	revoked := env.token(programme.FeedPerson, "shamim")
	if err := env.svc.Revoke(t.Context(), demo.Slug, programme.FeedPerson, "shamim"); err != nil {
		t.Fatal(err)
	}
	header := map[string]string{"X-Request-Id": "same-for-all"}
	var want string
	for i, path := range []string{
		"/a/" + strings.Repeat("b", len(omar)),
		"/a/" + revoked,
		"/a/" + strings.ToUpper(omar),
		"/a/" + omar[:12],
		"/a/" + strings.Repeat("b", len(omar)) + "/qr.png",
		"/a/" + revoked + "/qr.png",
	} {
		res, body := do(t, env.srv.Handler(), http.MethodGet, path, header)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, res.StatusCode)
			continue
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: Content-Type %q, want an HTML page", path, res.Header.Get("Content-Type"))
		}
		if i == 0 {
			want = body
		} else if body != want {
			t.Errorf("%s: the 404 differs from an unknown token's", path)
		}
		for _, secret := range []string{"Shamim", "Omar", demo.Slug, "CLDP"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s: the 404 mentions %q", path, secret)
			}
		}
	}
	if !strings.Contains(want, "There is no such calendar.") {
		t.Errorf("the 404 page does not say so plainly:\n%s", want)
	}
}

func TestPersonalPageNamesEveryZoneOfADay(t *testing.T) {
	env := newDemoEnv(t)
	tok := env.token(programme.FeedPerson, "omar-ansari")
	// A morning call with Washington on Day 0: one day, two zones.
	env.reimport(editedDemo(t, func(p *programme.Programme) {
		s := sessionOf(t, p, "dc-day2")
		s.StartsAt = time.Date(2016, 12, 5, 12, 0, 0, 0, time.UTC) // 07:00 EST
		s.EndsAt = s.StartsAt.Add(time.Hour)
	}))
	_, body := env.personal(tok)
	if want := "Times in America/New_York (EST), America/Mexico_City (CST)"; !strings.Contains(body, want) {
		t.Errorf("5 December does not name both zones as %q", want)
	}
}
