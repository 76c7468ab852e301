package main

import (
	"strings"
	"testing"
)

func TestUserAddListRemove(t *testing.T) {
	env := testEnv(t)
	r := planner(t, env, "correct horse battery\n", "user", "add", "Ana@Example.org", "--role", "admin")
	if r.code != 0 {
		t.Fatalf("user add: exit %d\n%s", r.code, r.stderr)
	}
	if got, want := r.stdout, "created admin account ana@example.org\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if strings.Contains(r.stdout+r.stderr, "correct horse") {
		t.Error("the password was echoed")
	}
	r = planner(t, env, "battery staple horse\r\nbattery staple horse\r\n", "user", "add", "bo@example.org", "--role", "viewer")
	if r.code != 0 {
		t.Fatalf("user add with a confirmation line: exit %d\n%s", r.code, r.stderr)
	}

	list := mustPlanner(t, env, "user", "list")
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ana@example.org\tadmin\t") || !strings.HasPrefix(lines[1], "bo@example.org\tviewer\t") {
		t.Fatalf("user list:\n%s", list)
	}

	wantFailure(t, planner(t, env, "", "user", "remove", "ana@example.org"), 2, "last admin")
	if got := mustPlanner(t, env, "user", "remove", "BO@example.org"); got != "removed bo@example.org\n" {
		t.Errorf("user remove: %q", got)
	}
	wantFailure(t, planner(t, env, "", "user", "remove", "bo@example.org"), 2, "no account", "bo@example.org")
	if list := mustPlanner(t, env, "user", "list"); strings.Count(list, "\n") != 1 {
		t.Errorf("after removing bo:\n%s", list)
	}
}

func TestUserAddRefusals(t *testing.T) {
	env := testEnv(t)
	mustAdd := planner(t, env, "correct horse battery\n", "user", "add", "ana@example.org", "--role", "editor")
	if mustAdd.code != 0 {
		t.Fatalf("user add: exit %d\n%s", mustAdd.code, mustAdd.stderr)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  []string
	}{
		{"duplicate e-mail", "another good password\n", []string{"ANA@example.org", "--role", "viewer"}, []string{"already exists", "ana@example.org"}},
		{"mismatched confirmation", "correct horse battery\ncorrect horse batteyr\n", []string{"bo@example.org", "--role", "viewer"}, []string{"confirmation differ"}},
		{"empty password", "\n", []string{"bo@example.org", "--role", "viewer"}, []string{"password is empty"}},
		{"no input", "", []string{"bo@example.org", "--role", "viewer"}, []string{"no password"}},
		{"three lines", "a\nb\nc\n", []string{"bo@example.org", "--role", "viewer"}, []string{"3 lines"}},
		{"short password", "short\n", []string{"bo@example.org", "--role", "viewer"}, []string{"password: is shorter than 12 characters"}},
		{"unknown role", "correct horse battery\n", []string{"bo@example.org", "--role", "owner"}, []string{"--role", `"owner"`}},
		{"bad e-mail", "correct horse battery\n", []string{"bo", "--role", "viewer"}, []string{"email: is not an e-mail address"}},
		{"no e-mail", "correct horse battery\n", []string{"--role", "viewer"}, []string{"user add takes one EMAIL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := planner(t, env, tt.stdin, append([]string{"user", "add"}, tt.args...)...)
			wantFailure(t, r, 2, tt.want...)
			if pw := strings.SplitN(tt.stdin, "\n", 2)[0]; len(pw) >= 8 && strings.Contains(r.stderr, pw) {
				t.Errorf("stderr repeats the password:\n%s", r.stderr)
			}
		})
	}
	list := mustPlanner(t, env, "user", "list")
	if strings.Count(list, "\n") != 1 {
		t.Errorf("refusals changed the accounts:\n%s", list)
	}
}

func TestUserAddWithoutRoleIsUsage(t *testing.T) {
	r := planner(t, testEnv(t), "correct horse battery\n", "user", "add", "ana@example.org")
	wantFailure(t, r, 2, "role")
}
