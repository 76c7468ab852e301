package programme

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// FeedKind names whose agenda a calendar feed carries.
type FeedKind string

// The kinds of feed. The key of a person or speaker feed is a person key, of a
// delegation feed a delegation key, of a room feed a room key, and of the
// programme feed the programme's slug.
const (
	FeedPerson     FeedKind = "person"
	FeedDelegation FeedKind = "delegation"
	FeedRoom       FeedKind = "room"
	FeedSpeaker    FeedKind = "speaker"
	FeedProgramme  FeedKind = "programme"
)

// FeedKinds lists every feed kind, for validation and for menus.
var FeedKinds = []FeedKind{FeedPerson, FeedDelegation, FeedRoom, FeedSpeaker, FeedProgramme}

// TombstoneTTL is how long an item a feed lost (cancelled, or no longer the subject's) stays in
// the feed as CANCELLED so that clients that keep old events drop it.
const TombstoneTTL = 30 * 24 * time.Hour

// RunShownFor is how long a transport run lasts in a calendar. A run has only a
// departure, but a zero-length event disappears from most day views.
const RunShownFor = 15 * time.Minute

// Entry kinds.
const (
	EntrySession = "session"
	EntrySlot    = "slot"
	EntryRun     = "run"
)

// Entry is one event of a calendar feed: a session, one of the subject's own
// speaker slots, or a transport run, with everything a calendar shows of it
// already worked out for the subject of the feed.
//
// Entries carry public text only. Staff notes on slots, people, delegations,
// reservations and staying-behind riders, the speakers' availability windows,
// e-mail addresses and phone numbers never reach an Entry: it holds no
// pointer into the programme, only copies of public fields and keys.
type Entry struct {
	// ID is stable across edits: "session/<key>", "slot/<session>/<slot>" or "run/<key>".
	ID string
	// Kind is EntrySession, EntrySlot or EntryRun.
	Kind  string
	Title string
	// StartsAt and EndsAt are UTC instants. A run ends RunShownFor after it departs.
	StartsAt, EndsAt time.Time
	// TimeZone is the IANA zone that applies to the item.
	TimeZone string
	// Status is the effective status: tentative, confirmed or cancelled.
	Status string
	// Sequence is the effective SEQUENCE: a sum of counters that only rise, so that it
	// rises with every change the subject sees and never falls. It counts the
	// room and venue whose names and address make up Location (see placeOf and
	// pickUp), so that renaming a room or moving a venue raises it too; the
	// store raises an item's own Sequence by more than one when the item, or
	// its room, moves to a place whose counters are lower.
	Sequence int
	// ModifiedAt is the effective LAST-MODIFIED: the latest change of
	// anything the event shows (see Change.ShownAt), including the room's,
	// venues' and speakers' whose text the entry shows, and the subject's
	// own joining and leaving. A staff-only edit never moves it.
	ModifiedAt time.Time
	// Location is plain text: room, venue and address; or the pick-up and drop-off places of a run.
	Location string
	// Description is plain text with \n line breaks.
	Description string
	// Removed is true when the subject lost this item (taken out of its audience or
	// riders, staying behind, taken off a slot's speakers, a person who left
	// the delegation they had it through, or a room the session moved out
	// of); such an entry is shown as cancelled. Lost says which.
	Removed bool
	Lost    Loss
	// Cancelled is true when the item itself no longer takes place, for
	// anyone: its own status, or its session's for a slot, is cancelled.
	Cancelled bool
	// OnMap is true when the entry's place has coordinates: the venue of
	// its room, its own venue, or a run's pick-up venue. Lat and Lon are
	// then that venue's point, and VenueName and VenueAddress its name and
	// address (copies, like every other field).
	OnMap                   bool
	Lat, Lon                float64
	VenueName, VenueAddress string
	// Category is the kind of the item: the session's kind (for a slot, its
	// session's) or the run's kind, such as "seminar" or "bus".
	Category string
	// CreatedAt is when the item (for a slot entry, the slot) was first stored.
	CreatedAt time.Time
	// SessionKey names the session of a session or slot entry, SlotKey the
	// slot of a slot entry and RunKey the run of a run entry. Keys, not
	// pointers: an item carries staff notes, and whoever needs more of it
	// than the entry holds must look it up and pick its public fields.
	SessionKey, SlotKey, RunKey string
}

// Loss says how the subject of a feed lost an item that goes on without them.
type Loss string

