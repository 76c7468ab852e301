package calimport

import (
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/programme"
)

func TestSessionKey(t *testing.T) {
	uids := []string{
		"2aba641b-114d-4dac-866e-533314a3c108@frab.cccv.de",
		"pretalx-2025-RXCFVB@cfp.openondemand.org",
		"bdeb89fcb7b271c2053791f3789faff7",
		"daily@example.org/20250317T080000Z",
		"daily@example.org/20250318T080000Z",
		"@@@",
		"",
		strings.Repeat("Ä", 200),
	}
	seen := map[string]string{}
	for _, uid := range uids {
		key := SessionKey(uid)
		if !programme.ValidKey(key) {
			t.Errorf("SessionKey(%q) = %q, not a valid key", uid, key)
		}
		if key != SessionKey(uid) {
			t.Errorf("SessionKey(%q) is not stable", uid)
		}
		if other, dup := seen[key]; dup {
			t.Errorf("SessionKey(%q) = SessionKey(%q) = %q", uid, other, key)
		}
		seen[key] = uid
	}
	if got := SessionKey("pretalx-2025-RXCFVB@cfp.openondemand.org"); !strings.HasPrefix(got, "pretalx-2025-rxcfvb-cfp-openondemand-org-") {
		t.Errorf("the key %q does not start with the readable part of the UID", got)
	}
}

// stored is a programme as stored after a first import of events a, b, c
// and d, to which staff added an audience, a room, a kind and a slot.
func storedProgramme() (*programme.Programme, Source) {
	at := func(h int) time.Time { return time.Date(2016, 12, 27, h, 0, 0, 0, time.UTC) }
	p := &programme.Programme{
		Slug: "congress", Title: "Congress", TimeZone: "Europe/Berlin", StartsOn: "2016-12-27", EndsOn: "2016-12-30",
		Rooms:       []programme.Room{{Key: "saal-1", Name: "Saal 1"}},
		Delegations: []programme.Delegation{{Key: "de", Name: "Germany"}},
	}
	src := Source{Name: "fahrplan", Items: map[string]Item{}}
	for i, uid := range []string{"a", "b", "c", "d"} {
		key := SessionKey(uid)
		p.Sessions = append(p.Sessions, programme.Session{
			Key: key, Title: "Talk " + uid, Kind: "other", StartsAt: at(9 + i), EndsAt: at(10 + i),
			Location: "Saal " + uid, Status: programme.StatusConfirmed, Description: "About " + uid,
		})
		src.Items[uid] = Item{UID: uid, SessionKey: key}
	}
	// Staff's own additions on a.
	a := &p.Sessions[0]
	a.Kind, a.Room, a.Location = "main_session", "saal-1", ""
	a.Audience = programme.Audience{Delegations: []string{"de"}}
	a.Slots = []programme.Slot{{Key: "intro", Title: "Intro", StartsAt: at(9), EndsAt: at(9).Add(10 * time.Minute), Note: "keep this"}}
	return p, src
}

func calEvent(uid, title string, startHour int, location string) Event {
	start := time.Date(2016, 12, 27, startHour, 0, 0, 0, time.UTC)
	return Event{UID: uid, Title: title, StartsAt: start, EndsAt: start.Add(time.Hour), Location: location,
		Description: "About " + uid, Status: programme.StatusConfirmed, TimeZone: "Europe/Berlin"}
}

func actionOf(t *testing.T, res Result, key string) Action {
	t.Helper()
	for _, a := range res.Preview {
		if a.Key == key {
			return a
		}
	}
	t.Fatalf("no preview line for %s in %v", key, res.Preview)
	return Action{}
}

func batchSession(res Result, key string) *programme.Session {
	return res.Batch.Session(key)
}

