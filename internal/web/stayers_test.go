package web

import (
	"errors"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// notRiding is the one refusal of a stayer who does not ride the run.
var notRiding = programme.FieldError{Path: "transport[0].staying_behind[0].person",
	Msg: `"sally-wentworth" does not ride this run: add them to its riders, or take them off its staying_behind`}

// Only a rider can stay behind, by every way in, with one message at one
// path: a programme file, the delegate's own form, and the staff's run
// form (which keeps the stored stayers) when it takes the riders away. The
// API's request is in package api (TestAPIRefusesAStayerWhoDoesNotRide).
func TestStayingBehindIsForRidersEverywhere(t *testing.T) {
	env := newViewsEnv(t)
	before := env.storedBus()

	// A file: the import refuses it and stores nothing.
	_, err := env.st.Import(t.Context(), editedDemo(t, func(p *programme.Programme) {
		p.Transport[0].StayingBehind = []programme.StayingBehind{{Person: "sally-wentworth", Active: true}}
	}), store.ImportOptions{})
	var e *programme.Error
	if !errors.As(err, &e) || e.Code != programme.EINVALID || !slices.Equal(e.Fields, programme.FieldErrors{notRiding}) {
		t.Fatalf("a file with a stayer who does not ride: %v", err)
	}

	// The delegate's own form: 422 with the same path and message.
	fe := &feedEnv{t: t, svc: env.svc, srv: env.srv, slug: demoSlug}
	sally := fe.token(programme.FeedPerson, "sally-wentworth")
	res, body := fe.delegatePost(sally, "stay", url.Values{"note": {"dinner"}}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(body), "<code>"+notRiding.Path+"</code>: "+notRiding.Msg) {
		t.Fatalf("the delegate form: %d, want 422 with %v\n%s", res.StatusCode, notRiding, body)
	}

	// The staff's run form: Omar (af) stays behind, then the editor takes
	// af off the riders: refused, with the message naming the fix.
	omar := fe.token(programme.FeedPerson, "omar-ansari")
	if res, body := fe.delegatePost(omar, "stay", url.Values{"note": {"dinner"}}, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("Omar stays behind: %d\n%s", res.StatusCode, body)
	}
	editor := env.as(programme.RoleEditor)
	edit := runPath + "/edit"
	_, page := editor.get(edit)
	form := url.Values{}
	for _, name := range []string{"title", "kind", "departs_at", "from", "to", "capacity", "vehicle", "contact", "status",
		"riders_delegations", "riders_people", "poll_options", "poll_closes", "revision"} {
		form.Set(name, htmlUnescape(regexpValue(name).FindStringSubmatch(page)[1]))
	}
	form.Set("riders_delegations", "pk")
	res, body = editor.post(edit, edit, form)
	want := programme.FieldError{Path: notRiding.Path, Msg: strings.Replace(notRiding.Msg, "sally-wentworth", "omar-ansari", 1)}
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(body), want.Msg) {
		t.Fatalf("the run form taking a stayer's delegation off: %d, want 422 with %q\n%s", res.StatusCode, want.Msg, body)
	}
	bus := env.storedBus()
	if !slices.Equal(bus.Riders.Delegations, before.Riders.Delegations) {
		t.Errorf("a refused way in changed the riders: %v", bus.Riders.Delegations)
	}
	if _, ok := bus.StaysBehind("sally-wentworth"); ok {
		t.Error("Sally stays behind a run she does not ride")
	}
}
