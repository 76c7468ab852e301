package programme

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// keyPattern is the shape of every key and of the programme slug. Keys become
// parts of URLs and calendar UIDs, so they are kept to a small, safe alphabet.
var keyPattern = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)

// countryPattern is an ISO 3166-1 alpha-2 code as the file format writes it.
var countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)

// ValidKey reports whether s is a well-formed key or programme slug.
func ValidKey(s string) bool { return keyPattern.MatchString(s) }

// Validate checks a programme and returns every problem it finds, each with
// its JSON path in the programme file format. The domain slices are in file
// order, so an index in a path is the item's position in the file. A nil
// result means the programme is valid.
func Validate(p *Programme) FieldErrors {
	return ValidateOnto(p, nil)
}

// ValidateOnto checks p as a batch of changes to base, the programme as
// stored: a reference may name an item that only base has, since an import
// leaves items missing from the file alone. Where both have an item, p's
// version counts. A nil base makes it Validate.
func ValidateOnto(p, base *Programme) FieldErrors {
	v := &validator{p: p}
	v.index(base)
	v.counts(base)
	v.programme()
	v.venues()
	v.rooms()
	v.delegations()
	v.people()
	v.sessions()
	v.transport()
	v.storable()
	return v.errs
}

// validator carries the programme, the keys of each kind of item and the
// problems found so far through one pass over the programme.
type validator struct {
	p    *Programme
	errs FieldErrors

	venueKeys      map[string]bool
	roomKeys       map[string]bool
	delegationKeys map[string]bool
	personKeys     map[string]bool
	// delegationOf maps a person key to the person's delegation key.
	delegationOf map[string]string
}

func (v *validator) add(path, format string, args ...any) {
	v.errs.Add(path, format, args...)
}

// index collects the keys of every kind first, so that a reference can name
// an item that comes later in the file, or one that only base has.
func (v *validator) index(base *Programme) {
	v.venueKeys = map[string]bool{}
	v.roomKeys = map[string]bool{}
	v.delegationKeys = map[string]bool{}
	v.personKeys = map[string]bool{}
	v.delegationOf = map[string]string{}
	fileDelegationOf := map[string]string{}
	for _, q := range []*Programme{base, v.p} {
		if q == nil {
			continue
		}
		for _, x := range q.Venues {
			v.venueKeys[x.Key] = true
		}
		for _, x := range q.Rooms {
			v.roomKeys[x.Key] = true
		}
		for _, x := range q.Delegations {
			v.delegationKeys[x.Key] = true
		}
		for _, x := range q.People {
			v.personKeys[x.Key] = true
			if q == v.p {
				// The file's first entry for a key counts; a duplicate
				// is reported as such.
				if _, seen := fileDelegationOf[x.Key]; !seen {
					fileDelegationOf[x.Key] = x.Delegation
					v.delegationOf[x.Key] = x.Delegation
				}
			} else {
				v.delegationOf[x.Key] = x.Delegation
			}
		}
	}
}

func (v *validator) programme() {
	p := v.p
	if p.Slug == "" {
		v.add("programme.slug", "is required")
	} else if !ValidKey(p.Slug) {
		v.add("programme.slug", "%q is not a valid slug: use 1 to 64 lowercase letters, digits and -", clip(p.Slug))
	}
	v.required("programme.title", p.Title)
	if p.OrganizerEmail != "" {
		v.email("programme.organizer_email", p.OrganizerEmail)
	}
	v.zone("programme.time_zone", p.TimeZone, true)

	var start, end time.Time
	var startOK, endOK bool
	if p.StartsOn == "" {
		v.add("programme.starts_on", "is required")
	} else if d, err := ParseDate(p.StartsOn); err != nil {
		v.add("programme.starts_on", "%s", err)
	} else {
		start, startOK = d, true
	}
	if p.EndsOn == "" {
		v.add("programme.ends_on", "is required")
	} else if d, err := ParseDate(p.EndsOn); err != nil {
		v.add("programme.ends_on", "%s", err)
	} else {
		end, endOK = d, true
	}
	if startOK && endOK && end.Before(start) {
		v.add("programme.ends_on", "is before the programme starts (%s < %s)", p.EndsOn, p.StartsOn)
	}
}

