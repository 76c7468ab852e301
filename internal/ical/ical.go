// Package ical writes calendar feeds (RFC 5545, with the RFC 7986 additions)
// from agenda entries, on top of github.com/arran4/golang-ical.
//
// The library is used for layout only: line folding and TEXT escaping. Every
// string is cleaned here before it reaches the library, since the library lets
// a carriage return, a Unicode line separator or a line break in a parameter
// start a new property; date-times are written as local digits with a TZID,
// never in the library's UTC-plus-TZID form; and each zone's VTIMEZONE is
// generated here from Go's own zone data, which the library cannot do.
package ical

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/planner-dev/planner/internal/programme"
)

// ProductID is the PRODID of every feed.
const ProductID = "-//planner//planner//EN"

// DefaultRefresh is how often clients are asked to poll when Feed.Refresh is zero.
const DefaultRefresh = time.Hour

// Feed is one calendar feed: whose agenda it is and its entries.
type Feed struct {
	// Name is NAME and X-WR-CALNAME, e.g. "Omar Ansari — CLDP-supported delegations at IGF 2016".
	Name string
	// Description is the calendar's DESCRIPTION and X-WR-CALDESC, optional.
	Description string
	// Programme gives the slug for UIDs and the zone for X-WR-TIMEZONE.
	Programme *programme.Programme
	// Entries are the events, in the order they are written.
	Entries []programme.Entry
	// PublicPageURL is the programme's public page, such as
	// https://planner.example.org/p/igf2016-cldp: each event's URL is that
	// page at the item's anchor (Entry.Anchor). Empty when the programme's
	// page is not public: events then carry no URL. Never the agenda page
	// behind a feed token, which is as secret as the feed: a forwarded event
	// must not hand over the whole calendar.
	PublicPageURL string
	// Refresh is REFRESH-INTERVAL and X-PUBLISHED-TTL; DefaultRefresh when zero.
	Refresh time.Duration
}

// Layouts of iCalendar date-times.
const (
	utcLayout   = "20060102T150405Z"
	localLayout = "20060102T150405"
)