// TestPlanNewVersion: a newer version of a calendar updates a title, moves
// a session (and the slots staff added with it), cancels a session whose
// event is gone and one whose event says STATUS:CANCELLED, keeps what staff
// added, and leaves unchanged sessions out of the batch.
func TestPlanNewVersion(t *testing.T) {
	stored, src := storedProgramme()
	moved := calEvent("a", "Talk a", 10, "Saal a") // was 09:00
	retitled := calEvent("b", "Talk b, with a new speaker", 10, "Saal b")
	cancelled := calEvent("c", "Talk c", 11, "Saal c")
	cancelled.Status = programme.StatusCancelled
	cal := Calendar{Events: []Event{moved, retitled, cancelled}} // d is gone

	res, err := Plan(stored, src, cal, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Batch.Sessions) != 4 {
		t.Fatalf("batch has %d sessions, want 4", len(res.Batch.Sessions))
	}
	a := batchSession(res, SessionKey("a"))
	if !a.StartsAt.Equal(moved.StartsAt) || a.Room != "saal-1" || a.Location != "" || a.Kind != "main_session" ||
		len(a.Audience.Delegations) != 1 || a.TimeZone != "" {
		t.Errorf("moved session: %+v; want the new time with the staff's room, kind and audience, no place text, the programme's zone", a)
	}
	if sl := a.Slots[0]; !sl.StartsAt.Equal(moved.StartsAt) || sl.Note != "keep this" {
		t.Errorf("the staff's slot did not move with its session or lost its note: %+v", sl)
	}
	if stored.Sessions[0].Slots[0].StartsAt.Equal(moved.StartsAt) {
		t.Error("Plan changed the stored programme's slot")
	}
	if act := actionOf(t, res, a.Key); act.Action != ActionMove || !strings.Contains(act.Reason, "2016-12-27 10:00–11:00 CET to 2016-12-27 11:00–12:00 CET") {
		t.Errorf("preview of the move: %v", act)
	}
	if b := batchSession(res, SessionKey("b")); b.Title != retitled.Title {
		t.Errorf("title %q", b.Title)
	}
	if act := actionOf(t, res, SessionKey("b")); act.Action != ActionUpdate || !strings.Contains(act.Reason, `title was "Talk b"`) {
		t.Errorf("preview of the new title: %v", act)
	}
	for uid, why := range map[string]string{"c": "STATUS:CANCELLED", "d": "no longer in the calendar"} {
		s := batchSession(res, SessionKey(uid))
		if s == nil || s.Status != programme.StatusCancelled {
			t.Errorf("%s: %+v, want cancelled", uid, s)
			continue
		}
		if act := actionOf(t, res, s.Key); act.Action != ActionCancel || !strings.Contains(act.Reason, why) {
			t.Errorf("%s: preview %v, want cancel saying %q", uid, act, why)
		}
	}
	if len(res.Items) != 4 {
		t.Errorf("items %v: the gone event's item should be kept", res.Items)
	}

	// The same version again changes nothing.
	after := *stored
	after.Sessions = nil
	for _, s := range stored.Sessions {
		if b := res.Batch.Session(s.Key); b != nil {
			s = *b
		}
		after.Sessions = append(after.Sessions, s)
	}
	again, err := Plan(&after, src, cal, nil)
	if err != nil || len(again.Batch.Sessions) != 0 || len(again.Preview) != 0 {
		t.Errorf("a second plan of the same version: %d sessions, preview %v, %v", len(again.Batch.Sessions), again.Preview, err)
	}
}

// TestPlanPicks: only picked events become sessions, with the audience and
// kind staff chose; a picked cancelled event, or one whose key a session
// not from this calendar already has, is skipped with a reason.
func TestPlanPicks(t *testing.T) {
	stored, _ := storedProgramme()
	stored.Sessions = stored.Sessions[:1] // one session, made by staff: not from the calendar
	staffKey := stored.Sessions[0].Key
	src := Source{Name: "fahrplan"}
	cancelled := calEvent("gone", "Gone", 12, "")
	cancelled.Status = programme.StatusCancelled
	cal := Calendar{Events: []Event{calEvent("a", "Talk a", 9, ""), calEvent("new", "New", 14, "Saal 2"), calEvent("other", "Not picked", 15, ""), cancelled}}
	picks := Picks{
		"a":    {},
		"new":  {Audience: programme.Audience{Delegations: []string{"de"}}, Kind: "workshop"},
		"gone": {},
	}
	res, err := Plan(stored, src, cal, picks)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Batch.Sessions) != 1 {
		t.Fatalf("batch %v, want the one new session", res.Batch.Sessions)
	}
	s := res.Batch.Sessions[0]
	if s.Key != SessionKey("new") || s.Kind != "workshop" || s.Audience.Delegations[0] != "de" || s.Location != "Saal 2" {
		t.Errorf("new session %+v", s)
	}
	if act := actionOf(t, res, staffKey); act.Action != ActionSkip || !strings.Contains(act.Reason, "did not come from this calendar") {
		t.Errorf("key collision: %v", act)
	}
	var skippedCancelled bool
	for _, a := range res.Preview {
		skippedCancelled = skippedCancelled || a.UID == "gone" && a.Action == ActionSkip
	}
	if !skippedCancelled {
		t.Errorf("the picked cancelled event is not skipped: %v", res.Preview)
	}
	if len(res.Items) != 1 || res.Items[0].UID != "new" {
		t.Errorf("items %v", res.Items)
	}
	if res.Batch.Slug != "congress" || res.Batch.TimeZone != "Europe/Berlin" || res.Batch.StartsOn != stored.StartsOn {
		t.Errorf("the batch header is not the stored one: %+v", res.Batch)
	}
}

