package programme

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// zoneSeeds are zones with odd histories: the demo's two, a half-hour
// daylight saving time (Lord Howe), a day skipped (Apia, 30 December 2011),
// a day lived twice (Sitka when Alaska changed hands in 1867), offsets in
// seconds (local mean time before 1900), a double summer time (London
// 1941-1947), a zone with no change at all, and names LoadZone refuses.
var zoneSeeds = []string{
	"America/New_York", "America/Mexico_City", "Australia/Lord_Howe", "Pacific/Apia",
	"America/Sitka", "Asia/Kathmandu", "Europe/London", "Asia/Kabul", "UTC", "US/Eastern",
	"", "Local", "localtime", "posixrules", "right/UTC", "./UTC", "America//New_York",
	"america/new_york", "../zoneinfo.zip", "America/", "/UTC", "Etc/GMT+14", "Europe/Dublin",
}

// FuzzLoadZone checks that LoadZone never panics, that a name it accepts is
// the zone's own name in the database's spelling, and that it loads the
// same zone every time.
func FuzzLoadZone(f *testing.F) {
	for _, z := range zoneSeeds {
		f.Add(z)
	}
	nameForm := regexp.MustCompile(`^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$`)
	f.Fuzz(func(t *testing.T, name string) {
		loc, err := LoadZone(name)
		if err != nil {
			if loc != nil {
				t.Fatalf("LoadZone(%q) returned a zone and an error", name)
			}
			if msg := err.Error(); len(msg) > 400 {
				t.Fatalf("LoadZone(%q): an error of %d bytes", name, len(msg))
			}
			return
		}
		if loc.String() != name {
			t.Fatalf("LoadZone(%q) loaded %q", name, loc.String())
		}
		if !nameForm.MatchString(name) || strings.Contains(name, "..") {
			t.Fatalf("LoadZone accepted %q, which is not a zone name", name)
		}
		again, err := LoadZone(name)
		if err != nil || again != loc {
			t.Fatalf("LoadZone(%q) again = %p, %v; want %p", name, again, err, loc)
		}
	})
}

// FuzzParseLocal checks ParseLocal against a brute-force reading of the
// zone: a wall-clock time it accepts has exactly one instant in the zone, one
// it calls skipped has none, and one it calls repeated has two or more.
// Whatever it accepts writes back (FormatLocal, RFC 3339) to text that parses
// to the same instant, and to the same text when that was written as
// FormatLocal writes.
func FuzzParseLocal(f *testing.F) {
	for _, tt := range []struct{ value, zone string }{
		{"2016-12-05T09:00", "America/Mexico_City"},
		{"2016-03-13T02:30", "America/New_York"},
		{"2016-11-06T01:30", "America/New_York"},
		{"2016-11-06T01:30:00-04:00", "America/New_York"},
		{"2016-10-02T02:15", "Australia/Lord_Howe"},
		{"2016-04-03T01:45", "Australia/Lord_Howe"},
		{"2011-12-30T12:00", "Pacific/Apia"},
		{"2011-12-29T23:59:59", "Pacific/Apia"},
		{"1867-10-18T12:00", "America/Sitka"},
		{"1867-10-19T09:00", "America/Sitka"},
		{"1880-01-01T00:00:00", "Europe/Dublin"},
		{"1916-10-01T02:25:20", "Europe/Dublin"},
		{"1947-04-16T01:30", "Europe/London"},
		{"0001-01-01T00:00", "Asia/Kabul"},
		{"9999-12-31T23:59:59", "Asia/Kabul"},
		{"0001-01-01T00:00:00+01:00", "UTC"},
		{"9999-12-31T23:59:59-01:00", "UTC"},
		{"2016-12-05T09:00:00.5Z", "UTC"},
		{"2016-12-05T09:00:00", "UTC"},
		{"2016-12-05T24:00", "UTC"},
		{"2016-02-29T09:00", "UTC"},
		{"2016-12-05T9:00", "UTC"},
		{"0000-01-01T00:00", "UTC"},
	} {
		f.Add(tt.value, tt.zone)
	}
	f.Fuzz(func(t *testing.T, value, zone string) {
		loc, err := LoadZone(zone)
		if err != nil {
			// Any zone of the database, picked by the bytes of the name,
			// so that mutations move through all of them.
			names := zoneNames(t)
			sum := 0
			for _, b := range []byte(zone) {
				sum = sum*31 + int(b)
			}
			loc, err = LoadZone(names[(sum%len(names)+len(names))%len(names)])
			if err != nil {
				t.Fatal(err)
			}
		}
		got, err := ParseLocal(value, loc)
		if offsetForm.MatchString(value) {
			checkOffsetTime(t, value, got, err)
			return
		}
		canonical, secs := value, ":00"
		if len(value) == len(LocalSeconds) {
			secs = value[len(LocalMinutes):]
			if secs == ":00" {
				canonical = value[:len(LocalMinutes)]
			}
		}
		wall, werr := time.Parse(LocalSeconds, value[:min(len(value), len(LocalMinutes))]+secs)
		if err == nil && got.Location() != time.UTC {
			t.Fatalf("ParseLocal(%q) is in %v, not UTC", value, got.Location())
		}
		if werr != nil || !localForm.MatchString(value) || wall.Year() == 0 {
			if err == nil {
				t.Fatalf("ParseLocal(%q, %s) accepted a malformed time: %v", value, loc, got)
			}
			return
		}
		instants := bruteInstants(wall, loc)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		switch {
		case len(instants) == 0:
			if !strings.Contains(msg, "does not exist") {
				t.Fatalf("%s does not exist in %s, but ParseLocal says %v, %v", value, loc, got, err)
			}
		case len(instants) == 1:
			if err != nil {
				t.Fatalf("%s is %s in %s, but ParseLocal: %v", value, instants[0], loc, err)
			}
			if !got.Equal(instants[0]) {
				t.Fatalf("ParseLocal(%q, %s) = %s, want %s", value, loc, got, instants[0])
			}
		default:
			if !strings.Contains(msg, "happens twice") {
				t.Fatalf("%s is each of %v in %s, but ParseLocal says %v, %v", value, instants, loc, got, err)
			}
		}
		if err != nil {
			return
		}
		text := FormatLocal(got, loc)
		if text != canonical {
			t.Fatalf("FormatLocal(ParseLocal(%q)) = %q, want %q", value, text, canonical)
		}
		again, err := ParseLocal(text, loc)
		if err != nil || !again.Equal(got) {
			t.Fatalf("%q parsed to %s, written %q, which parses to %s, %v", value, got, text, again, err)
		}
	})
}

