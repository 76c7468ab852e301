package programme

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseLocal(t *testing.T) {
	ny, err := LoadZone("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	mx, err := LoadZone("America/Mexico_City")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		value   string
		loc     *time.Location
		wantUTC string
		wantErr string
	}{
		{"washington in november is EST", "2016-11-28T09:00", ny, "2016-11-28T14:00:00Z", ""},
		{"guadalajara in december 2016 is CST", "2016-12-05T09:00", mx, "2016-12-05T15:00:00Z", ""},
		{"seconds are kept", "2016-12-05T09:00:30", mx, "2016-12-05T15:00:30Z", ""},
		{"an offset wins over the zone", "2016-12-05T09:00:00-05:00", mx, "2016-12-05T14:00:00Z", ""},
		{"mexico city kept DST in 2016", "2016-07-01T12:00", mx, "2016-07-01T17:00:00Z", ""},
		{"and no longer has it", "2023-07-01T12:00", mx, "2023-07-01T18:00:00Z", ""},
		{"spring-forward gap", "2016-03-13T02:30", ny, "", "does not exist"},
		{"fall-back overlap", "2016-11-06T01:30", ny, "", "happens twice"},
		{"mexico city's last fall-back", "2022-10-30T01:30", mx, "", "happens twice"},
		{"just before the gap", "2016-03-13T01:59", ny, "2016-03-13T06:59:00Z", ""},
		{"just after the gap", "2016-03-13T03:00", ny, "2016-03-13T07:00:00Z", ""},
		{"garbage", "5 December", ny, "", "is not a time"},
		{"no such day", "2016-02-30T09:00", ny, "", "is not a time"},
		// One written form only: time.Parse alone accepts all of these.
		{"a one-digit hour", "2016-12-05T9:00", ny, "", `"2016-12-05T9:00" is not a time of the form YYYY-MM-DDTHH:MM`},
		{"a one-digit hour with an offset", "2016-12-05T9:00:00Z", ny, "", "is not a time of the form"},
		{"a one-digit minute", "2016-12-05T09:5", ny, "", "is not a time of the form"},
		{"a lowercase t", "2016-12-05t09:00:00Z", ny, "", "is not a time of the form"},
		{"a space for the T", "2016-12-05 09:00", ny, "", "is not a time of the form"},
		{"an offset without a colon", "2016-12-05T09:00:00-0500", ny, "", "is not a time of the form"},
		{"an offset without seconds", "2016-12-05T09:00-05:00", ny, "", "is not a time of the form"},
		{"a five-digit year", "12016-12-05T09:00", ny, "", "is not a time of the form"},
		{"an offset out of range", "2016-12-05T09:00:00+25:00", ny, "", "is not a time of the form YYYY-MM-DDTHH:MM:SS±HH:MM"},
		{"the year 0", "0000-01-01T09:00", time.UTC, "", `"0000-01-01T09:00" is in the year 0: years run from 0001 to 9999`},
		{"the year 0 with an offset", "0000-12-31T23:00:00-05:00", time.UTC, "", "is in the year 0"},
		{"the year 1", "0001-01-01T00:00", time.UTC, "0001-01-01T00:00:00Z", ""},
		{"the year 9999", "9999-12-31T23:59:59Z", ny, "9999-12-31T23:59:59Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLocal(tt.value, tt.loc)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseLocal(%q) error = %v, want one containing %q", tt.value, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseLocal(%q): %v", tt.value, err)
			}
			if got.Location() != time.UTC {
				t.Errorf("ParseLocal(%q) is in %v, want UTC", tt.value, got.Location())
			}
			if s := got.Format(time.RFC3339); s != tt.wantUTC {
				t.Errorf("ParseLocal(%q) = %s, want %s", tt.value, s, tt.wantUTC)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct{ value, wantErr string }{
		{"2016-12-05", ""},
		{"0001-01-01", ""},
		{"9999-12-31", ""},
		{"0000-01-01", `"0000-01-01" is in the year 0: years run from 0001 to 9999`},
		{"2016-12-5", `"2016-12-5" is not a date of the form YYYY-MM-DD`},
		{"2016-2-05", "is not a date of the form"},
		{"12016-12-05", "is not a date of the form"},
		{" 2016-12-05", "is not a date of the form"},
		{"2016-12-05T00:00", "is not a date of the form"},
		{"2016-02-30", "is not a date of the form"},
	}
	for _, tt := range tests {
		_, err := ParseDate(tt.value)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("ParseDate(%q): %v", tt.value, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseDate(%q) error = %v, want one containing %q", tt.value, err, tt.wantErr)
		}
	}
}

func TestFormatLocalRoundTrips(t *testing.T) {
	mx, _ := LoadZone("America/Mexico_City")
	for _, v := range []string{"2016-12-05T09:00", "2016-12-05T23:59:59", "2016-04-03T03:00"} {
		at, err := ParseLocal(v, mx)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatLocal(at, mx); got != v {
			t.Errorf("FormatLocal(ParseLocal(%q)) = %q", v, got)
		}
	}
}

func TestLoadZoneRefusesNonIANA(t *testing.T) {
	// The names after the first five load from the files of a Linux host
	// with time.LoadLocation, and mean what that host makes them mean.
	for _, name := range []string{"", "Local", "Mars/Olympus_Mons", "/etc/localtime", "../etc/localtime",
		"localtime", "posixrules", "right/UTC", "America//New_York", "./UTC", "America/New_York/",
		"america/new_york", "/usr/share/zoneinfo/UTC", "zone.tab", "tzdata.zi"} {
		// The second call must refuse too: a refusal is never kept.
		for range 2 {
			if _, err := LoadZone(name); err == nil {
				t.Errorf("LoadZone(%q) succeeded, want an error", name)
			}
		}
		if _, kept := zones.Load(name); kept {
			t.Errorf("LoadZone(%q) kept a refused name", name)
		}
	}
}

func TestLoadZoneNamesTheRightSpelling(t *testing.T) {
	_, err := LoadZone("america/mexico_city")
	if want := `"america/mexico_city" is not a known IANA time zone: write it America/Mexico_City`; err == nil || err.Error() != want {
		t.Errorf("LoadZone error = %v, want %q", err, want)
	}
}

// TestLoadZoneIgnoresTheHostsFiles runs the test binary again with ZONEINFO,
// which time.LoadLocation reads before anything else, pointing at zone
// files that say New York keeps UTC and that know "localtime". LoadZone
// must load the embedded rules all the same, and refuse "localtime".
func TestLoadZoneIgnoresTheHostsFiles(t *testing.T) {
	july := time.Date(2016, 7, 1, 12, 0, 0, 0, time.UTC)
	if os.Getenv("PLANNER_TEST_FAKE_ZONEINFO") != "" {
		// The fake files must be what time.LoadLocation reads, or the
		// test proves nothing.
		if host, err := time.LoadLocation("America/New_York"); err != nil {
			t.Fatalf("the fake zone files are not in use: %v", err)
		} else if _, off := july.In(host).Zone(); off != 0 {
			t.Fatalf("the fake zone files are not in use: time.LoadLocation gives offset %d s", off)
		}
		ny, err := LoadZone("America/New_York")
		if err != nil {
			t.Fatal(err)
		}
		if _, off := july.In(ny).Zone(); off != -4*3600 {
			t.Errorf("America/New_York in July 2016: offset %d s, want %d s (the embedded rules)", off, -4*3600)
		}
		if _, err := LoadZone("localtime"); err == nil {
			t.Error(`LoadZone("localtime") succeeded from the host's files`)
		}
		return
	}
	utc := zoneBytes(t, "UTC")
	dir := t.TempDir()
	for _, name := range []string{"America/New_York", "localtime"} {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, utc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadZoneIgnoresTheHostsFiles$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ZONEINFO="+dir, "PLANNER_TEST_FAKE_ZONEINFO=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("with ZONEINFO=%s: %v\n%s", dir, err, out)
	}
}

// zoneBytes returns the embedded zone file of name.
func zoneBytes(t *testing.T, name string) []byte {
	t.Helper()
	files, err := zoneFiles()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := files[name].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestLoadZoneLoadsEachZoneOnce(t *testing.T) {
	tests := []struct {
		name string
		// at is a wall-clock reading whose UTC offset shows the right
		// zone was loaded.
		at         time.Time
		wantOffset int
	}{
		{"America/Mexico_City", time.Date(2016, 12, 5, 9, 0, 0, 0, time.UTC), -6 * 3600},
		{"America/New_York", time.Date(2016, 7, 1, 12, 0, 0, 0, time.UTC), -4 * 3600},
		{"Asia/Kolkata", time.Date(2016, 12, 5, 9, 0, 0, 0, time.UTC), 5*3600 + 1800},
		{"UTC", time.Date(2016, 12, 5, 9, 0, 0, 0, time.UTC), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, err := LoadZone(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			second, err := LoadZone(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if first != second {
				t.Errorf("LoadZone(%q) returned %p, then %p: want the same *time.Location", tt.name, first, second)
			}
			// A zone already loaded is not read from disk again, which
			// shows as no allocation at all.
			if allocs := testing.AllocsPerRun(10, func() { _, _ = LoadZone(tt.name) }); allocs != 0 {
				t.Errorf("LoadZone(%q) of a loaded zone allocates %.0f times, want none", tt.name, allocs)
			}
			if got := first.String(); got != tt.name {
				t.Errorf("LoadZone(%q) loaded %q", tt.name, got)
			}
			if _, off := tt.at.In(first).Zone(); off != tt.wantOffset {
				t.Errorf("%s at %v: offset %d s, want %d s", tt.name, tt.at, off, tt.wantOffset)
			}
		})
	}
}

// TestLoadZoneConcurrently is meant for -race: first loads of the same
// names from many goroutines must all end with one *time.Location per name.
func TestLoadZoneConcurrently(t *testing.T) {
	names := []string{"Europe/Berlin", "Africa/Nairobi", "Pacific/Auckland"}
	got := make([][]*time.Location, 8)
	var wg sync.WaitGroup
	for g := range got {
		wg.Go(func() {
			for _, name := range names {
				loc, err := LoadZone(name)
				if err != nil {
					t.Error(err)
					return
				}
				got[g] = append(got[g], loc)
			}
		})
	}
	wg.Wait()
	for g := range got {
		// A goroutine that failed has reported it and holds fewer zones.
		for i, loc := range got[g][:min(len(got[g]), len(got[0]))] {
			if loc != got[0][i] {
				t.Errorf("goroutine %d got another *time.Location for %s than goroutine 0", g, names[i])
			}
		}
	}
}

// BenchmarkLoadZone measures LoadZone for a name already loaded, as for
// every event of a feed after the first.
func BenchmarkLoadZone(b *testing.B) {
	if _, err := LoadZone("America/Mexico_City"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadZone("America/Mexico_City"); err != nil {
			b.Fatal(err)
		}
	}
}
