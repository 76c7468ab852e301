package ical

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/planner-dev/planner/internal/programme"
)

// A VTIMEZONE here depends on the zone's data alone for every programme held
// between zoneFromYear and zoneUntilYear, and otherwise on the programme's
// years too. It never depends on which events a feed holds, so that every
// feed carries the same bytes for a zone: parsers such as vobject cache a
// zone by TZID across calendars (a delegate may subscribe to the feeds of two
// programmes), ruby's icalendar refuses two definitions of one TZID, and an
// event copied out of one feed keeps its time in another.
//
// A zone that still follows a yearly rule (the POSIX TZ footer of the zone
// data, such as GMT0BST,M3.5.0/1,M10.5.0 for London) is written with one
// DAYLIGHT and one STANDARD observance carrying an RRULE, from the first
// year the rule has held without a break. Go does not expose the footer, so
// the rule is inferred from the transitions Go reports for years far in the
// future, where only the footer applies, and then checked against every
// transition it is meant to describe. Transitions before the rule took hold,
// and those of zones with no regular rule (Mexico City since 2022, Casablanca),
// are written as one observance each, from zoneFromYear to zoneUntilYear.

// zoneFromYear and zoneUntilYear bound the years whose transitions a
// VTIMEZONE lists one by one, unless the programme, with zoneMargin years
// either side for events copied or moved a little outside it, reaches
// further. The bounds are fixed so that a zone's definition does not change
// with the programme; they cost Mexico City its 26 changes from 2010 to its
// last in 2022 (about 2.5 kB a feed) and New York nothing, its rule having
// held since 2007.
const (
	zoneFromYear  = 2010
	zoneUntilYear = 2040
	zoneMargin    = 1
)

// footerYears are the years whose transitions show a zone's yearly rule: far
// beyond the last transition that zone data lists explicitly (Casablanca's
// run to 2087), and 28 of them, so that every month starts on every weekday
// and an "nth weekday" rule cannot pass for a "last weekday" one.
const (
	footerFrom  = 2200
	footerYears = 28
)

// yearlyRule is one half of a zone's yearly rule: every year, on the given
// weekday within the seven days of month that start on FirstDay, at Clock local
// time (as it was before the change), the offset changes from OffsetFrom to OffsetTo.
type yearlyRule struct {
	Daylight             bool
	Name                 string
	OffsetFrom, OffsetTo int
	Month                time.Month
	Weekday              time.Weekday
	FirstDay             int
	Clock                time.Duration
}

// zoneRule is what is known of a zone whatever the programme: its yearly rule
// (none, or a DAYLIGHT and a STANDARD half) and the first transition of the
// unbroken run of years it has held.
type zoneRule struct {
	halves []yearlyRule // empty, or two halves in the order they first apply
	firsts []observance // the first transition of each half, in the same order
	since  time.Time    // the earliest of firsts
}

// zoneRules caches zoneRule by zone name: working it out walks a zone's
// transitions back from the 23rd century.
var zoneRules sync.Map

func ruleOf(name string, loc *time.Location) zoneRule {
	if r, ok := zoneRules.Load(name); ok {
		return r.(zoneRule)
	}
	r, _ := zoneRules.LoadOrStore(name, inferRule(loc))
	return r.(zoneRule)
}

// transitions lists the transitions of loc in (from, to]: each with the
// offset before and after it.
func transitions(loc *time.Location, from, to time.Time) []observance {
	var out []observance
	for end := nextBound(loc, from); !end.IsZero() && !end.After(to); end = nextBound(loc, end) {
		if tr := transitionAt(loc, end); tr.changes(loc) {
			out = append(out, tr)
		}
	}
	return out
}

