package web

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

// item returns the HTML of one item of a page, by its id: from its <li> to
// the end of its "what" block.
func item(t *testing.T, body, id string) string {
	t.Helper()
	at := strings.Index(body, `id="`+id+`"`)
	if at < 0 {
		t.Fatalf("no item %s on the page", id)
	}
	start := strings.LastIndex(body[:at], "<li")
	end := strings.Index(body[at:], "</div>\n</li>")
	if start < 0 || end < 0 {
		t.Fatalf("item %s is not a whole <li>", id)
	}
	return body[start : at+end+len("</div>\n</li>")]
}

// upcoming returns the "Now and next" box of a personal agenda page, empty
// when it has none.
func upcoming(body string) string {
	start := strings.Index(body, `<section class="upcoming"`)
	if start < 0 {
		return ""
	}
	end := strings.Index(body[start:], "</section>")
	return body[start : start+end]
}

func TestPersonalPageNowAndNext(t *testing.T) {
	tests := []struct {
		name      string
		now       time.Time
		want      []string // in order, in the box
		nowID     string
		nextID    string
		wantNoBox bool
	}{
		{"during the afternoon of Day 0", time.Date(2016, 12, 5, 22, 50, 0, 0, time.UTC), // 16:50 in Guadalajara
			[]string{"Now:", `href="#session-day0-open"`, "IGF Day 0 events (your choice)", "14:00–17:15 CST",
				"Next:", `href="#run-day0-bus"`, "Bus back to the hotel", "in 25 min", "From Expo Guadalajara to Delegation hotel"},
			"session-day0-open", "run-day0-bus", false},
		{"at the reception", time.Date(2016, 12, 6, 2, 30, 0, 0, time.UTC), // 20:30 in Guadalajara
			[]string{"Now:", "U.S. reception", "Next:", "Main session: Town Hall on Internet Governance and the SDGs", "tomorrow at 10:00"},
			"session-us-reception", "session-town-hall", false},
		{"a week before", time.Date(2016, 11, 21, 14, 0, 0, 0, time.UTC),
			[]string{"Next:", "Washington meetings: government and non-government parties", "on Mon 28 Nov at 09:00"},
			"", "session-dc-day1", false},
		{"after the programme", time.Date(2016, 12, 20, 12, 0, 0, 0, time.UTC), nil, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newDemoEnv(t)
			tok := env.token(programme.FeedPerson, "omar-ansari")
			env.clock.Set(tt.now)
			_, body := env.personal(tok)
			box := upcoming(body)
			if tt.wantNoBox {
				if box != "" || strings.Contains(body, "badge-now") || strings.Contains(body, "badge-next") {
					t.Errorf("the page shows now or next after the programme:\n%s", box)
				}
				return
			}
			inOrder(t, box, tt.want...)
			if tt.nowID == "" && strings.Contains(box, "Now:") {
				t.Errorf("nothing is in progress, but the box says Now:\n%s", box)
			}
			if tt.nowID != "" && !strings.Contains(item(t, body, tt.nowID), `<span class="badge badge-now">Now</span>`) {
				t.Errorf("item %s is not marked Now", tt.nowID)
			}
			if !strings.Contains(item(t, body, tt.nextID), `<span class="badge badge-next">Next</span>`) {
				t.Errorf("item %s is not marked Next", tt.nextID)
			}
			if n := strings.Count(body, "badge-next"); n != 1 {
				t.Errorf("%d items are marked Next, want 1", n)
			}
		})
	}
}

