package web

import (
	"bytes"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/planner-dev/planner/bench/large"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
)

// The agenda page writes its items' HTML as kept per programme version
// (item_cache.go). These tests check that the page's bytes are those the
// templates write item by item, and that what is kept for one version or
// one state of an item is never served for another.

// agendaBothWays renders the agenda page of token in variant v as a
// request does, with the items' HTML kept, and as the templates write it
// with every view made anew and every item rendered in place.
func (env *feedEnv) agendaBothWays(token string, v agendaVariant) (kept, fresh string) {
	env.t.Helper()
	ctx := env.t.Context()
	f, err := env.svc.Resolve(ctx, token)
	if err != nil {
		env.t.Fatal(err)
	}
	body, err := env.srv.renderPersonal(ctx, f, token, v)
	if err != nil {
		env.t.Fatal(err)
	}
	a, err := env.svc.Page(ctx, f, token)
	if err != nil {
		env.t.Fatal(err)
	}
	data := env.srv.personalPage(a, token, freshViews{a.Programme, publicNames(a.Programme)})
	data.Transport = env.srv.transportOf(a, token, v.saved)
	block := "layout"
	if v.fragment {
		block = "content"
	}
	var buf bytes.Buffer
	if err := env.srv.render.pages["personal"].ExecuteTemplate(&buf, block, data); err != nil {
		env.t.Fatal(err)
	}
	return string(body), buf.String()
}

// allTokens returns the token of every feed of the programme, creating
// them as needed; keep picks the feeds (all when nil).
func (env *feedEnv) allTokens(keep func(i int, l feeds.Listing) bool) []string {
	env.t.Helper()
	list, err := env.svc.List(env.t.Context(), env.slug, true)
	if err != nil {
		env.t.Fatal(err)
	}
	var out []string
	for i, l := range list {
		if l.URL == "" || (keep != nil && !keep(i, l)) {
			continue
		}
		tok, _ := strings.CutPrefix(l.URL, "https://planner.example.org/feeds/")
		out = append(out, strings.TrimSuffix(tok, ".ics"))
	}
	return out
}

// sameBothWays checks that the agenda pages of tokens, both variants, are
// the same bytes kept and fresh, twice (the second from what the first
// kept).
func (env *feedEnv) sameBothWays(at string, tokens []string) {
	env.t.Helper()
	for _, tok := range tokens {
		for _, v := range []agendaVariant{{}, {fragment: true}} {
			for range 2 {
				kept, fresh := env.agendaBothWays(tok, v)
				if kept != fresh {
					env.t.Fatalf("%s: the agenda page (%+v) with kept items differs from the templates' own:\n%s", at, v, firstDifference(kept, fresh))
				}
			}
		}
	}
}

// firstDifference shows where a and b first differ.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-200)
	return "kept:  …" + a[from:min(len(a), i+200)] + "\nfresh: …" + b[from:min(len(b), i+200)]
}

// keptItems reports how many items' HTML the server keeps for the shared
// programme of token's feed.
func (env *feedEnv) keptItems(token string) int {
	env.t.Helper()
	f, err := env.svc.Resolve(env.t.Context(), token)
	if err != nil {
		env.t.Fatal(err)
	}
	a, err := env.svc.Page(env.t.Context(), f, token)
	if err != nil {
		env.t.Fatal(err)
	}
	n, _ := env.srv.views.of(a.Programme).keptItemHTML()
	return n
}

