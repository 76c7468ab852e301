package feeds

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/sample"
)

// readPages keeps a page for each token whose interval ended a minute
// before benchNow, read by a request at benchNow, and returns the render
// that RefreshPages calls for them: it checks that it gets what a request
// would (the token resolved at benchNow, at the programme's version), keeps
// a page for the next minute, and counts the renders and the most under
// way at once. hold, when not nil, keeps every render waiting until it is
// closed.
func readPages(t *testing.T, s *Service, tokens []string, hold chan struct{}) (render PageRender, renders, most *atomic.Int64) {
	t.Helper()
	version, _, err := s.Store().ProgrammeVersion(t.Context(), "igf2016-cldp")
	if err != nil {
		t.Fatal(err)
	}
	renders, most = &atomic.Int64{}, &atomic.Int64{}
	var busy atomic.Int64
	render = func(ctx context.Context, f *Feed, token, variant string) error {
		n := busy.Add(1)
		defer busy.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		if !f.Now().Equal(benchNow) || f.Version != version || variant != "" {
			t.Errorf("render of %s at %s, version %d, variant %q: want %s, %d, \"\"", token, f.Now(), f.Version, variant, benchNow, version)
		}
		if hold != nil {
			<-hold
		}
		renders.Add(1)
		s.KeepPage(f, token, variant, []byte("page of "+token), benchNow.Add(time.Minute), benchNow.Add(time.Minute))
		return nil
	}
	for _, tok := range tokens {
		f, err := s.Resolve(t.Context(), tok)
		if err != nil {
			t.Fatal(err)
		}
		s.bodies.keepPage(pageKey(tok, ""), tok, f.Version, benchNow.Add(-2*time.Minute), benchNow.Add(-time.Minute),
			benchNow.Add(-time.Minute), []byte("old page of "+tok), f.stamp)
		s.NotePageRead(f, tok, "", render)
	}
	if n := s.ScheduledPages(); n != len(tokens) {
		t.Fatalf("%d pages on the schedule, want %d", n, len(tokens))
	}
	return render, renders, most
}

// claimOthers takes n refresh slots for pages that do not exist, as
// StalePage's refreshes would, and returns the function that frees the
// i-th.
func claimOthers(t *testing.T, c *bodyCache, n int) (free func(i int)) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range n {
		if claimed, _, _ := c.claimRefresh(fmt.Sprintf("other%d", i), pageRefreshSlots); !claimed {
			t.Fatalf("slot %d not free", i)
		}
	}
	return func(i int) { c.refreshed(fmt.Sprintf("other%d", i)) }
}

func withSlots(t *testing.T, n int) {
	t.Helper()
	old := pageRefreshSlots
	pageRefreshSlots = n
	t.Cleanup(func() { pageRefreshSlots = old })
}

// TestRefreshPagesTakesStalePagesSlots: the schedule's renders and
// StalePage's share pageRefreshSlots: RefreshPages waits for a free one,
// and renders no page that StalePage is rendering already.
func TestRefreshPagesTakesStalePagesSlots(t *testing.T) {
	withSlots(t, 3)
	s, feeds := benchService(t, sample.Demo(t))
	tokens := []string{feeds[0].token, feeds[1].token, feeds[2].token}
	_, renders, most := readPages(t, s, tokens, nil)
	// StalePage renders other pages, and the first one of these already:
	// every slot is taken.
	free := claimOthers(t, s.bodies, 2)
	s.bodies.mu.Lock()
	s.bodies.claimRefresh(pageKey(tokens[0], ""), 3)
	s.bodies.mu.Unlock()

	done := make(chan int)
	go func() { done <- s.RefreshPages(t.Context()) }()
	time.Sleep(50 * time.Millisecond)
	if n := renders.Load(); n != 0 {
		t.Errorf("%d renders with every slot taken", n)
	}
	free(0)
	if n := <-done; n != 2 || renders.Load() != 2 {
		t.Errorf("%d pages refreshed (%d renders), want the two that StalePage did not render", n, renders.Load())
	}
	if m := most.Load(); m != 1 {
		t.Errorf("%d renders at once with one slot free, want 1", m)
	}
	free(1)
	s.bodies.refreshed(pageKey(tokens[0], ""))
	for _, tok := range tokens[1:] {
		f, err := s.Resolve(t.Context(), tok)
		if err != nil {
			t.Fatal(err)
		}
		if body, ok := s.CachedPage(f, tok, ""); !ok || string(body) != "page of "+tok {
			t.Errorf("after the refresh: %q %v", body, ok)
		}
	}
}

// TestRefreshPagesRendersAtMostSlotsAtOnce: a pass over many pages due
// renders them pageRefreshSlots at a time, and ends once they are done.
func TestRefreshPagesRendersAtMostSlotsAtOnce(t *testing.T) {
	withSlots(t, 2)
	s, feeds := benchService(t, sample.Demo(t))
	tokens := []string{feeds[0].token, feeds[1].token, feeds[2].token}
	hold := make(chan struct{})
	_, renders, most := readPages(t, s, tokens, hold)
	done := make(chan int)
	go func() { done <- s.RefreshPages(t.Context()) }()
	// Two at once, each resolving its token first (on PostgreSQL, a
	// query or two each).
	for deadline := time.Now().Add(10 * time.Second); most.Load() < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d renders at once, want 2", most.Load())
		}
	}
	time.Sleep(50 * time.Millisecond)
	close(hold)
	if n := <-done; n != 3 || renders.Load() != 3 {
		t.Errorf("%d pages refreshed, %d renders; want 3", n, renders.Load())
	}
	if m := most.Load(); m != 2 {
		t.Errorf("%d renders at once, want 2", m)
	}
	// Rendered for the next minute: nothing is due any more.
	if n := s.RefreshPages(t.Context()); n != 0 {
		t.Errorf("%d pages refreshed again", n)
	}
}

// TestRefreshPagesStopsWithItsContext: a pass waiting for a slot returns
// when its context ends, and renders nothing.
func TestRefreshPagesStopsWithItsContext(t *testing.T) {
	withSlots(t, 1)
	s, feeds := benchService(t, sample.Demo(t))
	_, renders, _ := readPages(t, s, []string{feeds[0].token}, nil)
	free := claimOthers(t, s.bodies, 1)
	defer free(0)
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() {
		if n := s.RefreshPages(ctx); n != 0 {
			t.Errorf("%d pages refreshed", n)
		}
	})
	time.Sleep(20 * time.Millisecond)
	cancel()
	wg.Wait()
	if n := renders.Load(); n != 0 {
		t.Errorf("%d renders after the context ended", n)
	}
}
