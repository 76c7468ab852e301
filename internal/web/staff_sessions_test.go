package web

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
)

const seminarPath = "/staff/p/" + demoSlug + "/sessions/day0-seminar"

// slotTimes are the seminar's slots as stored, "key 09:00-09:10", in
// running order, in the programme's zone.
func slotTimes(t *testing.T, f *staffFixture) []string {
	t.Helper()
	p, err := f.st.Programme(t.Context(), demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	loc := p.Loc("")
	var out []string
	for _, sl := range p.Session("day0-seminar").Slots {
		if sl.Status != programme.StatusCancelled {
			out = append(out, sl.Key+" "+sl.StartsAt.In(loc).Format("15:04")+"-"+sl.EndsAt.In(loc).Format("15:04"))
		}
	}
	return out
}

// hiddenValue finds the value of the first hidden input called name.
func hiddenValue(t *testing.T, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no hidden %s in\n%s", name, body)
	}
	return htmlUnescape(m[1])
}

// sessionEditForm loads the seminar's editor and returns its form values.
func sessionEditForm(t *testing.T, b *browser) (url.Values, string) {
	t.Helper()
	res, body := b.get(seminarPath)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", seminarPath, res.StatusCode, body)
	}
	v := url.Values{}
	for _, name := range []string{"title", "starts_at", "ends_at", "time_zone", "location"} {
		m := regexpValue(name).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no field %s on the session page", name)
		}
		v.Set(name, htmlUnescape(m[1]))
	}
	v.Set("revision", hiddenValue(t, body, "revision"))
	v.Set("kind", "seminar")
	v.Set("status", "confirmed")
	v.Set("room", "room-10")
	v.Set("required", "on")
	v["audience_delegation"] = []string{"af", "pk"}
	v["audience_person"] = []string{"jordan-solomon"}
	return v, body
}

func speakerSequence(t *testing.T, f *staffFixture, person, id string) int {
	t.Helper()
	p, err := f.st.Programme(t.Context(), demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := p.FeedEntries(programme.FeedSpeaker, person, testNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.ID == id {
			// The feed itself says so too.
			ics := feedOf(t, p, feeds.Subject{Kind: programme.FeedSpeaker, Key: person, Name: person})
			if !bytes.Contains(ics, []byte("SEQUENCE:"+itoa(int64(e.Sequence)))) {
				t.Errorf("the feed of %s lacks SEQUENCE:%d", person, e.Sequence)
			}
			return e.Sequence
		}
	}
	t.Fatalf("the feed of %s has no %s", person, id)
	return 0
}

func TestSessionRoutesByRole(t *testing.T) {
	f := newProgrammeFixture(t)
	routes := []string{
		"/staff/p/" + demoSlug + "/sessions/new",
		seminarPath,
		seminarPath + "/cancel",
		seminarPath + "/slots",
		seminarPath + "/slots/order",
		seminarPath + "/slots/nri",
		seminarPath + "/slots/nri/remove",
		seminarPath + "/slots/nri/shift",
	}
	form := url.Values{"title": {"T"}, "starts_at": {"2016-12-05T09:00"}, "ends_at": {"2016-12-05T10:00"},
		"kind": {"meeting"}, "move": {"nri"}, "dir": {"up"}, "by": {"10m"}}
	before := exportBytes(t, f)
	viewer := f.loggedIn(t, "vic@example.org")
	editor := f.loggedIn(t, "emily@example.org")
	anon := f.browser(t, "192.0.2.40")
	anon.token("/staff/login")
	for _, route := range routes {
		if res, _ := viewer.post("/staff", route, form); res.StatusCode != http.StatusForbidden {
			t.Errorf("viewer POST %s: %d, want 403", route, res.StatusCode)
		}
		if res, _ := anon.post("/staff/login", route, form); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("visitor POST %s: %d, want 401", route, res.StatusCode)
		}
		if res, _ := editor.do(http.MethodPost, route, form, nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("editor POST %s without a CSRF token: %d, want 403", route, res.StatusCode)
		}
	}
	if !bytes.Equal(exportBytes(t, f), before) {
		t.Error("a refused request changed the programme")
	}
	if list := viewer.mustGet("/staff/p/" + demoSlug + "/sessions"); strings.Contains(list, "New session") {
		t.Error("a viewer is offered a new session")
	}
	for path, want := range map[string]int{
		"/staff/p/" + demoSlug + "/sessions": 200, seminarPath: 403, seminarPath + "/slots/nri": 403,
	} {
		if res, _ := viewer.get(path); res.StatusCode != want {
			t.Errorf("viewer GET %s: %d, want %d", path, res.StatusCode, want)
		}
	}
	for _, path := range []string{"/staff/p/" + demoSlug + "/sessions", seminarPath, seminarPath + "/slots/nri",
		seminarPath + "/slots/new", seminarPath + "/slots/isoc/shift?by=10m", "/staff/p/" + demoSlug + "/sessions/new"} {
		if res, body := editor.get(path); res.StatusCode != http.StatusOK {
			t.Errorf("editor GET %s: %d\n%s", path, res.StatusCode, body)
		}
		if res, _ := editor.do(http.MethodHead, path, nil, nil); res.StatusCode != http.StatusOK {
			t.Errorf("editor HEAD %s: %d", path, res.StatusCode)
		}
	}
}

