package programme

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// A programme file may be a batch of changes to a stored programme: it
// names some items, and the items it leaves out are left alone, in place.
// Merge says what the programme is after such a batch, and ValidateBatch
// checks that result, so that a batch can never store a programme that
// breaks the file format's own rules (and so could not be exported and
// imported again).

// Merge returns the programme that batch makes of base. The header is the
// batch's. An item of the batch replaces the stored item of the same key,
// keeping the stored item's Change and the store's histories (Former,
// FormerDelegations, FormerRooms, FormerSpeakers); a session's slots merge
// the same way, so that a session given without some of its slots keeps
// them. Items keep their stored order: the items of the batch take the
// places of the stored items they replace, in the batch's order, and new
// items follow all stored ones, in the batch's order. So a batch that names
// one unchanged item changes nothing, and a file that names every item
// orders them as it does. A nil base makes Merge a copy of batch's lists.
func Merge(base, batch *Programme) *Programme {
	m, _ := merge(base, batch)
	return m
}

// ValidateBatch checks batch as a batch of changes to base (see
// ValidateOnto), and then the programme as it will be after the batch
// (see Merge) by every rule of Validate, across items too: a session moved
// without its slots leaves them outside it, and a person moved out of a
// delegation may leave it with a lead who is not a member. Every problem
// has a path into the batch: a problem of a stored item the batch leaves
// out is reported at the batch's item that causes it where one is known
// (the session that moved without the slot, the person who left the
// delegation they lead, the programme's new zone), else at the item's
// list, naming the item by its key. It returns the merged programme when
// there is no problem.
func ValidateBatch(batch, base *Programme) (*Programme, FieldErrors) {
	if errs := ValidateOnto(batch, base); len(errs) > 0 {
		return nil, errs
	}
	merged, from := merge(base, batch)
	if base == nil {
		return merged, nil // merged is the batch, just checked
	}
	errs := Validate(merged)
	if len(errs) == 0 {
		return merged, nil
	}
	out := make(FieldErrors, 0, len(errs))
	for _, e := range errs {
		out = append(out, from.translate(e, base, batch, merged))
	}
	return nil, out
}

// origin says where each item of a merged programme came from: the index of
// the batch's item, or -1 for a stored item the batch leaves out.
type origin struct {
	lists map[string][]int // by list name ("venues", "sessions", ...)
	slots [][]int          // by merged session index
}

func merge(base, batch *Programme) (*Programme, origin) {
	if base == nil {
		base = &Programme{}
	}
	m := &Programme{
		Slug: batch.Slug, Title: batch.Title, Organizer: batch.Organizer, TimeZone: batch.TimeZone,
		StartsOn: batch.StartsOn, EndsOn: batch.EndsOn, Location: batch.Location, Description: batch.Description,
		Version: base.Version, UpdatedAt: base.UpdatedAt,
	}
	from := origin{lists: map[string][]int{}}
	m.Venues, from.lists["venues"] = mergeList(base.Venues, batch.Venues, func(v *Venue) string { return v.Key },
		func(old, new *Venue) Venue { v := *new; v.Change = old.Change; return v })
	m.Rooms, from.lists["rooms"] = mergeList(base.Rooms, batch.Rooms, func(r *Room) string { return r.Key },
		func(old, new *Room) Room { r := *new; r.Change = old.Change; return r })
	m.Delegations, from.lists["delegations"] = mergeList(base.Delegations, batch.Delegations,
		func(d *Delegation) string { return d.Key }, func(_, new *Delegation) Delegation { return *new })
	m.People, from.lists["people"] = mergeList(base.People, batch.People, func(p *Person) string { return p.Key },
		func(old, new *Person) Person {
			p := *new
			p.Change, p.FormerDelegations = old.Change, old.FormerDelegations
			return p
		})
	m.Sessions, from.lists["sessions"] = mergeList(base.Sessions, batch.Sessions, func(s *Session) string { return s.Key },
		func(old, new *Session) Session {
			s := *new
			s.Change, s.FormerRooms, s.Audience.Former = old.Change, old.FormerRooms, old.Audience.Former
			s.Slots, _ = mergeList(old.Slots, new.Slots, func(sl *Slot) string { return sl.Key },
				func(old, new *Slot) Slot {
					sl := *new
					sl.Change, sl.FormerSpeakers = old.Change, old.FormerSpeakers
					return sl
				})
			return s
		})
	m.Transport, from.lists["transport"] = mergeList(base.Transport, batch.Transport, func(r *Run) string { return r.Key },
		func(old, new *Run) Run {
			r := *new
			r.Change, r.Riders.Former = old.Change, old.Riders.Former
			// The batch lists the active staying-behind entries; the stored
			// inactive ones stay in the history.
			r.StayingBehind = append([]StayingBehind(nil), new.StayingBehind...)
			for _, sb := range old.StayingBehind {
				if !sb.Active && !slices.ContainsFunc(new.StayingBehind, func(n StayingBehind) bool { return n.Person == sb.Person }) {
					r.StayingBehind = append(r.StayingBehind, sb)
				}
			}
			return r
		})
	from.slots = make([][]int, len(m.Sessions))
	for i, at := range from.lists["sessions"] {
		if at < 0 {
			from.slots[i] = minusOnes(len(m.Sessions[i].Slots))
			continue
		}
		var old []Slot
		if s := base.Session(m.Sessions[i].Key); s != nil {
			old = s.Slots
		}
		_, from.slots[i] = mergeList(old, batch.Sessions[at].Slots, func(sl *Slot) string { return sl.Key },
			func(_, new *Slot) Slot { return *new })
	}
	return m, from
}

