package feeds

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/sample"
)

// TestLookupsLeaveConnectionsToWatch: lookups that ask the database take
// at most all but reservedConns of the store's connections, so that Watch's
// check never queues behind a burst of them; a lookup with no free turn
// waits for one, and gives up when its request does.
func TestLookupsLeaveConnectionsToWatch(t *testing.T) {
	svc, feeds := benchService(t, sample.Demo(t))
	sqlDB, err := svc.Store().DB().DB()
	if err != nil {
		t.Fatal(err)
	}
	want := sqlDB.Stats().MaxOpenConnections - reservedConns
	if want <= 0 {
		t.Fatalf("the store's pool has %d connections, fewer than the %d kept free", sqlDB.Stats().MaxOpenConnections, reservedConns)
	}
	if got := cap(svc.lookupSlots); got != want {
		t.Fatalf("feed lookups may use %d connections, want %d", got, want)
	}
	for range want {
		svc.lookupSlots <- struct{}{}
	}
	// Memory is not trusted (Watch does not run), so the lookup needs the
	// database and must wait for a turn that never comes.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := svc.Lookup(ctx, feeds[0].token); !errors.Is(err, context.Canceled) {
		t.Errorf("a lookup with every turn taken and its request gone: %v, want it cancelled", err)
	}
	<-svc.lookupSlots
	if _, err := svc.Lookup(t.Context(), feeds[0].token); err != nil {
		t.Errorf("a lookup with a turn free: %v", err)
	}
	if got := len(svc.lookupSlots); got != want-1 {
		t.Errorf("after the lookup %d turns are taken, want %d: it must give its turn back", got, want-1)
	}
}

// TestLookupGivesHeaderValuesOfItsBody: the HTTP date and the gzip ETag
// that a lookup hands out ready-made are those of the feed's own
// validators, whether the body was rendered by this lookup or kept.
func TestLookupGivesHeaderValuesOfItsBody(t *testing.T) {
	svc, feeds := benchService(t, sample.Demo(t))
	ctx := t.Context()
	if err := svc.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	for _, pass := range []string{"rendered", "kept"} {
		for _, fd := range feeds[:3] {
			f, err := svc.Lookup(ctx, fd.token)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := f.LastModifiedHTTP(), f.LastModified.UTC().Format(http.TimeFormat); got != want {
				t.Errorf("%s %s feed: Last-Modified %q, want %q", pass, fd.name, got, want)
			}
			if _, err := time.Parse(http.TimeFormat, f.LastModifiedHTTP()); err != nil {
				t.Errorf("%s %s feed: Last-Modified %q is no HTTP date: %v", pass, fd.name, f.LastModifiedHTTP(), err)
			}
			if got, want := f.GzipETag(), strings.TrimSuffix(f.ETag, `"`)+`-gzip"`; got != want || f.ETag == "" {
				t.Errorf("%s %s feed: gzip ETag %q for ETag %q, want %q", pass, fd.name, got, f.ETag, want)
			}
			// The header values are those same ETags, in full slices, so
			// that an append to a response's header copies them.
			for _, gzip := range []bool{false, true} {
				want := f.ETag
				if gzip {
					want = f.GzipETag()
				}
				if got := f.ETagValue(gzip); len(got) != 1 || cap(got) != 1 || got[0] != want {
					t.Errorf("%s %s feed: ETag header value (gzip %v) %q, capacity %d; want [%q]", pass, fd.name, gzip, got, cap(got), want)
				}
			}
			// Nothing is shared for an ETag set since.
			g := *f
			g.ETag = `"other"`
			if got := g.ETagValue(false); got != nil {
				t.Errorf("%s %s feed: ETag header value %q for ETag %q", pass, fd.name, got, g.ETag)
			}
		}
	}
	// A Feed made without them (as tests and Resolve do) works them out.
	f := &Feed{ETag: `"abc"`, LastModified: time.Date(2026, 11, 29, 16, 0, 0, 0, time.FixedZone("X", 3600))}
	if got := f.LastModifiedHTTP(); got != "Sun, 29 Nov 2026 15:00:00 GMT" {
		t.Errorf("Last-Modified %q", got)
	}
	if got := f.GzipETag(); got != `"abc-gzip"` {
		t.Errorf("gzip ETag %q", got)
	}
	if got := f.ETagValue(true); got != nil {
		t.Errorf("a Feed made without them has the ETag header value %q", got)
	}
}
