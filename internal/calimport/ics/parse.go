// Package ics reads a published calendar (an .ics file from pretalx, frab,
// Sched, Indico or Google Calendar) into candidate sessions for package
// calimport: Parse takes the events that fit a session and refuses each
// other one with a reason. It imports nothing of the store, so that its fuzz
// target builds without the SQLite engine (see .ci/fuzz).
//
// Parse reads with emersion/go-ical, which is lenient about line ends and
// folding, and expands recurring events with teambition/rrule-go. Times are
// resolved by this package rather than go-ical, so that every zone comes
// from the IANA data built into the binary (programme.LoadZone):
//
//   - A TZID that names an IANA zone, or ends in one
//     ("/freeassociation.sourceforge.net/Europe/Berlin"), or is a Windows
//     zone name ("W. Europe Standard Time"), is read as that IANA zone. The
//     file's VTIMEZONE for it is not used: the IANA data wins, since feeds
//     write the zone from that data again, and exporters ship partial or
//     stale definitions (frab's Europe/Berlin has no DAYLIGHT part at all).
//     A VTIMEZONE is read only for its X-LIC-LOCATION, when its TZID is
//     nothing else we know.
//   - UTC times (Sched, Google) are exact instants; the session takes the
//     calendar's X-WR-TIMEZONE when that is an IANA zone other than UTC,
//     else the programme's zone.
//   - Floating times (no TZID, no Z) are read in the programme's zone, with a
//     warning, since the file does not say where they happen.
//   - All-day events (VALUE=DATE) are refused: a session has a start and an
//     end time, and an all-day event made into a 24-hour session would fill
//     every delegate's day and conflict with everything else in it.
package ics

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"

	"github.com/planner-dev/planner/internal/programme"
)

// Limits of a calendar file.
const (
	// MaxBytes is the largest calendar Parse reads, as for a programme file:
	// the largest real export seen (Sched, 596 events) is 0.75 MB.
	MaxBytes = 8 << 20
	// MaxInstances bounds the occurrences of one recurring event that fall
	// within the programme's dates.
	MaxInstances = 200
	// maxSteps bounds the occurrences examined for one recurring event,
	// before and within the programme, so that a rule whose occurrences lie
	// years before the programme cannot make Parse loop for long.
	maxSteps = 20000
)

// Options says which programme the calendar is read for.
type Options struct {
	// TimeZone is the programme's IANA zone: floating times are read in it.
	TimeZone string
	// StartsOn and EndsOn are the programme's first and last days
	// (YYYY-MM-DD): events outside them are refused, and recurring events
	// are expanded within them only.
	StartsOn, EndsOn string
	// MaxBytes overrides MaxBytes when positive (for tests).
	MaxBytes int
}

// Calendar is what Parse found in a calendar file.
type Calendar struct {
	Name   string // X-WR-CALNAME, if any
	ProdID string // the tool that wrote it
	// Total is how many VEVENTs the file has, recurring ones counted once.
	Total int
	// Events are the accepted events, one per occurrence of a recurring
	// event, in the file's order.
	Events []Event
	// Refused maps the UID of each event refused as a whole to the reason,
	// so that Plan leaves a session alone whose event is still in the file
	// but cannot be read, rather than cancelling it.
	Refused map[string]string
}

// Event is one candidate session.
type Event struct {
	// UID identifies the event across versions of the calendar; for an
	// occurrence of a recurring event it is "UID/RECURRENCE-ID", the
	// original start in UTC (20250318T140000Z).
	UID         string
	Line        int // the line of its BEGIN:VEVENT
	Title       string
	Description string
	Location    string
	URL         string
	Status      string // a programme status: confirmed, tentative or cancelled
	// StartsAt and EndsAt are instants in UTC.
	StartsAt, EndsAt time.Time
	// TimeZone is the IANA zone the session is shown in, and ZoneReason why
	// that one.
	TimeZone   string
	ZoneReason string
	// Sequence is the event's SEQUENCE and Stamp its LAST-MODIFIED, else
	// its DTSTAMP; neither is trusted as a change signal (Sched keeps
	// SEQUENCE at 0, frab's DTSTAMP moves on events that did not change),
	// only recorded.
	Sequence int
	Stamp    time.Time
}