func TestAgendaPageWithKeptItemsIsTheTemplatesOwnOfTheDemo(t *testing.T) {
	// The bus's poll open, so that runs show their times still in it.
	env := newFeedEnv(t, editedDemo(t, func(p *programme.Programme) {
		p.Transport[0].Poll.Decided = ""
	}))
	tokens := env.allTokens(nil)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	speaker := env.token(programme.FeedSpeaker, "marilyn-cade")
	instants := func(from, to time.Time, step time.Duration) {
		t.Helper()
		for at := from; at.Before(to); at = at.Add(step) {
			env.clock.Set(at)
			env.sameBothWays(at.String(), []string{omar, speaker})
		}
	}
	env.clock.Set(importedAt.Add(17 * time.Second))
	env.sameBothWays("at import", tokens)
	if env.keptItems(omar) == 0 {
		t.Fatal("no item's HTML is kept: this test tests nothing")
	}

	// Staff move a session, take Afghanistan off the closing lunch, cancel
	// a session and a slot of another: changed, lost and cancelled items,
	// and running orders with a cancelled slot.
	changedAt := time.Date(2016, 12, 6, 16, 0, 0, 0, time.UTC)
	env.clock.Set(changedAt)
	env.reimport(editedDemo(t, func(p *programme.Programme) {
		p.Transport[0].Poll.Decided = ""
		nri := sessionOf(t, p, "nri-main")
		nri.StartsAt, nri.EndsAt = nri.StartsAt.Add(time.Hour), nri.EndsAt.Add(time.Hour)
		sessionOf(t, p, "closing-lunch").Audience.Delegations = []string{"pk"}
		cancelled, withSlots := false, false
		for i := range p.Sessions {
			s := &p.Sessions[i]
			switch {
			case len(s.Slots) > 1 && !withSlots:
				s.Slots[1].Status = programme.StatusCancelled
				s.Slots[0].Status = programme.StatusTentative
				withSlots = true
			case len(s.Slots) > 0 && !cancelled && s.Key != "nri-main":
				s.Status = programme.StatusCancelled
				cancelled = true
			}
		}
	}))
	for _, d := range []time.Duration{17 * time.Second, 3*time.Minute + 17*time.Second, 2 * time.Hour, 73 * time.Hour} {
		env.clock.Set(changedAt.Add(d))
		env.sameBothWays("after the changes, "+d.String(), tokens)
	}
	// Every half hour of the programme's days, for a delegate and a
	// speaker: now and next move from item to item.
	instants(time.Date(2016, 11, 28, 12, 0, 17, 0, time.UTC), time.Date(2016, 12, 10, 6, 0, 0, 0, time.UTC), 30*time.Minute+time.Second)
}

func TestAgendaPageWithKeptItemsIsTheTemplatesOwnOfAConference(t *testing.T) {
	p, err := large.Generate(large.Conference)
	if err != nil {
		t.Fatal(err)
	}
	env := newFeedEnv(t, p)
	// Some of every kind of feed: people, delegations, speakers, rooms,
	// and the whole programme.
	seen := map[programme.FeedKind]int{}
	tokens := env.allTokens(func(i int, l feeds.Listing) bool {
		seen[l.Kind]++
		return seen[l.Kind]%97 == 1 || (l.Kind != programme.FeedPerson && seen[l.Kind]%13 == 1)
	})
	start := p.Sessions[0].StartsAt
	for _, s := range p.Sessions {
		if s.StartsAt.Before(start) {
			start = s.StartsAt
		}
	}
	for _, at := range []time.Time{importedAt.Add(17 * time.Second), start.Add(-17 * time.Minute), start.Add(26*time.Hour + 17*time.Second)} {
		env.clock.Set(at)
		env.sameBothWays(at.String(), tokens)
	}
	if env.keptItems(tokens[0]) == 0 {
		t.Fatal("no item's HTML is kept: this test tests nothing")
	}
	// A new version: moved and cancelled sessions.
	changedAt := start.Add(30 * time.Hour)
	env.clock.Set(changedAt)
	edited, err := large.Generate(large.Conference)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(edited.Sessions); i += 7 {
		s := &edited.Sessions[i]
		if i%2 == 0 {
			s.Status = programme.StatusCancelled
		} else {
			s.Title += " (moved)"
			s.StartsAt, s.EndsAt = s.StartsAt.Add(30*time.Minute), s.EndsAt.Add(30*time.Minute)
			for j := range s.Slots {
				sl := &s.Slots[j]
				sl.StartsAt, sl.EndsAt = sl.StartsAt.Add(30*time.Minute), sl.EndsAt.Add(30*time.Minute)
			}
		}
	}
	env.reimport(edited)
	env.clock.Set(changedAt.Add(5*time.Minute + 17*time.Second))
	env.sameBothWays("after the changes", tokens)
}

