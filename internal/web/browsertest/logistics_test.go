//go:build browser

package browsertest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	goical "github.com/emersion/go-ical"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// busKey is the demo's one run: the bus back to the hotel on Day 0, which
// the delegations af and pk ride.
const busKey = "day0-bus"

// busPath is the staff page of the demo's bus.
const busPath = "/staff/p/" + Slug + "/runs/" + busKey

// storedBus is the bus as the store holds it now.
func (env *Env) storedBus() *programme.Run {
	env.T.Helper()
	p, err := env.Store.Programme(env.T.Context(), Slug)
	if err != nil {
		env.T.Fatal(err)
	}
	r := p.Run(busKey)
	if r == nil {
		env.T.Fatalf("the demo has no run %s", busKey)
	}
	return r
}

// reopenBusPoll undoes the demo's decision on the bus's poll, which closes
// at 15:00 on Day 0, after the tests' clock. The run editor cannot do this
// (it keeps a decision that is still among the options), so the test sets
// it up through the store's one write path.
func (env *Env) reopenBusPoll() {
	env.T.Helper()
	p, err := env.Store.Programme(env.T.Context(), Slug)
	if err != nil {
		env.T.Fatal(err)
	}
	r := *p.Run(busKey)
	poll := *r.Poll
	poll.Decided = ""
	r.Poll = &poll
	batch := p.Header()
	batch.Transport = []programme.Run{r}
	if _, err := env.Store.Change(env.T.Context(), Slug, programme.ChangeRequest{
		Batch: batch, Source: programme.SourceWeb, Summary: "reopened the bus's poll for a test",
	}); err != nil {
		env.T.Fatalf("reopen the bus's poll: %v", err)
	}
	if !env.storedBus().PollOpen(Clock) {
		env.T.Fatal("the bus's poll is still not open")
	}
}

// feedPath is the calendar feed behind a personal agenda page's path.
func feedPath(agenda string) string {
	return strings.Replace(agenda, "/a/", "/feeds/", 1) + ".ics"
}

// busEvent fetches a feed over HTTP, as a calendar app does, and returns
// the bus's event in it with all its properties' text, for looking for a
// sentence in whichever property carries it.
func (env *Env) busEvent(feed string) (goical.Event, string) {
	env.T.Helper()
	res, err := http.Get(env.URL(feed))
	if err != nil {
		env.T.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		env.T.Fatalf("GET %s: %d", feed, res.StatusCode)
	}
	cal, err := goical.NewDecoder(res.Body).Decode()
	if err != nil {
		env.T.Fatalf("GET %s: %v", feed, err)
	}
	for _, ev := range cal.Events() {
		if summary, _ := ev.Props.Text(goical.PropSummary); strings.Contains(summary, "Bus back to the hotel") {
			var text []string
			for _, props := range ev.Props {
				for _, p := range props {
					text = append(text, p.Value)
				}
			}
			return ev, strings.Join(text, "\n")
		}
	}
	env.T.Fatalf("%s has no event for the bus", feed)
	return goical.Event{}, ""
}

func status(ev goical.Event) string {
	s, _ := ev.Props.Text(goical.PropStatus)
	return s
}

func sequence(t *testing.T, ev goical.Event) int {
	t.Helper()
	p := ev.Props.Get(goical.PropSequence)
	if p == nil {
		t.Fatal("the bus's event has no SEQUENCE")
	}
	n, err := p.Int()
	if err != nil {
		t.Fatalf("SEQUENCE: %v", err)
	}
	return n
}

// TestDelegateVotesAndStaysBehind drives a delegate's forms on his agenda
// page on a phone: he votes in the bus's open poll, changes his vote, then
// says he stays behind with a note; the store and his feed follow, while
// another rider's feed keeps the bus.
func TestDelegateVotesAndStaysBehind(t *testing.T) {
	env := Start(t)
	env.reopenBusPoll()
	omar := env.AgendaPath(programme.FeedPerson, "omar-ansari")
	aziz := env.AgendaPath(programme.FeedPerson, "aziz-taqwa")

	env.SetViewport(Phone)
	env.Visit(omar)
	env.RequireFitsWidth()
	vote := func(option string) {
		env.T.Helper()
		env.Do("choose "+option, chromedp.Click(chromedp.CSS(`form[action$="/runs/`+busKey+`/vote"] input[value="`+option+`"]`)))
		env.submitted("vote for "+option, chromedp.Click(chromedp.CSS(`form[action$="/runs/`+busKey+`/vote"] button[type="submit"]`)), http.StatusOK)
		if got := Eval[string](env, `(document.querySelector('form[action$="/vote"] input[name="option"]:checked') || {}).value || ""`); got != option {
			t.Errorf("after voting %s the form shows %q chosen", option, got)
		}
		text := env.mainText()
		if !strings.Contains(text, "Your vote is saved") || !strings.Contains(text, "Change my vote") {
			t.Errorf("after voting %s the page does not confirm it:\n%s", option, text)
		}
	}
	vote("17:30")
	if got := env.storedBus().VoteOf("omar-ansari"); got != "17:30" {
		t.Errorf("the store has Omar's vote %q, want 17:30", got)
	}
	vote("17:15")
	bus := env.storedBus()
	if got := bus.VoteOf("omar-ansari"); got != "17:15" {
		t.Errorf("the store has Omar's vote %q after he changed it, want 17:15", got)
	}
	if n := len(bus.Poll.Votes); n != 1 {
		t.Errorf("the poll has %d votes, want Omar's one: %v", n, bus.Poll.Votes)
	}

	env.Do("open the stay-behind form", chromedp.Click(chromedp.CSS(`#transport details.stay summary`)))
	env.Do("write a note", chromedp.SendKeys(chromedp.CSS(`form[action$="/runs/`+busKey+`/stay"] input[name="note"]`), "Dinner with the MAG"))
	env.submitted("stay behind", chromedp.Click(chromedp.CSS(`form[action$="/runs/`+busKey+`/stay"] button[type="submit"]`)), http.StatusOK)
	text := env.mainText()
	for _, want := range []string{"You are staying behind and making your own way.", "Staff now know you will make your own way.", "I'll take the Bus back to the hotel after all"} {
		if !strings.Contains(text, want) {
			t.Errorf("after staying behind the page lacks %q:\n%s", want, text)
		}
	}
	if sb, ok := env.storedBus().StaysBehind("omar-ansari"); !ok || sb.Note != "Dinner with the MAG" {
		t.Errorf("the store's staying-behind entry for Omar: %+v, %v", sb, ok)
	}

	ev, all := env.busEvent(feedPath(omar))
	if status(ev) != "CANCELLED" || !strings.Contains(all, "You are not on this bus") {
		t.Errorf("Omar's feed shows the bus %s without saying he is not on it:\n%s", status(ev), all)
	}
	ev, all = env.busEvent(feedPath(aziz))
	if status(ev) == "CANCELLED" || strings.Contains(all, "You are not on this bus") {
		t.Errorf("Aziz's feed shows the bus %s:\n%s", status(ev), all)
	}

	env.CheckHere("delegate-logistics")
}