// SessionDescription is the description a session made from the event gets:
// the event's, followed by its URL when the description does not have it.
func (e *Event) SessionDescription() string {
	d := e.Description
	if e.URL != "" && !strings.Contains(d, e.URL) {
		if d != "" {
			d += "\n\n"
		}
		d += e.URL
	}
	return d
}

// Problem is an event Parse refused, or a warning about one it accepted.
type Problem struct {
	Line    int    // the line of the event's BEGIN:VEVENT, 0 when unknown
	UID     string // the event's UID, when it has one
	Refused bool   // false for a warning: the event was accepted
	Reason  string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.UID != "" {
		fmt.Fprintf(&b, "event %s: ", p.UID)
	}
	if p.Refused {
		b.WriteString("refused: ")
	} else {
		b.WriteString("warning: ")
	}
	b.WriteString(p.Reason)
	return b.String()
}

// Parse reads a calendar file for a programme. A file that is too large,
// not UTF-8 or not an iCalendar object is an EINVALID error that says where;
// otherwise every event is either in the Calendar or refused in the
// problems with its line, UID and reason.
func Parse(r io.Reader, opt Options) (Calendar, []Problem, error) {
	limit := opt.MaxBytes
	if limit <= 0 {
		limit = MaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return Calendar{}, nil, programme.Errorf(programme.EINVALID, "cannot read the calendar: %v", err)
	}
	if len(data) > limit {
		return Calendar{}, nil, programme.Errorf(programme.EINVALID, "the calendar is larger than %d bytes", limit)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		line, col := invalidUTF8At(data)
		return Calendar{}, nil, programme.Errorf(programme.EINVALID,
			"the calendar is not UTF-8: line %d, column %d has a byte that is not UTF-8", line, col)
	}
	loc, err := programme.LoadZone(opt.TimeZone)
	if err != nil {
		return Calendar{}, nil, programme.Errorf(programme.EINVALID, "the programme's time zone: %v", err)
	}
	first, err1 := programme.ParseDate(opt.StartsOn)
	last, err2 := programme.ParseDate(opt.EndsOn)
	if err1 != nil || err2 != nil || last.Before(first) {
		return Calendar{}, nil, programme.Errorf(programme.EINVALID, "the programme's dates %q to %q are not a range of days", opt.StartsOn, opt.EndsOn)
	}
	cal, err := decode(data)
	if err != nil {
		return Calendar{}, nil, programme.Errorf(programme.EINVALID, "the file is not an iCalendar (.ics) calendar: %v", err)
	}
	p := &parser{
		opt:   opt,
		loc:   loc,
		from:  time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, loc),
		until: time.Date(last.Year(), last.Month(), last.Day()+1, 0, 0, 0, 0, loc),
		lines: eventLines(data),
		zones: map[string]string{},
	}
	return p.calendar(cal)
}

// decode runs go-ical's decoder, which panics on some malformed content
// lines (a parameter with no value at the end of a line, "X;Y="): a panic
// there is a file it cannot read, not a crash.
func decode(data []byte) (cal *ical.Calendar, err error) {
	defer func() {
		if r := recover(); r != nil {
			cal, err = nil, fmt.Errorf("a content line is malformed (%v)", r)
		}
	}()
	dec := ical.NewDecoder(bytes.NewReader(data))
	if cal, err = dec.Decode(); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("it is empty, or ends before its END:VCALENDAR")
		}
		return nil, err
	}
	// One file is one calendar: a second one after it, or one inside it,
	// would otherwise be dropped without a word.
	for _, c := range cal.Children {
		if c.Name == ical.CompCalendar {
			return nil, fmt.Errorf("it has a calendar inside the calendar")
		}
	}
	if _, err := dec.Decode(); err != io.EOF {
		return nil, fmt.Errorf("it goes on after its END:VCALENDAR (a file holds one calendar)")
	}
	return cal, nil
}

