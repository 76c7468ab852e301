package web

import (
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
)

// clientEvent is what a calendar application keeps of one event.
type clientEvent struct {
	Summary     string
	Description string
	Status      string
	Sequence    int
	Stamp       time.Time // DTSTAMP
	Start       time.Time // DTSTART as a UTC instant
}

// calendarClient behaves like a calendar application subscribed to a feed:
// it keeps the ETag and revalidates with If-None-Match, asks for gzip, and
// keeps events by UID the way RFC 5546 tells a client to. A newer revision
// (a higher SEQUENCE, or the same SEQUENCE with a later DTSTAMP) replaces
// the event, a CANCELLED one removes it, and an event missing from the feed
// is kept, as clients that never delete do: that is why a feed must send
// CANCELLED for what it loses.
type calendarClient struct {
	t      *testing.T
	h      http.Handler
	path   string
	etag   string
	events map[string]clientEvent // what the calendar shows, by UID
	feed   map[string]clientEvent // the latest feed as fetched, by UID
}

// subscribe adds the feed behind token to a new client and fetches it.
func subscribe(env *feedEnv, token string) *calendarClient {
	env.t.Helper()
	c := &calendarClient{
		t: env.t, h: env.srv.Handler(), path: "/feeds/" + token + ".ics",
		events: map[string]clientEvent{},
	}
	if status := c.poll(); status != http.StatusOK {
		env.t.Fatalf("subscribing: status %d, want 200", status)
	}
	return c
}

// poll revalidates the feed and applies what changed; it returns the status.
func (c *calendarClient) poll() int {
	c.t.Helper()
	header := map[string]string{"Accept-Encoding": "gzip"}
	if c.etag != "" {
		header["If-None-Match"] = c.etag
	}
	res, body := do(c.t, c.h, http.MethodGet, c.path, header)
	switch res.StatusCode {
	case http.StatusNotModified:
		return res.StatusCode
	case http.StatusOK:
	default:
		c.t.Fatalf("poll: status %d", res.StatusCode)
	}
	if res.Header.Get("Content-Encoding") == "gzip" {
		body = gunzip(c.t, body)
	}
	c.etag = res.Header.Get("ETag")
	c.feed = map[string]clientEvent{}
	for uid, ev := range eventsByUID(c.t, parseCalendar(c.t, body)) {
		got := c.read(ev)
		c.feed[uid] = got
		old, known := c.events[uid]
		if known && got.Sequence < old.Sequence {
			c.t.Errorf("the SEQUENCE of %q fell from %d to %d", got.Summary, old.Sequence, got.Sequence)
			continue
		}
		newer := !known || got.Sequence > old.Sequence ||
			got.Sequence == old.Sequence && got.Stamp.After(old.Stamp)
		switch {
		case got.Status == "CANCELLED" && newer:
			delete(c.events, uid)
		case got.Status == "CANCELLED":
			// An unchanged tombstone, or one for an event never kept.
		case newer:
			c.events[uid] = got
		}
	}
	return res.StatusCode
}

func (c *calendarClient) read(ev goical.Event) clientEvent {
	c.t.Helper()
	start, err := ev.DateTimeStart(time.UTC)
	if err != nil {
		c.t.Fatalf("DTSTART: %v", err)
	}
	stamp, err := ev.Props.DateTime(goical.PropDateTimeStamp, time.UTC)
	if err != nil {
		c.t.Fatalf("DTSTAMP: %v", err)
	}
	return clientEvent{
		Summary:     propText(c.t, ev.Props, goical.PropSummary),
		Description: propText(c.t, ev.Props, goical.PropDescription),
		Status:      propText(c.t, ev.Props, goical.PropStatus),
		Sequence:    sequenceOf(c.t, ev),
		Stamp:       stamp,
		Start:       start.UTC(),
	}
}

// shown returns the event the calendar shows for an item, failing if none.
func (c *calendarClient) shown(id string) clientEvent {
	c.t.Helper()
	ev, ok := c.events[uidOf(id)]
	if !ok {
		c.t.Fatalf("the calendar does not show %s", id)
	}
	return ev
}

// pollChanged polls and fails unless the feed changed.
func (c *calendarClient) pollChanged() {
	c.t.Helper()
	if status := c.poll(); status != http.StatusOK {
		c.t.Fatalf("poll after a change: status %d, want 200", status)
	}
}

// staffImport moves the clock on and imports an edited demo, as staff do.
func staffImport(env *feedEnv, edit func(p *programme.Programme)) {
	env.t.Helper()
	env.clock.Advance(time.Hour)
	if report := env.reimport(editedDemo(env.t, edit)); !report.Changed {
		env.t.Fatal("the edited demo changed nothing")
	}
	env.clock.Advance(time.Minute)
}

