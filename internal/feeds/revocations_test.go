package feeds_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// instances are two Services, each with its own store on one database, as
// two `serve` processes (or `serve` and `planner feeds`) are.
type instances struct {
	clock       *storetest.Clock
	here, other *feeds.Service
	// omar and prog are the tokens of a delegate's feed and the programme's.
	omar, prog string
}

func newInstances(t *testing.T) *instances {
	t.Helper()
	c := storetest.NewClock(time.Date(2016, 11, 20, 12, 0, 0, 0, time.UTC))
	url := storetest.FreshURL(t)
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte{42}, feeds.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	var svcs [2]*feeds.Service
	for i := range svcs {
		st := storetest.OpenURL(t, url, store.WithNow(c.Now))
		if i == 0 {
			if err := st.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			storetest.MustImport(t, st, sample.Demo(t))
		}
		svcs[i] = feeds.NewService(st, keys, "https://planner.example.org/", c.Now)
	}
	list, err := svcs[1].List(t.Context(), demo.Slug, true)
	if err != nil {
		t.Fatal(err)
	}
	return &instances{
		clock: c, here: svcs[0], other: svcs[1],
		omar: tokenOf(t, find(t, list, programme.FeedPerson, "omar-ansari")),
		prog: tokenOf(t, find(t, list, programme.FeedProgramme, demo.Slug)),
	}
}

// render looks token up and renders its feed on svc, as a GET does.
func render(t *testing.T, svc *feeds.Service, token string) {
	t.Helper()
	f, err := svc.Lookup(t.Context(), token)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if _, err := svc.RenderGzip(t.Context(), f, token); err != nil {
		t.Fatalf("RenderGzip: %v", err)
	}
}

func servable(svc *feeds.Service, token string) bool {
	_, ok := svc.LastRendered(token)
	return ok
}

func TestRevocationsElsewhereReachTheOutageFallback(t *testing.T) {
	in := newInstances(t)
	ctx := t.Context()
	render(t, in.here, in.omar)
	render(t, in.here, in.prog)
	if !servable(in.here, in.omar) || !servable(in.here, in.prog) {
		t.Fatal("feeds just rendered are not kept for an outage")
	}

	// Another process revokes Omar's feed; the next check drops it and
	// confirms the programme's.
	if err := in.other.Revoke(ctx, demo.Slug, programme.FeedPerson, "omar-ansari"); err != nil {
		t.Fatal(err)
	}
	in.clock.Advance(feeds.OutageServeWindow / 2)
	if dropped, err := in.here.CheckRevocations(ctx); err != nil || dropped != 1 {
		t.Fatalf("CheckRevocations = %d, %v; want Omar's token dropped", dropped, err)
	}
	if servable(in.here, in.omar) {
		t.Error("a feed revoked by another process is still served during an outage after a check")
	}
	// The check confirmed the programme's token: it stays servable for a
	// whole window from then, beyond a window from its rendering.
	in.clock.Advance(feeds.OutageServeWindow * 3 / 4)
	if !servable(in.here, in.prog) {
		t.Error("a feed the check found working is not served during an outage")
	}

	// A rotation elsewhere is a revocation of the old token.
	if _, err := in.other.Rotate(ctx, demo.Slug, programme.FeedProgramme, demo.Slug); err != nil {
		t.Fatal(err)
	}
	if _, err := in.here.CheckRevocations(ctx); err != nil {
		t.Fatalf("CheckRevocations: %v", err)
	}
	if servable(in.here, in.prog) {
		t.Error("a feed rotated by another process is still served under its old token during an outage")
	}
}

func TestANotFoundLookupDropsTheTokenAtOnce(t *testing.T) {
	in := newInstances(t)
	render(t, in.here, in.omar)
	if err := in.other.Revoke(t.Context(), demo.Slug, programme.FeedPerson, "omar-ansari"); err != nil {
		t.Fatal(err)
	}
	if _, err := in.here.Lookup(t.Context(), in.omar); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Fatalf("Lookup of a revoked token: %v, want not found", err)
	}
	if servable(in.here, in.omar) {
		t.Error("a token the database no longer knows is still kept for an outage")
	}
}

func TestRevokeAndRotateDropWhatThisServiceKeeps(t *testing.T) {
	in := newInstances(t)
	ctx := t.Context()
	render(t, in.here, in.omar)
	render(t, in.here, in.prog)
	if err := in.here.Revoke(ctx, demo.Slug, programme.FeedPerson, "omar-ansari"); err != nil {
		t.Fatal(err)
	}
	if servable(in.here, in.omar) {
		t.Error("a feed revoked here is still kept for an outage")
	}
	if !servable(in.here, in.prog) {
		t.Error("revoking one feed dropped another")
	}
	if _, err := in.here.Rotate(ctx, demo.Slug, programme.FeedProgramme, demo.Slug); err != nil {
		t.Fatal(err)
	}
	if servable(in.here, in.prog) {
		t.Error("a feed rotated here is still kept for an outage under its old token")
	}
}