// nextBound is the first bound of loc's zone periods after t, zero when
// there is none. Go (as of 1.26) reports the period around the last day of a
// leap year, in the years its zone data's footer covers, as ending where it
// starts; the bound is then found by stepping on an hour at a time.
func nextBound(loc *time.Location, t time.Time) time.Time {
	_, end := t.In(loc).ZoneBounds()
	for u := t; !end.IsZero() && !end.After(t) && u.Before(t.Add(72*time.Hour)); {
		u = u.Add(time.Hour)
		if start, _ := u.In(loc).ZoneBounds(); start.After(t) {
			return start
		}
	}
	if !end.After(t) {
		return time.Time{}
	}
	return end
}

// prevBound is the last bound of loc's zone periods before t, zero when there is none.
func prevBound(loc *time.Location, t time.Time) time.Time {
	start, _ := t.Add(-time.Nanosecond).In(loc).ZoneBounds()
	for u := t; !start.IsZero() && !start.Before(t) && u.After(t.Add(-72*time.Hour)); {
		u = u.Add(-time.Hour)
		start, _ = u.In(loc).ZoneBounds()
	}
	if !start.Before(t) {
		return time.Time{}
	}
	return start
}

// changes reports whether anything changes at the transition: Go reports a
// bound at every new year in the years its zone data's footer rule covers,
// where offset, name and daylight saving all stay as they were.
func (o observance) changes(loc *time.Location) bool {
	before := o.Start.Add(-time.Nanosecond).In(loc)
	name, _ := before.Zone()
	return o.OffsetFrom != o.OffsetTo || o.Name != name || o.Daylight != before.IsDST()
}

// before is the local wall-clock time just before a transition.
func (o observance) before() time.Time {
	return o.Start.In(time.FixedZone("", o.OffsetFrom))
}

// inferRule reads a zone's yearly rule off the transitions of the footer
// years, then walks back from them for as long as every transition is one
// the rule makes, one of each half a year.
func inferRule(loc *time.Location) zoneRule {
	from := time.Date(footerFrom, 1, 1, 0, 0, 0, 0, time.UTC)
	trs := transitions(loc, from, from.AddDate(footerYears, 0, 0).Add(-time.Nanosecond))
	if len(trs) != 2*footerYears {
		return zoneRule{}
	}
	var halves []yearlyRule
	for i := range 2 {
		h, ok := halfOf(trs, i)
		if !ok {
			return zoneRule{}
		}
		halves = append(halves, h)
	}
	if halves[0].Daylight == halves[1].Daylight {
		return zoneRule{}
	}
	// Walk back from the footer years for as long as each earlier transition
	// is the other half's and made by its rule.
	firsts := []observance{trs[0], trs[1]}
	idx := 0 // the half trs[0] belongs to
	t := trs[0].Start
	for {
		start := prevBound(loc, t)
		if start.IsZero() {
			break
		}
		t = start
		tr := transitionAt(loc, start)
		if !tr.changes(loc) {
			continue
		}
		other := 1 - idx
		// One transition of each half a year, with no year skipped, or the
		// rule would make a transition the zone never had.
		if !halves[other].makes(tr) || tr.before().Year() != firsts[other].before().Year()-1 {
			break
		}
		firsts[other] = tr
		idx = other
	}
	// Order the halves by the one that applies first.
	if firsts[1].Start.Before(firsts[0].Start) {
		halves[0], halves[1] = halves[1], halves[0]
		firsts[0], firsts[1] = firsts[1], firsts[0]
	}
	return zoneRule{halves: halves, firsts: firsts, since: firsts[0].Start}
}

// transitionAt is the transition at instant start.
func transitionAt(loc *time.Location, start time.Time) observance {
	t := start.In(loc)
	name, offset := t.Zone()
	_, prev := start.Add(-time.Nanosecond).In(loc).Zone()
	return observance{Daylight: t.IsDST(), Start: start, OffsetFrom: prev, OffsetTo: offset, Name: name}
}