// TestItemHTMLKeyHoldsEveryShownField fails when a field the item template
// may show is added to itemView and not to itemHTMLKey, where a kept item
// would then be served whatever that field holds.
func TestItemHTMLKeyHoldsEveryShownField(t *testing.T) {
	key := reflect.TypeFor[itemHTMLKey]()
	view := reflect.TypeFor[itemView]()
	for i := range view.NumField() {
		f := view.Field(i)
		if !f.IsExported() || f.Name == "Slots" {
			continue // the running order is the session's: itemHTMLKey.Slots
		}
		k, ok := key.FieldByName(f.Name)
		if !ok || k.Type != f.Type {
			t.Errorf("itemHTMLKey lacks itemView's %s %s", f.Name, f.Type)
		}
		// And the key tells apart two items that differ in it alone.
		var a, b itemView
		switch f.Type.Kind() {
		case reflect.String:
			reflect.ValueOf(&b).Elem().Field(i).SetString("x")
		case reflect.Bool:
			reflect.ValueOf(&b).Elem().Field(i).SetBool(true)
		default:
			t.Errorf("itemView's %s is a %s: teach this test and itemHTMLKey about it", f.Name, f.Type)
			continue
		}
		if keyOf(&a) == keyOf(&b) {
			t.Errorf("keyOf ignores itemView's %s", f.Name)
		}
	}
	// Which slots lose their id is part of the key too.
	a := itemView{key: "s", Slots: []slotView{{ID: "a"}, {ID: "b"}}}
	b := a
	hideSlotIDs(&b, func(id string) bool { return id == "b" })
	if keyOf(&a) == keyOf(&b) || a.Slots[1].ID != "b" {
		t.Error("hiding a slot's id does not change the key, or changes the shared running order")
	}
}

// TestKeptItemHTMLIsPerProgrammeVersion renders the same session of two
// versions of a programme that differ only in a speaker's name, which no
// field of the item's key holds: the second must not get the first's HTML.
func TestKeptItemHTMLIsPerProgrammeVersion(t *testing.T) {
	srv, _ := newTestServer(t, storeWith())
	tmpl := srv.render.pages["personal"]
	v1 := editedDemo(t, func(*programme.Programme) {})
	v2 := editedDemo(t, func(p *programme.Programme) {
		for i := range p.People {
			if p.People[i].Key == "marilyn-cade" {
				p.People[i].Name = "Marilyn S. Cade"
			}
		}
	})
	var items [2]itemView
	var html [2]string
	for i, p := range []*programme.Programme{v1, v2} {
		views := srv.views.of(p)
		items[i] = views.session(sessionOf(t, p, "day0-seminar"))
		days := []dayView{{Items: []itemView{items[i]}}}
		if err := views.fillItemsHTML(tmpl, days); err != nil {
			t.Fatal(err)
		}
		html[i] = string(days[0].ItemsHTML)
	}
	if keyOf(&items[0]) != keyOf(&items[1]) {
		t.Fatal("the two versions' items have different keys: this test tests nothing")
	}
	if !strings.Contains(html[0], "Marilyn Cade") || !strings.Contains(html[1], "Marilyn S. Cade") {
		t.Errorf("the second version's item shows the first's speakers:\n%s\n%s", html[0], html[1])
	}
	// The first version is still kept, and still its own.
	again := []dayView{{Items: []itemView{items[0]}}}
	if err := srv.views.of(v1).fillItemsHTML(tmpl, again); err != nil {
		t.Fatal(err)
	}
	if string(again[0].ItemsHTML) != html[0] {
		t.Error("the first version's item changed")
	}
}

