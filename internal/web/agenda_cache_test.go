package web

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
)

// The agenda page's bytes are kept in the feeds' cache (handlePersonalShow):
// these tests ask for each page more than once, so that the second answer
// comes from the cache (checked with kept), and check that it is still the
// right one. The clock is off the whole minute (see pageUntil).

// kept reports whether the feeds' cache holds token's page in variant for
// the programme's current version and the clock now.
func (env *feedEnv) kept(token, variant string) bool {
	env.t.Helper()
	f, err := env.svc.Resolve(env.t.Context(), token)
	if err != nil {
		env.t.Fatal(err)
	}
	_, ok := env.svc.CachedPage(f, token, variant)
	return ok
}

func TestAgendaPageShowsAVoteAndStayingBehindAtOnce(t *testing.T) {
	env := newPollEnv(t)
	env.clock.Advance(17 * time.Second)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	for range 2 {
		if _, page := env.personal(omar); strings.Contains(page, "checked") {
			t.Fatal("Omar's page shows a vote before any")
		}
	}
	if !env.kept(omar, "") {
		t.Fatal("the page is not kept: this test tests nothing")
	}
	res, _ := env.delegatePost(omar, "vote", url.Values{"option": {"17:30"}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("vote: %d", res.StatusCode)
	}
	// A browser keeps the fragment to itself.
	after, _, _ := strings.Cut(res.Header.Get("Location"), "#")
	for range 2 {
		_, page := get(t, env.srv.Handler(), after)
		if !strings.Contains(page, `value="17:30" checked`) || !strings.Contains(page, "Your vote is saved") {
			t.Fatalf("the page after the vote's redirect (%s) does not show the vote and the message:\n%s", after, page)
		}
		_, page = env.personal(omar)
		if !strings.Contains(page, `value="17:30" checked`) || strings.Contains(page, "Your vote is saved") {
			t.Fatal("the page without the message does not show the vote, or shows the message")
		}
	}
	if !env.kept(omar, "vote") || !env.kept(omar, "") {
		t.Fatal("the pages after the vote are not kept")
	}
	env.delegatePost(omar, "vote", url.Values{"option": {"17:15"}}, nil)
	if _, page := env.personal(omar); !strings.Contains(page, `value="17:15" checked`) || strings.Contains(page, `value="17:30" checked`) {
		t.Error("the page does not show the changed vote")
	}
	env.delegatePost(omar, "stay", url.Values{}, nil)
	if _, page := env.personal(omar); !strings.Contains(page, "You are staying behind") {
		t.Error("the page does not show Omar staying behind")
	}
	env.delegatePost(omar, "unstay", url.Values{}, nil)
	if _, page := env.personal(omar); strings.Contains(page, "You are staying behind") {
		t.Error("the page still shows Omar staying behind")
	}
}

func TestAgendaPagesOfTwoTokensNeverShareBytes(t *testing.T) {
	env := newPollEnv(t)
	env.clock.Advance(17 * time.Second)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	aziz := env.token(programme.FeedPerson, "aziz-taqwa")
	env.delegatePost(omar, "vote", url.Values{"option": {"17:30"}}, nil)
	defer func() {
		for _, v := range []string{"", "vote", "stay", "/fragment", "vote/fragment"} {
			if !env.kept(omar, v) || !env.kept(aziz, v) {
				t.Errorf("variant %q is not kept: this test tests less than it says", v)
			}
		}
	}()
	for range 2 {
		for _, q := range []string{"", "?saved=vote", "?saved=stay", "?saved=nonsense"} {
			for _, hx := range []bool{false, true} {
				pages := map[string]string{}
				for _, tok := range []string{omar, aziz} {
					req := "/a/" + tok + q
					var res *http.Response
					var body string
					if hx {
						res, body = do(t, env.srv.Handler(), http.MethodGet, req, map[string]string{"HX-Request": "true"})
					} else {
						res, body = get(t, env.srv.Handler(), req)
					}
					if res.StatusCode != http.StatusOK {
						t.Fatalf("%s: %d", req, res.StatusCode)
					}
					if cc := res.Header.Get("Cache-Control"); cc != "private, no-cache" {
						t.Errorf("%s: Cache-Control %q", req, cc)
					}
					if !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
						t.Errorf("%s: Vary %q", req, res.Header.Get("Vary"))
					}
					if hx == strings.Contains(body, "<html") {
						t.Errorf("%s, htmx %v: whole document %v", req, hx, !hx)
					}
					pages[tok] = body
				}
				if !strings.Contains(pages[omar], "/a/"+omar+"/") || strings.Contains(pages[omar], aziz) {
					t.Errorf("%s: Omar's page is not his own", q)
				}
				if !strings.Contains(pages[aziz], "/a/"+aziz+"/") || strings.Contains(pages[aziz], omar) {
					t.Errorf("%s: Aziz's page is not his own", q)
				}
				if !hx && (!strings.Contains(pages[omar], "Omar Ansari") || strings.Contains(pages[aziz], `value="17:30" checked`)) {
					t.Errorf("%s: Omar's vote or name on the wrong page", q)
				}
			}
		}
	}
}