// invalidUTF8At returns the line and column (in bytes, from 1) of the first
// byte that is not UTF-8.
func invalidUTF8At(data []byte) (line, col int) {
	line, start := 1, 0
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return line, i - start + 1
		}
		if data[i] == '\n' {
			line, start = line+1, i+1
		}
		i += n
	}
	return line, len(data) - start + 1
}

// eventLines lists the line of every BEGIN:VEVENT, in order: go-ical keeps
// no positions, and its VEVENTs come in the same order.
func eventLines(data []byte) []int {
	var out []int
	for i, l := range bytes.Split(data, []byte("\n")) {
		if strings.EqualFold(strings.TrimSpace(string(l)), "BEGIN:VEVENT") {
			out = append(out, i+1)
		}
	}
	return out
}

type parser struct {
	opt         Options
	loc         *time.Location
	from, until time.Time // the programme's dates as instants, until exclusive
	lines       []int
	// zones maps each VTIMEZONE's TZID to its X-LIC-LOCATION.
	zones map[string]string
	// wrZone is X-WR-TIMEZONE when it is an IANA zone other than UTC.
	wrZone   string
	problems []Problem
}

// refusal is a reason to refuse an event.
type refusal struct{ reason string }

func (r *refusal) Error() string { return r.reason }

func refuse(format string, args ...any) error {
	return &refusal{fmt.Sprintf(format, args...)}
}

func (p *parser) refused(line int, uid, reason string) {
	p.problems = append(p.problems, Problem{Line: line, UID: uid, Refused: true, Reason: reason})
}

func (p *parser) warn(line int, uid, format string, args ...any) {
	p.problems = append(p.problems, Problem{Line: line, UID: uid, Reason: fmt.Sprintf(format, args...)})
}

// master is a VEVENT without RECURRENCE-ID, with the occurrences that
// override some of its instances.
type master struct {
	comp      *ical.Component
	line      int
	uid       string
	overrides map[string]override // by RECURRENCE-ID in UTC
	order     []string            // override keys in file order
}

type override struct {
	comp *ical.Component
	line int
}

