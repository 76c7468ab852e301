package store_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/planner-dev/planner/internal/store/storetest"
)

func TestKeyFingerprintIsRecordedOnce(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	if fp, err := s.KeyFingerprint(ctx); err != nil || fp != "" {
		t.Fatalf("KeyFingerprint on a new database = %q, %v; want none", fp, err)
	}
	if got, err := s.RecordKeyFingerprint(ctx, "aaaa"); err != nil || got != "aaaa" {
		t.Fatalf("first RecordKeyFingerprint = %q, %v; want aaaa", got, err)
	}
	// A second key does not replace the first: the caller learns which
	// one the database keeps.
	if got, err := s.RecordKeyFingerprint(ctx, "bbbb"); err != nil || got != "aaaa" {
		t.Fatalf("second RecordKeyFingerprint = %q, %v; want the first, aaaa", got, err)
	}
	if fp, err := s.KeyFingerprint(ctx); err != nil || fp != "aaaa" {
		t.Fatalf("KeyFingerprint = %q, %v; want aaaa", fp, err)
	}
}

func TestKeyFingerprintRecordedAtOnceHasOneWinner(t *testing.T) {
	url := storetest.FreshURL(t)
	first := storetest.OpenURL(t, url)
	if err := first.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	const n = 6
	got := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		s := storetest.OpenURL(t, url)
		wg.Go(func() { got[i], errs[i] = s.RecordKeyFingerprint(t.Context(), string(rune('a'+i))) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || got[i] != got[0] {
			t.Errorf("recorder %d: %q, %v; want every recorder to get %q", i, got[i], errs[i], got[0])
		}
	}
}

func TestSomeFeedTokenSkipsRevokedTokens(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	if _, _, ok, err := s.SomeFeedToken(ctx); err != nil || ok {
		t.Fatalf("SomeFeedToken on a new database: ok=%v, %v; want none", ok, err)
	}
	p := fixture(t)
	storetest.MustImport(t, s, p)
	hash := bytes.Repeat([]byte{7}, 32)
	if _, _, err := s.CreateFeedToken(ctx, p.Slug, "programme", p.Slug, "nonce-1", hash); err != nil {
		t.Fatal(err)
	}
	nonce, got, ok, err := s.SomeFeedToken(ctx)
	if err != nil || !ok || nonce != "nonce-1" || !bytes.Equal(got, hash) {
		t.Fatalf("SomeFeedToken = %q, %x, %v, %v; want nonce-1 and its hash", nonce, got, ok, err)
	}
}
