package store_test

import (
	"bytes"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/ical"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/store/storetest"
)

// stampFeeds are the feeds TestStampsMoveOnlyWithShownChanges renders: every
// speaker's, and the people and delegation who have the seminar.
func stampFeeds(p *programme.Programme) []struct {
	kind programme.FeedKind
	key  string
} {
	feeds := []struct {
		kind programme.FeedKind
		key  string
	}{{programme.FeedPerson, "omar-ansari"}, {programme.FeedDelegation, "af"}, {programme.FeedProgramme, p.Slug}}
	for _, s := range p.Sessions {
		for _, sl := range s.Slots {
			for _, k := range sl.Speakers {
				feeds = append(feeds, struct {
					kind programme.FeedKind
					key  string
				}{programme.FeedSpeaker, k})
				feeds = append(feeds, struct {
					kind programme.FeedKind
					key  string
				}{programme.FeedPerson, k})
			}
		}
	}
	return feeds
}

var (
	uidLine   = regexp.MustCompile(`(?m)^UID:(.*)\r$`)
	stampLine = regexp.MustCompile(`(?m)^(DTSTAMP|LAST-MODIFIED):.*\r$`)
)

// stamps renders every watched feed of the stored programme and returns, by
// feed and event UID, the event's DTSTAMP and LAST-MODIFIED lines as bytes.
func stamps(t *testing.T, s *store.Store, now time.Time) map[string]string {
	t.Helper()
	p := mustLoad(t, s, demo.Slug)
	out := map[string]string{}
	for _, f := range stampFeeds(p) {
		entries, err := p.FeedEntries(f.kind, f.key, now)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := ical.Encode(&buf, ical.Feed{Name: f.key, Programme: p, Entries: entries}); err != nil {
			t.Fatal(err)
		}
		for _, ev := range bytes.Split(buf.Bytes(), []byte("BEGIN:VEVENT"))[1:] {
			uid := uidLine.FindSubmatch(ev)
			if uid == nil {
				t.Fatalf("an event of %s/%s has no UID", f.kind, f.key)
			}
			var lines [][]byte
			for _, m := range stampLine.FindAll(ev, -1) {
				lines = append(lines, m)
			}
			out[string(f.kind)+"/"+f.key+" "+string(uid[1])] = string(bytes.Join(lines, []byte("\n")))
		}
	}
	return out
}

