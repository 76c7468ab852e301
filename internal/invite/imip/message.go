// Package imip builds the messages of package invite (iTIP, RFC 5546, over
// iMIP, RFC 6047): from a person's agenda and what they were last sent, which
// items to request or cancel and how to say so in words (PlanFor), the
// calendar (Calendar) and the letter (Write). It imports nothing of the
// store, so that its fuzz target builds without the SQLite engine (see
// .ci/fuzz); package invite sends what it builds and records it.
package imip

import (
	"bytes"
	"fmt"
	"html/template"
	"sort"
	"strings"
	"time"
	"unicode"

	ics "github.com/arran4/golang-ical"

	"github.com/planner-dev/planner/internal/ical"
	"github.com/planner-dev/planner/internal/programme"
)

// Plan is what one message to a person holds: the items to request (new or
// changed) and to cancel (cancelled, or taken off their agenda), with a line
// in words for each, and the state they leave the person in.
type Plan struct {
	// Welcome is true for the first message to the person's address.
	Welcome  bool
	Requests []Item
	Cancels  []Item
	// Lines say what changed, one per item: "Bus back to the hotel: now 17:15".
	Lines []string
	// Items are the requested and cancelled items as the person will have
	// them, recorded once the message is sent.
	Items []SentItem
}

// SentItem is what a person was last sent of one item, by calendar UID. It
// has the fields of store.SentItem, which records it, and converts to it.
type SentItem struct {
	UID       string
	Recipient string
	Sequence  int
	Cancelled bool
	Title     string
	Location  string
	TimeZone  string
	StartsAt  time.Time
	EndsAt    time.Time
}

// Item is an entry with its calendar UID.
type Item struct {
	UID string
	programme.Entry
}

// Empty reports whether the person has nothing new to be told.
func (pl Plan) Empty() bool { return len(pl.Requests) == 0 && len(pl.Cancels) == 0 }

// PlanFor compares the person's agenda (entries, as their feed has them at
// the time) with what was last sent to recipient (sent, by UID; items sent to
// another address count as never sent) and plans the next message. An item
// the person never received is not cancelled: they never had it.
func PlanFor(p *programme.Programme, entries []programme.Entry, sent map[string]SentItem, recipient string) Plan {
	var pl Plan
	pl.Welcome = true
	for _, s := range sent {
		if s.Recipient == recipient {
			pl.Welcome = false
			break
		}
	}
	seen := map[string]bool{}
	for _, e := range entries {
		uid := programme.UID(p.Slug, e.ID)
		seen[uid] = true
		before, had := sent[uid]
		if had && before.Recipient != recipient {
			had = false
		}
		gone := e.Status == programme.StatusCancelled
		switch {
		case gone && (!had || before.Cancelled):
			continue
		case gone:
			pl.Cancels = append(pl.Cancels, Item{uid, e})
			if e.Removed {
				pl.Lines = append(pl.Lines, "No longer on your agenda: "+e.Title)
			} else {
				pl.Lines = append(pl.Lines, "Cancelled: "+e.Title)
			}
		case !had || before.Cancelled:
			pl.Requests = append(pl.Requests, Item{uid, e})
			what := "New on your agenda: "
			if had {
				what = "Back on your agenda: "
			}
			pl.Lines = append(pl.Lines, what+e.Title+", "+when(p, e))
		default:
			line, changed := changeInWords(p, before, e)
			if !changed && e.Sequence <= before.Sequence {
				continue
			}
			pl.Requests = append(pl.Requests, Item{uid, e})
			pl.Lines = append(pl.Lines, line)
		}
		pl.Items = append(pl.Items, sentItem(p, e, recipient, gone))
	}
	// An item sent once that is no longer in the feed at all (deleted, or
	// its tombstone expired) is cancelled from what was sent.
	var vanished []string
	for uid, s := range sent {
		if !seen[uid] && !s.Cancelled && s.Recipient == recipient {
			vanished = append(vanished, uid)
		}
	}
	sort.Strings(vanished)
	for _, uid := range vanished {
		s := sent[uid]
		e := programme.Entry{Title: s.Title, StartsAt: s.StartsAt, EndsAt: s.EndsAt, TimeZone: s.TimeZone,
			Location: s.Location, Status: programme.StatusCancelled, Sequence: s.Sequence + 1, Removed: true}
		pl.Cancels = append(pl.Cancels, Item{uid, e})
		pl.Lines = append(pl.Lines, "No longer on your agenda: "+s.Title)
		item := sentItem(p, e, recipient, true)
		item.UID = uid
		pl.Items = append(pl.Items, item)
	}
	return pl
}

