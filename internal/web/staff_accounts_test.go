package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
)

// accountID returns the id of the account of email.
func (f *staffFixture) accountID(t *testing.T, email string) string {
	t.Helper()
	users, err := f.st.Users(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Email == email {
			return strconv.FormatInt(u.ID, 10)
		}
	}
	t.Fatalf("no account %s", email)
	return ""
}

// roleOf returns the stored role of email's account, or "" when it has none.
func (f *staffFixture) roleOf(t *testing.T, email string) programme.StaffRole {
	t.Helper()
	users, err := f.st.Users(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Email == email {
			return u.Role
		}
	}
	return ""
}

// TestAccountPageRefusesNonAdmins: viewers and editors neither see the
// accounts page nor its link, and every change of it is refused.
func TestAccountPageRefusesNonAdmins(t *testing.T) {
	f := newProgrammeFixture(t)
	f.addUser(t, "root@example.org", programme.RoleAdmin)
	ana := f.accountID(t, "ana@example.org")
	for _, email := range []string{"vic@example.org", "emily@example.org"} {
		b := f.loggedIn(t, email)
		if _, home := b.get("/staff"); strings.Contains(home, `href="/staff/accounts"`) {
			t.Errorf("%s: the staff bar links the accounts page", email)
		}
		if res, _ := b.get("/staff/accounts"); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: GET /staff/accounts: %d, want 403", email, res.StatusCode)
		}
		for _, post := range []struct {
			target string
			form   url.Values
		}{
			{"/staff/accounts", url.Values{"email": {"eve@example.org"}, "role": {"admin"}, "password": {testPassword}, "password2": {testPassword}}},
			{"/staff/accounts/" + ana + "/role", url.Values{"role": {"admin"}}},
			{"/staff/accounts/" + ana + "/remove", url.Values{}},
		} {
			if res, _ := b.post("/staff", post.target, post.form); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s: POST %s: %d, want 403", email, post.target, res.StatusCode)
			}
		}
	}
	if f.roleOf(t, "eve@example.org") != "" || f.roleOf(t, "ana@example.org") != programme.RoleEditor {
		t.Fatal("a refused change changed the accounts")
	}

	a := f.loggedIn(t, "root@example.org")
	if _, home := a.get("/staff"); !strings.Contains(home, `href="/staff/accounts"`) {
		t.Fatalf("the admin's staff bar does not link the accounts page:\n%s", home)
	}
	body := a.mustGet("/staff/accounts")
	for _, want := range []string{"emily@example.org", "Emily Skills", "vic@example.org", "editor", "viewer", "root@example.org"} {
		if !strings.Contains(body, want) {
			t.Errorf("the accounts page lacks %q", want)
		}
	}
}

// TestAccountAdd: an admin adds an account that can then log in; bad input
// is shown beside its field with 422, keeping what was typed except the
// passwords, and adds nothing.
func TestAccountAdd(t *testing.T) {
	f := newProgrammeFixture(t)
	f.addUser(t, "root@example.org", programme.RoleAdmin)
	a := f.loggedIn(t, "root@example.org")

	const other = "another long passphrase"
	for _, tt := range []struct {
		name, email, role, password, password2, want string
	}{
		{"passwords differ", "nia@example.org", "editor", testPassword, other, "The two passwords differ"},
		{"short password", "nia@example.org", "editor", "k7-tiny", "k7-tiny", "Is shorter than 12 characters"},
		{"bad e-mail", "nia at example", "editor", testPassword, testPassword, "plain address"},
		{"unknown role", "nia@example.org", "owner", testPassword, testPassword, "Choose admin, editor or viewer"},
		{"taken e-mail", "Emily@example.org", "editor", testPassword, testPassword, "already has an account"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := a.post("/staff/accounts", "/staff/accounts", url.Values{"email": {tt.email}, "name": {"Nia Long"},
				"role": {tt.role}, "password": {tt.password}, "password2": {tt.password2}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tt.want) {
				t.Fatalf("%d, want 422 with %q:\n%s", res.StatusCode, tt.want, body)
			}
			if !strings.Contains(body, `value="Nia Long"`) || !strings.Contains(body, `class="field-error"`) {
				t.Errorf("the form is not shown again as typed:\n%s", body)
			}
			if strings.Contains(body, tt.password) || strings.Contains(body, tt.password2) {
				t.Errorf("a password is shown again:\n%s", body)
			}
		})
	}
	if f.roleOf(t, "nia@example.org") != "" {
		t.Fatal("a refused form added the account")
	}

	res, body := a.post("/staff/accounts", "/staff/accounts", url.Values{"email": {"Nia@Example.org"}, "name": {"Nia Long"},
		"role": {"editor"}, "password": {other}, "password2": {other}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("adding nia: %d\n%s", res.StatusCode, body)
	}
	if body := a.mustGet("/staff/accounts"); !strings.Contains(body, "nia@example.org") || !strings.Contains(body, "Nia Long") {
		t.Fatalf("nia is not listed:\n%s", body)
	}
	n := f.browser(t, "192.0.2.30")
	if res, body := n.login("nia@example.org", other); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("nia logging in: %d\n%s", res.StatusCode, body)
	}
	if res, _ := n.post("/staff", "/staff/edit-check", url.Values{}); res.StatusCode != http.StatusNoContent {
		t.Fatalf("nia, an editor, editing: %d", res.StatusCode)
	}
	if strings.Contains(f.logs.String(), other) {
		t.Fatal("the log holds the password")
	}
}

