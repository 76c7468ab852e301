package exchange

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/demo"
)

// FuzzDecode checks that Decode never panics, and that whatever it accepts
// exports to a file that decodes to the same programme and exports to the
// same bytes again.
func FuzzDecode(f *testing.F) {
	f.Add(demo.JSON)
	f.Add([]byte(minimalDoc))
	fixtures, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range fixtures {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{``, `{}`, `[]`, `null`, `{"format":1}`, `{"programme":[]}`, "{\"a\":\"\xff\"}"} {
		f.Add([]byte(s))
	}

	// What the decoder or validation refuses: bytes that are not UTF-8,
	// loose times and dates, host zone names, line breaks and control
	// characters in one-line text, text over its limit; and what it
	// accepts though encoding/json does not, a byte order mark.
	for _, edit := range [][2]string{
		{`"name": "Ann"`, "\"name\": \"Mar\xeda\""},
		{`"ann", "name"`, "\"ann\", \"n\xe4me\""},
		{`"ends_at": "2016-11-06T10:00"`, `"ends_at": "2016-11-06T10:0"`},
		{`"starts_at": "2016-11-06T09:00"`, `"starts_at": "2016-11-06T9:00"`},
		{`"starts_on": "2016-11-06"`, `"starts_on": "0000-01-01"`},
		{`"America/New_York"`, `"localtime"`},
		{`"America/New_York"`, `"America//New_York"`},
		{`"America/New_York"`, `"right/UTC"`},
		{`"title": "Session"`, `"title": "Sess\nion"`},
		{`"title": "Session"`, `"title": "Sess\ud83dion"`},
		{`"title": "Session"`, `"title": "Sess\u2028ion"`},
		{`"title": "Session"`, `"title": "Sess\u0085ion", "description": "a\r\nb"`},
		{`"title": "Session"`, `"title": "Session", "description": "a\n\tb\u2029"`},
		{`"title": "Small"`, `"title": "` + strings.Repeat("x", 301) + `"`},
		{`"name": "Headquarters"`, `"name": "Headquarters", "geo": {"lat": 20.6736, "lon": -103.3927}`},
		{`"name": "Headquarters"`, `"name": "Headquarters", "geo": {"lat": -90.5, "lon": 1e400}`},
	} {
		f.Add([]byte(strings.Replace(minimalDoc, edit[0], edit[1], 1)))
	}
	f.Add([]byte("\xef\xbb\xbf" + minimalDoc))
	f.Add([]byte("\xef\xbb\xbf\xef\xbb\xbf" + minimalDoc))

	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, data)
	})
}

// FuzzDecodeTimes aims the same check at the time fields, which byte-level
// mutation of whole files seldom reaches in a valid form: zones, offsets,
// seconds, daylight saving time edges and odd years.
func FuzzDecodeTimes(f *testing.F) {
	f.Add("America/New_York", "2016-11-06T01:30:00-04:00", "2016-11-06T03:00", "2016-11-06T01:30:00-05:00")
	f.Add("America/Mexico_City", "2016-04-03T01:59:59", "2016-04-03T03:00", "2016-04-03T03:00:00Z")
	f.Add("Australia/Lord_Howe", "2016-10-02T01:45", "2016-10-02T02:45", "2016-10-01T15:15:00Z")
	f.Add("UTC", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59Z", "9999-12-31T23:59")
	f.Add("Asia/Kathmandu", "2016-12-05T09:00:00+05:45", "2016-12-05T09:00:01", "2016-12-05T09:00")
	f.Add("localtime", "2016-12-05T9:00", "2016-12-05T10:00", "2016-12-05T09:00")
	f.Add("./UTC", "0000-01-01T00:00", "0001-01-01T00:00", "0000-12-31T23:00:00-05:00")
	f.Add("America//New_York", "2016-12-05t09:00:00Z", "2016-12-05T10:00:00-0500", "2016-12-05T09:00-05:00")
	f.Fuzz(func(t *testing.T, zone, startsAt, endsAt, slotStart string) {
		data := editDoc(t, func(d map[string]any) {
			s := at(d, "sessions", 0)
			s["time_zone"], s["starts_at"], s["ends_at"] = zone, startsAt, endsAt
			slot := at(d, "sessions", 0, "slots", 0)
			slot["starts_at"], slot["ends_at"] = slotStart, endsAt
		})
		checkRoundTrip(t, data)
	})
}

// checkRoundTrip checks that Decode does not panic on data and that, when it
// accepts data, the export decodes to the same programme and exports to the
// same bytes.
func checkRoundTrip(t *testing.T, data []byte) {
	t.Helper()
	p, _, err := Decode(bytes.NewReader(data))
	if err != nil {
		return
	}
	var first bytes.Buffer
	if err := Encode(&first, p); err != nil {
		t.Fatalf("Encode of an accepted file: %v", err)
	}
	again, warnings, err := Decode(bytes.NewReader(first.Bytes()))
	if err != nil {
		t.Fatalf("the export of an accepted file does not decode: %v\n%s", err, first.Bytes())
	}
	if len(warnings) != 0 {
		t.Errorf("the export warns: %v", warnings)
	}
	if !reflect.DeepEqual(again, p) {
		t.Fatalf("the export decodes to another programme:\n%+v\nwant:\n%+v", again, p)
	}
	var second bytes.Buffer
	if err := Encode(&second, again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Fatalf("export is not stable:\n%s\nthen:\n%s", first.Bytes(), second.Bytes())
	}
}