func (p *parser) calendar(ic *ical.Calendar) (Calendar, []Problem, error) {
	out := Calendar{Refused: map[string]string{}}
	out.Name = propText(ic.Props, "X-WR-CALNAME")
	out.ProdID = propText(ic.Props, ical.PropProductID)
	for _, c := range ic.Children {
		if c.Name == ical.CompTimezone {
			id := tzidOf(c)
			if l := strings.TrimSpace(propText(c.Props, "X-LIC-LOCATION")); id != "" && l != "" {
				p.zones[id] = l
			}
		}
	}
	if wr := propText(ic.Props, "X-WR-TIMEZONE"); wr != "" {
		if name, _, ok := p.ianaZone(strings.TrimSpace(wr)); ok && name != "UTC" && name != "Etc/UTC" {
			p.wrZone = name
		}
	}

	var masters []*master
	byUID := map[string]*master{}
	type orphan struct {
		uid string
		override
	}
	var overrides []orphan
	n := 0
	for _, c := range ic.Children {
		if c.Name != ical.CompEvent {
			continue
		}
		line := 0
		if n < len(p.lines) {
			line = p.lines[n]
		}
		n++
		uid := strings.TrimSpace(textOf(c, ical.PropUID))
		if uid == "" {
			p.refused(line, "", "it has no UID, so a later version of the calendar could not be matched to it")
			continue
		}
		if c.Props.Get(ical.PropRecurrenceID) != nil {
			overrides = append(overrides, orphan{uid, override{c, line}})
			continue
		}
		if prev, dup := byUID[uid]; dup {
			// A published file should have one event per UID; when it has
			// two, the later revision wins, as a calendar client would.
			if newer(c, prev.comp) {
				p.refused(prev.line, uid, fmt.Sprintf("the UID appears again at line %d, which has a later SEQUENCE, LAST-MODIFIED or DTSTAMP and is used instead", line))
				prev.comp, prev.line = c, line
			} else {
				p.refused(line, uid, fmt.Sprintf("the UID appears already at line %d, which is used instead", prev.line))
			}
			continue
		}
		m := &master{comp: c, line: line, uid: uid, overrides: map[string]override{}}
		masters = append(masters, m)
		byUID[uid] = m
	}
	out.Total = n

	var loose []orphan
	for _, o := range overrides {
		m := byUID[o.uid]
		if m == nil {
			loose = append(loose, o)
			continue
		}
		rid, err := p.recurrenceID(o.comp)
		if err != nil {
			p.refused(o.line, o.uid, err.Error())
			continue
		}
		if _, dup := m.overrides[rid]; dup {
			p.refused(o.line, o.uid+"/"+rid, "a second event overrides the same occurrence; the first is used")
			continue
		}
		m.overrides[rid] = o.override
		m.order = append(m.order, rid)
	}

	for _, m := range masters {
		evs, err := p.safeMaster(m)
		if err != nil {
			p.refused(m.line, m.uid, err.Error())
			out.Refused[m.uid] = err.Error()
			continue
		}
		out.Events = append(out.Events, evs...)
	}
	// An occurrence whose recurring event the file does not have (a
	// calendar that published one changed instance) stands alone.
	for _, o := range loose {
		rid, err := p.recurrenceID(o.comp)
		uid := o.uid + "/" + rid
		if err != nil {
			p.refused(o.line, o.uid, err.Error())
			continue
		}
		ev, err := p.event(o.comp, o.line, uid, 0)
		if err == nil {
			err = p.within(ev)
		}
		if err != nil {
			p.refused(o.line, uid, err.Error())
			out.Refused[uid] = err.Error()
			continue
		}
		out.Events = append(out.Events, ev)
	}
	slices.SortStableFunc(p.problems, func(a, b Problem) int { return a.Line - b.Line })
	return out, p.problems, nil
}

// newer reports whether event a is a later revision than b.
func newer(a, b *ical.Component) bool {
	sa, sb := sequenceOf(a), sequenceOf(b)
	if sa != sb {
		return sa > sb
	}
	return stampOf(a).After(stampOf(b))
}

func sequenceOf(c *ical.Component) int {
	if prop := c.Props.Get(ical.PropSequence); prop != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(prop.Value)); err == nil && n >= 0 {
			return n
		}
	}
	return 0
}

func stampOf(c *ical.Component) time.Time {
	for _, name := range []string{ical.PropLastModified, ical.PropDateTimeStamp} {
		if prop := c.Props.Get(name); prop != nil {
			if t, err := time.Parse("20060102T150405Z", strings.TrimSpace(prop.Value)); err == nil {
				return t
			}
		}
	}
	return time.Time{}
}

// textOf is an event's TEXT property, unescaped, with HTML character
// references decoded: Sched leaks them into plain text ("&nbsp\;"), and
// delegates should see the character, not the reference.
func textOf(c *ical.Component, name string) string {
	return html.UnescapeString(propText(c.Props, name))
}