// halfOf infers the rule behind every other transition of trs, starting at i.
func halfOf(trs []observance, i int) (yearlyRule, bool) {
	first := trs[i]
	b := first.before()
	h := yearlyRule{
		Daylight: first.Daylight, Name: first.Name, OffsetFrom: first.OffsetFrom, OffsetTo: first.OffsetTo,
		Month: b.Month(), Weekday: b.Weekday(), FirstDay: b.Day(),
		Clock: b.Sub(time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, b.Location())),
	}
	last := h.FirstDay
	for j := i; j < len(trs); j += 2 {
		d := trs[j].before().Day()
		h.FirstDay, last = min(h.FirstDay, d), max(last, d)
	}
	if last-h.FirstDay > 6 {
		return yearlyRule{}, false
	}
	for j := i; j < len(trs); j += 2 {
		if !h.makes(trs[j]) {
			return yearlyRule{}, false
		}
	}
	return h, true
}

// makes reports whether transition tr is one the rule makes.
func (h yearlyRule) makes(tr observance) bool {
	b := tr.before()
	clock := b.Sub(time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, b.Location()))
	return tr.Daylight == h.Daylight && tr.Name == h.Name && tr.OffsetFrom == h.OffsetFrom &&
		tr.OffsetTo == h.OffsetTo && b.Month() == h.Month && b.Weekday() == h.Weekday &&
		b.Day() >= h.FirstDay && b.Day() <= h.FirstDay+6 && clock == h.Clock
}

// rrule writes the rule as an RRULE: "the second Sunday" or "the last Sunday"
// where it is one, else the weekday among the seven days of month it falls on.
func (h yearlyRule) rrule() string {
	day := strings.ToUpper(h.Weekday.String()[:2])
	rule := "FREQ=YEARLY;BYMONTH=" + strconv.Itoa(int(h.Month))
	lastDay := time.Date(2001, h.Month+1, 0, 0, 0, 0, 0, time.UTC).Day() // 2001: not a leap year
	switch {
	case (h.FirstDay-1)%7 == 0 && h.FirstDay <= 22:
		return rule + ";BYDAY=" + strconv.Itoa((h.FirstDay-1)/7+1) + day
	case h.Month != time.February && h.FirstDay+6 == lastDay:
		return rule + ";BYDAY=-1" + day
	}
	days := make([]string, 7)
	for i := range days {
		days[i] = strconv.Itoa(h.FirstDay + i)
	}
	return rule + ";BYMONTHDAY=" + strings.Join(days, ",") + ";BYDAY=" + day
}

// programmeYears is the first and the last year the programme's dates, items
// and entries touch, in UTC.
func programmeYears(p *programme.Programme, entries []programme.Entry) (first, last int) {
	span := p.Years()
	// Entries come from the programme's items, so they add nothing in a
	// feed the app builds; they keep a hand-made feed's events covered.
	for _, e := range entries {
		span.See(e.StartsAt)
		span.See(e.EndsAt)
	}
	return span.First, span.Last
}

// zoneDefinition is one zone's VTIMEZONE for a programme held in the years
// first to last: the observances listed one by one, then the yearly halves
// when the zone follows a rule by the end of the years listed.
func zoneDefinition(name string, loc *time.Location, first, last int) *ics.VTimezone {
	lo := time.Date(min(zoneFromYear, first-zoneMargin), 1, 1, 0, 0, 0, 0, time.UTC)
	hi := time.Date(max(zoneUntilYear, last+zoneMargin)+1, 1, 1, 0, 0, 0, 0, time.UTC)
	rule := ruleOf(name, loc)
	useRule := len(rule.halves) == 2 && !rule.since.After(hi)

	var listed []observance
	if !useRule || rule.since.After(lo) {
		listed = append(listed, inForce(loc, lo))
		until := hi
		if useRule {
			until = rule.since.Add(-time.Nanosecond)
		}
		listed = append(listed, transitions(loc, lo, until)...)
	}

	tz := ics.NewTimezone(name)
	for _, group := range alike(listed) {
		tz.Components = append(tz.Components, observanceComponent(group[0], "", group[1:]))
	}
	if useRule {
		for i, h := range rule.halves {
			tz.Components = append(tz.Components, observanceComponent(rule.firsts[i], h.rrule(), nil))
		}
	}
	return tz
}

