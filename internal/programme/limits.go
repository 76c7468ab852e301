package programme

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Limits on the length of text, in characters (Unicode code points). Every
// text reaches calendar feeds and pages that are rendered for each request,
// so a few megabytes of description multiplied by the feeds being fetched
// at once would exhaust the server's memory; these are far above what any
// real programme writes.
const (
	// MaxCodeLength bounds keys, references to keys, kinds, roles,
	// statuses, zone names, dates and poll options, which have their own,
	// stricter rules besides.
	MaxCodeLength = 64
	// MaxLineLength bounds one-line text: titles, names, organizations,
	// addresses, places, e-mail addresses, phone numbers, vehicles,
	// contacts and poll questions.
	MaxLineLength = 300
	// MaxDescriptionLength bounds the descriptions of the programme and
	// of sessions.
	MaxDescriptionLength = 10000
	// MaxNoteLength bounds notes (of delegations, people, reservations,
	// slots, runs and riders staying behind).
	MaxNoteLength = 4000
)

// Limits on the number of items of a programme, and of a session or room.
const (
	MaxVenues       = 500
	MaxRooms        = 1000
	MaxDelegations  = 500
	MaxPeople       = 5000
	MaxSessions     = 2000
	MaxRuns         = 2000
	MaxSlots        = 100 // per session
	MaxReservations = 500 // per room
)

// textRule says what one text field may hold.
type textRule struct {
	// max is the greatest number of characters.
	max int
	// multiLine allows line feeds and tabs, and the Unicode line and
	// paragraph separators, which are text rather than control characters.
	// Every other control character is refused everywhere, and every line
	// break in one-line text: a line break in a title or a name would break
	// the one-line places that show it (a calendar's SUMMARY, a page's
	// heading, a table's column).
	multiLine bool
}

var (
	codeText        = textRule{max: MaxCodeLength}
	lineText        = textRule{max: MaxLineLength}
	descriptionText = textRule{max: MaxDescriptionLength, multiLine: true}
	noteText        = textRule{max: MaxNoteLength, multiLine: true}
)

// textRules gives the rule of every text field of the domain types that the
// programme file holds, by type and Go field name. A text field missing here
// fails the tests, so that a field added later gets its rule too.
var textRules = map[string]textRule{
	"Programme.Slug":        codeText,
	"Programme.Title":       lineText,
	"Programme.Organizer":   lineText,
	"Programme.TimeZone":    codeText,
	"Programme.StartsOn":    codeText,
	"Programme.EndsOn":      codeText,
	"Programme.Location":    lineText,
	"Programme.Description": descriptionText,

	"Programme.OrganizerEmail": lineText,

	"Venue.Key":     codeText,
	"Venue.Name":    lineText,
	"Venue.Address": lineText,

	"Room.Key":   codeText,
	"Room.Name":  lineText,
	"Room.Venue": codeText,

	"Reservation.Status": codeText,
	"Reservation.Note":   noteText,

	"Delegation.Key":     codeText,
	"Delegation.Name":    lineText,
	"Delegation.Country": codeText,
	"Delegation.Lead":    codeText,
	"Delegation.Note":    noteText,

	"Person.Key":          codeText,
	"Person.Name":         lineText,
	"Person.Title":        lineText,
	"Person.Organization": lineText,
	"Person.Role":         codeText,
	"Person.Delegation":   codeText,
	"Person.Email":        lineText,
	"Person.Phone":        lineText,
	"Person.Note":         noteText,

	"Session.Key":         codeText,
	"Session.Title":       lineText,
	"Session.Description": descriptionText,
	"Session.Kind":        codeText,
	"Session.TimeZone":    codeText,
	"Session.Room":        codeText,
	"Session.Venue":       codeText,
	"Session.Location":    lineText,
	"Session.Status":      codeText,

	"Slot.Key":      codeText,
	"Slot.Title":    lineText,
	"Slot.Speakers": codeText,
	"Slot.Status":   codeText,
	"Slot.Note":     noteText,

	"Audience.Delegations": codeText,
	"Audience.People":      codeText,

	"Run.Key":      codeText,
	"Run.Kind":     codeText,
	"Run.Title":    lineText,
	"Run.TimeZone": codeText,
	"Run.From":     lineText,
	"Run.To":       lineText,
	"Run.Vehicle":  lineText,
	"Run.Contact":  lineText,
	"Run.Status":   codeText,
	"Run.Note":     noteText,

	"StayingBehind.Person": codeText,
	"StayingBehind.Note":   noteText,

	"Poll.Question": lineText,
	"Poll.Options":  codeText,
	"Poll.Decided":  codeText,

	"Vote.Person": codeText,
	"Vote.Option": codeText,
}