func TestSessionPagesShowTheRunningOrderAndConflicts(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	_, list := b.get("/staff/p/" + demoSlug + "/sessions")
	inOrder(t, list, "Monday 5 December 2016", "Pre-Conference Seminar for CLDP Supported Delegations", "confirmed")
	_, body := b.get(seminarPath)
	inOrder(t, body, "Welcome and overview", "The Internet Society", "Available until 11:00", "National and regional",
		"Telecommunications reform", "Available until 12:30", "Cancelled slots", "Informal visitors")
	for _, want := range []string{
		"America/Mexico_City (CST)", `type="datetime-local"`, `value="2016-12-05T09:00"`,
		`name="audience_delegation" value="af" checked`, `<option value="room-10" selected>`,
		// The one navigation of a programme's pages, with the routes of
		// the other editors' pages.
		`/staff/p/` + demoSlug + `/people"`, `/staff/p/` + demoSlug + `/venues"`, `/staff/p/` + demoSlug + `/runs"`,
		`/staff/p/` + demoSlug + `/history"`, `/staff/p/` + demoSlug + `/edit"`, `aria-current="page">Sessions`,
		"Move up", "Move down", `src="/static/slots.`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the session page lacks %s", want)
		}
	}
	// The session's own conflicts are warnings on its page: moving ISOC
	// past 11:00 puts its speakers outside their window.
	p, _ := f.st.Programme(t.Context(), demoSlug)
	var mine int
	for _, c := range p.Conflicts() {
		if c.Involves("session/day0-seminar") {
			mine++
		}
	}
	v := slotForm(t, b, "isoc")
	v.Set("ends_at", "2016-12-05T11:05")
	if res, body := b.post(seminarPath+"/slots/isoc", seminarPath+"/slots/isoc", v); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, body)
	}
	p, _ = f.st.Programme(t.Context(), demoSlug)
	now := 0
	for _, c := range p.Conflicts() {
		if c.Involves("session/day0-seminar") {
			now++
		}
	}
	if now <= mine {
		t.Fatalf("moving ISOC made no conflict (%d, then %d)", mine, now)
	}
	_, body = b.get(seminarPath)
	if !strings.Contains(body, "Conflicts <span class=\"badge badge-warn\">"+itoa(int64(now))) || !strings.Contains(body, "have to leave by 11:00") {
		t.Errorf("the page does not show %d conflicts:\n%s", now, body)
	}
	if !strings.Contains(body, `class="slot-conflict"`) {
		t.Error("the slot's own conflict is not beside it")
	}
}

