package programme

import (
	"archive/zip"
	_ "embed" // the zone database
	"fmt"
	"io"
	"regexp"
	"slices"
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

// zoneinfoZip is the IANA time zone database the planner uses, a copy of
// the zoneinfo.zip of the Go release that built it (run go generate to take
// the newer one after a Go upgrade). time.LoadLocation prefers the host's
// zone files, so the same name could load other rules on another host (or
// after a system update), shift stored times, and accept names that only
// make sense on that host: "localtime", "posixrules", "right/UTC",
// "America//New_York", "./UTC". Loading from this copy alone makes a zone
// name mean the same on every host.
//
//go:generate cp $GOROOT/lib/time/zoneinfo.zip zoneinfo.zip
//go:embed zoneinfo.zip
var zoneinfoZip string

// zoneFiles indexes the embedded database by zone name, once per process.
var zoneFiles = sync.OnceValues(func() (map[string]*zip.File, error) {
	r, err := zip.NewReader(strings.NewReader(zoneinfoZip), int64(len(zoneinfoZip)))
	if err != nil {
		return nil, err
	}
	files := make(map[string]*zip.File, len(r.File))
	for _, f := range r.File {
		files[f.Name] = f
	}
	return files, nil
})

// zones keeps every zone LoadZone has loaded, by name (string →
// *time.Location). Parsing zone data was a third of the time of encoding a
// feed, while a programme uses a handful of zones over and over. Only zones
// that loaded are kept, so the map can hold no more names than the
// embedded database has; a *time.Location is never modified once loaded and
// is safe to share between goroutines.
var zones sync.Map

// LoadZone loads an IANA time zone by name from the zone database embedded
// in the program, never from the host's files, so that a name loads the same
// rules on every host. Only names exactly as the database spells them are
// known (links such as US/Eastern included); "Local", "localtime",
// paths and other spellings are refused. Every part of the planner loads
// zones through LoadZone. Each name is loaded once per process: every later
// call returns the same *time.Location.
func LoadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%q is not an IANA time zone name", clip(name))
	}
	files, err := zoneFiles()
	if err != nil {
		return nil, fmt.Errorf("the embedded time zone database is unreadable: %w", err)
	}
	f, ok := files[name]
	if !ok {
		return nil, unknownZone(name, files)
	}
	loc, err := loadZoneFile(name, f)
	if err != nil {
		return nil, err
	}
	// Two first calls may both load the zone; LoadOrStore makes both
	// return the one that was kept.
	kept, _ := zones.LoadOrStore(name, loc)
	return kept.(*time.Location), nil
}

func loadZoneFile(name string, f *zip.File) (*time.Location, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", clip(name), err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", clip(name), err)
	}
	loc, err := time.LoadLocationFromTZData(name, data)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", clip(name), err)
	}
	return loc, nil
}

// unknownZone is the error for a name the database does not have; when only
// its case differs from a known name, the message gives the right spelling.
func unknownZone(name string, files map[string]*zip.File) error {
	for known := range files {
		if strings.EqualFold(known, name) {
			return fmt.Errorf("%q is not a known IANA time zone: write it %s", clip(name), known)
		}
	}
	return fmt.Errorf("%q is not a known IANA time zone", clip(name))
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

// The one written form of each time and date value. time.Parse alone is
// lenient: it reads "2016-12-05T9:00" as 09:00 and accepts the year 0000.
var (
	localForm  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$`)
	offsetForm = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$`)
	dateForm   = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	minuteForm = regexp.MustCompile(`^[0-9]{2}:[0-9]{2}$`)
)

const yearZeroErr = "is in the year 0: years run from 0001 to 9999"

