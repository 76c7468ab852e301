package imip_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
	goical "github.com/emersion/go-ical"

	"github.com/planner-dev/planner/internal/ical"
	"github.com/planner-dev/planner/internal/invite/imip"
	"github.com/planner-dev/planner/internal/programme"
)

// FuzzCalendar builds an invitation with any text in the item's title,
// place and description and in the names of the person, the organizer and
// the programme: go-ical must read exactly one VEVENT with the cleaned
// texts, the attendee and organizer as written, in lines of at most 75
// octets that split no UTF-8 character; and the letter's subject must stay
// one line.
func FuzzCalendar(f *testing.F) {
	f.Add("Lunch", "Expo", "Bring money", "Omar Ansari", "CLDP", "IGF 2016")
	f.Add("a\r\nATTENDEE:mailto:x@example.org", "b;c,d\\e", "END:VEVENT\r\nBEGIN:VEVENT", "Ann \"The\" ^Boss^", "Org;CN=x:y", "T\r\nBcc: x@example.org")
	f.Add(strings.Repeat("é", 80), strings.Repeat("😀", 30), strings.Repeat("中", 90), strings.Repeat("ñ", 50), "", "\xff")
	f.Fuzz(func(t *testing.T, title, location, desc, name, organizer, progTitle string) {
		p := &programme.Programme{Slug: "fuzz", Title: progTitle, Organizer: organizer, TimeZone: "UTC"}
		person := &programme.Person{Key: "ann", Name: name, Email: "ann@example.org"}
		start := time.Date(2016, 12, 5, 15, 0, 0, 0, time.UTC)
		item := imip.Item{UID: "fuzz-1@planner", Entry: programme.Entry{ID: "session/s", Title: title, Location: location,
			Description: desc, StartsAt: start, EndsAt: start.Add(time.Hour), Sequence: 2}}
		for _, method := range []ics.Method{ics.MethodRequest, ics.MethodCancel} {
			data, err := imip.Calendar(method, p, person, "planner@example.org", []imip.Item{item}, start)
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
				if len(line) > 75 || !utf8.ValidString(line) || strings.ContainsAny(line, "\r\n") {
					t.Fatalf("line %d: %q", i+1, line)
				}
			}
			cal, err := goical.NewDecoder(bytes.NewReader(data)).Decode()
			if err != nil {
				t.Fatalf("go-ical cannot read the invitation: %v\n%s", err, data)
			}
			events := cal.Events()
			if len(events) != 1 {
				t.Fatalf("%d events, want 1:\n%s", len(events), data)
			}
			props := events[0].Props
			want := map[string]string{"SUMMARY": ical.Text(title), "LOCATION": ical.Text(location)}
			if method == ics.MethodRequest {
				want["DESCRIPTION"] = ical.Text(desc)
			}
			for prop, w := range want {
				got := ""
				if pr := props.Get(prop); pr != nil {
					if got, err = pr.Text(); err != nil {
						t.Fatal(err)
					}
				}
				if got != w {
					t.Errorf("%s = %q, want %q", prop, got, w)
				}
			}
			if n := len(props.Values("ATTENDEE")); n != 1 {
				t.Fatalf("%d attendees", n)
			}
			att := props.Get("ATTENDEE")
			if att.Value != "mailto:ann@example.org" || att.Params.Get("RSVP") != "TRUE" {
				t.Errorf("ATTENDEE = %+v", att)
			}
			if cn := att.Params.Get("CN"); cn == "" || strings.ContainsAny(cn, "\"\r\n") {
				t.Errorf("attendee CN = %q", cn)
			}
			if org := props.Get("ORGANIZER"); org == nil || org.Value != "mailto:planner@example.org" {
				t.Errorf("ORGANIZER = %+v", org)
			}
		}
		l, err := imip.Write(p, person, imip.Plan{Welcome: true, Lines: []string{ical.Text(title)}}, "https://example.org/a/x")
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(l.Subject, "\r\n") && !strings.ContainsAny(progTitle, "\r\n") {
			t.Errorf("subject %q holds a line break", l.Subject)
		}
	})
}
