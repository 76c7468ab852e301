package programme

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ConflictKind names what a conflict is about.
type ConflictKind string

// The kinds of conflict, in the order the overview lists kinds that start at
// the same instant.
const (
	// ConflictPersonOverlap: people expected in two items at once, as
	// audience of a session, speaker of a slot or rider of a run.
	ConflictPersonOverlap ConflictKind = "person-overlap"
	// ConflictRoomOverlap: a room booked for two sessions at once.
	ConflictRoomOverlap ConflictKind = "room-overlap"
	// ConflictOutsideReservation: a session in a room that has reservations,
	// at a time none of them covers.
	ConflictOutsideReservation ConflictKind = "outside-reservation"
	// ConflictReleasedRoom: a session held in the part of a reservation that
	// was given back (from ReleasedFrom on, or all of a released one).
	ConflictReleasedRoom ConflictKind = "released-room"
	// ConflictSlotOutsideSession: a slot that starts before its session or
	// ends after it.
	ConflictSlotOutsideSession ConflictKind = "slot-outside-session"
	// ConflictSlotOverlap: two slots of one session at once.
	ConflictSlotOverlap ConflictKind = "slot-overlap"
	// ConflictSpeakerUnavailable: a slot outside its speakers' availability
	// window (AvailableFrom, AvailableUntil).
	ConflictSpeakerUnavailable ConflictKind = "speaker-unavailable"
	// ConflictRunOverCapacity: a run with more riders than seats.
	ConflictRunOverCapacity ConflictKind = "run-over-capacity"
)

// ConflictKinds lists every kind, in order.
var ConflictKinds = []ConflictKind{
	ConflictPersonOverlap, ConflictRoomOverlap, ConflictOutsideReservation, ConflictReleasedRoom,
	ConflictSlotOutsideSession, ConflictSlotOverlap, ConflictSpeakerUnavailable, ConflictRunOverCapacity,
}

// Conflict is a warning about a programme: something staff should look at,
// never a reason to refuse a change.
type Conflict struct {
	Kind ConflictKind
	// Items are the entry IDs of the items involved (as Entry.ID:
	// "session/<key>", "slot/<session>/<slot>", "run/<key>"), in time order.
	Items []string
	// People are the keys of the people involved, in the programme's order:
	// those expected in two places at once, or the speakers of a slot
	// outside their availability. Empty for other kinds.
	People []string
	// Room is the key of the room involved, for the room kinds.
	Room string
	// At is when the conflict begins: the earliest start of its items (UTC).
	At time.Time
	// Message says what is wrong in plain English, in the items' local times.
	Message string
}

// Involves reports whether the conflict concerns the item whose entry ID is
// id. A session's ID also matches the conflicts of its slots, since a
// session's page shows its running order.
func (c Conflict) Involves(id string) bool {
	for _, it := range c.Items {
		if it == id {
			return true
		}
		if strings.HasPrefix(id, "session/") && strings.HasPrefix(it, "slot/"+strings.TrimPrefix(id, "session/")+"/") {
			return true
		}
	}
	return false
}