// TestStaffDecidesAndBoards drives the staff side: an editor decides the
// bus's poll on the run page, and two editors tick riders off the boarding
// checklist on phones at once, each seeing the other's ticks.
func TestStaffDecidesAndBoards(t *testing.T) {
	env := Start(t)
	aziz := feedPath(env.AgendaPath(programme.FeedPerson, "aziz-taqwa"))
	ev, _ := env.busEvent(aziz)
	seq := sequence(t, ev)

	env.LoginAs(env.addEditor("ana@example.org", "Ana Ortega"))
	env.Visit(busPath)
	env.Do("choose 17:30", chromedp.Click(chromedp.CSS(`form.decide input[value="17:30"]`)))
	env.submitted("decide", chromedp.Click(chromedp.CSS(`form.decide button[type="submit"]`)), http.StatusOK)
	if text := env.mainText(); !strings.Contains(text, "Decided for 17:30") {
		t.Errorf("the run page does not say the poll is decided:\n%s", text)
	}
	bus := env.storedBus()
	p, err := env.Store.Programme(t.Context(), Slug)
	if err != nil {
		t.Fatal(err)
	}
	if got := bus.DepartsAt.In(p.Loc(bus.TimeZone)).Format("15:04"); bus.Poll.Decided != "17:30" || got != "17:30" {
		t.Errorf("the store's bus is decided for %q and departs at %s, want 17:30", bus.Poll.Decided, got)
	}
	ev, _ = env.busEvent(aziz)
	if got := sequence(t, ev); got <= seq {
		t.Errorf("a rider's feed shows the bus with SEQUENCE %d, was %d", got, seq)
	}

	boarding := busPath + "/boarding"
	env.SetViewport(Phone)
	env.Visit(boarding)
	env.RequireFitsWidth()
	people := Eval[[]string](env, `Array.from(document.querySelectorAll("li.checklist-row"), li => li.dataset.person)`)
	if len(people) < 3 {
		t.Fatalf("the boarding checklist has %d rows, want at least 3", len(people))
	}
	ben := env.SecondBrowser()
	ben.LoginAs(env.addEditor("ben@example.org", "Ben Baker"))
	ben.SetViewport(Phone)
	ben.Visit(boarding)

	// The three taps go out together, from two phones: the page sends
	// each in the background, so none waits for another's answer.
	tap := func(e *Env, person string) {
		e.T.Helper()
		Eval[bool](e, fmt.Sprintf(`(() => { document.querySelector('li[data-person=%q] form.tick button').click(); return true })()`, person))
	}
	tap(env, people[0])
	tap(ben, people[2])
	tap(env, people[1])
	for _, person := range people[:2] {
		env.Do("wait for "+person+"'s tick", chromedp.WaitVisible(chromedp.CSS(`li[data-person="`+person+`"].ticked`)))
	}
	ben.Do("wait for "+people[2]+"'s tick", chromedp.WaitVisible(chromedp.CSS(`li[data-person="`+people[2]+`"].ticked`)))

	ticks, err := env.Store.Ticks(t.Context(), Slug, store.ChecklistRun, busKey)
	if err != nil {
		t.Fatal(err)
	}
	for i, person := range people[:3] {
		by := "Ana Ortega"
		if i == 2 {
			by = "Ben Baker"
		}
		if tk, ok := ticks[person]; !ok || !tk.Ticked || !strings.Contains(tk.By, by) {
			t.Errorf("the store's tick for %s: %+v, %v; want ticked by %s", person, tk, ok, by)
		}
	}

	for _, e := range []*Env{env, ben} {
		e.Visit(boarding)
		ticked := Eval[[]string](e, `Array.from(document.querySelectorAll("li.checklist-row.ticked"), li => li.dataset.person)`)
		if strings.Join(ticked, ",") != strings.Join(people[:3], ",") {
			t.Errorf("after a refresh a phone shows %v ticked, want %v", ticked, people[:3])
		}
		if count := Eval[string](e, `document.getElementById("ticked-count").textContent`); count != "3" {
			t.Errorf("after a refresh a phone counts %s ticked, want 3", count)
		}
	}

	env.CheckHere("boarding")
}