func (v *validator) venues() {
	seen := map[string]int{}
	for i, x := range v.p.Venues {
		path := fmt.Sprintf("venues[%d]", i)
		v.key(path, "venues", x.Key, seen, i)
		v.required(path+".name", x.Name)
		if g := x.Geo; g != nil {
			v.degrees(path+".geo.lat", g.Lat, 90)
			v.degrees(path+".geo.lon", g.Lon, 180)
		}
	}
}

// degrees checks a latitude (limit 90) or a longitude (limit 180).
func (v *validator) degrees(path string, value, limit float64) {
	if math.IsNaN(value) || value < -limit || value > limit {
		v.add(path, "is %v: it must be from %v to %v degrees", value, -limit, limit)
	}
}

func (v *validator) rooms() {
	seen := map[string]int{}
	loc := v.p.Loc("")
	for i, r := range v.p.Rooms {
		path := fmt.Sprintf("rooms[%d]", i)
		v.key(path, "rooms", r.Key, seen, i)
		v.required(path+".name", r.Name)
		v.ref(path+".venue", "venue", r.Venue, v.venueKeys)
		if r.Capacity < 0 {
			v.add(path+".capacity", "is %d: a capacity cannot be negative", r.Capacity)
		}
		for j, res := range r.Reservations {
			rpath := fmt.Sprintf("%s.reservations[%d]", path, j)
			v.span(rpath, res.StartsAt, res.EndsAt, loc)
			v.oneOf(rpath+".status", res.Status, ReservationStatuses, true)
			if rf := res.ReleasedFrom; rf != nil && !res.StartsAt.IsZero() && !res.EndsAt.IsZero() {
				if rf.Before(res.StartsAt) || !rf.Before(res.EndsAt) {
					v.add(rpath+".released_from", "is %s, outside the reservation (%s to %s)",
						FormatLocal(*rf, loc), FormatLocal(res.StartsAt, loc), FormatLocal(res.EndsAt, loc))
				}
			}
		}
	}
}

func (v *validator) delegations() {
	seen := map[string]int{}
	for i, d := range v.p.Delegations {
		path := fmt.Sprintf("delegations[%d]", i)
		v.key(path, "delegations", d.Key, seen, i)
		v.required(path+".name", d.Name)
		if d.Country != "" && !countryPattern.MatchString(d.Country) {
			v.add(path+".country", "%q is not a country code: use two capital letters (ISO 3166-1 alpha-2), such as AF", clip(d.Country))
		}
		if d.Lead != "" {
			if !v.personKeys[d.Lead] {
				v.ref(path+".lead", "person", d.Lead, v.personKeys)
			} else if own := v.delegationOf[d.Lead]; own != d.Key {
				if own == "" {
					v.add(path+".lead", "names %q, who belongs to no delegation: the lead should be a member of %q", clip(d.Lead), d.Key)
				} else {
					v.add(path+".lead", "names %q, who belongs to delegation %q: the lead should be a member of %q", clip(d.Lead), clip(own), d.Key)
				}
			}
		}
	}
}

func (v *validator) people() {
	seen := map[string]int{}
	for i, x := range v.p.People {
		path := fmt.Sprintf("people[%d]", i)
		v.key(path, "people", x.Key, seen, i)
		v.required(path+".name", x.Name)
		v.oneOf(path+".role", x.Role, Roles, false)
		v.ref(path+".delegation", "delegation", x.Delegation, v.delegationKeys)
		// Only an address mail goes to is checked: files written before
		// invitations existed may hold free text there.
		if x.CalendarByEmail {
			if strings.TrimSpace(x.Email) == "" {
				v.add(path+".email", "is required when calendar_by_email is true")
			} else {
				v.email(path+".email", x.Email)
			}
		}
	}
}