func TestAgendaPageShowsAChangeToTheProgrammeAtOnce(t *testing.T) {
	env := newDemoEnv(t)
	env.clock.Advance(17 * time.Second)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	env.personal(omar)
	if !env.kept(omar, "") {
		t.Fatal("the page is not kept")
	}
	env.reimport(editedDemo(t, func(p *programme.Programme) {
		p.Title = "A title nobody used before"
	}))
	if _, page := env.personal(omar); !strings.Contains(page, "A title nobody used before") {
		t.Error("the page does not show the programme's new title")
	}
}

func TestAgendaPageOfARevokedTokenIsGone(t *testing.T) {
	env := newDemoEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	shamim := env.token(programme.FeedPerson, "shamim")
	env.clock.Advance(17 * time.Second)
	for range 2 {
		env.personal(omar)
		env.personal(shamim)
	}
	if !env.kept(omar, "") || !env.kept(shamim, "") {
		t.Fatal("the pages are not kept")
	}
	if err := env.svc.Revoke(t.Context(), env.slug, programme.FeedPerson, "omar-ansari"); err != nil {
		t.Fatal(err)
	}
	if res, _ := get(t, env.srv.Handler(), "/a/"+omar); res.StatusCode != http.StatusNotFound {
		t.Errorf("a revoked token's page: %d, want 404", res.StatusCode)
	}
	// Revoked by another process, which this one learns of only from the
	// database.
	if err := env.feedsElsewhere().Revoke(t.Context(), env.slug, programme.FeedPerson, "shamim"); err != nil {
		t.Fatal(err)
	}
	if res, _ := get(t, env.srv.Handler(), "/a/"+shamim); res.StatusCode != http.StatusNotFound {
		t.Errorf("a token revoked elsewhere: %d, want 404", res.StatusCode)
	}
}

// The page counts down to the next item in minutes before the item's
// start, not by the clock's minutes: a page kept at 16:50:00 must not be served at
// 16:50:59, when the bus leaves in 24 min, nor one from before the bus
// left once it has.
func TestAgendaPageFollowsTheClockWithinAMinute(t *testing.T) {
	env := newDemoEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	for _, tt := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2016, 12, 5, 22, 50, 0, 0, time.UTC), "in 25 min"},
		{time.Date(2016, 12, 5, 22, 50, 30, 0, time.UTC), "in 24 min"},
		{time.Date(2016, 12, 5, 22, 50, 59, 0, time.UTC), "in 24 min"},
		{time.Date(2016, 12, 5, 23, 14, 59, 0, time.UTC), "in less than a minute"},
	} {
		env.clock.Set(tt.at)
		if tt.at.Second() != 0 && tt.at.Second() != 59 {
			env.personal(omar)
			if !env.kept(omar, "") {
				t.Errorf("at %s the page is not kept", tt.at)
			}
		}
		for range 2 {
			if _, page := env.personal(omar); !strings.Contains(upcoming(page), tt.want) {
				t.Errorf("at %s the page does not say %q:\n%s", tt.at, tt.want, upcoming(page))
			}
		}
	}
	env.clock.Set(time.Date(2016, 12, 5, 23, 15, 0, 0, time.UTC))
	if _, page := env.personal(omar); strings.Contains(upcoming(page), "in less than a minute") {
		t.Error("the page still counts down to the bus once it left")
	}
}

