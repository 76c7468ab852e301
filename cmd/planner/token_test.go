package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/api"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

func TestTokenCreateListRevoke(t *testing.T) {
	env := testEnv(t)
	if r := planner(t, env, "correct horse battery\n", "user", "add", "ed@example.org", "--role", "editor", "--name", "Ed"); r.code != 0 {
		t.Fatalf("user add: exit %d\n%s", r.code, r.stderr)
	}
	r := planner(t, env, "", "token", "create", "ED@example.org", "--name", "sync")
	if r.code != 0 {
		t.Fatalf("token create: exit %d\n%s", r.code, r.stderr)
	}
	secret := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(secret, store.APITokenPrefix) || strings.Contains(r.stderr, secret) {
		t.Fatalf("stdout %q, stderr %q", r.stdout, r.stderr)
	}

	// The token works against the API over the same database.
	st := storetest.OpenURL(t, env["DATABASE_URL"])
	h := api.New(api.Config{Store: st})
	req := httptest.NewRequest("GET", "/api/v1/programmes", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("the new token: %d %s", rec.Code, rec.Body)
	}

	list := mustPlanner(t, env, "token", "list")
	if !strings.HasPrefix(list, "1\ted@example.org\tsync\t") || strings.Contains(list, secret) {
		t.Fatalf("token list:\n%s", list)
	}
	wantFailure(t, planner(t, env, "", "token", "create", "ed@example.org", "--name", "sync"), 2, "already has a token")
	wantFailure(t, planner(t, env, "", "token", "create", "nobody@example.org", "--name", "x"), 2, "no account")
	wantFailure(t, planner(t, env, "", "token", "revoke", "x"), 2, "token ID")
	wantFailure(t, planner(t, env, "", "token", "revoke", "42"), 2, "no token 42")
	if got := mustPlanner(t, env, "token", "revoke", "1"); got != "revoked token 1\n" {
		t.Fatalf("token revoke: %q", got)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("a revoked token: %d", rec.Code)
	}
}
