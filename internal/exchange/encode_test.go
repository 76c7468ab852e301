package exchange

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/programme"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func mustEncode(t *testing.T, p *programme.Programme) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Encode(&b, p); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return b.Bytes()
}

// sameContent reports whether two JSON documents hold the same values,
// whatever their key order and spacing.
func sameContent(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(va, vb)
}

func TestDemoRoundTrip(t *testing.T) {
	p, _ := mustDecode(t, demo.JSON)
	first := mustEncode(t, p)
	if !sameContent(t, first, demo.JSON) {
		t.Errorf("Encode(Decode(demo)) differs in content from the demo:\n%s", first)
	}

	again, warnings := mustDecode(t, first)
	if len(warnings) != 0 {
		t.Errorf("re-decoding warned: %v", warnings)
	}
	if !reflect.DeepEqual(again, p) {
		t.Errorf("decode, encode, decode gave a different programme")
	}
	if second := mustEncode(t, again); !bytes.Equal(first, second) {
		t.Errorf("decode, encode, decode, encode is not byte-identical:\n%s\nthen:\n%s", first, second)
	}

	// The golden file pins what sameContent cannot see: the key order of
	// the documentation's tables and the two-space indentation.
	golden := filepath.Join("testdata", "igf2016-cldp.exported.json")
	if *update {
		if err := os.WriteFile(golden, first, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := readFixture(t, "igf2016-cldp.exported.json"); !bytes.Equal(first, want) {
		t.Errorf("export of the demo differs from %s (run with -update to accept):\n%s", golden, first)
	}
}

func TestEncodeLeavesOutTheStoresBookkeeping(t *testing.T) {
	p, _ := mustDecode(t, demo.JSON)
	want := mustEncode(t, p)

	now := time.Date(2016, 12, 1, 12, 0, 0, 0, time.UTC)
	p.Version, p.UpdatedAt = 7, now
	p.Sessions[2].Change = programme.Change{Sequence: 3, ModifiedAt: now, CreatedAt: now}
	p.Sessions[2].Slots[1].Change = programme.Change{Sequence: 1, ModifiedAt: now}
	// A speaker taken off the slot: only Speakers, the current ones, is written.
	p.Sessions[2].Slots[1].FormerSpeakers = []programme.Member{
		{Person: "sally-wentworth", Active: true, ChangedAt: now},
		{Person: "jane-coffin", Active: false, Changes: 1, ChangedAt: now},
	}
	p.Sessions[2].Audience.Former = []programme.Member{{Delegation: "af", Active: false, Changes: 1, ChangedAt: now}}
	// A session moved out of a room, and a person who left a delegation:
	// only Room and Delegation, the current ones, are written.
	p.Sessions[2].FormerRooms = []programme.Member{
		{Room: p.Sessions[2].Room, Active: true, ChangedAt: now},
		{Room: "main-hall", Active: false, Changes: 1, ChangedAt: now},
	}
	p.People[4].FormerDelegations = []programme.Member{
		{Delegation: p.People[4].Delegation, Active: true, ChangedAt: now},
		{Delegation: "pk", Active: false, Changes: 3, ChangedAt: now},
	}
	p.Transport[0].Change = programme.Change{Sequence: 2}
	p.Transport[0].Riders.Former = []programme.Member{{Person: "wafa", Changes: 2, ChangedAt: now}}
	p.Transport[0].StayingBehind = []programme.StayingBehind{
		{Person: "wafa", Note: "takes a taxi", Active: true, Changes: 3, Since: now},
		// Taken off the list: the rider takes the run again.
		{Person: "shamim", Note: "rides after all", Active: false, Changes: 2, Since: now},
	}

	got := mustEncode(t, p)
	if !bytes.Contains(got, []byte(`"staying_behind": [`+"\n"+`        {`+"\n"+`          "person": "wafa",`+"\n"+`          "note": "takes a taxi"`+"\n"+`        }`)) {
		t.Errorf("staying_behind is not written as person and note:\n%s", got)
	}
	if bytes.Contains(got, []byte(`"person": "shamim"`)) || bytes.Contains(got, []byte("rides after all")) {
		t.Errorf("an inactive staying-behind entry was written:\n%s", got)
	}
	p.Transport[0].StayingBehind = nil
	if got := mustEncode(t, p); !bytes.Equal(got, want) {
		t.Errorf("bookkeeping fields changed the export:\n%s", got)
	}
}

// TestEncodeWritesOnlyWhatIsGiven pins which fields are written when empty:
// speakers always, required only when true, status, audience and time_zone
// only when set.
func TestEncodeWritesOnlyWhatIsGiven(t *testing.T) {
	ny, err := programme.LoadZone("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	nine := time.Date(2016, 11, 28, 9, 0, 0, 0, ny).UTC()
	p := &programme.Programme{
		Slug: "small", Title: "Small & simple", TimeZone: "America/New_York", StartsOn: "2016-11-28", EndsOn: "2016-11-28",
		Sessions: []programme.Session{{
			Key: "s1", Title: "Q&A <live>", Kind: "meeting", StartsAt: nine, EndsAt: nine.Add(time.Hour),
			Slots: []programme.Slot{{Key: "a", Title: "A", StartsAt: nine, EndsAt: nine.Add(time.Minute)}},
		}},
		Transport: []programme.Run{{Key: "walk", Kind: "walk", Title: "Walk", DepartsAt: nine.Add(2 * time.Hour),
			Poll: &programme.Poll{}}},
	}
	want := `{
  "format": "delegation-programme/v1",
  "programme": {
    "slug": "small",
    "title": "Small & simple",
    "time_zone": "America/New_York",
    "starts_on": "2016-11-28",
    "ends_on": "2016-11-28"
  },
  "sessions": [
    {
      "key": "s1",
      "title": "Q&A <live>",
      "kind": "meeting",
      "starts_at": "2016-11-28T09:00",
      "ends_at": "2016-11-28T10:00",
      "slots": [
        {
          "key": "a",
          "title": "A",
          "speakers": [],
          "starts_at": "2016-11-28T09:00",
          "ends_at": "2016-11-28T09:01"
        }
      ]
    }
  ],
  "transport": [
    {
      "key": "walk",
      "kind": "walk",
      "title": "Walk",
      "departs_at": "2016-11-28T11:00",
      "poll": {
        "options": []
      }
    }
  ]
}
`
	if got := string(mustEncode(t, p)); got != want {
		t.Errorf("Encode =\n%s\nwant:\n%s", got, want)
	}
}

// TestEncodeAmbiguousTimes checks the one case where a wall-clock time is not
// enough: the hour that happens twice when daylight saving time ends. Such a
// time keeps its offset, so that it reads back as the same instant.
func TestEncodeAmbiguousTimes(t *testing.T) {
	tests := []struct {
		utc, want string
	}{
		{"2016-11-06T05:30:00Z", "2016-11-06T01:30:00-04:00"}, // the first 01:30, still EDT
		{"2016-11-06T06:30:00Z", "2016-11-06T01:30:00-05:00"}, // the second 01:30, EST
		{"2016-11-06T07:30:00Z", "2016-11-06T02:30"},
		{"2016-11-06T07:30:15Z", "2016-11-06T02:30:15"},
		// Sub-second parts (PostgreSQL keeps microseconds) are dropped, not
		// a reason to leave the wall clock.
		{"2016-11-06T07:30:00.000123Z", "2016-11-06T02:30"},
	}
	for _, tt := range tests {
		t.Run(tt.utc, func(t *testing.T) {
			start := mustTime(t, tt.utc)
			p := &programme.Programme{
				Slug: "fall-back", Title: "Fall back", TimeZone: "America/New_York", StartsOn: "2016-11-06", EndsOn: "2016-11-06",
				Sessions: []programme.Session{{Key: "night", Title: "Night", Kind: "other", StartsAt: start, EndsAt: start.Add(3 * time.Hour)}},
			}
			out := mustEncode(t, p)
			if !bytes.Contains(out, []byte(`"starts_at": "`+tt.want+`"`)) {
				t.Fatalf("export has no starts_at %q:\n%s", tt.want, out)
			}
			back, _ := mustDecode(t, out)
			if got := back.Sessions[0].StartsAt; !got.Equal(start.Truncate(time.Second)) {
				t.Errorf("read back as %v, want %v", got, start)
			}
		})
	}
}

// TestEncodeKeepsEachItemInItsZone checks that export never converts an item
// to the programme's zone.
func TestEncodeKeepsEachItemInItsZone(t *testing.T) {
	p, _ := mustDecode(t, demo.JSON)
	p.Transport[0].TimeZone = "Europe/London"
	out := string(mustEncode(t, p))
	for _, want := range []string{
		`"starts_at": "2016-11-28T09:00",` + "\n      \"ends_at\": \"2016-11-28T17:00\",\n      \"time_zone\": \"America/New_York\"",
		`"departs_at": "2016-12-05T23:15",` + "\n      \"time_zone\": \"Europe/London\"",
		`"closes_at": "2016-12-05T21:00"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("export lacks %s", want)
		}
	}
}

// TestValidatePathsExistInTheFile fills every field of a programme, the
// store's bookkeeping included, with something wrong, and checks that every
// problem Validate reports is at a path that the exported file has: a
// message must point at something the reader of the file can find.
func TestValidatePathsExistInTheFile(t *testing.T) {
	p := &programme.Programme{}
	fillWrongly(reflect.ValueOf(p).Elem())
	problems := programme.Validate(p)
	if len(problems) < 50 {
		t.Fatalf("Validate found %d problems in a programme that is wrong everywhere:\n%v", len(problems), problems)
	}
	var doc any
	if err := json.Unmarshal(mustEncode(t, p), &doc); err != nil {
		t.Fatal(err)
	}
	for _, f := range problems {
		if !pathExists(doc, f.Path) {
			t.Errorf("%s: the file has no such path", f.Error())
		}
	}
}

// fillWrongly sets every field of v: texts to a NUL, times to the year
// 10000, lists to one element, numbers to 1 and booleans to true.
func fillWrongly(v reflect.Value) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("\x00")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(1)
	case reflect.Float64:
		v.SetFloat(1)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillWrongly(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillWrongly(v.Index(0))
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillWrongly(v.Field(i))
			}
		}
	}
}

// pathExists reports whether a path such as sessions[0].slots[0].title
// names a value of the parsed document.
func pathExists(doc any, path string) bool {
	for _, step := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(step, "[")
		obj, ok := doc.(map[string]any)
		if !ok {
			return false
		}
		if doc, ok = obj[name]; !ok {
			return false
		}
		for rest != "" {
			index, after, _ := strings.Cut(rest, "]")
			i, err := strconv.Atoi(index)
			list, ok := doc.([]any)
			if err != nil || !ok || i >= len(list) {
				return false
			}
			doc, rest = list[i], strings.TrimPrefix(after, "[")
		}
	}
	return true
}