// The ways of losing an item.
const (
	// LostAudience: the subject was taken off the session's audience or the run's riders.
	LostAudience Loss = "audience"
	// LostDelegation: the person had the item through a delegation they left.
	LostDelegation Loss = "left_delegation"
	// LostStayingBehind: the person stays behind for the run.
	LostStayingBehind Loss = "staying_behind"
	// LostSpeaker: the person was taken off the slot's speakers.
	LostSpeaker Loss = "speaker"
	// LostRoom: the session moved out of the room whose feed it is.
	LostRoom Loss = "room"
)

// Notice is what happened to an entry's item, in the words the calendar
// event and the agenda page both use: Label is short ("Cancelled", "No
// longer on your agenda", "You are not on this bus"), Detail a sentence
// that says what it means for the reader. Both are empty when the item
// takes place as planned for the subject.
type Notice struct {
	Label  string
	Detail string
}

// Notice words what happened to the entry's item for the feed's subject.
// An item that no longer takes place is "Cancelled", whoever lost it
// first; one that goes on without the subject says so, by how they lost
// it. It is the one place that words this: calendars put the Label before
// the title and the Detail on top of the description (see Summary and
// Text), so that a client that ignores STATUS still tells the truth, and
// the agenda page shows the same words.
func (e Entry) Notice() Notice {
	noun := e.noun()
	switch {
	case e.Cancelled || (e.Status == StatusCancelled && !e.Removed):
		return Notice{"Cancelled", "This " + noun + " is cancelled: it no longer takes place."}
	case !e.Removed:
		return Notice{}
	}
	switch e.Lost {
	case LostStayingBehind:
		return Notice{"You are not on this " + noun, "You are staying behind: the " + noun + " leaves without you."}
	case LostSpeaker:
		return Notice{"No longer speaking", "You were taken off the speakers of this slot; it goes on without you."}
	case LostRoom:
		return Notice{"No longer in this room", "This session moved to another room."}
	}
	label := "No longer on your agenda"
	if e.Kind == EntryRun {
		label = "You are not on this " + noun
	}
	if e.Lost == LostDelegation {
		return Notice{label, "You had this " + noun + " through a delegation you are no longer in; it goes on without you."}
	}
	if e.Kind == EntryRun {
		return Notice{label, "You were taken off the riders of this " + noun + "; it goes without you."}
	}
	return Notice{label, "You were taken off this " + noun + "; it goes on without you."}
}

// noun names the entry's item in a sentence: "session", "speaking slot",
// or a run's kind ("bus", "shuttle").
func (e Entry) noun() string {
	switch e.Kind {
	case EntrySlot:
		return "speaking slot"
	case EntryRun:
		if k := strings.ReplaceAll(strings.TrimSpace(e.Category), "_", " "); k != "" {
			return strings.ToLower(k)
		}
		return "run"
	}
	return "session"
}

// Summary is the event's title as a calendar shows it: the Notice's Label
// before the title, "Cancelled: Pre-Conference Seminar", or the title alone.
func (e Entry) Summary() string {
	if n := e.Notice(); n.Label != "" {
		return n.Label + ": " + e.Title
	}
	return e.Title
}

// Text is the event's description as a calendar shows it: the Notice's
// Detail on top, then the entry's Description.
func (e Entry) Text() string {
	n := e.Notice()
	switch {
	case n.Detail == "":
		return e.Description
	case e.Description == "":
		return n.Detail
	}
	return n.Detail + "\n\n" + e.Description
}

// Anchor is the HTML id of the entry's item on the programme page:
// "session-<key>", "slot-<session>_<slot>" or "run-<key>". Keys are made of
// a-z, 0-9 and '-', safe in a URL fragment; the underscore, which no key
// holds, keeps session "a-b" with slot "c" apart from session "a" with
// slot "b-c".
func (e Entry) Anchor() string {
	switch e.Kind {
	case EntrySlot:
		return "slot-" + e.SessionKey + "_" + e.SlotKey
	case EntryRun:
		return "run-" + e.RunKey
	}
	return "session-" + e.SessionKey
}

// subject is whose agenda is being built: a person (with their delegation and
// its history) or a delegation.
type subject struct {
	person     string
	delegation string
	// delegations is the person's delegation history (Person.FormerDelegations):
	// a person is also a former member of every delegation in its inactive rows.
	delegations []Member
}

// subjectOf is the subject of a person's own agenda.
func subjectOf(p *Person) subject {
	return subject{person: p.Key, delegation: p.Delegation, delegations: p.FormerDelegations}
}

// wasIn reports whether the subject's person is or was ever in delegation d.
func (s subject) wasIn(d string) bool {
	if d == "" {
		return false
	}
	if d == s.delegation {
		return true
	}
	return slices.ContainsFunc(s.delegations, func(h Member) bool { return h.Delegation == d })
}

