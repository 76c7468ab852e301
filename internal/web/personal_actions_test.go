package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/planner-dev/planner/internal/programme"
)

const busKey = "day0-bus"

// newPollEnv is the demo with the bus run's poll still open: it closes at
// 15:00 on the day (the clock starts weeks before).
func newPollEnv(t *testing.T) *feedEnv {
	t.Helper()
	return newFeedEnv(t, editedDemo(t, func(p *programme.Programme) {
		p.Transport[0].Poll.Decided = ""
	}))
}

// delegatePost posts form to a personal link's action as a browser on the
// server's own page does.
func (env *feedEnv) delegatePost(token, action string, form url.Values, header map[string]string) (*http.Response, string) {
	env.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/a/"+token+"/runs/"+busKey+"/"+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://planner.example.org")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	env.srv.Handler().ServeHTTP(rec, req)
	return rec.Result(), rec.Body.String()
}

// bus is the stored bus run.
func (env *feedEnv) bus() *programme.Run {
	env.t.Helper()
	p, err := env.st.Programme(env.t.Context(), env.slug)
	if err != nil {
		env.t.Fatal(err)
	}
	return found(env.t, p.Run(busKey), "no run %s", busKey)
}

// busEvent is the bus run's event in the feed of token.
func (env *feedEnv) busEvent(token string) goical.Event {
	env.t.Helper()
	ev, ok := eventsByUID(env.t, env.calendar(token))[uidOf("run/"+busKey)]
	if !ok {
		env.t.Fatalf("no bus in the feed")
	}
	return ev
}

func TestDelegateVotes(t *testing.T) {
	env := newPollEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	seq := sequenceOf(t, env.busEvent(omar))

	res, _ := env.delegatePost(omar, "vote", url.Values{"option": {"17:30"}}, nil)
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/a/"+omar+"?saved=vote") {
		t.Fatalf("vote: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = env.delegatePost(omar, "vote", url.Values{"option": {"17:15"}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("second vote: %d", res.StatusCode)
	}
	if votes := env.bus().Poll.Votes; len(votes) != 1 || votes[0] != (programme.Vote{Person: "omar-ansari", Option: "17:15"}) {
		t.Errorf("votes %v, want Omar's one vote for 17:15", votes)
	}
	aziz := env.token(programme.FeedPerson, "aziz-taqwa")
	if res, _ := env.delegatePost(aziz, "vote", url.Values{"option": {"17:30"}}, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("Aziz's vote: %d", res.StatusCode)
	}
	if votes := env.bus().Poll.Votes; len(votes) != 2 {
		t.Errorf("votes %v, want Omar's and Aziz's", votes)
	}
	if got := sequenceOf(t, env.busEvent(omar)); got != seq {
		t.Errorf("votes moved the bus's SEQUENCE from %d to %d", seq, got)
	}
	history, err := env.st.History(t.Context(), env.slug, 1)
	if err != nil {
		t.Fatal(err)
	}
	if h := history[0]; h.Source != programme.SourceDelegate || h.Author.Name != "Aziz Taqwa" || h.Author.UserID != 0 {
		t.Errorf("the log's last change: %+v", h)
	}

	_, page := env.personal(omar)
	for _, want := range []string{`action="/a/` + omar + `/runs/day0-bus/vote"`, `value="17:15" checked`, "Change my vote"} {
		if !strings.Contains(page, want) {
			t.Errorf("the agenda page lacks %s", want)
		}
	}

	t.Run("refused for someone who does not ride the run", func(t *testing.T) {
		res, body := env.delegatePost(env.token(programme.FeedPerson, "sally-wentworth"), "vote", url.Values{"option": {"17:15"}}, nil)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "not on the list of riders") {
			t.Errorf("%d\n%s", res.StatusCode, body)
		}
	})
	t.Run("refused for an option the poll lacks", func(t *testing.T) {
		if res, _ := env.delegatePost(omar, "vote", url.Values{"option": {"18:00"}}, nil); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%d", res.StatusCode)
		}
	})
	t.Run("refused once the poll closed", func(t *testing.T) {
		env.clock.Set(*env.bus().Poll.ClosesAt)
		res, body := env.delegatePost(omar, "vote", url.Values{"option": {"17:30"}}, nil)
		if res.StatusCode != http.StatusConflict || !strings.Contains(body, "closed") {
			t.Errorf("%d\n%s", res.StatusCode, body)
		}
		if votes := env.bus().Poll.Votes; votes[0].Option != "17:15" {
			t.Errorf("the refused vote changed the poll: %v", votes)
		}
		if _, page := env.personal(omar); !strings.Contains(page, "The poll is closed. You voted 17:15.") {
			t.Error("the page does not say the poll closed")
		}
	})
}