func TestStartsIn(t *testing.T) {
	mx, err := programme.LoadZone("America/Mexico_City")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2016, 12, 5, 22, 50, 0, 0, time.UTC) // Mon 16:50 in Guadalajara
	for _, tt := range []struct {
		in   time.Duration
		want string
	}{
		{30 * time.Second, "in less than a minute"},
		{25 * time.Minute, "in 25 min"},
		{2 * time.Hour, "in 2 h"},
		{2*time.Hour + 5*time.Minute, "in 2 h 5 min"},
		{7 * time.Hour, "today at 23:50"},
		{17*time.Hour + 10*time.Minute, "tomorrow at 10:00"},
		{46 * time.Hour, "on Wed 7 Dec at 14:50"},
	} {
		if got := startsIn(now.Add(tt.in), now, mx); got != tt.want {
			t.Errorf("startsIn(+%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPersonalPageDayLinks(t *testing.T) {
	env := newDemoEnv(t)
	tok := env.token(programme.FeedPerson, "omar-ansari")
	env.clock.Set(time.Date(2016, 12, 6, 18, 0, 0, 0, time.UTC)) // noon on 6 December in Guadalajara
	_, body := env.personal(tok)

	start := strings.Index(body, `<nav class="days sticky"`)
	if start < 0 {
		t.Fatal("the page has no day navigation")
	}
	nav := body[start : start+strings.Index(body[start:], "</nav>")]
	// Today first, the days ahead, then the way to the days already past.
	inOrder(t, nav, `href="#d2016-12-06" aria-current="date">Today</a>`, `href="#d2016-12-07"`, `href="#d2016-12-09"`, `href="#earlier">Earlier days</a>`)
	links := regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(nav, -1)
	if len(links) != 4 {
		t.Errorf("%d day links, want 4: %q", len(links), links)
	}
	for _, l := range links {
		if !strings.Contains(body, `id="`+l[1]+`"`) {
			t.Errorf("the day link #%s leads nowhere", l[1])
		}
	}
	// The nav comes before the days it links to, so a phone shows it first.
	inOrder(t, body, `<nav class="days sticky"`, `<section class="day today" id="d2016-12-06"`)
}

func TestPersonalPageLinksToTheProgrammePage(t *testing.T) {
	env := newDemoEnv(t)
	for _, f := range []struct {
		kind programme.FeedKind
		key  string
	}{{programme.FeedPerson, "omar-ansari"}, {programme.FeedRoom, "main-hall"}} {
		_, body := env.personal(env.token(f.kind, f.key))
		if !strings.Contains(body, `<a class="button button-quiet" href="/p/igf2016-cldp">Whole programme</a>`) {
			t.Errorf("the %s page does not link to the programme page", f.kind)
		}
	}
}

// TestOneItemTemplate renders the same session on both pages: with nothing
// personal to say about it, its markup is the same, byte for byte.
func TestOneItemTemplate(t *testing.T) {
	env := newDemoEnv(t)
	env.clock.Set(time.Date(2016, 12, 20, 12, 0, 0, 0, time.UTC))
	_, personal := env.personal(env.token(programme.FeedPerson, "omar-ansari"))
	_, public := get(t, env.srv.Handler(), "/p/igf2016-cldp")
	for _, id := range []string{"session-day0-seminar", "run-day0-bus", "session-nri-main"} {
		if a, b := item(t, personal, id), item(t, public, id); a != b {
			t.Errorf("%s differs between the pages:\npersonal:\n%s\nprogramme:\n%s", id, a, b)
		}
	}
	seminar := item(t, personal, "session-day0-seminar")
	for _, want := range []string{`<ol class="slots" aria-label="Running order">`, `<s>12:15–12:30</s>`, `<s>Informal visitors</s> <span class="badge badge-cancelled">Cancelled</span>`} {
		if !strings.Contains(seminar, want) {
			t.Errorf("the seminar on the personal page lacks %s:\n%s", want, seminar)
		}
	}
}

// TestPersonalPageCancelledAndRemoved: an item cancelled for everyone, a bus
// the delegate stays behind for and a session their delegation was taken
// off each say what happened once, in their own words.
func TestPersonalPageCancelledAndRemoved(t *testing.T) {
	env := newDemoEnv(t)
	tok := env.token(programme.FeedPerson, "omar-ansari")
	changedAt := time.Date(2016, 12, 4, 16, 0, 0, 0, time.UTC)
	env.clock.Set(changedAt)
	env.reimport(editedDemo(t, func(p *programme.Programme) {
		sessionOf(t, p, "day0-lunch").Status = programme.StatusCancelled
		sessionOf(t, p, "closing-lunch").Audience.Delegations = []string{"pk"}
		found(t, p.Run("day0-bus"), "no bus").StayingBehind = []programme.StayingBehind{{Person: "omar-ansari", Active: true}}
	}))
	env.clock.Set(changedAt.Add(2 * time.Hour))
	_, body := env.personal(tok)

	tests := []struct {
		id, status, class string
		title             string
	}{
		{"session-day0-lunch", `<span class="badge badge-cancelled">Cancelled · 2 h ago</span>`, " cancelled", "Lunch (buy meal tickets at the gift shop)"},
		{"run-day0-bus", `<span class="badge badge-removed">You are not on this bus · 2 h ago</span>`, " removed", "Bus back to the hotel"},
		{"session-closing-lunch", `<span class="badge badge-removed">No longer on your agenda · 2 h ago</span>`, " removed", "Closing lunch and closing session"},
	}
	for _, tt := range tests {
		html := item(t, body, tt.id)
		for _, want := range []string{tt.status, tt.class, "<s>" + tt.title + "</s>", `<time datetime="`} {
			if !strings.Contains(html, want) {
				t.Errorf("%s lacks %s:\n%s", tt.id, want, html)
			}
		}
		// One status, said once: never "Cancelled" beside "Cancelled just now".
		if n := strings.Count(html, `class="badge `); n != 1 {
			t.Errorf("%s has %d badges, want 1:\n%s", tt.id, n, html)
		}
		if tt.class == " removed" && strings.Contains(html, "Cancelled") {
			t.Errorf("%s, which the delegate lost, says Cancelled:\n%s", tt.id, html)
		}
	}
	// The bus says what a rider needs, not the staff's numbers.
	bus := item(t, body, "run-day0-bus")
	for _, unwanted := range []string{"Capacity", "Decided", "When should the bus pick us up?"} {
		if strings.Contains(bus, unwanted) {
			t.Errorf("the bus shows %q:\n%s", unwanted, bus)
		}
	}
	if !strings.Contains(body, "3 recently changed items are marked.") {
		t.Error("the page does not count the three changes")
	}
}