func TestSessionCreateReshowsErrorsBesideFields(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	page := "/staff/p/" + demoSlug + "/sessions/new"
	bad := url.Values{"title": {""}, "kind": {"meeting"}, "status": {"confirmed"}, "starts_at": {"2016-12-05T9:00"},
		"ends_at": {"2016-12-05T10:00"}, "location": {"Hotel lobby"}, "audience_delegation": {"af"}}
	before := exportBytes(t, f)
	res, body := b.post(page, page, bad)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad session: %d, want 422\n%s", res.StatusCode, body)
	}
	for _, want := range []string{`id="f-starts_at-error"`, `value="2016-12-05T9:00"`, `value="Hotel lobby"`,
		`name="audience_delegation" value="af" checked`} {
		if !strings.Contains(body, want) {
			t.Errorf("the 422 page lacks %s", want)
		}
	}
	// The domain's own problems land beside their fields too.
	bad.Set("starts_at", "2016-12-05T11:00")
	res, body = b.post(page, page, bad)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-title-error"`) {
		t.Errorf("no title: %d\n%s", res.StatusCode, body)
	}
	if !bytes.Equal(exportBytes(t, f), before) {
		t.Error("a refused form changed the programme")
	}
	good := url.Values{"title": {"Town Hall briefing"}, "kind": {"briefing"}, "status": {"tentative"},
		"starts_at": {"2016-12-05T15:00"}, "ends_at": {"2016-12-05T16:00"}, "room": {"room-10"}, "audience_delegation": {"af"}}
	res, body = b.post(page, page, good)
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "/sessions/town-hall-briefing") {
		t.Fatalf("create: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	p, _ := f.st.Programme(t.Context(), demoSlug)
	s := p.Session("town-hall-briefing")
	if s == nil || s.Status != "tentative" || s.Room != "room-10" || s.StartsAt.In(p.Loc("")).Format("15:04") != "15:00" {
		t.Fatalf("stored %+v", s)
	}
	h, _ := f.st.History(t.Context(), demoSlug, 1)
	if h[0].Author.Name != "Emily Skills" || h[0].Source != programme.SourceWeb {
		t.Errorf("recorded as by %q from %q", h[0].Author.Name, h[0].Source)
	}
}

func TestSessionStaleSaveIsRefused(t *testing.T) {
	f := newProgrammeFixture(t)
	emily, ana := f.loggedIn(t, "emily@example.org"), f.loggedIn(t, "ana@example.org")
	mine, _ := sessionEditForm(t, ana)
	theirs, _ := sessionEditForm(t, emily)
	theirs.Set("title", "Day 0 seminar")
	if res, body := emily.post(seminarPath, seminarPath, theirs); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save: %d\n%s", res.StatusCode, body)
	}
	saved := exportBytes(t, f)
	mine.Set("title", "CLDP seminar")
	res, body := ana.post(seminarPath, seminarPath, mine)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("stale save: %d, want 409\n%s", res.StatusCode, body)
	}
	for _, want := range []string{"Emily Skills changed this session at", "Day 0 seminar", `value="CLDP seminar"`, "Save mine over theirs"} {
		if !strings.Contains(body, want) {
			t.Errorf("the refusal lacks %q", want)
		}
	}
	if !bytes.Equal(exportBytes(t, f), saved) {
		t.Fatal("the stale save overwrote the first")
	}
	mine.Set("revision", hiddenValue(t, body, "revision"))
	if res, body := ana.post(seminarPath, seminarPath, mine); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("deliberate save: %d\n%s", res.StatusCode, body)
	}
}

