package feeds_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

func setup(t *testing.T) (*store.Store, *feeds.Service, *storetest.Clock) {
	t.Helper()
	c := storetest.NewClock(time.Date(2016, 11, 20, 12, 0, 0, 0, time.UTC))
	st := storetest.Open(t, store.WithNow(c.Now))
	storetest.MustImport(t, st, sample.Demo(t))
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte{42}, feeds.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return st, feeds.NewService(st, keys, "https://planner.example.org/", c.Now), c
}

func tokenOf(t *testing.T, l feeds.Listing) string {
	t.Helper()
	tok, ok := strings.CutPrefix(l.URL, "https://planner.example.org/feeds/")
	if !ok {
		t.Fatalf("feed URL %q is not under the base URL", l.URL)
	}
	return strings.TrimSuffix(tok, ".ics")
}

func find(t *testing.T, list []feeds.Listing, kind programme.FeedKind, key string) feeds.Listing {
	t.Helper()
	for _, l := range list {
		if l.Kind == kind && l.Key == key {
			return l
		}
	}
	t.Fatalf("no %s feed %q", kind, key)
	return feeds.Listing{}
}

func TestListCreatesTokensOnceAndKeepsThem(t *testing.T) {
	_, svc, _ := setup(t)
	ctx := t.Context()
	if list, err := svc.List(ctx, demo.Slug, false); err != nil || len(list) != 0 {
		t.Fatalf("List without create before any token: %d feeds, %v", len(list), err)
	}
	first, err := svc.List(ctx, demo.Slug, true)
	if err != nil {
		t.Fatal(err)
	}
	// 1 programme + 2 delegations + 22 people + 9 speakers + 2 rooms.
	if got, want := len(first), 36; got != want {
		t.Fatalf("List created %d feeds, want %d", got, want)
	}
	second, err := svc.List(ctx, demo.Slug, true)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := range first {
		if first[i].URL != second[i].URL {
			t.Errorf("%s %s: URL changed between two listings", first[i].Kind, first[i].Key)
		}
		if seen[first[i].URL] {
			t.Errorf("URL %s handed out twice", first[i].URL)
		}
		seen[first[i].URL] = true
	}
}