// TestStampsMoveOnlyWithShownChanges imports the demo, then edits only what
// no event shows (a slot's staff note, a speaker's availability window and
// e-mail address, a room's reservations, a delegation's note) and an item
// no watched slot event shows (the lunch's description): every byte of
// every event's DTSTAMP and LAST-MODIFIED stays. Taking Afghanistan off the
// seminar moves only the events of those who lost it, not the 18 events of
// its speakers. A new title of the seminar moves the seminar's and its
// slots' events, and a speaker's new name the running order's.
func TestStampsMoveOnlyWithShownChanges(t *testing.T) {
	s, clock := openClocked(t)
	storetest.MustImport(t, s, sample.Demo(t))
	now := t0.Add(24 * time.Hour)
	before := stamps(t, s, now)
	speakerEvents := 0
	for k := range before {
		if bytes.HasPrefix([]byte(k), []byte("speaker/")) {
			speakerEvents++
		}
	}
	if speakerEvents < 10 {
		t.Fatalf("only %d speaker events: nothing to check", speakerEvents)
	}

	clock.Advance(time.Hour)
	staffOnly := sample.Demo(t)
	seminar := sessionByKey(t, staffOnly, "day0-seminar")
	slotByKey(t, seminar, "cyber").Note = "Staff: bring the HDMI adapter."
	from := slotByKey(t, seminar, "welcome").StartsAt.Add(-time.Hour)
	slotByKey(t, seminar, "welcome").AvailableFrom = &from
	found(t, staffOnly.Person("chris-painter"), "no chris-painter").Email = "painter@example.org"
	roomByKey(t, staffOnly, "room-10").Reservations = nil
	found(t, staffOnly.Delegation("pk"), "no pk").Note = "Staff only."
	sessionByKey(t, staffOnly, "day0-lunch").Description = "Bring cash for the meal tickets."
	if report := storetest.MustImport(t, s, staffOnly); !report.Changed {
		t.Fatal("the staff-only edits changed nothing: nothing to check")
	}
	after := stamps(t, s, now)
	for k, was := range before {
		// The lunch's own events show its description.
		if bytes.Contains([]byte(k), []byte(programme.UID(demo.Slug, "session/day0-lunch"))) {
			continue
		}
		if after[k] != was {
			t.Errorf("%s: stamps moved after staff-only edits:\n%s\n→\n%s", k, was, after[k])
		}
	}

	// Afghanistan off the seminar: Omar's and the delegation's seminar
	// events move (a tombstone), no speaker's slot event does.
	at := clock.Advance(time.Hour)
	// Each step edits the previous step's programme further.
	noAF := staffOnly
	seminar = sessionByKey(t, noAF, "day0-seminar")
	seminar.Audience.Delegations = slices.DeleteFunc(slices.Clone(seminar.Audience.Delegations), func(d string) bool { return d == "af" })
	storetest.MustImport(t, s, noAF)
	after2 := stamps(t, s, now)
	seminarUID := programme.UID(demo.Slug, "session/day0-seminar")
	for k, was := range after {
		moved := after2[k] != was
		lost := k == "person/omar-ansari "+seminarUID || k == "delegation/af "+seminarUID
		if moved != lost {
			t.Errorf("%s: stamps moved %v, want %v:\n%s\n→\n%s", k, moved, lost, was, after2[k])
		}
	}
	stamp := "DTSTAMP:" + at.UTC().Format("20060102T150405Z")
	if got := after2["person/omar-ansari "+seminarUID]; !bytes.Contains([]byte(got), []byte(stamp)) {
		t.Errorf("Omar's seminar tombstone stamps %q, want %s", got, stamp)
	}

	// A new title is shown: the seminar's event and every slot event of it move.
	at = clock.Advance(time.Hour)
	titled := noAF
	sessionByKey(t, titled, "day0-seminar").Title = "Pre-Conference Seminar (Day 0)"
	storetest.MustImport(t, s, titled)
	after3 := stamps(t, s, now)
	stamp = "DTSTAMP:" + at.UTC().Format("20060102T150405Z")
	movedSlots := 0
	for k, v := range after3 {
		if bytes.HasPrefix([]byte(k), []byte("speaker/")) {
			if !bytes.Contains([]byte(v), []byte(stamp)) {
				t.Errorf("%s: a slot of the renamed seminar keeps its stamps %q", k, v)
			}
			movedSlots++
		}
	}
	if got := after3["programme/"+demo.Slug+" "+seminarUID]; !bytes.Contains([]byte(got), []byte(stamp)) {
		t.Errorf("the renamed seminar stamps %q, want %s", got, stamp)
	}
	if movedSlots != speakerEvents {
		t.Errorf("%d speaker events after the title edit, want %d", movedSlots, speakerEvents)
	}

	// A speaker's new name is in the running order: the seminar moves.
	at = clock.Advance(time.Hour)
	renamed := titled
	found(t, renamed.Person("lisel-fronz"), "no lisel-fronz").Name = "Lisel M. Fronz"
	storetest.MustImport(t, s, renamed)
	after4 := stamps(t, s, now)
	stamp = "DTSTAMP:" + at.UTC().Format("20060102T150405Z")
	if got := after4["programme/"+demo.Slug+" "+seminarUID]; !bytes.Contains([]byte(got), []byte(stamp)) {
		t.Errorf("the seminar with a renamed speaker stamps %q, want %s", got, stamp)
	}
	lunchUID := programme.UID(demo.Slug, "session/day0-lunch")
	if after4["programme/"+demo.Slug+" "+lunchUID] != after3["programme/"+demo.Slug+" "+lunchUID] {
		t.Error("a speaker's new name moved the lunch's stamps")
	}
}

