package store_test

import (
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// TestFeedChangeSeqCountsWhatFeedsDependOn checks that imports, revocations
// and rotations raise the counter, and that fetch records and new tokens
// (which no server keeps yet) do not.
func TestFeedChangeSeqCountsWhatFeedsDependOn(t *testing.T) {
	s, _ := openClocked(t)
	ctx := t.Context()
	seq := func() int64 { t.Helper(); return changeSeq(t, s) }
	raised := func(what string, before int64) int64 {
		t.Helper()
		after := seq()
		if after <= before {
			t.Errorf("%s left the counter at %d", what, after)
		}
		return after
	}
	unchanged := func(what string, before int64) {
		t.Helper()
		if after := seq(); after != before {
			t.Errorf("%s raised the counter from %d to %d", what, before, after)
		}
	}
	n := seq()
	storetest.MustImport(t, s, fixture(t))
	n = raised("an import", n)
	const slug = "igf2016-cldp"
	tok, _, err := s.CreateFeedToken(ctx, slug, "delegation", "af", "nonce-1", hashOf("token-1"))
	if err != nil {
		t.Fatal(err)
	}
	unchanged("a new token", n)
	if err := s.RecordFeedFetch(ctx, tok.ID, t0, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordFeedFetches(ctx, []store.FeedFetch{{ID: tok.ID, At: t0.Add(time.Minute), Version: 1}}); err != nil {
		t.Fatal(err)
	}
	unchanged("recording fetches", n)
	if _, err := s.ReplaceFeedToken(ctx, slug, "delegation", "af", "nonce-2", hashOf("token-2")); err != nil {
		t.Fatal(err)
	}
	n = raised("a rotation", n)
	if err := s.RevokeFeedToken(ctx, slug, "delegation", "af"); err != nil {
		t.Fatal(err)
	}
	n = raised("a revocation", n)
	p := fixture(t)
	p.Sessions[0].Title += " (moved)"
	storetest.MustImport(t, s, p)
	raised("a changed import", n)

	versions, err := s.ProgrammeVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := s.ProgrammeVersion(ctx, slug)
	if err != nil || versions[slug].Version != v {
		t.Errorf("ProgrammeVersions = %+v; ProgrammeVersion = %d, %v", versions, v, err)
	}
}

// TestRecordFeedFetchesWritesEveryFetch checks the batched fetch record.
func TestRecordFeedFetchesWritesEveryFetch(t *testing.T) {
	s, _ := openClocked(t)
	ctx := t.Context()
	storetest.MustImport(t, s, fixture(t))
	const slug = "igf2016-cldp"
	a, _, err := s.CreateFeedToken(ctx, slug, "delegation", "af", "nonce-a", hashOf("token-a"))
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := s.CreateFeedToken(ctx, slug, "delegation", "pk", "nonce-b", hashOf("token-b"))
	if err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Hour)
	if err := s.RecordFeedFetches(ctx, []store.FeedFetch{{ID: a.ID, At: at, Version: 3}, {ID: b.ID, At: at.Add(time.Second), Version: 4}}); err != nil {
		t.Fatal(err)
	}
	tokens, err := s.FeedTokens(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		want, version := at, int64(3)
		if tok.ID == b.ID {
			want, version = at.Add(time.Second), 4
		}
		if tok.LastFetchedAt == nil || !tok.LastFetchedAt.Equal(want) || tok.LastFetchedVersion != version {
			t.Errorf("token %s/%s: last fetched %v, version %d; want %v, %d", tok.Kind, tok.Key, tok.LastFetchedAt, tok.LastFetchedVersion, want, version)
		}
	}
	if programme.ErrorCode(s.RecordFeedFetches(ctx, nil)) != "" {
		t.Error("recording no fetches failed")
	}
}

// TestRecordFeedFetchesNeverGoesBack: servers flush their batches of fetches
// in any order; an older fetch flushed after a newer one changes nothing.
func TestRecordFeedFetchesNeverGoesBack(t *testing.T) {
	s, _ := openClocked(t)
	ctx := t.Context()
	storetest.MustImport(t, s, fixture(t))
	const slug = "igf2016-cldp"
	a, _, err := s.CreateFeedToken(ctx, slug, "delegation", "af", "nonce-a", hashOf("token-a"))
	if err != nil {
		t.Fatal(err)
	}
	newer, older := t0.Add(time.Hour), t0.Add(time.Hour-5*time.Second)
	for _, f := range []store.FeedFetch{{ID: a.ID, At: newer, Version: 4}, {ID: a.ID, At: older, Version: 3}} {
		// Two servers' batches, the newer fetch flushed first.
		if err := s.RecordFeedFetches(ctx, []store.FeedFetch{f}); err != nil {
			t.Fatal(err)
		}
	}
	tokens, err := s.FeedTokens(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		if tok.ID == a.ID && (tok.LastFetchedAt == nil || !tok.LastFetchedAt.Equal(newer) || tok.LastFetchedVersion != 4) {
			t.Errorf("last fetched %v, version %d; want the newer fetch %v, 4", tok.LastFetchedAt, tok.LastFetchedVersion, newer)
		}
	}
}
