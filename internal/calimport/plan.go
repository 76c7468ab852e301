package calimport

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/planner-dev/planner/internal/calimport/ics"
	"github.com/planner-dev/planner/internal/programme"
)

// Source is a calendar a programme imports from, with what earlier imports
// took from it.
type Source struct {
	Name string // unique within the programme
	URL  string // where it is fetched, empty for an uploaded file
	// Items maps the UID of each event that became a session to it.
	Items map[string]Item
}

// Item is one event of a source that became a session.
type Item struct {
	UID        string
	SessionKey string
	// Sequence and Stamp are the event's SEQUENCE and LAST-MODIFIED (else
	// DTSTAMP) as last seen, recorded for staff; Plan does not rely on them.
	Sequence int
	Stamp    time.Time
}

// Pick is what staff chose for an event that is to become a session.
type Pick struct {
	Audience programme.Audience
	// Kind is the new session's kind; empty means "other".
	Kind string
}

// Picks maps the UIDs of the events to bring in to what staff chose for
// them. Events that already came from the source need no pick: they follow
// the calendar.
type Picks map[string]Pick

// Actions of a preview line.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionMove   = "move"
	ActionCancel = "cancel"
	ActionKeep   = "keep" // left alone, with the reason
	ActionSkip   = "skip" // a picked event that does not become a session
)

// Action is one line of a plan's preview.
type Action struct {
	Action string
	Key    string // the session's key
	UID    string
	Title  string
	Reason string
}

func (a Action) String() string {
	s := fmt.Sprintf("%s %s (%s)", a.Action, a.Key, a.Title)
	if a.Key == "" {
		s = fmt.Sprintf("%s event %s (%s)", a.Action, a.UID, a.Title)
	}
	if a.Reason != "" {
		s += ": " + a.Reason
	}
	return s
}

// Result is what Plan returns.
type Result struct {
	// Batch is a batch of changes to the stored programme (the header as
	// stored, and only the sessions to create, update or cancel), for
	// store.Import. It has no sessions when nothing changes.
	Batch *programme.Programme
	// Preview says, by session key, what the batch does and why.
	Preview []Action
	// Items is the source's item list after the import: every item it had
	// (an event gone from the calendar keeps its key, should it come back)
	// and the new ones, with the sequence and stamp seen now.
	Items []Item
}

// SessionKey is the key of the session made from the event with uid
// (ics.SessionKey).
func SessionKey(uid string) string { return ics.SessionKey(uid) }