// TestVenueGeo stores a venue's point, exports it as it was given, and
// counts a moved point as a change of place: the venue's and the events'
// SEQUENCE rise. A programme stored without points exports none.
func TestVenueGeo(t *testing.T) {
	s, clock := openClocked(t)
	p := sample.Demo(t)
	storetest.MustImport(t, s, p)
	var plain bytes.Buffer
	if err := exchange.Encode(&plain, mustLoad(t, s, demo.Slug)); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(plain.Bytes(), []byte(`"geo"`)) {
		t.Error("a programme without points exports a geo")
	}
	before, err := mustLoad(t, s, demo.Slug).FeedEntries(programme.FeedPerson, "omar-ansari", t0)
	if err != nil {
		t.Fatal(err)
	}

	clock.Advance(time.Hour)
	withGeo := sample.Demo(t)
	venueByKey(t, withGeo, "expo").Geo = &programme.Geo{Lat: 20.652935, Lon: -103.391632}
	storetest.MustImport(t, s, withGeo)
	got := mustLoad(t, s, demo.Slug)
	if g := venueByKey(t, got, "expo").Geo; g == nil || *g != (programme.Geo{Lat: 20.652935, Lon: -103.391632}) {
		t.Fatalf("stored Expo geo = %+v, want the point given", g)
	}
	if g := venueByKey(t, got, "hotel").Geo; g != nil {
		t.Errorf("the hotel has a point %+v it was never given", g)
	}
	var out bytes.Buffer
	if err := exchange.Encode(&out, got); err != nil {
		t.Fatal(err)
	}
	again, errs, err := exchange.Decode(bytes.NewReader(out.Bytes()))
	if err != nil || len(errs) > 0 {
		t.Fatalf("the export does not decode: %v %v", err, errs)
	}
	if g := venueByKey(t, again, "expo").Geo; g == nil || *g != *venueByKey(t, got, "expo").Geo {
		t.Errorf("exported Expo geo = %+v, want %+v", g, venueByKey(t, got, "expo").Geo)
	}

	after, err := got.FeedEntries(programme.FeedPerson, "omar-ansari", t0)
	if err != nil {
		t.Fatal(err)
	}
	seq := func(entries []programme.Entry) map[string]programme.Entry {
		m := map[string]programme.Entry{}
		for _, e := range entries {
			m[e.ID] = e
		}
		return m
	}
	was, is := seq(before), seq(after)
	for _, id := range atExpo {
		e, ok := is[id]
		if !ok {
			continue // Chris's slot is not in Omar's feed
		}
		if e.Sequence != was[id].Sequence+1 {
			t.Errorf("%s SEQUENCE %d → %d, want a rise of one", id, was[id].Sequence, e.Sequence)
		}
		if !e.OnMap || e.Lat != 20.652935 || e.VenueName != "Expo Guadalajara" {
			t.Errorf("%s is not on the map at the Expo: %+v", id, e)
		}
	}
	if e := is["session/dc-day1"]; e.Sequence != was["session/dc-day1"].Sequence || e.OnMap {
		t.Errorf("the Washington meeting, far from the Expo, changed: %+v", e)
	}
}

// TestShownModifiedAtOfOlderRows reads rows stored before migration 0010
// (shown_modified_at NULL) as last shown when they were last modified, and
// keeps that through a staff-only change, which moves only modified_at.
func TestShownModifiedAtOfOlderRows(t *testing.T) {
	s, clock := openClocked(t)
	storetest.MustImport(t, s, sample.Demo(t))
	for _, table := range []string{"venues", "rooms", "delegations", "people", "sessions", "slots", "runs"} {
		if err := s.DB().Exec("UPDATE " + table + " SET shown_modified_at = NULL").Error; err != nil {
			t.Fatal(err)
		}
	}
	seminar := sessionByKey(t, mustLoad(t, s, demo.Slug), "day0-seminar")
	if cyber := slotByKey(t, seminar, "cyber"); !cyber.ShownAt.Equal(t0) || !seminar.ShownAt.Equal(t0) {
		t.Fatalf("an older row's ShownAt = %v, want its ModifiedAt %v", cyber.ShownAt, t0)
	}
	at := clock.Advance(time.Hour)
	p := sample.Demo(t)
	slotByKey(t, sessionByKey(t, p, "day0-seminar"), "cyber").Note = "Staff only."
	sessionByKey(t, p, "day0-seminar").Title = "Seminar"
	storetest.MustImport(t, s, p)
	seminar = sessionByKey(t, mustLoad(t, s, demo.Slug), "day0-seminar")
	cyber := slotByKey(t, seminar, "cyber")
	if !cyber.ModifiedAt.Equal(at) || !cyber.ShownAt.Equal(t0) {
		t.Errorf("after a note: ModifiedAt %v ShownAt %v, want %v and %v", cyber.ModifiedAt, cyber.ShownAt, at, t0)
	}
	if !seminar.ShownAt.Equal(at) {
		t.Errorf("after a title: ShownAt %v, want %v", seminar.ShownAt, at)
	}
}