// TestARenderAfterARevocationIsNotKept is a request that looked its token up
// just before the revocation and renders just after it.
func TestARenderAfterARevocationIsNotKept(t *testing.T) {
	in := newInstances(t)
	ctx := t.Context()
	f, err := in.here.Lookup(ctx, in.omar)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.here.Revoke(ctx, demo.Slug, programme.FeedPerson, "omar-ansari"); err != nil {
		t.Fatal(err)
	}
	if _, err := in.here.Render(ctx, f, in.omar); err != nil {
		t.Fatal(err)
	}
	if servable(in.here, in.omar) {
		t.Error("a body rendered from a lookup made before the revocation is kept for an outage")
	}
}

func TestTheOutageFallbackWindowIsBounded(t *testing.T) {
	in := newInstances(t)
	render(t, in.here, in.omar)
	in.clock.Advance(feeds.OutageServeWindow)
	if !servable(in.here, in.omar) {
		t.Error("a token confirmed one window ago is not served")
	}
	in.clock.Advance(time.Second)
	if servable(in.here, in.omar) {
		t.Errorf("a token last confirmed more than %v ago is still served during an outage", feeds.OutageServeWindow)
	}
	// Any successful lookup confirms it again.
	render(t, in.here, in.omar)
	if !servable(in.here, in.omar) {
		t.Error("a token just confirmed again is not served")
	}
}

func TestANewServiceKeepsNothing(t *testing.T) {
	in := newInstances(t)
	render(t, in.here, in.omar)
	if servable(in.other, in.omar) {
		t.Error("a Service that never rendered a feed would serve it during an outage")
	}
}

// TestWatchDropsKeptBodiesRevokedElsewhere: Watch (as serve runs it) drops
// from the outage fallback a link another process revoked, and keeps the others.
func TestWatchDropsKeptBodiesRevokedElsewhere(t *testing.T) {
	in := newInstances(t)
	render(t, in.here, in.omar)
	render(t, in.here, in.prog)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		in.here.Watch(ctx, nil)
	}()
	defer func() { cancel(); <-done }()

	if err := in.other.Revoke(t.Context(), demo.Slug, programme.FeedPerson, "omar-ansari"); err != nil {
		t.Fatal(err)
	}
	// Waiting for the condition, not for a time: the watch must get there.
	deadline := time.Now().Add(20 * time.Second)
	for servable(in.here, in.omar) {
		if time.Now().After(deadline) {
			t.Fatal("the watch never dropped a feed revoked elsewhere")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !servable(in.here, in.prog) {
		t.Error("the watch dropped a feed nobody revoked")
	}
}

// TestARenderAfterARevocationIsNotKeptResolved is the same for a request
// that resolved its token (without rendering) before the revocation.
func TestARenderAfterARevocationIsNotKeptResolved(t *testing.T) {
	in := newInstances(t)
	ctx := t.Context()
	f, err := in.here.Resolve(ctx, in.omar)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.here.Revoke(ctx, demo.Slug, programme.FeedPerson, "omar-ansari"); err != nil {
		t.Fatal(err)
	}
	if _, err := in.here.Render(ctx, f, in.omar); err != nil {
		t.Fatal(err)
	}
	if servable(in.here, in.omar) {
		t.Error("a body rendered from a lookup made before the revocation is kept for an outage")
	}
}

// lookupFails reports whether svc now refuses token as not found.
func lookupFails(t *testing.T, svc *feeds.Service, token string) bool {
	t.Helper()
	_, err := svc.Lookup(t.Context(), token)
	if err != nil && programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Fatalf("Lookup: %v", err)
	}
	return err != nil
}

// TestMemoryLearnsOfRevocationsAndRotationsElsewhereAtTheNextSync: once the
// service answers from memory (SyncChanges succeeded), a token revoked or
// rotated by another process stops working here at the next sync, which
// Watch runs on every notification and every ChangePollInterval.
func TestMemoryLearnsOfRevocationsAndRotationsElsewhereAtTheNextSync(t *testing.T) {
	in := newInstances(t)
	ctx := t.Context()
	if err := in.here.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	render(t, in.here, in.omar)
	render(t, in.here, in.prog)
	if err := in.other.Revoke(ctx, demo.Slug, programme.FeedPerson, "omar-ansari"); err != nil {
		t.Fatal(err)
	}
	if _, err := in.other.Rotate(ctx, demo.Slug, programme.FeedProgramme, demo.Slug); err != nil {
		t.Fatal(err)
	}
	if err := in.here.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	if !lookupFails(t, in.here, in.omar) {
		t.Error("a token revoked elsewhere still works here after a sync")
	}
	if !lookupFails(t, in.here, in.prog) {
		t.Error("a token rotated away elsewhere still works here after a sync")
	}
	if servable(in.here, in.omar) || servable(in.here, in.prog) {
		t.Error("a token revoked or rotated elsewhere is still kept for an outage after a sync")
	}
}

