package web

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
)

// The agenda pages read lately are rendered again in the background as
// their intervals end (feeds.RefreshPages): a request after a quiet spell
// longer than feeds.MaxPageStale finds its page kept and current, instead
// of rendering it inline with every other request of the burst.

// readAt is 17 s past a minute, an hour before the bus leaves for the
// dinner at 23:15 UTC ("in 24 min" at 22:50:17): the page kept then holds
// until 22:51.
var readAt = time.Date(2016, 12, 5, 22, 50, 17, 0, time.UTC)

// renders is how many agenda pages the server has rendered so far, by
// requests and in the background.
func (env *feedEnv) renders() int64 { return env.srv.agendaRenders.Load() }

// freshPage renders token's page as a request would at the clock's time,
// whatever is kept, without keeping it elsewhere than the cache.
func (env *feedEnv) freshPage(token string) []byte {
	env.t.Helper()
	f, err := env.svc.Resolve(env.t.Context(), token)
	if err != nil {
		env.t.Fatal(err)
	}
	body, err := env.srv.renderPersonal(env.t.Context(), f, token, agendaVariant{})
	if err != nil {
		env.t.Fatal(err)
	}
	return bytes.Clone(body)
}

func TestAgendaPageReadLatelyIsCurrentAfterAQuietSpell(t *testing.T) {
	env := newDemoEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	env.clock.Set(readAt)
	env.personal(omar)
	if env.renders() != 1 || !env.kept(omar, "") {
		t.Fatalf("%d renders for the first read, or the page is not kept", env.renders())
	}
	// Nothing is due before the interval ends.
	env.clock.Set(readAt.Add(30 * time.Second))
	if n := env.svc.RefreshPages(t.Context()); n != 0 || env.renders() != 1 {
		t.Fatalf("within the interval: %d pages refreshed, %d renders in all", n, env.renders())
	}
	// A quiet spell: past the interval and past MaxPageStale, when
	// StalePage no longer serves the page.
	quiet := time.Date(2016, 12, 5, 22, 51, 0, 0, time.UTC).Add(feeds.MaxPageStale + time.Second)
	env.clock.Set(quiet)
	if env.kept(omar, "") {
		t.Fatal("the page is still current past its interval: this test tests nothing")
	}
	if n := env.svc.RefreshPages(t.Context()); n != 1 || env.renders() != 2 {
		t.Fatalf("past the interval: %d pages refreshed, %d renders in all; want 1 and 2", n, env.renders())
	}
	if !env.kept(omar, "") {
		t.Fatal("the refresh kept no current page")
	}
	_, page := env.personal(omar)
	if env.renders() != 2 {
		t.Errorf("the request after the quiet spell rendered its page itself (%d renders)", env.renders())
	}
	if n := env.svc.PageRefreshes(); n != 0 {
		t.Errorf("%d stale refreshes, want none", n)
	}
	// What a request would have rendered itself at that instant.
	if fresh := env.freshPage(omar); page != string(fresh) || !strings.Contains(upcoming(page), "in 23 min") {
		t.Errorf("the page refreshed in the background is not the one a request renders:\n%s\n---\n%s", upcoming(page), upcoming(string(fresh)))
	}
}

func TestAgendaPageNotReadWithinTheWindowIsNoLongerRefreshed(t *testing.T) {
	env := newDemoEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	env.clock.Set(readAt)
	env.personal(omar)
	// Its own renders in the background are no reads: once a minute
	// while the window lasts, then never.
	var at time.Time
	for at = readAt.Add(time.Minute); !at.After(readAt.Add(feeds.PageRefreshWindow)); at = at.Add(time.Minute) {
		env.clock.Set(at)
		if n := env.svc.RefreshPages(t.Context()); n != 1 {
			t.Fatalf("at %s, within the window: %d pages refreshed, want 1", at, n)
		}
	}
	before := env.renders()
	env.clock.Set(at)
	if n := env.svc.RefreshPages(t.Context()); n != 0 || env.renders() != before {
		t.Errorf("at %s, past the window: %d pages refreshed, %d renders", at, n, env.renders()-before)
	}
	if n := env.svc.ScheduledPages(); n != 0 {
		t.Errorf("%d pages still on the schedule", n)
	}
	env.clock.Set(at.Add(time.Minute))
	if n := env.svc.RefreshPages(t.Context()); n != 0 {
		t.Errorf("a minute later: %d pages refreshed", n)
	}
	// The next request renders the page itself, as before, and puts it
	// back on the schedule.
	env.personal(omar)
	if got := env.renders() - before; got != 1 {
		t.Errorf("the request after the window: %d renders, want 1", got)
	}
	if n := env.svc.ScheduledPages(); n != 1 {
		t.Errorf("%d pages on the schedule after a read, want 1", n)
	}
}

// A page with the message after a form is read once, after the form's
// redirect: it is not rendered again in the background.
func TestAgendaPageWithAMessageIsNotRefreshed(t *testing.T) {
	env := newDemoEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	env.clock.Set(readAt)
	if res, _ := get(t, env.srv.Handler(), "/a/"+omar+"?saved=vote"); res.StatusCode != 200 || !env.kept(omar, "vote") {
		t.Fatalf("the page with the message: %d, or not kept", res.StatusCode)
	}
	if n := env.svc.ScheduledPages(); n != 0 {
		t.Errorf("%d pages on the schedule, want none", n)
	}
}