// mergeList merges one list by key (see Merge): keep makes the merged item
// of a stored one and the batch's. It also returns, for each merged item,
// the index of the batch's item, or -1.
func mergeList[T any](old, batch []T, key func(*T) string, keep func(old, new *T) T) ([]T, []int) {
	inBatch := make(map[string]int, len(batch))
	for i := range batch {
		if _, dup := inBatch[key(&batch[i])]; !dup {
			inBatch[key(&batch[i])] = i
		}
	}
	out := make([]T, 0, len(old)+len(batch))
	at := make([]int, 0, len(old)+len(batch))
	stored := make(map[string]int, len(old))
	for i := range old {
		stored[key(&old[i])] = i
	}
	// The batch's stored items, in batch order, fill the places of the
	// stored items they replace.
	var replacing []int
	for i := range batch {
		if _, ok := stored[key(&batch[i])]; ok && inBatch[key(&batch[i])] == i {
			replacing = append(replacing, i)
		}
	}
	next := 0
	for i := range old {
		if _, ok := inBatch[key(&old[i])]; !ok || next == len(replacing) {
			out, at = append(out, old[i]), append(at, -1)
			continue
		}
		b := replacing[next]
		next++
		out, at = append(out, keep(&old[stored[key(&batch[b])]], &batch[b])), append(at, b)
	}
	for i := range batch {
		if _, ok := stored[key(&batch[i])]; !ok && inBatch[key(&batch[i])] == i {
			out, at = append(out, batch[i]), append(at, i)
		}
	}
	return out, at
}

func minusOnes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = -1
	}
	return out
}

// itemPath splits a path of Validate into the list, the index and the rest;
// slotPath does the same for the rest of a session's path.
var (
	itemPath = regexp.MustCompile(`^(venues|rooms|delegations|people|sessions|transport)\[(\d+)\](.*)$`)
	slotPath = regexp.MustCompile(`^\.slots\[(\d+)\](.*)$`)
)

// itemNames names the items of each list in messages.
var itemNames = map[string]string{
	"venues": "venue", "rooms": "room", "delegations": "delegation",
	"people": "person", "sessions": "session", "transport": "run",
}

