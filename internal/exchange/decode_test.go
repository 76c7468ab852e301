package exchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/programme"
)

// wantList is the problems a test expects, written as {path, message} pairs.
type wantList []struct{ path, msg string }

// Error formats the list as programme.FieldErrors does, for comparison.
func (w wantList) Error() string {
	var fe programme.FieldErrors
	for _, f := range w {
		fe.Add(f.path, "%s", f.msg)
	}
	return fe.Error()
}

// readFixture returns a file of testdata.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// mustDecode decodes data and fails the test on any error.
func mustDecode(t *testing.T, data []byte) (*programme.Programme, []programme.FieldError) {
	t.Helper()
	p, warnings, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return p, warnings
}

// decodeProblems decodes data, which must fail, and returns its problems
// after checking that the error is an EINVALID programme.Error.
func decodeProblems(t *testing.T, data []byte) programme.FieldErrors {
	t.Helper()
	p, _, err := Decode(bytes.NewReader(data))
	if err == nil {
		t.Fatal("Decode accepted the file, want an error")
	}
	if p != nil {
		t.Error("Decode returned a programme with its error")
	}
	var pe *programme.Error
	if !errors.As(err, &pe) || pe.Code != programme.EINVALID {
		t.Fatalf("Decode error = %#v, want a *programme.Error with code %s", err, programme.EINVALID)
	}
	if len(pe.Fields) == 0 {
		t.Fatalf("Decode error %q lists no problems", err)
	}
	return pe.Fields
}