// TestPlanKeepsRefusedAndRevives: a session whose event is still in the
// calendar but refused is left alone; a cancelled session whose event comes
// back is confirmed again; a zone other than the programme's is kept.
func TestPlanKeepsRefusedAndRevives(t *testing.T) {
	stored, src := storedProgramme()
	stored.Sessions[1].Status = programme.StatusCancelled
	back := calEvent("b", "Talk b", 10, "Saal b")
	elsewhere := calEvent("c", "Talk c", 11, "Saal c")
	elsewhere.TimeZone = "Europe/London"
	cal := Calendar{
		Events:  []Event{calEvent("a", "Talk a", 9, "Saal a"), back, elsewhere, calEvent("d", "Talk d", 12, "Saal d")},
		Refused: map[string]string{},
	}
	src.Items["r/20161227T090000Z"] = Item{UID: "r/20161227T090000Z", SessionKey: "r-occurrence"}
	stored.Sessions = append(stored.Sessions, programme.Session{Key: "r-occurrence", Title: "R", Kind: "other",
		StartsAt: back.StartsAt, EndsAt: back.EndsAt, Status: programme.StatusConfirmed})
	cal.Refused["r"] = "its RRULE cannot be read"

	res, err := Plan(stored, src, cal, nil)
	if err != nil {
		t.Fatal(err)
	}
	if act := actionOf(t, res, "r-occurrence"); act.Action != ActionKeep || !strings.Contains(act.Reason, "RRULE cannot be read") {
		t.Errorf("refused recurring event: %v", act)
	}
	if res.Batch.Session("r-occurrence") != nil {
		t.Error("the session of a refused event is in the batch")
	}
	if b := batchSession(res, SessionKey("b")); b == nil || b.Status != programme.StatusConfirmed {
		t.Errorf("revived session: %+v", b)
	} else if act := actionOf(t, res, b.Key); !strings.Contains(act.Reason, "no longer cancelled") {
		t.Errorf("preview: %v", act)
	}
	if c := batchSession(res, SessionKey("c")); c == nil || c.TimeZone != "Europe/London" {
		t.Errorf("session in another zone: %+v", c)
	}
	if a := batchSession(res, SessionKey("a")); a != nil {
		t.Errorf("the unchanged session with a room is in the batch: %+v", a)
	}
}

func TestPlanNeedsAProgramme(t *testing.T) {
	if _, err := Plan(nil, Source{}, Calendar{}, nil); programme.ErrorCode(err) != programme.ENOTFOUND {
		t.Errorf("err = %v", err)
	}
}

// TestPlanPicksARecurringEvent: picking a recurring event's UID brings in
// every occurrence, each under its own key.
func TestPlanPicksARecurringEvent(t *testing.T) {
	stored, _ := storedProgramme()
	stored.Sessions = nil
	cal := Calendar{Events: []Event{
		calEvent("daily/20161227T090000Z", "Briefing", 9, ""),
		calEvent("daily/20161228T090000Z", "Briefing", 9, ""),
		calEvent("other", "Other", 12, ""),
	}}
	res, err := Plan(stored, Source{Name: "s"}, cal, Picks{"daily": {Kind: "briefing"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Batch.Sessions) != 2 || res.Batch.Sessions[0].Key == res.Batch.Sessions[1].Key || res.Batch.Sessions[1].Kind != "briefing" {
		t.Errorf("batch %+v, want both occurrences as briefings", res.Batch.Sessions)
	}
}
