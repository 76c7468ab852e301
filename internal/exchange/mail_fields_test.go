package exchange

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// TestMailFieldsRoundTrip: organizer_email and calendar_by_email are read,
// kept and written back; a file without them exports without them.
func TestMailFieldsRoundTrip(t *testing.T) {
	data := editDoc(t, func(d map[string]any) {
		at(d, "programme")["organizer_email"] = "events@example.org"
		person := at(d, "people", 0)
		person["email"] = "ann@example.org"
		person["calendar_by_email"] = true
	})
	p, _ := mustDecode(t, data)
	if got, want := p.OrganizerEmail, "events@example.org"; got != want {
		t.Errorf("OrganizerEmail = %q, want %q", got, want)
	}
	if !p.People[0].CalendarByEmail {
		t.Errorf("CalendarByEmail = false, want true")
	}
	var out bytes.Buffer
	if err := Encode(&out, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"organizer_email": "events@example.org"`, `"calendar_by_email": true`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("export lacks %s:\n%s", want, out.String())
		}
	}
	again, _ := mustDecode(t, out.Bytes())
	if !reflect.DeepEqual(again.People, p.People) || again.OrganizerEmail != p.OrganizerEmail {
		t.Errorf("round trip changed the programme")
	}

	plain, _ := mustDecode(t, []byte(minimalDoc))
	out.Reset()
	if err := Encode(&out, plain); err != nil {
		t.Fatal(err)
	}
	for _, unwanted := range []string{"organizer_email", "calendar_by_email"} {
		if strings.Contains(out.String(), unwanted) {
			t.Errorf("a file without %s exports with it", unwanted)
		}
	}
}

func TestMailFieldsErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(doc map[string]any)
		want wantList
	}{
		{"organizer_email is an address", func(d map[string]any) { at(d, "programme")["organizer_email"] = "events at example.org" },
			wantList{{"programme.organizer_email", `"events at example.org" is not an e-mail address such as ana@example.org`}}},
		{"calendar_by_email needs an email", func(d map[string]any) { at(d, "people", 0)["calendar_by_email"] = true },
			wantList{{"people[0].email", "is required when calendar_by_email is true"}}},
		{"calendar_by_email needs a valid email", func(d map[string]any) {
			at(d, "people", 0)["calendar_by_email"] = true
			at(d, "people", 0)["email"] = "ann@"
		}, wantList{{"people[0].email", `"ann@" is not an e-mail address such as ana@example.org`}}},
		{"calendar_by_email is a boolean", func(d map[string]any) { at(d, "people", 0)["calendar_by_email"] = "yes" },
			wantList{{"people[0].calendar_by_email", `want true or false, got "yes"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeProblems(t, editDoc(t, tt.edit))
			if got.Error() != tt.want.Error() {
				t.Errorf("problems:\n%s\nwant:\n%s", got.Error(), tt.want.Error())
			}
		})
	}
}