// checkOffsetTime checks ParseLocal of a value with an offset: accepted
// exactly when time.Parse reads it and its year is not 0, and then written
// back in RFC 3339 it parses to the same instant.
func checkOffsetTime(t *testing.T, value string, got time.Time, err error) {
	t.Helper()
	want, perr := time.Parse(time.RFC3339, value)
	if perr != nil || strings.HasPrefix(value, "0000") {
		if err == nil {
			t.Fatalf("ParseLocal(%q) accepted it: %v", value, got)
		}
		return
	}
	if err != nil {
		t.Fatalf("ParseLocal(%q): %v", value, err)
	}
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("ParseLocal(%q) = %v, want %v in UTC", value, got, want)
	}
	text := want.Format(time.RFC3339Nano)
	if text != value && !strings.HasPrefix(value, text[:len("2006-01-02T15:04:05")]) {
		t.Fatalf("%q written back is %q", value, text)
	}
	if again, err := ParseLocal(text, time.UTC); err != nil || !again.Equal(got) {
		t.Fatalf("%q written back as %q parses to %v, %v", value, text, again, err)
	}
}

// zoneNames lists every zone of the embedded database, sorted.
func zoneNames(t *testing.T) []string {
	files, err := zoneFiles()
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// bruteInstants is every instant whose wall clock in loc reads wall (whose
// digits are read as UTC), found by trying each offset the zone has within
// a day and a half either side.
func bruteInstants(wall time.Time, loc *time.Location) []time.Time {
	offsets := map[int]bool{}
	for d := -36 * time.Hour; d <= 36*time.Hour; d += 15 * time.Minute {
		_, o := wall.Add(d).In(loc).Zone()
		offsets[o] = true
	}
	var out []time.Time
	for o := range offsets {
		c := wall.Add(-time.Duration(o) * time.Second)
		if _, co := c.In(loc).Zone(); co == o {
			out = append(out, c)
		}
	}
	return out
}

// FuzzParseDate checks that ParseDate accepts exactly the real dates of the
// years 0001 to 9999 written YYYY-MM-DD, and that they write back the same.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2016-12-05", "2016-02-29", "2015-02-29", "0000-01-01", "0001-01-01", "9999-12-31", "2016-1-05", "2016-12-05T00:00", "２０16-12-05", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		d, err := ParseDate(value)
		if err != nil {
			if !strings.Contains(err.Error(), "is not a date") && !strings.Contains(err.Error(), "year 0") {
				t.Fatalf("ParseDate(%q): %v", value, err)
			}
			return
		}
		if got := d.Format(DateLayout); got != value {
			t.Fatalf("ParseDate(%q) writes back as %q", value, got)
		}
		if d.Year() < 1 || d.Year() > 9999 || d.Location() != time.UTC || d.Hour()+d.Minute()+d.Second()+d.Nanosecond() != 0 {
			t.Fatalf("ParseDate(%q) = %v", value, d)
		}
	})
}