// Plan maps a calendar onto the stored programme. An event that came from
// the source before updates its session: the fields the calendar owns
// (title, times and zone, place text, description, status) follow it, and
// what staff added (audience, room or venue, kind, required, slots) is kept.
// A picked event that did not come from it before becomes a new session. A
// session whose event is gone from the calendar is cancelled, not deleted,
// so that delegates' calendars drop it; one whose event is still there but
// refused is left alone. Plan is pure: it reads its arguments only.
func Plan(stored *programme.Programme, src Source, cal Calendar, picked Picks) (Result, error) {
	if stored == nil {
		return Result{}, programme.Errorf(programme.ENOTFOUND, "the programme does not exist: create it before importing a calendar into it")
	}
	batch := &programme.Programme{
		Slug: stored.Slug, Title: stored.Title, Organizer: stored.Organizer, TimeZone: stored.TimeZone,
		StartsOn: stored.StartsOn, EndsOn: stored.EndsOn, Location: stored.Location, Description: stored.Description,
	}
	res := Result{Batch: batch}
	ownKeys := map[string]bool{}
	for _, it := range src.Items {
		ownKeys[it.SessionKey] = true
	}
	seen := map[string]bool{}
	items := map[string]Item{}
	for uid, it := range src.Items {
		items[uid] = it
	}
	for i := range cal.Events {
		ev := &cal.Events[i]
		seen[ev.UID] = true
		if j := strings.LastIndex(ev.UID, "/"); j > 0 {
			seen[ev.UID[:j]] = true // the recurring event of an occurrence
		}
		it, known := src.Items[ev.UID]
		if !known {
			pick, ok := pickFor(picked, ev.UID)
			if !ok {
				continue
			}
			key := SessionKey(ev.UID)
			if stored.Session(key) != nil && !ownKeys[key] {
				res.Preview = append(res.Preview, Action{ActionSkip, key, ev.UID, ev.Title,
					"the programme already has a session with this key that did not come from this calendar"})
				continue
			}
			if ev.Status == programme.StatusCancelled {
				res.Preview = append(res.Preview, Action{ActionSkip, "", ev.UID, ev.Title, "it is cancelled in the calendar"})
				continue
			}
			kind := pick.Kind
			if kind == "" {
				kind = "other"
			}
			s := programme.Session{Key: key, Kind: kind, Audience: pick.Audience}
			apply(&s, ev, stored.TimeZone)
			batch.Sessions = append(batch.Sessions, s)
			res.Preview = append(res.Preview, Action{ActionCreate, key, ev.UID, ev.Title, "picked from the calendar"})
			items[ev.UID] = Item{UID: ev.UID, SessionKey: key, Sequence: ev.Sequence, Stamp: ev.Stamp}
			continue
		}
		items[ev.UID] = Item{UID: ev.UID, SessionKey: it.SessionKey, Sequence: ev.Sequence, Stamp: ev.Stamp}
		old := stored.Session(it.SessionKey)
		if old == nil {
			// The session is gone from the programme (the store never
			// deletes one, but a programme may have been replaced): make it
			// again rather than lose the event.
			s := programme.Session{Key: it.SessionKey, Kind: "other"}
			apply(&s, ev, stored.TimeZone)
			batch.Sessions = append(batch.Sessions, s)
			res.Preview = append(res.Preview, Action{ActionCreate, it.SessionKey, ev.UID, ev.Title, "it came from this calendar but the programme no longer has it"})
			continue
		}
		s := copySession(old)
		apply(&s, ev, stored.TimeZone)
		// Speaker slots staff added move with their session.
		if d := s.StartsAt.Sub(old.StartsAt); d != 0 {
			for j := range s.Slots {
				s.Slots[j].StartsAt = s.Slots[j].StartsAt.Add(d)
				s.Slots[j].EndsAt = s.Slots[j].EndsAt.Add(d)
			}
		}
		action, reason := compare(old, &s, stored.TimeZone)
		if action == "" {
			continue
		}
		batch.Sessions = append(batch.Sessions, s)
		res.Preview = append(res.Preview, Action{action, s.Key, ev.UID, s.Title, reason})
	}
	// A pick names an event of the calendar: one that is not there is a
	// mistake (a UID mistyped, or picked from another calendar), which
	// would otherwise import nothing without a word.
	var missing programme.FieldErrors
	for _, uid := range slices.Sorted(maps.Keys(picked)) {
		if _, refused := refusedReason(cal, uid); !seen[uid] && !refused {
			missing.Add("pick", "the calendar has no event with the UID %q", clipUID(uid))
		}
	}
	if len(missing) > 0 {
		return Result{}, missing.Err("A picked event is not in the calendar")
	}
	// Sessions whose event is no longer in the calendar.
	uids := make([]string, 0, len(src.Items))
	for uid := range src.Items {
		uids = append(uids, uid)
	}
	slices.Sort(uids)
	for _, uid := range uids {
		if seen[uid] {
			continue
		}
		it := src.Items[uid]
		old := stored.Session(it.SessionKey)
		if old == nil {
			continue
		}
		if why, refused := refusedReason(cal, uid); refused {
			res.Preview = append(res.Preview, Action{ActionKeep, old.Key, uid, old.Title,
				"its event is still in the calendar but refused (" + why + "); the session is left as it was"})
			continue
		}
		if old.Status == programme.StatusCancelled {
			continue
		}
		s := copySession(old)
		s.Status = programme.StatusCancelled
		batch.Sessions = append(batch.Sessions, s)
		res.Preview = append(res.Preview, Action{ActionCancel, s.Key, uid, s.Title, "its event is no longer in the calendar"})
	}
	for _, it := range items {
		res.Items = append(res.Items, it)
	}
	slices.SortFunc(res.Items, func(a, b Item) int { return strings.Compare(a.UID, b.UID) })
	return res, nil
}

