package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// demoStaffGet logs in as serve --demo's admin and fetches a staff page.
func demoStaffGet(t *testing.T, srv *server, path string) string {
	t.Helper()
	m := demoAdminLine.FindStringSubmatch(srv.stdout.String())
	if m == nil {
		t.Fatalf("serve --demo printed no demo admin:\n%s", srv.stdout)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar}
	read := func(res *http.Response, err error) (*http.Response, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}
	_, page := read(client.Get(m[1]))
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if token == nil {
		t.Fatalf("no CSRF token on the login page:\n%s", page)
	}
	read(client.PostForm(m[1], url.Values{"_csrf": {token[1]}, "email": {m[2]}, "password": {m[3]}}))
	res, body := read(client.Get(srv.url + path))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", path, res.StatusCode, body)
	}
	return body
}

func TestServeTellsTheMailPageWhetherMailIsSent(t *testing.T) {
	const banner = "No mail is sent: PLANNER_SMTP_URL is not set."
	t.Run("without a mail server", func(t *testing.T) {
		srv := startServer(t, testEnv(t), "--demo")
		if body := demoStaffGet(t, srv, "/staff/p/igf2016-cldp/mail"); !strings.Contains(body, banner) {
			t.Errorf("the mail page does not say no mail is sent:\n%s", body)
		}
	})
	t.Run("with a mail server", func(t *testing.T) {
		// Nobody in the demo asks for mail, so the worker never connects.
		env := with(testEnv(t), "PLANNER_SMTP_URL", "smtp://127.0.0.1:1", "PLANNER_MAIL_FROM", "p@example.org")
		srv := startServer(t, env, "--demo")
		if body := demoStaffGet(t, srv, "/staff/p/igf2016-cldp/mail"); strings.Contains(body, banner) {
			t.Errorf("with PLANNER_SMTP_URL set, the mail page says no mail is sent")
		}
	})
}
