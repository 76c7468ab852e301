package web

import (
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/accounts"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

const mailPage = "/staff/p/igf2016-cldp/mail"

// mailRowHTML returns the HTML of one person's row of the mail page.
func mailRowHTML(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr id="` + regexp.QuoteMeta(id) + `"[^>]*>(.*?)</tr>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no row %s on the mail page:\n%s", id, body)
	}
	return m[1]
}

// withMail rebuilds the server over the same store as a server whose mail
// server is configured.
func (env *viewsEnv) withMail() {
	env.t.Helper()
	env.srv = New(Config{
		BaseURL:        "https://planner.example.org",
		Logger:         slog.New(slog.NewJSONHandler(env.logs, nil)),
		Now:            env.clock.Now,
		Feeds:          env.svc,
		Accounts:       accounts.New(env.st, accounts.WithParams(cheapHashes)),
		Sessions:       env.st,
		MailConfigured: true,
	}, env.st)
}

// omarByMail records a change asking for Omar Ansari's agenda by e-mail,
// which queues his first invitation, and returns the change's id.
func omarByMail(t *testing.T, env *viewsEnv, title string) int64 {
	t.Helper()
	res, err := env.st.ImportChange(t.Context(), editedDemo(t, func(p *programme.Programme) {
		x := p.Person("omar-ansari")
		x.Email, x.CalendarByEmail = "omar@example.org", true
		p.Session("day0-seminar").Title = title
	}), store.ImportOptions{Summary: "test"})
	if err != nil || res.Change == nil {
		t.Fatalf("import: %v", err)
	}
	return res.Change.ID
}

func TestStaffMailShowsARefusedMessageBesideTheFeed(t *testing.T) {
	env := newViewsEnv(t)
	env.withMail()
	omar := env.omarToken()
	change := omarByMail(t, env, "Pre-Conference Seminar (moved)")

	// The worker's attempt, as the store records it: the server refuses.
	env.clock.Advance(time.Minute)
	ctx := t.Context()
	claim, ok, err := env.st.ClaimInvitation(ctx, "w1", time.Minute)
	if err != nil || !ok || claim.PersonKey != "omar-ansari" {
		t.Fatalf("claim: %v %v %+v", ok, err, claim)
	}
	if err := env.st.FinishInvitation(ctx, claim, store.OutboxResult{Status: store.OutboxFailed,
		Error: "550 5.1.1 <omar@example.org>: mailbox unavailable", Recipient: "omar@example.org"}); err != nil {
		t.Fatal(err)
	}
	// His calendar fetched the feed after the change.
	if res, _ := get(t, env.srv.Handler(), "/feeds/"+omar+".ics"); res.StatusCode != http.StatusOK {
		t.Fatalf("feed fetch: %d", res.StatusCode)
	}

	res, body := env.as(programme.RoleViewer).get(mailPage)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", mailPage, res.StatusCode, body)
	}
	row := mailRowHTML(t, body, "mail-omar-ansari")
	for _, want := range []string{
		"Omar Ansari", "omar@example.org",
		"Refused by the mail server",
		"Mail server: <q>550 5.1.1 &lt;omar@example.org&gt;: mailbox unavailable</q>",
		"1 attempt",
		`<a href="/staff/p/igf2016-cldp/history#change-` + strconv.FormatInt(change, 10) + `">#` + strconv.FormatInt(change, 10) + `</a>`,
		`<span class="state state-ok">Has the latest change</span>`,
	} {
		if !strings.Contains(row, want) {
			t.Errorf("Omar's row lacks %q:\n%s", want, row)
		}
	}
	// Only people who asked for mail are listed.
	if strings.Contains(body, `id="mail-joe-gattuso"`) {
		t.Errorf("the page lists a person who did not ask for mail")
	}
	if strings.Contains(body, "PLANNER_SMTP_URL is not set") {
		t.Errorf("a configured server's page says no mail is sent")
	}
}

func TestStaffMailSaysWhenNoMailIsSent(t *testing.T) {
	env := newViewsEnv(t) // no mail server
	omarByMail(t, env, "Pre-Conference Seminar (moved)")
	res, body := env.as(programme.RoleViewer).get(mailPage)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", mailPage, res.StatusCode, body)
	}
	if !strings.Contains(body, "No mail is sent: PLANNER_SMTP_URL is not set.") {
		t.Errorf("the page does not say no mail is sent:\n%s", body)
	}
	row := mailRowHTML(t, body, "mail-omar-ansari")
	if !strings.Contains(row, "Waiting to be sent") || !strings.Contains(row, "Not subscribed yet") {
		t.Errorf("Omar's waiting message:\n%s", row)
	}
}

