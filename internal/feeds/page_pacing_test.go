package feeds

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// pacingTurn is the turn of a minute at which the pages of the pacing
// tests end their interval: a week before the demo starts, so that no firm
// time of the programme comes near.
var pacingTurn = time.Date(2016, 11, 20, 12, 1, 0, 0, time.UTC)

// pacingEnv is a Service on the demo whose clock the test moves, with
// pages of one delegate's token kept in as many variants as the test
// asks, and the render that RefreshPages calls for them.
type pacingEnv struct {
	t     *testing.T
	s     *Service
	clock *storetest.Clock
	token string

	mu       sync.Mutex
	rendered []string // variants, in the order rendered
}

func newPacingEnv(t *testing.T) *pacingEnv {
	t.Helper()
	clock := storetest.NewClock(pacingTurn)
	st := storetest.Open(t, store.WithNow(clock.Now))
	p := sample.Demo(t)
	storetest.MustImport(t, st, p)
	keys, err := NewKeyring(bytes.Repeat([]byte{42}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s := NewService(st, keys, "https://planner.example.org", clock.Now)
	list, err := s.List(t.Context(), p.Slug, true)
	if err != nil {
		t.Fatal(err)
	}
	env := &pacingEnv{t: t, s: s, clock: clock}
	for _, l := range list {
		if l.Kind == programme.FeedPerson && l.Key == "omar-ansari" {
			env.token = strings.TrimSuffix(strings.TrimPrefix(l.URL, "https://planner.example.org/feeds/"), ".ics")
		}
	}
	if env.token == "" {
		t.Fatal("no feed for Omar")
	}
	// Every render in the background ends before the test does.
	t.Cleanup(func() { s.PageRefreshes() })
	return env
}

// render is the PageRender of the env's pages: it keeps the page for the
// rest of the minute of f's clock, as the agenda pages are, and records
// the variant. The render of variant "held" ends only with ctx.
func (env *pacingEnv) render(ctx context.Context, f *Feed, token, variant string) error {
	if variant == "held" {
		<-ctx.Done()
		return ctx.Err()
	}
	env.mu.Lock()
	env.rendered = append(env.rendered, variant)
	env.mu.Unlock()
	until := f.Now().Truncate(time.Minute).Add(time.Minute)
	env.s.KeepPage(f, token, variant, []byte("new "+variant), until, until.Add(MaxPageStale))
	return nil
}

// renders returns the variants rendered so far, in order.
func (env *pacingEnv) renders() []string {
	env.mu.Lock()
	defer env.mu.Unlock()
	return slices.Clone(env.rendered)
}

// keep keeps the page of variant as rendered a minute before pacingTurn,
// until pacingTurn and then stale until staleUntil, and notes a read of it
// at read.
func (env *pacingEnv) keep(variant string, staleUntil, read time.Time) {
	env.t.Helper()
	f, err := env.s.Resolve(env.t.Context(), env.token)
	if err != nil {
		env.t.Fatal(err)
	}
	env.s.bodies.keepPage(pageKey(env.token, variant), env.token, f.Version, pacingTurn.Add(-time.Minute), pacingTurn,
		staleUntil, []byte("old "+variant), f.stamp)
	env.s.bodies.notePageRead(pageKey(env.token, variant), env.token, variant, f.Token.Programme, read, env.render)
}

// keepStale keeps n pages due at pacingTurn only by a count, with the whole
// of MaxPageStale to be served stale, read one second apart: v0 last.
func (env *pacingEnv) keepStale(n int) []string {
	env.t.Helper()
	var variants []string
	for i := range n {
		v := fmt.Sprintf("v%d", i)
		env.keep(v, pacingTurn.Add(MaxPageStale), pacingTurn.Add(-time.Duration(i+1)*time.Second))
		variants = append(variants, v)
	}
	return variants
}

// served returns what a request at the clock's time is served for variant
// by CachedPage or StalePage (whose refresh does nothing), or "" when it
// must render the page itself.
func (env *pacingEnv) served(variant string) string {
	env.t.Helper()
	f, err := env.s.Resolve(env.t.Context(), env.token)
	if err != nil {
		env.t.Fatal(err)
	}
	if body, ok := env.s.CachedPage(f, env.token, variant); ok {
		return string(body)
	}
	body, ok := env.s.StalePage(f, env.token, variant, func() {})
	// The refresh it started, if any, has ended: the page is no longer
	// busy for RefreshPages.
	env.s.PageRefreshes()
	if ok {
		return string(body)
	}
	return ""
}

// TestPagesDueOnlyByACountArePaced: the pages due at a minute's turn only
// because a count turned are rendered one at a time over the first half of
// their stale window, most recently read first, not all at the turn; each
// is served stale until its own render, and all of them before their
// staleUntil.
func TestPagesDueOnlyByACountArePaced(t *testing.T) {
	env := newPacingEnv(t)
	variants := env.keepStale(6)
	step := MaxPageStale / 2 / 6
	now := pacingTurn
	for i := range variants {
		n, next := env.s.refreshPages(t.Context(), true)
		if got := env.renders(); n != 1 || !slices.Equal(got, variants[:i+1]) {
			t.Fatalf("at the turn + %s: %d pages refreshed, %q rendered in all; want %q", now.Sub(pacingTurn), n, got, variants[:i+1])
		}
		for j, v := range variants {
			want := "old " + v
			if j <= i {
				want = "new " + v
			}
			if got := env.served(v); got != want {
				t.Errorf("at the turn + %s, %s is served %q, want %q", now.Sub(pacingTurn), v, got, want)
			}
		}
		if i == len(variants)-1 {
			if !next.After(pacingTurn.Add(MaxPageStale)) {
				t.Errorf("with every page rendered, the next page due at %s", next)
			}
			break
		}
		if want := now.Add(step); !next.Equal(want) {
			t.Fatalf("the next turn at the turn + %s, want + %s", next.Sub(pacingTurn), want.Sub(pacingTurn))
		}
		env.clock.Advance(next.Sub(now))
		now = next
		if !now.Before(pacingTurn.Add(MaxPageStale / 2)) {
			t.Fatalf("a turn in the second half of the stale window (the turn + %s)", now.Sub(pacingTurn))
		}
	}
	if n := env.s.RefreshPages(t.Context()); n != 0 {
		t.Errorf("%d pages refreshed again", n)
	}
}

// TestPagesPastTheirFirmTimeAreRenderedAtOnce: a page with no stale window
// left (an item started at the turn: its staleUntil is the turn itself) is
// rendered in the first pass after its interval, with all the others like
// it and before the paced ones, and never served stale.
func TestPagesPastTheirFirmTimeAreRenderedAtOnce(t *testing.T) {
	env := newPacingEnv(t)
	env.keepStale(3)
	// Read before the paced pages: the latest read does not put them
	// first.
	for _, v := range []string{"firm0", "firm1", "firm2"} {
		env.keep(v, pacingTurn, pacingTurn.Add(-time.Minute))
		if got := env.served(v); got != "" {
			t.Errorf("%s, past its firm time, is served %q", v, got)
		}
	}
	n, next := env.s.refreshPages(t.Context(), true)
	got := env.renders()
	if n != 4 || len(got) != 4 || got[3] != "v0" {
		t.Fatalf("%d pages refreshed at the turn (%q), want the three past their firm time, then v0", n, got)
	}
	if firm := got[:3]; !slices.Contains(firm, "firm0") || !slices.Contains(firm, "firm1") || !slices.Contains(firm, "firm2") {
		t.Errorf("rendered first %q, want the three past their firm time", firm)
	}
	if want := pacingTurn.Add(MaxPageStale / 2 / 3); !next.Equal(want) {
		t.Errorf("the next turn at the turn + %s, want + %s", next.Sub(pacingTurn), want.Sub(pacingTurn))
	}
}

// TestAPacedPageLateForItsTurnIsNotServedStale: when the loop comes back
// only after a page's staleUntil (a machine too busy), the page is served
// stale no longer, whatever its turn, and the next pass renders it at once.
func TestAPacedPageLateForItsTurnIsNotServedStale(t *testing.T) {
	env := newPacingEnv(t)
	variants := env.keepStale(3)
	if n, _ := env.s.refreshPages(t.Context(), true); n != 1 {
		t.Fatalf("%d pages refreshed at the turn, want 1", n)
	}
	env.clock.Advance(MaxPageStale)
	for _, v := range variants[1:] {
		if got := env.served(v); got != "" {
			t.Errorf("%s is served %q at its staleUntil", v, got)
		}
	}
	if n, _ := env.s.refreshPages(t.Context(), true); n != 2 {
		t.Errorf("%d pages refreshed past their staleUntil, want the two left at once", n)
	}
	if got := env.renders(); !slices.Equal(got, variants) {
		t.Errorf("rendered %q, want %q", got, variants)
	}
}

// TestPacedTurnsKeepWithinEveryWindow: a batch's turns lie evenly over the
// first half of the longest window, most recently read first, and none in
// the second half of its own window; 2,000 pages are one every 3.75 ms.
func TestPacedTurnsKeepWithinEveryWindow(t *testing.T) {
	for _, n := range []int{1, 200, 2000} {
		reads := make([]*pageRead, n)
		pages := make([]plannedPage, n)
		for i := range pages {
			reads[i] = &pageRead{at: pacingTurn.Add(-time.Duration(i) * time.Millisecond)}
			pages[i] = plannedPage{key: fmt.Sprint(i), read: reads[i], deadline: pacingTurn.Add(MaxPageStale)}
		}
		// One page, read earliest, has 2 s before its firm time.
		short := reads[n-1]
		pages[n-1].deadline = pacingTurn.Add(2 * time.Second)
		// Given in no particular order.
		slices.Reverse(pages)
		planTurns(pages, pacingTurn)
		step := MaxPageStale / 2 / time.Duration(n)
		for i, r := range reads[:n-1] {
			if want := pacingTurn.Add(time.Duration(i) * step); !r.turn.Equal(want) {
				t.Fatalf("%d pages: the turn of the %d-th read last is + %s, want + %s", n, i, r.turn.Sub(pacingTurn), want.Sub(pacingTurn))
			}
		}
		if want := min(time.Duration(n-1)*step, time.Second); !short.turn.Equal(pacingTurn.Add(want)) {
			t.Errorf("%d pages: the turn of the page with a short window is + %s, want + %s", n, short.turn.Sub(pacingTurn), want)
		}
		if n == 2000 && step != 3750*time.Microsecond {
			t.Errorf("2,000 pages a step of %s apart", step)
		}
	}
}

// TestAPacedPageKeptMeanwhileIsNotRenderedAgain: a page that a request
// rendered (or StalePage's refresh) while it waited for its turn, or for a
// slot, is not rendered again.
func TestAPacedPageKeptMeanwhileIsNotRenderedAgain(t *testing.T) {
	withSlots(t, 1)
	env := newPacingEnv(t)
	variants := env.keepStale(3)
	if n, _ := env.s.refreshPages(t.Context(), true); n != 1 {
		t.Fatalf("%d pages refreshed at the turn, want 1", n)
	}
	f, err := env.s.Resolve(t.Context(), env.token)
	if err != nil {
		t.Fatal(err)
	}
	// A request renders v1 before its turn.
	if err := env.render(t.Context(), f, env.token, "v1"); err != nil {
		t.Fatal(err)
	}
	// v2's turn comes, but StalePage's refresh of another page takes the
	// one slot: the pass waits for it, and meanwhile a request renders
	// v2.
	env.clock.Advance(MaxPageStale / 2)
	free := claimOthers(t, env.s.bodies, 1)
	done := make(chan int)
	go func() {
		n, _ := env.s.refreshPages(t.Context(), true)
		done <- n
	}()
	time.Sleep(20 * time.Millisecond)
	f, err = env.s.Resolve(t.Context(), env.token)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.render(t.Context(), f, env.token, "v2"); err != nil {
		t.Fatal(err)
	}
	free(0)
	if n := <-done; n != 0 {
		t.Errorf("%d pages refreshed once the requests rendered them", n)
	}
	if got, want := env.renders(), []string{"v0", "v1", "v2"}; !slices.Equal(got, want) {
		t.Errorf("rendered %q, want %q, each once", got, want)
	}
	for _, v := range variants {
		if got := env.served(v); got != "new "+v {
			t.Errorf("%s is served %q", v, got)
		}
	}
}

// TestPagesForANewVersionArePaced: the pages read lately for an older
// version than memory knows are rendered for the new one once it settled,
// one at a time over the first half of MaxPageStale, not all at once.
func TestPagesForANewVersionArePaced(t *testing.T) {
	env := newPacingEnv(t)
	sync := func() {
		t.Helper()
		if err := env.s.SyncChanges(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	sync()
	// Kept until 50 s past the turn: not due by the clock in this test.
	f, err := env.s.Resolve(t.Context(), env.token)
	if err != nil {
		t.Fatal(err)
	}
	until := pacingTurn.Add(50 * time.Second)
	variants := []string{"v0", "v1", "v2", "v3"}
	for i, v := range variants {
		env.s.KeepPage(f, env.token, v, []byte("old "+v), until, until.Add(MaxPageStale))
		env.s.bodies.notePageRead(pageKey(env.token, v), env.token, v, f.Token.Programme, pacingTurn.Add(-time.Duration(i+1)*time.Second), env.render)
	}
	storetest.MustMakePublic(t, env.s.Store(), f.Token.Programme)
	env.clock.Advance(pageVersionSettle - time.Second)
	sync()
	if n, next := env.s.refreshPages(t.Context(), true); n != 0 || !next.Equal(pacingTurn.Add(pageVersionSettle)) {
		t.Fatalf("before the version settled: %d pages refreshed, the next due at + %s", n, next.Sub(pacingTurn))
	}
	env.clock.Advance(time.Second)
	now := pacingTurn.Add(pageVersionSettle)
	for i := range variants {
		sync()
		n, next := env.s.refreshPages(t.Context(), true)
		if got := env.renders(); n != 1 || !slices.Equal(got, variants[:i+1]) {
			t.Fatalf("%s after the version settled: %d pages refreshed, %q rendered in all; want %q", now.Sub(pacingTurn.Add(pageVersionSettle)), n, got, variants[:i+1])
		}
		if i == len(variants)-1 {
			break
		}
		if want := now.Add(MaxPageStale / 2 / 4); !next.Equal(want) {
			t.Fatalf("the next turn + %s after the version settled, want + %s", next.Sub(now), want.Sub(now))
		}
		env.clock.Advance(next.Sub(now))
		now = next
	}
	for _, v := range variants {
		if got := env.served(v); got != "new "+v {
			t.Errorf("%s is served %q", v, got)
		}
	}
}

// TestThePacedLoopStopsWithItsContext: the loop waiting for the next turn,
// or for a render under way, ends with its context, and so does the render;
// no goroutine is left.
func TestThePacedLoopStopsWithItsContext(t *testing.T) {
	env := newPacingEnv(t)
	env.keepStale(4)
	env.keep("firm", pacingTurn, pacingTurn.Add(-time.Minute))
	loop := func() (stop func()) {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			env.s.refreshPagesLoop(ctx)
		}()
		return func() {
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the loop did not stop with its context")
			}
		}
	}
	// The firm page and the first paced one; the clock stands still, so
	// the loop then waits for the next turn.
	stop := loop()
	waitFor(t, func() bool { return len(env.renders()) == 2 })
	stop()
	// A render that ends only with the context.
	env.keep("held", pacingTurn, pacingTurn.Add(-time.Minute))
	stop = loop()
	waitFor(t, func() bool {
		env.s.bodies.mu.Lock()
		defer env.s.bodies.mu.Unlock()
		_, ok := env.s.bodies.refreshes[pageKey(env.token, "held")]
		return ok
	})
	stop()
	env.s.PageRefreshes()
	if got := env.renders(); len(got) != 2 {
		t.Errorf("rendered %q with the clock standing still, want the first two alone", got)
	}
	if stacks, f := outliving("feeds.(*Service).refreshPagesLoop(", "feeds.(*Service).refreshPages(", "feeds.(*Service).refreshPage("); f != "" {
		t.Errorf("a goroutine in %s outlived the loop:\n%s", f, stacks)
	}
}

// TestWatchRendersPagesDueOnlyByACount: Watch renders the paced pages as
// their turns come, and leaves no goroutine behind when it stops.
func TestWatchRendersPagesDueOnlyByACount(t *testing.T) {
	env := newPacingEnv(t)
	variants := env.keepStale(4)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		env.s.Watch(ctx, nil)
	}()
	defer func() { cancel(); <-done }()
	waitFor(t, func() bool { return len(env.renders()) >= 1 })
	// Past every turn, within the stale window.
	env.clock.Advance(MaxPageStale / 2)
	waitFor(t, func() bool { return len(env.renders()) == len(variants) })
	for _, v := range variants {
		if got := env.served(v); got != "new "+v {
			t.Errorf("%s is served %q", v, got)
		}
	}
	cancel()
	<-done
	if stacks, f := outliving("refreshPagesLoop", "refreshPages", "(*Service).Watch"); f != "" {
		t.Errorf("a goroutine in %s outlived Watch:\n%s", f, stacks)
	}
}

// waitFor waits until cond holds, for 20 s at most.
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

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
