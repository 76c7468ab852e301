package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
)

// TestServeLearnsOfRevocationsElsewhere revokes a link with `planner feeds`
// while `serve` keeps its feed in memory: serve's watch must drop it without
// anyone asking for the link again.
func TestServeLearnsOfRevocationsElsewhere(t *testing.T) {
	env := with(testEnv(t), "PLANNER_LOG_LEVEL", "info")
	srv := startServer(t, env, "--demo")
	const omar = "person:omar-ansari"
	link := feedURLs(t, mustPlanner(t, env, "feeds", demo.Slug))[omar]
	path := link[strings.Index(link, "/feeds/"):]
	if status, _ := get(t, srv.url+path); status != http.StatusOK {
		t.Fatalf("GET the feed: %d, want 200", status)
	}
	mustPlanner(t, env, "feeds", "--revoke", omar, demo.Slug)
	// Waiting for the condition, not for a time: the watch checks every
	// five seconds.
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(srv.stderr.String(), "dropped feed links revoked or rotated elsewhere") {
		if time.Now().After(deadline) {
			t.Fatalf("serve never dropped the link revoked elsewhere; its log:\n%s", srv.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeLearnsOfTokenRevocationsElsewhere revokes an API token with
// `planner token revoke` while `serve` answers it from memory: the watch
// must end it within a few seconds (a check every second, trusted for
// feeds.ChangeTrustWindow), without a restart.
func TestServeLearnsOfTokenRevocationsElsewhere(t *testing.T) {
	env := testEnv(t)
	if r := planner(t, env, "correct horse battery\n", "user", "add", "ed@example.org", "--role", "editor"); r.code != 0 {
		t.Fatalf("user add: exit %d\n%s", r.code, r.stderr)
	}
	secret := strings.TrimSpace(mustPlanner(t, env, "token", "create", "ed@example.org", "--name", "script"))
	srv := startServer(t, env)
	status := func() int {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.url+"/api/v1/programmes", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for range 3 {
		if got := status(); got != http.StatusOK {
			t.Fatalf("the token: %d, want 200", got)
		}
	}
	mustPlanner(t, env, "token", "revoke", "1")
	deadline := time.Now().Add(10 * time.Second)
	for status() != http.StatusUnauthorized {
		if time.Now().After(deadline) {
			t.Fatal("a token revoked elsewhere still works 10s later")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