// TestKeptItemsFollowTheClock checks that what is kept for an item in one
// state is not served once the clock moves it to another: the "Now" badge
// from one item to the next, "Changed 3 min ago" to "4 min ago".
func TestKeptItemsFollowTheClock(t *testing.T) {
	env := newDemoEnv(t)
	omar := env.token(programme.FeedPerson, "omar-ansari")
	changedAt := time.Date(2016, 12, 6, 16, 0, 0, 0, time.UTC) // 10:00 in Guadalajara
	env.clock.Set(changedAt)
	env.reimport(editedDemo(t, func(p *programme.Programme) {
		nri := sessionOf(t, p, "nri-main")
		nri.StartsAt, nri.EndsAt = nri.StartsAt.Add(time.Hour), nri.EndsAt.Add(time.Hour)
	}))
	const nri = `id="session-nri-main"`
	changed := func(page string, n string) bool {
		_, item, _ := strings.Cut(page, nri)
		item, _, _ = strings.Cut(item, "</li>")
		return strings.Contains(item, "Changed "+n+" min ago")
	}
	env.clock.Set(changedAt.Add(3*time.Minute + 17*time.Second))
	if _, page := env.personal(omar); !changed(page, "3") {
		t.Fatal("the moved session is not marked as changed 3 min ago")
	}
	if env.keptItems(omar) == 0 {
		t.Fatal("no item's HTML is kept: this test tests nothing")
	}
	env.clock.Advance(time.Minute)
	if _, page := env.personal(omar); !changed(page, "4") || changed(page, "3") {
		t.Error("a minute later the moved session is not marked as changed 4 min ago")
	}

	// Now moves from one item to the next as the first ends.
	f, err := env.svc.Resolve(t.Context(), omar)
	if err != nil {
		t.Fatal(err)
	}
	a, err := env.svc.Page(t.Context(), f, omar)
	if err != nil {
		t.Fatal(err)
	}
	var first, second *programme.Entry
	for i := range a.Entries {
		e := &a.Entries[i]
		if e.Removed || e.Status == programme.StatusCancelled || e.Kind != programme.EntrySession {
			continue
		}
		if first != nil && !e.StartsAt.Before(first.EndsAt) {
			second = e
			break
		}
		if first == nil {
			first = e
		}
	}
	if second == nil {
		t.Fatal("Omar has no two sessions one after the other")
	}
	nowBadge := func(page string, e *programme.Entry) bool {
		_, item, _ := strings.Cut(page, `id="`+e.Anchor()+`"`)
		item, _, _ = strings.Cut(item, "</li>")
		return strings.Contains(item, "badge-now")
	}
	env.clock.Set(first.StartsAt.Add(17 * time.Second))
	if _, page := env.personal(omar); !nowBadge(page, first) || nowBadge(page, second) {
		t.Fatalf("%s is not marked now as it starts", first.Anchor())
	}
	env.clock.Set(second.StartsAt.Add(17 * time.Second))
	if _, page := env.personal(omar); nowBadge(page, first) || !nowBadge(page, second) {
		t.Errorf("now did not move from %s to %s", first.Anchor(), second.Anchor())
	}
}

// TestAgendaPagesRenderedAtOnceShareKeptItems renders every agenda page of
// the demo from several goroutines at once, as requests and background
// refreshes do, each from the views and items' HTML the others keep (run
// with -race).
func TestAgendaPagesRenderedAtOnceShareKeptItems(t *testing.T) {
	env := newDemoEnv(t)
	tokens := env.allTokens(nil)
	env.clock.Set(time.Date(2016, 12, 6, 18, 0, 17, 0, time.UTC))
	want := map[string]string{}
	for _, tok := range tokens {
		_, want[tok] = env.agendaBothWays(tok, agendaVariant{})
	}
	// A fresh server: nothing kept yet, so that the goroutines race to
	// keep the same views and items.
	env.srv = New(Config{BaseURL: "https://planner.example.org", Logger: env.srv.log, Now: env.clock.Now, Feeds: env.svc}, env.st)
	var wg sync.WaitGroup
	errs := make(chan string, 4*len(tokens))
	for g := range 4 {
		wg.Go(func() {
			for i := range tokens {
				tok := tokens[(i+g*len(tokens)/4)%len(tokens)]
				f, err := env.svc.Resolve(t.Context(), tok)
				if err != nil {
					errs <- err.Error()
					return
				}
				body, err := env.srv.renderPersonal(t.Context(), f, tok, agendaVariant{})
				if err != nil {
					errs <- err.Error()
					return
				}
				if string(body) != want[tok] {
					errs <- firstDifference(string(body), want[tok])
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
