package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

func hashOf(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func TestFeedTokenLifecycle(t *testing.T) {
	s, clock := openClocked(t)
	ctx := t.Context()
	storetest.MustImport(t, s, fixture(t))
	const slug = "igf2016-cldp"

	tok, created, err := s.CreateFeedToken(ctx, slug, "delegation", "af", "nonce-1", hashOf("token-1"))
	if err != nil || !created {
		t.Fatalf("CreateFeedToken = %+v, %v, %v; want a new token", tok, created, err)
	}
	want := store.FeedToken{ID: tok.ID, Programme: slug, Kind: "delegation", Key: "af", Nonce: "nonce-1",
		Hash: hashOf("token-1"), CreatedAt: t0.UTC()}
	if !equalTokens(tok, want) {
		t.Errorf("created token = %+v, want %+v", tok, want)
	}

	// Creating again returns the stored token unchanged.
	clock.Advance(time.Minute)
	again, created, err := s.CreateFeedToken(ctx, slug, "delegation", "af", "nonce-2", hashOf("token-2"))
	if err != nil || created || !equalTokens(again, want) {
		t.Errorf("second CreateFeedToken = %+v, %v, %v; want the first token and created=false", again, created, err)
	}

	found, err := s.FeedTokenByHash(ctx, hashOf("token-1"))
	if err != nil || !equalTokens(found, want) {
		t.Errorf("FeedTokenByHash = %+v, %v; want %+v", found, err, want)
	}

	fetched := time.Date(2016, 12, 5, 10, 0, 0, 0, time.FixedZone("CST", -6*3600))
	if err := s.RecordFeedFetch(ctx, tok.ID, fetched, 7); err != nil {
		t.Fatalf("RecordFeedFetch: %v", err)
	}
	found, _ = s.FeedTokenByHash(ctx, hashOf("token-1"))
	if found.LastFetchedAt == nil || !found.LastFetchedAt.Equal(fetched) || found.LastFetchedAt.Location() != time.UTC || found.LastFetchedVersion != 7 {
		t.Errorf("after a fetch: LastFetchedAt=%v LastFetchedVersion=%d, want %v (UTC) and 7", found.LastFetchedAt, found.LastFetchedVersion, fetched)
	}

	t2 := clock.Advance(time.Minute)
	if err := s.RevokeFeedToken(ctx, slug, "delegation", "af"); err != nil {
		t.Fatalf("RevokeFeedToken: %v", err)
	}
	if _, err := s.FeedTokenByHash(ctx, hashOf("token-1")); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("FeedTokenByHash of a revoked token = %v, want ENOTFOUND", err)
	}
	clock.Advance(time.Minute)
	if err := s.RevokeFeedToken(ctx, slug, "delegation", "af"); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	list, err := s.FeedTokens(ctx, slug)
	if err != nil || len(list) != 1 || list[0].Hash != nil || list[0].RevokedAt == nil || !list[0].RevokedAt.Equal(t2) {
		t.Errorf("FeedTokens after revocation = %+v, %v; want one token, no hash, revoked at %v", list, err, t2)
	}

	t3 := clock.Advance(time.Minute)
	replaced, err := s.ReplaceFeedToken(ctx, slug, "delegation", "af", "nonce-3", hashOf("token-3"))
	wantReplaced := store.FeedToken{ID: tok.ID, Programme: slug, Kind: "delegation", Key: "af", Nonce: "nonce-3",
		Hash: hashOf("token-3"), CreatedAt: t3.UTC()}
	if err != nil || !equalTokens(replaced, wantReplaced) {
		t.Errorf("ReplaceFeedToken = %+v, %v; want %+v", replaced, err, wantReplaced)
	}
	if _, err := s.FeedTokenByHash(ctx, hashOf("token-3")); err != nil {
		t.Errorf("the replacement token does not work: %v", err)
	}
	if _, err := s.FeedTokenByHash(ctx, hashOf("token-1")); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("the old token still works: %v", err)
	}
}

func TestFeedTokensOrderAndErrors(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	storetest.MustImport(t, s, fixture(t))
	const slug = "igf2016-cldp"
	for _, sub := range [][2]string{{"person", "syed-shah"}, {"delegation", "pk"}, {"person", "omar-ansari"}, {"delegation", "af"}} {
		if _, _, err := s.CreateFeedToken(ctx, slug, sub[0], sub[1], "n-"+sub[1], hashOf(sub[0]+sub[1])); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.FeedTokens(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tok := range list {
		got = append(got, tok.Kind+"/"+tok.Key)
	}
	if want := "delegation/af delegation/pk person/omar-ansari person/syed-shah"; join(got) != want {
		t.Errorf("FeedTokens order = %s, want %s", join(got), want)
	}

	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"create in an unknown programme", func() error {
			_, _, err := s.CreateFeedToken(ctx, "nope", "delegation", "af", "n", hashOf("x"))
			return err
		}, programme.ENOTFOUND},
		{"create with a short hash", func() error {
			_, _, err := s.CreateFeedToken(ctx, slug, "delegation", "af", "n", []byte("short"))
			return err
		}, programme.EINVALID},
		{"create without a nonce", func() error {
			_, _, err := s.CreateFeedToken(ctx, slug, "delegation", "zz", "", hashOf("y"))
			return err
		}, programme.EINVALID},
		{"create with a hash already used", func() error {
			_, _, err := s.CreateFeedToken(ctx, slug, "person", "joe-gattuso", "n", hashOf("delegationaf"))
			return err
		}, programme.ECONFLICT},
		{"replace a missing token", func() error {
			_, err := s.ReplaceFeedToken(ctx, slug, "person", "joe-gattuso", "n", hashOf("z"))
			return err
		}, programme.ENOTFOUND},
		{"revoke a missing token", func() error { return s.RevokeFeedToken(ctx, slug, "person", "joe-gattuso") }, programme.ENOTFOUND},
		{"fetch of a missing token", func() error { return s.RecordFeedFetch(ctx, 1<<40, time.Now(), 1) }, programme.ENOTFOUND},
		{"list of an unknown programme", func() error { _, err := s.FeedTokens(ctx, "nope"); return err }, programme.ENOTFOUND},
		{"look up no hash", func() error { _, err := s.FeedTokenByHash(ctx, nil); return err }, programme.ENOTFOUND},
		{"look up an unknown hash", func() error { _, err := s.FeedTokenByHash(ctx, hashOf("unknown")); return err }, programme.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); programme.ErrorCode(err) != tt.code {
				t.Errorf("error %v, want code %q", err, tt.code)
			}
		})
	}
}

