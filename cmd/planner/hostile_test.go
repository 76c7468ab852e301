package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/demo"
	corpus "github.com/planner-dev/planner/internal/hostile"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// TestHostileInputs runs `planner import` on every programme file of the
// corpus of bad inputs (internal/hostile) and `planner calendar import` on
// every calendar: each must exit non-zero with a message that names the file
// and what is wrong, and leave every row of every table as it was.
func TestHostileInputs(t *testing.T) {
	env := testEnv(t)
	mustPlanner(t, env, "demo")
	st := storetest.OpenURL(t, env["DATABASE_URL"])
	snapshot := func() corpus.Snapshot {
		t.Helper()
		s, err := corpus.Take(t.Context(), st.DB())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := snapshot()
	dir := t.TempDir()
	counts := map[string]int{}
	check := func(way, name string, data []byte, args ...string) {
		t.Helper()
		counts[way]++
		file := filepath.Join(dir, name+filepath.Ext(args[len(args)-1]))
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		args[len(args)-1] = file
		r := planner(t, env, "", args...)
		if r.code == 0 {
			t.Errorf("%s %s: exit 0, want a refusal\nstdout:\n%s\nstderr:\n%s", way, name, r.stdout, r.stderr)
		}
		// The message says where: the file, and a line or a field in it
		// (or the file as a whole: "the file is …").
		if msg := r.stderr; !strings.Contains(msg, "planner:") || strings.TrimSpace(strings.TrimPrefix(msg, "planner:")) == "" {
			t.Errorf("%s %s: exit %d without a message:\n%s", way, name, r.code, msg)
		}
		if strings.Contains(r.stderr, "internal error") || strings.Contains(r.stderr, "panic") {
			t.Errorf("%s %s: exit %d with an internal error:\n%s", way, name, r.code, r.stderr)
		}
		if os.Getenv("HOSTILE_SHOW") != "" {
			fmt.Printf("== %s %s: %d\n%s", way, name, r.code, r.stderr)
		}
		after := snapshot()
		if d := base.Diff(after); d != "" {
			t.Errorf("%s %s: exit %d, and the database changed:\n%s", way, name, r.code, d)
			base = after
		}
	}
	for _, in := range corpus.Files("programme") {
		check("planner import", in.Name, in.Data, "import", "x.json")
	}
	check("planner import", "larger-than-8-mib", []byte(`{"format": "delegation-programme/v1", "programme": {"slug": "huge", "description": "`+
		strings.Repeat("a", 9<<20)+`"}}`), "import", "x.json")
	for _, in := range corpus.Files("ics") {
		check("planner calendar import", in.Name, in.Data,
			"calendar", "import", "--source", "hostile", "--pick", "talk@host.example", "--delegation", "af", demo.Slug, "x.ics")
	}
	total := 0
	for _, way := range []string{"planner import", "planner calendar import"} {
		t.Logf("%-28s %4d bad inputs", way, counts[way])
		fmt.Printf("hostile: %-28s %4d bad inputs\n", way, counts[way])
		total += counts[way]
	}
	if total < 150 {
		t.Errorf("the corpus has %d bad inputs for the command line, want at least 150", total)
	}
}