func sentItem(p *programme.Programme, e programme.Entry, recipient string, cancelled bool) SentItem {
	return SentItem{UID: programme.UID(p.Slug, e.ID), Recipient: recipient, Sequence: e.Sequence,
		Cancelled: cancelled, Title: e.Title, Location: e.Location, TimeZone: p.ZoneOf(e.TimeZone),
		StartsAt: e.StartsAt, EndsAt: e.EndsAt}
}

// changeInWords says how an item changed since it was sent, and whether
// anything a calendar shows of it changed.
func changeInWords(p *programme.Programme, before SentItem, e programme.Entry) (string, bool) {
	loc := p.Loc(e.TimeZone)
	var parts []string
	if !before.StartsAt.Equal(e.StartsAt) || !before.EndsAt.Equal(e.EndsAt) {
		old, now := before.StartsAt.In(loc), e.StartsAt.In(loc)
		if old.Format("2006-01-02") == now.Format("2006-01-02") {
			parts = append(parts, "now "+now.Format("15:04"))
		} else {
			parts = append(parts, "now "+now.Format("Mon 2 Jan, 15:04"))
		}
	}
	if before.Location != e.Location && e.Location != "" {
		parts = append(parts, "now at "+e.Location)
	}
	title := e.Title
	if before.Title != e.Title {
		title = before.Title
		parts = append(parts, "now called "+e.Title)
	}
	if len(parts) == 0 {
		switch e.Status {
		case programme.StatusTentative:
			return title + ": to be confirmed", true
		case programme.StatusConfirmed:
			return title + ": updated", false
		}
	}
	if len(parts) == 0 {
		return title + ": updated", false
	}
	return title + ": " + strings.Join(parts, ", "), true
}

// when writes an item's local start: "Mon 5 Dec, 09:00".
func when(p *programme.Programme, e programme.Entry) string {
	return e.StartsAt.In(p.Loc(e.TimeZone)).Format("Mon 2 Jan, 15:04")
}

// Calendar writes one iTIP calendar object of method (REQUEST or CANCEL)
// with an event per item, for the person as ATTENDEE and organizer as
// ORGANIZER. Times are in UTC, which every client shows in its own zone, so
// that the message needs no VTIMEZONE; UIDs and SEQUENCEs are the feed's.
// DTSTAMP is when the message was made, as RFC 5546 wants.
func Calendar(method ics.Method, p *programme.Programme, person *programme.Person, organizer string,
	items []Item, stamp time.Time) ([]byte, error) {
	cal := ics.NewCalendarFor("planner")
	cal.CalendarProperties = nil
	cal.SetProductId(ical.ProductID)
	cal.SetVersion("2.0")
	cal.SetCalscale("GREGORIAN")
	cal.SetMethod(method)
	for _, e := range items {
		ev := cal.AddEvent(e.UID)
		ev.SetProperty(ics.ComponentPropertyDtstamp, stamp.UTC().Format("20060102T150405Z"))
		ev.SetProperty(ics.ComponentPropertyDtStart, e.StartsAt.UTC().Format("20060102T150405Z"))
		ev.SetProperty(ics.ComponentPropertyDtEnd, e.EndsAt.UTC().Format("20060102T150405Z"))
		ev.SetSequence(max(e.Sequence, 0))
		status := "CONFIRMED"
		switch {
		case method == ics.MethodCancel:
			status = "CANCELLED"
		case e.Status == programme.StatusTentative:
			status = "TENTATIVE"
		}
		ev.SetProperty(ics.ComponentPropertyStatus, status)
		ev.SetProperty(ics.ComponentPropertySummary, ical.Text(e.Title))
		if l := ical.Text(e.Location); l != "" {
			ev.SetProperty(ics.ComponentPropertyLocation, l)
		}
		if d := ical.Text(e.Description); d != "" && method == ics.MethodRequest {
			ev.SetProperty(ics.ComponentPropertyDescription, d)
		}
		// golang-ical writes a CN with a backslash before ; : and , and
		// no quotes, which RFC 5545 does not read as one value (a name
		// "Org;ROLE=CHAIR" became a parameter of its own): the names go
		// into the property's name already quoted by ical.ParamValue, as
		// the feeds' venue names do (internal/ical/geo.go).
		ev.Properties = append(ev.Properties,
			ics.IANAProperty{BaseProperty: ics.BaseProperty{
				IANAToken: string(ics.ComponentPropertyOrganizer) + ";CN=" + commonName(p.Organizer, p.Title),
				Value:     "mailto:" + organizer,
			}},
			ics.IANAProperty{BaseProperty: ics.BaseProperty{
				IANAToken: string(ics.ComponentPropertyAttendee) + ";CN=" + commonName(person.Name, person.Key),
				ICalParameters: map[string][]string{
					string(ics.ParameterRole):                {string(ics.ParticipationRoleReqParticipant)},
					string(ics.ParameterParticipationStatus): {string(ics.ParticipationStatusNeedsAction)},
					// RFC 5545 spells the value TRUE; the library's WithRSVP writes "true".
					string(ics.ParameterRsvp): {"TRUE"},
				},
				Value: "mailto:" + person.Email,
			}})
	}
	var buf bytes.Buffer
	if err := cal.SerializeTo(&buf, ics.WithNewLineWindows); err != nil {
		return nil, fmt.Errorf("invite: serialize: %w", err)
	}
	return buf.Bytes(), nil
}