// TestAccountRole: a new role counts from the account's next request, and
// the last admin cannot be demoted.
func TestAccountRole(t *testing.T) {
	f := newProgrammeFixture(t)
	f.addUser(t, "root@example.org", programme.RoleAdmin)
	a := f.loggedIn(t, "root@example.org")
	e := f.browser(t, "192.0.2.31")
	e.mustLogin("emily@example.org")
	if res, _ := e.post("/staff", "/staff/edit-check", url.Values{}); res.StatusCode != http.StatusNoContent {
		t.Fatalf("emily editing: %d", res.StatusCode)
	}

	res, body := a.post("/staff/accounts", "/staff/accounts/"+f.accountID(t, "emily@example.org")+"/role", url.Values{"role": {"viewer"}})
	if res.StatusCode != http.StatusSeeOther || f.roleOf(t, "emily@example.org") != programme.RoleViewer {
		t.Fatalf("making emily a viewer: %d\n%s", res.StatusCode, body)
	}
	if res, _ := e.post("/staff", "/staff/edit-check", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("emily, now a viewer, editing: %d, want 403", res.StatusCode)
	}

	root := f.accountID(t, "root@example.org")
	res, body = a.post("/staff/accounts", "/staff/accounts/"+root+"/role", url.Values{"role": {"editor"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "last admin") {
		t.Fatalf("demoting the last admin: %d\n%s", res.StatusCode, body)
	}
	if f.roleOf(t, "root@example.org") != programme.RoleAdmin {
		t.Fatal("the last admin was demoted")
	}
	res, body = a.post("/staff/accounts", "/staff/accounts/"+root+"/role", url.Values{"role": {"owner"}})
	if res.StatusCode != http.StatusUnprocessableEntity || f.roleOf(t, "root@example.org") != programme.RoleAdmin {
		t.Fatalf("an unknown role: %d\n%s", res.StatusCode, body)
	}
	if res, _ := a.post("/staff/accounts", "/staff/accounts/999999/role", url.Values{"role": {"viewer"}}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("no such account: %d, want 404", res.StatusCode)
	}
}

// TestAccountRemove: a removed account's login stops working at once; the
// last admin cannot be removed.
func TestAccountRemove(t *testing.T) {
	f := newProgrammeFixture(t)
	f.addUser(t, "root@example.org", programme.RoleAdmin)
	a := f.loggedIn(t, "root@example.org")
	e := f.browser(t, "192.0.2.31")
	e.mustLogin("emily@example.org")

	res, body := a.post("/staff/accounts", "/staff/accounts/"+f.accountID(t, "emily@example.org")+"/remove", url.Values{})
	if res.StatusCode != http.StatusSeeOther || f.roleOf(t, "emily@example.org") != "" {
		t.Fatalf("removing emily: %d\n%s", res.StatusCode, body)
	}
	if res, _ := e.get("/staff"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/staff/login") {
		t.Fatalf("emily's session after her removal: %d to %q, want the login page", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := e.do(http.MethodPost, "/staff/edit-check", url.Values{}, nil); res.StatusCode == http.StatusNoContent {
		t.Fatal("emily's session still edits")
	}

	res, body = a.post("/staff/accounts", "/staff/accounts/"+f.accountID(t, "root@example.org")+"/remove", url.Values{})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "last admin") {
		t.Fatalf("removing the last admin: %d\n%s", res.StatusCode, body)
	}
	if f.roleOf(t, "root@example.org") != programme.RoleAdmin {
		t.Fatal("the last admin was removed")
	}
}

// TestAccountCSRF: a change without the form's token is refused and
// changes nothing.
func TestAccountCSRF(t *testing.T) {
	f := newProgrammeFixture(t)
	f.addUser(t, "root@example.org", programme.RoleAdmin)
	a := f.loggedIn(t, "root@example.org")
	ana := f.accountID(t, "ana@example.org")
	for _, target := range []string{"/staff/accounts", "/staff/accounts/" + ana + "/role", "/staff/accounts/" + ana + "/remove"} {
		res, _ := a.do(http.MethodPost, target, url.Values{"email": {"eve@example.org"}, "role": {"admin"},
			"password": {testPassword}, "password2": {testPassword}}, nil)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without a token: %d, want 403", target, res.StatusCode)
		}
	}
	if f.roleOf(t, "eve@example.org") != "" || f.roleOf(t, "ana@example.org") != programme.RoleEditor {
		t.Fatal("a refused change changed the accounts")
	}
}
