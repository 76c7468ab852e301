package feeds_test

import (
	"testing"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/programme"
)

func TestPageURLOf(t *testing.T) {
	_, svc, _ := setup(t)
	ctx := t.Context()
	list, err := svc.List(ctx, demo.Slug, true)
	if err != nil {
		t.Fatal(err)
	}
	omar := find(t, list, programme.FeedPerson, "omar-ansari")
	if got, want := svc.PageURLOf(omar), "https://planner.example.org/a/"+tokenOf(t, omar); got != want {
		t.Errorf("PageURLOf = %q, want %q", got, want)
	}
	// The page behind the URL is the feed's own.
	f, err := svc.Lookup(ctx, tokenOf(t, omar))
	if err != nil || f.Token.Kind != string(programme.FeedPerson) || f.Token.Key != "omar-ansari" {
		t.Fatalf("Lookup of the token: %+v, %v", f, err)
	}

	if err := svc.Revoke(ctx, demo.Slug, programme.FeedPerson, "omar-ansari"); err != nil {
		t.Fatal(err)
	}
	list, err = svc.List(ctx, demo.Slug, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := svc.PageURLOf(find(t, list, programme.FeedPerson, "omar-ansari")); got != "" {
		t.Errorf("PageURLOf a revoked feed = %q, want empty", got)
	}
}