// At the turn of the minute every kept page ends its interval at once: a
// page whose interval ended by a count of minutes alone is served as it was
// while one render in the background replaces it (feeds.StalePage).
func TestAgendaPagePastItsMinuteIsServedWhileRenderedAgain(t *testing.T) {
	env := newDemoEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	env.clock.Set(time.Date(2016, 12, 5, 22, 50, 17, 0, time.UTC))
	_, before := env.personal(omar)
	if !strings.Contains(upcoming(before), "in 24 min") || !env.kept(omar, "") {
		t.Fatalf("the page at 22:50:17 is not kept, or does not say \"in 24 min\":\n%s", upcoming(before))
	}
	env.clock.Set(time.Date(2016, 12, 5, 22, 51, 0, 300e6, time.UTC))
	if env.kept(omar, "") {
		t.Fatal("the page is still current past its interval: this test tests nothing")
	}
	if _, page := env.personal(omar); page != before {
		t.Errorf("the first request past the interval got another page:\n%s", upcoming(page))
	}
	// Requests at once get the page as it was, or as the one refresh
	// rendered it once it is done.
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			res, page := get(t, env.srv.Handler(), "/a/"+omar)
			if res.StatusCode != http.StatusOK || page != before && !strings.Contains(upcoming(page), "in 23 min") {
				t.Errorf("%d:\n%s", res.StatusCode, upcoming(page))
			}
		})
	}
	wg.Wait()
	if n := env.svc.PageRefreshes(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	if !env.kept(omar, "") {
		t.Error("the refresh kept nothing")
	}
	if _, page := env.personal(omar); !strings.Contains(upcoming(page), "in 23 min") {
		t.Errorf("the page after the refresh does not say \"in 23 min\":\n%s", upcoming(page))
	}
	if n := env.svc.PageRefreshes(); n != 1 {
		t.Errorf("%d refreshes after the new page was served, want 1", n)
	}
}