// Conflicts returns every conflict of the programme, ordered by when they
// begin, then kind, then the items involved. Cancelled items, and slots of
// cancelled sessions, never conflict; tentative ones do.
//
// A transport run occupies RunShownFor from its departure, the span a
// delegate's calendar shows: a run that leaves as a session ends does not
// conflict with it, one that leaves ten minutes before it ends does.
//
// Who is expected where follows the rules of the feeds (memberOf): a person
// is expected at a session when they, or their current delegation, are in
// its audience; in a slot they speak in; and on a run when they or their
// delegation ride it, unless they told staff they stay behind. A person in
// a session's audience who also speaks in one of its slots is not in two
// places; nor are the speakers of two overlapping slots of one session
// reported twice, since ConflictSlotOverlap names those slots. The people
// expected in both of two overlapping items make one conflict, so that a
// delegation booked twice is one warning rather than one per member.
//
// A room with no reservations at all is not checked against reservations:
// staff record reservations only for rooms they book themselves.
func (p *Programme) Conflicts() []Conflict {
	c := newConflictCheck(p)
	c.people()
	c.rooms()
	c.slots()
	c.runs()
	slices.SortStableFunc(c.out, func(a, b Conflict) int {
		return cmp.Or(
			a.At.Compare(b.At),
			cmp.Compare(slices.Index(ConflictKinds, a.Kind), slices.Index(ConflictKinds, b.Kind)),
			slices.Compare(a.Items, b.Items),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return c.out
}

// booking is an item that takes up time: a session, a slot or a run.
type booking struct {
	id         string
	session    *Session // the session, or the slot's session
	slot       *Slot
	run        *Run
	start, end time.Time
	loc        *time.Location
}

// conflictCheck holds what the checks share: the programme, its items that
// take up time, and who is expected at each (worked out when first needed).
type conflictCheck struct {
	p        *Programme
	bookings []booking // sorted by start, then ID
	// personIndex maps a person's key to their place in p.People;
	// members lists each delegation's current members as such places.
	personIndex map[string]int
	members     map[string][]int
	expected    map[string][]int // by booking ID: sorted places in p.People
	out         []Conflict
}

func newConflictCheck(p *Programme) *conflictCheck {
	c := &conflictCheck{
		p:           p,
		personIndex: make(map[string]int, len(p.People)),
		members:     map[string][]int{},
		expected:    map[string][]int{},
	}
	for i, person := range p.People {
		if _, dup := c.personIndex[person.Key]; !dup {
			c.personIndex[person.Key] = i
		}
		if person.Delegation != "" {
			c.members[person.Delegation] = append(c.members[person.Delegation], i)
		}
	}
	for i := range p.Sessions {
		s := &p.Sessions[i]
		if s.Status == StatusCancelled {
			continue
		}
		loc := p.Loc(s.TimeZone)
		c.bookings = append(c.bookings, booking{id: "session/" + s.Key, session: s, start: s.StartsAt, end: s.EndsAt, loc: loc})
		for j := range s.Slots {
			sl := &s.Slots[j]
			if sl.Status == StatusCancelled {
				continue
			}
			c.bookings = append(c.bookings, booking{id: "slot/" + s.Key + "/" + sl.Key, session: s, slot: sl,
				start: sl.StartsAt, end: sl.EndsAt, loc: loc})
		}
	}
	for i := range p.Transport {
		r := &p.Transport[i]
		if r.Status == StatusCancelled {
			continue
		}
		c.bookings = append(c.bookings, booking{id: "run/" + r.Key, run: r, start: r.DepartsAt,
			end: r.DepartsAt.Add(RunShownFor), loc: p.Loc(r.TimeZone)})
	}
	slices.SortFunc(c.bookings, func(a, b booking) int {
		return cmp.Or(a.start.Compare(b.start), cmp.Compare(a.id, b.id))
	})
	return c
}

// overlaps reports whether two spans share an instant. Spans are half-open,
// so that one item may start as another ends.
func overlaps(a, b *booking) bool {
	return a.start.Before(b.end) && b.start.Before(a.end)
}

// people reports the people expected in two overlapping items.
func (c *conflictCheck) people() {
	for i := range c.bookings {
		a := &c.bookings[i]
		for j := i + 1; j < len(c.bookings) && c.bookings[j].start.Before(a.end); j++ {
			b := &c.bookings[j]
			if !overlaps(a, b) || a.session != nil && a.session == b.session {
				// Items of one session: see Conflicts.
				continue
			}
			both := intersect(c.expectedAt(a), c.expectedAt(b))
			if len(both) == 0 {
				continue
			}
			keys := make([]string, len(both))
			for k, idx := range both {
				keys[k] = c.p.People[idx].Key
			}
			c.add(Conflict{
				Kind: ConflictPersonOverlap, Items: []string{a.id, b.id}, People: keys, At: a.start,
				Message: fmt.Sprintf("%s: %s %s expected %s and %s at once.",
					c.day(a.start, a.loc), c.peopleNames(both), isAre(len(both)), c.where(a, a.start), c.where(b, a.start)),
			})
		}
	}
}

// expectedAt returns who is expected in booking b, as sorted places in
// p.People, working it out once per booking.
func (c *conflictCheck) expectedAt(b *booking) []int {
	if got, ok := c.expected[b.id]; ok {
		return got
	}
	var out []int
	switch {
	case b.slot != nil:
		// A slot's speakers are an audience of people, as in speakerSlots.
		out = c.audience(Audience{People: b.slot.Speakers, Former: b.slot.FormerSpeakers}, nil)
	case b.run != nil:
		out = c.audience(b.run.Riders, b.run)
	default:
		out = c.audience(b.session.Audience, nil)
	}
	c.expected[b.id] = out
	return out
}

// audience returns the people a is active for under memberOf, the feeds'
// rule, as sorted places in p.People. For a run's riders, those staying
// behind are left out. Only the people a names, directly or through a
// delegation, are asked, so that the check does not try everyone against
// every item.
func (c *conflictCheck) audience(a Audience, run *Run) []int {
	var cand []int
	addPerson := func(key string) {
		if i, ok := c.personIndex[key]; ok {
			cand = append(cand, i)
		}
	}
	for _, k := range a.People {
		addPerson(k)
	}
	for _, d := range a.Delegations {
		cand = append(cand, c.members[d]...)
	}
	for _, f := range a.Former {
		if !f.Active {
			continue
		}
		if f.Person != "" {
			addPerson(f.Person)
		}
		if f.Delegation != "" {
			cand = append(cand, c.members[f.Delegation]...)
		}
	}
	slices.Sort(cand)
	cand = slices.Compact(cand)
	out := cand[:0]
	for _, i := range cand {
		person := &c.p.People[i]
		if !memberOf(a, subjectOf(person)).active {
			continue
		}
		if run != nil && staysBehind(run, person.Key) {
			continue
		}
		out = append(out, i)
	}
	return out
}

// staysBehind reports whether person told staff they will not take run.
func staysBehind(run *Run, person string) bool {
	return slices.ContainsFunc(run.StayingBehind, func(s StayingBehind) bool { return s.Person == person && s.Active })
}

// intersect returns the places in both sorted lists.
func intersect(a, b []int) []int {
	var out []int
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// rooms reports rooms booked twice at once and sessions outside their
// room's reservations.
func (c *conflictCheck) rooms() {
	byRoom := map[string][]*booking{}
	for i := range c.bookings {
		b := &c.bookings[i]
		if b.slot == nil && b.run == nil && b.session.Room != "" {
			byRoom[b.session.Room] = append(byRoom[b.session.Room], b)
		}
	}
	for roomKey, sessions := range byRoom {
		name := roomKey
		room := c.p.Room(roomKey)
		if room != nil {
			name = room.Name
		}
		for i, a := range sessions {
			for _, b := range sessions[i+1:] {
				if !b.start.Before(a.end) {
					break
				}
				if !overlaps(a, b) {
					continue
				}
				c.add(Conflict{
					Kind: ConflictRoomOverlap, Items: []string{a.id, b.id}, Room: roomKey, At: a.start,
					Message: fmt.Sprintf("%s: %s is booked twice at once, for %s and %s.",
						c.day(a.start, a.loc), name, c.titled(a, a.start), c.titled(b, a.start)),
				})
			}
			if room != nil {
				c.reservation(a, room)
			}
		}
	}
}

// reservation reports a session held when its room is not reserved, or in
// the part of a reservation that was given back.
func (c *conflictCheck) reservation(b *booking, room *Room) {
	if len(room.Reservations) == 0 {
		return
	}
	var releasedAt *time.Time
	for _, r := range room.Reservations {
		if b.start.Before(r.StartsAt) || b.end.After(r.EndsAt) {
			continue
		}
		switch {
		case r.Status == "released":
			releasedAt = &r.StartsAt
		case r.ReleasedFrom != nil && r.ReleasedFrom.Before(b.end):
			releasedAt = r.ReleasedFrom
		default:
			return // a reservation covers the session
		}
	}
	conflict := Conflict{Items: []string{b.id}, Room: room.Key, At: b.start}
	if releasedAt != nil {
		conflict.Kind = ConflictReleasedRoom
		conflict.Message = fmt.Sprintf("%s: %s is held in %s, which was given back from %s.",
			c.day(b.start, b.loc), c.titled(b, b.start), room.Name, c.clock(*releasedAt, b.loc, b.start))
	} else {
		conflict.Kind = ConflictOutsideReservation
		conflict.Message = fmt.Sprintf("%s: %s is held in %s, which is not reserved for all of that time%s.",
			c.day(b.start, b.loc), c.titled(b, b.start), room.Name, c.reservedThen(b, room))
	}
	c.add(conflict)
}

// reservedThen writes the reservations of room on the session's day, so that
// staff see how far off the session is: " (reserved 08:30–18:00)".
func (c *conflictCheck) reservedThen(b *booking, room *Room) string {
	day := b.start.In(b.loc).Format(DateLayout)
	var spans []string
	for _, r := range room.Reservations {
		if r.Status == "released" || r.StartsAt.In(b.loc).Format(DateLayout) != day && r.EndsAt.In(b.loc).Format(DateLayout) != day {
			continue
		}
		end := r.EndsAt
		if r.ReleasedFrom != nil && r.ReleasedFrom.Before(end) {
			end = *r.ReleasedFrom
		}
		spans = append(spans, c.clock(r.StartsAt, b.loc, b.start)+"\u2013"+c.clock(end, b.loc, b.start))
	}
	if len(spans) == 0 {
		return ": it has no reservation that day"
	}
	return " (reserved " + strings.Join(spans, ", ") + ")"
}

// slots reports slots outside their session, slots that overlap, and slots
// outside their speakers' availability.
func (c *conflictCheck) slots() {
	bySession := map[*Session][]*booking{}
	var order []*Session
	for i := range c.bookings {
		b := &c.bookings[i]
		if b.slot == nil {
			continue
		}
		if _, seen := bySession[b.session]; !seen {
			order = append(order, b.session)
		}
		bySession[b.session] = append(bySession[b.session], b)
	}
	for _, s := range order {
		slots := bySession[s]
		for i, a := range slots {
			if a.start.Before(s.StartsAt) || a.end.After(s.EndsAt) {
				c.add(Conflict{
					Kind: ConflictSlotOutsideSession, Items: []string{"session/" + s.Key, a.id}, At: a.start,
					Message: fmt.Sprintf("%s: the slot %s runs outside its session %s.",
						c.day(a.start, a.loc), c.titled(a, a.start),
						c.titled(&booking{session: s, start: s.StartsAt, end: s.EndsAt, loc: a.loc}, a.start)),
				})
			}
			for _, b := range slots[i+1:] {
				if !b.start.Before(a.end) {
					break
				}
				if !overlaps(a, b) {
					continue
				}
				c.add(Conflict{
					Kind: ConflictSlotOverlap, Items: []string{a.id, b.id}, At: a.start,
					Message: fmt.Sprintf("%s: the slots %s and %s of %s overlap.",
						c.day(a.start, a.loc), c.titled(a, a.start), c.titled(b, a.start), quote(s.Title)),
				})
			}
			c.availability(a)
		}
	}
}

// availability reports a slot that starts before its speakers are available
// or ends after they have to leave.
func (c *conflictCheck) availability(b *booking) {
	sl := b.slot
	var why []string
	if sl.AvailableFrom != nil && b.start.Before(*sl.AvailableFrom) {
		why = append(why, "can come only from "+c.clock(*sl.AvailableFrom, b.loc, b.start))
	}
	if sl.AvailableUntil != nil && b.end.After(*sl.AvailableUntil) {
		why = append(why, "have to leave by "+c.clock(*sl.AvailableUntil, b.loc, b.start))
	}
	if len(why) == 0 {
		return
	}
	speakers := c.expectedAt(b)
	keys := make([]string, len(speakers))
	for i, idx := range speakers {
		keys[i] = c.p.People[idx].Key
	}
	who := "its speakers"
	if len(speakers) > 0 {
		who = c.peopleNames(speakers)
	}
	c.add(Conflict{
		Kind: ConflictSpeakerUnavailable, Items: []string{b.id}, People: keys, At: b.start,
		Message: fmt.Sprintf("%s: the slot %s is outside its speakers' availability: %s %s.",
			c.day(b.start, b.loc), c.titled(b, b.start), who, strings.Join(why, " and ")),
	})
}

// runs reports runs with more riders than seats. A run without a capacity
// has no limit.
func (c *conflictCheck) runs() {
	for i := range c.bookings {
		b := &c.bookings[i]
		if b.run == nil || b.run.Capacity <= 0 {
			continue
		}
		riders := len(c.expectedAt(b))
		if riders <= b.run.Capacity {
			continue
		}
		c.add(Conflict{
			Kind: ConflictRunOverCapacity, Items: []string{b.id}, At: b.start,
			Message: fmt.Sprintf("%s: %s has %d riders for %s.",
				c.day(b.start, b.loc), c.titled(b, b.start), riders, seats(b.run.Capacity)),
		})
	}
}

func (c *conflictCheck) add(conflict Conflict) { c.out = append(c.out, conflict) }

// day writes the local date a message is about: "Mon 5 Dec 2016".
func (c *conflictCheck) day(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 2006")
}

// clock writes a local time of day, with the date when it falls on another
// local day than ref, and the zone's abbreviation when loc is not the
// programme's zone: "12:30", "Tue 6 Dec 00:30", "09:00 EST".
func (c *conflictCheck) clock(t time.Time, loc *time.Location, ref time.Time) string {
	lt := t.In(loc)
	out := lt.Format("15:04")
	if lt.Format(DateLayout) != ref.In(loc).Format(DateLayout) {
		out = lt.Format("Mon 2 Jan ") + out
	}
	if loc.String() != c.p.TimeZone {
		out += " " + lt.Format("MST")
	}
	return out
}

// when writes a booking's time: "09:00–13:00" for a session or slot, the
// departure "12:30" for a run.
func (c *conflictCheck) when(b *booking, ref time.Time) string {
	if b.run != nil {
		return c.clock(b.start, b.loc, ref)
	}
	start := b.start.In(b.loc).Format("15:04")
	if b.start.In(b.loc).Format(DateLayout) != ref.In(b.loc).Format(DateLayout) {
		start = b.start.In(b.loc).Format("Mon 2 Jan ") + start
	}
	return start + "\u2013" + c.clock(b.end, b.loc, b.start)
}

// titled writes a booking's title and time: “Lunch” (13:00–14:00), or for a
// slot its own title: “Welcome” (09:00–09:10).
func (c *conflictCheck) titled(b *booking, ref time.Time) string {
	var title string
	switch {
	case b.run != nil:
		title = b.run.Title
	case b.slot != nil:
		title = b.slot.Title
	default:
		title = b.session.Title
	}
	return quote(title) + " (" + c.when(b, ref) + ")"
}

// where writes where someone is expected: at a session, speaking in a slot,
// on a run.
func (c *conflictCheck) where(b *booking, ref time.Time) string {
	switch {
	case b.run != nil:
		return "on " + c.titled(b, ref)
	case b.slot != nil:
		return "to speak in " + c.titled(b, ref) + " of " + quote(b.session.Title)
	}
	return "at " + c.titled(b, ref)
}

// namesShown is how many names a message lists before it counts the rest.
const namesShown = 3

// peopleNames writes people by place in p.People: "Omar Ansari",
// "Omar Ansari and Shabana", "Omar Ansari, Aziz Taqwa, Shabana and 6 others".
func (c *conflictCheck) peopleNames(places []int) string {
	name := func(i int) string { return cmp.Or(c.p.People[i].Name, c.p.People[i].Key) }
	n := len(places)
	switch {
	case n == 1:
		return name(places[0])
	case n <= namesShown+1:
		names := make([]string, n)
		for i, idx := range places {
			names[i] = name(idx)
		}
		return strings.Join(names[:n-1], ", ") + " and " + names[n-1]
	}
	names := make([]string, namesShown)
	for i := range namesShown {
		names[i] = name(places[i])
	}
	return fmt.Sprintf("%s and %d others", strings.Join(names, ", "), n-namesShown)
}

// quote puts a title in typographic quotation marks, which need no escaping.
func quote(title string) string { return "\u201c" + title + "\u201d" }

func seats(n int) string {
	if n == 1 {
		return "1 seat"
	}
	return strconv.Itoa(n) + " seats"
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