// propText is a TEXT property's value, unescaped. go-ical's Prop.Text keeps
// only the part before the first unescaped comma and fails on an unknown
// escape; exporters write both (Sched's commas, "\:" in hand-made files),
// so this reading is lenient: an unknown escape gives the character after
// the backslash, and a comma is a comma.
func propText(props ical.Props, name string) string {
	prop := props.Get(name)
	if prop == nil {
		return ""
	}
	v := prop.Value
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' || i == len(v)-1 {
			b.WriteByte(v[i])
			continue
		}
		i++
		switch v[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

func tzidOf(c *ical.Component) string {
	prop := c.Props.Get(ical.PropTimezoneID)
	if prop == nil {
		return ""
	}
	return strings.TrimSpace(prop.Value)
}

// recurrenceID is the RECURRENCE-ID of an overriding occurrence, as the
// instant in UTC that names the occurrence in its UID.
func (p *parser) recurrenceID(c *ical.Component) (string, error) {
	w, err := p.when(c.Props.Get(ical.PropRecurrenceID), "RECURRENCE-ID")
	if err != nil {
		return "", err
	}
	return instanceID(w.t), nil
}

func instanceID(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// master turns a VEVENT into its session, or, when it recurs, into one
// session per occurrence within the programme's dates.
func (p *parser) master(m *master) ([]Event, error) {
	c := m.comp
	rule := c.Props.Get(ical.PropRecurrenceRule)
	rdates := c.Props.Values(ical.PropRecurrenceDates)
	if rule == nil && len(rdates) == 0 {
		ev, err := p.event(c, m.line, m.uid, 0)
		if err != nil {
			return nil, err
		}
		if err := p.within(ev); err != nil {
			return nil, err
		}
		for _, rid := range m.order {
			o := m.overrides[rid]
			p.refused(o.line, m.uid+"/"+rid, "it overrides an occurrence of an event that does not recur")
		}
		return []Event{ev}, nil
	}
	first, err := p.event(c, m.line, m.uid, 0)
	if err != nil {
		return nil, err
	}
	starts, err := p.occurrences(c, first)
	if err != nil {
		return nil, err
	}
	length := first.EndsAt.Sub(first.StartsAt)
	var out []Event
	seen := map[string]bool{}
	for _, start := range starts {
		rid := instanceID(start)
		seen[rid] = true
		uid := m.uid + "/" + rid
		if o, ok := m.overrides[rid]; ok {
			ev, err := p.event(o.comp, o.line, uid, length)
			if err == nil {
				err = p.within(ev)
			}
			if err != nil {
				p.refused(o.line, uid, err.Error())
				continue
			}
			out = append(out, ev)
			continue
		}
		ev := first
		ev.UID = uid
		ev.StartsAt, ev.EndsAt = start.UTC(), start.Add(length).UTC()
		out = append(out, ev)
	}
	// An override of an occurrence the rule does not give within the
	// programme (moved into it from outside, or of a date the rule lacks)
	// still counts if it falls within the programme.
	for _, rid := range m.order {
		if seen[rid] {
			continue
		}
		o := m.overrides[rid]
		uid := m.uid + "/" + rid
		ev, err := p.event(o.comp, o.line, uid, length)
		if err == nil {
			err = p.within(ev)
		}
		if err != nil {
			p.refused(o.line, uid, err.Error())
			continue
		}
		out = append(out, ev)
	}
	return out, nil
}

// safeMaster is master with a panic of the recurrence library, on a rule
// it cannot handle, made a refusal of that event alone.
func (p *parser) safeMaster(m *master) (evs []Event, err error) {
	defer func() {
		if r := recover(); r != nil {
			evs, err = nil, refuse("its recurrence cannot be expanded (%v)", r)
		}
	}()
	return p.master(m)
}

// occurrences expands a recurring event's RRULE, RDATEs and EXDATEs into
// the starts of its occurrences that overlap the programme's dates.
func (p *parser) occurrences(c *ical.Component, first Event) ([]time.Time, error) {
	// Occurrences keep the wall-clock time of DTSTART in its own zone
	// across daylight-saving changes (RFC 5545, 3.3.10).
	zone, _ := programme.LoadZone(first.TimeZone)
	if zone == nil {
		zone = p.loc
	}
	dtstart := first.StartsAt.In(zone)
	length := first.EndsAt.Sub(first.StartsAt)
	if dtstart.Before(p.from.AddDate(-10, 0, 0)) {
		return nil, refuse("it recurs from %s, more than ten years before the programme: expand it by hand", dtstart.Format(programme.DateLayout))
	}
	var set rrule.Set
	if rule := c.Props.Get(ical.PropRecurrenceRule); rule != nil {
		ro, err := rrule.StrToROptionInLocation(rule.Value, zone)
		if err != nil {
			return nil, refuse("its RRULE %q cannot be read: %v", clipText(rule.Value), err)
		}
		if ro.Freq >= rrule.HOURLY {
			return nil, refuse("its RRULE repeats it %s, which is not a programme's session: only daily or rarer repetitions are taken", strings.ToLower(ro.Freq.String()))
		}
		ro.Dtstart = dtstart
		// Nothing after the programme counts, so the rule need not be
		// expanded beyond it.
		if ro.Until.IsZero() || ro.Until.After(p.until) {
			ro.Until = p.until
		}
		rr, err := rrule.NewRRule(*ro)
		if err != nil {
			return nil, refuse("its RRULE %q cannot be used: %v", clipText(rule.Value), err)
		}
		set.RRule(rr)
	} else {
		set.RDate(dtstart)
	}
	for _, name := range []string{ical.PropRecurrenceDates, ical.PropExceptionDates} {
		for i := range c.Props.Values(name) {
			prop := c.Props.Values(name)[i]
			if strings.EqualFold(prop.Params.Get(ical.ParamValue), "PERIOD") {
				return nil, refuse("its %s is a PERIOD, which is not supported", name)
			}
			for _, v := range strings.Split(prop.Value, ",") {
				one := prop
				one.Value = v
				w, err := p.when(&one, name)
				if err != nil {
					return nil, err
				}
				t := w.t
				if w.date {
					// A date names the occurrence on that day at DTSTART's time.
					t = time.Date(t.Year(), t.Month(), t.Day(), dtstart.Hour(), dtstart.Minute(), dtstart.Second(), 0, zone)
				}
				if name == ical.PropExceptionDates {
					set.ExDate(t)
				} else {
					set.RDate(t)
				}
			}
		}
	}
	next := set.Iterator()
	var out []time.Time
	for steps := 0; ; steps++ {
		if steps == maxSteps {
			return nil, refuse("its recurrence gives more than %d occurrences before the programme ends", maxSteps)
		}
		t, ok := next()
		if !ok || !t.Before(p.until) {
			break
		}
		if !t.Add(length).After(p.from) {
			continue
		}
		if len(out) == MaxInstances {
			return nil, refuse("it recurs more than %d times within the programme", MaxInstances)
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, refuse("none of its occurrences falls within the programme (%s to %s)", p.opt.StartsOn, p.opt.EndsOn)
	}
	return out, nil
}

// within refuses an event outside the programme's dates.
func (p *parser) within(ev Event) error {
	if !ev.EndsAt.After(p.from) || !ev.StartsAt.Before(p.until) {
		return refuse("it is on %s, outside the programme (%s to %s)",
			ev.StartsAt.In(p.loc).Format(programme.DateLayout), p.opt.StartsOn, p.opt.EndsOn)
	}
	return nil
}

// event reads one VEVENT's own properties. fallback is the length to use
// when it has no end (an overriding occurrence takes its event's).
func (p *parser) event(c *ical.Component, line int, uid string, fallback time.Duration) (Event, error) {
	ev := Event{UID: uid, Line: line, Sequence: sequenceOf(c), Stamp: stampOf(c)}
	var err error
	if ev.Title, err = oneLine(textOf(c, ical.PropSummary), "SUMMARY", programme.MaxLineLength); err != nil {
		return ev, err
	}
	if ev.Title == "" {
		return ev, refuse("it has no SUMMARY: a session needs a title")
	}
	if ev.Location, err = oneLine(textOf(c, ical.PropLocation), "LOCATION", programme.MaxLineLength); err != nil {
		return ev, err
	}
	ev.Description = multiLine(textOf(c, ical.PropDescription))
	if u := c.Props.Get(ical.PropURL); u != nil {
		ev.URL = strings.TrimSpace(u.Value)
		if !strings.HasPrefix(ev.URL, "http://") && !strings.HasPrefix(ev.URL, "https://") || strings.ContainsFunc(ev.URL, unicode.IsSpace) {
			ev.URL = "" // only a web link is worth showing to delegates
		}
	}
	if n := utf8.RuneCountInString(ev.SessionDescription()); n > programme.MaxDescriptionLength {
		return ev, refuse("its DESCRIPTION (with its URL) has %d characters, over the limit of %d", n, programme.MaxDescriptionLength)
	}
	switch strings.ToUpper(strings.TrimSpace(textOf(c, ical.PropStatus))) {
	case "CANCELLED":
		ev.Status = programme.StatusCancelled
	case "TENTATIVE":
		ev.Status = programme.StatusTentative
	default:
		ev.Status = programme.StatusConfirmed
	}

	startProp := c.Props.Get(ical.PropDateTimeStart)
	if startProp == nil {
		return ev, refuse("it has no DTSTART")
	}
	start, err := p.when(startProp, "DTSTART")
	if err != nil {
		return ev, err
	}
	if start.date {
		return ev, refuse("it is an all-day event (DTSTART;VALUE=DATE): a session needs a start and an end time; add it by hand if it is wanted")
	}
	ev.StartsAt = start.t.UTC()
	switch {
	case c.Props.Get(ical.PropDateTimeEnd) != nil:
		end, err := p.when(c.Props.Get(ical.PropDateTimeEnd), "DTEND")
		if err != nil {
			return ev, err
		}
		if end.date {
			return ev, refuse("its DTEND is a date while its DTSTART is a time")
		}
		ev.EndsAt = end.t.UTC()
	case c.Props.Get(ical.PropDuration) != nil:
		d, err := c.Props.Get(ical.PropDuration).Duration()
		if err != nil {
			return ev, refuse("its DURATION %q cannot be read", clipText(c.Props.Get(ical.PropDuration).Value))
		}
		ev.EndsAt = ev.StartsAt.Add(d)
	case fallback > 0:
		ev.EndsAt = ev.StartsAt.Add(fallback)
	default:
		return ev, refuse("it has neither DTEND nor DURATION: a session needs an end")
	}
	if !ev.EndsAt.After(ev.StartsAt) {
		return ev, refuse("it ends (%s) before or when it starts (%s)", ev.EndsAt.Format(time.RFC3339), ev.StartsAt.Format(time.RFC3339))
	}
	switch {
	case start.zone != "":
		ev.TimeZone, ev.ZoneReason = start.zone, start.why
	case start.floating:
		ev.TimeZone = p.opt.TimeZone
		ev.ZoneReason = "floating time (no TZID, no Z): read in the programme's zone"
		p.warn(line, uid, "its DTSTART %s is a floating time with no zone: it is read in the programme's zone, %s", startProp.Value, p.opt.TimeZone)
	case p.wrZone != "":
		ev.TimeZone = p.wrZone
		ev.ZoneReason = "UTC time, shown in the calendar's X-WR-TIMEZONE"
	default:
		ev.TimeZone = p.opt.TimeZone
		ev.ZoneReason = "UTC time, shown in the programme's zone"
	}
	return ev, nil
}

// when is a DTSTART, DTEND, RECURRENCE-ID, RDATE or EXDATE value read.
type when struct {
	t        time.Time
	date     bool // a VALUE=DATE
	floating bool // a local time with no zone
	zone     string
	why      string
}

// when reads a date or date-time property with its TZID.
func (p *parser) when(prop *ical.Prop, name string) (when, error) {
	if prop == nil {
		return when{}, refuse("it has no %s", name)
	}
	v := strings.TrimSpace(prop.Value)
	isDate := strings.EqualFold(prop.Params.Get(ical.ParamValue), "DATE") || len(v) == 8
	if isDate {
		t, err := time.ParseInLocation("20060102", v, p.loc)
		if err != nil {
			return when{}, refuse("its %s %q is not a date (YYYYMMDD)", name, clipText(v))
		}
		return when{t: t, date: true}, nil
	}
	if strings.HasSuffix(v, "Z") {
		t, err := time.Parse("20060102T150405Z", v)
		if err != nil {
			return when{}, refuse("its %s %q is not a date-time (YYYYMMDDTHHMMSSZ)", name, clipText(v))
		}
		return when{t: t}, nil
	}
	tzid := strings.Trim(strings.TrimSpace(prop.Params.Get(ical.PropTimezoneID)), `"`)
	loc, zone, why := p.loc, "", ""
	if tzid != "" {
		var ok bool
		zone, why, ok = p.ianaZone(tzid)
		if !ok {
			return when{}, refuse("its %s has TZID %q, which is neither an IANA time zone, nor a Windows zone name, nor a VTIMEZONE with an X-LIC-LOCATION we know", name, clipText(tzid))
		}
		loc, _ = programme.LoadZone(zone)
	}
	t, err := time.ParseInLocation("20060102T150405", v, loc)
	if err != nil {
		return when{}, refuse("its %s %q is not a date-time (YYYYMMDDTHHMMSS)", name, clipText(v))
	}
	return when{t: t, floating: tzid == "", zone: zone, why: why}, nil
}

// ianaZone resolves a TZID to an IANA zone of the built-in data, and says how.
func (p *parser) ianaZone(tzid string) (name, why string, ok bool) {
	if tzid == "" {
		return "", "", false
	}
	if _, err := programme.LoadZone(tzid); err == nil {
		return tzid, "TZID " + tzid + " (IANA data; the file's VTIMEZONE is not used)", true
	}
	// Prefixed names such as /freeassociation.sourceforge.net/Europe/Berlin
	// or /mozilla.org/20050126_1/America/New_York end in the IANA name.
	parts := strings.Split(strings.Trim(tzid, "/"), "/")
	for k := min(3, len(parts)); k >= 1; k-- {
		cand := strings.Join(parts[len(parts)-k:], "/")
		if cand == tzid {
			continue
		}
		if _, err := programme.LoadZone(cand); err == nil {
			return cand, fmt.Sprintf("TZID %q read as the IANA zone %s", clipText(tzid), cand), true
		}
	}
	if cand, found := windowsZones[tzid]; found {
		return cand, fmt.Sprintf("the Windows zone name %q read as the IANA zone %s", clipText(tzid), cand), true
	}
	if cand, found := p.zones[tzid]; found && cand != tzid {
		if _, err := programme.LoadZone(cand); err == nil {
			return cand, fmt.Sprintf("TZID %q read as the IANA zone %s named by its VTIMEZONE's X-LIC-LOCATION", clipText(tzid), cand), true
		}
	}
	return "", "", false
}

// oneLine tidies a one-line text (a title, a place): line breaks and tabs
// become spaces, other control characters go, runs of spaces shrink to one.
// A text over the limit is refused rather than cut short.
func oneLine(s, name string, limit int) (string, error) {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029' || r == '\u0085':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if n := utf8.RuneCountInString(s); n > limit {
		return "", refuse("its %s has %d characters, over the limit of %d", name, n, limit)
	}
	return s, nil
}

// multiLine tidies a description: line breaks become line feeds, other
// control characters but tabs go, and surrounding blank space is trimmed.
func multiLine(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r' || r == '\u2028' || r == '\u2029' || r == '\u0085':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// clipText shortens a value a message quotes.
func clipText(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	r := []rune(s)
	return string(r[:37]) + "..."
}
