package programme

import (
	"fmt"
	"strings"
	"time"
)

// Item kinds, as the change log, revisions and ImportReport name them. A
// slot's key is "session/slot"; the programme's own fields are the item of
// kind KindProgramme whose key is the slug, and whether the programme is
// public is the item of kind KindVisibility.
const (
	KindProgramme  = "programme"
	KindVisibility = "visibility"
	KindVenue      = "venue"
	KindRoom       = "room"
	KindDelegation = "delegation"
	KindPerson     = "person"
	KindSession    = "session"
	KindSlot       = "slot"
	KindRun        = "run"
)

// Sources of a change: where it was made.
const (
	SourceWeb    = "web"
	SourceImport = "import"
	SourceAPI    = "api"
	SourceCLI    = "cli"
	SourceDemo   = "demo"
)

// Header returns a programme with p's own fields and no items: the start of
// a batch of changes to p (see ChangeRequest), which leaves p's own fields
// as they are.
func (p *Programme) Header() *Programme {
	return &Programme{Slug: p.Slug, Title: p.Title, Organizer: p.Organizer, TimeZone: p.TimeZone,
		StartsOn: p.StartsOn, EndsOn: p.EndsOn, Location: p.Location, Description: p.Description,
		OrganizerEmail: p.OrganizerEmail}
}

// ItemRef names one item of a programme by kind and key.
type ItemRef struct {
	Kind string
	Key  string
}

func (r ItemRef) String() string { return r.Kind + ":" + r.Key }

// SlotKey is the key of a slot as an ItemRef names it.
func SlotKey(session, slot string) string { return session + "/" + slot }

// Author is who made a change. UserID is zero for changes made outside any
// account (the command line, the demo); Name then says who or what.
type Author struct {
	UserID int64
	Name   string
	Email  string
}

// Display is how the change log names the author: their name, else their
// e-mail address, else "unknown".
func (a Author) Display() string {
	switch {
	case a.Name != "":
		return a.Name
	case a.Email != "":
		return a.Email
	}
	return "unknown"
}

// ChangeRequest is one change to a stored programme, made through the same
// rules as an import: Batch is a programme holding the header and only the
// items that change (see Merge); its items replace the stored ones by key.
// A nil Batch changes no item but may still remove some or set Public.
type ChangeRequest struct {
	Batch *Programme
	// Remove lists items to take out of the programme. Sessions, slots and
	// runs are cancelled and kept, so that calendars show them cancelled;
	// venues, rooms, delegations and people are deleted, and only when
	// nothing else in the programme refers to them.
	Remove []ItemRef
	// Public, when set, makes the programme public or private.
	Public *bool
	// Expect holds, for each item being edited, the revision the editor
	// started from (see exchange.Revision; "" for an item they expected not
	// to exist). A stored item whose revision differs refuses the whole
	// change with ECONFLICT and a *Stale.
	Expect map[ItemRef]string
	Author Author
	// Source says where the change was made: SourceWeb and the others.
	Source string
	// Summary says in a few words what the change was, for the log; empty
	// lets the store write one.
	Summary string
}

// Stale is the detail of an ECONFLICT that refuses an edit of an item that
// changed since the editor opened it. It is the Err of the *Error.
type Stale struct {
	Item     ItemRef
	Expected string // the revision the editor started from
	Current  string // the revision stored now; "" when the item is gone
	// By and At say who changed the item last, and when, from the change
	// log; By is empty when the log has no record of it.
	By string
	At time.Time
}

func (s *Stale) Error() string {
	return fmt.Sprintf("%s changed since revision %q (now %q)", s.Item, s.Expected, s.Current)
}

// StaleError returns the ECONFLICT error of a stale edit, in words an editor
// understands.
func StaleError(s *Stale) *Error {
	msg := fmt.Sprintf("Someone else changed this %s since you opened it", s.Item.Kind)
	if s.By != "" {
		msg = fmt.Sprintf("%s changed this %s at %s, after you opened it", s.By, s.Item.Kind, s.At.UTC().Format("15:04 UTC"))
	}
	if s.Current == "" {
		msg += "; it no longer exists"
	}
	return &Error{Code: ECONFLICT, Message: msg + ". Nothing was saved: compare the two versions and save again.", Err: s}
}