// translate turns a problem of the merged programme into one of the batch.
func (from origin) translate(e FieldError, base, batch, merged *Programme) FieldError {
	m := itemPath.FindStringSubmatch(e.Path)
	if m == nil {
		return e // the programme's own fields are the batch's
	}
	list, rest := m[1], m[3]
	i, _ := strconv.Atoi(m[2])
	key := mergedKey(merged, list, i)
	if at := from.lists[list][i]; at >= 0 {
		path := fmt.Sprintf("%s[%d]", list, at)
		if sm := slotPath.FindStringSubmatch(rest); list == "sessions" && sm != nil {
			j, _ := strconv.Atoi(sm[1])
			if bj := from.slots[i][j]; bj >= 0 {
				return FieldError{Path: fmt.Sprintf("%s.slots[%d]%s", path, bj, sm[2]), Msg: e.Msg}
			}
			return FieldError{Path: path + ".slots", Msg: fmt.Sprintf(
				"the stored slot %q, which the file leaves out, would be wrong after this change (%s: %s): give the slot in the file too",
				merged.Sessions[i].Slots[j].Key, field(sm[2]), e.Msg)}
		}
		return FieldError{Path: path + rest, Msg: e.Msg}
	}
	// A stored item the batch leaves out was valid before the batch, so
	// the batch broke it through another item. A lead is a member of their
	// delegation: a person moved out of it is to blame.
	if list == "delegations" && rest == ".lead" {
		lead := merged.Delegations[i].Lead
		for j := range batch.People {
			if batch.People[j].Key == lead {
				return FieldError{Path: fmt.Sprintf("people[%d].delegation", j), Msg: fmt.Sprintf(
					"moves %q out of delegation %q, whose lead they are: give the delegation in the file with another lead", lead, key)}
			}
		}
	}
	path := list
	if base != nil && base.TimeZone != batch.TimeZone {
		// A new zone moves every local time of the items that name none.
		path = "programme.time_zone"
	}
	return FieldError{Path: path, Msg: fmt.Sprintf(
		"the stored %s %q, which the file leaves out, would be wrong after this change (%s: %s)",
		itemNames[list], key, field(rest), e.Msg)}
}

// field is the name of a field a path's rest ends in, for a message.
func field(rest string) string {
	if len(rest) > 0 && rest[0] == '.' {
		rest = rest[1:]
	}
	if rest == "" {
		return "the item"
	}
	return rest
}

func mergedKey(p *Programme, list string, i int) string {
	switch list {
	case "venues":
		return p.Venues[i].Key
	case "rooms":
		return p.Rooms[i].Key
	case "delegations":
		return p.Delegations[i].Key
	case "people":
		return p.People[i].Key
	case "sessions":
		return p.Sessions[i].Key
	default:
		return p.Transport[i].Key
	}
}

// The rules below say what a calendar sees as a change of one item. Every
// write path calls them, so that an import and an edit of one item raise
// SEQUENCE alike; the store only persists what they answer.

// ItemChange is what a change to one stored item does to its Change.
type ItemChange struct {
	// Modified is true when anything stored of the item changed: its
	// ModifiedAt moves.
	Modified bool
	// Rise is how far the item's Sequence rises: 0 unless what a calendar
	// shows of its time, place, title or status changed; then 1, plus how
	// far what its place adds to SEQUENCE fell (see SessionChange).
	Rise int
	// Shown is true when anything a calendar event shows of the item
	// changed: its time, place, title or status (every Rise), and also its
	// public text, kind, running order or speakers, which do not raise
	// SEQUENCE. ShownAt moves; staff notes, audiences, riders and
	// availability windows never make it true.
	Shown bool
}

// changed makes an ItemChange: bump is a change of time, place, title or
// status; shown one of anything else a calendar shows; other one that only
// moves ModifiedAt; and lift, called only on a bump, how far the place's
// count fell.
func changed(bump, shown, other bool, lift func() int) ItemChange {
	if !bump {
		return ItemChange{Modified: shown || other, Shown: shown}
	}
	rise := 1
	if lift != nil {
		rise += lift()
	}
	return ItemChange{Modified: true, Rise: rise, Shown: true}
}

// HeaderChanged reports whether a programme's own fields differ.
func HeaderChanged(old, new *Programme) bool {
	return old.Title != new.Title || old.Organizer != new.Organizer || old.OrganizerEmail != new.OrganizerEmail ||
		old.TimeZone != new.TimeZone ||
		old.StartsOn != new.StartsOn || old.EndsOn != new.EndsOn || old.Location != new.Location ||
		old.Description != new.Description
}

// VenueChange compares a venue with its new version. Its name and address
// are in the LOCATION of the events held there, and its point on the map in
// their GEO: every change is a change of place, and rises.
func VenueChange(old, new *Venue) ItemChange {
	return changed(old.Name != new.Name || old.Address != new.Address || !sameGeo(old.Geo, new.Geo), false, false, nil)
}

