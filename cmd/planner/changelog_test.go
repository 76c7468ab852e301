package main

import (
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// TestCommandsRecordTheirChanges: planner demo and planner import are
// recorded in the change log with who ran them, the demo is public, and an
// account's name given to user add is the name the log shows.
func TestCommandsRecordTheirChanges(t *testing.T) {
	env := testEnv(t)
	mustPlanner(t, env, "demo")
	mustPlanner(t, env, "import", "testdata/small.json")
	r := planner(t, env, "correct horse battery\n", "user", "add", "emily@example.org", "--role", "editor", "--name", "Emily Skills")
	if r.code != 0 {
		t.Fatalf("user add --name: exit %d\n%s", r.code, r.stderr)
	}
	wantFailure(t, planner(t, env, "correct horse battery\n", "user", "add", "bo@example.org", "--role", "editor", "--name", "Bo\x07"), 2, "name")

	st := storetest.OpenURL(t, env["DATABASE_URL"])
	demo, err := st.Programme(t.Context(), "igf2016-cldp")
	if err != nil || !demo.Public {
		t.Fatalf("the demo is not public: %v", err)
	}
	h, err := st.History(t.Context(), "igf2016-cldp", 0)
	if err != nil || len(h) != 2 {
		t.Fatalf("demo history: %d changes, %v; want the import and making it public", len(h), err)
	}
	for _, ch := range h {
		if !strings.HasPrefix(ch.Author.Name, "planner demo") || ch.Source != programme.SourceDemo {
			t.Errorf("demo change recorded as by %q from %q", ch.Author.Name, ch.Source)
		}
	}
	small, err := st.Programmes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range small {
		if p.Slug == "igf2016-cldp" {
			continue
		}
		if p.Public {
			t.Errorf("%s was made public by an import", p.Slug)
		}
		h, err := st.History(t.Context(), p.Slug, 0)
		if err != nil || len(h) != 1 || !strings.HasPrefix(h[0].Author.Name, "planner import") || h[0].Source != programme.SourceCLI {
			t.Errorf("%s: history %+v, %v", p.Slug, h, err)
		}
	}
	users, err := st.Users(t.Context())
	if err != nil || len(users) != 1 || users[0].Name != "Emily Skills" {
		t.Errorf("users %+v, %v", users, err)
	}
}