// email checks that value is one plain e-mail address such as ana@example.org.
func (v *validator) email(path, value string) {
	if _, err := NormalizeEmail(value); err != nil {
		v.add(path, "%q is not an e-mail address such as ana@example.org", clip(value))
	}
}

func (v *validator) sessions() {
	seen := map[string]int{}
	for i := range v.p.Sessions {
		s := &v.p.Sessions[i]
		path := fmt.Sprintf("sessions[%d]", i)
		v.key(path, "sessions", s.Key, seen, i)
		v.required(path+".title", s.Title)
		v.oneOf(path+".kind", s.Kind, SessionKinds, false)
		v.zone(path+".time_zone", s.TimeZone, false)
		loc := v.p.Loc(s.TimeZone)
		v.span(path, s.StartsAt, s.EndsAt, loc)
		v.place(path, s)
		v.audience(path+".audience", s.Audience)
		v.oneOf(path+".status", s.Status, Statuses, true)

		slotSeen := map[string]int{}
		for j := range s.Slots {
			v.slot(fmt.Sprintf("%s.slots[%d]", path, j), s, j, slotSeen, loc)
		}
	}
}

// place checks that a session names at most one of room, venue and location,
// and that the room or venue it names exists.
func (v *validator) place(path string, s *Session) {
	var given []string
	for _, f := range []struct{ name, value string }{{"room", s.Room}, {"venue", s.Venue}, {"location", s.Location}} {
		if f.value != "" {
			given = append(given, f.name)
		}
	}
	if len(given) > 1 {
		v.add(path+"."+given[1], "a session takes only one of room, venue or location, and this one also has a %s", given[0])
	}
	v.ref(path+".room", "room", s.Room, v.roomKeys)
	v.ref(path+".venue", "venue", s.Venue, v.venueKeys)
}

func (v *validator) slot(path string, s *Session, j int, seen map[string]int, loc *time.Location) {
	sl := &s.Slots[j]
	// Slot keys are unique within their session only; the path of the first
	// use names the session so that the message stays unambiguous.
	v.key(path, path[:strings.LastIndex(path, "[")], sl.Key, seen, j)
	v.required(path+".title", sl.Title)
	v.list(path+".speakers", "person", sl.Speakers, v.personKeys)
	v.span(path, sl.StartsAt, sl.EndsAt, loc)
	v.oneOf(path+".status", sl.Status, Statuses, true)

	if !sl.StartsAt.IsZero() && !s.StartsAt.IsZero() && sl.StartsAt.Before(s.StartsAt) {
		a, b := clockPair(sl.StartsAt, s.StartsAt, loc)
		v.add(path+".starts_at", "starts at %s, before its session starts (%s)", a, b)
	}
	if !sl.EndsAt.IsZero() && !s.EndsAt.IsZero() && sl.EndsAt.After(s.EndsAt) {
		a, b := clockPair(sl.EndsAt, s.EndsAt, loc)
		v.add(path+".ends_at", "ends at %s, after its session ends (%s)", a, b)
	}

	from, until := sl.AvailableFrom, sl.AvailableUntil
	if from != nil && until != nil && !from.Before(*until) {
		a, b := clockPair(*until, *from, loc)
		v.add(path+".available_until", "is %s, not after available_from (%s)", a, b)
	}
	// A slot outside its speakers' window is a conflict to warn about
	// (Conflicts), not an error: staff must be able to save "the ISOC team
	// runs to 11:05" and then sort it out with the speakers.
}

