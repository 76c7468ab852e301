package web

import (
	"html"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/programme"
)

// privateDemo is the demo with the private details it lacks planted in it:
// an e-mail address, a phone number, a person's note, a run's staying-behind
// note. The demo's own staff notes (slots, a delegation, a reservation) are
// kept.
func privateDemo(t *testing.T) *programme.Programme {
	t.Helper()
	return editedDemo(t, func(p *programme.Programme) {
		omar := found(t, p.Person("omar-ansari"), "no person omar-ansari")
		omar.Email, omar.Phone, omar.Note = "omar@example.org", "+93 700 123 456", "Arrives late on Sunday."
		bus := found(t, p.Run("day0-bus"), "no run day0-bus")
		bus.StayingBehind = []programme.StayingBehind{{Person: "aziz-taqwa", Note: "Dinner with the MAG.", Active: true}}
	})
}

// staffText returns every staff-only text of the programme as the store
// gives it back: notes on slots, delegations, people, reservations and
// staying-behind riders, e-mail addresses and phone numbers.
func staffText(p *programme.Programme) []string {
	var out []string
	add := func(s ...string) {
		for _, x := range s {
			if x != "" {
				out = append(out, x)
			}
		}
	}
	for _, d := range p.Delegations {
		add(d.Note)
	}
	for _, x := range p.People {
		add(x.Note, x.Email, x.Phone)
	}
	for _, r := range p.Rooms {
		for _, res := range r.Reservations {
			add(res.Note)
		}
	}
	for _, s := range p.Sessions {
		for _, sl := range s.Slots {
			add(sl.Note)
		}
	}
	for _, r := range p.Transport {
		for _, sb := range r.StayingBehind {
			add(sb.Note)
		}
	}
	return out
}

// storedStaffNotes loads the programme from the database and returns the
// staff-only texts it holds, after checking that each of want is among them:
// a privacy test that looks for a note the database does not hold could
// never fail.
func (env *feedEnv) storedStaffNotes(want ...string) []string {
	env.t.Helper()
	p, err := env.st.Programme(env.t.Context(), env.slug)
	if err != nil {
		env.t.Fatalf("load %s: %v", env.slug, err)
	}
	notes := staffText(p)
	for _, w := range want {
		if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, w) }) {
			env.t.Fatalf("the database does not hold the staff-only %q; it holds %q", w, notes)
		}
	}
	return notes
}

// demoStaffNotes are the staff-only texts every privacy test expects the
// database to hold, one of each kind, so that a rename in the demo cannot
// leave a test looking for nothing.
var demoStaffNotes = []string{
	"has to leave by 11:00",             // a slot's note
	"Added on the day",                  // a slot's note
	"Expected to come by informally",    // a cancelled slot's note
	"ISOC Afghanistan chapter approved", // a delegation's note
	"Reserved for the whole day",        // a reservation's note
	"omar@example.org", "+93 700 123 456",
	"Arrives late on Sunday", // a person's note
	"Dinner with the MAG",    // a staying-behind note
}

// notShown fails for every staff-only note that body shows.
func notShown(t *testing.T, what, body string, notes []string) {
	t.Helper()
	for _, n := range notes {
		if strings.Contains(body, n) {
			t.Errorf("%s shows staff-only %q", what, n)
		}
	}
}

// TestPagesAndFeedsShowNoStaffNote checks every page and every feed of a
// programme whose database holds a staff note of every kind.
func TestPagesAndFeedsShowNoStaffNote(t *testing.T) {
	env := newFeedEnv(t, privateDemo(t))
	env.clock.Set(importedAt.Add(14 * 24 * time.Hour)) // during the programme
	notes := env.storedStaffNotes(demoStaffNotes...)

	for _, path := range []string{"/", "/p/" + demo.Slug} {
		res, body := get(t, env.srv.Handler(), path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, res.StatusCode)
		}
		notShown(t, path, html.UnescapeString(body), notes)
	}
	for _, f := range []struct {
		kind programme.FeedKind
		key  string
	}{
		{programme.FeedPerson, "omar-ansari"}, {programme.FeedPerson, "aziz-taqwa"},
		{programme.FeedPerson, "chris-painter"}, {programme.FeedDelegation, "af"},
		{programme.FeedSpeaker, "chris-painter"}, {programme.FeedRoom, "main-hall"},
		{programme.FeedProgramme, demo.Slug},
	} {
		tok := env.token(f.kind, f.key)
		_, page := env.personal(tok)
		notShown(t, string(f.kind)+"/"+f.key+" page", html.UnescapeString(page), notes)
		res, feed := get(t, env.srv.Handler(), "/feeds/"+tok+".ics")
		if res.StatusCode != http.StatusOK || !strings.Contains(feed, "BEGIN:VEVENT") {
			t.Fatalf("%s/%s feed: status %d, no event:\n%s", f.kind, f.key, res.StatusCode, feed)
		}
		// A feed folds long lines and escapes text: undo both before looking.
		text := strings.NewReplacer(`\,`, ",", `\;`, ";", `\n`, "\n", `\\`, `\`).Replace(strings.ReplaceAll(feed, "\r\n ", ""))
		notShown(t, string(f.kind)+"/"+f.key+" feed", text, notes)
	}
}