// ReferencesTo lists, in words, what in p refers to the item of kind and
// key (a venue, room, delegation or person), so that deleting it can be
// refused with the reason. Items in ignore, themselves being deleted, do not
// count. Histories (former members, rooms, speakers) are no references: they
// go with the item.
func ReferencesTo(p *Programme, ref ItemRef, ignore map[ItemRef]bool) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	key := ref.Key
	switch ref.Kind {
	case KindVenue:
		for _, r := range p.Rooms {
			if r.Venue == key && !ignore[ItemRef{KindRoom, r.Key}] {
				add("room %q is at it", r.Key)
			}
		}
		for _, s := range p.Sessions {
			if s.Venue == key {
				add("session %q is held there", s.Key)
			}
		}
		for _, r := range p.Transport {
			if r.From == key || r.To == key {
				add("run %q goes from or to it", r.Key)
			}
		}
	case KindRoom:
		for _, s := range p.Sessions {
			if s.Room == key {
				add("session %q is held in it", s.Key)
			}
		}
	case KindDelegation:
		for _, x := range p.People {
			if x.Delegation == key && !ignore[ItemRef{KindPerson, x.Key}] {
				add("person %q is in it", x.Key)
			}
		}
		for _, s := range p.Sessions {
			if contains(s.Audience.Delegations, key) {
				add("session %q has it in its audience", s.Key)
			}
		}
		for _, r := range p.Transport {
			if contains(r.Riders.Delegations, key) {
				add("run %q has it among its riders", r.Key)
			}
		}
	case KindPerson:
		for _, d := range p.Delegations {
			if d.Lead == key && !ignore[ItemRef{KindDelegation, d.Key}] {
				add("delegation %q has them as its lead", d.Key)
			}
		}
		for _, s := range p.Sessions {
			if contains(s.Audience.People, key) {
				add("session %q has them in its audience", s.Key)
			}
			for _, sl := range s.Slots {
				if contains(sl.Speakers, key) {
					add("slot %q has them as a speaker", SlotKey(s.Key, sl.Key))
				}
			}
		}
		for _, r := range p.Transport {
			if contains(r.Riders.People, key) {
				add("run %q has them among its riders", r.Key)
			}
			for _, sb := range r.StayingBehind {
				if sb.Active && sb.Person == key {
					add("run %q lists them as staying behind", r.Key)
				}
			}
			if r.Poll != nil {
				for _, v := range r.Poll.Votes {
					if v.Person == key {
						add("the poll of run %q has their vote", r.Key)
					}
				}
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Removable reports whether an item of kind is deleted by a removal (true)
// or cancelled and kept (false, for sessions, slots and runs).
func Removable(kind string) bool {
	switch kind {
	case KindVenue, KindRoom, KindDelegation, KindPerson:
		return true
	}
	return false
}

// DescribeChange says in words what changed of one item from before to
// after, one line per field, such as "departs: 17:30 → 17:15" or "Syed Shah
// added to the audience". Times are shown in the item's zone, with the day
// when it changes. An item missing from before or after gives no lines: its
// creation or deletion says it all.
func DescribeChange(before, after *Programme, ref ItemRef) []string {
	var lines []string
	field := func(label, old, new string) {
		if old == new {
			return
		}
		switch {
		case old == "":
			lines = append(lines, fmt.Sprintf("%s: %s", label, new))
		case new == "":
			lines = append(lines, fmt.Sprintf("%s: %s removed", label, old))
		default:
			lines = append(lines, fmt.Sprintf("%s: %s → %s", label, old, new))
		}
	}
	when := func(label string, old, new time.Time, oldLoc, newLoc *time.Location) {
		if old.Equal(new) {
			return
		}
		o, n := old.In(oldLoc), new.In(newLoc)
		if o.Format("2006-01-02") == n.Format("2006-01-02") {
			field(label, o.Format("15:04"), n.Format("15:04"))
		} else {
			field(label, o.Format("Mon 2 Jan 15:04"), n.Format("Mon 2 Jan 15:04"))
		}
	}
	whenPtr := func(label string, old, new *time.Time, oldLoc, newLoc *time.Location) {
		switch {
		case old == nil && new == nil:
		case old == nil:
			field(label, "", new.In(newLoc).Format("Mon 2 Jan 15:04"))
		case new == nil:
			field(label, old.In(oldLoc).Format("Mon 2 Jan 15:04"), "")
		default:
			when(label, *old, *new, oldLoc, newLoc)
		}
	}
	members := func(what string, old, new []string, name func(string) string) {
		for _, k := range new {
			if !contains(old, k) {
				lines = append(lines, fmt.Sprintf("%s added to %s", name(k), what))
			}
		}
		for _, k := range old {
			if !contains(new, k) {
				lines = append(lines, fmt.Sprintf("%s taken off %s", name(k), what))
			}
		}
	}
	personName := func(k string) string { return nameOf(after, before, KindPerson, k) }
	delegationName := func(k string) string { return nameOf(after, before, KindDelegation, k) }
	yesNo := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	switch ref.Kind {
	case KindProgramme:
		field("title", before.Title, after.Title)
		field("organizer", before.Organizer, after.Organizer)
		field("time zone", before.TimeZone, after.TimeZone)
		field("starts on", before.StartsOn, after.StartsOn)
		field("ends on", before.EndsOn, after.EndsOn)
		field("location", before.Location, after.Location)
		field("description", before.Description, after.Description)
	case KindVenue:
		o, n := before.Venue(ref.Key), after.Venue(ref.Key)
		if o == nil || n == nil {
			return nil
		}
		field("name", o.Name, n.Name)
		field("address", o.Address, n.Address)
		field("map position", geoText(o.Geo), geoText(n.Geo))
	case KindRoom:
		o, n := before.Room(ref.Key), after.Room(ref.Key)
		if o == nil || n == nil {
			return nil
		}
		field("name", o.Name, n.Name)
		field("venue", nameOf(before, after, KindVenue, o.Venue), nameOf(after, before, KindVenue, n.Venue))
		field("capacity", countText(o.Capacity), countText(n.Capacity))
		if len(o.Reservations) != len(n.Reservations) {
			field("reservations", fmt.Sprint(len(o.Reservations)), fmt.Sprint(len(n.Reservations)))
		} else {
			for i := range o.Reservations {
				if !sameReservation(o.Reservations[i], n.Reservations[i]) {
					lines = append(lines, fmt.Sprintf("reservation %d changed", i+1))
				}
			}
		}
	case KindDelegation:
		o, n := before.Delegation(ref.Key), after.Delegation(ref.Key)
		if o == nil || n == nil {
			return nil
		}
		field("name", o.Name, n.Name)
		field("country", o.Country, n.Country)
		field("lead", nameOf(before, after, KindPerson, o.Lead), nameOf(after, before, KindPerson, n.Lead))
		field("note", o.Note, n.Note)
	case KindPerson:
		o, n := before.Person(ref.Key), after.Person(ref.Key)
		if o == nil || n == nil {
			return nil
		}
		field("name", o.Name, n.Name)
		field("title", o.Title, n.Title)
		field("organization", o.Organization, n.Organization)
		field("role", o.Role, n.Role)
		field("delegation", nameOf(before, after, KindDelegation, o.Delegation), nameOf(after, before, KindDelegation, n.Delegation))
		field("e-mail", o.Email, n.Email)
		field("phone", o.Phone, n.Phone)
		field("note", o.Note, n.Note)
	case KindSession:
		o, n := before.Session(ref.Key), after.Session(ref.Key)
		if o == nil || n == nil {
			return nil
		}
		ol, nl := before.Loc(o.TimeZone), after.Loc(n.TimeZone)
		field("title", o.Title, n.Title)
		when("starts", o.StartsAt, n.StartsAt, ol, nl)
		when("ends", o.EndsAt, n.EndsAt, ol, nl)
		field("time zone", o.TimeZone, n.TimeZone)
		field("room", nameOf(before, after, KindRoom, o.Room), nameOf(after, before, KindRoom, n.Room))
		field("venue", nameOf(before, after, KindVenue, o.Venue), nameOf(after, before, KindVenue, n.Venue))
		field("location", o.Location, n.Location)
		field("status", o.Status, n.Status)
		field("kind", o.Kind, n.Kind)
		if o.Required != n.Required {
			field("required", yesNo(o.Required), yesNo(n.Required))
		}
		field("description", o.Description, n.Description)
		members("the audience", o.Audience.Delegations, n.Audience.Delegations, delegationName)
		members("the audience", o.Audience.People, n.Audience.People, personName)
	case KindSlot:
		session, slot, _ := strings.Cut(ref.Key, "/")
		os, ns := before.Session(session), after.Session(session)
		o, n := os.Slot(slot), ns.Slot(slot)
		if o == nil || n == nil {
			return nil
		}
		ol, nl := before.Loc(os.TimeZone), after.Loc(ns.TimeZone)
		field("title", o.Title, n.Title)
		when("starts", o.StartsAt, n.StartsAt, ol, nl)
		when("ends", o.EndsAt, n.EndsAt, ol, nl)
		whenPtr("available from", o.AvailableFrom, n.AvailableFrom, ol, nl)
		whenPtr("available until", o.AvailableUntil, n.AvailableUntil, ol, nl)
		field("status", o.Status, n.Status)
		field("note", o.Note, n.Note)
		members("the speakers", o.Speakers, n.Speakers, personName)
	case KindRun:
		o, n := before.Run(ref.Key), after.Run(ref.Key)
		if o == nil || n == nil {
			return nil
		}
		ol, nl := before.Loc(o.TimeZone), after.Loc(n.TimeZone)
		field("title", o.Title, n.Title)
		if !o.DepartsAt.Equal(n.DepartsAt) {
			// A run has one time, its departure: the line is the times alone.
			before := len(lines)
			when("departs", o.DepartsAt, n.DepartsAt, ol, nl)
			lines[before] = strings.TrimPrefix(lines[before], "departs: ")
		}
		field("time zone", o.TimeZone, n.TimeZone)
		field("from", nameOf(before, after, KindVenue, o.From), nameOf(after, before, KindVenue, n.From))
		field("to", nameOf(before, after, KindVenue, o.To), nameOf(after, before, KindVenue, n.To))
		field("status", o.Status, n.Status)
		field("kind", o.Kind, n.Kind)
		field("capacity", countText(o.Capacity), countText(n.Capacity))
		field("vehicle", o.Vehicle, n.Vehicle)
		field("contact", o.Contact, n.Contact)
		field("note", o.Note, n.Note)
		members("the riders", o.Riders.Delegations, n.Riders.Delegations, delegationName)
		members("the riders", o.Riders.People, n.Riders.People, personName)
		members("those staying behind", stayingKeys(o.StayingBehind), stayingKeys(n.StayingBehind), personName)
		switch {
		case samePoll(o.Poll, n.Poll):
		case o.Poll == nil:
			lines = append(lines, "poll added")
		case n.Poll == nil:
			lines = append(lines, "poll removed")
		case o.Poll.Decided != "" && n.Poll.Decided == "":
			lines = append(lines, "poll reopened")
		case o.Poll.Decided != n.Poll.Decided:
			field("poll decided", o.Poll.Decided, n.Poll.Decided)
		default:
			lines = append(lines, "poll changed")
		}
	}
	return lines
}

// nameOf names the item of kind and key for a line: its name or title in p,
// else in other, else the key itself (a run's free-text place, say).
func nameOf(p, other *Programme, kind, key string) string {
	if key == "" {
		return ""
	}
	for _, q := range []*Programme{p, other} {
		switch kind {
		case KindVenue:
			if v := q.Venue(key); v != nil {
				return v.Name
			}
		case KindRoom:
			if r := q.Room(key); r != nil {
				return r.Name
			}
		case KindDelegation:
			if d := q.Delegation(key); d != nil {
				return d.Name
			}
		case KindPerson:
			if x := q.Person(key); x != nil {
				return x.Name
			}
		}
	}
	return key
}

// ItemTitle is the title or name of an item of p, or "" when p lacks it.
func ItemTitle(p *Programme, ref ItemRef) string {
	switch ref.Kind {
	case KindProgramme, KindVisibility:
		return p.Title
	case KindSlot:
		session, slot, _ := strings.Cut(ref.Key, "/")
		if sl := p.Session(session).Slot(slot); sl != nil {
			return sl.Title
		}
		return ""
	case KindSession:
		if s := p.Session(ref.Key); s != nil {
			return s.Title
		}
		return ""
	case KindRun:
		if r := p.Run(ref.Key); r != nil {
			return r.Title
		}
		return ""
	}
	if name := nameOf(p, p, ref.Kind, ref.Key); name != ref.Key {
		return name
	}
	return ""
}

func geoText(g *Geo) string {
	if g == nil {
		return ""
	}
	return fmt.Sprintf("%.5f, %.5f", g.Lat, g.Lon)
}

func countText(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}

func stayingKeys(entries []StayingBehind) []string {
	var out []string
	for _, e := range activeEntries(entries) {
		out = append(out, e.Person)
	}
	return out
}