func TestDelegateFormsRefuseOtherSites(t *testing.T) {
	env := newPollEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	for _, tt := range []struct {
		name   string
		header map[string]string
		status int
	}{
		{"another origin", map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"another port", map[string]string{"Origin": "https://planner.example.org:8443"}, http.StatusForbidden},
		// A sandboxed page's origin is opaque: browsers send Origin: null
		// and call the request cross-site.
		{"a sandboxed page", map[string]string{"Origin": "null", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"Origin null, no Sec-Fetch-Site", map[string]string{"Origin": "null", "Sec-Fetch-Site": ""}, http.StatusForbidden},
		{"no Origin, cross-site", map[string]string{"Origin": "", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"no Origin, same-site", map[string]string{"Origin": "", "Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		// The agenda page is served with Referrer-Policy: no-referrer, under
		// which Chromium sends Origin: null with the page's own POSTs.
		{"Origin null from its own page", map[string]string{"Origin": "null", "Sec-Fetch-Site": "same-origin"}, http.StatusSeeOther},
		{"no Origin, same-origin", map[string]string{"Origin": ""}, http.StatusSeeOther},
		{"neither header", map[string]string{"Origin": "", "Sec-Fetch-Site": ""}, http.StatusSeeOther},
		{"own origin", nil, http.StatusSeeOther},
	} {
		res, body := env.delegatePost(omar, "vote", url.Values{"option": {"17:30"}}, tt.header)
		if res.StatusCode != tt.status {
			t.Errorf("%s: %d, want %d\n%s", tt.name, res.StatusCode, tt.status, body)
		}
		if tt.status == http.StatusForbidden && len(env.bus().Poll.Votes) != 0 {
			t.Fatalf("%s: the refused vote was saved", tt.name)
		}
	}
}

func TestDelegateLinksThatCannotAct(t *testing.T) {
	env := newPollEnv(t)
	shamim := env.token(programme.FeedPerson, "shamim")
	if err := env.svc.Revoke(t.Context(), env.slug, programme.FeedPerson, "shamim"); err != nil {
		t.Fatal(err)
	}
	if res, _ := env.delegatePost(shamim, "vote", url.Values{"option": {"17:30"}}, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("a revoked link: %d, want 404", res.StatusCode)
	}
	if res, _ := env.delegatePost("not-a-token", "stay", url.Values{}, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown link: %d, want 404", res.StatusCode)
	}
	af := env.token(programme.FeedDelegation, "af")
	if res, _ := env.delegatePost(af, "stay", url.Values{}, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("a delegation's link: %d, want 403", res.StatusCode)
	}
}

func TestDelegateStaysBehind(t *testing.T) {
	env := newPollEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	aziz := env.token(programme.FeedPerson, "aziz-taqwa")
	seqAziz := sequenceOf(t, env.busEvent(aziz))

	res, _ := env.delegatePost(omar, "stay", url.Values{"note": {"Dinner with the MAG"}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("stay: %d", res.StatusCode)
	}
	if sb, ok := env.bus().StaysBehind("omar-ansari"); !ok || sb.Note != "Dinner with the MAG" {
		t.Errorf("Omar's entry %+v, %v", sb, ok)
	}
	ev := env.busEvent(omar)
	if got := propText(t, ev.Props, goical.PropStatus); got != "CANCELLED" {
		t.Errorf("Omar's feed shows the bus %s, want CANCELLED", got)
	}
	ev = env.busEvent(aziz)
	if got := propText(t, ev.Props, goical.PropStatus); got == "CANCELLED" || sequenceOf(t, ev) != seqAziz {
		t.Errorf("Aziz's feed changed: %s, SEQUENCE %d (was %d)", got, sequenceOf(t, ev), seqAziz)
	}
	_, page := get(t, env.srv.Handler(), "/a/"+omar+"?saved=stay")
	if !strings.Contains(page, "You are staying behind") || !strings.Contains(page, "/runs/day0-bus/unstay") ||
		!strings.Contains(page, "Staff now know") {
		t.Error("the agenda page does not show Omar staying behind with a way back")
	}

	res, _ = env.delegatePost(omar, "unstay", url.Values{}, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unstay: %d", res.StatusCode)
	}
	if _, ok := env.bus().StaysBehind("omar-ansari"); ok {
		t.Error("Omar still stays behind")
	}
	if got := propText(t, env.busEvent(omar).Props, goical.PropStatus); got == "CANCELLED" {
		t.Error("Omar's feed still shows the bus cancelled")
	}

	env.clock.Set(env.bus().DepartsAt.Add(time.Minute))
	if res, _ := env.delegatePost(omar, "stay", url.Values{}, nil); res.StatusCode != http.StatusConflict {
		t.Errorf("staying behind after departure: %d, want 409", res.StatusCode)
	}
	if res, _ := env.delegatePost(env.token(programme.FeedPerson, "sally-wentworth"), "stay", url.Values{}, nil); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a non-rider staying behind: %d, want 422", res.StatusCode)
	}
}

func TestDelegateSeesTheDecision(t *testing.T) {
	env := newDemoEnv(t)
	_, page := env.personal(env.token(programme.FeedPerson, "omar-ansari"))
	if !strings.Contains(page, "Decided: <strong>17:15</strong>.") || strings.Contains(page, "/runs/day0-bus/vote") {
		t.Error("the agenda page does not show the decided poll without a vote form")
	}
	if !strings.Contains(page, "/runs/day0-bus/stay") {
		t.Error("no way to stay behind before departure")
	}
	_, page = env.personal(env.token(programme.FeedPerson, "sally-wentworth"))
	if strings.Contains(page, "Your transport") {
		t.Error("a speaker who rides nothing sees a transport part")
	}
}