func TestSlotMoveUpByTheFormPath(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	_, body := b.get(seminarPath)
	seqBefore := speakerSequence(t, f, "marilyn-cade", "slot/day0-seminar/nri")
	form := url.Values{"slots_revision": {hiddenValue(t, body, "slots_revision")}, "move": {"nri"}, "dir": {"up"}}
	res, body := b.post(seminarPath, seminarPath+"/slots/order", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("move up: %d\n%s", res.StatusCode, body)
	}
	// Squeezed in before ISOC: each slot keeps its length, the five-minute
	// break after the third place stays there.
	want := []string{"welcome 09:00-09:10", "nri 09:10-09:20", "isoc 09:20-10:55", "ift 11:00-12:15", "cyber 12:15-12:50", "closing 12:50-13:00"}
	if got := slotTimes(t, f); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("after the move: %v, want %v", got, want)
	}
	if seq := speakerSequence(t, f, "marilyn-cade", "slot/day0-seminar/nri"); seq <= seqBefore {
		t.Errorf("Marilyn's feed kept SEQUENCE %d for her moved slot", seq)
	}
	h, _ := f.st.History(t.Context(), demoSlug, 0)
	if len(h) != 2 || h[0].Source != programme.SourceWeb || h[0].Author.Name != "Emily Skills" {
		t.Errorf("the move is not one change by Emily from the web: %+v", h[0])
	}
	// The same form again is stale: its revisions are of the old order.
	res, body = b.post(seminarPath, seminarPath+"/slots/order", form)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Emily Skills changed this slot") {
		t.Errorf("stale move: %d\n%s", res.StatusCode, body)
	}
	if got := slotTimes(t, f); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("the stale move changed the order: %v", got)
	}
}

func TestSlotOrderByKeys(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	_, body := b.get(seminarPath)
	rev := hiddenValue(t, body, "slots_revision")
	form := url.Values{"slots_revision": {rev}, "order": {"ift", "welcome", "isoc", "nri", "cyber", "closing"}}
	if res, body := b.post(seminarPath, seminarPath+"/slots/order", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reorder: %d\n%s", res.StatusCode, body)
	}
	want := []string{"ift 09:00-10:15", "welcome 10:15-10:25", "isoc 10:25-12:00", "nri 12:05-12:15", "cyber 12:15-12:50", "closing 12:50-13:00"}
	if got := slotTimes(t, f); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("after the reorder: %v, want %v", got, want)
	}
	bad := url.Values{"slots_revision": {hiddenValue(t, b.mustGet(seminarPath), "slots_revision")}, "order": {"ift", "welcome"}}
	if res, _ := b.post(seminarPath, seminarPath+"/slots/order", bad); res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("an order of two slots: %d, want 400 or 422", res.StatusCode)
	}
}

// mustGet loads a page that must answer 200.
func (b *browser) mustGet(target string) string {
	b.t.Helper()
	res, body := b.get(target)
	if res.StatusCode != http.StatusOK {
		b.t.Fatalf("GET %s: %d\n%s", target, res.StatusCode, body)
	}
	return body
}

func slotForm(t *testing.T, b *browser, slot string) url.Values {
	t.Helper()
	body := b.mustGet(seminarPath + "/slots/" + slot)
	v := url.Values{}
	for _, name := range []string{"title", "starts_at", "ends_at", "available_from", "available_until", "revision"} {
		if m := regexpValue(name).FindStringSubmatch(body); m != nil {
			v.Set(name, htmlUnescape(m[1]))
		}
	}
	for _, m := range regexp.MustCompile(`name="speaker" value="([^"]+)" checked`).FindAllStringSubmatch(body, -1) {
		v.Add("speaker", m[1])
	}
	return v
}