// refusedReason says whether the calendar still has the event uid but
// refused it, itself or, for an occurrence, its recurring event.
func refusedReason(cal Calendar, uid string) (string, bool) {
	if why, ok := cal.Refused[uid]; ok {
		return why, true
	}
	if i := strings.LastIndex(uid, "/"); i > 0 {
		why, ok := cal.Refused[uid[:i]]
		return why, ok
	}
	return "", false
}

// apply sets the fields the calendar owns. The place text is the event's
// LOCATION unless staff gave the session a room or a venue, which a session
// cannot have together with a place text.
func apply(s *programme.Session, ev *Event, programmeZone string) {
	s.Title = ev.Title
	s.Description = ev.SessionDescription()
	s.StartsAt, s.EndsAt = ev.StartsAt, ev.EndsAt
	s.TimeZone = ev.TimeZone
	if s.TimeZone == programmeZone {
		s.TimeZone = ""
	}
	if s.Room == "" && s.Venue == "" {
		s.Location = ev.Location
	}
	s.Status = ev.Status
}

// compare says what a calendar's new version does to a session: move (its
// times or zone), cancel or bring back (its status), update (anything else
// it owns), or "" for nothing.
func compare(old, s *programme.Session, programmeZone string) (action, reason string) {
	var what []string
	moved := !old.StartsAt.Equal(s.StartsAt) || !old.EndsAt.Equal(s.EndsAt) || old.TimeZone != s.TimeZone
	if moved {
		loc := zoneOf(s.TimeZone, programmeZone)
		what = append(what, fmt.Sprintf("moved from %s to %s", span(old, loc), span(s, loc)))
	}
	if old.Title != s.Title {
		what = append(what, fmt.Sprintf("title was %q", old.Title))
	}
	if old.Location != s.Location {
		what = append(what, fmt.Sprintf("place was %q", old.Location))
	}
	if old.Description != s.Description {
		what = append(what, "new description")
	}
	if old.Status != s.Status {
		switch {
		case s.Status == programme.StatusCancelled:
			return ActionCancel, "STATUS:CANCELLED in the calendar"
		case old.Status == programme.StatusCancelled:
			what = append(what, "no longer cancelled in the calendar")
		default:
			what = append(what, fmt.Sprintf("status %s, was %s", s.Status, old.Status))
		}
	}
	switch {
	case len(what) == 0:
		return "", ""
	case moved:
		return ActionMove, strings.Join(what, "; ")
	default:
		return ActionUpdate, strings.Join(what, "; ")
	}
}

// span is a session's times for a preview: "2016-12-27 10:00–11:00", with
// the end's date too when it ends on another day, and the zone's
// abbreviation.
func span(s *programme.Session, loc *time.Location) string {
	start, end := s.StartsAt.In(loc), s.EndsAt.In(loc)
	layout := "15:04"
	if end.Format(programme.DateLayout) != start.Format(programme.DateLayout) {
		layout = programme.DateLayout + " 15:04"
	}
	return start.Format(programme.DateLayout+" 15:04") + "–" + end.Format(layout) + " " + end.Format("MST")
}

func zoneOf(zone, programmeZone string) *time.Location {
	if zone == "" {
		zone = programmeZone
	}
	loc, err := programme.LoadZone(zone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// copySession copies a stored session for the batch, with its own slots so
// that moving them leaves the stored programme as it was.
func copySession(old *programme.Session) programme.Session {
	s := *old
	s.Slots = slices.Clone(old.Slots)
	return s
}

// clipUID shortens a UID that a message quotes.
func clipUID(uid string) string {
	if utf8.RuneCountInString(uid) > 80 {
		uid = string([]rune(uid)[:80]) + "…"
	}
	return strings.ToValidUTF8(uid, "\uFFFD")
}