// membership is how an audience stands towards a subject.
type membership struct {
	active bool // something active in the audience names the subject
	// changes sums the Changes of the Former rows that apply to the subject,
	// and of the subject's delegation rows that apply to the audience.
	changes int
	// changedAt is the latest ChangedAt of the rows counted in changes.
	changedAt time.Time
	// removedAt is the latest instant at which the subject lost the item;
	// zero when it never did.
	removedAt time.Time
	removed   bool // no longer active, but the subject once had the item
	// lost says how, by the latest loss: LostAudience or LostDelegation
	// (roomMember: LostRoom).
	lost Loss
}

// lose records that the subject lost the item at instant at, in the way
// given; the latest loss is the one that counts.
func (m *membership) lose(at time.Time, how Loss) {
	if m.lost == "" || !at.Before(m.removedAt) {
		m.lost = how
	}
	m.removedAt = laterTime(m.removedAt, at)
}

// memberOf works out how audience a stands towards subject s. A member applies
// to s when it names s's person directly, s's delegation, or a delegation the
// person left.
//
// A person who left a delegation is a former member of it: an item they had
// only through it is lost when they left, or when the delegation lost it if
// that came first, unless they still have it otherwise. Every delegation
// row of the person that names a delegation the audience ever held counts in
// changes, so that moving between delegations that share an item raises its
// SEQUENCE rather than lowering it (the audience rows of the new delegation
// count from then on, those of the old one still do). A delegation row that
// never changed records only when the person was first stored, which is no
// change to the item, so it is left out of changedAt.
func memberOf(a Audience, s subject) membership {
	var m membership
	if s.person != "" && slices.Contains(a.People, s.person) {
		m.active = true
	}
	if s.delegation != "" && slices.Contains(a.Delegations, s.delegation) {
		m.active = true
	}
	wasMember := false
	for _, f := range a.Former {
		current := (f.Person != "" && f.Person == s.person) ||
			(f.Delegation != "" && f.Delegation == s.delegation)
		if !current && !s.wasIn(f.Delegation) {
			continue
		}
		m.changes += f.Changes
		m.changedAt = laterTime(m.changedAt, f.ChangedAt)
		if !current {
			// A delegation the person left: see formerDelegation below.
			continue
		}
		if f.Active {
			// An active Former row is a member that was added back: it counts
			// as a member even if the lists were not updated to match.
			m.active = true
			continue
		}
		wasMember = true
		m.lose(f.ChangedAt, LostAudience)
	}
	for _, h := range s.delegations {
		if h.Delegation == "" || !a.held(h.Delegation) {
			continue
		}
		m.changes += h.Changes
		if h.Changes > 0 {
			m.changedAt = laterTime(m.changedAt, h.ChangedAt)
		}
		if h.Active || h.Delegation == s.delegation {
			continue
		}
		if lost, ok := a.lostBy(h); ok {
			wasMember = true
			m.lose(lost, LostDelegation)
		}
	}
	m.removed = !m.active && wasMember
	return m
}

// held reports whether delegation d is or ever was in the audience.
func (a Audience) held(d string) bool {
	return slices.Contains(a.Delegations, d) ||
		slices.ContainsFunc(a.Former, func(f Member) bool { return f.Delegation == d })
}

// lostBy tells when a person who left a delegation (h, inactive) lost the
// item through it, and whether they had it through it at all. They had it
// when the delegation's audience row was active as they left: a row still
// active that last changed before they left, or one that became inactive
// after. They lost it when they left, or when the delegation was taken off
// the audience if that came first. A row added after they left never
// reached them.
func (a Audience) lostBy(h Member) (time.Time, bool) {
	for _, f := range a.Former {
		if f.Delegation != h.Delegation {
			continue
		}
		if f.Active {
			if f.ChangedAt.After(h.ChangedAt) {
				return time.Time{}, false
			}
			return h.ChangedAt, true
		}
		if f.ChangedAt.Before(h.ChangedAt) {
			return f.ChangedAt, true
		}
		return h.ChangedAt, true
	}
	// A programme without audience history (built from a file) lists its
	// members only: a delegation listed now was listed when the person left.
	if slices.Contains(a.Delegations, h.Delegation) {
		return h.ChangedAt, true
	}
	return time.Time{}, false
}

// roomMember works out how session s stands towards the feed of room: the
// session is held there now, or it moved out of it (an inactive FormerRooms
// row). The Changes of the room's row count, so that the tombstone's
// SEQUENCE exceeds the last one the room's feed showed, and a session that
// comes back exceeds its tombstone.
func roomMember(s *Session, room string) membership {
	m := membership{active: s.Room == room}
	wasHeld := false
	for _, f := range s.FormerRooms {
		if f.Room != room {
			continue
		}
		m.changes += f.Changes
		m.changedAt = laterTime(m.changedAt, f.ChangedAt)
		if !f.Active {
			wasHeld = true
			m.lose(f.ChangedAt, LostRoom)
		}
	}
	m.removed = !m.active && wasHeld
	return m
}

