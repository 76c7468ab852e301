package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	goical "github.com/emersion/go-ical"

	"github.com/planner-dev/planner/internal/programme"
)

const runPath = "/staff/p/" + demoSlug + "/runs/" + busKey

// openBusPoll makes the demo's bus poll undecided, with three votes.
func openBusPoll(t *testing.T, env *viewsEnv) {
	t.Helper()
	storeImport(t, env, func(p *programme.Programme) {
		p.Transport[0].Poll.Decided = ""
		p.Transport[0].Poll.Votes = []programme.Vote{
			{Person: "omar-ansari", Option: "17:30"}, {Person: "aziz-taqwa", Option: "17:15"}, {Person: "shamim", Option: "17:30"},
		}
	})
}

func (env *viewsEnv) storedBus() *programme.Run {
	env.t.Helper()
	p, err := env.st.Programme(env.t.Context(), demoSlug)
	if err != nil {
		env.t.Fatal(err)
	}
	return found(env.t, p.Run(busKey), "no bus")
}

func TestStaffDecidesThePoll(t *testing.T) {
	env := newViewsEnv(t)
	openBusPoll(t, env)
	editor := env.as(programme.RoleEditor)
	res, body := editor.get(runPath)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET run: %d\n%s", res.StatusCode, body)
	}
	for _, want := range []string{
		"<td>17:30</td><td>2</td><td>Omar Ansari, Shamim</td>",
		"<td>17:15</td><td>1</td><td>Aziz Taqwa</td>",
		"Not voted yet (", "Shabana", `name="option" value="17:30"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the run page lacks %s", want)
		}
	}
	token := azizToken(t, env)
	seq := sequenceOf(t, eventsByUID(t, env.feedOf(token))[uidOf("run/"+busKey)])

	rev := regexpValue("revision").FindStringSubmatch(body)[1]
	res, _ = editor.post(runPath, runPath+"/decide", url.Values{"option": {"17:30"}, "revision": {rev}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("decide: %d", res.StatusCode)
	}
	bus := env.storedBus()
	p, _ := env.st.Programme(t.Context(), demoSlug)
	if got := programme.FormatLocal(bus.DepartsAt, p.Loc("")); got != "2016-12-05T17:30" || bus.Poll.Decided != "17:30" {
		t.Errorf("after deciding: departs %s, decided %q", got, bus.Poll.Decided)
	}
	ev := eventsByUID(t, env.feedOf(token))[uidOf("run/"+busKey)]
	if got := sequenceOf(t, ev); got <= seq {
		t.Errorf("a rider's feed kept SEQUENCE %d after the decision (was %d)", got, seq)
	}
	_, body = editor.get(res.Header.Get("Location"))
	announcement := "Bus back to the hotel: now 17:30 from Expo Guadalajara."
	for _, want := range []string{"Decided for 17:30", announcement, "https://wa.me/?text=Bus%20back%20to%20the%20hotel%3A%20now%2017%3A30"} {
		if !strings.Contains(body, want) {
			t.Errorf("after deciding, the page lacks %s", want)
		}
	}

	t.Run("a stale revision is refused", func(t *testing.T) {
		res, _ := editor.post(runPath, runPath+"/decide", url.Values{"option": {"17:15"}, "revision": {rev}})
		if res.StatusCode != http.StatusConflict {
			t.Errorf("%d, want 409", res.StatusCode)
		}
	})
	t.Run("viewers read, and cannot decide", func(t *testing.T) {
		viewer := env.as(programme.RoleViewer)
		res, body := viewer.get(runPath)
		if res.StatusCode != http.StatusOK || strings.Contains(body, "/decide") {
			t.Errorf("viewer's run page: %d, decide form shown: %v", res.StatusCode, strings.Contains(body, "/decide"))
		}
		res, _ = viewer.post(runPath, runPath+"/decide", url.Values{"option": {"17:15"}})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("viewer deciding: %d, want 403", res.StatusCode)
		}
	})
	t.Run("a post without the CSRF token is refused", func(t *testing.T) {
		res, _ := editor.do(http.MethodPost, runPath+"/decide", url.Values{"option": {"17:15"}}, nil)
		if res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusBadRequest {
			t.Errorf("%d, want a refusal", res.StatusCode)
		}
		if env.storedBus().Poll.Decided != "17:30" {
			t.Error("the refused post changed the poll")
		}
	})
}

func azizToken(t *testing.T, env *viewsEnv) string {
	t.Helper()
	list, err := env.svc.List(t.Context(), demoSlug, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range list {
		if l.Kind == programme.FeedPerson && l.Key == "aziz-taqwa" {
			return strings.TrimSuffix(strings.TrimPrefix(l.URL, "https://planner.example.org/feeds/"), ".ics")
		}
	}
	t.Fatal("no feed for Aziz")
	return ""
}

func (env *viewsEnv) feedOf(token string) *goical.Calendar {
	env.t.Helper()
	res, body := get(env.t, env.srv.Handler(), "/feeds/"+token+".ics")
	if res.StatusCode != http.StatusOK {
		env.t.Fatalf("feed: %d", res.StatusCode)
	}
	return parseCalendar(env.t, body)
}

func TestManifestAndCapacity(t *testing.T) {
	env := newViewsEnv(t)
	storeImport(t, env, func(p *programme.Programme) {
		p.Transport[0].Capacity = 10
		p.Transport[0].StayingBehind = []programme.StayingBehind{{Person: "omar-ansari", Note: "Dinner with the MAG", Active: true}}
		p.Person("aziz-taqwa").Phone = "+93 (70) 123-4567"
	})
	p, _ := env.st.Programme(t.Context(), demoSlug)
	head := p.RunHeadcount(p.Run(busKey))
	if head.StayingBehind != 1 || !head.Over() {
		t.Fatalf("the fixture's headcount %+v is not over capacity with one staying behind", head)
	}
	viewer := env.as(programme.RoleViewer)
	res, body := viewer.get(runPath + "/manifest")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("manifest: %d\n%s", res.StatusCode, body)
	}
	inOrder(t, body, "Expected: "+strconv.Itoa(head.Expected), "Over capacity by "+strconv.Itoa(head.OverBy()),
		"<h2>Afghanistan (", "Aziz Taqwa", `href="tel:&#43;93701234567"`, "Staying behind (1)", "Omar Ansari", "Dinner with the MAG")
	if strings.Count(body, "Omar Ansari") != 1 {
		t.Error("Omar is listed both riding and staying behind")
	}
	_, body = viewer.get(runPath)
	if !strings.Contains(body, "Over capacity: 10 seats for "+strconv.Itoa(head.Expected)+" people.") {
		t.Error("the run page does not warn of the capacity")
	}
	if !strings.Contains(body, `class="warning"`) || !strings.Contains(body, "seats") {
		t.Error("the run page does not list the run's own conflicts")
	}
	_, body = viewer.get("/staff/p/" + demoSlug + "/runs")
	if !strings.Contains(body, "over capacity") || !strings.Contains(body, runPath) {
		t.Error("the list of runs does not flag the bus")
	}
}

// tickInBackground ticks person on the boarding list in the background, as
// boarding.js does.
func tickInBackground(b *browser, csrf, target, person, ticked string) (*http.Response, string) {
	return b.do(http.MethodPost, target, url.Values{"_csrf": {csrf}, "person": {person}, "ticked": {ticked}},
		map[string]string{"Accept": "application/json"})
}

func TestTwoStaffTickTheBoardingListAtOnce(t *testing.T) {
	env := newViewsEnv(t)
	storeImport(t, env, func(p *programme.Programme) {
		p.Transport[0].StayingBehind = []programme.StayingBehind{{Person: "omar-ansari", Active: true}}
	})
	emily, admin := env.as(programme.RoleEditor), env.as(programme.RoleAdmin)
	page := runPath + "/boarding"
	tokens := []string{emily.token(page), admin.token(page)}
	phones := []*browser{emily, admin}
	groups := [][]string{{"aziz-taqwa", "shabana", "wafa"}, {"nashimi", "payab", "shamim"}}
	var wg sync.WaitGroup
	statuses := make([][]int, 2)
	for i := range phones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, person := range groups[i] {
				res, _ := tickInBackground(phones[i], tokens[i], page, person, "1")
				statuses[i] = append(statuses[i], res.StatusCode)
			}
		}()
	}
	wg.Wait()
	for i, st := range statuses {
		for _, code := range st {
			if code != http.StatusOK {
				t.Fatalf("phone %d: tick answered %d", i, code)
			}
		}
	}
	res, body := emily.get(page + ".json")
	var state checklistState
	if err := json.Unmarshal([]byte(body), &state); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("state: %d %v\n%s", res.StatusCode, err, body)
	}
	for i, group := range groups {
		for _, person := range group {
			tk, ok := state.Ticks[person]
			if !ok || !tk.Ticked || tk.By != []string{"editor@example.org", "admin@example.org"}[i] {
				t.Errorf("%s: %+v, want ticked by phone %d", person, tk, i)
			}
		}
	}

	// The no-JS form: untick with a plain post, which shows the page again.
	res, _ = admin.post(page, page, url.Values{"person": {"shamim"}, "ticked": {"0"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), page+"#person-shamim") {
		t.Errorf("untick by form: %d to %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = emily.get(page)
	for _, want := range []string{"unticked by admin@example.org", "Still missing: ", "Shamim", "Staying behind", `src="/static/boarding.js?v=`} {
		if !strings.Contains(body, want) {
			t.Errorf("the checklist lacks %s", want)
		}
	}
	if strings.Contains(body, `data-person="omar-ansari"`) {
		t.Error("Omar, staying behind, is on the boarding list")
	}

	t.Run("refusals", func(t *testing.T) {
		if res, _ := tickInBackground(emily, tokens[0], page, "omar-ansari", "1"); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("ticking someone staying behind: %d, want 422", res.StatusCode)
		}
		if res, _ := tickInBackground(emily, tokens[0], page, "sally-wentworth", "1"); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("ticking a non-rider: %d, want 422", res.StatusCode)
		}
		viewer := env.as(programme.RoleViewer)
		res, body := viewer.get(page)
		if res.StatusCode != http.StatusOK || strings.Contains(body, `class="tick"`) {
			t.Errorf("viewer's checklist: %d, with tick forms: %v", res.StatusCode, strings.Contains(body, `class="tick"`))
		}
		if res, _ := tickInBackground(viewer, viewer.token(page), page, "aziz-taqwa", "0"); res.StatusCode != http.StatusForbidden {
			t.Errorf("a viewer ticking: %d, want 403", res.StatusCode)
		}
		if res, _ := emily.do(http.MethodPost, page, url.Values{"person": {"aziz-taqwa"}, "ticked": {"0"}}, nil); res.StatusCode < 400 {
			t.Errorf("a tick without the CSRF token: %d", res.StatusCode)
		}
	})
}