// TestMemoryStopsARevokedTokenHereAtOnce: the instance that revokes needs
// no sync.
func TestMemoryStopsARevokedTokenHereAtOnce(t *testing.T) {
	in := newInstances(t)
	ctx := t.Context()
	if err := in.here.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	render(t, in.here, in.omar)
	render(t, in.here, in.prog)
	if err := in.here.Revoke(ctx, demo.Slug, programme.FeedPerson, "omar-ansari"); err != nil {
		t.Fatal(err)
	}
	if !lookupFails(t, in.here, in.omar) {
		t.Error("a token revoked here still works here")
	}
	if _, err := in.here.Rotate(ctx, demo.Slug, programme.FeedProgramme, demo.Slug); err != nil {
		t.Fatal(err)
	}
	if !lookupFails(t, in.here, in.prog) {
		t.Error("a token rotated away here still works here")
	}
}

// TestMemoryIsNotTrustedPastItsWindow: when syncs stop succeeding, memory
// stops answering ChangeTrustWindow after the last one, and a revocation
// elsewhere is seen by asking the database.
func TestMemoryIsNotTrustedPastItsWindow(t *testing.T) {
	in := newInstances(t)
	ctx := t.Context()
	if err := in.here.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	render(t, in.here, in.omar)
	if err := in.other.Revoke(ctx, demo.Slug, programme.FeedPerson, "omar-ansari"); err != nil {
		t.Fatal(err)
	}
	in.clock.Advance(feeds.ChangeTrustWindow)
	if !lookupFails(t, in.here, in.omar) {
		t.Errorf("a token revoked elsewhere still works here %v after the last sync", feeds.ChangeTrustWindow)
	}
}

// TestWatchLearnsOfRevocationsElsewhere runs Watch: on PostgreSQL the
// notification, on SQLite the poll, brings the revocation.
func TestWatchLearnsOfRevocationsElsewhere(t *testing.T) {
	in := newInstances(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		in.here.Watch(ctx, nil)
	}()
	defer func() { cancel(); <-done }()
	render(t, in.here, in.omar)
	if err := in.other.Revoke(t.Context(), demo.Slug, programme.FeedPerson, "omar-ansari"); err != nil {
		t.Fatal(err)
	}
	// Waiting for the condition, not for a time: the watch must get there.
	deadline := time.Now().Add(20 * time.Second)
	for !lookupFails(t, in.here, in.omar) {
		if time.Now().After(deadline) {
			t.Fatal("the watch never learnt of a token revoked elsewhere")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestChangeStampIsTheCounterWhileMemoryIsTrusted: ChangeStamp says
// nothing before the first sync and past the trust window, and otherwise
// the counter memory was last found current with: a change elsewhere
// shows in it at the next sync, not before.
func TestChangeStampIsTheCounterWhileMemoryIsTrusted(t *testing.T) {
	in := newInstances(t)
	ctx := t.Context()
	if _, ok := in.here.ChangeStamp(); ok {
		t.Fatal("ChangeStamp is ok before any sync")
	}
	if err := in.here.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	want, err := in.here.Store().FeedChangeSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if seq, ok := in.here.ChangeStamp(); !ok || seq != want {
		t.Fatalf("after a sync ChangeStamp = %d, %v; want %d, true", seq, ok, want)
	}
	if err := in.other.Revoke(ctx, demo.Slug, programme.FeedPerson, "omar-ansari"); err != nil {
		t.Fatal(err)
	}
	if seq, ok := in.here.ChangeStamp(); !ok || seq != want {
		t.Errorf("before the next sync ChangeStamp = %d, %v; want %d, true", seq, ok, want)
	}
	if err := in.here.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	if seq, ok := in.here.ChangeStamp(); !ok || seq <= want {
		t.Errorf("after a change elsewhere and a sync ChangeStamp = %d, %v; want more than %d, true", seq, ok, want)
	}
	in.clock.Advance(feeds.ChangeTrustWindow)
	if _, ok := in.here.ChangeStamp(); ok {
		t.Errorf("ChangeStamp is ok %v after the last sync", feeds.ChangeTrustWindow)
	}
}
