//go:build browser

package browsertest

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/planner-dev/planner/internal/programme"
)

// The session editor driven as staff drive it: every change these tests
// check is made through the pages, in the browser; the store and the feeds
// are only read, to see that the change arrived.

// sessionPath is the editor's address of a demo session.
func sessionPath(key string) string { return "/staff/p/" + Slug + "/sessions/" + key }

// Buttons that submit the editor's forms; the staff navigation has a
// log-out form of its own, so a bare "form button" would be ambiguous.
const (
	saveSession = `form.session-fields button[type="submit"]`
	saveSlot    = `.slot-editor form[novalidate] button[type="submit"]`
)

// addEditor creates an editor account with a name, which the history page
// shows as the author of their changes, and returns its e-mail and password.
func (env *Env) addEditor(email, name string) (string, string) {
	env.T.Helper()
	password := rand.Text()
	if _, err := env.Accounts.AddNamed(env.T.Context(), email, name, programme.RoleEditor, password); err != nil {
		env.T.Fatalf("browsertest: add the editor %s: %v", email, err)
	}
	return email, password
}

// SecondBrowser opens another tab in a browser context of its own, with its
// own cookies, on the same server: a second person at another computer. It
// closes when the test ends.
func (env *Env) SecondBrowser() *Env {
	env.T.Helper()
	other := &Env{T: env.T, BaseURL: env.BaseURL, Store: env.Store, Feeds: env.Feeds, Accounts: env.Accounts,
		Password: env.Password, console: &console{}, viewport: &Viewport{}}
	tab, closeTab := chromedp.NewContext(browser.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(other.listen))
	if err := chromedp.Do(tab); err != nil {
		closeTab()
		env.T.Fatalf("browsertest: open a second browser: %v", err)
	}
	env.T.Cleanup(closeTab)
	other.ctx = tab
	other.SetViewport(Desktop)
	return other
}

// submitted fails the test unless the page a form led to answered want.
func (env *Env) submitted(what string, action chromedp.Action[chromedp.Void], want int64) {
	env.T.Helper()
	if got := env.Submit(what, action); got != want {
		env.T.Fatalf("%s answered %d, want %d; the page says:\n%s", what, got, want, env.mainText())
	}
}

// mainText is the text of the page's main content, for failure messages.
func (env *Env) mainText() string {
	env.T.Helper()
	return Eval[string](env, `(document.querySelector("main") || document.body).innerText`)
}

// runningOrder is the running order on the session page shown: each
// slot's key and its times as the page writes them.
func (env *Env) runningOrder() []string {
	env.T.Helper()
	return Eval[[]string](env, `Array.from(document.querySelectorAll("ol.slots li.slot-row"),
		li => li.dataset.key + " " + li.querySelector(".slot-when").textContent.trim())`)
}

// texts are the texts of the elements matching a CSS selector.
func (env *Env) texts(selector string) []string {
	env.T.Helper()
	return Eval[[]string](env, fmt.Sprintf(`Array.from(document.querySelectorAll(%q), el => el.innerText.trim())`, selector))
}

// requireOrder fails the test unless the running order shown is want.
func (env *Env) requireOrder(when string, want ...string) {
	env.T.Helper()
	if got := env.runningOrder(); !slices.Equal(got, want) {
		env.T.Fatalf("running order %s:\n got  %q\n want %q", when, got, want)
	}
}

