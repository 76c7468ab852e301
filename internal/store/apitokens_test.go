package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

func TestAPITokenLifecycle(t *testing.T) {
	s, clock := openClocked(t)
	ctx := t.Context()
	u := mustCreateUser(t, s, "Ed@example.org", programme.RoleEditor)

	tok, secret, err := s.CreateAPIToken(ctx, "ed@example.org", " sync script ")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, store.APITokenPrefix) || len(secret) < len(store.APITokenPrefix)+26 {
		t.Fatalf("secret %q: want %s and at least 128 random bits", secret, store.APITokenPrefix)
	}
	if tok.Name != "sync script" || tok.UserID != u.ID || tok.Email != "ed@example.org" {
		t.Fatalf("token = %+v", tok)
	}
	if _, _, err := s.CreateAPIToken(ctx, "ed@example.org", "sync script"); programme.ErrorCode(err) != programme.ECONFLICT {
		t.Fatalf("same name again: %v, want ECONFLICT", err)
	}
	if _, _, err := s.CreateAPIToken(ctx, "nobody@example.org", "x"); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Fatalf("unknown account: %v, want ENOTFOUND", err)
	}
	if _, _, err := s.CreateAPIToken(ctx, "ed@example.org", "  "); programme.ErrorCode(err) != programme.EINVALID {
		t.Fatalf("empty name: %v, want EINVALID", err)
	}

	got, who, err := s.APITokenUser(ctx, secret)
	if err != nil || who.ID != u.ID || got.ID != tok.ID || got.LastUsedAt == nil {
		t.Fatalf("APITokenUser = %+v, %+v, %v", got, who, err)
	}
	first := *got.LastUsedAt
	clock.Advance(10 * time.Second)
	got, _, _ = s.APITokenUser(ctx, secret)
	if !got.LastUsedAt.Equal(first) {
		t.Fatalf("last used moved within a minute: %v → %v", first, got.LastUsedAt)
	}
	later := clock.Advance(2 * time.Minute)
	got, _, _ = s.APITokenUser(ctx, secret)
	if !got.LastUsedAt.Equal(later.UTC()) {
		t.Fatalf("last used = %v, want %v", got.LastUsedAt, later.UTC())
	}

	for _, bad := range []string{"", "plnr_", secret + "x", strings.TrimPrefix(secret, store.APITokenPrefix)} {
		if _, _, err := s.APITokenUser(ctx, bad); programme.ErrorCode(err) != programme.ENOTFOUND {
			t.Errorf("APITokenUser(%q) = %v, want ENOTFOUND", bad, err)
		}
	}

	list, err := s.APITokens(ctx, "")
	if err != nil || len(list) != 1 || list[0].ID != tok.ID || list[0].Email != "ed@example.org" {
		t.Fatalf("APITokens = %+v, %v", list, err)
	}
	if err := s.RevokeAPIToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.APITokenUser(ctx, secret); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Fatalf("revoked token still works: %v", err)
	}
	if err := s.RevokeAPIToken(ctx, 999); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Fatalf("revoke unknown: %v", err)
	}
	list, _ = s.APITokens(ctx, "ed@example.org")
	if len(list) != 1 || list[0].RevokedAt == nil {
		t.Fatalf("after revoke: %+v", list)
	}
	// The name is free again once its token is revoked.
	if _, _, err := s.CreateAPIToken(ctx, "ed@example.org", "sync script"); err != nil {
		t.Fatal(err)
	}
}

func TestAPITokensGoWithTheirAccount(t *testing.T) {
	s := openClocked2(t)
	ctx := t.Context()
	mustCreateUser(t, s, "admin@example.org", programme.RoleAdmin)
	mustCreateUser(t, s, "ed@example.org", programme.RoleEditor)
	_, secret, err := s.CreateAPIToken(ctx, "ed@example.org", "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveUser(ctx, "ed@example.org"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.APITokenUser(ctx, secret); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Fatalf("token of a removed account: %v", err)
	}
}

func openClocked2(t *testing.T) *store.Store { s, _ := openClocked(t); return s }