func mustTime(t *testing.T, rfc3339 string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

func TestDecodeDemo(t *testing.T) {
	p, warnings := mustDecode(t, demo.JSON)
	if len(warnings) != 0 {
		t.Errorf("warnings = %v, want none", warnings)
	}
	if got, want := p.Slug, demo.Slug; got != want {
		t.Errorf("Slug = %q, want %q", got, want)
	}
	if got, want := len(p.People), 22; got != want {
		t.Errorf("%d people, want %d", got, want)
	}
	dc, seminar, bus := p.Sessions[0], p.Sessions[2], p.Transport[0]
	tests := []struct {
		name      string
		got, want time.Time
	}{
		// Washington in November is EST, UTC-5; Guadalajara in December 2016 is CST, UTC-6.
		{"dc-day1 starts in its own zone", dc.StartsAt, mustTime(t, "2016-11-28T14:00:00Z")},
		{"seminar starts in the programme zone", seminar.StartsAt, mustTime(t, "2016-12-05T15:00:00Z")},
		{"slots use their session's zone", seminar.Slots[1].EndsAt, mustTime(t, "2016-12-05T16:45:00Z")},
		{"available_until", *seminar.Slots[1].AvailableUntil, mustTime(t, "2016-12-05T17:00:00Z")},
		{"reservations use the programme zone", p.Rooms[0].Reservations[0].StartsAt, mustTime(t, "2016-12-05T14:30:00Z")},
		{"released_from", *p.Rooms[0].Reservations[0].ReleasedFrom, mustTime(t, "2016-12-05T19:00:00Z")},
		{"departs_at", bus.DepartsAt, mustTime(t, "2016-12-05T23:15:00Z")},
		{"poll closes_at", *bus.Poll.ClosesAt, mustTime(t, "2016-12-05T21:00:00Z")},
	}
	for _, tt := range tests {
		if !tt.got.Equal(tt.want) || tt.got.Location() != time.UTC {
			t.Errorf("%s = %v, want %v in UTC", tt.name, tt.got, tt.want)
		}
	}
	if dc.TimeZone != "America/New_York" || seminar.TimeZone != "" {
		t.Errorf("zones = %q, %q; want the item's own only", dc.TimeZone, seminar.TimeZone)
	}
	if !seminar.Required || dc.Required {
		t.Errorf("Required = %v, %v; want true only for the seminar", seminar.Required, dc.Required)
	}
	if got := seminar.Slots[4]; got.Key != "informal-visitors" || got.Speakers != nil || got.Status != programme.StatusCancelled {
		t.Errorf("slot 4 = %+v, want informal-visitors, cancelled, no speakers", got)
	}
	// The speakers' history is the store's to fill.
	for _, sl := range seminar.Slots {
		if sl.FormerSpeakers != nil {
			t.Errorf("slot %s FormerSpeakers = %+v, want none", sl.Key, sl.FormerSpeakers)
		}
	}
	if got := strings.Join(seminar.Audience.People, ","); got != "jordan-solomon" {
		t.Errorf("seminar audience people = %q", got)
	}
	if bus.Poll.Decided != "17:15" || len(bus.Poll.Options) != 2 {
		t.Errorf("poll = %+v", bus.Poll)
	}
}

// TestDecodeReportsEveryProblem checks that one file with many kinds of
// problem reports all of them at once, each at its exact path.
func TestDecodeReportsEveryProblem(t *testing.T) {
	got := decodeProblems(t, readFixture(t, "several-errors.json"))
	want := wantList{
		{"sessions[2].starts_at", "2016-03-13T02:30 does not exist in America/New_York: the clocks skip it (daylight saving time begins)"},
		{"sessions[3].required", `want true or false, got "yes"`},
		{"venues[1].key", `"hq" is already the key of venues[0]`},
		{"sessions[0].time_zone", `"Mars/Olympus_Mons" is not a known IANA time zone`},
		{"sessions[1].ends_at", "ends before it starts (10:30 < 11:00)"},
		{"sessions[1].audience.delegations[1]", `refers to delegation "pk", which is not in the file`},
	}
	if got.Error() != want.Error() {
		t.Errorf("problems:\n%v\nwant:\n%v", got, want)
	}
}

// minimalDoc is a small valid file that the table below breaks one way at a time.
const minimalDoc = `{
  "format": "delegation-programme/v1",
  "programme": {"slug": "small", "title": "Small", "time_zone": "America/New_York",
                "starts_on": "2016-11-06", "ends_on": "2016-11-07"},
  "venues": [{"key": "hq", "name": "Headquarters"}],
  "rooms": [{"key": "r1", "name": "Room 1", "venue": "hq", "capacity": 10}],
  "people": [{"key": "ann", "name": "Ann", "role": "staff"}],
  "sessions": [{"key": "s1", "title": "Session", "kind": "meeting", "room": "r1",
                "starts_at": "2016-11-06T09:00", "ends_at": "2016-11-06T10:00",
                "slots": [{"key": "a", "title": "A", "speakers": ["ann"],
                           "starts_at": "2016-11-06T09:00", "ends_at": "2016-11-06T09:30"}]}]
}`

// editDoc returns minimalDoc changed by edit, which works on the parsed JSON.
func editDoc(t *testing.T, edit func(doc map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(minimalDoc), &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// at walks the parsed JSON by field names and list indices.
func at(doc map[string]any, steps ...any) map[string]any {
	var v any = doc
	for _, s := range steps {
		switch s := s.(type) {
		case string:
			v = v.(map[string]any)[s]
		case int:
			v = v.([]any)[s]
		}
	}
	return v.(map[string]any)
}

func TestDecodeMinimalIsValid(t *testing.T) {
	p, warnings := mustDecode(t, []byte(minimalDoc))
	if len(warnings) != 0 || p.Rooms[0].Capacity != 10 {
		t.Errorf("warnings %v, capacity %d", warnings, p.Rooms[0].Capacity)
	}
}

// TestDecodeStayingBehindIsActive: everyone a file lists as staying behind
// does so now; the history (Changes, Since) is the store's to fill.
func TestDecodeStayingBehindIsActive(t *testing.T) {
	data := editDoc(t, func(d map[string]any) {
		d["transport"] = []any{map[string]any{
			"key": "bus", "kind": "bus", "title": "Bus", "departs_at": "2016-11-06T17:00",
			"riders":         map[string]any{"people": []any{"ann"}},
			"staying_behind": []any{map[string]any{"person": "ann", "note": "Takes a taxi."}},
		}}
	})
	p, _ := mustDecode(t, data)
	want := []programme.StayingBehind{{Person: "ann", Note: "Takes a taxi.", Active: true}}
	if got := p.Transport[0].StayingBehind; !reflect.DeepEqual(got, want) {
		t.Errorf("StayingBehind = %+v, want %+v", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(doc map[string]any)
		want wantList
	}{
		{"format is required", func(d map[string]any) { delete(d, "format") },
			wantList{{"format", `is required: "delegation-programme/v1"`}}},
		{"format is this one", func(d map[string]any) { d["format"] = "delegation-programme/v2" },
			wantList{{"format", `is "delegation-programme/v2", want "delegation-programme/v1"`}}},
		{"format is a string", func(d map[string]any) { d["format"] = 1 },
			wantList{{"format", "want a string, got 1"}}},
		{"programme is required", func(d map[string]any) { delete(d, "programme") },
			wantList{{"programme", "is required"}}},
		{"a null programme is missing", func(d map[string]any) { d["programme"] = nil },
			wantList{{"programme", "is required"}}},
		{"programme is an object", func(d map[string]any) { d["programme"] = []any{} },
			wantList{{"programme", "want an object {...}, got a list"}}},
		{"a list of venues", func(d map[string]any) { d["venues"] = map[string]any{"key": "hq"} },
			wantList{
				{"venues", "want a list [...], got an object"},
				{"rooms[0].venue", `refers to venue "hq", which is not in the file`},
			}},
		{"items are objects, and the next keep their index", func(d map[string]any) {
			d["venues"] = []any{"hq", map[string]any{"key": "hq", "name": "Headquarters"}, map[string]any{"key": "hq", "name": "Again"}}
		}, wantList{
			{"venues[0]", `want an object {...}, got "hq"`},
			{"venues[2].key", `"hq" is already the key of venues[1]`},
		}},
		{"names are strings", func(d map[string]any) { at(d, "venues", 0)["name"] = 42 },
			wantList{{"venues[0].name", "want a string, got 42"}}},
		{"a wrongly typed zone is reported once", func(d map[string]any) { at(d, "programme")["time_zone"] = -5 },
			wantList{{"programme.time_zone", "want a string, got -5"}}},
		{"capacity is a number", func(d map[string]any) { at(d, "rooms", 0)["capacity"] = "forty" },
			wantList{{"rooms[0].capacity", `want a whole number, got "forty"`}}},
		{"capacity is whole", func(d map[string]any) { at(d, "rooms", 0)["capacity"] = 1.5 },
			wantList{{"rooms[0].capacity", "want a whole number, got 1.5"}}},
		{"capacity fits the database", func(d map[string]any) { at(d, "rooms", 0)["capacity"] = 3000000000 },
			wantList{{"rooms[0].capacity", "3000000000 is too large: at most 2147483647"}}},
		{"required is a boolean", func(d map[string]any) { at(d, "sessions", 0)["required"] = "yes" },
			wantList{{"sessions[0].required", `want true or false, got "yes"`}}},
		{"speakers is a list", func(d map[string]any) { at(d, "sessions", 0, "slots", 0)["speakers"] = "ann" },
			wantList{{"sessions[0].slots[0].speakers", `want a list [...], got "ann"`}}},
		{"speakers are keys", func(d map[string]any) { at(d, "sessions", 0, "slots", 0)["speakers"] = []any{true} },
			wantList{{"sessions[0].slots[0].speakers[0]", "want a string, got true"}}},
		{"audience is an object", func(d map[string]any) { at(d, "sessions", 0)["audience"] = []any{"ann"} },
			wantList{{"sessions[0].audience", "want an object {...}, got a list"}}},
		{"long values are shortened", func(d map[string]any) { at(d, "sessions", 0)["title"] = 1234567890.0e30 },
			wantList{{"sessions[0].title", "want a string, got 1.23456789e+39"}}},
		{"times are times", func(d map[string]any) { at(d, "sessions", 0)["starts_at"] = "6 November, 9am" },
			wantList{{"sessions[0].starts_at", `"6 November, 9am" is not a time of the form YYYY-MM-DDTHH:MM`}}},
		{"a time in the DST overlap is ambiguous", func(d map[string]any) {
			at(d, "sessions", 0)["starts_at"] = "2016-11-06T01:30"
			at(d, "sessions", 0, "slots", 0)["starts_at"] = "2016-11-06T09:10"
		}, wantList{{"sessions[0].starts_at",
			"2016-11-06T01:30 happens twice in America/New_York (daylight saving time ends): give the offset, as in 2016-11-06T01:30:00-04:00 or 2016-11-06T01:30:00-05:00"}}},
		{"an offset resolves the overlap", func(d map[string]any) { at(d, "sessions", 0)["starts_at"] = "2016-11-06T01:30:00-05:00" }, nil},
		{"times have whole seconds", func(d map[string]any) { at(d, "sessions", 0)["ends_at"] = "2016-11-06T15:00:00.5Z" },
			wantList{{"sessions[0].ends_at", `"2016-11-06T15:00:00.5Z" has a fraction of a second: give whole seconds`}}},
		// Both would import on SQLite and not on PostgreSQL, or not load back.
		{"text holds no NUL", func(d map[string]any) { at(d, "sessions", 0)["title"] = "Day\u0000one" },
			wantList{{"sessions[0].title", "contains a NUL character (U+0000), which cannot be stored"}}},
		{"times fall before the year 10000", func(d map[string]any) { at(d, "sessions", 0)["ends_at"] = "9999-12-31T23:00" },
			wantList{{"sessions[0].ends_at", "is in the year 10000 (UTC): times must fall in the years 1 to 9999"}}},
		{"null is as absent", func(d map[string]any) {
			at(d, "sessions", 0)["description"] = nil
			at(d, "sessions", 0)["slots"] = nil
		}, nil},
		{"a null key is missing", func(d map[string]any) { at(d, "people", 0)["key"] = nil },
			wantList{
				{"people[0].key", "is required"},
				{"sessions[0].slots[0].speakers[0]", `refers to person "ann", which is not in the file`},
			}},
		{"validation runs with type errors elsewhere", func(d map[string]any) {
			at(d, "rooms", 0)["capacity"] = "ten"
			at(d, "sessions", 0)["kind"] = "party"
		}, wantList{
			{"rooms[0].capacity", `want a whole number, got "ten"`},
			{"sessions[0].kind", `"party" is not one of seminar, meeting, briefing, main_session, workshop, site_visit, reception, meal, free_time, other`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := editDoc(t, tt.edit)
			if tt.want == nil {
				mustDecode(t, data)
				return
			}
			if got := decodeProblems(t, data); got.Error() != tt.want.Error() {
				t.Errorf("problems:\n%v\nwant:\n%v", got, tt.want)
			}
		})
	}
}

// TestDecodeRawErrors covers inputs that a parsed-and-remarshalled document
// cannot express: the top level and fields that appear twice.
func TestDecodeRawErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		want      wantList
	}{
		{"the top level is an object", `["delegation-programme/v1"]`,
			wantList{{"", "want an object {...}, got a list"}}},
		{"the top level is not a string", `"programme"`,
			wantList{{"", `want an object {...}, got "programme"`}}},
		{"an empty object", `{}`,
			wantList{{"format", `is required: "delegation-programme/v1"`}, {"programme", "is required"}}},
		{"a field given twice", strings.Replace(minimalDoc, `"title": "Session",`, `"title": "Session", "title": "Other",`, 1),
			wantList{{"sessions[0].title", "appears twice in the same object"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeProblems(t, []byte(tt.doc)); got.Error() != tt.want.Error() {
				t.Errorf("problems:\n%v\nwant:\n%v", got, tt.want)
			}
		})
	}
}

func TestDecodeSyntaxError(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"a missing comma", "{\n  \"format\": \"x\"\n  \"programme\": {}\n}",
			"line 3, column 3: invalid character '\"' after object key:value pair"},
		{"a trailing comma", "{\n  \"venues\": [\n    {\"key\": \"a\"},\n  ]\n}",
			"line 4, column 3: invalid character ']' looking for beginning of value"},
		{"columns count characters, not bytes", "{\"title\": \"Café\", x}",
			"line 1, column 19: invalid character 'x' looking for beginning of object key string"},
		{"the end comes too soon", "{\n  \"format\": \"delegation-programme/v1\",\n",
			"line 3, column 1: unexpected end of JSON input"},
		{"empty input", "",
			"line 1, column 1: unexpected end of JSON input"},
		{"something after the document", "{}\n{}",
			"line 2, column 1: invalid character '{' after top-level value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeProblems(t, []byte(tt.doc))
			if len(got) != 1 || got[0].Path != "" || got[0].Msg != tt.want {
				t.Errorf("problems = %q, want only %q", got, tt.want)
			}
		})
	}
}

func TestDecodeWarnsAboutUnknownFields(t *testing.T) {
	p, warnings := mustDecode(t, readFixture(t, "unknown-fields.json"))
	want := wantList{
		{"generator", "unknown field, ignored"},
		{"programme.website", "unknown field, ignored"},
		{"venues[0].map", "unknown field, ignored"},
		{"people[0].sequence", "unknown field, ignored"},
		{"sessions[0].colour", "unknown field, ignored"},
		{"sessions[0].audience.groups", "unknown field, ignored"},
		{"sessions[0].slots[0].duration", "unknown field, ignored"},
		{"transport[0].driver", "unknown field, ignored"},
		{"transport[0].poll.anonymous", "unknown field, ignored"},
	}
	if got := programme.FieldErrors(warnings); got.Error() != want.Error() {
		t.Errorf("warnings:\n%v\nwant:\n%v", got, want)
	}
	// A field from the store's bookkeeping is not read from a file.
	if p.People[0].Key != "joe-gattuso" || p.Sessions[0].Sequence != 0 {
		t.Errorf("decoded %+v", p.People[0])
	}
}

func TestDecodeReturnsWarningsWithErrors(t *testing.T) {
	data := editDoc(t, func(d map[string]any) {
		at(d, "venues", 0)["colour"] = "red"
		at(d, "venues", 0)["name"] = ""
	})
	_, warnings, err := Decode(bytes.NewReader(data))
	if err == nil || len(warnings) != 1 || warnings[0].Path != "venues[0].colour" {
		t.Errorf("Decode = %v, %v; want an error and the warning", warnings, err)
	}
}

// TestDecodeOffsets checks that RFC 3339 times with an offset are read as
// instants and written back as local wall-clock time in the item's zone.
func TestDecodeOffsets(t *testing.T) {
	p, _ := mustDecode(t, readFixture(t, "offset-times.json"))
	if got, want := p.Sessions[1].StartsAt, mustTime(t, "2016-12-05T15:00:00Z"); !got.Equal(want) {
		t.Errorf("seminar starts at %v, want %v", got, want)
	}
	var out bytes.Buffer
	if err := Encode(&out, p); err != nil {
		t.Fatal(err)
	}
	if want := readFixture(t, "offset-times.exported.json"); !bytes.Equal(out.Bytes(), want) {
		t.Errorf("exported:\n%s\nwant:\n%s", out.Bytes(), want)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestDecodeReadError(t *testing.T) {
	_, _, err := Decode(failingReader{})
	if programme.ErrorCode(err) != programme.EINVALID || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("Decode error = %v, want EINVALID wrapping the read error", err)
	}
}

// TestDecodeRefusesInvalidUTF8 checks that bytes that are not UTF-8 are
// refused where they are, rather than stored as U+FFFD: a file saved as
// Latin-1 would store "Mar\uFFFDa" for "María".
func TestDecodeRefusesInvalidUTF8(t *testing.T) {
	doc := strings.Replace(minimalDoc, `"name": "Ann"`, "\"name\": \"Mar\xeda\"", 1)
	doc = strings.Replace(doc, `"speakers": ["ann"]`, "\"speakers\": [\"ann\", \"b\xe9\"], \"n\xf6te\": 1", 1)
	got := decodeProblems(t, []byte(doc))
	want := wantList{
		{"people[0].name", "line 7, column 41: is not valid UTF-8 text (byte 0xED): save the file as UTF-8"},
		{"sessions[0].slots[0].speakers[1]", "line 10, column 76: is not valid UTF-8 text (byte 0xE9): save the file as UTF-8"},
		{"sessions[0].slots[0][\"n\uFFFDte\"]", "line 10, column 83: is not valid UTF-8 text (byte 0xF6): save the file as UTF-8"},
	}
	if got.Error() != want.Error() {
		t.Errorf("problems:\n%v\nwant:\n%v", got, want)
	}
}

// TestDecodeAcceptsAByteOrderMark: Windows editors start UTF-8 files with
// one, and encoding/json refuses it as "invalid character 'ï'".
func TestDecodeAcceptsAByteOrderMark(t *testing.T) {
	p, _ := mustDecode(t, append([]byte("\xef\xbb\xbf"), minimalDoc...))
	if p.Slug != "small" {
		t.Errorf("Slug = %q, want small", p.Slug)
	}
	// Lines and columns count from after the mark, as an editor shows them.
	got := decodeProblems(t, []byte("\xef\xbb\xbf{\"format\" 1}"))
	if want := "line 1, column 11: invalid character '1' after object key"; len(got) != 1 || got[0].Msg != want {
		t.Errorf("problems = %q, want only %q", got, want)
	}
}

// endlessReader is a file that never ends: `[` and then spaces.
type endlessReader struct{ read int }

func (r *endlessReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = ' '
	}
	if r.read == 0 && len(b) > 0 {
		b[0] = '['
	}
	r.read += len(b)
	return len(b), nil
}

func TestDecodeRefusesATooLargeFileEarly(t *testing.T) {
	r := &endlessReader{}
	_, _, err := Decode(r)
	var pe *programme.Error
	if !errors.As(err, &pe) || pe.Code != programme.EINVALID {
		t.Fatalf("Decode error = %v, want EINVALID", err)
	}
	got := pe.Fields
	want := fmt.Sprintf("the file is larger than 8 MiB (%d bytes), the limit", MaxFileBytes)
	if len(got) != 1 || got[0].Msg != want {
		t.Errorf("problems = %q, want only %q", got, want)
	}
	if r.read > MaxFileBytes+1 {
		t.Errorf("Decode read %d bytes, want at most %d", r.read, MaxFileBytes+1)
	}
	// A file at the limit is read whole: its problem is what it holds.
	atLimit := append([]byte(minimalDoc), bytes.Repeat([]byte(" "), MaxFileBytes-len(minimalDoc))...)
	mustDecode(t, atLimit)
}

// TestDecodeAppliesTheDomainsRules checks a few of the rules programme.Validate
// enforces for every way in, as the file reports them.
func TestDecodeAppliesTheDomainsRules(t *testing.T) {
	tests := []struct {
		name string
		edit func(doc map[string]any)
		want wantList
	}{
		{"a time has two-digit hours", func(d map[string]any) { at(d, "sessions", 0)["ends_at"] = "2016-11-06T9:45" },
			wantList{{"sessions[0].ends_at", `"2016-11-06T9:45" is not a time of the form YYYY-MM-DDTHH:MM`}}},
		{"no year 0", func(d map[string]any) { at(d, "programme")["starts_on"] = "0000-01-01" },
			wantList{{"programme.starts_on", `"0000-01-01" is in the year 0: years run from 0001 to 9999`}}},
		{"a zone as the database spells it", func(d map[string]any) { at(d, "programme")["time_zone"] = "America//New_York" },
			wantList{{"programme.time_zone", `"America//New_York" is not a known IANA time zone`}}},
		{"no host zone", func(d map[string]any) { at(d, "programme")["time_zone"] = "localtime" },
			wantList{{"programme.time_zone", `"localtime" is not a known IANA time zone`}}},
		{"a title is one line", func(d map[string]any) { at(d, "sessions", 0, "slots", 0)["title"] = "Opening\r\nremarks" },
			wantList{{"sessions[0].slots[0].title", "contains a carriage return (U+000D): it must be one line"}}},
		{"a description has a limit", func(d map[string]any) { at(d, "programme")["description"] = strings.Repeat("x", 5<<20) },
			wantList{{"programme.description", "is 5242880 characters long: at most 10000"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeProblems(t, editDoc(t, tt.edit)); got.Error() != tt.want.Error() {
				t.Errorf("problems:\n%v\nwant:\n%v", got, tt.want)
			}
		})
	}
}

func TestDecodeGeo(t *testing.T) {
	data := editDoc(t, func(d map[string]any) {
		at(d, "venues", 0)["geo"] = map[string]any{"lat": 20.6736, "lon": -103.3927}
	})
	p, warnings := mustDecode(t, data)
	if want := (&programme.Geo{Lat: 20.6736, Lon: -103.3927}); len(warnings) != 0 || !reflect.DeepEqual(p.Venues[0].Geo, want) {
		t.Errorf("Geo = %+v (warnings %v), want %+v", p.Venues[0].Geo, warnings, want)
	}
	if out := mustEncode(t, p); !bytes.Contains(out, []byte(`"geo": {
        "lat": 20.6736,
        "lon": -103.3927
      }`)) {
		t.Errorf("the export has no geo:\n%s", out)
	}
	if p, _ := mustDecode(t, []byte(minimalDoc)); p.Venues[0].Geo != nil {
		t.Errorf("a venue without geo decodes with %+v", p.Venues[0].Geo)
	}

	tests := []struct {
		name string
		geo  any
		want wantList
	}{
		{"both coordinates", map[string]any{"lat": 20.6736},
			wantList{{"venues[0].geo.lon", "is required"}}},
		{"numbers", map[string]any{"lat": "20.6736", "lon": -103.3927},
			wantList{{"venues[0].geo.lat", `want a number, got "20.6736"`}}},
		{"an object", []any{20.6736, -103.3927},
			wantList{{"venues[0].geo", "want an object {...}, got a list"}}},
		{"a latitude", map[string]any{"lat": 90.5, "lon": 0},
			wantList{{"venues[0].geo.lat", "is 90.5: it must be from -90 to 90 degrees"}}},
		{"a longitude", map[string]any{"lat": 0, "lon": -180.25},
			wantList{{"venues[0].geo.lon", "is -180.25: it must be from -180 to 180 degrees"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := editDoc(t, func(d map[string]any) { at(d, "venues", 0)["geo"] = tt.geo })
			if got := decodeProblems(t, data); got.Error() != tt.want.Error() {
				t.Errorf("problems:\n%v\nwant:\n%v", got, tt.want)
			}
		})
	}
	// A number too large for a float64 is refused as such.
	doc := strings.Replace(minimalDoc, `"name": "Headquarters"`, `"name": "Headquarters", "geo": {"lat": 1e400, "lon": 0}`, 1)
	if got := decodeProblems(t, []byte(doc)); len(got) != 1 || got[0].Path != "venues[0].geo.lat" {
		t.Errorf("problems = %v, want one at venues[0].geo.lat", got)
	}
}

// TestDecodeRefusesLoneSurrogates: an escaped half of a UTF-16 surrogate
// pair is no character, and encoding/json would store U+FFFD for it.
func TestDecodeRefusesLoneSurrogates(t *testing.T) {
	tests := []struct{ name, title, want string }{
		{"a high half alone", `Caf\ud83d`, `\ud83d is half of a UTF-16 surrogate pair, not a character`},
		{"a low half alone", `\uDE00 smile`, `\uDE00 is half of a UTF-16 surrogate pair, not a character`},
		{"a high half before another escape", `\ud83d\u0041`, `\ud83d is half of a UTF-16 surrogate pair, not a character`},
		{"an escaped backslash is no escape", `C:\\ud83d`, ""},
		{"a whole pair", `Smile \ud83d\ude00`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(minimalDoc, `"title": "Session"`, `"title": "`+tt.title+`"`, 1)
			if tt.want == "" {
				mustDecode(t, []byte(doc))
				return
			}
			got := decodeProblems(t, []byte(doc))
			if len(got) != 1 || got[0].Path != "sessions[0].title" || got[0].Msg != tt.want {
				t.Errorf("problems = %q, want only sessions[0].title: %s", got, tt.want)
			}
		})
	}
}