// Encode writes f as an RFC 5545 / RFC 7986 calendar. The bytes are a pure function of f
// (DTSTAMP = entry ModifiedAt, never "now"), so the same state always gives the same bytes.
//
// Nothing is written unless the whole calendar could be built, so that a
// client never receives half a feed.
func Encode(w io.Writer, f Feed) error {
	cal, err := build(f)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := cal.SerializeTo(&buf, ics.WithNewLineWindows); err != nil {
		return fmt.Errorf("ical: serialize: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

func build(f Feed) (*ics.Calendar, error) {
	p := f.Programme
	if p == nil {
		return nil, fmt.Errorf("ical: feed %q has no programme", f.Name)
	}
	refresh := f.Refresh
	if refresh <= 0 {
		refresh = DefaultRefresh
	}
	pageURL, err := cleanURL(f.PublicPageURL)
	if err != nil {
		return nil, err
	}

	cal := &ics.Calendar{}
	add := func(name, value string, params map[string][]string) {
		cal.CalendarProperties = append(cal.CalendarProperties, ics.CalendarProperty{BaseProperty: ics.BaseProperty{
			IANAToken: name, Value: value, ICalParameters: params,
		}})
	}
	add("PRODID", ProductID, nil)
	add("VERSION", "2.0", nil)
	add("CALSCALE", "GREGORIAN", nil)
	// No METHOD: a subscribed calendar is a published file, not an iTIP
	// message (RFC 5546), and METHOD:PUBLISH would want an ORGANIZER on every
	// event, which libical checks. The media type carries no method= either,
	// as RFC 5545 section 8.1 wants the two to agree.
	if name := Text(f.Name); name != "" {
		add("NAME", name, nil)
		add("X-WR-CALNAME", name, nil)
	}
	if desc := Text(f.Description); desc != "" {
		add("DESCRIPTION", desc, nil)
		add("X-WR-CALDESC", desc, nil)
	}
	if p.TimeZone != "" {
		if _, err := zoneParam(p.TimeZone); err != nil {
			return nil, err
		}
		add("X-WR-TIMEZONE", p.TimeZone, nil)
	}
	// RFC 7986 makes REFRESH-INTERVAL a minimum; Outlook reads only X-PUBLISHED-TTL.
	add("REFRESH-INTERVAL", duration(refresh), map[string][]string{"VALUE": {"DURATION"}})
	add("X-PUBLISHED-TTL", duration(refresh), nil)

	// Clients need each zone's rules before the events that use it.
	zones, err := timezones(p, f.Entries)
	if err != nil {
		return nil, err
	}
	for _, tz := range zones {
		cal.AddVTimezone(tz)
	}
	for _, e := range f.Entries {
		ev, err := event(p, e, pageURL)
		if err != nil {
			return nil, err
		}
		cal.AddVEvent(ev)
	}
	return cal, nil
}

// event builds the VEVENT of one entry.
func event(p *programme.Programme, e programme.Entry, pageURL string) (*ics.VEvent, error) {
	zone := p.ZoneOf(e.TimeZone)
	loc, err := zoneParam(zone)
	if err != nil {
		return nil, fmt.Errorf("ical: entry %s: %w", e.ID, err)
	}
	ev := ics.NewEvent(programme.UID(p.Slug, e.ID))
	ev.SetProperty(ics.ComponentPropertyDtstamp, stamp(p, e).UTC().Format(utcLayout))
	// Local digits with a TZID: the library's SetStartAt with WithTZID writes
	// UTC digits with a Z beside the TZID, which RFC 5545 forbids and parsers
	// read an offset apart.
	ev.SetProperty(ics.ComponentPropertyDtStart, e.StartsAt.In(loc).Format(localLayout), ics.WithTZID(zone))
	ev.SetProperty(ics.ComponentPropertyDtEnd, e.EndsAt.In(loc).Format(localLayout), ics.WithTZID(zone))
	if !e.ModifiedAt.IsZero() {
		ev.SetProperty(ics.ComponentPropertyLastModified, e.ModifiedAt.UTC().Format(utcLayout))
	}
	ev.SetProperty(ics.ComponentPropertySequence, strconv.Itoa(max(e.Sequence, 0)))
	ev.SetProperty(ics.ComponentPropertyStatus, status(e.Status))
	// The summary and description say what happened to the item in words
	// (Entry.Notice), for clients that show a CANCELLED event as any other.
	ev.SetProperty(ics.ComponentPropertySummary, Text(e.Summary()))
	if loc := Text(e.Location); loc != "" {
		ev.SetProperty(ics.ComponentPropertyLocation, loc)
	}
	if e.OnMap {
		if err := setMap(ev, e); err != nil {
			return nil, fmt.Errorf("ical: entry %s: %w", e.ID, err)
		}
	}
	if desc := Text(e.Text()); desc != "" {
		ev.SetProperty(ics.ComponentPropertyDescription, desc)
	}
	if pageURL != "" {
		// The anchor is made of keys, which the file format keeps to
		// letters, digits, '-' and '_'; it is escaped all the same.
		ev.SetProperty(ics.ComponentPropertyUrl, pageURL+"#"+url.PathEscape(e.Anchor()))
	}
	if cat := Text(category(e)); cat != "" {
		ev.SetProperty(ics.ComponentPropertyCategories, cat)
	}
	// A cancelled event keeps no time busy in free/busy lookups.
	transp := "OPAQUE"
	if status(e.Status) == "CANCELLED" {
		transp = "TRANSPARENT"
	}
	ev.SetProperty(ics.ComponentPropertyTransp, transp)
	return ev, nil
}

// stamp is the DTSTAMP of an entry: its last change, so that the bytes depend
// on the stored state only. An entry with no recorded change falls back to
// the programme's last change, then to the Unix epoch, never to the clock.
func stamp(p *programme.Programme, e programme.Entry) time.Time {
	switch {
	case !e.ModifiedAt.IsZero():
		return e.ModifiedAt
	case !p.UpdatedAt.IsZero():
		return p.UpdatedAt
	}
	return time.Unix(0, 0)
}

func status(s string) string {
	switch s {
	case programme.StatusTentative:
		return "TENTATIVE"
	case programme.StatusCancelled:
		return "CANCELLED"
	}
	return "CONFIRMED"
}

// category is the kind of the item in words: the session's kind for
// sessions and speaker slots, the run's kind for runs.
func category(e programme.Entry) string { return kindInWords(e.Category) }

// kindInWords writes a kind of the programme format as a delegate reads it:
// "main_session" becomes "Main session", "bus" becomes "Bus". Every kind the
// format knows is a lower-case identifier with underscores between words.
func kindInWords(kind string) string {
	words := strings.ReplaceAll(strings.TrimSpace(kind), "_", " ")
	if words == "" {
		return ""
	}
	r, size := utf8.DecodeRuneInString(words)
	return string(unicode.ToUpper(r)) + words[size:]
}

// duration writes d as an RFC 5545 DURATION in whole seconds, such as PT1H or PT1H30M.
func duration(d time.Duration) string {
	secs := int64((d + time.Second - 1) / time.Second)
	var b strings.Builder
	b.WriteString("P")
	if days := secs / 86400; days > 0 && secs%86400 == 0 {
		fmt.Fprintf(&b, "%dD", days)
		return b.String()
	}
	b.WriteString("T")
	if h := secs / 3600; h > 0 {
		fmt.Fprintf(&b, "%dH", h)
	}
	if m := secs % 3600 / 60; m > 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if s := secs % 60; s > 0 {
		fmt.Fprintf(&b, "%dS", s)
	}
	return b.String()
}

// zoneName is what may go into a TZID parameter: an IANA name. The library
// does not escape parameters properly, so anything else is refused rather
// than written.
var zoneName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$`)

// zoneParam loads an IANA zone for use in a TZID parameter.
func zoneParam(name string) (*time.Location, error) {
	if !zoneName.MatchString(name) {
		return nil, fmt.Errorf("ical: %q is not an IANA time zone name", name)
	}
	loc, err := programme.LoadZone(name)
	if err != nil {
		return nil, fmt.Errorf("ical: %w", err)
	}
	return loc, nil
}

// cleanURL checks the page URL: an absolute http or https URL, written in its
// canonical, escaped form so that no control character or space reaches the
// library, which writes URI values as they are.
func cleanURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	for _, r := range raw {
		if unicode.IsControl(r) || isLineBreak(r) {
			return "", fmt.Errorf("ical: page URL contains a control character")
		}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("ical: page URL %q is not an absolute http(s) URL", raw)
	}
	s := u.String()
	for _, r := range s {
		if r <= ' ' || r >= utf8.RuneSelf {
			return "", fmt.Errorf("ical: page URL %q does not escape to plain ASCII", raw)
		}
	}
	return s, nil
}

// Text cleans a string for a TEXT property value before the library escapes
// it: invalid UTF-8 is replaced; every kind of line break (CRLF, CR, LF,
// U+0085, U+2028, U+2029, vertical tab, form feed) becomes one LF, which the
// library writes as the escaped \n; a tab becomes a space; and every other
// control character is dropped. Clients such as vdirsyncer treat a bare CR or
// U+2028 as the end of a line, so without this a title could start a new
// property or component.
func Text(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				i++
			}
			b.WriteByte('\n')
		case isLineBreak(r):
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r):
			// Dropped: NUL, escape, DEL and the C1 controls have no place in a calendar.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isLineBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// observance is one STANDARD or DAYLIGHT part of a VTIMEZONE: from Start on,
// local time is UTC plus OffsetTo; before, it was UTC plus OffsetFrom.
type observance struct {
	Daylight   bool
	Start      time.Time // the UTC instant of the transition; zero for "since ever"
	OffsetFrom int       // seconds east of UTC before Start
	OffsetTo   int       // seconds east of UTC from Start on
	Name       string    // abbreviation, such as CST
}

// offsetString writes seconds east of UTC as an RFC 5545 UTC-OFFSET: +0530, -0600, +003430.
func offsetString(secs int) string {
	sign := "+"
	if secs < 0 {
		sign, secs = "-", -secs
	}
	s := fmt.Sprintf("%s%02d%02d", sign, secs/3600, secs%3600/60)
	if secs%60 != 0 {
		s += fmt.Sprintf("%02d", secs%60)
	}
	return s
}