func TestCreateFeedTokenConcurrently(t *testing.T) {
	s := storetest.Open(t)
	storetest.MustImport(t, s, fixture(t))
	const n = 8
	var wg sync.WaitGroup
	results := make([]store.FeedToken, n)
	createdCount := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			token := string(rune('a' + i))
			results[i], createdCount[i], errs[i] = s.CreateFeedToken(t.Context(), "igf2016-cldp", "person", "omar-ansari", "n"+token, hashOf(token))
		})
	}
	wg.Wait()
	created := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("writer %d: %v", i, errs[i])
			continue
		}
		if createdCount[i] {
			created++
		}
		if !bytes.Equal(results[i].Hash, results[0].Hash) {
			t.Errorf("writer %d got hash %x, writer 0 %x: want the same token", i, results[i].Hash, results[0].Hash)
		}
	}
	if created != 1 {
		t.Errorf("%d writers created the token, want exactly 1", created)
	}
}

func equalTokens(a, b store.FeedToken) bool {
	timeEq := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	return a.ID == b.ID && a.Programme == b.Programme && a.Kind == b.Kind && a.Key == b.Key && a.Nonce == b.Nonce &&
		bytes.Equal(a.Hash, b.Hash) && a.CreatedAt.Equal(b.CreatedAt) && timeEq(a.RevokedAt, b.RevokedAt) &&
		timeEq(a.LastFetchedAt, b.LastFetchedAt) && a.LastFetchedVersion == b.LastFetchedVersion
}

func join(s []string) string {
	var b bytes.Buffer
	for i, v := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(v)
	}
	return b.String()
}

func TestActiveFeedTokenHashes(t *testing.T) {
	s, _ := openClocked(t)
	ctx := t.Context()
	storetest.MustImport(t, s, fixture(t))
	const slug = "igf2016-cldp"
	for _, k := range []string{"af", "pk"} {
		if _, _, err := s.CreateFeedToken(ctx, slug, "delegation", k, "nonce-"+k, hashOf("token-"+k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RevokeFeedToken(ctx, slug, "delegation", "af"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceFeedToken(ctx, slug, "delegation", "pk", "nonce-pk2", hashOf("token-pk2")); err != nil {
		t.Fatal(err)
	}
	// More hashes than one query takes, so that every chunk is asked.
	hashes := [][]byte{hashOf("token-af"), hashOf("token-pk")}
	for i := range 1200 {
		hashes = append(hashes, hashOf(fmt.Sprint("unknown-", i)))
	}
	hashes = append(hashes, hashOf("token-pk2"))
	active, err := s.ActiveFeedTokenHashes(ctx, hashes)
	if err != nil {
		t.Fatalf("ActiveFeedTokenHashes: %v", err)
	}
	want := map[string]bool{string(hashOf("token-pk2")): true}
	if len(active) != len(want) || !active[string(hashOf("token-pk2"))] {
		t.Errorf("active = %d hashes, want only the rotated token's new hash", len(active))
	}
	if active, err := s.ActiveFeedTokenHashes(ctx, nil); err != nil || len(active) != 0 {
		t.Errorf("no hashes: %v, %v; want none and no error", active, err)
	}
}

func TestCancelledQueryIsNotAnOutage(t *testing.T) {
	s := storetest.Open(t)
	// A query that takes long enough on either dialect to be cut off while
	// it runs, which is what a client going away mid-request does.
	slow := "SELECT count(*) FROM generate_series(1, 100000000)"
	if s.Dialect() == store.DialectSQLite {
		slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) SELECT count(*) FROM n"
	}
	for _, when := range []string{"before", "during"} {
		t.Run(when, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			if when == "before" {
				cancel()
			} else {
				go func() { time.Sleep(50 * time.Millisecond); cancel() }()
			}
			defer cancel()
			err := store.WrapForTest(s, s.DB().WithContext(ctx).Exec(slow).Error, "cannot count")
			if err == nil {
				t.Fatal("the slow query finished despite the cancellation")
			}
			if code := programme.ErrorCode(err); code == programme.EUNAVAILABLE {
				t.Errorf("a cancelled query is %q (%v), want anything but an outage", code, err)
			}
			if !errors.Is(err, context.Canceled) && s.Dialect() == store.DialectPostgres {
				t.Errorf("the cause %v is not context.Canceled", err)
			}
		})
	}
}
