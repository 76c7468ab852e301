package programme

import (
	"strings"
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
	for _, name := range []string{"", "Local", "Mars/Olympus_Mons", "/etc/localtime"} {
		if _, err := LoadZone(name); err == nil {
			t.Errorf("LoadZone(%q) succeeded, want an error", name)
		}
	}
}