func (v *validator) transport() {
	seen := map[string]int{}
	for i := range v.p.Transport {
		r := &v.p.Transport[i]
		path := fmt.Sprintf("transport[%d]", i)
		v.key(path, "transport", r.Key, seen, i)
		v.oneOf(path+".kind", r.Kind, TransportKinds, false)
		v.required(path+".title", r.Title)
		v.zone(path+".time_zone", r.TimeZone, false)
		if r.DepartsAt.IsZero() {
			v.add(path+".departs_at", "is required")
		}
		if r.Capacity < 0 {
			v.add(path+".capacity", "is %d: a capacity cannot be negative", r.Capacity)
		}
		v.oneOf(path+".status", r.Status, Statuses, true)
		v.audience(path+".riders", r.Riders)

		stayers := map[string]int{}
		for j, sb := range r.StayingBehind {
			spath := fmt.Sprintf("%s.staying_behind[%d].person", path, j)
			if sb.Person == "" {
				v.add(spath, "is required")
				continue
			}
			v.ref(spath, "person", sb.Person, v.personKeys)
			if sb.Active && v.personKeys[sb.Person] && !ridesRun(r, sb.Person, v.delegationOf[sb.Person]) {
				v.add(spath, "%s", notRiding(sb.Person))
			}
			if first, dup := stayers[sb.Person]; dup {
				v.add(spath, "%q is already staying behind at %s.staying_behind[%d]", clip(sb.Person), path, first)
			} else {
				stayers[sb.Person] = j
			}
		}
		if r.Poll != nil {
			v.poll(path+".poll", r, v.p.Loc(r.TimeZone))
		}
	}
}

func (v *validator) poll(path string, r *Run, loc *time.Location) {
	poll := r.Poll
	if len(poll.Options) == 0 {
		v.add(path+".options", "a poll needs at least one option")
	}
	options := map[string]int{}
	for i, o := range poll.Options {
		opath := fmt.Sprintf("%s.options[%d]", path, i)
		if !validClock(o) {
			v.add(opath, "%q is not a time of the form HH:MM", clip(o))
			continue
		}
		if first, dup := options[o]; dup {
			v.add(opath, "%q is already %s.options[%d]", o, path, first)
			continue
		}
		options[o] = i
	}
	if poll.ClosesAt != nil && !r.DepartsAt.IsZero() && poll.ClosesAt.After(r.DepartsAt) {
		a, b := clockPair(*poll.ClosesAt, r.DepartsAt, loc)
		v.add(path+".closes_at", "closes at %s, after the run departs (%s)", a, b)
	}
	voters := map[string]int{}
	for i, vote := range poll.Votes {
		vpath := fmt.Sprintf("%s.votes[%d]", path, i)
		if vote.Person == "" {
			v.add(vpath+".person", "is required")
		} else {
			v.ref(vpath+".person", "person", vote.Person, v.personKeys)
			if first, dup := voters[vote.Person]; dup {
				v.add(vpath+".person", "%q already voted at %s.votes[%d]", clip(vote.Person), path, first)
			} else {
				voters[vote.Person] = i
			}
		}
		if _, ok := options[vote.Option]; !ok {
			v.add(vpath+".option", "%q is not one of the poll's options", clip(vote.Option))
		}
	}
	if poll.Decided != "" {
		if _, ok := options[poll.Decided]; !ok {
			v.add(path+".decided", "%q is not one of the poll's options", clip(poll.Decided))
		} else if _, err := LoadZone(v.p.ZoneOf(r.TimeZone)); err == nil && !r.DepartsAt.IsZero() {
			// With an unknown zone the local departure time is unknown too;
			// the zone itself is reported.
			if local := r.DepartsAt.In(loc).Format("15:04"); local != poll.Decided || r.DepartsAt.Second() != 0 {
				v.add(path+".decided", "is %s, but the run departs at %s: set departs_at to the decided time",
					poll.Decided, r.DepartsAt.In(loc).Format(timeOfDay(r.DepartsAt.In(loc))))
			}
		}
	}
}

// audience checks the delegations and people of a session's audience or a
// run's riders.
func (v *validator) audience(path string, a Audience) {
	v.list(path+".delegations", "delegation", a.Delegations, v.delegationKeys)
	v.list(path+".people", "person", a.People, v.personKeys)
}

