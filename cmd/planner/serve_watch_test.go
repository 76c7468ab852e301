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