// counts checks the number of items of each kind. In a batch of changes
// (base not nil) the items stored and those of the file count together.
func (v *validator) counts(base *Programme) {
	type list struct {
		path, what string
		max        int
		keys       func(*Programme) []string
	}
	lists := []list{
		{"venues", "venues", MaxVenues, func(p *Programme) []string { return keysOf(p.Venues, func(x Venue) string { return x.Key }) }},
		{"rooms", "rooms", MaxRooms, func(p *Programme) []string { return keysOf(p.Rooms, func(x Room) string { return x.Key }) }},
		{"delegations", "delegations", MaxDelegations, func(p *Programme) []string {
			return keysOf(p.Delegations, func(x Delegation) string { return x.Key })
		}},
		{"people", "people", MaxPeople, func(p *Programme) []string { return keysOf(p.People, func(x Person) string { return x.Key }) }},
		{"sessions", "sessions", MaxSessions, func(p *Programme) []string {
			return keysOf(p.Sessions, func(x Session) string { return x.Key })
		}},
		{"transport", "transport runs", MaxRuns, func(p *Programme) []string { return keysOf(p.Transport, func(x Run) string { return x.Key }) }},
	}
	for _, l := range lists {
		n := len(l.keys(v.p))
		if base != nil {
			all := map[string]bool{}
			for _, q := range []*Programme{base, v.p} {
				for _, k := range l.keys(q) {
					all[k] = true
				}
			}
			if len(all) > l.max {
				v.add(l.path, "the programme would have %d %s with those already stored: at most %d", len(all), l.what, l.max)
				continue
			}
		}
		if n > l.max {
			v.add(l.path, "has %d %s: at most %d", n, l.what, l.max)
		}
	}
	for i, s := range v.p.Sessions {
		if n := len(s.Slots); n > MaxSlots {
			v.add(fmt.Sprintf("sessions[%d].slots", i), "has %d slots: at most %d per session", n, MaxSlots)
		}
	}
	for i, r := range v.p.Rooms {
		if n := len(r.Reservations); n > MaxReservations {
			v.add(fmt.Sprintf("rooms[%d].reservations", i), "has %d reservations: at most %d per room", n, MaxReservations)
		}
	}
}

func keysOf[T any](items []T, key func(T) string) []string {
	keys := make([]string, len(items))
	for i, x := range items {
		keys[i] = key(x)
	}
	return keys
}

// checkText returns what is wrong with s under rule, or "" when nothing is.
func checkText(s string, rule textRule) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8 text"
	}
	if n := utf8.RuneCountInString(s); n > rule.max {
		return fmt.Sprintf("is %d characters long: at most %d", n, rule.max)
	}
	for _, r := range s {
		switch {
		case r == 0:
			return "contains a NUL character (U+0000), which cannot be stored"
		case rule.multiLine && (r == '\n' || r == '\t' || r == '\u2028' || r == '\u2029'):
			continue
		case lineBreaks[r] != "" && rule.multiLine:
			return fmt.Sprintf("contains %s (U+%04X): break lines with a line feed (\\n) only", lineBreaks[r], r)
		case lineBreaks[r] != "":
			return fmt.Sprintf("contains %s (U+%04X): it must be one line", lineBreaks[r], r)
		case r == '\t':
			return "contains a tab (U+0009): it must be one line of text without tabs"
		case unicode.IsControl(r):
			return fmt.Sprintf("contains a control character (U+%04X), which is not allowed in text", r)
		}
	}
	return ""
}

// lineBreaks names every character that breaks a line, for messages.
var lineBreaks = map[rune]string{
	'\n':     "a line feed",
	'\r':     "a carriage return",
	'\v':     "a vertical tab",
	'\f':     "a form feed",
	'\u0085': "a next-line character",
	'\u2028': "a line separator",
	'\u2029': "a paragraph separator",
}
