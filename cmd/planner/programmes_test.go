package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// decodeJSON decodes a document into plain values, so that two documents
// compare equal when they say the same thing, whatever their layout.
func decodeJSON(t *testing.T, name string, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", name, err, data)
	}
	return v
}

// fixture returns the contents of a file in testdata.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sessionStatuses returns each session's status in an exported programme.
func sessionStatuses(t *testing.T, export string) map[string]string {
	t.Helper()
	var doc struct {
		Sessions []struct {
			Key    string `json:"key"`
			Status string `json:"status"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal([]byte(export), &doc); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	out := map[string]string{}
	for _, s := range doc.Sessions {
		out[s.Key] = s.Status
	}
	return out
}

func TestDemoExportsTheDemoFile(t *testing.T) {
	env := testEnv(t)
	if out := mustPlanner(t, env, "demo"); !strings.Contains(out, "igf2016-cldp: imported") {
		t.Errorf("demo printed %q, want it to report the import", out)
	}
	first := mustPlanner(t, env, "export", demo.Slug)
	if got, want := decodeJSON(t, "export", []byte(first)), decodeJSON(t, "demo.JSON", demo.JSON); !reflect.DeepEqual(got, want) {
		t.Errorf("export of the demo differs from internal/demo/igf2016-cldp.json:\n%s", first)
	}

	// The demo is idempotent: a second run changes nothing at all.
	if out := mustPlanner(t, env, "demo"); !strings.Contains(out, "nothing changed") {
		t.Errorf("second demo printed %q, want \"nothing changed\"", out)
	}
	if second := mustPlanner(t, env, "export", demo.Slug); second != first {
		t.Errorf("export changed after a second demo:\nbefore:\n%s\nafter:\n%s", first, second)
	}

	// Export, import into an empty database, export again: the same bytes.
	file := filepath.Join(t.TempDir(), "export.json")
	if err := os.WriteFile(file, []byte(first), 0o600); err != nil {
		t.Fatal(err)
	}
	other := storetest.FreshURL(t)
	mustPlanner(t, env, "--database", other, "import", file)
	if again := mustPlanner(t, env, "--database", other, "export", demo.Slug); again != first {
		t.Errorf("export after import into a fresh database differs:\nfirst:\n%s\nagain:\n%s", first, again)
	}
}

func TestImport(t *testing.T) {
	small := fixture(t, "small.json")
	tests := []struct {
		name  string
		args  []string
		stdin string
	}{
		{"from a file", []string{"import", filepath.Join("testdata", "small.json")}, ""},
		{"from standard input", []string{"import", "-"}, string(small)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t)
			r := planner(t, env, tt.stdin, tt.args...)
			if r.code != 0 {
				t.Fatalf("import: exit code %d\nstderr:\n%s", r.code, r.stderr)
			}
			if !strings.Contains(r.stdout, "small: imported (7 created") {
				t.Errorf("import printed %q, want it to report 7 items created", r.stdout)
			}
			export := mustPlanner(t, env, "export", "small")
			if got, want := decodeJSON(t, "export", []byte(export)), decodeJSON(t, "small.json", small); !reflect.DeepEqual(got, want) {
				t.Errorf("export differs from the imported file:\n%s", export)
			}
			// The same file again is recognised as such.
			r = planner(t, env, tt.stdin, tt.args...)
			if r.code != 0 || !strings.Contains(r.stdout, "nothing changed") {
				t.Errorf("second import: exit code %d, stdout %q, want success and \"nothing changed\"", r.code, r.stdout)
			}
		})
	}
}

// TestImportRejectsEveryError checks that a file with several problems is
// rejected as a whole, that every problem is named with its path, and that
// the programme already in the database is left exactly as it was.
func TestImportRejectsEveryError(t *testing.T) {
	env := testEnv(t)
	mustPlanner(t, env, "import", filepath.Join("testdata", "small.json"))
	before := mustPlanner(t, env, "export", "small")

	tests := []struct {
		name  string
		args  []string
		stdin string
	}{
		{"from a file", []string{"import", filepath.Join("testdata", "several-errors.json")}, ""},
		{"from standard input", []string{"import", "-"}, string(fixture(t, "several-errors.json"))},
		{"with --prune", []string{"import", "--prune", filepath.Join("testdata", "several-errors.json")}, ""},
		{"with --dry-run", []string{"import", "--dry-run", filepath.Join("testdata", "several-errors.json")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := planner(t, env, tt.stdin, tt.args...)
			wantFailure(t, r, 2,
				"The programme file has 5 problems",
				`sessions[0].time_zone: "Mars/Olympus_Mons" is not a known IANA time zone`,
				"sessions[1].ends_at: ends before it starts",
				`sessions[1].room: refers to room "room-99"`,
				`people[2].key: "omar-ansari" is already the key of people[0]`,
				"sessions[2].starts_at: 2016-03-13T02:30 does not exist in America/New_York",
			)
			if after := mustPlanner(t, env, "export", "small"); after != before {
				t.Errorf("a rejected import changed the programme:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

func TestImportBadFiles(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		wants []string
	}{
		{"syntax error", "syntax-error.json", []string{"not valid JSON", "line 6, column 5"}},
		{"missing file", "no-such-file.json", []string{"cannot read", "no-such-file.json"}},
		{"a directory", ".", []string{"cannot read testdata: it is a directory, not a programme file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t)
			wantFailure(t, planner(t, env, "", "import", filepath.Join("testdata", tt.file)), 2, tt.wants...)
			wantFailure(t, planner(t, env, "", "export", "small"), 1, "not found")
		})
	}
}

func TestImportWarnsAboutUnknownFields(t *testing.T) {
	file := filepath.Join("testdata", "unknown-fields.json")
	tests := []struct {
		name  string
		arg   string
		stdin string
		label string
	}{
		{"from a file", file, "", file},
		{"from standard input", "-", string(fixture(t, "unknown-fields.json")), "standard input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t)
			r := planner(t, env, tt.stdin, "import", tt.arg)
			if r.code != 0 {
				t.Fatalf("import: exit code %d\nstderr:\n%s", r.code, r.stderr)
			}
			for _, want := range []string{
				tt.label + ": warning: programme.colour: unknown field",
				tt.label + ": warning: sessions[0].catering: unknown field",
			} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr does not warn %q:\n%s", want, r.stderr)
				}
			}
			// The unknown fields stay out of the database.
			export := mustPlanner(t, env, "export", "small")
			if got, want := decodeJSON(t, "export", []byte(export)), decodeJSON(t, "small.json", fixture(t, "small.json")); !reflect.DeepEqual(got, want) {
				t.Errorf("export differs from the file without its unknown fields:\n%s", export)
			}
		})
	}
}

func TestImportDryRunChangesNothing(t *testing.T) {
	t.Run("new programme", func(t *testing.T) {
		env := testEnv(t)
		out := mustPlanner(t, env, "import", "--dry-run", filepath.Join("testdata", "small.json"))
		if !strings.Contains(out, `valid programme "small", nothing imported`) {
			t.Errorf("dry run printed %q", out)
		}
		wantFailure(t, planner(t, env, "", "export", "small"), 1, `programme "small" not found`)
	})
	t.Run("changed programme", func(t *testing.T) {
		env := testEnv(t)
		mustPlanner(t, env, "import", filepath.Join("testdata", "small.json"))
		before := mustPlanner(t, env, "export", "small")
		mustPlanner(t, env, "import", "--dry-run", "--prune", filepath.Join("testdata", "small-without-dinner.json"))
		if after := mustPlanner(t, env, "export", "small"); after != before {
			t.Errorf("a dry run changed the programme:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})
}

func TestImportPrune(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		dinner string
	}{
		{"without --prune the missing session stays", nil, "confirmed"},
		{"with --prune it is cancelled", []string{"--prune"}, "cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t)
			mustPlanner(t, env, "import", filepath.Join("testdata", "small.json"))
			args := append(append([]string{"import"}, tt.args...), filepath.Join("testdata", "small-without-dinner.json"))
			mustPlanner(t, env, args...)
			statuses := sessionStatuses(t, mustPlanner(t, env, "export", "small"))
			if got := statuses["dinner"]; got != tt.dinner {
				t.Errorf("dinner status=%q, want %q (all: %v)", got, tt.dinner, statuses)
			}
			if got := statuses["seminar"]; got != "confirmed" {
				t.Errorf("seminar status=%q, want it untouched (confirmed)", got)
			}
		})
	}
}

func TestExportUnknownProgramme(t *testing.T) {
	env := testEnv(t)
	r := planner(t, env, "", "export", "no-such-programme")
	wantFailure(t, r, 1, `programme "no-such-programme" not found`)
	if r.stdout != "" {
		t.Errorf("a failed export wrote %q to standard output", r.stdout)
	}
}

// dinnerBatch is a batch of changes to the demo: the programme header and one
// new session whose references (delegation, venue, speaker) are all items
// that only the stored programme has.
const dinnerBatch = `{
  "format": "delegation-programme/v1",
  "programme": {"slug": "igf2016-cldp", "title": "CLDP-supported delegations at IGF 2016",
    "time_zone": "America/Mexico_City", "starts_on": "2016-11-28", "ends_on": "2016-12-09"},
  "sessions": [
    {"key": "day1-dinner", "title": "Delegation dinner", "kind": "meal",
     "starts_at": "2016-12-06T20:00", "ends_at": "2016-12-06T22:00", "venue": "fiesta",
     "audience": {"delegations": ["af"]}, "status": "confirmed",
     "slots": [{"key": "toast", "title": "A toast", "speakers": ["joe-gattuso"],
                "starts_at": "2016-12-06T20:00", "ends_at": "2016-12-06T20:10"}]}
  ]
}`

func TestImportBatchOfChangesReferringToStoredItems(t *testing.T) {
	env := testEnv(t)

	// On an empty database the batch refers to nothing, and says so by path.
	r := planner(t, env, dinnerBatch, "import", "-")
	wantFailure(t, r, 2,
		`sessions[0].venue: refers to venue "fiesta"`,
		`sessions[0].audience.delegations[0]`,
		`sessions[0].slots[0].speakers[0]`)

	mustPlanner(t, env, "demo")
	if out := planner(t, env, dinnerBatch, "import", "-"); out.code != 0 {
		t.Fatalf("import of a batch onto the demo: exit %d\n%s", out.code, out.stderr)
	}
	export := mustPlanner(t, env, "export", "igf2016-cldp")
	statuses := sessionStatuses(t, export)
	if statuses["day1-dinner"] != "confirmed" || statuses["day0-seminar"] != "confirmed" || len(statuses) != 10 {
		t.Errorf("after the batch the programme has sessions %v, want the demo's nine and the dinner", statuses)
	}
	// A batch that names an item nobody has is still refused, whole.
	bad := strings.Replace(dinnerBatch, `"joe-gattuso"`, `"joe-gatuso"`, 1)
	bad = strings.Replace(bad, "Delegation dinner", "Dinner", 1)
	wantFailure(t, planner(t, env, bad, "import", "-"), 2, `sessions[0].slots[0].speakers[0]: refers to person "joe-gatuso"`)
	if again := mustPlanner(t, env, "export", "igf2016-cldp"); again != export {
		t.Error("a refused batch changed the programme")
	}
}

// TestImportDryRunPreview checks that --dry-run lists what the import would
// create, update and cancel, by kind and key, and that it refuses a batch
// that would break the stored programme, as the import would.
func TestImportDryRunPreview(t *testing.T) {
	env := testEnv(t)
	mustPlanner(t, env, "import", filepath.Join("testdata", "small.json"))
	out := mustPlanner(t, env, "import", "--dry-run", "--prune", filepath.Join("testdata", "small-without-dinner.json"))
	for _, want := range []string{
		`valid programme "small", nothing imported (dry run)`,
		"  would cancel session dinner (Welcome dinner)\n",
		"small: the import would create 0, update 0 and cancel 1 items (6 unchanged)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run printed:\n%s\nwant a line %q", out, want)
		}
	}
	if strings.Contains(out, "seminar") {
		t.Errorf("dry run lists an unchanged item:\n%s", out)
	}

	const head = `{"format": "delegation-programme/v1", "programme": {"slug": "small", "title": "A small test programme",
		"organizer": "Planner tests", "time_zone": "America/Mexico_City", "starts_on": "2016-12-05",
		"ends_on": "2016-12-06", "location": "Guadalajara"}, `
	lead := head + `"delegations": [{"key": "af", "name": "Afghanistan", "country": "AF", "lead": "omar-ansari"}]}`
	if r := planner(t, env, lead, "import", "-"); r.code != 0 {
		t.Fatalf("setting a lead: exit %d\n%s", r.code, r.stderr)
	}
	before := mustPlanner(t, env, "export", "small")
	moved := head + `"people": [{"key": "omar-ansari", "name": "Omar Ansari", "role": "civil_society"}]}`
	wantFailure(t, planner(t, env, moved, "import", "--dry-run", "-"), 2,
		`people[0].delegation: moves "omar-ansari" out of delegation "af", whose lead they are`)
	wantFailure(t, planner(t, env, moved, "import", "-"), 2, `people[0].delegation`)
	if after := mustPlanner(t, env, "export", "small"); after != before {
		t.Errorf("a refused batch changed the programme")
	}
}