func sameGeo(a, b *Geo) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// RoomChange compares a room of before, the programme as stored, with its
// version in after, the programme as the change leaves it, whose venues
// carry their new Sequences. Only the name and the venue reach an event's
// LOCATION; the capacity and reservations are for staff. When the room
// moves to another venue, what LOCATION adds up for the sessions held there
// may fall (a session shows the room's venue, or its own when the room has
// none): the room rises by one plus the largest fall, so that every such
// session's SEQUENCE still rises. Sessions that move themselves make up
// for their own fall (see SessionChange).
func RoomChange(before, after *Programme, old, new *Room) ItemChange {
	return changed(old.Name != new.Name || old.Venue != new.Venue, false,
		old.Capacity != new.Capacity || !slices.EqualFunc(old.Reservations, new.Reservations, sameReservation),
		func() int {
			if old.Venue == new.Venue {
				return 0
			}
			lift := 0
			for i := range before.Sessions {
				s := &before.Sessions[i]
				if s.Room != old.Key {
					continue
				}
				from, to := cmp.Or(old.Venue, s.Venue), cmp.Or(new.Venue, s.Venue)
				lift = max(lift, fall(venueSequence(before, from), venueSequence(after, to)))
			}
			return lift
		})
}

func sameReservation(a, b Reservation) bool {
	return sameInstant(a.StartsAt, b.StartsAt) && sameInstant(a.EndsAt, b.EndsAt) && a.Status == b.Status &&
		sameInstantPtr(a.ReleasedFrom, b.ReleasedFrom) && a.Note == b.Note
}

// DelegationChange compares a delegation with its new version: every
// change rises. No calendar event shows a delegation, so none is Shown.
func DelegationChange(old, new *Delegation) ItemChange {
	ch := changed(old.Name != new.Name || old.Country != new.Country || old.Lead != new.Lead || old.Note != new.Note, false, false, nil)
	ch.Shown = false
	return ch
}

// PersonChange compares a person with their new version: every change
// rises. Only a new name is Shown: events show speakers by name, and
// nothing else of a person. (Their delegation's history is kept apart; see
// Person.FormerDelegations.)
func PersonChange(old, new *Person) ItemChange {
	ch := changed(old.Name != new.Name || old.Title != new.Title || old.Organization != new.Organization ||
		old.Role != new.Role || old.Delegation != new.Delegation || old.Email != new.Email ||
		old.Phone != new.Phone || old.Note != new.Note || old.CalendarByEmail != new.CalendarByEmail, false, false, nil)
	ch.Shown = old.Name != new.Name
	return ch
}

// SessionChange compares a session of before, the programme as stored,
// with its version in after, the programme as the change leaves it, whose
// rooms and venues carry their new Sequences. A change of time, zone as
// calendars see it, place, title or shown status rises; a change of
// description, kind, whether it is required or its audience only moves
// ModifiedAt (members' own feeds count their joining and leaving). Feeds
// add what the session's place shows to its SEQUENCE (see placeOf); when
// that sum falls, because the session moved somewhere with lower counters,
// the session rises by one plus the fall, so that its SEQUENCE still
// rises. Its slots are items of their own (see SlotChange).
func SessionChange(before, after *Programme, old, new *Session) ItemChange {
	bump := !sameInstant(old.StartsAt, new.StartsAt) || !sameInstant(old.EndsAt, new.EndsAt) ||
		before.ZoneOf(old.TimeZone) != after.ZoneOf(new.TimeZone) ||
		old.Room != new.Room || old.Venue != new.Venue || old.Location != new.Location ||
		old.Title != new.Title || effectiveStatus(old.Status) != effectiveStatus(new.Status)
	// The description, kind (CATEGORIES) and "Attendance required." are
	// shown; the audience is not (members' own feeds count their joining and
	// leaving), nor is a zone or status written differently to the same effect.
	shown := old.Description != new.Description || old.Kind != new.Kind || old.Required != new.Required
	other := old.TimeZone != new.TimeZone || old.Status != new.Status || !sameAudience(old.Audience, new.Audience)
	return changed(bump, shown, other, func() int {
		_, was := before.placeOf(old.Room, old.Venue, old.Location)
		_, is := after.placeOf(new.Room, new.Venue, new.Location)
		return fall(was.Sequence, is.Sequence)
	})
}

