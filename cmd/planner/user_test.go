package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/accounts"
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

func TestUserUsageErrors(t *testing.T) {
	env := testEnv(t)
	wantFailure(t, planner(t, env, "correct horse battery\n", "user", "add", "ana@example.org"), 2, "role")
	wantFailure(t, planner(t, env, "", "user", "frob"), 2, `unknown command "user frob"`)
	wantFailure(t, planner(t, env, "", "user", "list", "extra"), 2, "user list takes no arguments")
	wantFailure(t, planner(t, env, "", "user", "remove"), 2, "user remove takes one EMAIL")
	if out := mustPlanner(t, env, "user"); !strings.Contains(out, "add") || !strings.Contains(out, "remove") {
		t.Errorf("planner user shows no help:\n%s", out)
	}
}

// demoAdminLine is the line of `serve --demo` with the demo admin's login.
var demoAdminLine = regexp.MustCompile(`staff log in at (http://\S+) as (\S+) with the password (\S+) \(shown once\)`)

func TestServeDemoCreatesAnAdminOnce(t *testing.T) {
	env := testEnv(t)
	first := startServer(t, env, "--demo")
	m := demoAdminLine.FindStringSubmatch(first.stdout.String())
	if m == nil {
		t.Fatalf("serve --demo printed no demo admin:\n%s", first.stdout)
	}
	loginURL, email, password := m[1], m[2], m[3]
	if loginURL != first.url+"/staff/login" || email != accounts.DemoAdminEmail {
		t.Errorf("login at %q as %q, want %s/staff/login as %s", loginURL, email, first.url, accounts.DemoAdminEmail)
	}
	if strings.Contains(first.stderr.String(), password) {
		t.Error("the demo password is in the log")
	}

	// A client that sends no Sec-Fetch-Site, so the CSRF token is checked.
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar}
	res, err := client.Get(loginURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(page)
	if token == nil {
		t.Fatalf("no CSRF token on the login page:\n%s", page)
	}
	res, err = client.PostForm(loginURL, url.Values{"_csrf": {string(token[1])}, "email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	home, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/staff" || !strings.Contains(string(home), "igf2016-cldp") || !strings.Contains(string(home), accounts.DemoAdminEmail) {
		t.Fatalf("after logging in: %d at %s\n%s", res.StatusCode, res.Request.URL, home)
	}
	if err := first.stop(); err != nil {
		t.Fatalf("first serve: %v", err)
	}

	second := startServer(t, env, "--demo")
	if strings.Contains(second.stdout.String(), "password") {
		t.Errorf("the second serve --demo printed a password again:\n%s", second.stdout)
	}
	if list := mustPlanner(t, env, "user", "list"); strings.Count(list, "\n") != 1 || !strings.HasPrefix(list, accounts.DemoAdminEmail+"\tadmin\t") {
		t.Errorf("accounts after two demo runs:\n%s", list)
	}
}