// list checks a list of references: each must exist and appear once, since a
// member listed twice would be stored twice.
func (v *validator) list(path, what string, keys []string, known map[string]bool) {
	first := map[string]int{}
	for i, k := range keys {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		if k == "" {
			v.add(ipath, "is empty: name a %s by its key", what)
			continue
		}
		if j, dup := first[k]; dup {
			v.add(ipath, "%q is already listed at %s[%d]", clip(k), path, j)
			continue
		}
		first[k] = i
		v.ref(ipath, what, k, known)
	}
}

// key checks that an item's key is well formed and unique among its kind.
// kindPath is the list's path, used to name the item that has the key first.
func (v *validator) key(path, kindPath, key string, seen map[string]int, i int) {
	if key == "" {
		v.add(path+".key", "is required")
		return
	}
	if !ValidKey(key) {
		v.add(path+".key", "%q is not a valid key: use 1 to 64 lowercase letters, digits and -", clip(key))
		return
	}
	if j, dup := seen[key]; dup {
		v.add(path+".key", "%q is already the key of %s[%d]", key, kindPath, j)
		return
	}
	seen[key] = i
}

// ref checks that a non-empty reference names an item of the programme.
func (v *validator) ref(path, what, key string, known map[string]bool) {
	if key != "" && !known[key] {
		v.add(path, "refers to %s %q, which is not in the file", what, clip(key))
	}
}

func (v *validator) required(path, value string) {
	if strings.TrimSpace(value) == "" {
		v.add(path, "is required")
	}
}

// oneOf checks a value against the known values; emptyOK allows the empty
// value, which for statuses means "as given".
func (v *validator) oneOf(path, value string, known []string, emptyOK bool) {
	if value == "" {
		if !emptyOK {
			v.add(path, "is required: one of %s", strings.Join(known, ", "))
		}
		return
	}
	if !slices.Contains(known, value) {
		v.add(path, "%q is not one of %s", clip(value), strings.Join(known, ", "))
	}
}

// zone checks an IANA zone name; an item's zone may be empty, the programme's not.
func (v *validator) zone(path, name string, required bool) {
	if name == "" {
		if required {
			v.add(path, "is required: an IANA time zone such as America/Mexico_City")
		}
		return
	}
	if _, err := LoadZone(name); err != nil {
		v.add(path, "%s", err)
	}
}

// span checks the start and end of a session, slot or reservation.
func (v *validator) span(path string, start, end time.Time, loc *time.Location) {
	if start.IsZero() {
		v.add(path+".starts_at", "is required")
	}
	if end.IsZero() {
		v.add(path+".ends_at", "is required")
	}
	if start.IsZero() || end.IsZero() {
		return
	}
	if !end.After(start) {
		a, b := clockPair(end, start, loc)
		if end.Equal(start) {
			v.add(path+".ends_at", "ends when it starts (%s): it must end after it starts", a)
		} else {
			v.add(path+".ends_at", "ends before it starts (%s < %s)", a, b)
		}
	}
}

// clockPair formats two instants for a message in loc: as times of day when
// they fall on the same local day, else with their dates, so that the
// message is never ambiguous.
func clockPair(a, b time.Time, loc *time.Location) (string, string) {
	a, b = a.In(loc), b.In(loc)
	layout := timeOfDay(a)
	if layout != timeOfDay(b) {
		layout = "15:04:05"
	}
	if a.Format(DateLayout) != b.Format(DateLayout) {
		layout = DateLayout + " " + layout
	}
	return a.Format(layout), b.Format(layout)
}

// timeOfDay is the layout of a time of day, with seconds only when it has them.
func timeOfDay(t time.Time) string {
	if t.Second() != 0 {
		return "15:04:05"
	}
	return "15:04"
}

// clip shortens a value that a message quotes, so that the message about a
// value over its limit does not repeat the whole value.
func clip(s string) string {
	const most = 40
	n := 0
	for i := range s {
		if n == most-3 {
			if utf8.RuneCountInString(s[i:]) > 3 {
				return s[:i] + "..."
			}
			return s
		}
		n++
	}
	return s
}