func TestAgendaPageOfARevokedTokenIsNotRefreshed(t *testing.T) {
	env := newDemoEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	shamim := env.token(programme.FeedPerson, "shamim")
	aziz := env.token(programme.FeedPerson, "aziz-taqwa")
	env.clock.Set(readAt)
	for _, tok := range []string{omar, shamim, aziz} {
		env.personal(tok)
	}
	if err := env.svc.Revoke(t.Context(), env.slug, programme.FeedPerson, "omar-ansari"); err != nil {
		t.Fatal(err)
	}
	// Revoked by another process: this one still keeps the page, and
	// learns of it only from the database.
	if err := env.feedsElsewhere().Revoke(t.Context(), env.slug, programme.FeedPerson, "shamim"); err != nil {
		t.Fatal(err)
	}
	before := env.renders()
	env.clock.Set(time.Date(2016, 12, 5, 22, 51, 1, 0, time.UTC))
	// Aziz's alone.
	if n := env.svc.RefreshPages(t.Context()); n != 1 || env.renders()-before != 1 {
		t.Errorf("%d pages refreshed, %d rendered; want Aziz's alone", n, env.renders()-before)
	}
	if n := env.svc.ScheduledPages(); n != 1 {
		t.Errorf("%d pages on the schedule, want Aziz's alone", n)
	}
	for _, tok := range []string{omar, shamim} {
		if res, _ := get(t, env.srv.Handler(), "/a/"+tok); res.StatusCode != 404 {
			t.Errorf("a revoked token's page: %d", res.StatusCode)
		}
	}
}

// A programme's new version (a staff edit) ends every kept page of it: the
// pages read lately are rendered for it in the background once it stood
// for a few seconds, while memory knows it (Watch, here SyncChanges).
func TestAgendaPageReadLatelyIsRenderedForANewVersion(t *testing.T) {
	env := newDemoEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	env.clock.Set(readAt)
	sync := func() {
		t.Helper()
		if err := env.svc.SyncChanges(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	sync()
	env.personal(omar)
	env.clock.Set(readAt.Add(2 * time.Second))
	env.reimport(editedDemo(t, func(p *programme.Programme) {
		p.Title = "A title nobody used before"
	}))
	// Within the interval, but not yet settled: a staff member saving
	// edit after edit would render every page for each.
	env.clock.Set(readAt.Add(5 * time.Second))
	sync()
	before := env.renders()
	if n := env.svc.RefreshPages(t.Context()); n != 0 {
		t.Errorf("%d pages refreshed for a version a few seconds old, want none", n)
	}
	env.clock.Set(readAt.Add(13 * time.Second))
	sync()
	if n := env.svc.RefreshPages(t.Context()); n != 1 || env.renders()-before != 1 {
		t.Fatalf("%d pages refreshed for the new version (%d renders), want 1", n, env.renders()-before)
	}
	if _, page := env.personal(omar); !strings.Contains(page, "A title nobody used before") {
		t.Error("the page does not show the new version")
	}
	if got := env.renders() - before; got != 1 {
		t.Errorf("the request after the new version rendered its page itself (%d renders)", got)
	}
	if n := env.svc.RefreshPages(t.Context()); n != 0 {
		t.Errorf("%d pages refreshed again for the same version", n)
	}
}

// Watch renders the pages read lately as their intervals end, and leaves
// no goroutine behind when it stops.
func TestWatchRefreshesAgendaPagesUntilItStops(t *testing.T) {
	env := newDemoEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	env.clock.Set(readAt)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		env.svc.Watch(ctx, nil)
	}()
	defer func() { cancel(); <-done }()
	env.personal(omar)
	env.clock.Set(time.Date(2016, 12, 5, 22, 51, 0, 0, time.UTC).Add(feeds.MaxPageStale + time.Second))
	for deadline := time.Now().Add(20 * time.Second); !env.kept(omar, ""); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Watch did not render the page again")
		}
	}
	before := env.renders()
	if _, page := env.personal(omar); !strings.Contains(upcoming(page), "in 23 min") || env.renders() != before {
		t.Errorf("the request after Watch's refresh: %d renders of its own:\n%s", env.renders()-before, upcoming(page))
	}
	cancel()
	<-done
	if stacks, f := outliving("refreshPages", "refreshPersonal", "(*Service).Watch"); f != "" {
		t.Errorf("a goroutine in %s outlived Watch:\n%s", f, stacks)
	}
}

// outliving returns, of the goroutines whose stacks hold one of fns, the
// stacks and the first of fns found, once they have had 5 s to return
// after a stop; "" when none is left. A goroutine closes the channel that
// its stop waits on a moment before it returns.
func outliving(fns ...string) (stacks, found string) {
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		stacks, found = string(buf[:runtime.Stack(buf, true)]), ""
		for _, f := range fns {
			if strings.Contains(stacks, f) {
				found = f
				break
			}
		}
		if found == "" || time.Now().After(deadline) {
			return stacks, found
		}
	}
}
