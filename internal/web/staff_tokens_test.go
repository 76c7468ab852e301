package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestTokensPage: staff see their own API tokens and revoke them; an admin
// sees and revokes everyone's; nobody else's token can be revoked.
func TestTokensPage(t *testing.T) {
	f := newProgrammeFixture(t)
	emily, _, err := f.st.CreateAPIToken(t.Context(), "emily@example.org", "emily's sync")
	if err != nil {
		t.Fatal(err)
	}
	ana, secret, err := f.st.CreateAPIToken(t.Context(), "ana@example.org", "ana's laptop")
	if err != nil {
		t.Fatal(err)
	}

	b := f.loggedIn(t, "emily@example.org")
	if _, home := b.get("/staff"); !strings.Contains(home, `href="/staff/tokens"`) {
		t.Fatalf("the staff bar does not link the tokens page:\n%s", home)
	}
	res, body := b.get("/staff/tokens")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "emily&#39;s sync") || strings.Contains(body, "ana&#39;s laptop") || strings.Contains(body, secret) {
		t.Fatalf("emily's tokens page: %d\n%s", res.StatusCode, body)
	}
	res, _ = b.post("/staff/tokens", "/staff/tokens/"+strconv.FormatInt(ana.ID, 10)+"/revoke", url.Values{})
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("revoking another's token: %d", res.StatusCode)
	}
	res, _ = b.post("/staff/tokens", "/staff/tokens/"+strconv.FormatInt(emily.ID, 10)+"/revoke", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoking her own token: %d", res.StatusCode)
	}
	if _, body = b.get("/staff/tokens"); !strings.Contains(body, "revoked") {
		t.Fatalf("after revoking:\n%s", body)
	}
	if _, _, err := f.st.APITokenUser(t.Context(), secret); err != nil {
		t.Fatalf("ana's token was touched: %v", err)
	}

	f.addUser(t, "root@example.org", "admin")
	a := f.loggedIn(t, "root@example.org")
	if _, body = a.get("/staff/tokens"); !strings.Contains(body, "ana@example.org") || !strings.Contains(body, "emily@example.org") {
		t.Fatalf("the admin's page:\n%s", body)
	}
	res, _ = a.post("/staff/tokens", "/staff/tokens/"+strconv.FormatInt(ana.ID, 10)+"/revoke", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the admin revoking ana's token: %d", res.StatusCode)
	}
	if _, _, err := f.st.APITokenUser(t.Context(), secret); err == nil {
		t.Fatal("ana's token still works")
	}
}
