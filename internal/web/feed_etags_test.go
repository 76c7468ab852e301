package web

import (
	"net/http"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

// TestAChangeResendsOnlyTheFeedsItTouches is issue 7's "what a change
// costs": the ETag of a feed is its bytes', so after a change to a session of
// the Pakistani delegation's only, every feed of the Afghan delegation still
// answers 304 to the ETag it had (in either encoding), while the feeds that
// show the session get a new ETag and a 200.
func TestAChangeResendsOnlyTheFeedsItTouches(t *testing.T) {
	pkOnly := func(p *programme.Programme) {
		for i := range p.Sessions {
			if p.Sessions[i].Key == "town-hall" {
				p.Sessions[i].Audience = programme.Audience{Delegations: []string{"pk"}}
				return
			}
		}
		t.Fatal("the demo has no town-hall session")
	}
	env := newFeedEnv(t, editedDemo(t, pkOnly))
	type feed struct {
		kind programme.FeedKind
		key  string
	}
	afghan := []feed{{programme.FeedDelegation, "af"}}
	for _, k := range []string{"omar-ansari", "aziz-taqwa", "shabana", "wafa", "nashimi", "payab"} {
		afghan = append(afghan, feed{programme.FeedPerson, k})
	}
	touched := []feed{{programme.FeedDelegation, "pk"}, {programme.FeedPerson, "syed-shah"},
		{programme.FeedPerson, "shamim"}, {programme.FeedProgramme, env.slug}}
	gzip := map[string]string{"Accept-Encoding": "gzip"}
	type tags struct{ plain, gzip string }
	before := map[feed]tags{}
	for _, f := range append(append([]feed{}, afghan...), touched...) {
		token := env.token(f.kind, f.key)
		plain, _ := env.fetch(http.MethodGet, token, nil)
		gz, _ := env.fetch(http.MethodGet, token, gzip)
		if plain.StatusCode != http.StatusOK || gz.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: GET %d, gzip %d", f.kind, f.key, plain.StatusCode, gz.StatusCode)
		}
		before[f] = tags{plain.Header.Get("ETag"), gz.Header.Get("ETag")}
	}

	// Staff move the Pakistani delegation's town hall by half an hour.
	env.clock.Advance(time.Hour)
	env.reimport(editedDemo(t, func(p *programme.Programme) {
		pkOnly(p)
		for i := range p.Sessions {
			if p.Sessions[i].Key == "town-hall" {
				p.Sessions[i].StartsAt = p.Sessions[i].StartsAt.Add(30 * time.Minute)
				p.Sessions[i].EndsAt = p.Sessions[i].EndsAt.Add(30 * time.Minute)
			}
		}
	}))

	for _, f := range afghan {
		token := env.token(f.kind, f.key)
		for _, h := range []map[string]string{
			{"If-None-Match": before[f].plain},
			{"If-None-Match": before[f].gzip, "Accept-Encoding": "gzip"},
		} {
			res, body := env.fetch(http.MethodGet, token, h)
			if res.StatusCode != http.StatusNotModified {
				t.Errorf("%s %s untouched by the change, If-None-Match %s: %d (%d bytes), ETag %s; want 304",
					f.kind, f.key, h["If-None-Match"], res.StatusCode, len(body), res.Header.Get("ETag"))
			}
		}
	}
	for _, f := range touched {
		token := env.token(f.kind, f.key)
		res, body := env.fetch(http.MethodGet, token, map[string]string{"If-None-Match": before[f].plain})
		if res.StatusCode != http.StatusOK || res.Header.Get("ETag") == before[f].plain || body == "" {
			t.Errorf("%s %s shows the moved session: %d, ETag %s (was %s); want 200 and a new ETag",
				f.kind, f.key, res.StatusCode, res.Header.Get("ETag"), before[f].plain)
		}
	}
}
