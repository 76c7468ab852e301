package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/store"
)

// hostile is a name that, printed raw, would clear the screen, hide the
// text after it, move back to the start of the line and send a C1 CSI.
const hostile = "Omar\x1b[2J\x1b[8mhidden\rAnsari\u009b31m\x7f"

// TestPrintedStoredTextHasNoControlCharacters stores a person named with
// terminal escape sequences, as a database written before names were
// checked may hold (an import refuses such a name today), and checks every
// output that shows the name: the feed list (plain and aligned) prints it
// escaped in its column, and export writes JSON escapes that read back as the same name.
func TestPrintedStoredTextHasNoControlCharacters(t *testing.T) {
	env := testEnv(t)
	file := strings.Replace(string(fixture(t, "small.json")), `"name": "Omar Ansari"`, `"name": `+jsonString(t, hostile), 1)
	if r := planner(t, env, file, "import", "-"); r.code != 2 || !strings.Contains(r.stderr, "control character") {
		t.Fatalf("import of a name with control characters: exit %d, want 2 naming the control character\n%s", r.code, r.stderr)
	}
	if r := planner(t, env, string(fixture(t, "small.json")), "import", "-"); r.code != 0 {
		t.Fatalf("import: exit %d\n%s", r.code, r.stderr)
	}
	st, err := store.Open(t.Context(), env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	res := st.DB().Exec("UPDATE people SET name = ? WHERE key = ?", hostile, "omar-ansari")
	st.Close()
	if res.Error != nil || res.RowsAffected != 1 {
		t.Fatalf("storing the hostile name: %v (%d rows)", res.Error, res.RowsAffected)
	}
	// oneLine already turns the carriage return into a space.
	want := `Omar\u001b[2J\u001b[8mhidden Ansari\u009b31m\u007f`
	plain := mustPlanner(t, env, "feeds", "small")
	aligned := mustPlanner(t, env, "feeds", "--align", "small")
	exported := planner(t, env, "", "export", "small")
	for name, out := range map[string]string{"feeds": plain, "feeds --align": aligned, "export": exported.stdout, "export's errors": exported.stderr} {
		if i := strings.IndexFunc(out, func(r rune) bool { return isEscapedControl(r) }); i >= 0 {
			t.Errorf("%s printed the control character %q", name, out[i:min(i+8, len(out))])
		}
	}
	found := false
	for _, l := range parseFeeds(t, plain) {
		found = found || (l.kind == "person" && l.name == want)
	}
	if !found {
		t.Errorf("feeds does not show the name as %s:\n%s", want, plain)
	}
	if exported.code != 0 {
		t.Fatalf("export: exit %d\n%s", exported.code, exported.stderr)
	}
	var doc struct {
		People []struct{ Name string } `json:"people"`
	}
	if err := json.Unmarshal([]byte(exported.stdout), &doc); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if len(doc.People) == 0 || doc.People[0].Name != hostile {
		t.Errorf("export reads back as %+v, want the name %q", doc.People, hostile)
	}
}

func TestErrorMessagesHaveNoControlCharacters(t *testing.T) {
	var stderr bytes.Buffer
	exitCode(errors.New("no programme "+hostile), &stderr)
	if strings.ContainsRune(stderr.String(), 0x1b) || !strings.Contains(stderr.String(), `\u001b[2J`) {
		t.Errorf("stderr = %q, want the escapes written out", stderr.String())
	}
}

func TestControlEscaperKeepsNewlinesTabsAndText(t *testing.T) {
	var buf bytes.Buffer
	in := "kind\tkey\tGuðrún 東京 — ok\n"
	n, err := controlEscaper{&buf}.Write([]byte(in + "\x00\xff"))
	if err != nil || n != len(in)+2 {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(in)+2)
	}
	if got, want := buf.String(), in+`\u0000`+"\xff"; got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}
}

func jsonString(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