// commonName is name as a quoted CN parameter value (ical.ParamValue), or
// fallback's when nothing of name is left.
func commonName(name, fallback string) string {
	if q := ical.ParamValue(name); q != `""` {
		return q
	}
	return ical.ParamValue(fallback)
}

// Param cleans a name for a quoted parameter value, which may hold neither
// a double quote nor a control character; fallback when nothing is left.
func Param(name, fallback string) string {
	clean := strings.Map(func(r rune) rune {
		if r == '"' || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	if clean == "" {
		return fallback
	}
	return clean
}

// Letter is the words of one message.
type Letter struct {
	Subject string
	Text    string
	HTML    string
}

var letterHTML = template.Must(template.New("letter").Parse(`<!DOCTYPE html>
<html><body>
{{if .Welcome}}<p>Hello {{.Name}},</p>
<p>This is your agenda for {{.Programme}}: each item comes as a calendar invitation.
Accept this first invitation once, and later changes will reach your calendar on their own.
(Gmail holds invitations from senders it does not know until you answer one.)</p>
{{if .PageURL}}<p>Your agenda page: <a href="{{.PageURL}}">{{.PageURL}}</a></p>{{end}}
{{else}}<p>Changes to your agenda for {{.Programme}}:</p>{{end}}
<ul>{{range .Lines}}<li>{{.}}</li>{{end}}</ul>
</body></html>
`))

// Write puts plan into words for person.
func Write(p *programme.Programme, person *programme.Person, pl Plan, pageURL string) (Letter, error) {
	var l Letter
	var text strings.Builder
	name := Param(person.Name, "")
	if pl.Welcome {
		l.Subject = "Your agenda for " + p.Title
		fmt.Fprintf(&text, "Hello %s,\n\nThis is your agenda for %s: each item comes as a calendar invitation.\n", name, p.Title)
		text.WriteString("Accept this first invitation once, and later changes will reach your calendar on their own.\n")
		text.WriteString("(Gmail holds invitations from senders it does not know until you answer one.)\n\n")
		if pageURL != "" {
			fmt.Fprintf(&text, "Your agenda page: %s\n\n", pageURL)
		}
	} else {
		if len(pl.Lines) == 1 {
			l.Subject = p.Title + ": " + pl.Lines[0]
		} else {
			l.Subject = fmt.Sprintf("%s: %d changes to your agenda", p.Title, len(pl.Lines))
		}
		fmt.Fprintf(&text, "Changes to your agenda for %s:\n\n", p.Title)
	}
	for _, line := range pl.Lines {
		text.WriteString("- " + line + "\n")
	}
	l.Text = text.String()
	var html bytes.Buffer
	err := letterHTML.Execute(&html, map[string]any{
		"Welcome": pl.Welcome, "Name": name, "Programme": p.Title, "PageURL": pageURL, "Lines": pl.Lines,
	})
	if err != nil {
		return Letter{}, fmt.Errorf("invite: %w", err)
	}
	l.HTML = html.String()
	return l, nil
}