// ParseLocal reads a programme-file time: local wall-clock YYYY-MM-DDTHH:MM
// (seconds optional) in loc, or RFC 3339 with an offset
// (YYYY-MM-DDTHH:MM:SS followed by Z or ±HH:MM). Each part has exactly the
// digits the form shows, and the year is 0001 to 9999. It returns the
// instant in UTC. A wall-clock time that does not exist in loc (a DST gap)
// or exists twice (a DST overlap) is an error, since either guess could be
// an hour wrong.
func ParseLocal(value string, loc *time.Location) (time.Time, error) {
	if offsetForm.MatchString(value) {
		t, err := time.Parse(time.RFC3339, value)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a time of the form YYYY-MM-DDTHH:MM:SS±HH:MM", clip(value))
		}
		if strings.HasPrefix(value, "0000") {
			return time.Time{}, fmt.Errorf("%q %s", clip(value), yearZeroErr)
		}
		return t.UTC(), nil
	}
	if !localForm.MatchString(value) {
		return time.Time{}, fmt.Errorf("%q is not a time of the form YYYY-MM-DDTHH:MM", clip(value))
	}
	layout := LocalMinutes
	if len(value) == len(LocalSeconds) {
		layout = LocalSeconds
	}
	wall, err := time.Parse(layout, value)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a time of the form YYYY-MM-DDTHH:MM", clip(value))
	}
	if wall.Year() == 0 {
		return time.Time{}, fmt.Errorf("%q %s", clip(value), yearZeroErr)
	}
	instants := wallInstants(wall, loc)
	switch len(instants) {
	case 0:
		return time.Time{}, fmt.Errorf("%s does not exist in %s: the clocks skip it (daylight saving time begins)", value, loc)
	case 1:
	default:
		return time.Time{}, fmt.Errorf("%s happens twice in %s (daylight saving time ends): give the offset, as in %s or %s",
			value, loc, instants[0].In(loc).Format(time.RFC3339), instants[1].In(loc).Format(time.RFC3339))
	}
	t := instants[0]
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

// ParseDate reads a YYYY-MM-DD date of the years 0001 to 9999.
func ParseDate(value string) (time.Time, error) {
	if !dateForm.MatchString(value) {
		return time.Time{}, fmt.Errorf("%q is not a date of the form YYYY-MM-DD", clip(value))
	}
	d, err := time.Parse(DateLayout, value)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date of the form YYYY-MM-DD", clip(value))
	}
	if d.Year() == 0 {
		return time.Time{}, fmt.Errorf("%q %s", clip(value), yearZeroErr)
	}
	return d, nil
}

// validClock reports whether s is a time of day written HH:MM, as poll
// options are.
func validClock(s string) bool {
	if !minuteForm.MatchString(s) {
		return false
	}
	_, err := time.Parse("15:04", s)
	return err == nil
}

// wallInstants returns, earliest first, every instant whose wall clock in
// loc reads wall (whose digits are read as if in UTC): none in a gap, two
// in an overlap. Each offset in force in the day and a half either side of
// those digits is tried, which covers every offset a zone has had (within
// ±26 hours) and changes as large as a whole day (Alaska in 1867, Samoa in
// 2011), which probing only the hours around a guess misses.
func wallInstants(wall time.Time, loc *time.Location) []time.Time {
	var offsets []int
	from, to := wall.Add(-36*time.Hour), wall.Add(36*time.Hour)
	for at := from; at.Before(to); {
		in := at.In(loc)
		_, off := in.Zone()
		if !slices.Contains(offsets, off) {
			offsets = append(offsets, off)
		}
		_, end := in.ZoneBounds()
		if end.IsZero() || !end.After(at) {
			break
		}
		at = end
	}
	var out []time.Time
	for _, off := range offsets {
		t := wall.Add(-time.Duration(off) * time.Second)
		if _, o := t.In(loc).Zone(); o == off {
			out = append(out, t.UTC())
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// Years returns the span of UTC years that p's dates and items touch (its
// start and end dates, sessions, slots and runs), zero when none has a
// date: what every feed's zone definitions must cover. An indexed
// programme (IndexKeys) works it out once.
func (p *Programme) Years() YearSpan {
	if p.keys != nil {
		return p.keys.years
	}
	return p.years()
}

func (p *Programme) years() YearSpan {
	var span YearSpan
	for _, d := range []string{p.StartsOn, p.EndsOn} {
		if t, err := time.Parse(DateLayout, d); err == nil {
			span.See(t)
		}
	}
	for i := range p.Sessions {
		s := &p.Sessions[i]
		span.See(s.StartsAt)
		span.See(s.EndsAt)
		for j := range s.Slots {
			span.See(s.Slots[j].StartsAt)
			span.See(s.Slots[j].EndsAt)
		}
	}
	for i := range p.Transport {
		span.See(p.Transport[i].DepartsAt)
	}
	return span
}

// YearSpan is the first and the last UTC year of the instants it was shown,
// both zero while it was shown none.
type YearSpan struct{ First, Last int }

// See widens the span to t's UTC year; a zero time is no instant.
func (s *YearSpan) See(t time.Time) {
	if t.IsZero() {
		return
	}
	y := t.UTC().Year()
	if s.First == 0 || y < s.First {
		s.First = y
	}
	s.Last = max(s.Last, y)
}