func TestCalendarClientFollowsChanges(t *testing.T) {
	t.Run("a slot moves", func(t *testing.T) {
		env := newDemoEnv(t)
		chris := subscribe(env, env.token(programme.FeedPerson, "chris-painter"))
		omar := subscribe(env, env.token(programme.FeedPerson, "omar-ansari"))
		af := subscribe(env, env.token(programme.FeedDelegation, "af"))
		slotBefore := chris.shown("slot/day0-seminar/cyber")
		seminarBefore := af.shown("session/day0-seminar")
		if want := time.Date(2016, 12, 5, 18, 15, 0, 0, time.UTC); !slotBefore.Start.Equal(want) {
			t.Fatalf("the cyber slot starts at %v, want %v", slotBefore.Start, want)
		}

		staffImport(env, func(p *programme.Programme) {
			cyber := slotOf(t, sessionOf(t, p, "day0-seminar"), "cyber")
			cyber.StartsAt = cyber.StartsAt.Add(5 * time.Minute) // 12:15 → 12:20
		})
		for _, c := range []*calendarClient{chris, omar, af} {
			c.pollChanged()
		}

		slot := chris.shown("slot/day0-seminar/cyber")
		if want := time.Date(2016, 12, 5, 18, 20, 0, 0, time.UTC); !slot.Start.Equal(want) {
			t.Errorf("Chris's slot starts at %v, want %v", slot.Start, want)
		}
		if slot.Sequence <= slotBefore.Sequence {
			t.Errorf("the moved slot kept SEQUENCE %d (was %d)", slot.Sequence, slotBefore.Sequence)
		}
		const newLine = "12:20–12:50 U.S. international cyber policy"
		if d := omar.shown("session/day0-seminar").Description; !strings.Contains(d, newLine) {
			t.Errorf("Omar's seminar does not show the new running order:\n%s", d)
		}
		// The seminar itself did not move: only its description changed,
		// which a client takes from the later DTSTAMP.
		seminar := af.shown("session/day0-seminar")
		if seminar.Sequence != seminarBefore.Sequence {
			t.Errorf("the seminar's SEQUENCE went from %d to %d, though only its description changed", seminarBefore.Sequence, seminar.Sequence)
		}
		if !strings.Contains(seminar.Description, newLine) {
			t.Errorf("Afghanistan's seminar does not show the new running order:\n%s", seminar.Description)
		}
	})

	t.Run("a session is cancelled", func(t *testing.T) {
		env := newDemoEnv(t)
		omar := subscribe(env, env.token(programme.FeedPerson, "omar-ansari"))
		before := omar.shown("session/town-hall")

		staffImport(env, func(p *programme.Programme) {
			sessionOf(t, p, "town-hall").Status = programme.StatusCancelled
		})
		omar.pollChanged()
		tomb, ok := omar.feed[uidOf("session/town-hall")]
		if !ok || tomb.Status != "CANCELLED" || tomb.Sequence <= before.Sequence {
			t.Fatalf("the feed has the Town Hall as %+v, want CANCELLED with SEQUENCE above %d", tomb, before.Sequence)
		}
		if _, ok := omar.events[uidOf("session/town-hall")]; ok {
			t.Error("the calendar still shows the cancelled Town Hall")
		}

		// After the tombstone's 30 days the event leaves the feed altogether,
		// and nothing else does.
		env.clock.Advance(31 * 24 * time.Hour)
		omar.pollChanged()
		if _, ok := omar.feed[uidOf("session/town-hall")]; ok {
			t.Error("the cancelled Town Hall is still in the feed 31 days on")
		}
		if len(omar.feed) != 9 {
			t.Errorf("the feed has %d events 31 days on, want the other 9", len(omar.feed))
		}
	})

	t.Run("a delegation leaves a session", func(t *testing.T) {
		env := newDemoEnv(t)
		omar := subscribe(env, env.token(programme.FeedPerson, "omar-ansari"))
		pk := subscribe(env, env.token(programme.FeedDelegation, "pk"))
		shamim := subscribe(env, env.token(programme.FeedPerson, "shamim"))
		before := omar.shown("session/closing-lunch")
		pkBefore := pk.shown("session/closing-lunch")

		staffImport(env, func(p *programme.Programme) {
			sessionOf(t, p, "closing-lunch").Audience.Delegations = []string{"pk"}
		})
		omar.pollChanged()
		// Pakistan's calendars show the same lunch as before: their feeds'
		// bytes did not change, so they download nothing (issue 7: a
		// change re-sends only the feeds it touches).
		for name, c := range map[string]*calendarClient{"Pakistan": pk, "Shamim": shamim} {
			if status := c.poll(); status != http.StatusNotModified {
				t.Errorf("%s's calendar polls after Afghanistan left the lunch: status %d, want 304", name, status)
			}
		}
		tomb := omar.feed[uidOf("session/closing-lunch")]
		if tomb.Status != "CANCELLED" || tomb.Sequence <= before.Sequence {
			t.Errorf("Omar's feed has the closing lunch as %s with SEQUENCE %d, want CANCELLED above %d", tomb.Status, tomb.Sequence, before.Sequence)
		}
		if _, ok := omar.events[uidOf("session/closing-lunch")]; ok {
			t.Error("Omar's calendar still shows the closing lunch")
		}
		for name, c := range map[string]*calendarClient{"Pakistan": pk, "Shamim": shamim} {
			lunch := c.shown("session/closing-lunch")
			if lunch.Status != "CONFIRMED" || lunch.Sequence != pkBefore.Sequence {
				t.Errorf("%s's closing lunch is %s with SEQUENCE %d, want CONFIRMED with %d", name, lunch.Status, lunch.Sequence, pkBefore.Sequence)
			}
		}
	})

	t.Run("the same file again", func(t *testing.T) {
		env := newDemoEnv(t)
		omar := subscribe(env, env.token(programme.FeedPerson, "omar-ansari"))
		etag := omar.etag
		shown := maps.Clone(omar.events)

		env.clock.Advance(time.Hour)
		if report := env.reimport(sample.Demo(t)); report.Changed {
			t.Fatalf("re-importing the same file changed something: %+v", report)
		}
		if status := omar.poll(); status != http.StatusNotModified {
			t.Errorf("poll after a no-op import: status %d, want 304", status)
		}
		// A client that lost its cache gets the same validator and revisions.
		fresh := subscribe(env, env.token(programme.FeedPerson, "omar-ansari"))
		if fresh.etag != etag {
			t.Errorf("ETag %s after a no-op import, was %s", fresh.etag, etag)
		}
		if !maps.Equal(fresh.events, shown) {
			t.Error("a no-op import changed the events")
		}
	})
}