func TestHandoutChecklist(t *testing.T) {
	env := newViewsEnv(t)
	editor := env.as(programme.RoleEditor)
	list := "/staff/p/" + demoSlug + "/handouts"
	res, body := editor.post(list, list, url.Values{"title": {""}, "day": {"Monday"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "h-day-error") {
		t.Errorf("a bad hand-out: %d", res.StatusCode)
	}
	res, _ = editor.post(list, list, url.Values{"title": {"Meal tickets for Monday's lunch"}, "day": {"2016-12-05"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", res.StatusCode)
	}
	page := res.Header.Get("Location")
	if page != list+"/2016-12-05-meal-tickets-for-monday-s-lunch" {
		t.Errorf("hand-out at %s", page)
	}
	res, _ = editor.post(page, page+"/ticks", url.Values{"person": {"shamim"}, "ticked": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("tick: %d", res.StatusCode)
	}
	if res, _ := editor.post(page, page+"/ticks", url.Values{"person": {"joe-gattuso"}, "ticked": {"1"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("ticking staff on a delegates' hand-out: %d", res.StatusCode)
	}
	_, body = editor.get(page)
	if !strings.Contains(body, "Still missing: ") || !strings.Contains(body, "Omar Ansari") || !strings.Contains(body, "✓ editor@example.org") {
		t.Error("the hand-out's checklist does not show who is missing and who ticked")
	}
	if strings.Contains(strings.SplitN(body, "Still missing:", 2)[1][:200], "Shamim,") {
		t.Error("Shamim, who received it, is listed as missing")
	}
	_, body = env.as(programme.RoleViewer).get(list)
	if !strings.Contains(body, "given to 1 of ") {
		t.Error("the list of hand-outs does not count who received it")
	}
}

func TestDemoBusIsDecidedFor1715(t *testing.T) {
	env := newViewsEnv(t)
	viewer := env.as(programme.RoleViewer)
	_, body := viewer.get(runPath)
	for _, want := range []string{"Decided for 17:15.", "<td>17:15 (decided)</td>", "<td>17:30</td>",
		"Bus back to the hotel: now 17:15 from Expo Guadalajara."} {
		if !strings.Contains(body, want) {
			t.Errorf("the demo's bus page lacks %s", want)
		}
	}
	res, body := viewer.get(runPath + "/manifest")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "<h2>Afghanistan (") || !strings.Contains(body, "<h2>Pakistan (") {
		t.Errorf("the demo's manifest: %d", res.StatusCode)
	}
}

func TestStaffEditsARun(t *testing.T) {
	env := newViewsEnv(t)
	editor := env.as(programme.RoleEditor)
	edit := runPath + "/edit"
	res, body := editor.get(edit)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET edit: %d\n%s", res.StatusCode, body)
	}
	form := url.Values{}
	for _, name := range []string{"title", "kind", "departs_at", "from", "to", "capacity", "vehicle", "contact", "status",
		"riders_delegations", "riders_people", "poll_options", "poll_closes", "revision"} {
		m := regexpValue(name).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no field %s on the form", name)
		}
		form.Set(name, htmlUnescape(m[1]))
	}
	if form.Get("departs_at") != "2016-12-05T17:15" || form.Get("poll_options") != "17:15, 17:30" || form.Get("riders_delegations") != "af, pk" {
		t.Errorf("the form shows %v", form)
	}
	// The pick-up point becomes to be announced; a bad capacity is refused
	// beside its field and changes nothing.
	form.Set("from", "")
	form.Set("capacity", "many")
	res, body = editor.post(edit, edit, form)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "f-capacity-error") {
		t.Fatalf("a bad capacity: %d", res.StatusCode)
	}
	if env.storedBus().From != "expo" {
		t.Fatal("the refused form changed the run")
	}
	form.Set("capacity", "30")
	form.Set("vehicle", "Coach 7")
	res, _ = editor.post(edit, edit, form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	bus := env.storedBus()
	if bus.From != "" || bus.Capacity != 30 || bus.Vehicle != "Coach 7" || bus.Poll == nil || bus.Poll.Decided != "17:15" {
		t.Errorf("saved run %+v", bus)
	}
	_, body = editor.get(runPath)
	if !strings.Contains(body, "now 17:15 from a pick-up point to be announced.") {
		t.Error("the announcement does not say the pick-up point is to be announced")
	}
	t.Run("a rider unknown to the programme is refused beside its field", func(t *testing.T) {
		_, body := editor.get(edit)
		form.Set("revision", htmlUnescape(regexpValue("revision").FindStringSubmatch(body)[1]))
		form.Set("riders_people", "nobody")
		res, body := editor.post(edit, edit, form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "f-riders_people-error") {
			t.Errorf("%d", res.StatusCode)
		}
	})
	t.Run("a new run", func(t *testing.T) {
		list := "/staff/p/" + demoSlug + "/runs"
		res, _ := editor.post(list+"/new", list, url.Values{"title": {"Shuttle to the airport"}, "kind": {"shuttle"},
			"departs_at": {"2016-12-09T16:00"}, "riders_delegations": {"pk"}, "status": {"confirmed"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != list+"/shuttle-to-the-airport" {
			t.Fatalf("create: %d to %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := env.as(programme.RoleViewer).get(list + "/new"); res.StatusCode != http.StatusForbidden {
			t.Errorf("a viewer's new-run form: %d", res.StatusCode)
		}
	})
}