func TestLookupRenderAndRecordFetch(t *testing.T) {
	st, svc, c := setup(t)
	storetest.MustMakePublic(t, st, demo.Slug)
	ctx := t.Context()
	list, err := svc.List(ctx, demo.Slug, true)
	if err != nil {
		t.Fatal(err)
	}
	omar := find(t, list, programme.FeedPerson, "omar-ansari")
	if omar.LastFetchedAt != nil || omar.Current {
		t.Fatalf("a new feed reads as fetched: %+v", omar)
	}
	token := tokenOf(t, omar)
	f, err := svc.Lookup(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	body, err := svc.Render(ctx, f, token)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(body, []byte(token)) {
		t.Error("Omar's feed carries its token: events must link to the public programme page")
	}
	for _, want := range []string{"X-WR-CALNAME:Omar Ansari — CLDP-supported", "SUMMARY:Bus back to the hotel", "URL:https://planner.example.org/p/igf2016-cldp#run-day0-bus"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("Omar's feed lacks %q", want)
		}
	}
	if err := svc.RecordFetch(ctx, f); err != nil {
		t.Fatal(err)
	}
	c.Advance(2 * time.Hour)
	list, _ = svc.List(ctx, demo.Slug, false)
	if l := find(t, list, programme.FeedPerson, "omar-ansari"); l.LastFetchedAt == nil || !l.Current {
		t.Errorf("after a fetch: fetched %v, current %v; want fetched and current", l.LastFetchedAt, l.Current)
	}

	// Staff move the bus: Omar's calendar has not seen it until it fetches again.
	p := sample.Demo(t)
	p.Transport[0].DepartsAt = p.Transport[0].DepartsAt.Add(15 * time.Minute)
	p.Transport[0].Poll.Decided = "17:30"
	if _, err := svc.Store().Import(ctx, p, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	list, _ = svc.List(ctx, demo.Slug, false)
	if l := find(t, list, programme.FeedPerson, "omar-ansari"); l.Current || l.LatestTitle != "Bus back to the hotel" {
		t.Errorf("after the bus moved, Omar's feed reads current=%v, latest change to %q; want not current, the bus", l.Current, l.LatestTitle)
	}
	if l := find(t, list, programme.FeedRoom, "main-hall"); l.LastFetchedAt != nil {
		t.Error("a feed nobody fetched reads as fetched")
	}
	f2, err := svc.Lookup(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if f2.ETag == f.ETag {
		t.Error("the ETag did not change after the bus moved")
	}
}

func TestETagIsStableWhileNothingChanges(t *testing.T) {
	st, svc, c := setup(t)
	ctx := t.Context()
	list, _ := svc.List(ctx, demo.Slug, true)
	token := tokenOf(t, find(t, list, programme.FeedDelegation, "af"))
	before, err := svc.Lookup(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour)
	if rep := storetest.MustImport(t, st, sample.Demo(t)); rep.Changed {
		t.Fatal("re-importing the demo changed something")
	}
	after, err := svc.Lookup(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if before.ETag != after.ETag {
		t.Errorf("ETag changed from %s to %s without any change", before.ETag, after.ETag)
	}
	if !strings.HasPrefix(after.ETag, `"`) || strings.HasPrefix(after.ETag, `W/`) {
		t.Errorf("ETag %s is not a strong validator", after.ETag)
	}
}

func TestUnknownRevokedAndRotatedTokensAreNotFound(t *testing.T) {
	_, svc, _ := setup(t)
	ctx := t.Context()
	list, _ := svc.List(ctx, demo.Slug, true)
	omar := find(t, list, programme.FeedPerson, "omar-ansari")
	old := tokenOf(t, omar)

	// The near miss changes the last character, whatever it is (tokens are
	// random, so a fixed replacement is the token itself once in 32 runs).
	nearMiss := old[:31] + "q"
	if old[31] == 'q' {
		nearMiss = old[:31] + "r"
	}
	for _, bad := range []string{"", "nope", strings.Repeat("a", 32), nearMiss} {
		if _, err := svc.Lookup(ctx, bad); programme.ErrorCode(err) != programme.ENOTFOUND {
			t.Errorf("Lookup(%q) = %v, want not found", bad, err)
		}
	}
	rotated, err := svc.Rotate(ctx, demo.Slug, programme.FeedPerson, "omar-ansari")
	if err != nil {
		t.Fatal(err)
	}
	if rotated.URL == omar.URL {
		t.Fatal("Rotate kept the URL")
	}
	if _, err := svc.Lookup(ctx, old); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("the old token still works after rotation: %v", err)
	}
	if _, err := svc.Lookup(ctx, tokenOf(t, rotated)); err != nil {
		t.Errorf("the rotated token does not work: %v", err)
	}
	if err := svc.Revoke(ctx, demo.Slug, programme.FeedPerson, "omar-ansari"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Lookup(ctx, tokenOf(t, rotated)); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("a revoked token still works: %v", err)
	}
	list, _ = svc.List(ctx, demo.Slug, true)
	if l := find(t, list, programme.FeedPerson, "omar-ansari"); !l.Revoked || l.URL != "" {
		t.Errorf("after revoking, the listing is %+v, want revoked with no URL", l)
	}
	if err := svc.Revoke(ctx, demo.Slug, programme.FeedPerson, "nobody"); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("revoking an unknown feed: %v, want not found", err)
	}
}

func TestRecordFetchWritesAtMostOncePerMinuteAndVersion(t *testing.T) {
	st, svc, c := setup(t)
	ctx := t.Context()
	list, _ := svc.List(ctx, demo.Slug, true)
	token := tokenOf(t, find(t, list, programme.FeedPerson, "omar-ansari"))
	fetch := func() {
		t.Helper()
		f, err := svc.Lookup(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.RecordFetch(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	lastFetched := func() time.Time {
		t.Helper()
		list, err := svc.List(ctx, demo.Slug, false)
		if err != nil {
			t.Fatal(err)
		}
		l := find(t, list, programme.FeedPerson, "omar-ansari")
		if l.LastFetchedAt == nil {
			t.Fatal("no fetch recorded")
		}
		return *l.LastFetchedAt
	}

	first := c.Now()
	fetch()
	c.Set(first.Add(30 * time.Second))
	fetch()
	if got := lastFetched(); !got.Equal(first) {
		t.Errorf("a poll 30 s later for the same version was written: last fetched %v, want %v", got, first)
	}
	c.Set(first.Add(61 * time.Second))
	fetch()
	if got := lastFetched(); !got.Equal(c.Now()) {
		t.Errorf("a poll a minute later was not written: last fetched %v, want %v", got, c.Now())
	}
	// A new version is recorded at once, so staff never see a stale "has not
	// seen the change".
	p := sample.Demo(t)
	p.Sessions[0].Title += " (moved)"
	c.Advance(5 * time.Second)
	if _, err := st.Import(ctx, p, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	c.Advance(5 * time.Second)
	fetch()
	list, _ = svc.List(ctx, demo.Slug, false)
	if l := find(t, list, programme.FeedPerson, "omar-ansari"); !l.LastFetchedAt.Equal(c.Now()) || !l.Current {
		t.Errorf("the fetch of a new version 10 s after the last write: last fetched %v, current %v; want %v and current", l.LastFetchedAt, l.Current, c.Now())
	}
}

// TestOneETagOneBodyAcrossATombstoneDeadline renders one feed twice on the
// same day, before and after a tombstone's 30 days run out, with nothing in
// memory between the two (a restart, or the cache evicting it). Both renders
// carry the same strong ETag, so they must be the same bytes; the tombstone
// leaves the feed with the next day's ETag instead, never before its 30 days.
func TestOneETagOneBodyAcrossATombstoneDeadline(t *testing.T) {
	st, svc, c := setup(t)
	ctx := t.Context()
	list, err := svc.List(ctx, demo.Slug, true)
	if err != nil {
		t.Fatal(err)
	}
	token := tokenOf(t, find(t, list, programme.FeedPerson, "omar-ansari"))
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte{42}, feeds.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	// render uses a new Service each time, so nothing comes from memory.
	render := func(at time.Time) (etag string, body []byte) {
		t.Helper()
		c.Set(at)
		fresh := feeds.NewService(st, keys, "https://planner.example.org/", c.Now)
		f, err := fresh.Lookup(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		body, err = fresh.Render(ctx, f, token)
		if err != nil {
			t.Fatal(err)
		}
		return f.ETag, body
	}

	cancelledAt := time.Date(2016, 11, 21, 9, 0, 0, 0, time.UTC)
	c.Set(cancelledAt)
	p := sample.Demo(t)
	townHall := p.Session("town-hall")
	if townHall == nil {
		t.Fatal("the demo has no session town-hall")
	}
	townHall.Status = programme.StatusCancelled
	if rep := storetest.MustImport(t, st, p); !rep.Changed {
		t.Fatal("cancelling the Town Hall changed nothing")
	}
	tomb := []byte("UID:" + programme.UID(demo.Slug, "session/town-hall"))

	deadline := cancelledAt.Add(programme.TombstoneTTL)
	etagBefore, before := render(deadline.Add(-time.Hour))
	etagAfter, after := render(deadline.Add(time.Hour))
	if etagBefore != etagAfter {
		t.Fatalf("two renders on one day have ETags %s and %s; the test needs them equal", etagBefore, etagAfter)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("one ETag %s, two bodies: the tombstone is in one render (%v) and not the other (%v)",
			etagBefore, bytes.Contains(before, tomb), bytes.Contains(after, tomb))
	}
	if !bytes.Contains(after, tomb) {
		t.Error("the Town Hall's tombstone left the feed on the day its 30 days ran out")
	}
	nextDay := deadline.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	if etag, body := render(nextDay); etag == etagAfter || bytes.Contains(body, tomb) {
		t.Errorf("the next day: ETag %s (was %s), tombstone still there: %v; want a new ETag and no tombstone",
			etag, etagAfter, bytes.Contains(body, tomb))
	}
}

// TestRevokeAndRotateAFeedThatLeftTheListing covers a speaker taken off every
// slot: the speaker feed is no longer listed, but its URL still works (it
// carries the lost slots as tombstones), so staff must still be able to
// revoke or rotate it.
func TestRevokeAndRotateAFeedThatLeftTheListing(t *testing.T) {
	st, svc, c := setup(t)
	ctx := t.Context()
	list, err := svc.List(ctx, demo.Slug, true)
	if err != nil {
		t.Fatal(err)
	}
	token := tokenOf(t, find(t, list, programme.FeedSpeaker, "chris-painter"))

	c.Advance(time.Hour)
	p := sample.Demo(t)
	for i := range p.Sessions {
		for j := range p.Sessions[i].Slots {
			slot := &p.Sessions[i].Slots[j]
			slot.Speakers = slices.DeleteFunc(slot.Speakers, func(k string) bool { return k == "chris-painter" })
		}
	}
	storetest.MustImport(t, st, p)
	if _, err := svc.Lookup(ctx, token); err != nil {
		t.Fatalf("the former speaker's feed no longer answers: %v", err)
	}
	// Staff still see the feed, so that they know there is a URL to revoke.
	list, err = svc.List(ctx, demo.Slug, false)
	if err != nil {
		t.Fatal(err)
	}
	if l := find(t, list, programme.FeedSpeaker, "chris-painter"); !l.Former || l.Name != "Christopher Painter" || l.URL == "" {
		t.Errorf("the former speaker's feed is listed as %+v, want Former, named, with its URL", l)
	}
	if l := find(t, list, programme.FeedSpeaker, "lisel-fronz"); l.Former {
		t.Error("a speaker who still speaks is listed as a former feed")
	}
	f, err := svc.Lookup(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	body, err := svc.Render(ctx, f, token)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(body, []byte("X-WR-CALNAME:Christopher Painter — ")) {
		t.Error("the former speaker's feed lost its subject's name")
	}

	rotated, err := svc.Rotate(ctx, demo.Slug, programme.FeedSpeaker, "chris-painter")
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if _, err := svc.Lookup(ctx, token); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("the old URL still works after rotation: %v", err)
	}
	if err := svc.Revoke(ctx, demo.Slug, programme.FeedSpeaker, "chris-painter"); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if _, err := svc.Lookup(ctx, tokenOf(t, rotated)); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("the feed still answers after it was revoked: %v", err)
	}
	// A feed that never had a token is still not found.
	if err := svc.Revoke(ctx, demo.Slug, programme.FeedSpeaker, "nobody"); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("revoking a feed with no token: %v, want not found", err)
	}
	if _, err := svc.Rotate(ctx, demo.Slug, programme.FeedSpeaker, "nobody"); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("rotating a feed with no token: %v, want not found", err)
	}
}

func TestETagChangesWithTheBaseURL(t *testing.T) {
	st, svc, c := setup(t)
	// Events link to the programme page only while it is public.
	storetest.MustMakePublic(t, st, demo.Slug)
	ctx := t.Context()
	list, _ := svc.List(ctx, demo.Slug, true)
	token := tokenOf(t, find(t, list, programme.FeedPerson, "omar-ansari"))
	before, err := svc.Lookup(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := feeds.NewKeyring(bytes.Repeat([]byte{42}, feeds.KeySize))
	moved := feeds.NewService(st, keys, "https://agenda.example.org", c.Now)
	after, err := moved.Lookup(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if before.ETag == after.ETag {
		t.Error("the ETag stayed the same although every event's URL changed with the base URL")
	}
}

// TestPrivateProgrammeEventsLinkNowhere: the programme page of a private
// programme answers 404, so its events carry no URL at all (and never the
// feed's token); once an editor makes it public, they link to its items.
func TestPrivateProgrammeEventsLinkNowhere(t *testing.T) {
	st, svc, _ := setup(t)
	ctx := t.Context()
	list, err := svc.List(ctx, demo.Slug, true)
	if err != nil {
		t.Fatal(err)
	}
	token := tokenOf(t, find(t, list, programme.FeedPerson, "omar-ansari"))
	render := func() []byte {
		t.Helper()
		f, err := svc.Lookup(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		body, err := svc.Render(ctx, f, token)
		if err != nil {
			t.Fatal(err)
		}
		return body
	}
	body := render()
	if bytes.Contains(body, []byte("\r\nURL")) || bytes.Contains(body, []byte("/p/"+demo.Slug)) {
		t.Errorf("a private programme's events link somewhere:\n%s", body)
	}
	storetest.MustMakePublic(t, st, demo.Slug)
	if body := render(); !bytes.Contains(body, []byte("URL:https://planner.example.org/p/igf2016-cldp#run-day0-bus")) {
		t.Errorf("once public, the bus does not link to its item on the programme page:\n%s", body)
	}
}