// alike groups observances that differ only in when they start, in the order
// each group first starts. Each group is written as one STANDARD or DAYLIGHT
// whose later starts are RDATEs: ruby's icalendar (2.8, in Debian 12) fails
// on a zone with two STANDARDs, or two DAYLIGHTs, when one of them starts
// after the event it reads.
func alike(obs []observance) [][]observance {
	type key struct {
		daylight             bool
		offsetFrom, offsetTo int
		name                 string
	}
	var out [][]observance
	index := map[key]int{}
	for _, o := range obs {
		k := key{o.Daylight, o.OffsetFrom, o.OffsetTo, o.Name}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], o)
	}
	return out
}

// inForce is the observance in force at t, with the instant it began (zero
// when the zone data knows no earlier change).
func inForce(loc *time.Location, t time.Time) observance {
	at := t.In(loc)
	name, offset := at.Zone()
	start, _ := at.ZoneBounds()
	for !start.IsZero() && !transitionAt(loc, start).changes(loc) {
		start = prevBound(loc, start)
	}
	o := observance{Daylight: at.IsDST(), Start: start, OffsetFrom: offset, OffsetTo: offset, Name: name}
	if !start.IsZero() {
		_, o.OffsetFrom = start.Add(-time.Nanosecond).In(loc).Zone()
	}
	return o
}

// observanceComponent writes one STANDARD or DAYLIGHT, with rrule when it
// recurs and the starts of more observances like it as RDATEs.
func observanceComponent(o observance, rrule string, more []observance) ics.Component {
	// DTSTART of an observance is local time as it was before the change.
	start := "16010101T000000"
	if !o.Start.IsZero() {
		start = o.before().Format(localLayout)
	}
	var c ics.ComponentBase
	c.AddProperty(ics.ComponentPropertyDtStart, start)
	c.AddProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), offsetString(o.OffsetFrom))
	c.AddProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), offsetString(o.OffsetTo))
	if rrule != "" {
		c.AddProperty(ics.ComponentPropertyRrule, rrule)
	}
	// Like DTSTART, each RDATE of an observance is local time as it was
	// before the change. One RDATE a date: ical.js and vobject read only the
	// first date of a list. The first start is repeated as an RDATE, which
	// RFC 5545 counts once, since ical.js (2.2) ignores DTSTART in a
	// component that has RDATEs.
	if len(more) > 0 && !o.Start.IsZero() {
		c.AddProperty(ics.ComponentPropertyRdate, start)
	}
	for _, m := range more {
		c.AddProperty(ics.ComponentPropertyRdate, m.before().Format(localLayout))
	}
	if n := Text(o.Name); n != "" {
		c.AddProperty(ics.ComponentProperty(ics.PropertyTzname), n)
	}
	if o.Daylight {
		return &ics.Daylight{ComponentBase: c}
	}
	return &ics.Standard{ComponentBase: c}
}

// timezones builds the VTIMEZONE of the programme's zone and of every zone
// the entries use, in name order. The programme's zone is always there, so
// that a feed with no events still holds a component, as RFC 5545's grammar
// requires.
func timezones(p *programme.Programme, entries []programme.Entry) ([]*ics.VTimezone, error) {
	used := map[string]bool{}
	if p.TimeZone != "" {
		used[p.TimeZone] = true
	}
	for _, e := range entries {
		used[p.ZoneOf(e.TimeZone)] = true
	}
	if len(used) == 0 {
		return nil, fmt.Errorf("ical: programme %q has no time zone", p.Slug)
	}
	first, last := programmeYears(p, entries)
	if first == 0 {
		// A programme with no dates at all gets the definition every
		// programme of the fixed years gets.
		first, last = zoneFromYear+zoneMargin, zoneUntilYear-zoneMargin
	}
	names := make([]string, 0, len(used))
	for name := range used {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]*ics.VTimezone, 0, len(names))
	for _, name := range names {
		loc, err := zoneParam(name)
		if err != nil {
			return nil, err
		}
		out = append(out, zoneDefinition(name, loc, first, last))
	}
	return out, nil
}