// FeedEntries returns the entries of one feed at instant now, sorted by StartsAt then ID.
// ENOTFOUND (programme.Errorf) when the key names nothing of that kind.
//
// Items the subject lost, and cancelled items, stay in the feed as cancelled
// for TombstoneTTL so that calendars which keep old events learn of it; after
// that they are left out. Nothing else is ever left out.
func (p *Programme) FeedEntries(kind FeedKind, key string, now time.Time) ([]Entry, error) {
	var entries []item
	switch kind {
	case FeedPerson:
		person := p.Person(key)
		if person == nil {
			return nil, Errorf(ENOTFOUND, "person %q not found", key)
		}
		s := subjectOf(person)
		entries = append(entries, p.audienceSessions(s)...)
		entries = append(entries, p.speakerSlots(person.Key)...)
		entries = append(entries, p.riderRuns(s)...)
	case FeedDelegation:
		if p.Delegation(key) == nil {
			return nil, Errorf(ENOTFOUND, "delegation %q not found", key)
		}
		s := subject{delegation: key}
		entries = append(entries, p.audienceSessions(s)...)
		entries = append(entries, p.riderRuns(s)...)
	case FeedRoom:
		if p.Room(key) == nil {
			return nil, Errorf(ENOTFOUND, "room %q not found", key)
		}
		// A session that moved out of the room stays in its feed as a
		// tombstone, as an item a person lost stays in theirs.
		for i := range p.Sessions {
			if m := roomMember(&p.Sessions[i], key); m.active || m.removed {
				entries = append(entries, p.sessionEntry(&p.Sessions[i], m))
			}
		}
	case FeedSpeaker:
		if p.Person(key) == nil {
			return nil, Errorf(ENOTFOUND, "person %q not found", key)
		}
		entries = p.speakerSlots(key)
	case FeedProgramme:
		if key != p.Slug {
			return nil, Errorf(ENOTFOUND, "programme %q not found", key)
		}
		for i := range p.Sessions {
			entries = append(entries, p.sessionEntry(&p.Sessions[i], membership{active: true}))
		}
		for i := range p.Transport {
			entries = append(entries, p.runEntry(&p.Transport[i], membership{active: true}, nil))
		}
	default:
		return nil, Errorf(ENOTFOUND, "no feed of kind %q", kind)
	}

	kept := make([]Entry, 0, len(entries))
	for _, it := range entries {
		if it.dropAt.IsZero() || now.Before(it.dropAt) {
			kept = append(kept, it.Entry)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool {
		if !kept[i].StartsAt.Equal(kept[j].StartsAt) {
			return kept[i].StartsAt.Before(kept[j].StartsAt)
		}
		return kept[i].ID < kept[j].ID
	})
	return kept, nil
}

// item is an entry on its way into a feed, with the instant it leaves the
// feed: zero for never. The deadline stays out of Entry, which holds only what
// a calendar shows.
type item struct {
	Entry
	dropAt time.Time
}

// cancelled makes it a tombstone of the item's own cancellation: it stays
// for TombstoneTTL after its last change.
func (it *item) cancelled() {
	it.extend(it.ModifiedAt.Add(TombstoneTTL))
}

// removed marks it as lost by the subject at instant at, in the way how:
// shown as cancelled for TombstoneTTL from then on. What the event says of
// the item is then about someone who is no longer there: "Attendance
// required." goes (see sessionEntry).
func (it *item) removed(at time.Time, how Loss) {
	it.Removed = true
	it.Lost = how
	it.Status = StatusCancelled
	it.extend(at.Add(TombstoneTTL))
}

// extend moves the deadline to until if that is later. An entry that is both
// cancelled and lost stays until the later of its deadlines, so that a client
// sees CANCELLED for at least the full TTL whichever came last.
func (it *item) extend(until time.Time) {
	it.dropAt = laterTime(it.dropAt, until)
}

func (p *Programme) audienceSessions(s subject) []item {
	var out []item
	for i := range p.keys.sessionAudiences().of(s, len(p.Sessions)) {
		m := memberOf(p.Sessions[i].Audience, s)
		if m.active || m.removed {
			out = append(out, p.sessionEntry(&p.Sessions[i], m))
		}
	}
	return out
}

func (p *Programme) riderRuns(s subject) []item {
	var out []item
	for i := range p.keys.runAudiences().of(s, len(p.Transport)) {
		r := &p.Transport[i]
		m := memberOf(r.Riders, s)
		if !m.active && !m.removed {
			continue
		}
		var stay *StayingBehind
		for j := range r.StayingBehind {
			if s.person != "" && r.StayingBehind[j].Person == s.person {
				stay = &r.StayingBehind[j]
				break
			}
		}
		out = append(out, p.runEntry(r, m, stay))
	}
	return out
}

// speakerSlots returns the entries of the slots person speaks in, and of the
// slots they were taken off: those are tombstones for TombstoneTTL from when
// they were taken off.
func (p *Programme) speakerSlots(person string) []item {
	var out []item
	s := subject{person: person}
	for ref := range p.keys.speakerSlots().slotsOf(p, person) {
		ses := &p.Sessions[ref.session]
		sl := &ses.Slots[ref.slot]
		// A slot's speakers are an audience of people: the same rules say
		// who is a speaker now and who was taken off, and when.
		m := memberOf(Audience{People: sl.Speakers, Former: sl.FormerSpeakers}, s)
		m.lost = LostSpeaker
		if m.active || m.removed {
			out = append(out, p.slotEntry(ses, sl, m))
		}
	}
	return out
}

// sessionEntry builds the entry of a session for a subject standing as m towards its audience.
func (p *Programme) sessionEntry(s *Session, m membership) item {
	where, place := p.placeOf(s.Room, s.Venue, s.Location)
	struck := m.removed || effectiveStatus(s.Status) == StatusCancelled
	it := item{Entry: Entry{
		ID:          "session/" + s.Key,
		Kind:        EntrySession,
		Title:       s.Title,
		StartsAt:    s.StartsAt.UTC(),
		EndsAt:      s.EndsAt.UTC(),
		TimeZone:    p.ZoneOf(s.TimeZone),
		Status:      effectiveStatus(s.Status),
		Sequence:    s.Sequence + place.Sequence + m.changes,
		ModifiedAt:  laterTime(laterTime(s.shown(), place.shown()), m.changedAt),
		Location:    where,
		Description: p.describe(s, !struck),
		Category:    s.Kind,
		CreatedAt:   s.CreatedAt,
		SessionKey:  s.Key,
	}}
	// The running order is part of the description, so a change a calendar
	// would show of any slot, or of its speakers' names, is a change to the
	// session's event.
	for _, sl := range s.Slots {
		it.ModifiedAt = laterTime(laterTime(it.ModifiedAt, sl.shown()), p.namesShownAt(sl.Speakers))
	}
	p.onMap(&it.Entry, s.Room, s.Venue)
	if it.Status == StatusCancelled {
		it.Cancelled = true
		it.cancelled()
	}
	if m.removed {
		it.removed(m.removedAt, m.lost)
	}
	return it
}

// slotEntry builds the entry of one of a speaker's own slots, for a speaker
// standing as m towards the slot's speakers. A slot has no audience of its
// own: it follows the session's status unless it has its own, and a slot of a
// cancelled session is cancelled whatever its own status says.
//
// Taking a speaker off a slot, or putting them back, does not raise the
// slot's own Sequence (nobody else sees a change of time, place, title or
// status), so the speaker's own changes are added to their SEQUENCE.
func (p *Programme) slotEntry(s *Session, sl *Slot, m membership) item {
	status := sl.Status
	if status == "" || s.Status == StatusCancelled {
		status = s.Status
	}
	loc := p.Loc(s.TimeZone)
	d := []string{"Session: " + s.Title + ", " + localSpan(s.StartsAt, s.EndsAt, loc)}
	if names := p.names(sl.Speakers); names != "" {
		d = append(d, "Speakers: "+names)
	}
	// The slot is held where its session is: the same LOCATION, so the same
	// room and venue count in its SEQUENCE.
	where, place := p.placeOf(s.Room, s.Venue, s.Location)
	// What the slot's event shows of its session is its title, time,
	// place, status and kind, all of which move the session's ShownAt.
	modified := laterTime(laterTime(sl.shown(), s.shown()), place.shown())
	modified = laterTime(laterTime(modified, p.namesShownAt(sl.Speakers)), m.changedAt)
	it := item{Entry: Entry{
		ID:          "slot/" + s.Key + "/" + sl.Key,
		Kind:        EntrySlot,
		Title:       fmt.Sprintf("Speaking: %s (%s)", sl.Title, s.Title),
		StartsAt:    sl.StartsAt.UTC(),
		EndsAt:      sl.EndsAt.UTC(),
		TimeZone:    p.ZoneOf(s.TimeZone),
		Status:      effectiveStatus(status),
		Sequence:    sl.Sequence + s.Sequence + place.Sequence + m.changes,
		ModifiedAt:  modified,
		Location:    where,
		Description: strings.Join(d, "\n"),
		Category:    s.Kind,
		CreatedAt:   sl.CreatedAt,
		SessionKey:  s.Key,
		SlotKey:     sl.Key,
	}}
	p.onMap(&it.Entry, s.Room, s.Venue)
	if it.Status == StatusCancelled {
		it.Cancelled = true
		it.cancelled()
	}
	if m.removed {
		it.removed(m.removedAt, m.lost)
	}
	return it
}

// runEntry builds the entry of a run for a subject standing as m towards its
// riders; stay is set when the subject is a person with a staying-behind
// entry, active or not.
//
// The pick-up venue, whose name and address are the LOCATION, counts in
// SEQUENCE. The destination does not: only its name appears, in the
// description's first line, and a description change never raises
// SEQUENCE (as for a session's description), while counting the venue would
// also raise it when the destination's address changes, which the run never
// shows. Its ModifiedAt still counts in LAST-MODIFIED, since its name is in
// the text. (Changing the destination itself raises the run's own Sequence.)
func (p *Programme) runEntry(r *Run, m membership, stay *StayingBehind) item {
	where, place := p.pickUp(r.From)
	modified := laterTime(laterTime(r.shown(), place.shown()), m.changedAt)
	if to := p.Venue(r.To); to != nil {
		modified = laterTime(modified, to.shown())
	}
	it := item{Entry: Entry{
		ID:          "run/" + r.Key,
		Kind:        EntryRun,
		Title:       r.Title,
		StartsAt:    r.DepartsAt.UTC(),
		EndsAt:      r.DepartsAt.UTC().Add(RunShownFor),
		TimeZone:    p.ZoneOf(r.TimeZone),
		Status:      effectiveStatus(r.Status),
		Sequence:    r.Sequence + place.Sequence + m.changes,
		ModifiedAt:  modified,
		Location:    where,
		Description: p.runDescription(r),
		Category:    r.Kind,
		CreatedAt:   r.CreatedAt,
		RunKey:      r.Key,
	}}
	p.onMap(&it.Entry, "", r.From)
	if it.Status == StatusCancelled {
		it.Cancelled = true
		it.cancelled()
	}
	if m.removed {
		it.removed(m.removedAt, m.lost)
	}
	if stay != nil {
		// Every time the rider was put on or taken off the staying-behind
		// list is a change they see, so each counts in SEQUENCE, active or
		// not: coming back on the run must raise SEQUENCE, never lower it.
		it.Sequence += stay.Changes
		it.ModifiedAt = laterTime(it.ModifiedAt, stay.Since)
		// Only a rider still on the list has lost the run; one taken off it
		// rides again and sees the run as everyone else does.
		if stay.Active {
			it.removed(stay.Since, LostStayingBehind)
		}
	}
	return it
}

// placeOf writes where an item is: the room, its venue and the venue's
// address; or the venue and its address; or the free-text location. The
// room's venue wins over the item's own. It also returns the history of what
// the text shows: the sum of the Sequences of the room and venue written, and
// the later of their ModifiedAt (zero for free text).
func (p *Programme) placeOf(roomKey, venueKey, location string) (string, Change) {
	var parts []string
	var shown Change
	if r := p.Room(roomKey); r != nil {
		parts = append(parts, r.Name)
		shown = plusChange(shown, r.Change)
		if r.Venue != "" {
			venueKey = r.Venue
		}
	}
	if v := p.Venue(venueKey); v != nil {
		parts = append(parts, v.Name, v.Address)
		shown = plusChange(shown, v.Change)
	}
	if len(parts) == 0 {
		return location, Change{}
	}
	return joinNonEmpty(parts, ", "), shown
}

// plusChange sums two items' Sequences and keeps the later ShownAt, for
// an entry whose text shows both. ModifiedAt and CreatedAt are left out:
// they mean nothing for a sum. (A function rather than a method, so that it
// is not promoted to every item that embeds Change.)
func plusChange(a, b Change) Change {
	return Change{Sequence: a.Sequence + b.Sequence, ShownAt: laterTime(a.shown(), b.shown())}
}

// onMap puts the venue of a room, or else the venue itself, on the map of
// entry e, when it is a venue with coordinates. The room's venue wins, as in
// placeOf.
func (p *Programme) onMap(e *Entry, roomKey, venueKey string) {
	if r := p.Room(roomKey); r != nil && r.Venue != "" {
		venueKey = r.Venue
	}
	v := p.Venue(venueKey)
	if v == nil || v.Geo == nil {
		return
	}
	e.OnMap, e.Lat, e.Lon, e.VenueName, e.VenueAddress = true, v.Geo.Lat, v.Geo.Lon, v.Name, v.Address
}

// namesShownAt is the latest change of the names of people by key, which
// running orders and slots show.
func (p *Programme) namesShownAt(keys []string) time.Time {
	var at time.Time
	for _, k := range keys {
		if person := p.Person(k); person != nil {
			at = laterTime(at, person.shown())
		}
	}
	return at
}

// Route writes a run's way from and to venue keys or free text, pick-up
// place first: "From Expo Guadalajara to Delegation hotel".
func (p *Programme) Route(from, to string) string {
	from, to = p.placeName(from), p.placeName(to)
	switch {
	case from != "" && to != "":
		return "From " + from + " to " + to
	case from != "":
		return "From " + from
	case to != "":
		return "To " + to
	}
	return ""
}

// pickUp writes where a run leaves from, with the venue's address, so that a
// calendar's map link leads to the pick-up point; the way as a whole opens
// the description. It also returns the venue's history (zero for free text).
func (p *Programme) pickUp(from string) (string, Change) {
	if v := p.Venue(from); v != nil {
		return joinNonEmpty([]string{v.Name, v.Address}, ", "), plusChange(Change{}, v.Change)
	}
	return from, Change{}
}

// placeName is a venue's name when keyOrText is a venue key, else the free text itself.
func (p *Programme) placeName(keyOrText string) string {
	if v := p.Venue(keyOrText); v != nil {
		return v.Name
	}
	return keyOrText
}

// sessionDescription is the public text of a session: its description, its
// running order with local times, and whether attendance is required. The
// first time of the running order carries its zone: a calendar shows the
// event in the reader's own zone, and the description's bare times would
// read as theirs.
// Slot notes and the speakers' availability windows are for staff and never appear.
//
// required is false for an event of a session the reader no longer
// attends, or that is cancelled: "Attendance required." would be untrue.
func (p *Programme) sessionDescription(s *Session, required bool) string {
	var paras []string
	if s.Description != "" {
		paras = append(paras, s.Description)
	}
	if len(s.Slots) > 0 {
		loc := p.Loc(s.TimeZone)
		lines := []string{"Running order:"}
		for i, sl := range s.Slots {
			line := hhmm(sl.StartsAt, loc) + "\u2013" + hhmm(sl.EndsAt, loc) + " "
			if i == 0 {
				line += "(" + zoneLabel(sl.StartsAt, loc) + ") "
			}
			line += sl.Title
			if names := p.names(sl.Speakers); names != "" {
				line += " \u2014 " + names
			}
			if sl.Status == StatusCancelled {
				line += " (cancelled)"
			} else if sl.Status == StatusTentative {
				line += " (to be confirmed)"
			}
			lines = append(lines, line)
		}
		paras = append(paras, strings.Join(lines, "\n"))
	}
	if s.Required && required {
		paras = append(paras, "Attendance required.")
	}
	return strings.Join(paras, "\n\n")
}

// sessionText is a session's description as sessionDescription writes it
// for a reader who attends (required) and for one who does not (plain),
// which is the same text without its last paragraph, "Attendance
// required.", when there is one: plain then shares required's bytes.
type sessionText struct{ required, plain string }

// describeSessions writes the description of each of p's sessions, by
// position: every feed and agenda page that holds the session shows it.
func describeSessions(p *Programme) []sessionText {
	out := make([]sessionText, len(p.Sessions))
	for i := range p.Sessions {
		s := &p.Sessions[i]
		plain := p.sessionDescription(s, false)
		required := plain
		if s.Required {
			required = p.sessionDescription(s, true)
			if strings.HasPrefix(required, plain) {
				plain = required[:len(plain)]
			}
		}
		out[i] = sessionText{required: required, plain: plain}
	}
	return out
}

// describe is sessionDescription, written once for an indexed programme
// (IndexKeys).
func (p *Programme) describe(s *Session, required bool) string {
	if k := p.keys; k != nil {
		if i, ok := k.sessions[s.Key]; ok && i < len(k.descriptions) && i < len(p.Sessions) && &p.Sessions[i] == s {
			if required {
				return k.descriptions[i].required
			}
			return k.descriptions[i].plain
		}
	}
	return p.sessionDescription(s, required)
}

// runDescription is the public text of a run: vehicle, capacity, contact, the
// run's public note and its poll. Staying-behind notes are for staff and never appear.
func (p *Programme) runDescription(r *Run) string {
	var lines []string
	if way := p.Route(r.From, r.To); way != "" {
		lines = append(lines, way+".")
	}
	if r.Vehicle != "" {
		lines = append(lines, "Vehicle: "+r.Vehicle)
	}
	if r.Capacity > 0 {
		lines = append(lines, fmt.Sprintf("Capacity: %d", r.Capacity))
	}
	if r.Contact != "" {
		lines = append(lines, "Contact: "+r.Contact)
	}
	var paras []string
	if len(lines) > 0 {
		paras = append(paras, strings.Join(lines, "\n"))
	}
	if r.Note != "" {
		paras = append(paras, r.Note)
	}
	if r.Poll != nil {
		q := r.Poll.Question
		if r.Poll.Decided != "" {
			q += " Decided: " + r.Poll.Decided + "."
		} else if len(r.Poll.Options) > 0 {
			q += " Options: " + strings.Join(r.Poll.Options, ", ") + " (not decided yet)."
		}
		paras = append(paras, strings.TrimSpace(q))
	}
	return strings.Join(paras, "\n\n")
}

// names lists the display names of people by key, in the given order; a key
// that names nobody is shown as it is rather than dropped.
func (p *Programme) names(keys []string) string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if person := p.Person(k); person != nil && person.Name != "" {
			out = append(out, person.Name)
		} else {
			out = append(out, k)
		}
	}
	return strings.Join(out, ", ")
}

