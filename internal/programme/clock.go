package programme

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Wall-clock layouts of the programme file: seconds are optional on input and
// written only when they are not zero.
const (
	LocalMinutes = "2006-01-02T15:04"
	LocalSeconds = "2006-01-02T15:04:05"
	DateLayout   = "2006-01-02"
)

// zones keeps every zone LoadZone has loaded, by name (string →
// *time.Location). time.LoadLocation reads and parses the zone file on every
// call, which was a third of the time of encoding a feed, while a programme
// uses a handful of zones over and over. Only zones that loaded are kept, so
// the map can hold no more names than there are zone files; a
// *time.Location is never modified once loaded and is safe to share between
// goroutines. A zone file updated on disk is read again only by a new
// process, as with any program that keeps its Locations.
var zones sync.Map

// LoadZone loads an IANA time zone by name. It refuses the empty name and
// "Local", which would make a programme depend on the server's settings.
// Each name is loaded once per process: every later call returns the same
// *time.Location.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" || strings.HasPrefix(name, "/") {
		return nil, fmt.Errorf("%q is not an IANA time zone name", name)
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not a known IANA time zone", name)
	}
	// Two first calls may both load the zone; LoadOrStore makes both
	// return the one that was kept.
	kept, _ := zones.LoadOrStore(name, loc)
	return kept.(*time.Location), nil
}

// ZoneOf returns the zone name that applies to an item: its own, else the programme's.
func (p *Programme) ZoneOf(itemZone string) string {
	if itemZone != "" {
		return itemZone
	}
	return p.TimeZone
}

// Loc returns the loaded zone that applies to an item, falling back to
// UTC only when the stored name no longer loads (validation refuses such names).
func (p *Programme) Loc(itemZone string) *time.Location {
	loc, err := LoadZone(p.ZoneOf(itemZone))
	if err != nil {
		return time.UTC
	}
	return loc
}

// ParseLocal reads a programme-file time: local wall-clock YYYY-MM-DDTHH:MM
// (seconds optional) in loc, or RFC 3339 with an offset. It returns the instant
// in UTC. A wall-clock time that does not exist in loc (a DST gap) or exists
// twice (a DST overlap) is an error, since either guess could be an hour wrong.
func ParseLocal(value string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, value); err == nil {
		return t.UTC(), nil
	}
	layout := LocalMinutes
	if len(value) == len(LocalSeconds) {
		layout = LocalSeconds
	}
	wall, err := time.Parse(layout, value)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a time of the form YYYY-MM-DDTHH:MM", value)
	}
	t := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, loc)
	if !sameWallClock(t.In(loc), wall) {
		return time.Time{}, fmt.Errorf("%s does not exist in %s: the clocks skip it (daylight saving time begins)", value, loc)
	}
	if other, ok := otherInstant(t, wall, loc); ok {
		return time.Time{}, fmt.Errorf("%s happens twice in %s (daylight saving time ends): give the offset, as in %s or %s",
			value, loc, t.In(loc).Format(time.RFC3339), other.In(loc).Format(time.RFC3339))
	}
	return t.UTC(), nil
}

// FormatLocal writes t as wall-clock time in loc, with seconds only when not zero.
func FormatLocal(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if t.Second() != 0 {
		return t.Format(LocalSeconds)
	}
	return t.Format(LocalMinutes)
}

// ParseDate reads a YYYY-MM-DD date.
func ParseDate(value string) (time.Time, error) {
	d, err := time.Parse(DateLayout, value)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date of the form YYYY-MM-DD", value)
	}
	return d, nil
}

func sameWallClock(t, wall time.Time) bool {
	return t.Year() == wall.Year() && t.Month() == wall.Month() && t.Day() == wall.Day() &&
		t.Hour() == wall.Hour() && t.Minute() == wall.Minute() && t.Second() == wall.Second()
}

// otherInstant looks for a second instant with the same wall-clock reading,
// trying the offsets in force half a day before and after t.
func otherInstant(t, wall time.Time, loc *time.Location) (time.Time, bool) {
	_, off := t.Zone()
	for _, probe := range []time.Time{t.Add(-12 * time.Hour), t.Add(12 * time.Hour)} {
		_, o := probe.In(loc).Zone()
		if o == off {
			continue
		}
		naive := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, time.UTC)
		cand := naive.Add(-time.Duration(o) * time.Second)
		if !cand.Equal(t) && sameWallClock(cand.In(loc), wall) {
			return cand, true
		}
	}
	return time.Time{}, false
}