func TestSlotEndMovedOffersToShiftTheFollowingSlots(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	v := slotForm(t, b, "isoc")
	v.Set("ends_at", "2016-12-05T10:55")
	res, body := b.post(seminarPath+"/slots/isoc", seminarPath+"/slots/isoc", v)
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "/slots/isoc/shift?by=10m0s") {
		t.Fatalf("save: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	body = b.mustGet(res.Header.Get("Location"))
	inOrder(t, body, "10 minutes later", "National and regional", "10:45–10:55", "10:55–11:05",
		"Telecommunications", "11:00–12:15", "11:10–12:25", "The rest of the week", "12:50–13:00", "13:00–13:10",
		"09:00–13:10", "Move them 10 minutes later")
	h, _ := f.st.History(t.Context(), demoSlug, 0)
	changes := len(h)
	form := url.Values{"by": {hiddenValue(t, body, "by")}, "slots_revision": {hiddenValue(t, body, "slots_revision")},
		"revision": {hiddenValue(t, body, "revision")}}
	if res, body := b.post(seminarPath, seminarPath+"/slots/isoc/shift", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("shift: %d\n%s", res.StatusCode, body)
	}
	want := []string{"welcome 09:00-09:10", "isoc 09:10-10:55", "nri 10:55-11:05", "ift 11:10-12:25", "cyber 12:25-13:00", "closing 13:00-13:10"}
	if got := slotTimes(t, f); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("after the shift: %v, want %v", got, want)
	}
	p, _ := f.st.Programme(t.Context(), demoSlug)
	if end := p.Session("day0-seminar").EndsAt.In(p.Loc("")).Format("15:04"); end != "13:10" {
		t.Errorf("the session ends at %s, want 13:10", end)
	}
	if h, _ = f.st.History(t.Context(), demoSlug, 0); len(h) != changes+1 {
		t.Errorf("the shift made %d changes, want 1", len(h)-changes)
	}
	// Changing only the start, or a slot with none after it, offers nothing.
	v = slotForm(t, b, "closing")
	v.Set("ends_at", "2016-12-05T13:05")
	if res, _ := b.post(seminarPath+"/slots/closing", seminarPath+"/slots/closing", v); !strings.HasSuffix(res.Header.Get("Location"), "?done=slot#slots") {
		t.Errorf("the last slot offered a shift: %q", res.Header.Get("Location"))
	}
}