// SlotChange compares a slot with its new version. A change of time, title
// or status rises; a slot's empty status means its session's, so the
// status counts as written. Taking a speaker off or putting one back is a
// change the slot's page shows, but not one of time, place, title or
// status: the speaker's own feeds add it to SEQUENCE.
func SlotChange(old, new *Slot) ItemChange {
	return changed(!sameInstant(old.StartsAt, new.StartsAt) || !sameInstant(old.EndsAt, new.EndsAt) ||
		old.Title != new.Title || old.Status != new.Status,
		// The speakers' names are in the running order and the slot's event.
		!slices.Equal(old.Speakers, new.Speakers),
		!sameInstantPtr(old.AvailableFrom, new.AvailableFrom) ||
			!sameInstantPtr(old.AvailableUntil, new.AvailableUntil) || old.Note != new.Note, nil)
}

// RunChange compares a run of before with its version in after, as
// SessionChange does. A change of departure, zone as calendars see it, way,
// title or shown status rises; any other change (riders, staying-behind
// entries, the poll, the vehicle) only moves ModifiedAt. Feeds add the
// pick-up venue's Sequence to the run's (see pickUp): when that falls, the
// run rises by one plus the fall.
func RunChange(before, after *Programme, old, new *Run) ItemChange {
	bump := !sameInstant(old.DepartsAt, new.DepartsAt) || before.ZoneOf(old.TimeZone) != after.ZoneOf(new.TimeZone) ||
		old.From != new.From || old.To != new.To || old.Title != new.Title ||
		effectiveStatus(old.Status) != effectiveStatus(new.Status)
	// The kind (CATEGORIES), vehicle, capacity, contact, public note and
	// poll (its question, options and decision) are in the event; riders,
	// votes and who stays behind are not (riders' own feeds count those), so
	// a delegate's vote moves no rider's DTSTAMP or LAST-MODIFIED.
	shown := old.Kind != new.Kind || old.Capacity != new.Capacity || old.Vehicle != new.Vehicle ||
		old.Contact != new.Contact || old.Note != new.Note || !samePoll(old.Poll, new.Poll)
	other := !sameVotes(old.Poll, new.Poll) ||
		old.TimeZone != new.TimeZone || old.Status != new.Status || !sameAudience(old.Riders, new.Riders) ||
		!slices.EqualFunc(activeEntries(old.StayingBehind), activeEntries(new.StayingBehind), func(a, b StayingBehind) bool {
			return a.Person == b.Person && a.Note == b.Note
		})
	return changed(bump, shown, other, func() int {
		_, was := before.pickUp(old.From)
		_, is := after.pickUp(new.From)
		return fall(was.Sequence, is.Sequence)
	})
}

// effectiveStatus is the status calendars show for a session or run: an
// empty status is confirmed, and changing one for the other is no change.
func effectiveStatus(s string) string {
	if s == "" {
		return StatusConfirmed
	}
	return s
}

func sameAudience(a, b Audience) bool {
	return slices.Equal(a.Delegations, b.Delegations) && slices.Equal(a.People, b.People)
}

// activeEntries is the staying-behind list: the active entries, in order.
func activeEntries(entries []StayingBehind) []StayingBehind {
	var out []StayingBehind
	for _, e := range entries {
		if e.Active {
			out = append(out, e)
		}
	}
	return out
}

// samePoll compares what an event shows of a poll: everything but the votes.
func samePoll(a, b *Poll) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Question == b.Question && slices.Equal(a.Options, b.Options) && sameInstantPtr(a.ClosesAt, b.ClosesAt) &&
		a.Decided == b.Decided
}

// sameVotes compares the votes of two polls, which no event shows.
func sameVotes(a, b *Poll) bool {
	if a == nil || b == nil {
		return a == b
	}
	return slices.Equal(a.Votes, b.Votes)
}

// sameInstant compares instants as the databases keep them: to the
// microsecond.
func sameInstant(a, b time.Time) bool {
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}

func sameInstantPtr(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return sameInstant(*a, *b)
}

// venueSequence is what a venue adds to SEQUENCE: its Sequence, or nothing
// for a key that names no venue.
func venueSequence(p *Programme, key string) int {
	if v := p.Venue(key); v != nil {
		return v.Sequence
	}
	return 0
}

// fall is how far a count fell from before to after; zero when it did not.
func fall(before, after int) int { return max(0, before-after) }
