package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mailFile writes small.json with Omar Ansari asking for his agenda by e-mail.
func mailFile(t *testing.T) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(fixture(t, "small.json"), &doc); err != nil {
		t.Fatal(err)
	}
	doc["programme"].(map[string]any)["organizer_email"] = "events@example.org"
	omar := doc["people"].([]any)[0].(map[string]any)
	omar["email"] = "omar@example.org"
	omar["calendar_by_email"] = true
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "small-mail.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOutboxListsPendingInvitations(t *testing.T) {
	env := testEnv(t)
	if out := mustPlanner(t, env, "outbox"); out != "" {
		t.Errorf("an empty outbox lists %q", out)
	}
	mustPlanner(t, env, "import", mailFile(t))
	out := mustPlanner(t, env, "outbox", "small")
	fields := strings.Split(strings.TrimSpace(out), "\t")
	if len(fields) != 9 || fields[1] != "small" || fields[2] != "omar-ansari" || fields[3] != "pending" {
		t.Fatalf("outbox printed %q, want one pending message for omar-ansari", out)
	}
	if got := mustPlanner(t, env, "outbox"); got != out {
		t.Errorf("outbox of every programme %q, of small %q", got, out)
	}
	// The export keeps the new fields.
	export := mustPlanner(t, env, "export", "small")
	for _, want := range []string{`"organizer_email": "events@example.org"`, `"calendar_by_email": true`} {
		if !strings.Contains(export, want) {
			t.Errorf("export lacks %s", want)
		}
	}
}

func TestOutboxPauseAndResume(t *testing.T) {
	env := testEnv(t)
	mustPlanner(t, env, "import", mailFile(t))
	r := planner(t, env, "", "outbox", "--pause", "small")
	if r.code != 0 || !strings.Contains(r.stderr, "the mail of small is paused") {
		t.Fatalf("--pause: exit %d, stderr %q", r.code, r.stderr)
	}
	r = planner(t, env, "", "outbox", "small")
	if !strings.Contains(r.stderr, "paused") {
		t.Errorf("a paused programme's outbox does not say so: %q", r.stderr)
	}
	r = planner(t, env, "", "outbox", "--resume", "small")
	if r.code != 0 || strings.Contains(r.stderr, "paused") {
		t.Errorf("--resume: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestOutboxUsage(t *testing.T) {
	env := testEnv(t)
	wantFailure(t, planner(t, env, "", "outbox", "--pause"), 2, "--pause and --resume need the programme's SLUG")
	wantFailure(t, planner(t, env, "", "outbox", "--pause", "--resume", "x"), 2, "cannot go together")
	wantFailure(t, planner(t, env, "", "outbox", "a", "b"), 2, "at most one programme SLUG")
	wantFailure(t, planner(t, env, "", "outbox", "nope"), 1, `programme "nope" not found`)
}

func TestServeMailSettings(t *testing.T) {
	t.Run("a bad SMTP URL stops serve", func(t *testing.T) {
		env := with(testEnv(t), "PLANNER_SMTP_URL", "http://mail.example.org", "PLANNER_MAIL_FROM", "p@example.org")
		wantFailure(t, planner(t, env, "", "serve", "--addr", "127.0.0.1:0"), 2, "PLANNER_SMTP_URL must start with smtp://")
	})
	t.Run("an SMTP URL needs a From address", func(t *testing.T) {
		env := with(testEnv(t), "PLANNER_SMTP_URL", "smtp://u:hunter2pw@mail.example.org:587")
		r := planner(t, env, "", "serve", "--addr", "127.0.0.1:0")
		wantFailure(t, r, 2, "PLANNER_MAIL_FROM is required")
		if strings.Contains(r.stderr, "hunter2pw") {
			t.Errorf("the error shows the password: %s", r.stderr)
		}
	})
	t.Run("without an SMTP URL serve says no mail is sent", func(t *testing.T) {
		srv := startServer(t, testEnv(t))
		if err := srv.stop(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(srv.stderr.String(), "PLANNER_SMTP_URL is not set: no calendar invitations are sent") {
			t.Errorf("serve's log:\n%s", srv.stderr)
		}
	})
}