func TestSlotFormReshowsErrorsAndRefusesStaleSaves(t *testing.T) {
	f := newProgrammeFixture(t)
	emily, ana := f.loggedIn(t, "emily@example.org"), f.loggedIn(t, "ana@example.org")
	page := seminarPath + "/slots/new"
	res, body := emily.post(page, seminarPath+"/slots", url.Values{"title": {"Marilyn, after the break"},
		"starts_at": {"2016-12-05T13:30"}, "ends_at": {"2016-12-05T13:40"}, "speaker": {"marilyn-cade"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-ends_at-error"`) ||
		!strings.Contains(body, `value="Marilyn, after the break"`) || !strings.Contains(body, `name="speaker" value="marilyn-cade" checked`) {
		t.Errorf("a slot after its session: %d\n%s", res.StatusCode, body)
	}
	res, body = emily.post(page, seminarPath+"/slots", url.Values{"title": {"Marilyn, after the break"},
		"starts_at": {"2016-12-05T12:50"}, "ends_at": {"2016-12-05T12:55"}, "speaker": {"marilyn-cade"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d\n%s", res.StatusCode, body)
	}
	p, _ := f.st.Programme(t.Context(), demoSlug)
	if sl := p.Session("day0-seminar").Slot("marilyn-after-the-break"); sl == nil || sl.Speakers[0] != "marilyn-cade" {
		t.Fatalf("the new slot is %+v", sl)
	}
	mine, theirs := slotForm(t, ana, "nri"), slotForm(t, emily, "nri")
	theirs.Set("title", "NRIs")
	if res, _ := emily.post(seminarPath+"/slots/nri", seminarPath+"/slots/nri", theirs); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save: %d", res.StatusCode)
	}
	mine.Set("title", "Town Hall invitation")
	res, body = ana.post(seminarPath+"/slots/nri", seminarPath+"/slots/nri", mine)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Emily Skills changed this slot") ||
		!strings.Contains(body, "<td>NRIs</td>") || !strings.Contains(body, `value="Town Hall invitation"`) {
		t.Errorf("stale slot save: %d\n%s", res.StatusCode, body)
	}
}

func TestSlotRemoveAndSessionCancel(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	body := b.mustGet(seminarPath)
	rev := regexp.MustCompile(`action="` + seminarPath + `/slots/nri/remove"><input type="hidden" name="_csrf" value="[^"]*"><input type="hidden" name="revision" value="([^"]+)"`).FindStringSubmatch(body)
	if rev == nil {
		t.Fatalf("no remove form for nri:\n%s", body)
	}
	// A removal from a page older than the slot is refused, the slot as
	// saved now shown.
	ana := f.loggedIn(t, "ana@example.org")
	v := slotForm(t, ana, "nri")
	v.Set("title", "NRIs and the Town Hall")
	if res, _ := ana.post(seminarPath+"/slots/nri", seminarPath+"/slots/nri", v); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("Ana's save: %d", res.StatusCode)
	}
	res, body := b.post(seminarPath, seminarPath+"/slots/nri/remove", url.Values{"revision": {rev[1]}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Ana changed this slot") || !strings.Contains(body, "NRIs and the Town Hall (Marilyn Cade)") {
		t.Fatalf("stale remove: %d\n%s", res.StatusCode, body)
	}
	rev = regexp.MustCompile(`action="` + seminarPath + `/slots/nri/remove"><input type="hidden" name="_csrf" value="[^"]*"><input type="hidden" name="revision" value="([^"]+)"`).FindStringSubmatch(body)
	if res, body := b.post(seminarPath, seminarPath+"/slots/nri/remove", url.Values{"revision": {rev[1]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d\n%s", res.StatusCode, body)
	}
	p, _ := f.st.Programme(t.Context(), demoSlug)
	if sl := p.Session("day0-seminar").Slot("nri"); sl == nil || sl.Status != programme.StatusCancelled {
		t.Errorf("the removed slot is %+v, want cancelled", sl)
	}
	_, body = sessionEditForm(t, b)
	if res, body := b.post(seminarPath, seminarPath+"/cancel", url.Values{"revision": {hiddenValue(t, body, "revision")}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d\n%s", res.StatusCode, body)
	}
	p, _ = f.st.Programme(t.Context(), demoSlug)
	if s := p.Session("day0-seminar"); s.Status != programme.StatusCancelled {
		t.Errorf("the session is %s, want cancelled", s.Status)
	}
	if list := b.mustGet("/staff/p/" + demoSlug + "/sessions"); !strings.Contains(list, `badge-cancelled">cancelled`) {
		t.Error("the list does not show the session cancelled")
	}
}

// Every page of a programme shows the same navigation, with the pages of
// people, venues and transport, and the page shown marked.
func TestEveryProgrammePageShowsTheOneNavigation(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	base := "/staff/p/" + demoSlug
	for path, current := range map[string]string{
		base: "Overview", base + "/day/2016-12-05": "Day by day", base + "/sessions": "Sessions", seminarPath: "Sessions",
		base + "/print": "Print", base + "/history": "History", base + "/edit": "Edit programme",
	} {
		body := b.mustGet(path)
		inOrder(t, body, `>Overview<`, `>Day by day<`, base+`/sessions"`, base+`/people"`, base+`/venues"`,
			`>Venues &amp; rooms<`, base+`/runs"`, `>Transport<`, `>Feed links<`, `>Print<`, base+`/history"`, base+`/edit"`, "Log out")
		if !strings.Contains(body, `aria-current="page">`+current+`<`) {
			t.Errorf("%s does not mark %s as the page shown", path, current)
		}
	}
}

// The list counts each session's conflicts, and the day view's blocks lead
// to the editor.
func TestSessionListCountsConflictsAndTheDayViewLeadsToTheEditor(t *testing.T) {
	f := newProgrammeFixture(t)
	b := f.loggedIn(t, "emily@example.org")
	v := slotForm(t, b, "isoc")
	v.Set("ends_at", "2016-12-05T11:05")
	if res, _ := b.post(seminarPath+"/slots/isoc", seminarPath+"/slots/isoc", v); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	p, _ := f.st.Programme(t.Context(), demoSlug)
	n := 0
	for _, c := range p.Conflicts() {
		if c.Involves("session/day0-seminar") {
			n++
		}
	}
	list := b.mustGet("/staff/p/" + demoSlug + "/sessions")
	inOrder(t, list, `href="`+seminarPath+`">Pre-Conference Seminar`, `badge-warn">`+itoa(int64(n))+` conflicts`)
	day := b.mustGet("/staff/p/" + demoSlug + "/day/2016-12-05")
	if !strings.Contains(day, `href="`+seminarPath+`"`) {
		t.Fatal("the day view does not link the seminar to its editor")
	}
	b.mustGet(seminarPath)
}