// A page is never served stale by the programme's version, nor longer than
// feeds.MaxPageStale past its interval, nor past an item's start, nor for
// a revoked token: each is rendered afresh, or gone.
func TestAgendaPageIsServedStaleOnlyByAFewSecondsOfACount(t *testing.T) {
	keep := func(t *testing.T) (*feedEnv, string, string) {
		env := newDemoEnv(t)
		omar := env.token(programme.FeedPerson, "omar-ansari")
		env.clock.Set(time.Date(2016, 12, 5, 22, 50, 17, 0, time.UTC))
		_, page := env.personal(omar)
		if !env.kept(omar, "") {
			t.Fatal("the page is not kept")
		}
		return env, omar, page
	}
	turn := time.Date(2016, 12, 5, 22, 51, 0, 0, time.UTC)
	t.Run("another version", func(t *testing.T) {
		env, omar, _ := keep(t)
		env.reimport(editedDemo(t, func(p *programme.Programme) {
			p.Title = "A title nobody used before"
		}))
		env.clock.Set(turn.Add(time.Second))
		if _, page := env.personal(omar); !strings.Contains(page, "A title nobody used before") {
			t.Error("the page past its minute does not show the programme's new title")
		}
		if n := env.svc.PageRefreshes(); n != 0 {
			t.Errorf("%d refreshes, want none", n)
		}
	})
	t.Run("past the bound", func(t *testing.T) {
		env, omar, before := keep(t)
		env.clock.Set(turn.Add(feeds.MaxPageStale))
		if _, page := env.personal(omar); page == before || !strings.Contains(upcoming(page), "in 23 min") {
			t.Errorf("the page %s past its interval is not rendered afresh:\n%s", feeds.MaxPageStale, upcoming(page))
		}
		if n := env.svc.PageRefreshes(); n != 0 {
			t.Errorf("%d refreshes, want none", n)
		}
	})
	t.Run("an item starts", func(t *testing.T) {
		env, omar, _ := keep(t)
		env.clock.Set(time.Date(2016, 12, 5, 23, 14, 30, 0, time.UTC))
		if _, page := env.personal(omar); !strings.Contains(upcoming(page), "in less than a minute") || !env.kept(omar, "") {
			t.Fatalf("at 23:14:30 the page is not kept, or does not count down to the bus:\n%s", upcoming(page))
		}
		env.clock.Set(time.Date(2016, 12, 5, 23, 15, 0, 300e6, time.UTC))
		if _, page := env.personal(omar); strings.Contains(upcoming(page), "in less than a minute") {
			t.Error("the page still counts down to the bus once it left")
		}
		if n := env.svc.PageRefreshes(); n != 0 {
			t.Errorf("%d refreshes, want none", n)
		}
	})
	t.Run("a revoked token", func(t *testing.T) {
		env, omar, _ := keep(t)
		shamim := env.token(programme.FeedPerson, "shamim")
		env.personal(shamim)
		if err := env.svc.Revoke(t.Context(), env.slug, programme.FeedPerson, "omar-ansari"); err != nil {
			t.Fatal(err)
		}
		if err := env.feedsElsewhere().Revoke(t.Context(), env.slug, programme.FeedPerson, "shamim"); err != nil {
			t.Fatal(err)
		}
		env.clock.Set(turn.Add(time.Second))
		for _, tok := range []string{omar, shamim} {
			if res, _ := get(t, env.srv.Handler(), "/a/"+tok); res.StatusCode != http.StatusNotFound {
				t.Errorf("a revoked token's page past its minute: %d, want 404", res.StatusCode)
			}
		}
		if n := env.svc.PageRefreshes(); n != 0 {
			t.Errorf("%d refreshes, want none", n)
		}
	})
}

// TestKeptAgendaPagesAreExactCopies: a kept page holds no spare room from the
// buffer it was rendered into (beyond the allocator's size class), and a reused buffer's next render (another
// delegate's page) leaves the kept bytes as they were.
func TestKeptAgendaPagesAreExactCopies(t *testing.T) {
	env := newPollEnv(t)
	env.clock.Advance(17 * time.Second)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	_, first := env.personal(omar)
	f, err := env.svc.Resolve(t.Context(), omar)
	if err != nil {
		t.Fatal(err)
	}
	body, ok := env.svc.CachedPage(f, omar, "")
	if !ok {
		t.Fatal("the page is not kept: this test tests nothing")
	}
	if string(body) != first {
		t.Fatal("the kept page is not the page served")
	}
	// CachedPage hides the capacity (body[:len:len]); the entry's own
	// slice is what renderPersonal kept.
	rendered, err := env.srv.renderPersonal(t.Context(), f, omar, agendaVariant{})
	if err != nil {
		t.Fatal(err)
	}
	// The allocator rounds up to its size class (an eighth at most); a
	// grown buffer has room for up to as much again.
	if cap(rendered) > len(rendered)+len(rendered)/8 {
		t.Errorf("a rendered page of %d bytes holds %d", len(rendered), cap(rendered))
	}
	for _, key := range []string{"aziz-taqwa", "shamim"} {
		env.personal(env.token(programme.FeedPerson, key))
	}
	if string(rendered) != first {
		t.Error("rendering other pages changed a kept page's bytes")
	}
}