// point is a place in the viewport, in CSS pixels.
type point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// center is a point on the vertical middle line of an element in the
// viewport, the fraction down of its height from its top.
func (env *Env) center(selector string, down float64) point {
	env.T.Helper()
	return Eval[point](env, fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		const r = el.getBoundingClientRect();
		return {x: r.left + r.width / 2, y: r.top + r.height * %f};
	})()`, selector, down))
}

// dragSlot drags a slot by its handle and drops it on the lower part of
// another slot's row, as a mouse does. Chromium in a test does not run a
// native drag: with Input.setInterceptDrags it reports the drag the mouse
// started (the page's dragstart ran, with its data), and the drag's events
// at the target are then dispatched with that data. The drop ends the drag
// (dragend), on which slots.js submits the new order.
func (env *Env) dragSlot(from, onto string) chromedp.Action[chromedp.Void] {
	env.T.Helper()
	Eval[chromedp.Void](env, `document.querySelector("ol.slots").scrollIntoView({block: "center"})`)
	start := env.center("#slot-"+from+" .slot-handle", 0.5)
	target := env.center("#slot-"+onto, 0.8)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		var none chromedp.Void
		if _, err := cdp.Call(ctx, t, input.SetInterceptDrags, input.SetInterceptDragsParams{Enabled: true}); err != nil {
			return none, err
		}
		defer cdp.Call(context.WithoutCancel(ctx), t, input.SetInterceptDrags, input.SetInterceptDragsParams{Enabled: false})
		wait, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		intercepted := cdp.Events(wait, t, input.DragIntercepted)
		mouse := func(typ input.DispatchMouseEventType, p point, buttons int64) error {
			_, err := cdp.Call(ctx, t, input.DispatchMouseEvent, input.DispatchMouseEventParams{
				Type: typ, X: p.X, Y: p.Y, Button: input.MouseButtonLeft, Buttons: buttons, ClickCount: 1})
			return err
		}
		if err := mouse(input.DispatchMouseEventTypeMousePressed, start, 1); err != nil {
			return none, err
		}
		// A drag starts once the mouse has moved a few pixels while pressed.
		const steps = 8
		for i := 1; i <= steps; i++ {
			p := point{start.X + (target.X-start.X)*float64(i)/steps, start.Y + (target.Y-start.Y)*float64(i)/steps}
			if err := mouse(input.DispatchMouseEventTypeMouseMoved, p, 1); err != nil {
				return none, err
			}
		}
		var data *input.DragData
		for ev, err := range intercepted {
			if err != nil {
				return none, fmt.Errorf("no drag started from the handle of %s: %w", from, err)
			}
			data = ev.Data
			break
		}
		if data == nil {
			return none, fmt.Errorf("no drag started from the handle of %s", from)
		}
		for _, typ := range []input.DispatchDragEventType{input.DispatchDragEventTypeDragEnter,
			input.DispatchDragEventTypeDragOver, input.DispatchDragEventTypeDrop} {
			if _, err := cdp.Call(ctx, t, input.DispatchDragEvent, input.DispatchDragEventParams{
				Type: typ, X: target.X, Y: target.Y, Data: data}); err != nil {
				return none, fmt.Errorf("%s: %w", typ, err)
			}
		}
		return none, mouse(input.DispatchMouseEventTypeMouseReleased, target, 0)
	}
}

func TestEditorSessionAndSlots(t *testing.T) {
	env := Start(t)
	env.LoginAs(env.AddAccount(programme.RoleEditor))

	// A new session on Day 0, in the main hall, for the Afghan delegation.
	env.Visit("/staff/p/" + Slug + "/sessions/new")
	env.Do("fill in the new session",
		chromedp.SendKeys(chromedp.CSS("#f-key"), "evening-briefing"),
		chromedp.SendKeys(chromedp.CSS("#f-title"), "Evening briefing"),
		chromedp.SetValue(chromedp.CSS("#f-starts_at"), "2016-12-05T17:30"),
		chromedp.SetValue(chromedp.CSS("#f-ends_at"), "2016-12-05T18:30"),
		chromedp.SetValue(chromedp.CSS("#f-room"), "main-hall"),
		chromedp.Click(chromedp.CSS(`input[name="audience_delegation"][value="af"]`)),
	)
	env.submitted("create the session", chromedp.Click(chromedp.CSS(saveSession)), http.StatusOK)
	if got := env.Location(); !strings.HasPrefix(got, sessionPath("evening-briefing")) {
		t.Fatalf("after creating the session the browser is at %s", got)
	}
	p, err := env.Store.Programme(t.Context(), Slug)
	if err != nil {
		t.Fatal(err)
	}
	ss := p.Session("evening-briefing")
	if ss == nil || ss.Room != "main-hall" || !slices.Equal(ss.Audience.Delegations, []string{"af"}) {
		t.Fatalf("the session as stored: %+v", ss)
	}

	// Three slots of different lengths, each starting where the last ends.
	for _, sl := range []struct{ title, ends string }{
		{"Welcome", "2016-12-05T17:40"},
		{"Security briefing", "2016-12-05T18:10"},
		{"Questions", "2016-12-05T18:25"},
	} {
		env.submitted("open the new slot form", chromedp.Click(chromedp.CSS(`a[href$="/slots/new"]`)), http.StatusOK)
		env.Do("fill in the slot "+sl.title,
			chromedp.SendKeys(chromedp.CSS("#f-title"), sl.title),
			chromedp.SetValue(chromedp.CSS("#f-ends_at"), sl.ends),
		)
		env.submitted("add the slot "+sl.title, chromedp.Click(chromedp.CSS(saveSlot)), http.StatusOK)
	}
	env.requireOrder("after adding three slots",
		"welcome 17:30–17:40", "security-briefing 17:40–18:10", "questions 18:10–18:25")

	// By keyboard: pick Welcome up with Space, move it down, drop it.
	env.Do("pick up Welcome and move it down",
		chromedp.Focus(chromedp.CSS("#slot-welcome .slot-handle")),
		chromedp.KeyEvent(" "),
		chromedp.KeyEvent(kb.ArrowDown),
	)
	if got := Eval[string](env, `document.querySelector("#slot-welcome .slot-handle").getAttribute("aria-pressed")`); got != "true" {
		t.Errorf("a picked-up handle has aria-pressed=%q, want true", got)
	}
	env.submitted("drop Welcome with Space", chromedp.KeyEvent(" "), http.StatusOK)
	// Each slot keeps its length; the order starts where it started.
	env.requireOrder("after moving Welcome down by keyboard",
		"security-briefing 17:30–18:00", "welcome 18:00–18:10", "questions 18:10–18:25")
	if got := Eval[string](env, `document.activeElement.closest("li") ? document.activeElement.closest("li").id : ""`); got != "slot-welcome" {
		t.Errorf("after the move the focus is in %q, want the handle of slot-welcome", got)
	}

	// By mouse: drag Security briefing below Questions.
	env.submitted("drag Security briefing below Questions", env.dragSlot("security-briefing", "questions"), http.StatusOK)
	env.requireOrder("after dragging Security briefing to the end",
		"welcome 17:30–17:40", "questions 17:40–17:55", "security-briefing 17:55–18:25")
	p, err = env.Store.Programme(t.Context(), Slug)
	if err != nil {
		t.Fatal(err)
	}
	loc := p.Loc("")
	if sl := p.Session("evening-briefing").Slot("security-briefing"); sl == nil || sl.StartsAt.In(loc).Format("15:04") != "17:55" {
		t.Errorf("the stored Security briefing: %+v", sl)
	}

	// Alt+ArrowUp moves a slot at once, without picking it up.
	env.Do("focus the handle of Questions", chromedp.Focus(chromedp.CSS("#slot-questions .slot-handle")))
	env.submitted("move Questions up with Alt+ArrowUp", chromedp.KeyEvent(kb.ArrowUp, chromedp.KeyModifiers(chromedp.ModifierAlt)), http.StatusOK)
	env.requireOrder("after Alt+ArrowUp on Questions",
		"questions 17:30–17:45", "welcome 17:45–17:55", "security-briefing 17:55–18:25")

	env.CheckHere("session-editor-slots")
}

func TestEditorConflictAppearsAndDisappears(t *testing.T) {
	env := Start(t)
	env.LoginAs(env.AddAccount(programme.RoleEditor))
	const isoc = "The Internet Society: global policy, chapters and development"
	// The warnings that name the ISOC slot: its speakers are gone by then,
	// and it runs into the slot after it.
	warning := func(text string) bool {
		return strings.Contains(text, "“"+isoc+"”") && (strings.Contains(text, "outside its speakers' availability") ||
			strings.Contains(text, "and “National and regional IGF initiatives"))
	}
	count := func(texts []string) int {
		n := 0
		for _, text := range texts {
			if warning(text) {
				n++
			}
		}
		return n
	}
	// shown counts those warnings on the session page, at the slot and on
	// the overview.
	shown := func() [3]int {
		env.Visit(sessionPath("day0-seminar"))
		session, slot := count(env.texts(".conflicts-box li")), count(env.texts("#slot-isoc .slot-conflict"))
		env.Visit("/staff/p/" + Slug)
		return [3]int{session, slot, count(env.texts("ul.conflicts li"))}
	}
	// The ISOC team has to leave by 11:00; its slot ends at 10:45.
	setEnd := func(end string) {
		env.Visit(sessionPath("day0-seminar") + "/slots/isoc")
		env.Do("set the end of the ISOC slot to "+end, chromedp.SetValue(chromedp.CSS("#f-ends_at"), end))
		// A new end leads to the offer to move the slots after it, which
		// this test leaves alone: the slot itself is saved.
		env.submitted("save the ISOC slot ending at "+end, chromedp.Click(chromedp.CSS(saveSlot)), http.StatusOK)
	}
	if got := shown(); got != [3]int{} {
		t.Fatalf("before the change the session, the slot and the overview show %v warnings, want none", got)
	}
	setEnd("2016-12-05T11:15")
	if got, want := shown(), [3]int{2, 2, 2}; got != want {
		t.Errorf("with the ISOC slot ending at 11:15, the session, the slot and the overview show %v of its warnings, want %v", got, want)
	}
	env.Visit(sessionPath("day0-seminar"))
	env.CheckHere("session-editor-conflict")
	setEnd("2016-12-05T10:45")
	if got := shown(); got != [3]int{} {
		t.Errorf("with the ISOC slot back at 10:45, the session, the slot and the overview still show %v of its warnings", got)
	}
}

func TestTwoBrowsersEditTheSameSession(t *testing.T) {
	env := Start(t)
	ana := env
	ana.LoginAs(env.addEditor("ana@example.org", "Ana Ortega"))
	ben := env.SecondBrowser()
	ben.LoginAs(env.addEditor("ben@example.org", "Ben Baker"))

	path := sessionPath("day0-lunch")
	ana.Visit(path)
	ben.Visit(path)
	original := Eval[string](ben, `document.getElementById("f-title").value`)

	ana.Do("retitle the lunch", chromedp.SetValue(chromedp.CSS("#f-title"), "Lunch with the panelists"))
	ana.submitted("Ana saves", chromedp.Click(chromedp.CSS(saveSession)), http.StatusOK)

	// Ben's page still carries the revision he loaded.
	ben.Do("describe the lunch", chromedp.SetValue(chromedp.CSS("#f-description"), "Vegetarian dishes on request."))
	ben.submitted("Ben saves a page loaded before Ana's save", chromedp.Click(chromedp.CSS(saveSession)), http.StatusConflict)
	rows := Eval[map[string][]string](ben, `Object.fromEntries(Array.from(document.querySelectorAll("table.versions tbody tr"),
		tr => [tr.querySelector("th").innerText.trim(), Array.from(tr.querySelectorAll("td"), td => td.innerText.trim())]))`)
	if got, want := rows["Title"], []string{"Lunch with the panelists", original}; !slices.Equal(got, want) {
		t.Errorf("the Title row of the 409 page shows theirs, yours = %q, want %q", got, want)
	}
	if got, want := rows["Description"], []string{"", "Vegetarian dishes on request."}; len(got) != 2 || got[1] != want[1] {
		t.Errorf("the Description row of the 409 page shows %q, want yours %q", got, want[1])
	}
	if got := Eval[string](ben, `document.querySelector("table.versions caption").innerText`); !strings.Contains(got, "beside yours") {
		t.Errorf("the versions table's caption is %q", got)
	}
	ben.CheckHere("session-editor-stale")
	button := Eval[string](ben, fmt.Sprintf(`document.querySelector(%q).innerText.trim()`, saveSession))
	if button != "Save mine over theirs" {
		t.Errorf("the 409 page's button says %q, want Save mine over theirs", button)
	}
	ben.submitted("Ben saves his over Ana's", chromedp.Click(chromedp.CSS(saveSession)), http.StatusOK)

	p, err := env.Store.Programme(t.Context(), Slug)
	if err != nil {
		t.Fatal(err)
	}
	if ss := p.Session("day0-lunch"); ss.Title != original || ss.Description != "Vegetarian dishes on request." {
		t.Errorf("stored after Ben saved his over Ana's: title %q, description %q; want his: %q, his description", ss.Title, ss.Description, original)
	}
	ben.Visit("/staff/p/" + Slug + "/history")
	history := ben.mainText()
	for _, name := range []string{"Ana Ortega", "Ben Baker"} {
		if !strings.Contains(history, name) {
			t.Errorf("the history page does not name %s:\n%s", name, history)
		}
	}
}

// event is the properties of one VEVENT of a feed, lines unfolded.
func feedEvent(t *testing.T, ics, summary string) map[string]string {
	t.Helper()
	ics = strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(ics)
	for _, block := range strings.Split(ics, "BEGIN:VEVENT")[1:] {
		props := map[string]string{}
		for _, line := range strings.Split(block, "\r\n") {
			name, value, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			name, params, _ := strings.Cut(name, ";")
			props[name] = value
			if params != "" {
				props[name+";"] = params
			}
		}
		if strings.HasPrefix(props["SUMMARY"], summary) {
			return props
		}
	}
	t.Fatalf("the feed has no event %q:\n%s", summary, ics)
	return nil
}

// fetchFeed fetches a feed over HTTP, as a calendar does.
func fetchFeed(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, res.StatusCode, err)
	}
	return string(body)
}

var utcStamp = regexp.MustCompile(`^\d{8}T\d{6}Z$`)

// eventStart is an event's DTSTART as a time.
func eventStart(t *testing.T, ev map[string]string) time.Time {
	t.Helper()
	v := ev["DTSTART"]
	if utcStamp.MatchString(v) {
		at, err := time.Parse("20060102T150405Z", v)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	tzid, ok := strings.CutPrefix(ev["DTSTART;"], "TZID=")
	if !ok {
		t.Fatalf("DTSTART %q;%q is neither UTC nor in a zone", ev["DTSTART;"], v)
	}
	loc, err := time.LoadLocation(tzid)
	if err != nil {
		t.Fatal(err)
	}
	at, err := time.ParseInLocation("20060102T150405", v, loc)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func TestChangeReachesADelegatesFeed(t *testing.T) {
	env := Start(t)
	env.LoginAs(env.AddAccount(programme.RoleEditor))
	list, err := env.Feeds.List(t.Context(), Slug, true)
	if err != nil {
		t.Fatal(err)
	}
	var feed string
	for _, l := range list {
		if l.Kind == programme.FeedPerson && l.Key == "omar-ansari" {
			feed = l.URL
		}
	}
	if feed == "" {
		t.Fatal("Omar Ansari, of the Afghan delegation, has no feed")
	}
	before := feedEvent(t, fetchFeed(t, feed), "U.S. reception")

	env.Visit(sessionPath("us-reception"))
	env.Do("move the reception half an hour later",
		chromedp.SetValue(chromedp.CSS("#f-starts_at"), "2016-12-05T19:30"),
		chromedp.SetValue(chromedp.CSS("#f-ends_at"), "2016-12-05T21:30"),
	)
	env.submitted("save the reception", chromedp.Click(chromedp.CSS(saveSession)), http.StatusOK)

	after := feedEvent(t, fetchFeed(t, feed), "U.S. reception")
	guadalajara, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := eventStart(t, after), time.Date(2016, 12, 5, 19, 30, 0, 0, guadalajara); !got.Equal(want) {
		t.Errorf("the feed's reception starts at %v, want %v (before the move: %v)", got, want, eventStart(t, before))
	}
	seq := func(ev map[string]string) int {
		n, err := strconv.Atoi(ev["SEQUENCE"])
		if err != nil {
			t.Fatalf("SEQUENCE %q: %v", ev["SEQUENCE"], err)
		}
		return n
	}
	if seq(after) <= seq(before) {
		t.Errorf("the reception's SEQUENCE went from %d to %d, want higher", seq(before), seq(after))
	}
}