func TestStaffMailPauseAndResume(t *testing.T) {
	env := newViewsEnv(t)
	env.withMail()
	editor := env.as(programme.RoleEditor)

	res, body := editor.post(mailPage, mailPage+"/pause", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != mailPage {
		t.Fatalf("pause: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	if paused, err := env.st.MailPaused(t.Context(), "igf2016-cldp"); err != nil || !paused {
		t.Fatalf("after pause: paused %v, %v", paused, err)
	}
	// A rehearsal day of edits: the messages gather and wait.
	omarByMail(t, env, "Pre-Conference Seminar (moved)")
	env.clock.Advance(time.Hour)
	omarByMail(t, env, "Pre-Conference Seminar (moved again)")
	env.clock.Advance(time.Hour)
	if _, ok, _ := env.st.ClaimInvitation(t.Context(), "w1", time.Minute); ok {
		t.Fatal("a paused programme's message was claimed")
	}
	_, body = editor.get(mailPage)
	if !strings.Contains(body, "Mail is paused for this programme: 1 message waits.") {
		t.Errorf("the page lacks the paused banner:\n%s", body)
	}
	if !strings.Contains(mailRowHTML(t, body, "mail-omar-ansari"), "Waiting: mail is paused") {
		t.Errorf("Omar's row does not say his message waits for the pause")
	}
	if !strings.Contains(body, `action="/staff/p/igf2016-cldp/mail/resume"`) {
		t.Errorf("the paused page offers no resume")
	}

	// A merged message is due long after the edits; resuming sends it now.
	before := env.clock.Now()
	msgs, err := env.st.Outbox(t.Context(), "igf2016-cldp")
	if err != nil || len(msgs) != 1 {
		t.Fatalf("outbox: %v %+v", err, msgs)
	}
	res, _ = editor.post(mailPage, mailPage+"/resume", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resume: %d", res.StatusCode)
	}
	_, body = editor.get(mailPage)
	if strings.Contains(body, "Mail is paused") || !strings.Contains(body, "the waiting messages are sent now") {
		t.Errorf("after resume:\n%s", body)
	}
	claim, ok, err := env.st.ClaimInvitation(t.Context(), "w1", time.Minute)
	if err != nil || !ok || claim.PersonKey != "omar-ansari" || env.clock.Now() != before {
		t.Errorf("after resume, the waiting message is not due now: %v %v %+v", ok, err, claim)
	}
}

func TestStaffMailRolesAndCSRF(t *testing.T) {
	env := newViewsEnv(t)
	for _, role := range programme.StaffRoles {
		t.Run(string(role), func(t *testing.T) {
			b := env.as(role)
			res, body := b.get(mailPage)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET: %d", res.StatusCode)
			}
			canEdit := role != programme.RoleViewer
			if got := strings.Contains(body, `action="/staff/p/igf2016-cldp/mail/pause"`); got != canEdit {
				t.Errorf("the page offers pausing: %v, want %v", got, canEdit)
			}
			want := http.StatusSeeOther
			if !canEdit {
				want = http.StatusForbidden
			}
			for _, action := range []string{"/pause", "/resume"} {
				if res, _ := b.post(mailPage, mailPage+action, url.Values{}); res.StatusCode != want {
					t.Errorf("POST %s: %d, want %d", action, res.StatusCode, want)
				}
			}
		})
	}
	t.Run("viewer's pause changes nothing", func(t *testing.T) {
		if res, _ := env.as(programme.RoleViewer).post(mailPage, mailPage+"/pause", url.Values{}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("POST pause: %d", res.StatusCode)
		}
		if paused, _ := env.st.MailPaused(t.Context(), "igf2016-cldp"); paused {
			t.Error("a viewer paused the mail")
		}
	})
	t.Run("without a CSRF token", func(t *testing.T) {
		b := env.as(programme.RoleAdmin)
		b.get(mailPage)
		for _, form := range []url.Values{{}, {"_csrf": {"forged"}}} {
			if res, _ := b.do(http.MethodPost, mailPage+"/pause", form, nil); res.StatusCode != http.StatusForbidden {
				t.Errorf("POST pause with %v: %d, want 403", form, res.StatusCode)
			}
		}
		if paused, _ := env.st.MailPaused(t.Context(), "igf2016-cldp"); paused {
			t.Error("a refused POST paused the mail")
		}
	})
}

func TestStaffMailShowsADeferredMessageAndTheOneBefore(t *testing.T) {
	env := newViewsEnv(t)
	env.withMail()
	omar := env.omarToken()
	ctx := t.Context()
	attempt := func(res store.OutboxResult) {
		t.Helper()
		env.clock.Advance(time.Minute)
		claim, ok, err := env.st.ClaimInvitation(ctx, "w1", time.Minute)
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if err := env.st.FinishInvitation(ctx, claim, res); err != nil {
			t.Fatal(err)
		}
	}
	omarByMail(t, env, "Pre-Conference Seminar (moved)")
	attempt(store.OutboxResult{Status: store.OutboxSent, Recipient: "omar@example.org"})
	if res, _ := get(t, env.srv.Handler(), "/feeds/"+omar+".ics"); res.StatusCode != http.StatusOK {
		t.Fatalf("feed fetch: %d", res.StatusCode)
	}
	// The next change meets a mail server that is busy, and a calendar
	// that has not fetched since.
	env.clock.Advance(time.Hour)
	omarByMail(t, env, "Pre-Conference Seminar (moved again)")
	attempt(store.OutboxResult{Status: store.OutboxPending, Error: "421 4.7.0 Try again later",
		RetryAt: env.clock.Now().Add(10 * time.Minute)})

	_, body := env.as(programme.RoleViewer).get(mailPage)
	row := mailRowHTML(t, body, "mail-omar-ansari")
	for _, want := range []string{
		`<span class="state state-behind">Deferred: tried again later</span>`,
		"Mail server: <q>421 4.7.0 Try again later</q>",
		"1 attempt",
		"The one before: sent, 1 h ago",
		`<span class="state state-behind">Not up to date</span>`,
	} {
		if !strings.Contains(row, want) {
			t.Errorf("Omar's row lacks %q:\n%s", want, row)
		}
	}
	if !strings.Contains(body, "1 message waiting to be sent") {
		t.Errorf("the page does not count the deferred message as waiting")
	}
}