// hhmm writes the local time of day of t.
func hhmm(t time.Time, loc *time.Location) string { return t.In(loc).Format("15:04") }

// localSpan writes a span in local time with its zone: "Mon 5 Dec 2016,
// 09:00–13:00 (Mexico City time, CST)", with the end's date too when it ends
// on another day.
func localSpan(start, end time.Time, loc *time.Location) string {
	s, e := start.In(loc), end.In(loc)
	out := s.Format("Mon 2 Jan 2006, 15:04") + "\u2013"
	if s.Format(DateLayout) != e.Format(DateLayout) {
		out += e.Format("Mon 2 Jan 2006, 15:04")
	} else {
		out += e.Format("15:04")
	}
	return out + " (" + zoneLabel(start, loc) + ")"
}

// zoneLabel names the zone of local times for a reader: the place of the
// IANA name and the abbreviation in force at t, "Mexico City time, CST".
// Zones whose data has no abbreviation (Go writes "+0430") get the offset
// from UTC, "Kabul time, UTC+04:30"; a zone that is no place ("UTC") is
// named by its abbreviation alone.
func zoneLabel(t time.Time, loc *time.Location) string {
	abbr, offset := t.In(loc).Zone()
	if abbr == "" || abbr[0] == '+' || abbr[0] == '-' {
		sign := "+"
		if offset < 0 {
			sign, offset = "-", -offset
		}
		abbr = fmt.Sprintf("UTC%s%02d:%02d", sign, offset/3600, offset%3600/60)
	}
	name := loc.String()
	i := strings.LastIndexByte(name, '/')
	if i < 0 || strings.HasPrefix(name, "Etc/") {
		return abbr
	}
	return strings.ReplaceAll(name[i+1:], "_", " ") + " time, " + abbr
}

func laterTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func joinNonEmpty(parts []string, sep string) string {
	out := parts[:0:0]
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, sep)
}

// uidNamespace is the namespace of planner's calendar UIDs: the name-based
// UUID (version 5) of the URL https://github.com/planner-dev/planner in the
// RFC 9562 URL namespace, 9c00740d-10b5-5d00-ba34-202a5a4ffca9. It must never
// change, or every calendar would see every event removed and added again.
var uidNamespace = [16]byte{0x9c, 0x00, 0x74, 0x0d, 0x10, 0xb5, 0x5d, 0x00, 0xba, 0x34, 0x20, 0x2a, 0x5a, 0x4f, 0xfc, 0xa9}

// UID returns the calendar UID of an entry: a name-based UUID (v5-style from SHA-1, stdlib
// only) of the programme slug and the entry ID, so it is stable across edits, re-imports,
// export/import and databases, and reveals no host or person.
func UID(slug, id string) string {
	// A NUL byte cannot occur in a slug or a key, so no two pairs give the same name.
	u := uuidV5(uidNamespace, slug+"\x00"+id)
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// uuidV5 is the name-based UUID of RFC 9562, section 5.5.
func uuidV5(namespace [16]byte, name string) [16]byte {
	h := sha1.New()
	h.Write(namespace[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	return u
}

// shown is when what a calendar shows of the item last changed: ShownAt,
// or ModifiedAt for a Change that has no ShownAt (one built in code, as the
// store's rows stored before it kept ShownAt read).
func (c Change) shown() time.Time {
	if c.ShownAt.IsZero() {
		return c.ModifiedAt
	}
	return c.ShownAt
}
