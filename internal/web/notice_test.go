package web

import (
	"html"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

// itemHTML cuts the item with HTML id anchor out of a page.
func itemHTML(t *testing.T, body, anchor string) string {
	t.Helper()
	i := strings.Index(body, `id="`+anchor+`"`)
	if i < 0 {
		t.Fatalf("no item %q on the page", anchor)
	}
	rest := body[i:]
	if j := strings.Index(rest[1:], `<li class="item`); j >= 0 {
		rest = rest[:j+1]
	}
	return rest
}

// TestPageAndFeedSayTheSame takes the demo through each way an item stops
// being someone's, and checks that the agenda page behind a token and the
// calendar feed of the same token say the same words: the feed's SUMMARY
// opens with the page's badge, and its DESCRIPTION with the page's sentence.
// A client that ignores STATUS thus still says what happened.
func TestPageAndFeedSayTheSame(t *testing.T) {
	env := newDemoEnv(t)
	cases := []struct {
		name   string
		kind   programme.FeedKind
		key    string
		id     string // the entry's ID
		label  string
		detail string
	}{
		{"cancelled session", programme.FeedPerson, "omar-ansari", "session/us-reception",
			"Cancelled", "This session is cancelled: it no longer takes place."},
		{"removed delegation", programme.FeedPerson, "omar-ansari", "session/day0-seminar",
			"No longer on your agenda", "You were taken off this session; it goes on without you."},
		{"staying behind", programme.FeedPerson, "omar-ansari", "run/day0-bus",
			"You are not on this bus", "You are staying behind: the bus leaves without you."},
		{"moved room", programme.FeedRoom, "room-10", "session/day0-seminar",
			"No longer in this room", "This session moved to another room."},
		{"left delegation", programme.FeedPerson, "aziz-taqwa", "session/day0-lunch",
			"No longer on your agenda", "You had this session through a delegation you are no longer in; it goes on without you."},
		{"taken off a slot's speakers", programme.FeedSpeaker, "noel", "slot/day0-seminar/isoc",
			"No longer speaking", "You were taken off the speakers of this slot; it goes on without you."},
	}
	// Tokens first: Noel's speaker feed is one the programme no longer
	// offers once he speaks nowhere, and its token must still work.
	tokens := map[string]string{}
	for _, c := range cases {
		tokens[c.name] = env.token(c.kind, c.key)
	}
	env.clock.Advance(time.Hour)
	env.reimport(editedDemo(t, func(p *programme.Programme) {
		found(t, p.Session("us-reception"), "no reception").Status = programme.StatusCancelled
		seminar := found(t, p.Session("day0-seminar"), "no seminar")
		seminar.Audience.Delegations = []string{"pk"}
		seminar.Room = "main-hall"
		found(t, p.Run("day0-bus"), "no bus").StayingBehind = []programme.StayingBehind{{Person: "omar-ansari", Active: true}}
		found(t, p.Person("aziz-taqwa"), "no aziz").Delegation = ""
		isoc := found(t, seminar.Slot("isoc"), "no isoc slot")
		isoc.Speakers = []string{"sally-wentworth", "raul-echeberria", "joyce"}
	}))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			token := tokens[c.name]
			events := eventsByUID(t, env.calendar(token))
			ev, ok := events[uidOf(c.id)]
			if !ok {
				t.Fatalf("the feed has no %s", c.id)
			}
			summary := propText(t, ev.Props, "SUMMARY")
			desc := propText(t, ev.Props, "DESCRIPTION")
			if !strings.HasPrefix(summary, c.label+": ") {
				t.Errorf("SUMMARY = %q, want it to open with %q", summary, c.label+": ")
			}
			if !strings.HasPrefix(desc, c.detail) {
				t.Errorf("DESCRIPTION = %q, want it to open with %q", desc, c.detail)
			}
			if strings.Contains(desc, "Attendance required.") {
				t.Errorf("DESCRIPTION of a struck item still says attendance is required: %q", desc)
			}

			_, body := env.personal(token)
			e := programme.Entry{Kind: programme.EntrySession, SessionKey: "x"}
			switch {
			case strings.HasPrefix(c.id, "run/"):
				e = programme.Entry{Kind: programme.EntryRun, RunKey: strings.TrimPrefix(c.id, "run/")}
			case strings.HasPrefix(c.id, "slot/"):
				keys := strings.Split(c.id, "/")
				e = programme.Entry{Kind: programme.EntrySlot, SessionKey: keys[1], SlotKey: keys[2]}
			default:
				e.SessionKey = strings.TrimPrefix(c.id, "session/")
			}
			item := itemHTML(t, body, e.Anchor())
			if !strings.Contains(item, html.EscapeString(c.label)+"</span>") && !strings.Contains(item, html.EscapeString(c.label)+" · ") {
				t.Errorf("the page's item lacks the badge %q:\n%s", c.label, item)
			}
			if !strings.Contains(item, `<p class="notice">`+html.EscapeString(c.detail)+`</p>`) {
				t.Errorf("the page's item lacks the sentence %q:\n%s", c.detail, item)
			}
			if strings.Contains(item, "badge-required") {
				t.Errorf("the page's struck item still asks for attendance:\n%s", item)
			}
		})
	}
}
