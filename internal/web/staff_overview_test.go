package web

import (
	"bytes"
	"html"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/accounts"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// overviewFixture is a staff fixture whose store and server share one
// movable clock, with the demo imported and calendar feeds served, so that
// changes and fetches happen at known instants.
func overviewFixture(t *testing.T, p *programme.Programme) (*staffFixture, *feeds.Service) {
	t.Helper()
	clock := storetest.NewClock(testNow)
	st := storetest.Open(t, store.WithNow(clock.Now))
	storetest.MustImport(t, st, p)
	keys, err := feeds.NewKeyring(bytes.Repeat([]byte{7}, feeds.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc := feeds.NewService(st, keys, "http://127.0.0.1:8080", clock.Now)
	f := &staffFixture{
		st:       st,
		accounts: accounts.New(st, accounts.WithParams(cheapHashes)),
		logs:     &logBuffer{},
		clock:    clock,
		baseURL:  "http://127.0.0.1:8080",
	}
	f.srv = New(Config{
		BaseURL:  f.baseURL,
		Logger:   slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:      clock.Now,
		Feeds:    svc,
		Accounts: f.accounts,
		Sessions: st,
	}, st)
	return f, svc
}

const overviewURL = "/staff/p/igf2016-cldp"

func TestOverviewNeedsLogin(t *testing.T) {
	f, _ := overviewFixture(t, sample.Demo(t))
	b := f.browser(t, "192.0.2.30")
	res, _ := b.get(overviewURL)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/login?next=%2Fstaff%2Fp%2Figf2016-cldp" {
		t.Fatalf("GET %s without login: %d to %q, want 303 to the login page", overviewURL, res.StatusCode, res.Header.Get("Location"))
	}
}

func TestOverviewForEveryRole(t *testing.T) {
	f, _ := overviewFixture(t, sample.Demo(t))
	for _, role := range programme.StaffRoles {
		t.Run(string(role), func(t *testing.T) {
			email := string(role) + "@example.org"
			f.addUser(t, email, role)
			b := f.browser(t, "192.0.2.31")
			b.mustLogin(email)
			res, body := b.get(overviewURL)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, "<h1>CLDP-supported delegations at IGF 2016: overview</h1>") {
				t.Fatalf("GET %s as %s: %d\n%s", overviewURL, role, res.StatusCode, body)
			}
			if got := res.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
		})
	}
}

func TestOverviewOfAnUnknownProgramme(t *testing.T) {
	f, _ := overviewFixture(t, sample.Demo(t))
	f.addUser(t, "ana@example.org", programme.RoleViewer)
	b := f.browser(t, "192.0.2.32")
	b.mustLogin("ana@example.org")
	for _, target := range []string{"/staff/p/no-such-programme", "/staff/p/Not%20a%20key"} {
		if res, body := b.get(target); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404\n%s", target, res.StatusCode, body)
		}
	}
}

func TestStaffHomeLinksToOverviews(t *testing.T) {
	f, _ := overviewFixture(t, sample.Demo(t))
	f.addUser(t, "ana@example.org", programme.RoleViewer)
	b := f.browser(t, "192.0.2.33")
	b.mustLogin("ana@example.org")
	_, body := b.get("/staff")
	if !strings.Contains(body, `<a href="/staff/p/igf2016-cldp">CLDP-supported delegations at IGF 2016</a>`) {
		t.Errorf("the staff home does not link the programme to its overview:\n%s", body)
	}
}

func TestOverviewOfTheDemo(t *testing.T) {
	f, _ := overviewFixture(t, sample.Demo(t))
	f.addUser(t, "ana@example.org", programme.RoleViewer)
	b := f.browser(t, "192.0.2.34")
	b.mustLogin("ana@example.org")
	_, body := b.get(overviewURL)
	// The demo counts: 2 delegations, 22 people, 9 sessions of which the
	// NRI main session is tentative, 7 slots of which "Informal visitors"
	// is cancelled, and the bus.
	for _, want := range []string{
		`<span class="count">2</span> delegations`,
		`<span class="count">22</span> people`,
		`<span class="count">9</span> sessions <span class="meta">(1 tentative)</span>`,
		`<span class="count">7</span> speaker slots <span class="meta">(1 cancelled)</span>`,
		`<span class="count">1</span> transport run<`,
		"<p>No conflicts.</p>",
		// Nobody ran planner feeds: there are no links yet.
		`<p class="calendars">No calendar link for it has been handed out yet.</p>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
	// Days link to the day pages, with their items: Day 0 has five
	// sessions and the bus.
	inOrder(t, body,
		`<a href="/staff/p/igf2016-cldp/day/2016-11-28">Monday 28 November 2016</a>`,
		`<a href="/staff/p/igf2016-cldp/day/2016-12-05">Monday 5 December 2016</a></th>`, `<td class="num">5</td>`,
		`<a href="/staff/p/igf2016-cldp/day/2016-12-09">Friday 9 December 2016</a>`,
	)
}

func TestOverviewListsConflicts(t *testing.T) {
	p := sample.Demo(t)
	bus := p.Run("day0-bus")
	bus.DepartsAt = bus.DepartsAt.Add(-285 * time.Minute) // 12:30, during the seminar
	bus.Capacity = 10
	bus.Poll = nil // its options were for the evening
	f, svc := overviewFixture(t, p)
	if _, err := svc.List(t.Context(), p.Slug, true); err != nil {
		t.Fatal(err)
	}
	f.addUser(t, "ana@example.org", programme.RoleViewer)
	b := f.browser(t, "192.0.2.35")
	b.mustLogin("ana@example.org")
	_, body := b.get(overviewURL)

	conflicts := p.Conflicts()
	if len(conflicts) != 2 {
		t.Fatalf("the edited demo has %d conflicts, want 2 (the riders, the seats): %v", len(conflicts), conflicts)
	}
	var want []string
	for _, c := range conflicts {
		want = append(want, html.EscapeString(c.Message))
	}
	inOrder(t, body, want...)
	for _, w := range []string{
		`Conflicts <span class="badge badge-warn">2</span>`,
		`<span class="conflict-kind">Double-booked</span> Mon 5 Dec 2016: Omar Ansari, Aziz Taqwa, Shabana and 6 others are expected at`,
		`<span class="conflict-kind">Over capacity</span> Mon 5 Dec 2016: “Bus back to the hotel” (12:30) has 12 riders for 10 seats.`,
		`<a href="/staff/p/igf2016-cldp/day/2016-12-05">See the day</a>`,
		// The links were handed out, and no calendar fetched them yet:
		// every feed but Jane Coffin's (she has no slot) carries the import.
		`<p class="calendars">None of the 35 calendar links that carry it has been fetched yet.</p>`,
		// Day 0's row counts them.
		`<tr class="has-conflicts">
<th scope="row"><a href="/staff/p/igf2016-cldp/day/2016-12-05">Monday 5 December 2016</a></th>`,
	} {
		if !strings.Contains(body, w) {
			t.Errorf("the overview lacks %q", w)
		}
	}
}

// TestOverviewSaysWhichCalendarsHaveAChange follows one change: the bus
// moves after Omar's calendar and the Afghan delegation's fetched their
// feeds; then the delegation's fetches again, Omar's does not.
func TestOverviewSaysWhichCalendarsHaveAChange(t *testing.T) {
	f, svc := overviewFixture(t, sample.Demo(t))
	ctx := t.Context()
	if _, err := svc.List(ctx, "igf2016-cldp", true); err != nil {
		t.Fatal(err)
	}
	tokens, err := f.st.FeedTokens(ctx, "igf2016-cldp")
	if err != nil {
		t.Fatal(err)
	}
	fetch := func(kind programme.FeedKind, key string) {
		t.Helper()
		for _, tok := range tokens {
			if tok.Kind == string(kind) && tok.Key == key {
				if err := f.st.RecordFeedFetch(ctx, tok.ID, f.clock.Now(), 0); err != nil {
					t.Fatal(err)
				}
				return
			}
		}
		t.Fatalf("no token for %s %s", kind, key)
	}
	f.clock.Advance(time.Hour)
	fetch(programme.FeedPerson, "omar-ansari")
	fetch(programme.FeedDelegation, "af")

	f.clock.Advance(time.Hour)
	p := sample.Demo(t)
	p.Run("day0-bus").DepartsAt = p.Run("day0-bus").DepartsAt.Add(15 * time.Minute)
	p.Run("day0-bus").Poll.Decided = "17:30"
	storetest.MustImport(t, f.st, p)
	f.clock.Advance(time.Hour)
	fetch(programme.FeedDelegation, "af")
	f.clock.Advance(time.Hour)

	f.addUser(t, "ana@example.org", programme.RoleViewer)
	b := f.browser(t, "192.0.2.36")
	b.mustLogin("ana@example.org")
	_, body := b.get(overviewURL)
	// The bus is the latest change. It is in 15 feeds: the programme's,
	// both delegations', and those of the nine delegates and three staff
	// who ride it. Two were ever fetched; one of them since the change.
	inOrder(t, body,
		`<h2 id="changes-h">Recent changes</h2>`,
		`Changed <time datetime="2016-12-06T04:00:00Z">2 h ago</time>:`,
		`<strong>Bus back to the hotel</strong> <span class="meta">· Mon 5 Dec, 17:30</span></li>
</ul>`,
		`<p class="calendars">1 of 2 calendars have it, 1 not yet. 13 more links were never fetched.</p>`,
		`<p class="behind">Not yet: Omar Ansari.</p>`,
		// Everything else changed at the import, before both fetches: one
		// change, in the programme's order. It is in every feed but
		// three (36 in all): those of Emily Skills and Judith Hellerstein,
		// who only ride the bus, and of Jane Coffin, who has no slot.
		`Changed <time datetime="2016-12-06T02:00:00Z">4 h ago</time>:`,
		`<strong>Washington meetings: government and non-government parties</strong>`,
		`<strong>Washington meetings: industry visits</strong>`,
		`<strong>Pre-Conference Seminar for CLDP Supported Delegations</strong>`,
		`<li class="meta">and 13 more items changed at the same time</li>`,
		`<p class="calendars">2 of 2 calendars have it. 31 more links were never fetched.</p>`,
	)
	if strings.Count(body, "Changed <time") != 2 {
		t.Errorf("the overview lists %d changes, want 2", strings.Count(body, "Changed <time"))
	}
}

func TestOverviewWithoutFeeds(t *testing.T) {
	f := newStaffFixture(t, "http://127.0.0.1:8080")
	storetest.MustImport(t, f.st, sample.Demo(t))
	f.addUser(t, "ana@example.org", programme.RoleViewer)
	b := f.browser(t, "192.0.2.37")
	b.mustLogin("ana@example.org")
	res, body := b.get(overviewURL)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Calendar feeds are not set up on this server") ||
		strings.Contains(body, `class="calendars"`) || !strings.Contains(body, "and 14 more items changed at the same time") {
		t.Fatalf("GET %s without feeds: %d\n%s", overviewURL, res.StatusCode, body)
	}
}
